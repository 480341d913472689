package seerrhook

import (
	"strconv"
	"strings"
)

// User is a Seerr user as the webhook variables see it.
type User struct {
	DisplayName    string // {{…_username}} is the display name
	Email          string
	Avatar         string
	DiscordID      string // {{…_settings_discordId}} (…Ids on Seerr ≥3.3, comma-joined)
	TelegramChatID string
}

// Media is the media entity of a notification. Zero ids are rendered as "" (not set).
type Media struct {
	MediaType string // "movie" or "tv"
	TMDBID    int
	TVDBID    int
	Status    string // MediaStatus name, e.g. "PROCESSING"
	Status4K  string
}

// Request is the media request of a notification.
type Request struct {
	ID          int
	RequestedBy *User
}

// Issue is the issue of an ISSUE_* notification.
type Issue struct {
	ID        int
	Type      string // VIDEO, AUDIO, SUBTITLES, OTHER
	Status    string // OPEN, RESOLVED
	CreatedBy *User
}

// Comment is the comment of an ISSUE_COMMENT notification.
type Comment struct {
	Message string
	User    *User
}

// Extra is one entry of the notification's extra list.
type Extra struct {
	Name  string
	Value string
}

// Notification is what Seerr's notification manager hands the webhook agent. Nil entities
// render as null blocks.
type Notification struct {
	Type       string // the enum name, e.g. "MEDIA_APPROVED"
	Event      string
	Subject    string
	Message    string
	Image      string
	NotifyUser *User
	Media      *Media
	Request    *Request
	Issue      *Issue
	Comment    *Comment
	Extra      []Extra
	// Override replaces the value of a template variable by name (e.g. "media_tmdbid": "abc"),
	// for payloads no real request produces. It goes through the same replace quirks.
	Override map[string]string
}

// Spec describes a media request notification for MediaNotification.
type Spec struct {
	Type      string // e.g. "MEDIA_APPROVED"
	MediaType string // "movie" or "tv"
	RequestID int
	TMDBID    int
	TVDBID    int
	Title     string
	Year      int // 0: no release date, the subject is the bare title
	// Seasons are the requested seasons of a TV request; nil leaves out the
	// "Requested Seasons" extra, which Seerr always sends for TV.
	Seasons     []int
	Is4K        bool
	RequestedBy string // display name; "" means "alice"
}

// MediaNotification builds a media request notification the way MediaRequest.sendNotification
// does: event text, "Title (YYYY)" subject, TMDB poster URL and, for TV, the
// "Requested Seasons" extra.
func MediaNotification(s Spec) Notification {
	name := s.RequestedBy
	if name == "" {
		name = "alice"
	}
	requester := &User{
		DisplayName: name,
		Email:       strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com",
		Avatar:      "/avatarproxy/0123456789abcdef",
	}
	n := Notification{
		Type:    s.Type,
		Event:   mediaEvent(s.Type, s.MediaType == "tv", s.Is4K),
		Subject: subject(s.Title, s.Year),
		Message: "An overview of " + s.Title + ".",
		Image:   "https://image.tmdb.org/t/p/w600_and_h900_bestv2/poster.jpg",
		Media: &Media{
			MediaType: s.MediaType,
			TMDBID:    s.TMDBID,
			TVDBID:    s.TVDBID,
			Status:    "PENDING",
			Status4K:  "UNKNOWN",
		},
		Request: &Request{ID: s.RequestID, RequestedBy: requester},
	}
	if s.Is4K {
		n.Media.Status, n.Media.Status4K = "UNKNOWN", "PENDING"
	}
	switch s.Type {
	case "MEDIA_APPROVED", "MEDIA_DECLINED", "MEDIA_AVAILABLE":
		n.NotifyUser = requester
	}
	if s.MediaType == "tv" && s.Seasons != nil {
		n.Extra = []Extra{{Name: "Requested Seasons", Value: joinSeasons(s.Seasons)}}
	}
	return n
}

// MovieApproved is MEDIA_APPROVED for a movie request.
func MovieApproved(requestID, tmdbID int, title string, year int) Notification {
	return MediaNotification(Spec{Type: "MEDIA_APPROVED", MediaType: "movie", RequestID: requestID, TMDBID: tmdbID, Title: title, Year: year})
}

// TVApproved is MEDIA_APPROVED for a TV request of seasons (0 is specials).
func TVApproved(requestID, tmdbID int, title string, year int, seasons []int) Notification {
	if seasons == nil {
		seasons = []int{}
	}
	return MediaNotification(Spec{Type: "MEDIA_APPROVED", MediaType: "tv", RequestID: requestID, TMDBID: tmdbID, Title: title, Year: year, Seasons: seasons})
}

// Test is the TEST_NOTIFICATION that Seerr's "Test" button sends: no media, request, issue
// or comment, no event, and the calling admin as notify user.
func Test() Notification {
	return Notification{
		Type:       "TEST_NOTIFICATION",
		Subject:    "Test Notification",
		Message:    "Check check, 1, 2, 3. Are we coming in clear?",
		NotifyUser: &User{DisplayName: "admin", Email: "admin@example.com", Avatar: "/avatarproxy/admin"},
	}
}

// IssueCreated is ISSUE_CREATED for a video issue on a movie.
func IssueCreated(issueID, tmdbID int, title string, year int) Notification {
	reporter := &User{DisplayName: "bob", Email: "bob@example.com"}
	return Notification{
		Type:    "ISSUE_CREATED",
		Event:   "New Video Issue Reported",
		Subject: subject(title, year),
		Message: "The picture stutters.",
		Image:   "https://image.tmdb.org/t/p/w600_and_h900_bestv2/poster.jpg",
		Media:   &Media{MediaType: "movie", TMDBID: tmdbID, Status: "AVAILABLE", Status4K: "UNKNOWN"},
		Issue:   &Issue{ID: issueID, Type: "VIDEO", Status: "OPEN", CreatedBy: reporter},
	}
}

// WithType returns n as a notification of another media type (e.g. "MEDIA_AUTO_APPROVED",
// "MEDIA_DECLINED"), with the matching event text and notify user.
func (n Notification) WithType(typ string) Notification {
	n.Type = typ
	if n.Media != nil {
		n.Event = mediaEvent(typ, n.Media.MediaType == "tv", strings.HasPrefix(strings.TrimPrefix(n.Event, "New "), "4K "))
	}
	n.NotifyUser = nil
	switch typ {
	case "MEDIA_APPROVED", "MEDIA_DECLINED", "MEDIA_AVAILABLE":
		if n.Request != nil {
			n.NotifyUser = n.Request.RequestedBy
		}
	}
	return n
}

// As4K returns n as a notification of a 4K request.
func (n Notification) As4K() Notification {
	if n.Media != nil {
		m := *n.Media
		m.Status, m.Status4K = "UNKNOWN", "PENDING"
		n.Media = &m
		n.Event = mediaEvent(n.Type, m.MediaType == "tv", true)
	}
	return n
}

// mediaEvent is Seerr's event text for a media notification.
func mediaEvent(typ string, tv, is4K bool) string {
	kind := "Movie"
	if tv {
		kind = "Series"
	}
	if is4K {
		kind = "4K " + kind
	}
	switch typ {
	case "MEDIA_PENDING":
		return "New " + kind + " Request"
	case "MEDIA_APPROVED":
		return kind + " Request Approved"
	case "MEDIA_AUTO_APPROVED":
		return kind + " Request Automatically Approved"
	case "MEDIA_DECLINED":
		return kind + " Request Declined"
	case "MEDIA_FAILED":
		return kind + " Request Failed"
	case "MEDIA_AVAILABLE":
		return kind + " Now Available"
	case "MEDIA_AUTO_REQUESTED":
		return kind + " Request Automatically Submitted"
	}
	return ""
}

// subject is Seerr's "Title (YYYY)", or the bare title without a release year.
func subject(title string, year int) string {
	if year <= 0 {
		return title
	}
	return title + " (" + strconv.Itoa(year) + ")"
}

func joinSeasons(seasons []int) string {
	parts := make([]string, len(seasons))
	for i, s := range seasons {
		parts[i] = strconv.Itoa(s)
	}
	return strings.Join(parts, ", ")
}
