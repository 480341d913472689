// Package seerrhook renders Seerr webhook bodies the way Seerr does, for tests of the
// webhook receiver and for manual checks (curl a rendered body at a running seerrpilot).
//
// Render follows Seerr's webhook agent (server/lib/notifications/agents/webhook.ts, the same
// in Overseerr 1.34, Jellyseerr 2.x and Seerr 3.1): the template is parsed, substitution runs
// on the parsed object and the result is serialised like JSON.stringify, so
//   - every substituted value is a string ("603"), missing ones are "";
//   - the keys "{{media}}", "{{request}}", "{{issue}}", "{{comment}}" become "media" …, holding
//     the template's sub-object, or null when the notification has no such entity;
//   - "{{extra}}" becomes "extra", the notification's extra list (or []), itself substituted;
//   - placeholders the variable table does not know stay literal;
//   - each variable replaces only its first occurrence per string, variables in table order;
//   - values go through JavaScript's String.prototype.replace replacement patterns, so a
//     title holding "$&", "$$", "$`" or "$'" arrives corrupted exactly as Seerr corrupts it.
//
// Object keys keep JavaScript's insertion order (a replaced special key moves to the end);
// number literals in a custom template are copied as written.
package seerrhook

import (
	_ "embed"
	"strings"
)

//go:embed default-template.json
var defaultTemplate string

// DefaultTemplate returns the default JSON payload template of Seerr's webhook agent.
func DefaultTemplate() []byte { return []byte(defaultTemplate) }

// Renderer renders notifications with a template. Its zero value renders the default template
// with the Seerr 3.1 variable table.
type Renderer struct {
	// Template is the JSON payload template; empty means DefaultTemplate.
	Template []byte
	// DiscordIDs uses the Seerr ≥3.3 variable names *_settings_discordIds instead of
	// *_settings_discordId, so a template written for older versions keeps its
	// "{{…_discordId}}" placeholders literal, as real ≥3.3 installs do.
	DiscordIDs bool
}

// Render renders n with the default template, as Seerr 3.1 would post it.
func Render(n Notification) ([]byte, error) { return Renderer{}.Render(n) }

// Render renders n with r's template.
func (r Renderer) Render(n Notification) ([]byte, error) {
	root, err := r.parse()
	if err != nil {
		return nil, err
	}
	substitute(root, variables(n, r.DiscordIDs), n)
	var b strings.Builder
	root.write(&b)
	return []byte(b.String()), nil
}

// RenderNumeric renders n with the default template and then turns the id fields (tmdbId,
// tvdbId, request_id, issue_id) that hold digits into JSON numbers, the way a hand-made
// template or a relay that re-encodes the payload sends them. Seerr itself always sends strings.
func RenderNumeric(n Notification) ([]byte, error) {
	r := Renderer{}
	root, err := r.parse()
	if err != nil {
		return nil, err
	}
	substitute(root, variables(n, false), n)
	numberIDs(root)
	var b strings.Builder
	root.write(&b)
	return []byte(b.String()), nil
}

func (r Renderer) parse() (*node, error) {
	tmpl := r.Template
	if len(tmpl) == 0 {
		tmpl = []byte(defaultTemplate)
	}
	return parseJSON(tmpl)
}

// variable is one entry of Seerr's variable table.
type variable struct {
	name  string
	value string
}

// variables is Seerr 3.1's KeyMap, in its order, evaluated for n. The order matters: a value
// holding a later variable's placeholder gets that placeholder replaced too.
func variables(n Notification, discordIDs bool) []variable {
	discord := "discordId"
	if discordIDs {
		discord = "discordIds"
	}
	nu := n.NotifyUser
	var media Media
	if n.Media != nil {
		media = *n.Media
	}
	var reqID int
	var requester *User
	if n.Request != nil {
		reqID, requester = n.Request.ID, n.Request.RequestedBy
	}
	var issueID int
	var issueType, issueStatus string
	var reporter *User
	if n.Issue != nil {
		issueID, issueType, issueStatus, reporter = n.Issue.ID, n.Issue.Type, n.Issue.Status, n.Issue.CreatedBy
	}
	var commentMsg string
	var commenter *User
	if n.Comment != nil {
		commentMsg, commenter = n.Comment.Message, n.Comment.User
	}
	vars := []variable{
		{"notification_type", n.Type},
		{"event", n.Event},
		{"subject", n.Subject},
		{"message", n.Message},
		{"image", n.Image},
	}
	vars = appendUser(vars, "notifyuser_", nu, discord)
	vars = append(vars,
		variable{"media_tmdbid", idString(media.TMDBID)},
		variable{"media_tvdbid", idString(media.TVDBID)},
		variable{"media_type", media.MediaType},
		variable{"media_status", media.Status},
		variable{"media_status4k", media.Status4K},
		variable{"request_id", idString(reqID)},
	)
	vars = appendUser(vars, "requestedBy_", requester, discord)
	vars = append(vars,
		variable{"issue_id", idString(issueID)},
		variable{"issue_type", issueType},
		variable{"issue_status", issueStatus},
	)
	vars = appendUser(vars, "reportedBy_", reporter, discord)
	vars = append(vars, variable{"comment_message", commentMsg})
	vars = appendUser(vars, "commentedBy_", commenter, discord)

	for i := range vars {
		if v, ok := n.Override[vars[i].name]; ok {
			vars[i].value = v
		}
	}
	return vars
}

// appendUser adds the five variables of one user, in KeyMap order.
func appendUser(vars []variable, prefix string, u *User, discord string) []variable {
	var x User
	if u != nil {
		x = *u
	}
	return append(vars,
		variable{prefix + "username", x.DisplayName},
		variable{prefix + "email", x.Email},
		variable{prefix + "avatar", x.Avatar},
		variable{prefix + "settings_" + discord, x.DiscordID},
		variable{prefix + "settings_telegramChatId", x.TelegramChatID},
	)
}

// idString renders an id as Seerr does; 0 stands for "not set", which Seerr renders as "".
func idString(id int) string {
	if id == 0 {
		return ""
	}
	return itoa(id)
}

// substitute is Seerr's parseKeys: it walks the object, swapping the special keys and
// replacing variables in every string.
func substitute(obj *node, vars []variable, n Notification) {
	switch obj.kind {
	case kindArray:
		for i := range obj.items {
			substituteValue(&obj.items[i], vars, n)
		}
		return
	case kindObject:
	default:
		return
	}
	keys := make([]string, len(obj.members))
	for i, m := range obj.members {
		keys[i] = m.key
	}
	for _, key := range keys {
		switch key {
		case "{{extra}}":
			obj.set("extra", extraNode(n.Extra))
			obj.del(key)
			key = "extra"
		case "{{media}}", "{{request}}", "{{issue}}", "{{comment}}":
			name := key[2 : len(key)-2]
			if present(n, name) {
				v, _ := obj.get(key)
				obj.set(name, v)
			} else {
				obj.set(name, node{kind: kindNull})
			}
			obj.del(key)
			key = name
		}
		i := obj.index(key)
		if i < 0 {
			continue
		}
		substituteValue(&obj.members[i].value, vars, n)
	}
}

func substituteValue(v *node, vars []variable, n Notification) {
	switch v.kind {
	case kindString:
		s := v.text
		for _, kv := range vars {
			s = jsReplaceFirst(s, "{{"+kv.name+"}}", kv.value)
		}
		v.text = s
	case kindObject, kindArray:
		substitute(v, vars, n)
	}
}

func present(n Notification, name string) bool {
	switch name {
	case "media":
		return n.Media != nil
	case "request":
		return n.Request != nil
	case "issue":
		return n.Issue != nil
	case "comment":
		return n.Comment != nil
	}
	return false
}

func extraNode(extra []Extra) node {
	arr := node{kind: kindArray, items: []node{}}
	for _, e := range extra {
		o := node{kind: kindObject}
		o.set("name", node{kind: kindString, text: e.Name})
		o.set("value", node{kind: kindString, text: e.Value})
		arr.items = append(arr.items, o)
	}
	return arr
}

// jsReplaceFirst is JavaScript's s.replace(pattern, replacement) for a string pattern: the first
// occurrence only, with the replacement patterns $$, $&, $` and $' expanded. A string
// pattern has no capture groups, so "$1" and "$<" stay literal.
func jsReplaceFirst(s, pattern, replacement string) string {
	i := strings.Index(s, pattern)
	if i < 0 {
		return s
	}
	before, after := s[:i], s[i+len(pattern):]
	var b strings.Builder
	b.Grow(len(s) + len(replacement))
	b.WriteString(before)
	for j := 0; j < len(replacement); j++ {
		c := replacement[j]
		if c != '$' || j+1 == len(replacement) {
			b.WriteByte(c)
			continue
		}
		switch replacement[j+1] {
		case '$':
			b.WriteByte('$')
		case '&':
			b.WriteString(pattern)
		case '`':
			b.WriteString(before)
		case '\'':
			b.WriteString(after)
		default:
			b.WriteByte('$')
			continue
		}
		j++
	}
	b.WriteString(after)
	return b.String()
}

// numberIDs turns digit-only id strings into numbers, in place.
func numberIDs(v *node) {
	switch v.kind {
	case kindObject:
		for i := range v.members {
			m := &v.members[i]
			switch m.key {
			case "tmdbId", "tvdbId", "request_id", "issue_id":
				if m.value.kind == kindString && isDigits(m.value.text) {
					m.value = node{kind: kindNumber, text: strings.TrimLeft(m.value.text, "0")}
					if m.value.text == "" {
						m.value.text = "0"
					}
					continue
				}
			}
			numberIDs(&m.value)
		}
	case kindArray:
		for i := range v.items {
			numberIDs(&v.items[i])
		}
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
