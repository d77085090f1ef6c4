package runner

import (
	"errors"
	"testing"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/seed"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// A value a warehouse refuses is reported at the file's line and column,
// which the header, a blank line and a quoted field spanning lines set
// apart from the number of the row.
func TestSeedRowErrorNamesTheFileLine(t *testing.T) {
	const path = "seeds/devices.csv"
	data := "id,note\n" +
		"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,\"a note\non two lines\"\n" +
		"\n" +
		"b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,third\n" +
		"x,\"fourth\n\"\n" +
		"c0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,fifth\n"
	tbl, err := seed.Scan(path, []byte(data), seed.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := &Node{ID: "seed.shop.devices", Seed: &project.Seed{Path: path}}
	cause := errors.New("the warehouse's own error")
	for _, c := range []struct {
		e    warehouse.SeedRowError
		want string
	}{
		{warehouse.SeedRowError{Row: 3, Column: "id", Message: `invalid input syntax for type uuid: "x" [SQLSTATE 22P02]`, Err: cause},
			`seeds/devices.csv:6:1: column "id": invalid input syntax for type uuid: "x" [SQLSTATE 22P02]`},
		{warehouse.SeedRowError{Row: 1, Column: "note", Message: "too long"},
			`seeds/devices.csv:2:38: column "note": too long`},
		{warehouse.SeedRowError{Row: 4, Message: "no column named"},
			`seeds/devices.csv:8: no column named`},
		{warehouse.SeedRowError{Row: 4, Column: "nope", Message: "a column the file does not have"},
			`seeds/devices.csv:8: column "nope": a column the file does not have`},
		// Not a row of the file: the warehouse's words, as they are.
		{warehouse.SeedRowError{Row: 9, Column: "id", Message: "m"},
			`row 9 of the seed's data (after the header), column "id": m`},
	} {
		err := seedRowError(n, tbl, &c.e)
		if err.Error() != c.want {
			t.Errorf("row %d, column %q:\n got %s\nwant %s", c.e.Row, c.e.Column, err, c.want)
		}
		var d *diag.Diagnostic
		if errors.As(err, &d) && d.Node != n.ID {
			t.Errorf("row %d: node %q", c.e.Row, d.Node)
		}
	}
}
