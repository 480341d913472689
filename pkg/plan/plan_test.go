package plan

import (
	"errors"
	"math/rand"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/task"
)

func sp(n int) *int { return &n }

func pend(season int) task.Item { return task.Item{Season: sp(season), State: task.ItemPending} }

func rng(season, lo, hi int) task.Item {
	return task.Item{Season: sp(season), State: task.ItemPending, StartEpisode: lo, TotalEpisode: hi}
}

func skipped0() task.Item {
	return task.Item{Season: sp(0), State: task.ItemSkipped, Reason: ReasonSpecialsExcluded}
}

func tv(seasons ...task.SeasonRequest) task.Input {
	return task.Input{TMDBID: 1399, MediaType: task.TypeTV, Seasons: seasons}
}

func s(n int, eps ...int) task.SeasonRequest { return task.SeasonRequest{Season: n, Episodes: eps} }

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name    string
		p       Policy
		wantErr string
	}{
		{name: "zero value is the defaults", p: Policy{}},
		{name: "explicit defaults", p: Policy{Specials: SpecialsExclude, EpisodeMode: EpisodeModeSeason}},
		{name: "separate episode", p: Policy{Specials: SpecialsSeparate, EpisodeMode: EpisodeModeEpisode}},
		{name: "unknown specials", p: Policy{Specials: "include"}, wantErr: `specials "include"`},
		{name: "unknown episode mode", p: Policy{EpisodeMode: "Episode"}, wantErr: `episode mode "Episode"`},
		{name: "both unknown", p: Policy{Specials: "x", EpisodeMode: "y"}, wantErr: `episode mode "y"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalidPolicy) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want ErrInvalidPolicy containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestItems(t *testing.T) {
	tests := []struct {
		name    string
		in      task.Input
		p       Policy
		want    []task.Item
		wantErr error
	}{
		{name: "movie", in: task.Input{TMDBID: 550, MediaType: task.TypeMovie},
			want: []task.Item{{State: task.ItemPending}}},
		{name: "4k movie plans the same", in: task.Input{TMDBID: 550, MediaType: task.TypeMovie, Is4K: true},
			want: []task.Item{{State: task.ItemPending}}},
		{name: "movie ignores episode policy", in: task.Input{TMDBID: 550, MediaType: task.TypeMovie}, p: Policy{Specials: SpecialsSeparate, EpisodeMode: EpisodeModeEpisode},
			want: []task.Item{{State: task.ItemPending}}},
		{name: "movie with seasons", in: task.Input{TMDBID: 550, MediaType: task.TypeMovie, Seasons: []task.SeasonRequest{s(1)}},
			wantErr: task.ErrInvalid},
		{name: "unknown media type", in: task.Input{TMDBID: 1, MediaType: "anime", Seasons: []task.SeasonRequest{s(1)}},
			wantErr: task.ErrInvalid},
		{name: "empty media type", in: task.Input{TMDBID: 1}, wantErr: task.ErrInvalid},
		{name: "invalid policy", in: tv(s(1)), p: Policy{Specials: "all"}, wantErr: ErrInvalidPolicy},
		{name: "invalid policy on a movie", in: task.Input{TMDBID: 1, MediaType: task.TypeMovie}, p: Policy{EpisodeMode: "x"}, wantErr: ErrInvalidPolicy},
		{name: "tv one season", in: tv(s(1)), want: []task.Item{pend(1)}},
		{name: "4k tv plans the same", in: task.Input{TMDBID: 1, MediaType: task.TypeTV, Is4K: true, Seasons: []task.SeasonRequest{s(2)}},
			want: []task.Item{pend(2)}},
		{name: "tv 3 seasons + S00 exclude (zero policy)", in: tv(s(3), s(0), s(1), s(2)),
			want: []task.Item{skipped0(), pend(1), pend(2), pend(3)}},
		{name: "tv 3 seasons + S00 exclude (explicit)", in: tv(s(3), s(0), s(1), s(2)), p: Policy{Specials: SpecialsExclude},
			want: []task.Item{skipped0(), pend(1), pend(2), pend(3)}},
		{name: "tv 3 seasons + S00 separate", in: tv(s(3), s(0), s(1), s(2)), p: Policy{Specials: SpecialsSeparate},
			want: []task.Item{pend(0), pend(1), pend(2), pend(3)}},
		{name: "only S00 exclude", in: tv(s(0)), want: []task.Item{skipped0()}},
		{name: "only S00 separate", in: tv(s(0)), p: Policy{Specials: SpecialsSeparate}, want: []task.Item{pend(0)}},
		{name: "S00 episodes exclude still skipped without range", in: tv(s(0, 1, 2)), p: Policy{EpisodeMode: EpisodeModeEpisode},
			want: []task.Item{skipped0()}},
		{name: "S00 episodes separate episode mode", in: tv(s(0, 3, 1)), p: Policy{Specials: SpecialsSeparate, EpisodeMode: EpisodeModeEpisode},
			want: []task.Item{rng(0, 1, 3)}},
		{name: "no seasons", in: tv(), wantErr: ErrNoSeasons},
		{name: "no seasons separate", in: tv(), p: Policy{Specials: SpecialsSeparate}, wantErr: ErrNoSeasons},
		{name: "duplicate seasons collapse", in: tv(s(2), s(1), s(2), s(1)), want: []task.Item{pend(1), pend(2)}},
		{name: "duplicate S00 collapse", in: tv(s(0), s(0)), want: []task.Item{skipped0()}},
		{name: "episodes season mode aggregate", in: tv(s(1, 1, 2, 3)), want: []task.Item{pend(1)}},
		{name: "episodes explicit season mode", in: tv(s(1, 4, 5)), p: Policy{EpisodeMode: EpisodeModeSeason}, want: []task.Item{pend(1)}},
		{name: "episodes episode mode contiguous", in: tv(s(1, 3, 4, 5)), p: Policy{EpisodeMode: EpisodeModeEpisode}, want: []task.Item{rng(1, 3, 5)}},
		{name: "episodes episode mode single", in: tv(s(2, 7)), p: Policy{EpisodeMode: EpisodeModeEpisode}, want: []task.Item{rng(2, 7, 7)}},
		{name: "episodes episode mode non-contiguous widened", in: tv(s(1, 9, 2, 5)), p: Policy{EpisodeMode: EpisodeModeEpisode}, want: []task.Item{rng(1, 2, 9)}},
		{name: "episodes mixed with whole season", in: tv(s(1, 2, 3), s(2)), p: Policy{EpisodeMode: EpisodeModeEpisode}, want: []task.Item{rng(1, 2, 3), pend(2)}},
		{name: "duplicate episode lists are united", in: tv(s(1, 5, 6), s(1, 2)), p: Policy{EpisodeMode: EpisodeModeEpisode}, want: []task.Item{rng(1, 2, 6)}},
		{name: "whole season wins over episodes (whole first)", in: tv(s(1), s(1, 2, 3)), p: Policy{EpisodeMode: EpisodeModeEpisode}, want: []task.Item{pend(1)}},
		{name: "whole season wins over episodes (whole last)", in: tv(s(1, 2, 3), s(1)), p: Policy{EpisodeMode: EpisodeModeEpisode}, want: []task.Item{pend(1)}},
		{name: "negative season", in: tv(s(1), s(-1)), wantErr: task.ErrInvalid},
		{name: "zero episode", in: tv(s(1, 0, 2)), wantErr: task.ErrInvalid},
		{name: "negative episode season mode", in: tv(s(1, -3)), wantErr: task.ErrInvalid},
		{name: "negative episode on S00 exclude", in: tv(s(0, -1)), wantErr: task.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Items(tt.in, tt.p)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Items() error = %v, want %v", err, tt.wantErr)
				}
				if got != nil {
					t.Fatalf("Items() = %v with error, want nil", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Items() error = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Items() =\n%s\nwant\n%s", dump(got), dump(tt.want))
			}
		})
	}
}

func TestItemsDoesNotAliasInput(t *testing.T) {
	in := tv(s(1, 3, 1, 2))
	if _, err := Items(in, Policy{EpisodeMode: EpisodeModeEpisode}); err != nil {
		t.Fatal(err)
	}
	if want := []int{3, 1, 2}; !reflect.DeepEqual(in.Seasons[0].Episodes, want) {
		t.Fatalf("input episodes changed to %v, want %v", in.Seasons[0].Episodes, want)
	}
}

func TestMerge(t *testing.T) {
	sub := func(season, id int) task.Item {
		return task.Item{Season: sp(season), State: task.ItemSubscribed, MPSubscriptionID: id}
	}
	failed := func(season int, msg string) task.Item {
		return task.Item{Season: sp(season), State: task.ItemFailed, LastError: msg, Reason: "gave up"}
	}
	tests := []struct {
		name      string
		existing  []task.Item
		planned   []task.Item
		want      []task.Item
		wantAdded int
	}{
		{name: "both empty", want: []task.Item{}},
		{name: "fresh task takes the plan", planned: []task.Item{pend(2), pend(1)},
			want: []task.Item{pend(1), pend(2)}, wantAdded: 2},
		{name: "movie fresh", planned: []task.Item{{State: task.ItemPending}},
			want: []task.Item{{State: task.ItemPending}}, wantAdded: 1},
		{name: "movie subscribed kept", existing: []task.Item{{State: task.ItemSubscribed, MPSubscriptionID: 7}},
			planned: []task.Item{{State: task.ItemPending}},
			want:    []task.Item{{State: task.ItemSubscribed, MPSubscriptionID: 7}}},
		{name: "same plan again adds nothing", existing: []task.Item{pend(1), pend(2)}, planned: []task.Item{pend(1), pend(2)},
			want: []task.Item{pend(1), pend(2)}},
		{name: "done and failed keep their state, new season appended",
			existing: []task.Item{
				sub(1, 11),
				{Season: sp(2), State: task.ItemExisting, MPSubscriptionID: 12, Reason: "already in MoviePilot"},
				failed(3, "boom"),
				skipped0(),
			},
			planned: []task.Item{pend(0), pend(1), pend(2), pend(3), pend(4)},
			want: []task.Item{
				skipped0(),
				sub(1, 11),
				{Season: sp(2), State: task.ItemExisting, MPSubscriptionID: 12, Reason: "already in MoviePilot"},
				failed(3, "boom"),
				pend(4),
			},
			wantAdded: 1},
		{name: "done items keep their old range", existing: []task.Item{{Season: sp(1), State: task.ItemSubscribed, MPSubscriptionID: 3, StartEpisode: 2, TotalEpisode: 4}},
			planned: []task.Item{rng(1, 1, 9)},
			want:    []task.Item{{Season: sp(1), State: task.ItemSubscribed, MPSubscriptionID: 3, StartEpisode: 2, TotalEpisode: 4}}},
		{name: "failed item keeps its old range", existing: []task.Item{{Season: sp(1), State: task.ItemFailed, LastError: "x", StartEpisode: 2, TotalEpisode: 4}},
			planned: []task.Item{pend(1)},
			want:    []task.Item{{Season: sp(1), State: task.ItemFailed, LastError: "x", StartEpisode: 2, TotalEpisode: 4}}},
		{name: "pending takes the new range", existing: []task.Item{rng(1, 2, 4)}, planned: []task.Item{rng(1, 1, 9)},
			want: []task.Item{rng(1, 1, 9)}},
		{name: "pending widened to whole season", existing: []task.Item{rng(1, 2, 4)}, planned: []task.Item{pend(1)},
			want: []task.Item{pend(1)}},
		{name: "pending keeps its last error", existing: []task.Item{{Season: sp(1), State: task.ItemPending, LastError: "timeout"}},
			planned: []task.Item{rng(1, 1, 3)},
			want:    []task.Item{{Season: sp(1), State: task.ItemPending, LastError: "timeout", StartEpisode: 1, TotalEpisode: 3}}},
		{name: "pending S00 becomes skipped when plan excludes it", existing: []task.Item{{Season: sp(0), State: task.ItemPending, LastError: "x"}},
			planned: []task.Item{skipped0()},
			want:    []task.Item{skipped0()}},
		{name: "unknown state is treated as pending", existing: []task.Item{{Season: sp(1), State: "weird"}},
			planned: []task.Item{rng(1, 1, 2)},
			want:    []task.Item{{Season: sp(1), State: task.ItemPending, StartEpisode: 1, TotalEpisode: 2}}},
		{name: "items missing from the plan are kept", existing: []task.Item{sub(1, 1), pend(5), failed(6, "e")}, planned: []task.Item{pend(2)},
			want: []task.Item{sub(1, 1), pend(2), pend(5), failed(6, "e")}, wantAdded: 1},
		{name: "plan empty keeps everything", existing: []task.Item{pend(3), sub(1, 1)},
			want: []task.Item{sub(1, 1), pend(3)}},
		{name: "duplicate existing keys keep the most advanced", existing: []task.Item{pend(1), sub(1, 9), failed(1, "e")}, planned: []task.Item{pend(1)},
			want: []task.Item{sub(1, 9)}},
		{name: "duplicate planned keys count once", planned: []task.Item{pend(1), pend(1)},
			want: []task.Item{pend(1)}, wantAdded: 1},
		{name: "movie sorts before seasons", existing: []task.Item{pend(1)}, planned: []task.Item{{State: task.ItemPending}},
			want: []task.Item{{State: task.ItemPending}, pend(1)}, wantAdded: 1},
		{name: "many added", existing: []task.Item{sub(2, 2)}, planned: []task.Item{pend(4), pend(1), pend(3), pend(2)},
			want: []task.Item{pend(1), sub(2, 2), pend(3), pend(4)}, wantAdded: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, added := Merge(tt.existing, tt.planned)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Merge() =\n%s\nwant\n%s", dump(got), dump(tt.want))
			}
			if added != tt.wantAdded {
				t.Fatalf("Merge() added = %d, want %d", added, tt.wantAdded)
			}
		})
	}
}

func TestMergeDoesNotAlias(t *testing.T) {
	existing := []task.Item{pend(1)}
	planned := []task.Item{pend(2)}
	got, _ := Merge(existing, planned)
	*got[0].Season, *got[1].Season = 10, 20
	got[0].State = task.ItemFailed
	if *existing[0].Season != 1 || *planned[0].Season != 2 || existing[0].State != task.ItemPending {
		t.Fatalf("Merge result aliases its arguments: existing %s planned %s", dump(existing), dump(planned))
	}
}

func TestPending(t *testing.T) {
	tests := []struct {
		name  string
		items []task.Item
		want  []int
	}{
		{name: "none", want: nil},
		{name: "all pending in order", items: []task.Item{pend(1), pend(2), pend(3)}, want: []int{0, 1, 2}},
		{name: "mixed", items: []task.Item{
			skipped0(),
			pend(1),
			{Season: sp(2), State: task.ItemSubscribed},
			{Season: sp(3), State: task.ItemFailed},
			pend(4),
			{Season: sp(5), State: task.ItemExisting},
			{Season: sp(6), State: ""},
		}, want: []int{1, 4, 6}},
		{name: "nothing pending", items: []task.Item{skipped0(), {Season: sp(1), State: task.ItemFailed}}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Pending(tt.items); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Pending() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOutcome(t *testing.T) {
	item := func(st task.ItemState) task.Item { return task.Item{Season: sp(1), State: st} }
	tests := []struct {
		name        string
		items       []task.Item
		want        Summary
		nothingSent bool
	}{
		{name: "empty is pending", want: Summary{Result: ResultPending}},
		{name: "all subscribed", items: []task.Item{item(task.ItemSubscribed), item(task.ItemSubscribed)},
			want: Summary{Result: ResultDone, Subscribed: 2}},
		{name: "done mix", items: []task.Item{item(task.ItemSubscribed), item(task.ItemExisting), skipped0()},
			want: Summary{Result: ResultDone, Subscribed: 1, Existing: 1, Skipped: 1}},
		{name: "only existing counts as sent", items: []task.Item{item(task.ItemExisting)},
			want: Summary{Result: ResultDone, Existing: 1}},
		{name: "only skipped: done with nothing sent", items: []task.Item{skipped0()},
			want: Summary{Result: ResultDone, Skipped: 1}, nothingSent: true},
		{name: "any pending is pending", items: []task.Item{item(task.ItemSubscribed), item(task.ItemFailed), item(task.ItemPending)},
			want: Summary{Result: ResultPending, Subscribed: 1, Failed: 1, Pending: 1}},
		{name: "unknown state is pending", items: []task.Item{item("")},
			want: Summary{Result: ResultPending, Pending: 1}},
		{name: "failed and nothing pending", items: []task.Item{item(task.ItemSubscribed), item(task.ItemFailed)},
			want: Summary{Result: ResultFailed, Subscribed: 1, Failed: 1}},
		{name: "only failed", items: []task.Item{item(task.ItemFailed)},
			want: Summary{Result: ResultFailed, Failed: 1}},
		{name: "failed with skipped is not nothing-sent", items: []task.Item{skipped0(), item(task.ItemFailed)},
			want: Summary{Result: ResultFailed, Skipped: 1, Failed: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Outcome(tt.items)
			if got != tt.want {
				t.Fatalf("Outcome() = %+v, want %+v", got, tt.want)
			}
			if got.NothingSent() != tt.nothingSent {
				t.Fatalf("NothingSent() = %v, want %v", got.NothingSent(), tt.nothingSent)
			}
		})
	}
}

// TestItemsProperties checks the planning invariants over many generated inputs.
func TestItemsProperties(t *testing.T) {
	r := rand.New(rand.NewSource(20260101))
	policies := []Policy{
		{}, {Specials: SpecialsExclude}, {Specials: SpecialsSeparate}, {EpisodeMode: EpisodeModeEpisode},
		{Specials: SpecialsSeparate, EpisodeMode: EpisodeModeEpisode},
		{Specials: SpecialsExclude, EpisodeMode: EpisodeModeSeason},
	}
	counts := map[string]int{}
	for i := 0; i < 5000; i++ {
		in := randomInput(r)
		p := policies[r.Intn(len(policies))]
		items, err := Items(in, p)
		switch {
		case in.MediaType == task.TypeMovie && len(in.Seasons) > 0:
			if !errors.Is(err, task.ErrInvalid) {
				t.Fatalf("#%d movie with seasons: err = %v, want ErrInvalid", i, err)
			}
			counts["movie-err"]++
			continue
		case in.MediaType == task.TypeMovie:
			if err != nil || len(items) != 1 || items[0].Season != nil || items[0].State != task.ItemPending {
				t.Fatalf("#%d movie: got %s, %v; want exactly one pending movie item", i, dump(items), err)
			}
			counts["movie"]++
			continue
		case len(in.Seasons) == 0:
			if !errors.Is(err, ErrNoSeasons) {
				t.Fatalf("#%d tv without seasons: err = %v, want ErrNoSeasons", i, err)
			}
			counts["no-seasons"]++
			continue
		}
		if err != nil {
			t.Fatalf("#%d Items(%+v) error %v", i, in, err)
		}
		counts["tv"]++
		checkTVInvariants(t, i, in, p, items)

		// Merging a plan into itself, or into nothing, must be stable.
		again, added := Merge(items, items)
		if added != 0 || !reflect.DeepEqual(again, items) {
			t.Fatalf("#%d Merge(items, items) = %s, %d; want items, 0", i, dump(again), added)
		}
		fresh, added := Merge(nil, items)
		if added != len(items) || !reflect.DeepEqual(fresh, items) {
			t.Fatalf("#%d Merge(nil, items) = %s, %d; want items, %d", i, dump(fresh), added, len(items))
		}
		// Work already done survives any re-plan.
		done := randomlyFinish(r, items)
		replan, err := Items(randomInput2(r, in), p)
		if err != nil {
			continue
		}
		merged, _ := Merge(done, replan)
		byKey := map[string]task.Item{}
		for _, it := range merged {
			byKey[it.Key()] = it
		}
		for _, it := range done {
			got, ok := byKey[it.Key()]
			if !ok {
				t.Fatalf("#%d Merge dropped %s", i, it.Key())
			}
			if rank(it.State) > 0 && !reflect.DeepEqual(got, it) {
				t.Fatalf("#%d Merge changed finished item %s: %+v -> %+v", i, it.Key(), it, got)
			}
		}
		if !sort.SliceIsSorted(merged, func(a, b int) bool { return less(merged[a], merged[b]) }) {
			t.Fatalf("#%d Merge result not sorted: %s", i, dump(merged))
		}
	}
	for _, k := range []string{"movie", "movie-err", "no-seasons", "tv"} {
		if counts[k] == 0 {
			t.Fatalf("generator never produced case %q: %v", k, counts)
		}
	}
}

func checkTVInvariants(t *testing.T, i int, in task.Input, p Policy, items []task.Item) {
	t.Helper()
	distinct := map[int]bool{}
	whole := map[int]bool{}
	lo, hi := map[int]int{}, map[int]int{}
	for _, sr := range in.Seasons {
		distinct[sr.Season] = true
		if len(sr.Episodes) == 0 {
			whole[sr.Season] = true
		}
		for _, e := range sr.Episodes {
			if l, ok := lo[sr.Season]; !ok || e < l {
				lo[sr.Season] = e
			}
			if e > hi[sr.Season] {
				hi[sr.Season] = e
			}
		}
	}
	if len(items) != len(distinct) {
		t.Fatalf("#%d %d items for %d distinct seasons: %s", i, len(items), len(distinct), dump(items))
	}
	keys := map[string]bool{}
	for j, it := range items {
		if it.Season == nil {
			t.Fatalf("#%d tv item without season: %s", i, dump(items))
		}
		n := *it.Season
		if keys[it.Key()] {
			t.Fatalf("#%d duplicate key %s", i, it.Key())
		}
		keys[it.Key()] = true
		if !distinct[n] {
			t.Fatalf("#%d item for unrequested season %d", i, n)
		}
		if j > 0 && *items[j-1].Season >= n {
			t.Fatalf("#%d items not sorted: %s", i, dump(items))
		}
		excluded := n == 0 && p.Specials != SpecialsSeparate
		switch {
		case excluded:
			if it.State != task.ItemSkipped || it.Reason != ReasonSpecialsExcluded || it.StartEpisode != 0 || it.TotalEpisode != 0 {
				t.Fatalf("#%d S00 under exclude = %+v, want skipped with reason", i, it)
			}
		case it.State != task.ItemPending || it.Reason != "" || it.MPSubscriptionID != 0:
			t.Fatalf("#%d season %d = %+v, want plain pending", i, n, it)
		case p.EpisodeMode == EpisodeModeEpisode && !whole[n]:
			if it.StartEpisode != lo[n] || it.TotalEpisode != hi[n] || it.StartEpisode > it.TotalEpisode || it.StartEpisode <= 0 {
				t.Fatalf("#%d season %d range %d..%d, want %d..%d", i, n, it.StartEpisode, it.TotalEpisode, lo[n], hi[n])
			}
		default:
			if it.StartEpisode != 0 || it.TotalEpisode != 0 {
				t.Fatalf("#%d season %d has range %d..%d, want whole season", i, n, it.StartEpisode, it.TotalEpisode)
			}
		}
	}
	for _, idx := range Pending(items) {
		if *items[idx].Season == 0 && p.Specials != SpecialsSeparate {
			t.Fatalf("#%d season 0 pending under exclude", i)
		}
	}
}

func randomInput(r *rand.Rand) task.Input {
	in := task.Input{TMDBID: 1 + r.Intn(1000), MediaType: task.TypeTV, Is4K: r.Intn(2) == 0}
	if r.Intn(4) == 0 {
		in.MediaType = task.TypeMovie
	}
	n := r.Intn(6)
	if in.MediaType == task.TypeMovie && r.Intn(3) != 0 {
		n = 0
	}
	for range n {
		in.Seasons = append(in.Seasons, randomSeason(r))
	}
	return in
}

func randomSeason(r *rand.Rand) task.SeasonRequest {
	sr := task.SeasonRequest{Season: r.Intn(5)}
	if r.Intn(2) == 0 {
		for range 1 + r.Intn(4) {
			sr.Episodes = append(sr.Episodes, 1+r.Intn(12))
		}
	}
	return sr
}

// randomInput2 is in with a few more seasons, as when a request is edited.
func randomInput2(r *rand.Rand, in task.Input) task.Input {
	out := in
	out.Seasons = append([]task.SeasonRequest(nil), in.Seasons...)
	for range r.Intn(3) {
		out.Seasons = append(out.Seasons, randomSeason(r))
	}
	return out
}

func randomlyFinish(r *rand.Rand, items []task.Item) []task.Item {
	states := []task.ItemState{task.ItemPending, task.ItemSubscribed, task.ItemExisting, task.ItemFailed}
	out := make([]task.Item, len(items))
	for i, it := range items {
		it.Season = sp(*it.Season)
		if it.State == task.ItemPending {
			it.State = states[r.Intn(len(states))]
			switch it.State {
			case task.ItemSubscribed, task.ItemExisting:
				it.MPSubscriptionID = 1 + r.Intn(100)
			case task.ItemFailed:
				it.LastError = "boom"
			}
		}
		out[i] = it
	}
	return out
}

func less(a, b task.Item) bool {
	if a.Season == nil || b.Season == nil {
		return a.Season == nil && b.Season != nil
	}
	return *a.Season < *b.Season
}

func dump(items []task.Item) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString("  " + it.Key() + " " + string(it.State))
		if it.StartEpisode != 0 || it.TotalEpisode != 0 {
			b.WriteString(" eps=" + itoa(it.StartEpisode) + ".." + itoa(it.TotalEpisode))
		}
		if it.MPSubscriptionID != 0 {
			b.WriteString(" mp=" + itoa(it.MPSubscriptionID))
		}
		if it.Reason != "" {
			b.WriteString(" reason=" + it.Reason)
		}
		if it.LastError != "" {
			b.WriteString(" err=" + it.LastError)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
