package server

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/seerrpilot/seerrpilot/pkg/envelope"
)

// AdminAuth guards the operator endpoints (/api/v1/*, /reconcile, /mcp) with
// "Authorization: Bearer <ADMIN_TOKEN>", compared in constant time. With no token configured
// every request gets 401 saying how to set one: the operator API is never open by default.
func AdminAuth(token string, env envelope.Writer) func(http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if token == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="seerrpilot"`)
				env.Error(w, http.StatusUnauthorized, envelope.Unauthorized,
					"the operator API is disabled: set ADMIN_TOKEN (or ADMIN_TOKEN_FILE) and send Authorization: Bearer <ADMIN_TOKEN>")
				return
			}
			got := r.Header.Get("Authorization")
			// Accept any capitalisation of the scheme; the token itself must match exactly.
			if len(got) > 7 && strings.EqualFold(got[:7], "bearer ") {
				got = "Bearer " + got[7:]
			}
			if subtle.ConstantTimeCompare([]byte(got), want) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="seerrpilot"`)
				env.Error(w, http.StatusUnauthorized, envelope.Unauthorized, "missing or wrong token: send Authorization: Bearer <ADMIN_TOKEN>")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
