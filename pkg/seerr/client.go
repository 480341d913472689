// Package seerr is seerrpilot's client for the request API of Overseerr (1.x),
// Jellyseerr (2.x) and Seerr (3.x).
//
// It reads the server version (Status), lists requests page by page (ListRequests, Walk)
// and fetches single requests (GetRequest). Version differences are described by
// Features (FeaturesFor). The client never logs; the API key is sent only in the
// X-Api-Key header and never appears in an error or a returned value.
package seerr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/jsonx"
)

// DefaultTimeout is the per-call timeout when Config.Timeout is zero.
const DefaultTimeout = 15 * time.Second

// Answer size limits.
const (
	maxListBody   = 8 << 20
	maxGetBody    = 2 << 20
	maxStatusBody = 64 << 10
	maxErrorBody  = 4 << 10
	maxRedirects  = 5
)

// Outcomes passed to Config.Observe.
const (
	OutcomeOK           = "ok"
	OutcomeNotFound     = "not_found"
	OutcomeUnauthorized = "unauthorized"
	OutcomeBadRequest   = "bad_request"
	OutcomeClientError  = "client_error"
	OutcomeServerError  = "server_error"
	OutcomeNetwork      = "network_error"
	OutcomeTimeout      = "timeout"
	OutcomeCanceled     = "canceled"
	OutcomeDecode       = "decode_error"
)

// Operation names used in Error.Op and Config.Observe.
const (
	OpStatus = "status"
	OpList   = "list"
	OpGet    = "get"
)

// Config configures a Client.
type Config struct {
	// BaseURL is where Seerr is served, e.g. "http://seerr:5055" or
	// "https://host/seerr/" (a sub-path and a trailing slash are fine). A trailing
	// "/api/v1" is tolerated and removed.
	BaseURL string
	// APIKey is Seerr's API key (Settings > General). It is sent as X-Api-Key on
	// authenticated calls only.
	APIKey string
	// Timeout bounds each call, body included. Zero means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient is used for the calls when set. The client works on a shallow copy
	// whose redirect policy refuses to carry the key to another host or to plain http.
	HTTPClient *http.Client
	// Observe, when set, is called once per HTTP call with the operation (OpStatus,
	// OpList, OpGet), an Outcome* value and the call's duration. It must be safe for
	// concurrent use.
	Observe func(op, outcome string, d time.Duration)
}

// Client talks to one Seerr server. It is safe for concurrent use.
type Client struct {
	base    url.URL
	key     string
	timeout time.Duration
	hc      *http.Client
	observe func(op, outcome string, d time.Duration)
	scrub   scrubber
}

// New validates cfg and returns a Client. It makes no network call.
func New(cfg Config) (*Client, error) {
	raw := strings.TrimSpace(cfg.BaseURL)
	if raw == "" {
		return nil, errors.New("seerr: BaseURL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("seerr: BaseURL is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("seerr: BaseURL %q: scheme must be http or https", u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("seerr: BaseURL %q has no host", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("seerr: BaseURL %q must not carry a query or fragment", u.Redacted())
	}
	for _, r := range cfg.APIKey {
		if r < 0x20 || r == 0x7f {
			return nil, errors.New("seerr: APIKey contains control characters")
		}
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("seerr: Timeout is negative")
	}
	path := strings.TrimRight(u.Path, "/")
	path = strings.TrimSuffix(path, "/api/v1")
	u.Path, u.RawPath = path, ""

	c := &Client{
		base:    *u,
		key:     cfg.APIKey,
		timeout: cfg.Timeout,
		observe: cfg.Observe,
		scrub:   newScrubber(cfg.APIKey),
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.CheckRedirect = sameHostRedirect
	c.hc = &hc
	return c, nil
}

// sameHostRedirect follows at most maxRedirects redirects that stay on the original
// host and do not downgrade https to http. Anything else returns the 3xx answer, which
// the client reports as an error, so the X-Api-Key header never leaves the server.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return http.ErrUseLastResponse
	}
	first := via[0].URL
	if !strings.EqualFold(req.URL.Host, first.Host) {
		return http.ErrUseLastResponse
	}
	if first.Scheme == "https" && req.URL.Scheme != "https" {
		return http.ErrUseLastResponse
	}
	return nil
}

// endpoint joins the base path and an API path such as "/status".
func (c *Client) endpoint(p string, q url.Values) string {
	u := c.base
	u.Path = u.Path + "/api/v1" + p
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Status calls the unauthenticated GET /api/v1/status. The API key is not sent.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var w wireStatus
	if err := c.get(ctx, OpStatus, "/status", nil, false, maxStatusBody, &w); err != nil {
		return Status{}, err
	}
	return Status{
		Version:         w.Version.Str(),
		CommitTag:       w.CommitTag.Str(),
		UpdateAvailable: w.UpdateAvailable.Bool(),
		CommitsBehind:   intOf(w.CommitsBehind),
		RestartRequired: w.RestartRequired.Bool(),
	}, nil
}

// get performs one GET and decodes a 2xx JSON answer of at most limit bytes into out.
func (c *Client) get(ctx context.Context, op, path string, q url.Values, auth bool, limit int64, out any) error {
	return c.call(ctx, op, http.MethodGet, path, q, nil, auth, limit, out)
}

// call sends one request (a JSON body when body is not nil) and decodes a 2xx answer into
// out; a nil out accepts any 2xx answer, a 204 included, and reads no body.
func (c *Client) call(ctx context.Context, op, method, path string, q url.Values, body []byte, auth bool, limit int64, out any) error {
	if ctx == nil {
		return &Error{Op: op, Err: errors.New("nil context")}
	}
	start := time.Now()
	outcome := OutcomeOK
	defer func() {
		if c.observe != nil {
			c.observe(op, outcome, time.Since(start))
		}
	}()

	callCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(callCtx, method, c.endpoint(path, q), rd)
	if err != nil {
		outcome = OutcomeClientError
		return &Error{Op: op, Err: c.scrub.err(err)}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "seerrpilot")
	if auth && c.key != "" {
		req.Header.Set("X-Api-Key", c.key)
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		e := c.transportError(ctx, callCtx, op, err)
		outcome = transportOutcome(ctx, e)
		return e
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		e := &Error{Op: op, Status: resp.StatusCode, Body: c.scrub.excerpt(body)}
		outcome = statusOutcome(resp.StatusCode)
		return e
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, limit))
		return nil
	}

	answer, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		e := c.transportError(ctx, callCtx, op, err)
		outcome = transportOutcome(ctx, e)
		return e
	}
	if int64(len(answer)) > limit {
		outcome = OutcomeDecode
		return &Error{Op: op, Status: resp.StatusCode, Decode: true,
			Err: fmt.Errorf("answer larger than %d bytes", limit)}
	}
	if err := decodeJSON(answer, out); err != nil {
		outcome = OutcomeDecode
		if ct := resp.Header.Get("Content-Type"); ct != "" {
			if mt, _, _ := mime.ParseMediaType(ct); mt != "" && !strings.Contains(mt, "json") {
				err = fmt.Errorf("answer is %s, not JSON (check BaseURL): %w", mt, err)
			}
		}
		return &Error{Op: op, Status: resp.StatusCode, Decode: true, Err: c.scrub.err(err),
			Body: c.scrub.excerpt(answer)}
	}
	return nil
}

func (c *Client) transportError(parent, call context.Context, op string, err error) *Error {
	e := &Error{Op: op, Err: c.scrub.err(err)}
	if parent.Err() == nil && errors.Is(call.Err(), context.DeadlineExceeded) {
		e.timeout = true
		e.Err = &scrubbedError{msg: "timeout after " + c.timeout.String(), cause: context.DeadlineExceeded}
	}
	return e
}

func transportOutcome(parent context.Context, e *Error) string {
	switch {
	case e.timeout:
		return OutcomeTimeout
	case parent.Err() != nil:
		return OutcomeCanceled
	}
	return OutcomeNetwork
}

func statusOutcome(code int) string {
	switch {
	case code == http.StatusNotFound:
		return OutcomeNotFound
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return OutcomeUnauthorized
	case code == http.StatusBadRequest:
		return OutcomeBadRequest
	case code >= 500:
		return OutcomeServerError
	}
	return OutcomeClientError
}

// strictWire marks a wire type that must decode exactly (a value of the wrong kind is an
// error); every other one decodes leniently with jsonx.Unmarshal.
type strictWire interface{ strict() }

// decodeJSON requires a JSON object at the top level.
func decodeJSON(body []byte, out any) error {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' {
		return errors.New("answer is not a JSON object")
	}
	if _, strict := out.(strictWire); strict {
		return json.Unmarshal(t, out)
	}
	return jsonx.Unmarshal(t, out)
}

// ListOptions are the query parameters of GET /api/v1/request. Zero values are not sent.
type ListOptions struct {
	// Filter is one of the Filter* constants the server version accepts.
	Filter string
	// Take is the page size (server default 10). Skip is the offset.
	Take, Skip int
	// Sort is "added" (by id) or "modified" (by updatedAt).
	Sort string
	// SortDirection is "asc" or "desc"; only send it when Features.SortDirection.
	SortDirection string
	// MediaType is "movie", "tv" or "all"; only send it when Features.MediaTypeFilter.
	MediaType string
}

func (o ListOptions) query() url.Values {
	q := url.Values{}
	if o.Take > 0 {
		q.Set("take", strconv.Itoa(o.Take))
	}
	if o.Skip > 0 {
		q.Set("skip", strconv.Itoa(o.Skip))
	}
	if o.Filter != "" {
		q.Set("filter", o.Filter)
	}
	if o.Sort != "" {
		q.Set("sort", o.Sort)
	}
	if o.SortDirection != "" {
		q.Set("sortDirection", o.SortDirection)
	}
	if o.MediaType != "" {
		q.Set("mediaType", o.MediaType)
	}
	return q
}

// ListRequests fetches one page of GET /api/v1/request. It applies no filtering of its
// own; see Walk for paging and Deliverable for the approval rule.
func (c *Client) ListRequests(ctx context.Context, opts ListOptions) (Page, error) {
	if opts.Take < 0 || opts.Skip < 0 {
		return Page{}, errors.New("seerr list: negative take or skip")
	}
	var w wirePage
	if err := c.get(ctx, OpList, "/request", opts.query(), true, maxListBody, &w); err != nil {
		return Page{}, err
	}
	if w.Results == nil {
		return Page{}, &Error{Op: OpList, Status: http.StatusOK, Decode: true,
			Err: errors.New("answer has no results array")}
	}
	p := Page{PageInfo: w.PageInfo.toPageInfo(), Results: make([]Request, 0, len(w.Results))}
	for _, r := range w.Results {
		p.Results = append(p.Results, r.toRequest())
	}
	return p, nil
}

// GetRequest fetches GET /api/v1/request/{id}. Seerr answers 404 for any failure there
// (unknown id, malformed id, database error), so a 404 only means "could not read it";
// the error then matches ErrNotFound.
func (c *Client) GetRequest(ctx context.Context, id int) (*Request, error) {
	if id <= 0 {
		return nil, fmt.Errorf("seerr get: invalid request id %d: %w", id, ErrNotFound)
	}
	var w wireRequest
	if err := c.get(ctx, OpGet, "/request/"+strconv.Itoa(id), nil, true, maxGetBody, &w); err != nil {
		return nil, err
	}
	r := w.toRequest()
	if r.ID <= 0 {
		return nil, &Error{Op: OpGet, Status: http.StatusOK, Decode: true,
			Err: errors.New("answer has no request id")}
	}
	return &r, nil
}
