package seerr

import (
	"strconv"
	"strings"
)

// Flavors reported by FeaturesFor.
const (
	FlavorLegacy     = "overseerr-or-jellyseerr-1.x"
	FlavorJellyseerr = "jellyseerr"
	FlavorSeerr      = "seerr"
	FlavorUnknown    = "unknown"
)

// List filters accepted by GET /api/v1/request (the union over versions).
const (
	FilterAll         = "all"
	FilterApproved    = "approved"
	FilterAvailable   = "available"
	FilterPending     = "pending"
	FilterProcessing  = "processing"
	FilterUnavailable = "unavailable"
	FilterFailed      = "failed"
	FilterDeleted     = "deleted"
	FilterCompleted   = "completed"
)

// Features is what a server version supports on the request list.
type Features struct {
	// Flavor is one of FlavorLegacy, FlavorJellyseerr, FlavorSeerr, FlavorUnknown.
	Flavor string
	// SortDirection: the sortDirection query parameter exists (Jellyseerr >= 2.2.0).
	SortDirection bool
	// MediaTypeFilter: the mediaType query parameter exists (Jellyseerr >= 2.6.0).
	MediaTypeFilter bool
	// Completed: request status 5 COMPLETED and filter=completed exist (Jellyseerr >= 2.6.0).
	// On such servers approved requests move to COMPLETED once their media is available,
	// and filter=available means COMPLETED+AVAILABLE instead of APPROVED+AVAILABLE.
	Completed bool
	// Filters is the filter enum that version accepts; any other value gets a 400.
	Filters []string
}

// HasFilter reports whether f is in the version's filter enum.
func (f Features) HasFilter(name string) bool {
	for _, v := range f.Filters {
		if v == name {
			return true
		}
	}
	return false
}

func legacyFilters() []string {
	return []string{FilterAll, FilterApproved, FilterAvailable, FilterPending,
		FilterProcessing, FilterUnavailable, FilterFailed}
}

func fullFilters() []string {
	return append(legacyFilters(), FilterDeleted, FilterCompleted)
}

// FeaturesFor maps a /status version string to the request-list features it supports.
//
// Major 1 is Overseerr (<= 1.34) or an old Jellyseerr 1.x: no sortDirection, no
// COMPLETED. Major 2 is Jellyseerr: sortDirection from 2.2.0, mediaType and COMPLETED
// from 2.6.0. Major 3 and later is Seerr. A leading "v", a pre-release ("2.6.0-beta.1",
// treated as 2.6.0) and build metadata are accepted. Anything else ("develop", "local",
// "", major 0) is FlavorUnknown with every feature on: the caller is optimistic and the
// walk drops sort parameters when the server answers 400.
func FeaturesFor(version string) Features {
	major, minor, ok := parseVersion(version)
	switch {
	case !ok || major == 0:
		return Features{Flavor: FlavorUnknown, SortDirection: true, MediaTypeFilter: true,
			Completed: true, Filters: fullFilters()}
	case major == 1:
		return Features{Flavor: FlavorLegacy, Filters: legacyFilters()}
	case major == 2:
		f := Features{Flavor: FlavorJellyseerr, SortDirection: minor >= 2, Filters: legacyFilters()}
		if minor >= 6 {
			f.MediaTypeFilter, f.Completed, f.Filters = true, true, fullFilters()
		}
		return f
	default:
		return Features{Flavor: FlavorSeerr, SortDirection: true, MediaTypeFilter: true,
			Completed: true, Filters: fullFilters()}
	}
}

// parseVersion reads "MAJOR.MINOR[.PATCH][-pre][+build]" with an optional leading v.
func parseVersion(v string) (major, minor int, ok bool) {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(strings.TrimPrefix(v, "v"), "V")
	if i := strings.IndexAny(v, "-+ "); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, false
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		if p == "" || len(p) > 6 {
			return 0, 0, false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || strings.HasPrefix(p, "+") {
			return 0, 0, false
		}
		nums[i] = n
	}
	return nums[0], nums[1], true
}
