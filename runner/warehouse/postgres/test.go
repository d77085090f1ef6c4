package postgres

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

var _ warehouse.Tester = (*Warehouse)(nil)

// RunTest runs a data test: it counts the rows t.SQL selects (up to
// t.Limit) and evaluates t.WarnIf and t.ErrorIf on that count, in a read
// only transaction. When t.StoreFailures is set, the failing rows replace
// what is at that relation, atomically, in the same transaction (the
// schema is created first if missing), and are counted from there. An
// error in t.SQL is a *warehouse.QueryError placed in t.SQL.
func (w *Warehouse) RunTest(ctx context.Context, t warehouse.Test) (warehouse.TestResult, error) {
	p, err := planTest(t)
	if err != nil {
		return warehouse.TestResult{}, err
	}
	b := warehouse.Build{NodeID: t.NodeID, InvocationID: t.InvocationID, SQL: p.sql}
	var res warehouse.TestResult
	if t.StoreFailures == nil {
		res.Statements, err = w.transact(ctx, b, func(r *run) error {
			if _, err := r.do(ctx, setReadOnly(r.header)); err != nil {
				return err
			}
			return r.countFailures(ctx, testQuery(r.header, p.sql, p.limit, p.warnIf, p.errorIf), &res)
		})
	} else {
		res.Statements, err = w.storeFailures(ctx, b, *t.StoreFailures, p, &res)
	}
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("test %s stopped: %w", t.NodeID, ctx.Err())
		}
		res = warehouse.TestResult{Statements: res.Statements}
	}
	return res, err
}

// storeFailures replaces rel with the failing rows and counts them there,
// holding the advisory lock of rel as builds do.
func (w *Warehouse) storeFailures(ctx context.Context, b warehouse.Build, rel warehouse.Relation, p testPlan, res *warehouse.TestResult) ([]string, error) {
	if err := w.CreateSchema(ctx, rel.Schema); err != nil {
		return nil, fmt.Errorf("create schema %s for the failing rows: %w", ident(rel.Schema), err)
	}
	b.Relation = rel
	return w.inTx(ctx, b, func(r *run) error {
		tmp := tempName(rel, b.InvocationID)
		if _, err := r.do(ctx, createTableAs(r.header, warehouse.Relation{Schema: rel.Schema, Name: tmp}, p.sql)); err != nil {
			return err
		}
		oid, relkind, err := r.lookup(ctx)
		if err != nil {
			return err
		}
		if err := r.swapIn(ctx, oid, relkind, tmp, warehouse.Table); err != nil {
			return err
		}
		return r.countFailures(ctx, storedTestQuery(r.header, rel.Key(), p.limit, p.warnIf, p.errorIf), res)
	})
}

// countFailures runs a query made by testQuery.
func (r *run) countFailures(ctx context.Context, s step, res *warehouse.TestResult) error {
	r.statements = append(r.statements, s.SQL)
	err := r.tx.QueryRow(ctx, s.SQL, pgx.QueryExecModeExec).Scan(&res.Failures, &res.Warn, &res.Error)
	if err != nil {
		return r.explain(s, err)
	}
	return nil
}

// testPlan is a Test checked and normalised before any statement is sent.
type testPlan struct {
	sql             string
	limit           int
	warnIf, errorIf string
}

func planTest(t warehouse.Test) (testPlan, error) {
	p := testPlan{sql: trimTestSQL(t.SQL), limit: t.Limit}
	if strings.TrimSpace(p.sql) == "" {
		return p, fmt.Errorf("test %s has no SQL", t.NodeID)
	}
	if t.Limit < 0 {
		return p, fmt.Errorf("limit must be 0 or more, got %d", t.Limit)
	}
	var err error
	if p.warnIf, err = testCondition("warn_if", t.WarnIf); err != nil {
		return p, err
	}
	if p.errorIf, err = testCondition("error_if", t.ErrorIf); err != nil {
		return p, err
	}
	if t.StoreFailures != nil {
		if err := checkRelation(*t.StoreFailures); err != nil {
			return p, err
		}
	}
	return p, nil
}

// trimTestSQL drops the whitespace and semicolons that end a test's SQL,
// which would break the query around it.
func trimTestSQL(sql string) string {
	return strings.TrimRight(sql, " \t\r\n;")
}

// conditionRE is a warn_if or error_if: a comparison operator and a number.
var conditionRE = regexp.MustCompile(`^\s*(!=|<>|>=|<=|=|<|>)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$`)

// testCondition checks a warn_if or error_if condition and normalizes it;
// "" is dbt's default, "!= 0".
func testCondition(name, cond string) (string, error) {
	if strings.TrimSpace(cond) == "" {
		return "!= 0", nil
	}
	m := conditionRE.FindStringSubmatch(cond)
	if m == nil {
		return "", fmt.Errorf("%s %s is not a comparison operator followed by a number, such as \"!= 0\" or \"> 10\"", name, strconv.Quote(cond))
	}
	return m[1] + " " + m[2], nil
}
