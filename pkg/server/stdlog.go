package server

import (
	"log"
	"strings"

	"github.com/rs/zerolog"
)

// stdLogger routes net/http's own error log (TLS handshakes, bad requests) into zerolog.
func stdLogger(l zerolog.Logger) *log.Logger {
	return log.New(zlWriter{l}, "", 0)
}

type zlWriter struct{ l zerolog.Logger }

func (w zlWriter) Write(p []byte) (int, error) {
	w.l.Warn().Msg(strings.TrimSpace(string(p)))
	return len(p), nil
}
