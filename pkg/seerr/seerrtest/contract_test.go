package seerrtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
	"github.com/seerrpilot/seerrpilot/pkg/seerr/seerrtest"
)

// specException widens one property of the real spec where the spec is wrong about
// what the server sends (seerr-facts.md §2 and the TypeORM entities). Each one is
// narrow: one property made nullable, nothing else. applyExceptions fails if the spec
// already allows null there, so a fixed spec makes the exception go away.
type specException struct {
	schema, property, why string
}

func specExceptions() []specException {
	return []specException{
		{"User", "username", "nullable column (User.ts); null for users imported from Plex/Jellyfin"},
		{"User", "plexUsername", "nullable varchar (User.ts); null for every non-Plex user"},
		{"MediaRequest", "serverId", "nullable column; null unless set in the advanced request options"},
		{"MediaRequest", "profileId", "nullable column; null unless set in the advanced request options"},
		{"MediaRequest", "rootFolder", "nullable column; null unless set in the advanced request options"},
	}
}

// Spec comments that are wrong but need no change, because they are descriptions,
// not enums (seerr-facts.md §2 "Spec errors"): MediaRequest.status lists only 1-3
// (the server also sends 4 FAILED and 5 COMPLETED) and MediaInfo.status says
// "6 = DELETED" (6 is BLOCKLISTED, 7 is DELETED). loadSpec checks that they stay
// free-form; if the spec ever turns them into an enum, the test must be revisited.
func enumFree() [][2]string { return [][2]string{{"MediaRequest", "status"}, {"MediaInfo", "status"}} }

// Not in either spec, so not validated here (ValidateResponse passes undeclared
// statuses): the 404 of GET /request/{id}, the 403 of isAuthenticated and the 400 of
// the request validator. fake_test.go checks those bodies directly. PageInfo lacks
// pageSize and the list response lacks serviceErrors: extra properties are allowed by
// the spec (no additionalProperties: false), so nothing needs widening for them.

func loadSpec(t *testing.T, file string, withExceptions bool) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	for _, ef := range enumFree() {
		s := propSchema(t, doc, ef[0], ef[1])
		if len(s.Enum) != 0 {
			t.Fatalf("%s: %s.%s now has an enum %v; revisit the documented enum-comment exception",
				file, ef[0], ef[1], s.Enum)
		}
	}
	if withExceptions {
		for _, ex := range specExceptions() {
			s := propSchema(t, doc, ex.schema, ex.property)
			if s.Nullable {
				t.Fatalf("%s: %s.%s is already nullable; drop the exception (%s)", file, ex.schema, ex.property, ex.why)
			}
			s.Nullable = true
		}
	}
	return doc
}

func propSchema(t *testing.T, doc *openapi3.T, schema, prop string) *openapi3.Schema {
	t.Helper()
	ref := doc.Components.Schemas[schema]
	if ref == nil || ref.Value == nil {
		t.Fatalf("schema %s missing from spec", schema)
	}
	p := ref.Value.Properties[prop]
	if p == nil || p.Value == nil {
		t.Fatalf("property %s.%s missing from spec", schema, prop)
	}
	return p.Value
}

func route(t *testing.T, doc *openapi3.T, path string) *routers.Route {
	t.Helper()
	pi := doc.Paths.Find(path)
	if pi == nil || pi.Get == nil {
		t.Fatalf("spec has no GET %s", path)
	}
	return &routers.Route{Spec: doc, Path: path, PathItem: pi, Method: http.MethodGet, Operation: pi.Get}
}

// fetched is one real HTTP exchange with the fake.
type fetched struct {
	req    *http.Request
	status int
	header http.Header
	body   []byte
}

func fetch(t *testing.T, srv *seerrtest.Server, path string, q url.Values) fetched {
	t.Helper()
	u := srv.URL() + "/api/v1" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Api-Key", srv.APIKey())
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		t.Fatal(err)
	}
	return fetched{req: req, status: resp.StatusCode, header: resp.Header, body: body}
}

func validate(doc *openapi3.T, rt *routers.Route, params map[string]string, f fetched) error {
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: f.req, PathParams: params, Route: rt,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  f.status,
		Header:  f.header,
		Options: &openapi3filter.Options{MultiError: true},
	}
	in.SetBodyBytes(f.body)
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// populate adds a varied set of requests: every request and media status the version
// knows, movies and TV, 4K, a second requester, a title shared by two requests.
func populate(f *seerrtest.Fake, modern bool) {
	reqStatuses := []int{1, 2, 3, 4}
	mediaStatuses := []int{1, 2, 3, 4, 5}
	if modern {
		reqStatuses = append(reqStatuses, 5)
		mediaStatuses = append(mediaStatuses, 6, 7)
	}
	tvdb := 81189
	n := 0
	for _, rs := range reqStatuses {
		for _, ms := range mediaStatuses {
			n++
			r := seerr.Request{Status: rs, Type: seerr.TypeMovie,
				Media: seerr.Media{TMDBID: 500 + n, Status: ms, IMDBID: "tt0133093"}}
			switch n % 4 {
			case 1:
				r.Type = seerr.TypeTV
				r.Media.TVDBID = &tvdb
				r.Seasons = []seerr.SeasonRequest{{SeasonNumber: 1}, {SeasonNumber: 2}}
			case 2:
				r.Is4K = true
				r.Media.Status, r.Media.Status4K = 0, ms
			case 3:
				r.RequestedBy = &seerr.User{ID: 7, DisplayName: "friend"}
			}
			f.AddRequest(r)
		}
	}
	// a second request for an existing title (shared media row)
	f.AddRequest(seerr.Request{Status: 1, Type: seerr.TypeMovie, Is4K: true, Media: seerr.Media{TMDBID: 501}})
}

func TestContractAgainstSpec(t *testing.T) {
	cases := []struct {
		name, version, spec string
		modern              bool
	}{
		{"seerr-3.1.0", "3.1.0", "seerr-api.yml", true},
		{"jellyseerr-2.7.3", "2.7.3", "jellyseerr-api.yml", true},
		// No Overseerr spec is stored; its answers have the same schemas, and its
		// filter enum is a subset of Jellyseerr's, so the 2.7.3 spec checks its shape.
		{"overseerr-1.34.0-shape", "1.34.0", "jellyseerr-api.yml", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := loadSpec(t, tc.spec, true)
			srv := seerrtest.New(seerrtest.Options{Version: tc.version})
			defer srv.Close()
			populate(srv.Fake, tc.modern)

			t.Run("status", func(t *testing.T) {
				f := fetch(t, srv, "/status", nil)
				if f.status != http.StatusOK {
					t.Fatalf("status %d", f.status)
				}
				if err := validate(doc, route(t, doc, "/status"), nil, f); err != nil {
					t.Fatal(err)
				}
			})

			filters := seerr.FeaturesFor(tc.version).Filters
			queries := []url.Values{{}, {"take": {"5"}, "skip": {"5"}}, {"sort": {"modified"}}}
			for _, fl := range filters {
				queries = append(queries, url.Values{"filter": {fl}, "take": {"100"}})
			}
			if tc.modern {
				queries = append(queries,
					url.Values{"sort": {"added"}, "sortDirection": {"asc"}, "take": {"7"}, "skip": {"14"}},
					url.Values{"mediaType": {"tv"}, "filter": {"all"}},
					url.Values{"requestedBy": {"7"}})
			}
			listRoute := route(t, doc, "/request")
			for _, q := range queries {
				t.Run("list?"+q.Encode(), func(t *testing.T) {
					f := fetch(t, srv, "/request", q)
					if f.status != http.StatusOK {
						t.Fatalf("status %d: %s", f.status, f.body)
					}
					var page struct{ Results []json.RawMessage }
					if err := json.Unmarshal(f.body, &page); err != nil {
						t.Fatal(err)
					}
					if q.Get("filter") != "" && q.Get("filter") != "deleted" && len(page.Results) == 0 {
						t.Fatalf("filter %q returned nothing; the contract would check nothing", q.Get("filter"))
					}
					if err := validate(doc, listRoute, nil, f); err != nil {
						t.Fatal(err)
					}
					// The spec's request validator must agree with the fake on what is valid.
					reqIn := &openapi3filter.RequestValidationInput{Request: f.req, Route: listRoute,
						Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
					if tc.modern {
						if err := openapi3filter.ValidateRequest(context.Background(), reqIn); err != nil {
							t.Fatalf("fake accepted a query the spec rejects: %v", err)
						}
					}
				})
			}

			getRoute := route(t, doc, "/request/{requestId}")
			for _, id := range []int{1, 2, 3, 4} {
				t.Run("get/"+itoa(id), func(t *testing.T) {
					f := fetch(t, srv, "/request/"+itoa(id), nil)
					if f.status != http.StatusOK {
						t.Fatalf("status %d: %s", f.status, f.body)
					}
					if err := validate(doc, getRoute, map[string]string{"requestId": itoa(id)}, f); err != nil {
						t.Fatal(err)
					}
				})
			}

			if tc.modern {
				t.Run("spec rejects what the fake rejects", func(t *testing.T) {
					for _, q := range []url.Values{
						{"filter": {"bogus"}}, {"sortDirection": {"up"}}, {"sort": {"id"}}, {"take": {"ten"}},
					} {
						f := fetch(t, srv, "/request", q)
						reqIn := &openapi3filter.RequestValidationInput{Request: f.req, Route: listRoute,
							Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
						specErr := openapi3filter.ValidateRequest(context.Background(), reqIn)
						if specErr == nil || f.status != http.StatusBadRequest {
							t.Errorf("%s: spec error %v, fake status %d; both must reject", q.Encode(), specErr, f.status)
						}
					}
				})
			}
		})
	}
}

// TestContractDetectsDrift proves the contract can fail: responses that drift from the
// spec, and the fake's own responses against the unpatched spec, must not validate.
func TestContractDetectsDrift(t *testing.T) {
	srv := seerrtest.New(seerrtest.Options{Version: "3.1.0"})
	defer srv.Close()
	populate(srv.Fake, true)
	doc := loadSpec(t, "seerr-api.yml", true)
	listRoute := route(t, doc, "/request")
	getRoute := route(t, doc, "/request/{requestId}")

	good := fetch(t, srv, "/request", url.Values{"take": {"3"}})
	if err := validate(doc, listRoute, nil, good); err != nil {
		t.Fatalf("baseline must validate: %v", err)
	}
	one := fetch(t, srv, "/request/1", nil)
	if err := validate(doc, getRoute, map[string]string{"requestId": "1"}, one); err != nil {
		t.Fatalf("baseline must validate: %v", err)
	}

	mutations := []struct {
		name   string
		rt     *routers.Route
		params map[string]string
		base   fetched
		mutate func(m map[string]any)
	}{
		{"list: id as string", listRoute, nil, good, func(m map[string]any) { firstResult(m)["id"] = "1" }},
		{"list: status missing", listRoute, nil, good, func(m map[string]any) { delete(firstResult(m), "status") }},
		{"list: pageInfo.pages string", listRoute, nil, good, func(m map[string]any) {
			m["pageInfo"].(map[string]any)["pages"] = "3"
		}},
		{"list: results object", listRoute, nil, good, func(m map[string]any) { m["results"] = map[string]any{} }},
		{"list: is4k string", listRoute, nil, good, func(m map[string]any) { firstResult(m)["is4k"] = "false" }},
		{"list: media.tmdbId null", listRoute, nil, good, func(m map[string]any) {
			firstResult(m)["media"].(map[string]any)["tmdbId"] = nil
		}},
		{"list: requestedBy without email", listRoute, nil, good, func(m map[string]any) {
			delete(firstResult(m)["requestedBy"].(map[string]any), "email")
		}},
		{"get: createdAt number", getRoute, map[string]string{"requestId": "1"}, one, func(m map[string]any) {
			m["createdAt"] = 1700000000
		}},
		{"get: requestedBy.id missing", getRoute, map[string]string{"requestId": "1"}, one, func(m map[string]any) {
			delete(m["requestedBy"].(map[string]any), "id")
		}},
	}
	for _, mu := range mutations {
		t.Run(mu.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(mu.base.body, &m); err != nil {
				t.Fatal(err)
			}
			mu.mutate(m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			f := mu.base
			f.body = b
			if err := validate(doc, mu.rt, mu.params, f); err == nil {
				t.Fatal("a drifted response passed validation")
			}
		})
	}

	t.Run("exceptions are needed", func(t *testing.T) {
		raw := loadSpec(t, "seerr-api.yml", false)
		err := validate(raw, route(t, raw, "/request"), nil, good)
		if err == nil {
			t.Fatal("the unpatched spec accepted null username/serverId; the exceptions are not needed")
		}
		for _, want := range []string{"username", "serverId"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("unpatched-spec error does not mention %q: %v", want, err)
			}
		}
	})
}

func firstResult(m map[string]any) map[string]any {
	return m["results"].([]any)[0].(map[string]any)
}

func itoa(i int) string { return strconv.Itoa(i) }
