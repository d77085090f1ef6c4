//go:build cgo

package duckdb

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// How warehouse.Options apply on DuckDB:
//
//	PreHooks, PostHooks  run inside the node's transaction, around the build
//	StatementTimeout     bounds each statement of the transaction: kiln
//	                     interrupts it (DuckDB has no such setting)
//	LockTimeout          ignored: DuckDB's transactions never wait for a lock
//	LockWait             ignored: no other process can write the file, so
//	                     there is no advisory lock to wait for
//	Grants               an error when it names a role: DuckDB has no roles
//	                     and no privileges

// checkOptions refuses options kiln cannot apply on DuckDB, before
// anything is sent.
func checkOptions(o warehouse.Options) error {
	if o.StatementTimeout < 0 {
		return fmt.Errorf("statement_timeout of %s is negative", o.StatementTimeout)
	}
	var privs []string
	for p, roles := range o.Grants {
		if len(roles) > 0 {
			privs = append(privs, strings.ToLower(strings.TrimSpace(p)))
		}
	}
	if len(privs) > 0 {
		slices.Sort(privs)
		return fmt.Errorf("grants (%s) cannot be applied: DuckDB has no roles or privileges; "+
			"set grants only for PostgreSQL targets, e.g. call config(grants=...) inside {%% if target.type == 'postgres' %%}",
			strings.Join(privs, ", "))
	}
	return nil
}

// hookSteps renders hooks, each sent as written after the statement
// comment; kind is "pre_hook" or "post_hook". Blank hooks are skipped but
// keep their number, so that "post_hook #3" is the third in the config.
func hookSteps(h, kind string, hooks []string) []step {
	var steps []step
	for i, sql := range hooks {
		if strings.TrimSpace(sql) == "" {
			continue
		}
		name := kind + " #" + strconv.Itoa(i+1)
		steps = append(steps, step{SQL: h + sql, ModelAt: utf8.RuneCountInString(h), What: name, Hook: name, Source: sql})
	}
	return steps
}
