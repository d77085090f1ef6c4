package jinja

import (
	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// relation is what ref, source and this evaluate to: it prints as
// "schema"."name" and has dbt's Relation attributes.
type relation struct {
	rel warehouse.Relation
}

// String renders the relation as SQL, which is what {{ ref(...) }},
// ~ and + concatenation print.
func (r relation) String() string { return r.rel.String() }

// GetAttribute implements exec.AttributeGetter: database, schema, name,
// identifier (same as name) and render().
func (r relation) GetAttribute(name string) (*exec.Value, bool) {
	switch name {
	case "database":
		return exec.AsValue(r.rel.Database), true
	case "schema":
		return exec.AsValue(r.rel.Schema), true
	case "name", "identifier", "table":
		return exec.AsValue(r.rel.Name), true
	case "render":
		return exec.AsValue(callable(func(*exec.VarArgs) *exec.Value {
			return exec.AsValue(r.String())
		})), true
	}
	return exec.AsValue(nil), false
}
