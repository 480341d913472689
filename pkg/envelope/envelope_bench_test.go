package envelope

import (
	"net/http"
	"testing"
)

// benchAccepted has the shape of the webhook's 202 data.
type benchAccepted struct {
	TaskID  string `json:"taskId"`
	Status  string `json:"status"`
	Created bool   `json:"created"`
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark measures JSON alone.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func BenchmarkEnvelopeJSON(b *testing.B) {
	cases := []struct {
		name string
		msg  string
		data any
	}{
		{"accepted", "request 123456 queued as task t_123456", benchAccepted{TaskID: "t_123456", Status: "pending", Created: true}},
		{"error", "media.tmdbId is missing; nothing stored", nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			w := Writer{}
			rw := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(rw.h)
				w.JSON(rw, http.StatusAccepted, OK, c.msg, c.data)
			}
		})
	}
}
