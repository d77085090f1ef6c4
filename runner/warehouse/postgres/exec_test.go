package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

func TestExecRunsInItsOwnTransaction(t *testing.T) {
	s := newSchema(t)
	ctx := context.Background()
	x := ident(s, "x")
	const node = "operation.test.test-on-run-start-0"
	if err := testWH.Exec(ctx, node, "inv-exec", "create table "+x+" as select current_query() as q;\ninsert into "+x+" values ('second')"); err != nil {
		t.Fatal(err)
	}
	q := queryString(t, "select q from "+x+" where q <> 'second'")
	if !strings.HasPrefix(q, "/* kiln node="+node+" invocation=inv-exec */\ncreate table") {
		t.Errorf("the hook ran as\n%s", q)
	}

	// A failure rolls back the statements of the hook before it, and says
	// where it is in the hook's SQL.
	err := testWH.Exec(ctx, node, "inv-exec", "insert into "+x+" values ('third');\nselect nope from "+x)
	var qe *warehouse.QueryError
	if !errors.As(err, &qe) || qe.Code != "42703" || qe.Line != 2 || qe.Col != 8 {
		t.Fatalf("error = %#v, want a QueryError at 2:8", err)
	}
	if got := queryString(t, "select count(*)::text from "+x); got != "2" {
		t.Errorf("%s rows, want the failed hook's insert rolled back", got)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := testWH.Exec(cctx, node, "inv-exec", "select 1"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Exec: %v", err)
	}
}
