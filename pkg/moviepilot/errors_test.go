package moviepilot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// canned is one answer a test server gives to every request.
type canned struct {
	status int
	header map[string]string
	body   string
	delay  time.Duration
}

// stall is an answer delay no bounded call waits out: a call that returns before it was cut
// short by its timeout or its context, however slow this machine is. The canned server gives
// up as soon as the client goes away.
const stall = time.Minute

func cannedServer(t *testing.T, a canned) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client going away
		if a.delay > 0 {
			select {
			case <-time.After(a.delay):
			case <-r.Context().Done():
				return
			}
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func movieReq() SubscribeRequest {
	return SubscribeRequest{Name: "Heat", Year: 1995, MediaType: MediaMovie, TMDBID: 949}
}

// TestClassification maps every relevant answer of the create call to its Class.
func TestClassification(t *testing.T) {
	httpDate := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name        string
		answer      canned
		network     bool // server closed: no answer at all
		timeout     time.Duration
		cancel      bool // caller cancels its context
		wantClass   Class
		wantStatus  int
		wantMessage string
		wantRetry   time.Duration // lower bound
		wantID      int
	}{
		{name: "200 success", answer: canned{status: 200, body: `{"success":true,"message":"","data":{"id":7}}`}, wantClass: ClassNone, wantStatus: 0, wantID: 7},
		{name: "200 success, id as string", answer: canned{status: 200, body: `{"success":true,"data":{"id":"8"}}`}, wantClass: ClassNone, wantID: 8},
		{name: "200 success:false", answer: canned{status: 200, body: `{"success":false,"message":"未获取到第 2 季的总集数","data":null}`}, wantClass: ClassBusiness, wantStatus: 200, wantMessage: "未获取到第 2 季的总集数"},
		{name: "200 success:false, no message", answer: canned{status: 200, body: `{"success":false}`}, wantClass: ClassBusiness, wantStatus: 200, wantMessage: "without a message"},
		{name: "200 without data", answer: canned{status: 200, body: `{"success":true,"message":"","data":null}`}, wantClass: ClassPermanent, wantStatus: 200, wantMessage: "without data.id"},
		{name: "200 data.id null", answer: canned{status: 200, body: `{"success":true,"data":{"id":null}}`}, wantClass: ClassPermanent, wantStatus: 200, wantMessage: "without data.id"},
		{name: "200 no success key", answer: canned{status: 200, body: `{"id":3}`}, wantClass: ClassPermanent, wantStatus: 200, wantMessage: "no boolean success"},
		{name: "200 malformed json", answer: canned{status: 200, body: `{"success":tru`}, wantClass: ClassPermanent, wantStatus: 200, wantMessage: "not a JSON object"},
		{name: "200 html", answer: canned{status: 200, body: `<html><title>Login</title></html>`}, wantClass: ClassPermanent, wantStatus: 200},
		{name: "200 json array", answer: canned{status: 200, body: `[]`}, wantClass: ClassPermanent, wantStatus: 200},
		{name: "201 is not 200", answer: canned{status: 201, body: `{"success":true,"data":{"id":1}}`}, wantClass: ClassPermanent, wantStatus: 201},
		{name: "301", answer: canned{status: 301, header: map[string]string{"Location": "/x"}}, wantClass: ClassPermanent, wantStatus: 301, wantMessage: "redirect"},
		{name: "302", answer: canned{status: 302, header: map[string]string{"Location": "/x"}}, wantClass: ClassPermanent, wantStatus: 302, wantMessage: "redirect"},
		{name: "307 slash", answer: canned{status: 307, header: map[string]string{"Location": "http://h/api/v1/subscribe/"}}, wantClass: ClassPermanent, wantStatus: 307, wantMessage: "trailing slash"},
		{name: "308", answer: canned{status: 308, header: map[string]string{"Location": "/y"}}, wantClass: ClassPermanent, wantStatus: 308, wantMessage: "redirect"},
		{name: "400 detail", answer: canned{status: 400, body: `{"detail":"用户权限不足"}`}, wantClass: ClassPermanent, wantStatus: 400, wantMessage: "用户权限不足"},
		{name: "401 static token", answer: canned{status: 401, body: `{"detail":"Not authenticated"}`}, wantClass: ClassAuth, wantStatus: 401, wantMessage: "Not authenticated"},
		{name: "403 static token", answer: canned{status: 403, body: `{"detail":"token校验不通过"}`}, wantClass: ClassAuth, wantStatus: 403, wantMessage: "token校验不通过"},
		{name: "404", answer: canned{status: 404, body: `{"detail":"Not Found"}`}, wantClass: ClassPermanent, wantStatus: 404, wantMessage: "Not Found"},
		{name: "405", answer: canned{status: 405, body: `{"detail":"Method Not Allowed"}`}, wantClass: ClassPermanent, wantStatus: 405, wantMessage: "Method Not Allowed"},
		{name: "408", answer: canned{status: 408, body: ``}, wantClass: ClassRetry, wantStatus: 408},
		{name: "409 other 4xx", answer: canned{status: 409, body: `conflict`}, wantClass: ClassPermanent, wantStatus: 409, wantMessage: "conflict"},
		{name: "422 v2 list", answer: canned{status: 422, body: `{"detail":[{"loc":["body","tmdbid"],"msg":"value is not a valid integer","type":"type_error.integer"}]}`}, wantClass: ClassPermanent, wantStatus: 422, wantMessage: "body.tmdbid: value is not a valid integer"},
		{name: "422 v3 envelope", answer: canned{status: 422, body: `{"success":false,"message":"参数错误","data":[{"loc":["query","media_source"],"msg":"Field required","type":"missing"}]}`}, wantClass: ClassPermanent, wantStatus: 422, wantMessage: "query.media_source: Field required"},
		{name: "429 seconds", answer: canned{status: 429, header: map[string]string{"Retry-After": "30"}}, wantClass: ClassRetry, wantStatus: 429, wantRetry: 30 * time.Second},
		{name: "429 http date", answer: canned{status: 429, header: map[string]string{"Retry-After": httpDate}}, wantClass: ClassRetry, wantStatus: 429, wantRetry: 80 * time.Second},
		{name: "500 plain", answer: canned{status: 500, body: "Internal Server Error"}, wantClass: ClassRetry, wantStatus: 500, wantMessage: "Internal Server Error"},
		{name: "500 v3 envelope", answer: canned{status: 500, body: `{"success":false,"message":"未知错误","data":null}`}, wantClass: ClassRetry, wantStatus: 500, wantMessage: "未知错误"},
		{name: "502 html", answer: canned{status: 502, body: "<html><head><title>502 Bad Gateway</title></head></html>"}, wantClass: ClassRetry, wantStatus: 502, wantMessage: "502 Bad Gateway"},
		{name: "503 retry-after", answer: canned{status: 503, header: map[string]string{"Retry-After": "5"}, body: "down"}, wantClass: ClassRetry, wantStatus: 503, wantRetry: 5 * time.Second},
		{name: "504", answer: canned{status: 504}, wantClass: ClassRetry, wantStatus: 504},
		{name: "network error", network: true, wantClass: ClassRetry, wantStatus: 0},
		{name: "per-call timeout", answer: canned{status: 200, body: `{}`, delay: stall}, timeout: 50 * time.Millisecond, wantClass: ClassRetry, wantMessage: "no answer within"},
		{name: "caller cancels", answer: canned{status: 200, body: `{}`, delay: stall}, cancel: true, wantClass: ClassCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := cannedServer(t, tc.answer)
			if tc.network {
				srv.Close()
			}
			c, err := New(Config{BaseURL: srv.URL, Scheme: AuthXAPIKey, Token: "tok-classify-123", APIVersion: "v2", Timeout: tc.timeout})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				time.AfterFunc(50*time.Millisecond, cancel)
			}
			start := time.Now()
			id, err := c.Create(ctx, movieReq())
			if d := time.Since(start); d >= stall {
				t.Fatalf("call took %s: it waited for the server's answer", d)
			}
			if got := Classify(err); got != tc.wantClass {
				t.Fatalf("Classify = %v, want %v (err: %v)", got, tc.wantClass, err)
			}
			if tc.wantClass == ClassNone {
				if id != tc.wantID {
					t.Fatalf("id = %d, want %d", id, tc.wantID)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if e.Status != tc.wantStatus {
				t.Fatalf("Status = %d, want %d", e.Status, tc.wantStatus)
			}
			if !strings.Contains(e.Message, tc.wantMessage) {
				t.Fatalf("Message = %q, want it to contain %q", e.Message, tc.wantMessage)
			}
			if e.RetryAfter < tc.wantRetry || (tc.wantRetry == 0 && e.RetryAfter != 0) {
				t.Fatalf("RetryAfter = %s, want ≥ %s", e.RetryAfter, tc.wantRetry)
			}
			if e.Op != "create" {
				t.Fatalf("Op = %q", e.Op)
			}
			if strings.Contains(err.Error(), "tok-classify-123") {
				t.Fatalf("token in error: %v", err)
			}
			// Classify sees through wrapping.
			if got := Classify(fmt.Errorf("task 1: %w", err)); got != tc.wantClass {
				t.Fatalf("wrapped Classify = %v", got)
			}
		})
	}
}

func TestClassifyForeignErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, ClassNone},
		{"canceled", context.Canceled, ClassCanceled},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), ClassCanceled},
		{"net error", &net.OpError{Op: "dial", Err: errors.New("refused")}, ClassRetry},
		{"other", errors.New("boom"), ClassPermanent},
		{"wrapped business", fmt.Errorf("a: %w", &Error{Class: ClassBusiness}), ClassBusiness},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.err); got != tc.want {
				t.Fatalf("Classify = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"12", 12 * time.Second},
		{"-3", 0},
		{"soon", 0},
		{now.Add(time.Minute).Format(http.TimeFormat), time.Minute},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tc := range tests {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Op: "create", Status: 503, Class: ClassRetry, Message: "down", RetryAfter: 5 * time.Second}, "moviepilot create: HTTP 503 [retry]: down (retry after 5s)"},
		{&Error{Op: "create", Status: 200, Class: ClassBusiness, Message: "未识别到媒体信息"}, "moviepilot create: rejected (success:false) [business]: 未识别到媒体信息"},
		{&Error{Op: "lookup", Class: ClassRetry, Message: "dial refused"}, "moviepilot lookup: network error [retry]: dial refused"},
		{&Error{Op: "lookup", Class: ClassCanceled}, "moviepilot lookup: canceled [canceled]"},
		{&Error{Op: "create", Status: 500, Class: ClassRetry, Body: "oops"}, "moviepilot create: HTTP 500 [retry]: oops"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestScrubAndCut(t *testing.T) {
	c, err := New(Config{BaseURL: "http://h", Scheme: AuthLogin, Username: "u", Password: "hunter2-pass"})
	if err != nil {
		t.Fatal(err)
	}
	c.jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
	tests := []struct{ in, leak string }{
		{"GET http://h/x?token=abcdef&y=1", "abcdef"},
		{"password=hunter2-pass", "hunter2-pass"},
		{`{"access_token":"opaque-value"}`, "opaque-value"},
		{"Authorization: Bearer sometoken123", "sometoken123"},
		{"jwt " + c.jwt + " here", c.jwt},
		{"other eyJa.eyJb.sig jwt", "eyJa.eyJb.sig"},
	}
	for _, tc := range tests {
		if got := c.scrub(tc.in); strings.Contains(got, tc.leak) || !strings.Contains(got, "REDACTED") {
			t.Errorf("scrub(%q) = %q", tc.in, got)
		}
	}
}
