// Package sandbox serves the fake Seerr (seerrtest) and the fake MoviePilot (mptest) on
// loopback HTTP listeners, for local try-outs (cmd/demo -sandbox) and the demo (cmd/demo). It is
// not part of the production binary.
//
// The MoviePilot side has extra endpoints for the caller: GET /_sandbox/subscriptions (what
// MoviePilot received) and GET /_sandbox/calls (JSON), and, to watch seerrpilot's tracking
// (MP_TRACK_INTERVAL) turn a request "downloaded" or "removed in MoviePilot",
// POST /_sandbox/subscriptions/{id}/finish (MoviePilot completes it: it moves to the subscribe
// history) and POST /_sandbox/subscriptions/{id}/delete (deleted without history); 204, or 404
// for an unknown id.
package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/moviepilot/mptest"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

// Versions the sandbox impersonates.
const (
	SeerrVersion = "3.1.0"
	MPVersion    = mptest.V2
)

// Options configure Start.
type Options struct {
	// SeerrAddr and MPAddr are loopback host:port to listen on ("127.0.0.1:0" picks a port).
	SeerrAddr, MPAddr string
	// SeerrKey and MPToken are the keys the fakes accept; empty means a random one.
	SeerrKey, MPToken string
	// SeerrHook, when set, runs on every Seerr API call before it is answered (see
	// seerrtest.Options.Hook).
	SeerrHook func(f *seerrtest.Fake, c seerrtest.Call)
}

// Sandbox is the two running fakes.
type Sandbox struct {
	Seerr *seerrtest.Fake
	MP    *mptest.Fake

	SeerrURL, MPURL   string
	SeerrKey, MPToken string

	servers []*http.Server
	done    []chan struct{}
}

// Sub is one subscription as the admin endpoint shows it.
type Sub struct {
	ID     int    `json:"id"`
	Type   string `json:"type"` // movie or tv
	TMDBID int    `json:"tmdbId"`
	Season *int   `json:"season,omitempty"`
	Name   string `json:"name"`
	Year   string `json:"year,omitempty"`
	User   string `json:"user,omitempty"`
}

// Start listens on both addresses and serves the fakes until Close.
func Start(opts Options) (*Sandbox, error) {
	if opts.SeerrAddr == "" {
		opts.SeerrAddr = "127.0.0.1:0"
	}
	if opts.MPAddr == "" {
		opts.MPAddr = "127.0.0.1:0"
	}
	for _, a := range []string{opts.SeerrAddr, opts.MPAddr} {
		if err := checkLoopback(a); err != nil {
			return nil, err
		}
	}
	if opts.SeerrKey == "" {
		opts.SeerrKey = "seerr-" + randomHex(12)
	}
	if opts.MPToken == "" {
		opts.MPToken = "mp-" + randomHex(12)
	}
	s := &Sandbox{
		Seerr:    seerrtest.NewHandler(seerrtest.Options{Version: SeerrVersion, APIKey: opts.SeerrKey, Hook: opts.SeerrHook}),
		MP:       mptest.NewHandler(mptest.Options{Version: MPVersion, APIToken: opts.MPToken, AcceptAPIKey: true}),
		SeerrKey: opts.SeerrKey,
		MPToken:  opts.MPToken,
	}
	var err error
	if s.SeerrURL, err = s.serve(opts.SeerrAddr, s.Seerr); err != nil {
		s.Close(context.Background())
		return nil, fmt.Errorf("fake Seerr: %w", err)
	}
	if s.MPURL, err = s.serve(opts.MPAddr, s.mpHandler()); err != nil {
		s.Close(context.Background())
		return nil, fmt.Errorf("fake MoviePilot: %w", err)
	}
	return s, nil
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("address %q is not loopback: the sandbox only listens on 127.0.0.1/::1", addr)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Sandbox) serve(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	s.servers = append(s.servers, srv)
	s.done = append(s.done, done)
	return "http://" + ln.Addr().String(), nil
}

// mpHandler is the fake MoviePilot plus the /_sandbox/ admin endpoints.
func (s *Sandbox) mpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_sandbox/subscriptions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.Subscriptions())
	})
	mux.HandleFunc("GET /_sandbox/calls", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.MP.Calls())
	})
	for verb, do := range map[string]func(int) bool{"finish": s.MP.Finish, "delete": s.MP.Delete} {
		mux.HandleFunc("POST /_sandbox/subscriptions/{id}/"+verb, func(w http.ResponseWriter, r *http.Request) {
			id, err := strconv.Atoi(r.PathValue("id"))
			if err != nil || !do(id) {
				http.Error(w, "no such subscription", http.StatusNotFound)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		})
	}
	mux.Handle("/", s.MP)
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// Subscriptions is what the fake MoviePilot holds, ordered by id.
func (s *Sandbox) Subscriptions() []Sub {
	out := []Sub{}
	for _, m := range s.MP.Subscriptions() {
		typ := "movie"
		if m.Type == mptest.TypeTV {
			typ = "tv"
		}
		out = append(out, Sub{ID: m.ID, Type: typ, TMDBID: m.TMDBID, Season: m.Season, Name: m.Name, Year: m.Year, User: m.Username})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Close stops both servers, waiting at most until ctx ends (then closing them hard).
func (s *Sandbox) Close(ctx context.Context) error {
	var errs []error
	for i, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
			_ = srv.Close()
		}
		<-s.done[i]
	}
	s.servers, s.done = nil, nil
	return errors.Join(errs...)
}
