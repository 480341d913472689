package seerr

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/testhttp"
)

// FuzzDecodeResponses feeds arbitrary bodies to the list and get decoders through the client's
// whole HTTP path: nothing may panic, and no error may carry the API key. The body comes from a
// RoundTripper, not a listening server: a server per input made the coverage-guided fuzzer
// stall after a few dozen inputs.
func FuzzDecodeResponses(f *testing.F) {
	f.Add([]byte(`{"pageInfo":{"pages":1,"pageSize":50,"results":1,"page":1},"results":[{"id":1,"status":2,"type":"tv","is4k":false,"media":{"tmdbId":1396,"tvdbId":81189,"status":3,"status4k":1},"seasons":[{"seasonNumber":1,"status":2}],"requestedBy":{"id":1,"displayName":"a"}}]}`))
	f.Add([]byte(`{"pageInfo":{"pages":null},"results":null}`))
	f.Add([]byte(`{"id":"7","status":"2","media":{"tmdbId":"603"},"seasons":[{"seasonNumber":"0"}]}`))
	f.Add([]byte(`<html>not json</html>`))
	f.Add([]byte(`[]`))
	const key = "fuzz-api-key-7f3a"
	f.Fuzz(func(t *testing.T, body []byte) {
		hc := testhttp.Client(http.StatusOK, body)
		c, err := New(Config{BaseURL: "http://seerr.test", APIKey: key, Timeout: 2 * time.Second, HTTPClient: hc})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := c.ListRequests(ctx, ListOptions{Filter: "approved", Take: 10}); err != nil && strings.Contains(err.Error(), key) {
			t.Fatalf("error leaks the key: %v", err)
		}
		if _, err := c.GetRequest(ctx, 1); err != nil && strings.Contains(err.Error(), key) {
			t.Fatalf("error leaks the key: %v", err)
		}
	})
}
