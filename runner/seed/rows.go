package seed

import "strings"

// Values converts every row of t to Go values, as Table describes them.
func (t *Table) Values() [][]any {
	n := len(t.cols)
	vals := make([]any, t.rows*n)
	out := make([][]any, t.rows)
	sc := t.scanner()
	for i := range out {
		if !sc.next() {
			break // cannot happen: Scan read these rows
		}
		row := vals[i*n : (i+1)*n : (i+1)*n]
		for c, v := range sc.fields {
			tv := strings.TrimSpace(v)
			if !isNull(tv) {
				row[c], _ = t.cols[c].typ.convert(v, tv)
			}
		}
		out[i] = row
	}
	return out
}

// TextRows reads the rows of a Table one at a time, each value as text
// that SQL reads as its column's type, to the value Values gives:
// integers and floats as Go writes them, booleans as t or f, dates as
// YYYY-MM-DD, timestamps in UTC with their offset, the rest as in the
// file. It makes the pass over the file that Values makes, without
// allocating per row.
type TextRows struct {
	sc   *scanner
	cols []column
	buf  []byte
	ends []int
	vals [][]byte
}

// Text returns a reader of t's rows as text.
func (t *Table) Text() *TextRows {
	return &TextRows{sc: t.scanner(), cols: t.cols, ends: make([]int, len(t.cols)), vals: make([][]byte, len(t.cols))}
}

// Next reads the next row; it returns false after the last one.
func (r *TextRows) Next() bool {
	if !r.sc.next() {
		return false
	}
	r.buf = r.buf[:0]
	for c, v := range r.sc.fields {
		t := strings.TrimSpace(v)
		if isNull(t) {
			r.ends[c] = -1
			continue
		}
		switch typ := &r.cols[c].typ; {
		case typ.kind == kindText && typ.maxChars == 0 || typ.kind == kindOther:
			r.buf = append(r.buf, v...) // as written
		case typ.kind == kindInt && !typ.declared && canonicalInt(t):
			r.buf = append(r.buf, t...) // as strconv.AppendInt writes it
		default:
			r.buf, _ = typ.appendText(r.buf, v, t)
		}
		r.ends[c] = len(r.buf)
	}
	start := 0
	for c, end := range r.ends {
		if end < 0 {
			r.vals[c] = nil
			continue
		}
		r.vals[c] = r.buf[start:end:end]
		start = end
	}
	return true
}

// Values are the values of the row Next read, one per column, nil for
// NULL. They are overwritten by the next call of Next.
func (r *TextRows) Values() [][]byte { return r.vals }

// canonicalInt reports whether t, an integer literal that fits an int64
// (an inferred integer or bigint), is written as strconv.AppendInt writes
// it: no plus sign, no leading zero, no "-0".
func canonicalInt(t string) bool {
	d := strings.TrimPrefix(t, "-")
	return d != "" && t[0] != '+' && (d[0] != '0' || t == "0")
}
