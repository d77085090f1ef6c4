package testgen

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

func freshnessOf(t *testing.T, src string) (FreshnessRule, error) {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(src), &m); err != nil {
		t.Fatal(err)
	}
	return ParseFreshness(m)
}

func TestFreshness(t *testing.T) {
	r, err := freshnessOf(t, `
warn_after: {count: 12, period: hour}
error_after: {count: 1, period: day}
filter: "  loaded_at > now() - interval '3 days' "
`)
	if err != nil {
		t.Fatal(err)
	}
	if r.WarnAfter != 12*time.Hour || r.ErrorAfter != 24*time.Hour || r.Filter != "loaded_at > now() - interval '3 days'" || !r.Active() {
		t.Fatalf("%+v", r)
	}
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		age  time.Duration
		want string
	}{{time.Hour, "pass"}, {12 * time.Hour, "pass"}, {13 * time.Hour, "warn"}, {25 * time.Hour, "error"}} {
		f := warehouse.Freshness{MaxLoadedAt: now.Add(-c.age), SnapshotAt: now}
		if got := r.Status(f); got != c.want {
			t.Errorf("age %s: %s, want %s", c.age, got, c.want)
		}
	}
	if got := r.Status(warehouse.Freshness{SnapshotAt: now}); got != "error" {
		t.Errorf("empty table: %s, want error", got)
	}
	if _, ok := Age(warehouse.Freshness{SnapshotAt: now}); ok {
		t.Error("Age of an empty table is known")
	}

	warnOnly, err := freshnessOf(t, "warn_after: {count: 30, period: minute}\nerror_after: {count: null, period: day}")
	if err != nil {
		t.Fatal(err)
	}
	if got := warnOnly.Status(warehouse.Freshness{SnapshotAt: now}); got != "warn" {
		t.Errorf("empty table with warn_after only: %s", got)
	}
	if off, _ := ParseFreshness(nil); off.Active() {
		t.Error("no freshness is active")
	}
}

func TestFreshnessErrors(t *testing.T) {
	for src, want := range map[string]string{
		"warn_after: {count: 0, period: hour}":        "warn_after count must be a whole number above 0",
		"warn_after: {count: 2, period: week}":        "warn_after period must be minute, hour or day, got 'week'",
		"error_after: 3":                              "error_after must be a mapping",
		"error_after: {count: 2, period: hour, x: 1}": "has an unknown key 'x'",
		"filter: [a]":                                 "filter must be a SQL condition",
		"warn_afer: {count: 1, period: hour}":         "unknown freshness key 'warn_afer'",
	} {
		if _, err := freshnessOf(t, src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %s", src, err, want)
		}
	}
}
