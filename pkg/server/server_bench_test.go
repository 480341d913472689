package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/seerrpilot/seerrpilot/pkg/envelope"
)

// BenchmarkRouterMiddleware is the per-request cost of the router's middlewares (request id,
// access log at info, recoverer) around a handler that only writes a status.
func BenchmarkRouterMiddleware(b *testing.B) {
	h := NewRouter(Options{
		Log:      zerolog.New(io.Discard).Level(zerolog.InfoLevel),
		Envelope: envelope.Writer{},
		Mount: func(r chi.Router) {
			r.Post("/webhook/seerr", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })
		},
	})
	req := httptest.NewRequest(http.MethodPost, "/webhook/seerr", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
	}
}
