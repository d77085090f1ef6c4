//go:build cgo

package duckdb

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// column is one column of a relation.
type column = warehouse.Column

// The on_schema_change modes.
const (
	schemaIgnore = "ignore"
	schemaFail   = "fail"
	schemaAppend = "append_new_columns"
	schemaSync   = "sync_all_columns"
)

var schemaModes = []string{schemaIgnore, schemaFail, schemaAppend, schemaSync}

type (
	retype     = warehouse.Retype
	schemaDiff = warehouse.SchemaDiff
)

// diffColumns compares the table's columns with the model's, by name.
func diffColumns(table, model []column) schemaDiff {
	return warehouse.DiffColumns(table, model, true)
}

// columnPlan is what an increment does to the table's columns, and which
// columns it writes.
type columnPlan struct {
	Alters []alterColumn
	Write  []string // columns written by name: the table's (after Alters) that the model has, in the table's order
}

// alterColumn is one change on_schema_change makes to the target.
type alterColumn struct {
	Op     string // "add", "drop" or "type"
	Column string
	Type   string // the new type, for add and type
}

// planColumns decides, for an on_schema_change mode, how the table's
// columns change and which are written. It does no I/O; an error means the
// increment must not run.
func planColumns(mode string, target warehouse.Relation, table, model []column) (columnPlan, error) {
	d := diffColumns(table, model)
	var p columnPlan
	switch mode {
	case schemaIgnore:
	case schemaFail:
		if !d.Empty() {
			return p, fmt.Errorf("on_schema_change is 'fail' and the model's columns differ from %s: %s; "+
				"nothing was changed (change on_schema_change, or rebuild the table with --full-refresh)", rel(target), d)
		}
	case schemaAppend:
		for _, c := range d.Added {
			p.Alters = append(p.Alters, alterColumn{Op: "add", Column: c.Name, Type: c.Type})
		}
	case schemaSync:
		for _, r := range d.Retyped {
			switch {
			case safeWidening(r.From, r.To):
				p.Alters = append(p.Alters, alterColumn{Op: "type", Column: r.Name, Type: r.To})
			case safeWidening(r.To, r.From):
				// The table's type already holds every value of the
				// model's: narrowing it could only lose data.
			default:
				return columnPlan{}, fmt.Errorf("on_schema_change is 'sync_all_columns' but column %s of %s cannot change "+
					"from %s to %s: only changes that keep every value are made (such as INTEGER to BIGINT, or "+
					"DECIMAL(18,2) to DECIMAL(38,2)); nothing was changed (rebuild the table with --full-refresh)",
					ident(r.Name), rel(target), r.From, r.To)
			}
		}
		for _, c := range d.Added {
			p.Alters = append(p.Alters, alterColumn{Op: "add", Column: c.Name, Type: c.Type})
		}
		for _, c := range d.Removed {
			p.Alters = append(p.Alters, alterColumn{Op: "drop", Column: c.Name})
		}
	default:
		return p, unknownSchemaMode(mode)
	}
	inModel := map[string]bool{}
	for _, c := range model {
		inModel[strings.ToLower(c.Name)] = true
	}
	dropped := map[string]bool{}
	for _, a := range p.Alters {
		if a.Op == "drop" {
			dropped[strings.ToLower(a.Column)] = true
		}
	}
	for _, c := range table {
		if k := strings.ToLower(c.Name); inModel[k] && !dropped[k] {
			p.Write = append(p.Write, c.Name)
		}
	}
	for _, a := range p.Alters {
		if a.Op == "add" {
			p.Write = append(p.Write, a.Column)
		}
	}
	return p, nil
}

func unknownSchemaMode(mode string) error {
	return fmt.Errorf("unknown on_schema_change %q (use %s, %s, %s or %s)", mode,
		schemaModes[0], schemaModes[1], schemaModes[2], schemaModes[3])
}

// integerDigits is how many decimal digits of integer part each signed
// integer type holds exactly.
var integerDigits = map[string]int{"TINYINT": 3, "SMALLINT": 5, "INTEGER": 10, "BIGINT": 19, "HUGEINT": 39}

var decimalRe = regexp.MustCompile(`^DECIMAL\((\d+),(\d+)\)$`)

// safeWidening reports whether every value of type from is kept exactly,
// and compares the same, once its column is changed to type to: a smaller
// integer to a larger one or to a DECIMAL with as many integer digits,
// FLOAT to DOUBLE, and a DECIMAL to one with as many digits on both sides
// of the point. Types are as duckdb_columns() writes them.
func safeWidening(from, to string) bool {
	if from == to {
		return true
	}
	if d, ok := integerDigits[from]; ok {
		if e, ok := integerDigits[to]; ok {
			return e > d
		}
		p, s, ok := decimalPS(to)
		return ok && p-s >= d
	}
	if from == "FLOAT" {
		return to == "DOUBLE"
	}
	if p, s, ok := decimalPS(from); ok {
		q, t, ok := decimalPS(to)
		return ok && t >= s && q-t >= p-s
	}
	return false
}

// decimalPS parses "DECIMAL(p,s)".
func decimalPS(t string) (p, s int, ok bool) {
	m := decimalRe.FindStringSubmatch(t)
	if m == nil {
		return 0, 0, false
	}
	p, _ = strconv.Atoi(m[1])
	s, _ = strconv.Atoi(m[2])
	return p, s, true
}
