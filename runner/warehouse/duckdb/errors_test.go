//go:build cgo

package duckdb

import (
	"errors"
	"strings"
	"testing"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

func TestSplitMessage(t *testing.T) {
	msg := "Binder Error: Referenced column \"nme\" not found in FROM clause!\nCandidate bindings: \"name\"\n\nLINE 4:   nme,\n          ^"
	first, rest, ctx := splitMessage(msg)
	if first != `Binder Error: Referenced column "nme" not found in FROM clause!` || rest != `Candidate bindings: "name"` {
		t.Errorf("first %q, rest %q", first, rest)
	}
	if ctx == nil || ctx.Line != 4 || ctx.Excerpt != "  nme," || ctx.Caret != 2 {
		t.Fatalf("ctx = %+v", ctx)
	}
	if first, rest, ctx := splitMessage("Catalog Error: Table with name x does not exist!"); ctx != nil || rest != "" || first == "" {
		t.Errorf("no position: %q %q %+v", first, rest, ctx)
	}
}

// Positions come from DuckDB's excerpt of the line, which is cut with
// "..." around the error on long lines; the model starts after kiln's
// header and CREATE line. The messages are DuckDB's own.
func TestQueryErrorPositions(t *testing.T) {
	w := openTest(t)
	mustExec(t, w, `create table s.t as select 1 as id, 2 as a, 3 as b`)
	tests := []struct {
		name, model string
		line, col   int
	}{
		{"short line", "select id,\n  nme,\n  1\nfrom s.t", 2, 3},
		{"cut at the start", "select id, " + strings.Repeat("id + ", 40) + " nme\nfrom s.t", 1, 213},
		{"cut at both ends", "select " + strings.Repeat("a, ", 30) + "nme, " + strings.Repeat("b, ", 30) + "1\nfrom s.t", 1, 98},
		{"wide characters", "select 'ééééé' as e,\n       'ü' || nme\nfrom s.t", 2, 15},
		{"in a later line, after a comment", "-- nme\nselect id\nfrom s.t\nwhere nme > 1", 4, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tryBuild(t, w, build("m", "table", tt.model))
			var qe *warehouse.QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("err = %v", err)
			}
			if qe.Line != tt.line || qe.Col != tt.col {
				t.Errorf("position %d:%d, want %d:%d (%v)", qe.Line, qe.Col, tt.line, tt.col, err)
			}
			line := []rune(strings.Split(tt.model, "\n")[tt.line-1])
			if got := string(line[tt.col-1:]); !strings.HasPrefix(got, "nme") {
				t.Errorf("the wanted column points at %q", got)
			}
		})
	}
	// A position in kiln's own line of the statement is not in the model.
	qe := queryError(&duckdbdriver.Error{Msg: "Parser Error: x\n\nLINE 2: create table x as (\n        ^"}, createTableAs(h, target, "select 1"), "select 1")
	if qe.Line != 0 || qe.Col != 0 {
		t.Errorf("position %d:%d, want none", qe.Line, qe.Col)
	}
}
