package seerr

import (
	"strconv"
	"time"
)

// Request statuses (MediaRequestStatus). COMPLETED exists only on Jellyseerr >= 2.6.0 and Seerr.
const (
	RequestPending   = 1
	RequestApproved  = 2
	RequestDeclined  = 3
	RequestFailed    = 4
	RequestCompleted = 5
)

// Media statuses (MediaStatus). Overseerr 1.34 stops at AVAILABLE; BLOCKLISTED (named
// BLACKLISTED before Seerr 3.0) exists from Jellyseerr 2.0, DELETED from Jellyseerr 2.6.0.
// The OpenAPI specs' "6 = DELETED" comment is wrong.
const (
	MediaUnknown            = 1
	MediaPending            = 2
	MediaProcessing         = 3
	MediaPartiallyAvailable = 4
	MediaAvailable          = 5
	MediaBlocklisted        = 6
	MediaDeleted            = 7
)

// Media types as Seerr spells them in request.type and media.mediaType.
const (
	TypeMovie = "movie"
	TypeTV    = "tv"
)

// Status is the answer of the unauthenticated GET /api/v1/status.
type Status struct {
	Version         string
	CommitTag       string
	UpdateAvailable bool
	CommitsBehind   int
	RestartRequired bool
}

// Request is one media request (the MediaRequest entity), reduced to what seerrpilot needs.
type Request struct {
	ID        int
	Status    int
	CreatedAt time.Time
	UpdatedAt time.Time
	// Type is "movie" or "tv".
	Type        string
	Is4K        bool
	Media       Media
	Seasons     []SeasonRequest
	RequestedBy *User
}

// Media is the media row a request points at. Its status is shared by all requests for
// the same title; Status4K is the status of the 4K copy.
type Media struct {
	ID        int
	MediaType string
	TMDBID    int
	TVDBID    *int
	IMDBID    string
	Status    int
	Status4K  int
}

// SeasonRequest is one requested season of a TV request; Status is a request status.
type SeasonRequest struct {
	SeasonNumber int
	Status       int
}

// User is the requester. DisplayName falls back like the server's
// (username, plexUsername, jellyfinUsername, email) when the field is absent.
type User struct {
	ID          int
	DisplayName string
	Username    string
	Email       string
}

// PageInfo is the list paging block: Pages = ceil(total/take), PageSize = take,
// Results = total matching, Page = ceil(skip/take)+1. PageSize is missing on some servers
// (and in the spec) and decodes as 0; Pages decodes as 0 when the server sends null.
type PageInfo struct {
	Pages    int
	PageSize int
	Results  int
	Page     int
}

// Page is one answer of GET /api/v1/request.
type Page struct {
	PageInfo PageInfo
	Results  []Request
}

// RequestStatusName returns the enum name of a request status ("APPROVED"), or "UNKNOWN(n)".
func RequestStatusName(s int) string {
	switch s {
	case RequestPending:
		return "PENDING"
	case RequestApproved:
		return "APPROVED"
	case RequestDeclined:
		return "DECLINED"
	case RequestFailed:
		return "FAILED"
	case RequestCompleted:
		return "COMPLETED"
	}
	return "UNKNOWN(" + strconv.Itoa(s) + ")"
}

// MediaStatusName returns the enum name of a media status ("AVAILABLE"), or "UNKNOWN(n)"
// for values outside the enum (1 is the real "UNKNOWN").
func MediaStatusName(s int) string {
	switch s {
	case MediaUnknown:
		return "UNKNOWN"
	case MediaPending:
		return "PENDING"
	case MediaProcessing:
		return "PROCESSING"
	case MediaPartiallyAvailable:
		return "PARTIALLY_AVAILABLE"
	case MediaAvailable:
		return "AVAILABLE"
	case MediaBlocklisted:
		return "BLOCKLISTED"
	case MediaDeleted:
		return "DELETED"
	}
	return "UNKNOWN(" + strconv.Itoa(s) + ")"
}

// Deliverable reports whether a request should become a subscription: it must be
// APPROVED (2) or FAILED (4), and its media must not already be AVAILABLE (media.status,
// or media.status4k for a 4K request, == 5). When it is not, the string says why.
// FAILED means Seerr could not hand the approved request to its own Radarr/Sonarr; the
// approval stands, so it is delivered like an APPROVED one. COMPLETED (5) requests are
// skipped: the server marks a request COMPLETED once its media became available or was
// deleted (Jellyseerr >= 2.6.0, Seerr).
func Deliverable(r Request) (bool, string) {
	if r.Status != RequestApproved && r.Status != RequestFailed {
		return false, "request status " + RequestStatusName(r.Status) + ", not APPROVED or FAILED"
	}
	if r.Is4K {
		if r.Media.Status4K == MediaAvailable {
			return false, "4K media already AVAILABLE"
		}
		return true, ""
	}
	if r.Media.Status == MediaAvailable {
		return false, "media already AVAILABLE"
	}
	return true, ""
}
