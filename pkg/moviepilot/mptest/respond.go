package mptest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// issue is one pydantic validation problem, as FastAPI reports it in a 422.
type issue struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

func jsonAnswer(status int, v any) answer {
	b, err := json.Marshal(v)
	if err != nil {
		return plain(http.StatusInternalServerError, "Internal Server Error")
	}
	return answer{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: b}
}

func plain(status int, text string) answer {
	return answer{status: status, header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, body: []byte(text)}
}

func envelope(success bool, msg string, data any) map[string]any {
	return map[string]any{"success": success, "message": msg, "data": data}
}

// detail is an HTTPException: {"detail": msg} in v2, an envelope in v3.
func (f *Fake) detail(status int, msg string) answer {
	if f.opts.Version == V3 {
		return jsonAnswer(status, envelope(false, msg, nil))
	}
	return jsonAnswer(status, map[string]any{"detail": msg})
}

// data is a plain 200 answer: the object itself in v2, enveloped in v3.
func (f *Fake) data(v any) answer {
	if f.opts.Version == V3 {
		return jsonAnswer(http.StatusOK, envelope(true, "", v))
	}
	return jsonAnswer(http.StatusOK, v)
}

// result is schemas.Response, which both versions use for create.
func (f *Fake) result(success bool, msg string, data any) answer {
	return jsonAnswer(http.StatusOK, envelope(success, msg, data))
}

// validation is a 422.
func (f *Fake) validation(issues []issue) answer {
	if f.opts.Version == V3 {
		msgs := make([]string, 0, len(issues))
		for _, is := range issues {
			msgs = append(msgs, is.Msg)
		}
		return jsonAnswer(http.StatusUnprocessableEntity, envelope(false, strings.Join(msgs, "; "), issues))
	}
	return jsonAnswer(http.StatusUnprocessableEntity, map[string]any{"detail": issues})
}

// internalError is an unhandled exception.
func (f *Fake) internalError() answer {
	if f.opts.Version == V3 {
		return jsonAnswer(http.StatusInternalServerError, envelope(false, "未知错误", nil))
	}
	return plain(http.StatusInternalServerError, "Internal Server Error")
}

// jwtClaims are the claims MoviePilot puts in its access tokens.
type jwtClaims struct {
	Exp       int64  `json:"exp"`
	Iat       int64  `json:"iat"`
	Sub       string `json:"sub"`
	Username  string `json:"username"`
	SuperUser bool   `json:"super_user"`
	Level     int    `json:"level"`
	Purpose   string `json:"purpose"`
}

func (f *Fake) signJWT(c jwtClaims) string {
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	payload, _ := json.Marshal(c)
	signing := head + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signing + "." + base64.RawURLEncoding.EncodeToString(f.mac(signing))
}

func (f *Fake) mac(s string) []byte {
	m := hmac.New(sha256.New, f.secret)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// verifyJWT checks signature, expiry and purpose against the current secret.
func (f *Fake) verifyJWT(tok string) (jwtClaims, bool) {
	var c jwtClaims
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return c, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, f.mac(parts[0]+"."+parts[1])) {
		return c, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(raw, &c) != nil {
		return c, false
	}
	if c.Purpose != "authentication" || !time.Unix(c.Exp, 0).After(f.opts.Now()) {
		return c, false
	}
	return c, true
}
