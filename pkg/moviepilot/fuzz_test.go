package moviepilot

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzDecodeResponses feeds arbitrary bodies and statuses to lookup and create, for both API
// versions: nothing may panic, errors must never carry the token, and a success needs an id.
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
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			_, _ = w.Write(body)
		}))
		defer srv.Close()
		for _, ver := range []string{VersionV2, VersionV3} {
			c, err := New(Config{BaseURL: srv.URL, Scheme: AuthQueryToken, Token: token, APIVersion: ver, Timeout: 2 * time.Second})
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
