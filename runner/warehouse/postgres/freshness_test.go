package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

func TestSourceFreshness(t *testing.T) {
	s := newSchema(t)
	mustExec(t,
		"create table "+ident(s, "events")+" (id int, country text, loaded_at timestamp, loaded_at_tz timestamptz, day date, loaded_text text)",
		"insert into "+ident(s, "events")+` values
			(1, 'FR', '2024-05-01 10:00:00', '2024-05-01 10:00:00+02', '2024-05-01', 'x'),
			(2, 'DE', '2024-05-02 08:30:00', '2024-05-02 08:30:00+00', '2024-05-02', 'y')`,
		"create table "+ident(s, "empty")+" (loaded_at timestamp)",
	)
	ctx := context.Background()
	rel := warehouse.Relation{Schema: s, Name: "events"}
	before := time.Now().Add(-time.Minute)

	cases := []struct {
		field, filter string
		want          time.Time
	}{
		{"loaded_at", "", time.Date(2024, 5, 2, 8, 30, 0, 0, time.UTC)},
		{"loaded_at", "country = 'FR'", time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)},
		{"loaded_at_tz", "country = 'FR'", time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)},
		{"day", "", time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)},
		{"loaded_at + interval '1 hour'", "id = 1", time.Date(2024, 5, 1, 11, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		f, err := testWH.SourceFreshness(ctx, rel, c.field, c.filter)
		if err != nil {
			t.Fatalf("%s where %s: %v", c.field, c.filter, err)
		}
		if !f.MaxLoadedAt.Equal(c.want) {
			t.Errorf("%s where %s: max %s, want %s", c.field, c.filter, f.MaxLoadedAt, c.want)
		}
		if f.SnapshotAt.Before(before) || f.SnapshotAt.After(time.Now().Add(time.Minute)) {
			t.Errorf("snapshot at %s", f.SnapshotAt)
		}
	}

	f, err := testWH.SourceFreshness(ctx, warehouse.Relation{Schema: s, Name: "empty"}, "loaded_at", "")
	if err != nil || !f.MaxLoadedAt.IsZero() || f.SnapshotAt.IsZero() {
		t.Errorf("empty table: %+v, %v", f, err)
	}
	f, err = testWH.SourceFreshness(ctx, rel, "loaded_at", "country = 'US'")
	if err != nil || !f.MaxLoadedAt.IsZero() {
		t.Errorf("no matching row: %+v, %v", f, err)
	}

	errs := []struct{ field, filter, want string }{
		{"loaded_att", "", `read the freshness of "` + s + `"."events": column "loaded_att" does not exist [SQLSTATE 42703]`},
		{"loaded_at", "countryy = 'FR'", `column "countryy" does not exist`},
		{"loaded_text", "", "loaded_at_field loaded_text of " + rel.String() + " must be a timestamp or a date"},
		{" ", "", "has no loaded_at_field"},
	}
	for _, c := range errs {
		if _, err := testWH.SourceFreshness(ctx, rel, c.field, c.filter); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q where %q: %v, want %s", c.field, c.filter, err, c.want)
		}
	}
}
