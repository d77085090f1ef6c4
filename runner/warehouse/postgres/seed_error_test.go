package postgres

import (
	"errors"
	"testing"

	"github.com/kiln-dev/kiln/runner/seed"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

func TestCopyContext(t *testing.T) {
	cols := []warehouse.Column{{Name: "id"}, {Name: "b"}, {Name: "b: c"}, {Name: "a, line 3, column b"}, {Name: "x"}}
	for _, c := range []struct {
		where  string
		row    int
		column string
		ok     bool
	}{
		{`COPY t, line 5, column id: "abc"`, 5, "id", true},
		{`COPY t, line 12345678901, column id: "abc"`, 12345678901, "id", true},
		{`COPY t, line 1, column x: null input`, 1, "x", true},
		{`COPY t, line 2, column x`, 2, "x", true},
		{`COPY t, line 3: "1	2"`, 3, "", true},
		{`COPY t, line 3`, 3, "", true},
		// A name that looks like the rest of the context, and one that
		// starts another: the longest name followed by a value wins.
		{`COPY t, line 2, column a, line 3, column b: "bad"`, 2, "a, line 3, column b", true},
		{`COPY t, line 1, column b: c: "abc"`, 1, "b: c", true},
		{`COPY t, line 1, column b: "c: \"abc\""`, 1, "b", true},
		{`COPY t, line 1, column b: "abc..."`, 1, "b", true},
		// A column it does not know: the row still.
		{`COPY t, line 4, column zz: "abc"`, 4, "", true},
		// Functions the input called come first.
		{"PL/pgSQL function s.chk(text) line 1 at RAISE\nCOPY t, line 7, column id: \"bad\"", 7, "id", true},
		{"SQL statement \"select 1\"\nPL/pgSQL function f() line 3 at PERFORM\nCOPY t, line 2, column x: \"v\"", 2, "x", true},
		// Not this table's COPY, no number, or not a COPY context at all
		// (a translated message, say).
		{`COPY t2, line 5, column id: "abc"`, 0, "", false},
		{`COPY tt, line 5`, 0, "", false},
		{`COPY t, line x, column id: "abc"`, 0, "", false},
		{`COPY t, line 0`, 0, "", false},
		{`COPY t, line 5; column id`, 0, "", false},
		{`COPIE t, ligne 5, colonne id : « abc »`, 0, "", false},
		{"", 0, "", false},
	} {
		row, column, ok := copyContext(c.where, "t", cols)
		if row != c.row || column != c.column || ok != c.ok {
			t.Errorf("copyContext(%q) = %d, %q, %v; want %d, %q, %v", c.where, row, column, ok, c.row, c.column, c.ok)
		}
	}
}

// The row and the column of a value the server refuses are read from the
// server's own context, through the errors of functions the type calls,
// whatever the column's name; the row counts the rows sent, whatever lines
// they span in the file.
func TestSeedRowErrorFromServer(t *testing.T) {
	s := newSchema(t)
	mustExec(t,
		"create function "+ident(s, "chk")+"(v text) returns boolean language plpgsql as $$ begin if v = 'bad' then raise exception 'no %', v; end if; return true; end $$",
		"create domain "+ident(s, "checked")+" as text check ("+ident(s, "chk")+"(value))")
	o := seed.Options{ColumnTypes: map[string]string{"a, line 3, column b": ident(s, "checked"), "b": "uuid"}}
	head := "n,\"a, line 3, column b\",b\n" +
		"1,\"two\nlines\",a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\n" +
		"2,ok,b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\n"
	for _, c := range []struct {
		name string
		csv  string
		want warehouse.SeedRowError
	}{
		{"function", head + "3,bad,c0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\n4,ok,not-a-uuid\n",
			warehouse.SeedRowError{Row: 3, Column: "a, line 3, column b", Message: "no bad [SQLSTATE P0001]"}},
		{"uuid", head + "3,ok,not-a-uuid\n",
			warehouse.SeedRowError{Row: 3, Column: "b", Message: `invalid input syntax for type uuid: "not-a-uuid" [SQLSTATE 22P02]`}},
	} {
		for _, text := range []bool{false, true} {
			var err error
			if text {
				_, err = loadSeedText(t, s, "r", c.csv, o)
			} else {
				_, err = loadSeed(t, seedOf(t, s, "r", c.csv, o))
			}
			var got *warehouse.SeedRowError
			if !errors.As(err, &got) || got.Row != c.want.Row || got.Column != c.want.Column || got.Message != c.want.Message {
				t.Errorf("%s, text %v: %#v", c.name, text, err)
			}
		}
	}
	if got := relations(t, s); got != "" {
		t.Errorf("relations = %q", got)
	}
}
