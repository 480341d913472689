package task

import (
	"errors"
	"strings"
	"testing"
)

// Every edge validates through Input.Validate, so the season bound holds for the webhook,
// reconcile and the operator API alike.
func TestValidateBoundsSeasons(t *testing.T) {
	in := Input{RequestID: 1, TMDBID: 1399, MediaType: TypeTV}
	for i := 0; i < MaxSeasons; i++ {
		in.Seasons = append(in.Seasons, SeasonRequest{Season: i})
	}
	if err := in.Validate(); err != nil {
		t.Fatalf("%d seasons: %v", MaxSeasons, err)
	}
	in.Seasons = append(in.Seasons, SeasonRequest{Season: MaxSeasons})
	err := in.Validate()
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "at most 100 per request") {
		t.Fatalf("%d seasons: err = %v, want ErrInvalid naming the bound", len(in.Seasons), err)
	}
}
