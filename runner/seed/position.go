package seed

import (
	"encoding/csv"
	"strings"
)

// Position is where the value of column c of row starts in the file: its
// line and its byte column on that line, both from 1, as the errors of
// Parse and Scan name them. Rows count from 1 in the order Values and Text
// give them (a warehouse names a row it refuses so); blank lines, the
// header and quoted fields that span lines are why a row's line is not
// its number plus one. With c out of range it is the line where the row
// starts, and column 0; with no such row, 0, 0.
//
// It reads the file again up to the row, so it is for an error, not for
// every row.
func (t *Table) Position(row, c int) (line, col int) {
	if t == nil || row < 1 || row > t.rows {
		return 0, 0
	}
	sc := t.scanner()
	for range row {
		if !sc.next() {
			return 0, 0 // cannot happen: Scan read these rows
		}
	}
	line = 1 + strings.Count(t.data[:sc.start], "\n")
	if c < 0 || c >= len(t.cols) {
		return line, 0
	}
	// The row again, with encoding/csv, which knows where each field is.
	r := csv.NewReader(strings.NewReader(t.data[sc.start:sc.off]))
	r.Comma = t.delim
	r.FieldsPerRecord = -1
	if rec, err := r.Read(); err != nil || c >= len(rec) {
		return line, 0
	}
	fieldLine, col := r.FieldPos(c)
	return line + fieldLine - 1, col
}
