// Package since reads a "since" value the one way every caller does: POST /reconcile?since=,
// the MCP reconcile tool, `sync once --since` and RECONCILE_SINCE.
package since

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Parse reads RFC 3339 ("2025-01-02T03:04:05Z"), a date ("2025-01-02", UTC) or a positive
// duration counted back from now ("24h"). The result is in UTC.
func Parse(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t.UTC(), nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, errors.New(strconv.Quote(v) +
		": want RFC 3339 (2025-01-02T03:04:05Z), a date (2025-01-02) or a positive duration (24h)")
}
