package jinja

import (
	"errors"
	"testing"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// newTestEnv builds an Env from macro files given as path, source pairs.
func newTestEnv(t testing.TB, files ...string) *Env {
	t.Helper()
	var macros []File
	for i := 0; i+1 < len(files); i += 2 {
		macros = append(macros, File{Path: files[i], Source: files[i+1]})
	}
	env, err := NewEnv(macros)
	if err != nil {
		t.Fatalf("NewEnv: %v", err)
	}
	return env
}

// testContext resolves every ref to analytics.<name> except "missing", and
// every source to raw_<source>.<table>.
func testContext() Context {
	this := warehouse.Relation{Database: "db", Schema: "analytics", Name: "orders"}
	vars := map[string]any{"start_date": "2024-01-01", "limit": 10, "cols": []any{"a", "b"}}
	env := map[string]string{"DBT_USER": "kiln"}
	return Context{
		Node: "model.shop.orders",
		Ref: func(name string) (warehouse.Relation, error) {
			if name == "missing" {
				return warehouse.Relation{}, &diag.Diagnostic{Message: "unknown ref 'missing'", Hint: "did you mean 'mission'?"}
			}
			if name == "broken" {
				return warehouse.Relation{}, errors.New("model 'broken' is disabled")
			}
			return warehouse.Relation{Database: "db", Schema: "analytics", Name: name}, nil
		},
		Source: func(src, table string) (warehouse.Relation, error) {
			return warehouse.Relation{Database: "db", Schema: "raw_" + src, Name: table}, nil
		},
		Var: func(name string) (any, bool) {
			v, ok := vars[name]
			return v, ok
		},
		EnvVar: func(name string) (string, bool) {
			v, ok := env[name]
			return v, ok
		},
		This:   &this,
		Target: map[string]any{"name": "dev", "schema": "analytics", "dbname": "shop", "type": "postgres", "threads": 4},
	}
}

// asDiag fails the test unless err is a *diag.Diagnostic.
func asDiag(t *testing.T, err error) *diag.Diagnostic {
	t.Helper()
	var d *diag.Diagnostic
	if !errors.As(err, &d) {
		t.Fatalf("error is %T (%v), want *diag.Diagnostic", err, err)
	}
	return d
}

// asDiagErr returns err as a *diag.Diagnostic, nil if it is not one.
func asDiagErr(err error) *diag.Diagnostic {
	var d *diag.Diagnostic
	if errors.As(err, &d) {
		return d
	}
	return nil
}
