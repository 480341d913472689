package seerrhook

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
)

func TestDefaultTemplateIsTheReferenceFile(t *testing.T) {
	// sha256 recorded in shared/reference/SOURCE.txt for webhook-default-template.json.
	const want = "c5cba6700c5f06922754998c44bd2d701c3f201bc6c4c2c19f41f60296188b10"
	sum := sha256.Sum256(DefaultTemplate())
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("default-template.json sha256 = %s, want %s", got, want)
	}
}

func TestRenderExact(t *testing.T) {
	tests := []struct {
		name string
		n    Notification
		want string
	}{
		{
			name: "movie approved",
			n:    MovieApproved(12, 603, "The Matrix", 1999),
			want: `{"notification_type":"MEDIA_APPROVED","event":"Movie Request Approved","subject":"The Matrix (1999)",` +
				`"message":"An overview of The Matrix.","image":"https://image.tmdb.org/t/p/w600_and_h900_bestv2/poster.jpg",` +
				`"media":{"media_type":"movie","tmdbId":"603","tvdbId":"","status":"PENDING","status4k":"UNKNOWN"},` +
				`"request":{"request_id":"12","requestedBy_email":"alice@example.com","requestedBy_username":"alice",` +
				`"requestedBy_avatar":"/avatarproxy/0123456789abcdef","requestedBy_settings_discordId":"","requestedBy_settings_telegramChatId":""},` +
				`"issue":null,"comment":null,"extra":[]}`,
		},
		{
			name: "test notification",
			n:    Test(),
			want: `{"notification_type":"TEST_NOTIFICATION","event":"","subject":"Test Notification",` +
				`"message":"Check check, 1, 2, 3. Are we coming in clear?","image":"",` +
				`"media":null,"request":null,"issue":null,"comment":null,"extra":[]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("Render =\n%s\nwant\n%s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Fatal("output is not valid JSON")
			}
		})
	}
}

func TestRenderQuirks(t *testing.T) {
	tests := []struct {
		name string
		tmpl string
		n    Notification
		v33  bool
		want string
	}{
		{
			name: "dollar-ampersand becomes the placeholder",
			tmpl: `{"s":"{{subject}}"}`,
			n:    Notification{Subject: "Tom $& Jerry (2020)"},
			want: `{"s":"Tom {{subject}} Jerry (2020)"}`,
		},
		{
			name: "double dollar collapses",
			tmpl: `{"s":"{{subject}}"}`,
			n:    Notification{Subject: "Cash $$ Money"},
			want: `{"s":"Cash $ Money"}`,
		},
		{
			name: "before and after patterns",
			tmpl: `{"s":"<{{subject}}>"}`,
			n:    Notification{Subject: "$`|$'"},
			want: `{"s":"<<|>>"}`,
		},
		{
			name: "numbered and named groups stay literal",
			tmpl: `{"s":"{{subject}}"}`,
			n:    Notification{Subject: "$1 $<x> $"},
			want: `{"s":"$1 $<x> $"}`,
		},
		{
			name: "only the first occurrence per string",
			tmpl: `{"s":"{{request_id}}-{{request_id}}"}`,
			n:    Notification{Request: &Request{ID: 7}},
			want: `{"s":"7-{{request_id}}"}`,
		},
		{
			name: "a value holding a later variable is replaced again",
			tmpl: `{"s":"{{subject}}"}`,
			n:    Notification{Subject: "x {{media_tmdbid}}", Media: &Media{TMDBID: 5}},
			want: `{"s":"x 5"}`,
		},
		{
			name: "unknown placeholders stay literal",
			tmpl: `{"d":"{{requestedBy_settings_discordIds}}","x":"{{nope}}"}`,
			n:    Notification{Request: &Request{ID: 1, RequestedBy: &User{DiscordID: "42"}}},
			want: `{"d":"{{requestedBy_settings_discordIds}}","x":"{{nope}}"}`,
		},
		{
			name: "seerr 3.3 names: the old placeholder stays literal",
			tmpl: `{"old":"{{requestedBy_settings_discordId}}","new":"{{requestedBy_settings_discordIds}}"}`,
			n:    Notification{Request: &Request{ID: 1, RequestedBy: &User{DiscordID: "42,43"}}},
			v33:  true,
			want: `{"old":"{{requestedBy_settings_discordId}}","new":"42,43"}`,
		},
		{
			name: "special keys move to the end and become null without the entity",
			tmpl: `{"{{media}}":{"t":"{{media_type}}"},"a":"{{event}}","{{request}}":{"r":"{{request_id}}"},"{{extra}}":[]}`,
			n:    Notification{Event: "e", Request: &Request{ID: 3}},
			want: `{"a":"e","media":null,"request":{"r":"3"},"extra":[]}`,
		},
		{
			name: "extra values are substituted",
			tmpl: `{"{{extra}}":[]}`,
			n:    Notification{Subject: "S", Extra: []Extra{{Name: "n", Value: "{{subject}}"}}},
			want: `{"extra":[{"name":"n","value":"S"}]}`,
		},
		{
			name: "non-strings and keys are left alone",
			tmpl: `{"{{subject}}":1.50,"b":true,"n":null,"arr":["{{subject}}",2]}`,
			n:    Notification{Subject: "S"},
			want: `{"{{subject}}":1.50,"b":true,"n":null,"arr":["S",2]}`,
		},
		{
			name: "quotes, backslashes, newlines and unicode are escaped like JSON.stringify",
			tmpl: `{"s":"{{subject}}"}`,
			n:    Notification{Subject: "Amélie \"Le\" \\ <Fabuleux> & 東京\n\x01"},
			want: `{"s":"Amélie \"Le\" \\ <Fabuleux> & 東京\n\u0001"}`,
		},
		{
			name: "override goes through the same replace",
			tmpl: `{"t":"{{media_tmdbid}}"}`,
			n:    Notification{Media: &Media{TMDBID: 5}, Override: map[string]string{"media_tmdbid": "a$&b"}},
			want: `{"t":"a{{media_tmdbid}}b"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Renderer{Template: []byte(tt.tmpl), DiscordIDs: tt.v33}.Render(tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("Render =\n%s\nwant\n%s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Fatal("output is not valid JSON")
			}
		})
	}
}

func TestRenderTVSeasonsAnd4K(t *testing.T) {
	got, err := Render(TVApproved(5, 1399, "Game of Thrones", 2011, []int{0, 1, 2}).As4K().WithType("MEDIA_AUTO_APPROVED"))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		NotificationType string `json:"notification_type"`
		Event            string
		Media            map[string]string
		Extra            []map[string]string
	}
	if err := json.Unmarshal(got, &out); err != nil {
		t.Fatal(err)
	}
	if out.NotificationType != "MEDIA_AUTO_APPROVED" || out.Event != "4K Series Request Automatically Approved" {
		t.Fatalf("type/event = %q/%q", out.NotificationType, out.Event)
	}
	if out.Media["media_type"] != "tv" || out.Media["tmdbId"] != "1399" || out.Media["status4k"] != "PENDING" {
		t.Fatalf("media = %v", out.Media)
	}
	if len(out.Extra) != 1 || out.Extra[0]["name"] != "Requested Seasons" || out.Extra[0]["value"] != "0, 1, 2" {
		t.Fatalf("extra = %v", out.Extra)
	}
}

func TestRenderNumeric(t *testing.T) {
	got, err := RenderNumeric(MovieApproved(12, 603, "The Matrix", 1999))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"tmdbId":603`, `"tvdbId":""`, `"request_id":12`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("RenderNumeric output lacks %s:\n%s", want, got)
		}
	}
}

func TestRenderBadTemplate(t *testing.T) {
	for _, tmpl := range []string{`{`, `{"a":1} x`, `{"a" 1}`} {
		if _, err := (Renderer{Template: []byte(tmpl)}).Render(Test()); err == nil {
			t.Errorf("template %q: want an error", tmpl)
		}
	}
}
