package seerrtest

import (
	"net/http"
	"net/http/httptest"
)

// Server is a fake Seerr listening on a local httptest server. The embedded *Fake
// holds its state.
type Server struct {
	*Fake
	srv *httptest.Server
}

// New starts a fake Seerr on 127.0.0.1. Close it when done.
func New(opts Options) *Server {
	f := NewHandler(opts)
	return &Server{Fake: f, srv: httptest.NewServer(f)}
}

// URL is the base URL to give the client, including Options.BasePath.
func (s *Server) URL() string { return s.srv.URL + s.Fake.opts.BasePath }

// HTTPClient returns an *http.Client configured for the server.
func (s *Server) HTTPClient() *http.Client { return s.srv.Client() }

// Close shuts the server down and closes its connections.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}
