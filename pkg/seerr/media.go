package seerr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/seerrpilot/seerrpilot/pkg/jsonx"
)

// OpMedia names MediaDetails calls in Error.Op and Config.Observe.
const OpMedia = "media"

// maxMediaBody bounds a movie or TV details answer (credits and seasons make them large).
const maxMediaBody = 4 << 20

// wireMediaDetails is the part of MovieDetails (title, releaseDate) and TvDetails (name,
// firstAirDate) that MediaDetails reads.
type wireMediaDetails struct {
	ID           jsonx.Value `json:"id"`
	Title        jsonx.Value `json:"title"`
	ReleaseDate  jsonx.Value `json:"releaseDate"`
	Name         jsonx.Value `json:"name"`
	FirstAirDate jsonx.Value `json:"firstAirDate"`
}

// MediaDetails returns the title and year of a movie (GET /api/v1/movie/{tmdbId}: title,
// releaseDate) or a show (GET /api/v1/tv/{tmdbId}: name, firstAirDate). mediaType is
// TypeMovie or TypeTV. The year is 0 when the date is empty or malformed.
//
// Seerr answers these from TMDB, in the language of the API key's user. Note that Seerr
// (and Jellyseerr/Overseerr since 2022) answers 500 "Unable to retrieve movie." both for an
// unknown TMDB id and for an unreachable TMDB, so such an error is Temporary; callers should
// bound their retries and carry on without a title. A 404 (old servers) matches ErrNotFound.
func (c *Client) MediaDetails(ctx context.Context, mediaType string, tmdbID int) (title string, year int, err error) {
	var path string
	switch mediaType {
	case TypeMovie:
		path = "/movie/"
	case TypeTV:
		path = "/tv/"
	default:
		return "", 0, fmt.Errorf("seerr media: media type %q: want movie or tv", mediaType)
	}
	if tmdbID <= 0 {
		return "", 0, fmt.Errorf("seerr media: invalid tmdb id %d", tmdbID)
	}
	var w wireMediaDetails
	if err := c.get(ctx, OpMedia, path+strconv.Itoa(tmdbID), nil, true, maxMediaBody, &w); err != nil {
		return "", 0, err
	}
	title, date := w.Title.Str(), w.ReleaseDate.Str()
	if mediaType == TypeTV {
		title, date = w.Name.Str(), w.FirstAirDate.Str()
	}
	if title == "" {
		return "", 0, &Error{Op: OpMedia, Status: http.StatusOK, Decode: true,
			Err: errors.New("answer has no title")}
	}
	return title, yearOf(date), nil
}

// yearOf reads the year of a "YYYY-MM-DD" (or longer ISO) date; anything else is 0.
func yearOf(date string) int {
	if len(date) < 4 {
		return 0
	}
	y, err := strconv.Atoi(date[:4])
	if err != nil || y < 1800 || y > 9999 {
		return 0
	}
	if len(date) > 4 && date[4] != '-' {
		return 0
	}
	return y
}
