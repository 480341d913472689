package seerrtest

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
)

// catalogKey names one TMDB title: movie and TV ids are separate namespaces on TMDB.
type catalogKey struct {
	mediaType string
	tmdbID    int
}

type catalogEntry struct {
	title string
	year  int
}

// SetMedia adds (or replaces) a title in the fake's TMDB catalogue, served by
// GET /api/v1/movie/{tmdbId} (title, releaseDate) for mediaType "movie" and by
// GET /api/v1/tv/{tmdbId} (name, firstAirDate) for "tv". A year of 0 is sent as an empty
// date, as TMDB does for unreleased titles.
//
// A TMDB id that is not in the catalogue gets what the real server sends when TMDB has no
// such title (or cannot be reached): 500 {"message": "Unable to retrieve movie."} (or
// "series."), not a 404. Seerr's routes/movie.ts and routes/tv.ts turn every failure into
// that 500.
func (f *Fake) SetMedia(mediaType string, tmdbID int, title string, year int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.catalog[catalogKey{mediaType, tmdbID}] = catalogEntry{title: title, year: year}
}

// details answers GET /movie/{id} and GET /tv/{id}; p is the path after /api/v1.
func (f *Fake) details(w http.ResponseWriter, r *http.Request, p string) {
	mediaType, raw, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if raw == "" || strings.Contains(raw, "/") {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "not found", "errors": []any{
			map[string]any{"path": r.URL.Path, "message": "not found"}}})
		return
	}
	if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"message": r.Method + " method not allowed"})
		return
	}
	param := "movieId"
	if mediaType == seerr.TypeTV {
		param = "tvId"
	}
	if !f.validateDetails(w, param, raw, r.URL.Query()) {
		return
	}
	if r.Header.Get("X-Api-Key") != f.key {
		forbidden(w)
		return
	}
	id, _ := strconv.ParseFloat(raw, 64)
	tmdb := int(id)

	f.mu.lockRead()
	e, ok := f.catalog[catalogKey{mediaType, tmdb}]
	var info map[string]any
	if m := f.titles[catalogKey{mediaType, tmdb}]; ok && m != nil {
		info = f.renderMedia(m, true)
	}
	f.mu.Unlock()

	if !ok || float64(tmdb) != id {
		msg := "Unable to retrieve movie."
		if mediaType == seerr.TypeTV {
			msg = "Unable to retrieve series."
		}
		writeJSON(w, http.StatusInternalServerError, map[string]any{"message": msg})
		return
	}
	date := ""
	if e.year > 0 {
		date = fmt.Sprintf("%04d-01-01", e.year)
	}
	var body map[string]any
	if mediaType == seerr.TypeMovie {
		body = movieDetails(tmdb, e.title, date)
	} else {
		body = tvDetails(tmdb, e.title, date)
	}
	if info != nil {
		body["mediaInfo"] = info
	}
	writeJSON(w, http.StatusOK, body)
}

// validateDetails mirrors the request validator: the path id must be a number and the
// only query parameter is language. It returns false after answering 400.
func (f *Fake) validateDetails(w http.ResponseWriter, param, raw string, q url.Values) bool {
	if _, err := strconv.ParseFloat(raw, 64); err != nil {
		validationError(w, "/params/"+param, "must be number", "type.openapi.validation")
		return false
	}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if k != "language" && f.reject {
			validationError(w, "/query/"+k, "Unknown query parameter '"+k+"'", "")
			return false
		}
	}
	return true
}

// movieDetails is a MovieDetails answer (server/models/Movie.ts mapMovieDetails) with empty
// lists and neutral values apart from id, title and releaseDate.
func movieDetails(id int, title, date string) map[string]any {
	return map[string]any{
		"id": id, "imdbId": "tt" + strconv.Itoa(1000000+id), "adult": false,
		"budget": 0, "genres": []any{}, "homepage": "", "relatedVideos": []any{},
		"originalLanguage": "en", "originalTitle": title, "overview": "", "popularity": 0,
		"productionCompanies": []any{}, "productionCountries": []any{},
		"releaseDate": date, "releases": map[string]any{"results": []any{}},
		"revenue": 0, "runtime": 0, "spokenLanguages": []any{}, "status": "Released",
		"tagline": "", "title": title, "video": false, "voteAverage": 0, "voteCount": 0,
		"credits":        map[string]any{"cast": []any{}, "crew": []any{}},
		"watchProviders": []any{}, "onUserWatchlist": false,
	}
}

// tvDetails is a TvDetails answer (server/models/Tv.ts mapTvDetails), like movieDetails.
func tvDetails(id int, name, date string) map[string]any {
	return map[string]any{
		"id": id, "name": name, "originalName": name, "firstAirDate": date, "lastAirDate": date,
		"contentRatings": map[string]any{"results": []any{}}, "createdBy": []any{},
		"episodeRunTime": []any{}, "genres": []any{}, "homepage": "", "inProduction": false,
		"languages": []any{}, "networks": []any{}, "numberOfEpisodes": 0, "numberOfSeasons": 0,
		"originCountry": []any{}, "originalLanguage": "en", "overview": "", "popularity": 0,
		"productionCompanies": []any{}, "productionCountries": []any{}, "spokenLanguages": []any{},
		"seasons": []any{}, "status": "Returning Series", "tagline": "", "type": "Scripted",
		"voteAverage": 0, "voteCount": 0, "keywords": []any{},
		"credits":        map[string]any{"cast": []any{}, "crew": []any{}},
		"watchProviders": []any{}, "onUserWatchlist": false,
	}
}
