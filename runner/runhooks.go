package runner

import (
	"context"
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// runHook is a rendered on-run-start or on-run-end statement.
type runHook struct {
	id   string // operation.<project>.<project>-on-run-start-<n>, as dbt names them
	line int
	sql  string
}

// renderRunHooks renders dbt_project.yml's run hooks before anything runs,
// so a template error there touches nothing.
func (c *Compiled) renderRunHooks(e *Engine, which string, hooks []project.Hook) ([]runHook, error) {
	var out []runHook
	var errs diag.List
	ctx := jinja.Context{
		Ref:     func(name string) (warehouse.Relation, error) { return c.refRelation(name) },
		Var:     c.lookupVar,
		EnvVar:  e.lookupEnv,
		Target:  c.targetContext(),
		Execute: true,
	}
	for i, h := range hooks {
		sql, err := c.env.RenderString(fmt.Sprintf("dbt_project.yml:%d (%s)", h.Line, which), h.SQL, ctx)
		if err != nil {
			errs.Add(&diag.Diagnostic{File: "dbt_project.yml", Line: h.Line, Message: which + ": " + err.Error()})
			continue
		}
		if strings.TrimSpace(sql) == "" {
			continue
		}
		out = append(out, runHook{id: fmt.Sprintf("operation.%s.%s-%s-%d", c.Project.Name, c.Project.Name, which, i), line: h.Line, sql: sql})
	}
	return out, errs.Err()
}

// execRunHooks runs hooks in order, each in its own transaction, and stops
// at the first failure.
func execRunHooks(ctx context.Context, wh warehouse.Warehouse, invocation, which string, hooks []runHook) error {
	for _, h := range hooks {
		if err := wh.Exec(ctx, h.id, invocation, h.sql); err != nil {
			return fmt.Errorf("dbt_project.yml:%d: %s failed: %w", h.line, which, err)
		}
	}
	return nil
}
