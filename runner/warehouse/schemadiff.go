package warehouse

import "strings"

// Retype is a column the model and the table both have, with different
// types.
type Retype struct {
	Name     string
	From, To string // the table's type, the model's type
}

// SchemaDiff is how a model's columns differ from its table's, for
// on_schema_change.
type SchemaDiff struct {
	Added   []Column // in the model only, in the model's order
	Removed []Column // in the table only, in the table's order
	Retyped []Retype // in the table's order
}

// Empty reports whether the columns are the same.
func (d SchemaDiff) Empty() bool {
	return len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Retyped) == 0
}

// String lists the differences, e.g. `added note (text); removed amount
// (integer); changed id from integer to bigint`.
func (d SchemaDiff) String() string {
	var parts []string
	list := func(cols []Column) string {
		s := make([]string, len(cols))
		for i, c := range cols {
			s[i] = c.Name + " (" + c.Type + ")"
		}
		return strings.Join(s, ", ")
	}
	if len(d.Added) > 0 {
		parts = append(parts, "added "+list(d.Added))
	}
	if len(d.Removed) > 0 {
		parts = append(parts, "removed "+list(d.Removed))
	}
	if len(d.Retyped) > 0 {
		s := make([]string, len(d.Retyped))
		for i, r := range d.Retyped {
			s[i] = r.Name + " from " + r.From + " to " + r.To
		}
		parts = append(parts, "changed "+strings.Join(s, ", "))
	}
	return strings.Join(parts, "; ")
}

// DiffColumns compares the table's columns with the model's, by name;
// foldCase matches names without regard to case (DuckDB does, PostgreSQL
// does not for quoted names).
func DiffColumns(table, model []Column, foldCase bool) SchemaDiff {
	key := func(name string) string {
		if foldCase {
			return strings.ToLower(name)
		}
		return name
	}
	var d SchemaDiff
	inModel := map[string]string{}
	for _, c := range model {
		inModel[key(c.Name)] = c.Type
	}
	inTable := map[string]bool{}
	for _, c := range table {
		inTable[key(c.Name)] = true
		t, ok := inModel[key(c.Name)]
		switch {
		case !ok:
			d.Removed = append(d.Removed, c)
		case t != c.Type:
			d.Retyped = append(d.Retyped, Retype{Name: c.Name, From: c.Type, To: t})
		}
	}
	for _, c := range model {
		if !inTable[key(c.Name)] {
			d.Added = append(d.Added, c)
		}
	}
	return d
}
