package postgres

import (
	"fmt"
	"regexp"
	"strconv"

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
	return warehouse.DiffColumns(table, model, false)
}

// columnPlan is what an increment does to the table's columns, and which
// columns it writes.
type columnPlan struct {
	Alters []alterColumn
	Write  []string // columns written by name: the table's (after Alters) that the model has, in the table's order
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
				"nothing was changed (change on_schema_change, or rebuild the table with --full-refresh)", target, d)
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
					"from %s to %s: only changes that keep every value are made (such as integer to bigint, or "+
					"varchar(n) to text); nothing was changed (rebuild the table with --full-refresh)",
					ident(r.Name), target, r.From, r.To)
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
		inModel[c.Name] = true
	}
	dropped := map[string]bool{}
	for _, a := range p.Alters {
		if a.Op == "drop" {
			dropped[a.Column] = true
		}
	}
	for _, c := range table {
		if inModel[c.Name] && !dropped[c.Name] {
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

// Types by how many decimal digits of integer part they hold exactly.
var integerDigits = map[string]int{"smallint": 5, "integer": 10, "bigint": 19}

var (
	numericRe = regexp.MustCompile(`^numeric\((\d+),(\d+)\)$`)
	varcharRe = regexp.MustCompile(`^character varying\((\d+)\)$`)
)

// safeWidening reports whether every value of type from is kept exactly,
// and compares the same, once its column is changed to type to: integer to
// bigint to numeric, real to double precision, numeric(p,s) to a numeric
// with as many digits on both sides of the point, varchar(n) to varchar(m)
// for m >= n, and varchar to text. Types are as format_type prints them.
func safeWidening(from, to string) bool {
	if from == to {
		return true
	}
	if d, ok := integerDigits[from]; ok {
		if e, ok := integerDigits[to]; ok {
			return e > d
		}
		if to == "numeric" {
			return true
		}
		if p, s, ok := numericPS(to); ok {
			return p-s >= d
		}
		return false
	}
	switch from {
	case "real":
		return to == "double precision"
	case "character varying":
		return to == "text"
	case "text":
		return to == "character varying"
	}
	if p, s, ok := numericPS(from); ok {
		if to == "numeric" {
			return true
		}
		q, t, ok := numericPS(to)
		return ok && t >= s && q-t >= p-s
	}
	if m := varcharRe.FindStringSubmatch(from); m != nil {
		if to == "text" || to == "character varying" {
			return true
		}
		n := varcharRe.FindStringSubmatch(to)
		return n != nil && atoi(n[1]) >= atoi(m[1])
	}
	return false
}

// numericPS parses "numeric(p,s)".
func numericPS(t string) (p, s int, ok bool) {
	m := numericRe.FindStringSubmatch(t)
	if m == nil {
		return 0, 0, false
	}
	return atoi(m[1]), atoi(m[2]), true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
