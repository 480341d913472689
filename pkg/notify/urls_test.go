package notify

import (
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/redact"
)

func TestCheckURL(t *testing.T) {
	for _, ok := range []string{
		"telegram://123456:ABCdefGHIjkl@telegram?chats=@mychannel,-1001234",
		"discord://W3dE2OZz4C13_4z_uHfDOoC7BqTW288s@693853386302554172",
		"ntfy://ntfy.sh/seerrpilot-alerts",
		"ntfy://user:pa55word@ntfy.example.com/private",
		"bark://:devicekey123@api.day.app",
		"wecom://693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa",
		"generic://example.com/hook?template=json",
		"generic+https://example.com/api/v1/postStuff",
	} {
		if err := CheckURL(ok); err != nil {
			t.Errorf("CheckURL(%s) = %v", Service(ok), err)
		}
	}
	for raw, want := range map[string]string{
		"not a url":                               "want service://",
		"telegrm://" + secretToken + "@x":         `unknown service "telegrm"`,
		"telegram://" + secretToken + "@telegram": "telegram",
		"https://example.com/hook":                "generic+https://", // an http URL is not a shoutrrr URL
	} {
		err := CheckURL(raw)
		if err == nil {
			t.Errorf("CheckURL(%q) accepted", raw)
			continue
		}
		msg := redact.New(URLSecrets(raw)...).Error(err)
		if !strings.Contains(msg, want) || strings.Contains(msg, secretToken) {
			t.Errorf("CheckURL(%q) = %q, want it to say %q without the token", raw, msg, want)
		}
	}
}

func TestURLSecrets(t *testing.T) {
	for raw, secret := range map[string]string{
		"telegram://123456:ABCdefGHIjkl@telegram?chats=@c":      "ABCdefGHIjkl",
		"discord://W3dE2OZz4C13_4z_uHfD@693853386302554172":     "W3dE2OZz4C13_4z_uHfD",
		"bark://:devicekey123@api.day.app":                      "devicekey123",
		"wecom://693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa":          "693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa",
		"generic://h.example/hooks/0123456789abcdefXYZ":         "0123456789abcdefXYZ",
		"generic://h.example/x?@Authorization=Bearer%20abc1234": "Bearer abc1234",
		"ntfy://user:pa55word@ntfy.example.com/private":         "pa55word",
	} {
		red := redact.New(URLSecrets(raw)...)
		if got := red.String("error: " + secret + " refused"); strings.Contains(got, secret) {
			t.Errorf("%s: %q not masked: %s", Service(raw), secret, got)
		}
	}
	// Short, ordinary values are not secrets: masking them would mangle every log line.
	red := redact.New(URLSecrets("generic://h.example/hook?template=json&disabletls=yes")...)
	if got := red.String("json yes hook"); got != "json yes hook" {
		t.Errorf("ordinary words masked: %s", got)
	}
	if got := SplitURLs(" ntfy://a/b \n telegram://t@telegram?chats=1,2 "); len(got) != 2 || got[1] != "telegram://t@telegram?chats=1,2" {
		t.Errorf("SplitURLs = %q", got)
	}
}
