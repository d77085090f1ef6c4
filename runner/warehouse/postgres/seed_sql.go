package postgres

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// This file holds the statements and the data format of a seed load, as
// pure functions; seed_sql_test.go pins them.

// createSeedTable creates tmp, the new table of the seed that will replace
// target, with the seed's columns: quoted names, types as given.
func createSeedTable(h string, tmp, target warehouse.Relation, cols []warehouse.Column) step {
	var b strings.Builder
	b.WriteString("create table " + ident(tmp.Schema, tmp.Name) + " (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  " + ident(c.Name) + " " + c.Type)
	}
	b.WriteString("\n)")
	return plain(h, b.String(), "create the new "+target.String())
}

// copySeedRows is the COPY that streams the seed's rows into tmp in COPY's
// text format (see appendCopyRow). Text rather than binary, so that every
// type PostgreSQL can read from text works, as in dbt: uuid, jsonb,
// intervals, enums, domains, arrays.
func copySeedRows(h string, tmp, target warehouse.Relation, cols []warehouse.Column) step {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = ident(c.Name)
	}
	return plain(h, "copy "+ident(tmp.Schema, tmp.Name)+" ("+strings.Join(names, ", ")+") from stdin",
		"load the rows of "+target.String())
}

// checkSeed refuses a seed PostgreSQL would reject or silently change:
// no columns, an empty, too long or repeated column name, an empty type, or
// a row whose length is not the number of columns.
func checkSeed(s warehouse.Seed) error {
	if len(s.Columns) == 0 {
		return fmt.Errorf("seed %s has no columns", s.Relation.Key())
	}
	seen := make(map[string]bool, len(s.Columns))
	for _, c := range s.Columns {
		switch {
		case c.Name == "":
			return fmt.Errorf("seed %s has a column without a name", s.Relation.Key())
		case len(c.Name) > maxIdentBytes:
			return fmt.Errorf("column name %q is %d bytes long; PostgreSQL names are limited to %d bytes and would be cut",
				c.Name, len(c.Name), maxIdentBytes)
		case seen[c.Name]:
			return fmt.Errorf("seed %s has two columns named %q", s.Relation.Key(), c.Name)
		case strings.TrimSpace(c.Type) == "":
			return fmt.Errorf("column %q of seed %s has no type", c.Name, s.Relation.Key())
		}
		seen[c.Name] = true
	}
	for i, row := range s.Rows {
		if len(row) != len(s.Columns) {
			return fmt.Errorf("row %d of seed %s has %d values for %d columns", i+1, s.Relation.Key(), len(row), len(s.Columns))
		}
	}
	return nil
}

// appendCopyRow appends one row in COPY's text format: values separated by
// tabs, NULL as \N, a newline at the end. cols names the columns in errors.
func appendCopyRow(b []byte, row []any, cols []warehouse.Column) ([]byte, error) {
	for i, v := range row {
		if i > 0 {
			b = append(b, '\t')
		}
		var err error
		if b, err = appendCopyValue(b, v); err != nil {
			return b, fmt.Errorf("column %q: %w", cols[i].Name, err)
		}
	}
	return append(b, '\n'), nil
}

// copyTimeLayout writes a time with its offset, which a timestamptz column
// applies and a timestamp or date column ignores, as PostgreSQL reads them.
const copyTimeLayout = "2006-01-02 15:04:05.999999-07:00:00"

// appendCopyValue appends one value in COPY's text format.
func appendCopyValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, `\N`...), nil
	case string:
		return appendCopyText(b, v), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(v), 10), nil
	case uint64:
		return strconv.AppendUint(b, v, 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case float64:
		return strconv.AppendFloat(b, v, 'g', -1, 64), nil
	case float32:
		return strconv.AppendFloat(b, float64(v), 'g', -1, 32), nil
	case bool:
		if v {
			return append(b, 't'), nil
		}
		return append(b, 'f'), nil
	case time.Time:
		if y := v.Year(); y < 1 || y > 294276 {
			return b, fmt.Errorf("year %d is outside what PostgreSQL stores", y)
		}
		return v.AppendFormat(b, copyTimeLayout), nil
	case []byte:
		b = append(b, `\\x`...)
		return hex.AppendEncode(b, v), nil
	}
	return b, fmt.Errorf("kiln cannot send a Go %T to PostgreSQL", v)
}

// appendCopyTextRow appends one row of values already in text, nil for
// NULL, in COPY's text format.
func appendCopyTextRow(b []byte, vals [][]byte) []byte {
	for i, v := range vals {
		if i > 0 {
			b = append(b, '\t')
		}
		if v == nil {
			b = append(b, `\N`...)
			continue
		}
		start := 0
		for j, c := range v {
			if e := copyEscapes[c]; e != 0 {
				b = append(b, v[start:j]...)
				b = append(b, '\\', e)
				start = j + 1
			}
		}
		b = append(b, v[start:]...)
	}
	return append(b, '\n')
}

// copyEscapes marks the bytes COPY's text format escapes.
var copyEscapes = [256]byte{'\\': '\\', '\n': 'n', '\r': 'r', '\t': 't'}

// appendCopyText appends s with backslashes, newlines, carriage returns
// and tabs escaped.
func appendCopyText(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		if e := copyEscapes[s[i]]; e != 0 {
			b = append(b, s[start:i]...)
			b = append(b, '\\', e)
			start = i + 1
		}
	}
	return append(b, s[start:]...)
}
