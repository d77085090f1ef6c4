package seed

import (
	"encoding/csv"
	"slices"
	"strings"

	"github.com/kiln-dev/kiln/runner/diag"
)

// readHeader checks the column names: trimmed, none empty, none twice.
func (p *parser) readHeader(r *csv.Reader, header []string, fold bool) []column {
	cols := make([]column, len(header))
	seen := make(map[string]int, len(header))
	ok := true
	for i, h := range header {
		name := strings.TrimSpace(h)
		if fold {
			name = foldName(name)
		}
		line, pos := r.FieldPos(i)
		if name == "" {
			p.errorf(line, pos, "column %d of the header has no name", i+1)
			ok = false
			continue
		}
		if prev, dup := seen[name]; dup {
			p.errorf(line, pos, "column %q appears twice in the header (columns %d and %d)", name, prev+1, i+1)
			ok = false
			continue
		}
		seen[name] = i
		cols[i] = column{name: name, cand: allCandidates}
	}
	if !ok {
		return nil
	}
	return cols
}

// foldName lowercases ASCII letters, as PostgreSQL does to unquoted names.
func foldName(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// declare gives the columns the types of column_types: a key matches the
// column of the same name, else the one column whose name matches it
// case-insensitively. A key that matches no column is a warning.
func (p *parser) declare(r *csv.Reader, cols []column, types map[string]string) {
	if len(types) == 0 {
		return
	}
	keys := make([]string, 0, len(types))
	for k := range types {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	exact := make(map[string]int, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		exact[c.name] = i
		names[i] = c.name
	}
	given := make(map[int]string, len(keys)) // column -> key
	for _, k := range keys {
		i, ok := exact[k]
		if !ok {
			i = -1
			for j, c := range cols {
				if _, taken := types[c.name]; !taken && strings.EqualFold(c.name, k) {
					i = j
					break
				}
			}
		}
		if i < 0 {
			d := diag.Warnf(p.path, 1, "column_types names %q, which is not a column of this file", k)
			d.Hint = diag.Suggest(k, names)
			p.warnings = append(p.warnings, d)
			continue
		}
		line, pos := r.FieldPos(i)
		if prev, dup := given[i]; dup {
			p.errorf(line, pos, "column_types gives column %q two types, as %q and as %q", cols[i].name, prev, k)
			continue
		}
		given[i] = k
		typ, problem := declaredType(types[k])
		if problem != "" {
			p.errorf(line, pos, "column_types for column %q: %s", cols[i].name, problem)
			continue
		}
		cols[i].typ = typ
	}
}
