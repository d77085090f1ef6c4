package seed

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkPositions compares t.Position of every field with where
// encoding/csv, reading the whole of data, says the field starts.
func checkPositions(t *testing.T, data string, delim rune) {
	t.Helper()
	tbl, err := Scan("seeds/x.csv", []byte(data), Options{Delimiter: delim})
	if err != nil {
		return // not a seed: nothing to point into
	}
	r := csv.NewReader(strings.NewReader(data))
	r.Comma = delim
	r.FieldsPerRecord = -1
	if _, err := r.Read(); err != nil { // the header
		t.Fatalf("%q: header: %v", data, err)
	}
	for row := 1; ; row++ {
		rec, err := r.Read()
		if err != nil {
			if row-1 != tbl.Len() {
				t.Errorf("%q, delimiter %q: encoding/csv read %d rows, Scan %d", data, delim, row-1, tbl.Len())
			}
			break
		}
		for c := range rec {
			wantLine, wantCol := r.FieldPos(c)
			if line, col := tbl.Position(row, c); line != wantLine || col != wantCol {
				t.Errorf("%q, delimiter %q: Position(%d, %d) = %d:%d, want %d:%d", data, delim, row, c, line, col, wantLine, wantCol)
			}
		}
		startLine, _ := r.FieldPos(0)
		if line, col := tbl.Position(row, -1); line != startLine || col != 0 {
			t.Errorf("%q, delimiter %q: Position(%d, -1) = %d:%d, want %d:0", data, delim, row, line, col, startLine)
		}
	}
}

func TestPositionAsEncodingCSV(t *testing.T) {
	cases := append([]string{
		"\"a\nheader\",b\n1,2\n\n\n3,4",
		"a,b,c\n1,\"x\ny\nz\",3\n4,5,\"p\nq\"\n7,\"\",9\r\n10,\"he said \"\"hi\"\"\",12\n",
		"a,b\n\"x\ny\",2\n\"\n\",\"\n\n\"\n",
		"a,b\r\n1,2\r\n\r\n3,4\r\n",
		"a,b\n 1 , 2 \nnull,\n",
	}, scanCases...)
	for _, data := range cases {
		for _, delim := range []rune{',', ';', '\t', 'é'} {
			checkPositions(t, data, delim)
		}
	}
}

func TestPosition(t *testing.T) {
	data := "\xEF\xBB\xBFid,note,n\n" + // a byte order mark, not counted
		"1,\"two\nlines\",1\n" + // lines 2-3
		"\n" +
		"2,\"x\",\"3\n4\"\n" + // lines 5-6
		"3,y,5\n" // line 7
	tbl, err := Scan("seeds/x.csv", []byte(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ row, c, line, col int }{
		{1, 0, 2, 1},
		{1, 1, 2, 3},
		{1, 2, 3, 8}, // after the quoted field's second line
		{1, -1, 2, 0},
		{1, 3, 2, 0},
		{2, 1, 5, 3},
		{2, 2, 5, 7},
		{3, 2, 7, 5},
		{3, -1, 7, 0},
		{0, 0, 0, 0},
		{4, 0, 0, 0},
		{-1, 0, 0, 0},
	} {
		if line, col := tbl.Position(c.row, c.c); line != c.line || col != c.col {
			t.Errorf("Position(%d, %d) = %d:%d, want %d:%d", c.row, c.c, line, col, c.line, c.col)
		}
	}
	var none *Table
	if line, col := none.Position(1, 0); line != 0 || col != 0 {
		t.Errorf("nil Table: %d:%d", line, col)
	}
}

// A file large enough for Scan to check it in parts: the last row is on
// the last line.
func TestPositionInALargeFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,name\n")
	const n = 200_000
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d,name_%d\n", i, i)
	}
	tbl, err := Scan("seeds/x.csv", []byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if line, col := tbl.Position(n, 1); line != n+1 || col != len(fmt.Sprint(n))+2 {
		t.Errorf("Position(%d, 1) = %d:%d", n, line, col)
	}
}

// Position and encoding/csv agree on any file Scan accepts.
func FuzzPositionAsEncodingCSV(f *testing.F) {
	for _, data := range scanCases {
		f.Add(data, false)
	}
	f.Fuzz(func(t *testing.T, data string, semicolon bool) {
		if !utf8.ValidString(data) || bytes.IndexByte([]byte(data), 0) >= 0 {
			return
		}
		delim := ','
		if semicolon {
			delim = ';'
		}
		checkPositions(t, data, delim)
	})
}
