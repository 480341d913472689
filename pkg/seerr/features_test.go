package seerr_test

import (
	"reflect"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/seerr"
)

func TestFeaturesFor(t *testing.T) {
	legacy := []string{"all", "approved", "available", "pending", "processing", "unavailable", "failed"}
	full := append(append([]string(nil), legacy...), "deleted", "completed")
	cases := []struct {
		version string
		want    seerr.Features
	}{
		{"1.34.0", seerr.Features{Flavor: seerr.FlavorLegacy, Filters: legacy}},
		{"1.0.0", seerr.Features{Flavor: seerr.FlavorLegacy, Filters: legacy}},
		{"v1.33.2", seerr.Features{Flavor: seerr.FlavorLegacy, Filters: legacy}},
		{"2.0.0", seerr.Features{Flavor: seerr.FlavorJellyseerr, Filters: legacy}},
		{"2.1.9", seerr.Features{Flavor: seerr.FlavorJellyseerr, Filters: legacy}},
		{"2.2.0", seerr.Features{Flavor: seerr.FlavorJellyseerr, SortDirection: true, Filters: legacy}},
		{"2.5.2", seerr.Features{Flavor: seerr.FlavorJellyseerr, SortDirection: true, Filters: legacy}},
		{"2.6.0", seerr.Features{Flavor: seerr.FlavorJellyseerr, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{"2.6.0-beta.1", seerr.Features{Flavor: seerr.FlavorJellyseerr, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{"2.7.3", seerr.Features{Flavor: seerr.FlavorJellyseerr, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{" 2.7 ", seerr.Features{Flavor: seerr.FlavorJellyseerr, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{"3.0.0", seerr.Features{Flavor: seerr.FlavorSeerr, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{"3.1.0", seerr.Features{Flavor: seerr.FlavorSeerr, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{"v3.4.1+build.7", seerr.Features{Flavor: seerr.FlavorSeerr, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{"4.0.0", seerr.Features{Flavor: seerr.FlavorSeerr, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{"develop", seerr.Features{Flavor: seerr.FlavorUnknown, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{"local", seerr.Features{Flavor: seerr.FlavorUnknown, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{"", seerr.Features{Flavor: seerr.FlavorUnknown, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{"0.1.0", seerr.Features{Flavor: seerr.FlavorUnknown, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{"3", seerr.Features{Flavor: seerr.FlavorUnknown, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{"3.x.0", seerr.Features{Flavor: seerr.FlavorUnknown, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{"-1.2.3", seerr.Features{Flavor: seerr.FlavorUnknown, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
		{"99999999.1.0", seerr.Features{Flavor: seerr.FlavorUnknown, SortDirection: true, MediaTypeFilter: true, Completed: true, Filters: full}},
	}
	for _, tc := range cases {
		t.Run(tc.version, func(t *testing.T) {
			got := seerr.FeaturesFor(tc.version)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("FeaturesFor(%q) = %+v, want %+v", tc.version, got, tc.want)
			}
		})
	}
}

func TestFeaturesHasFilter(t *testing.T) {
	cases := []struct {
		version, filter string
		want            bool
	}{
		{"1.34.0", "approved", true},
		{"1.34.0", "completed", false},
		{"1.34.0", "deleted", false},
		{"2.7.3", "completed", true},
		{"3.1.0", "bogus", false},
	}
	for _, tc := range cases {
		if got := seerr.FeaturesFor(tc.version).HasFilter(tc.filter); got != tc.want {
			t.Errorf("%s HasFilter(%s) = %v, want %v", tc.version, tc.filter, got, tc.want)
		}
	}
}

func TestFeaturesFiltersAreNotShared(t *testing.T) {
	a := seerr.FeaturesFor("3.1.0")
	a.Filters[0] = "mutated"
	if b := seerr.FeaturesFor("3.1.0"); b.Filters[0] != "all" {
		t.Fatal("FeaturesFor returns a shared slice")
	}
}

func TestDeliverable(t *testing.T) {
	cases := []struct {
		name   string
		r      seerr.Request
		ok     bool
		reason string
	}{
		{"approved processing", seerr.Request{Status: 2, Media: seerr.Media{Status: 3}}, true, ""},
		{"approved pending media", seerr.Request{Status: 2, Media: seerr.Media{Status: 2}}, true, ""},
		{"approved partially available", seerr.Request{Status: 2, Media: seerr.Media{Status: 4}}, true, ""},
		{"approved deleted media", seerr.Request{Status: 2, Media: seerr.Media{Status: 7}}, true, ""},
		{"approved available", seerr.Request{Status: 2, Media: seerr.Media{Status: 5}}, false, "media already AVAILABLE"},
		{"pending", seerr.Request{Status: 1, Media: seerr.Media{Status: 2}}, false, "request status PENDING, not APPROVED or FAILED"},
		{"declined", seerr.Request{Status: 3}, false, "request status DECLINED, not APPROVED or FAILED"},
		{"failed: the approval stands", seerr.Request{Status: 4, Media: seerr.Media{Status: 3}}, true, ""},
		{"failed, media available since", seerr.Request{Status: 4, Media: seerr.Media{Status: 5}}, false, "media already AVAILABLE"},
		{"4k failed", seerr.Request{Status: 4, Is4K: true, Media: seerr.Media{Status: 5, Status4K: 2}}, true, ""},
		{"completed", seerr.Request{Status: 5, Media: seerr.Media{Status: 5}}, false, "request status COMPLETED, not APPROVED or FAILED"},
		{"completed deleted", seerr.Request{Status: 5, Media: seerr.Media{Status: 7}}, false, "request status COMPLETED, not APPROVED or FAILED"},
		{"unknown status", seerr.Request{Status: 9}, false, "request status UNKNOWN(9), not APPROVED or FAILED"},
		{"zero", seerr.Request{}, false, "request status UNKNOWN(0), not APPROVED or FAILED"},
		{"4k approved, hd available", seerr.Request{Status: 2, Is4K: true, Media: seerr.Media{Status: 5, Status4K: 3}}, true, ""},
		{"4k approved, 4k available", seerr.Request{Status: 2, Is4K: true, Media: seerr.Media{Status: 1, Status4K: 5}}, false, "4K media already AVAILABLE"},
		{"hd approved, 4k available", seerr.Request{Status: 2, Media: seerr.Media{Status: 3, Status4K: 5}}, true, ""},
		{"4k completed", seerr.Request{Status: 5, Is4K: true, Media: seerr.Media{Status4K: 5}}, false, "request status COMPLETED, not APPROVED or FAILED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ok, reason := seerr.Deliverable(tc.r)
			if ok != tc.ok || reason != tc.reason {
				t.Fatalf("Deliverable = (%v, %q), want (%v, %q)", ok, reason, tc.ok, tc.reason)
			}
		})
	}
}

func TestStatusNames(t *testing.T) {
	for v, want := range map[int]string{1: "PENDING", 2: "APPROVED", 3: "DECLINED", 4: "FAILED", 5: "COMPLETED", 6: "UNKNOWN(6)"} {
		if got := seerr.RequestStatusName(v); got != want {
			t.Errorf("RequestStatusName(%d) = %s, want %s", v, got, want)
		}
	}
	for v, want := range map[int]string{1: "UNKNOWN", 2: "PENDING", 3: "PROCESSING", 4: "PARTIALLY_AVAILABLE", 5: "AVAILABLE", 6: "BLOCKLISTED", 7: "DELETED", 0: "UNKNOWN(0)"} {
		if got := seerr.MediaStatusName(v); got != want {
			t.Errorf("MediaStatusName(%d) = %s, want %s", v, got, want)
		}
	}
}
