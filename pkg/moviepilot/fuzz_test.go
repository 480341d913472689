package moviepilot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seerrpilot/seerrpilot/pkg/testhttp"
)

// FuzzDecodeResponses feeds arbitrary bodies and statuses to lookup and create, for both API
// versions: nothing may panic, errors must never carry the token, and a success needs an id.
// The answer comes from a RoundTripper (testhttp.Client), not a listening server per input, which
// stalled the coverage-guided fuzzer.
func FuzzDecodeResponses(f *testing.F) {
	f.Add(200, []byte(`{"success":true,"message":"","data":{"id":12}}`))
	f.Add(200, []byte(`{"id":null,"name":null,"tmdbid":null,"season":null}`))
	f.Add(200, []byte(`{"success":false,"message":"未识别到媒体信息","data":{}}`))
	f.Add(422, []byte(`{"detail":[{"loc":["body","tmdbid"],"msg":"value is not a valid integer","type":"type_error.integer"}]}`))
	f.Add(500, []byte(`Internal Server Error`))
	f.Add(401, []byte(`{"detail":"Not authenticated"}`))
	const token = "fuzz-token-0c9e2b71"
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		hc := testhttp.Client(status, body)
		for _, ver := range []string{VersionV2, VersionV3} {
			c, err := New(Config{BaseURL: "http://mp.test", Scheme: AuthQueryToken, Token: token, APIVersion: ver, Timeout: 2 * time.Second, HTTPClient: hc})
			if err != nil {
				t.Fatal(err)
			}
			one := 1
			ctx := context.Background()
			if _, err := c.Lookup(ctx, 603, &one); err != nil && strings.Contains(err.Error(), token) {
				t.Fatalf("lookup error leaks the token: %v", err)
			}
			id, err := c.Create(ctx, SubscribeRequest{Name: "x", MediaType: MediaTV, TMDBID: 603, Season: &one})
			if err != nil && strings.Contains(err.Error(), token) {
				t.Fatalf("create error leaks the token: %v", err)
			}
			if err == nil && id <= 0 {
				t.Fatalf("create succeeded without an id")
			}
		}
	})
}
