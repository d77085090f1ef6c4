package postgres

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

func TestSeedSQL(t *testing.T) {
	target := warehouse.Relation{Schema: "analytics", Name: "country codes"}
	tmp := warehouse.Relation{Schema: target.Schema, Name: tempName(target, "inv-1")}
	cols := []warehouse.Column{{Name: "id", Type: "integer"}, {Name: `Say "hi"`, Type: "varchar(2)"}, {Name: "at", Type: "timestamp"}}
	h := header("seed.shop.country_codes", "inv-1")
	golden(t, "seed_load", render(createSeedTable(h, tmp, target, cols), copySeedRows(h, tmp, target, cols)))
}

func TestCopyTextFormat(t *testing.T) {
	cols := []warehouse.Column{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}}
	at := time.Date(2024, 1, 31, 10, 0, 0, 500, time.FixedZone("", -(3*3600+30*60)))
	for _, tc := range []struct {
		row  []any
		want string
	}{
		{[]any{nil, "plain", int64(-1), true}, "\\N\tplain\t-1\tt\n"},
		{[]any{"tab\there", "new\nline\r", `back\slash`, `\N`}, "tab\\there\tnew\\nline\\r\tback\\\\slash\t\\\\N\n"},
		{[]any{at, []byte{0xde, 0xad}, 1.5, float32(0.1)}, "2024-01-31 10:00:00-03:30:00\t\\\\xdead\t1.5\t0.1\n"},
		{[]any{uint8(255), int8(-8), "", "é"}, "255\t-8\t\té\n"},
	} {
		got, err := appendCopyRow(nil, tc.row, cols)
		if err != nil || string(got) != tc.want {
			t.Errorf("%#v:\n got %q, %v\nwant %q", tc.row, got, err, tc.want)
		}
	}
	_, err := appendCopyRow(nil, []any{1, map[string]int{}}, cols)
	if err == nil || err.Error() != `column "b": kiln cannot send a Go map[string]int to PostgreSQL` {
		t.Errorf("unsupported type: %v", err)
	}
	_, err = appendCopyRow(nil, []any{time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)}, cols)
	if err == nil || err.Error() != `column "a": year 0 is outside what PostgreSQL stores` {
		t.Errorf("year 0: %v", err)
	}
}

// copySource hands out every row exactly once, whatever the read size.
func TestCopySourceChunks(t *testing.T) {
	cols := []warehouse.Column{{Name: "n"}, {Name: "s"}}
	var rows [][]any
	var want strings.Builder
	for i := 0; i < 1000; i++ {
		rows = append(rows, []any{int64(i), strings.Repeat("x", i%37)})
		b, _ := appendCopyRow(nil, rows[i], cols)
		want.Write(b)
	}
	for _, size := range []int{1, 7, 100, 65531} {
		src := &copySource{rows: rows, cols: cols}
		var got strings.Builder
		buf := make([]byte, size)
		for {
			n, err := src.Read(buf)
			got.Write(buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if got.String() != want.String() {
			t.Errorf("read size %d: %d bytes, want %d", size, got.Len(), want.Len())
		}
		if cap(src.buf) > size+200 {
			t.Errorf("read size %d: buffer grew to %d", size, cap(src.buf))
		}
	}
}

func TestCopyTextRowFormat(t *testing.T) {
	for _, tc := range []struct {
		vals [][]byte
		want string
	}{
		{[][]byte{nil, []byte("plain"), []byte("-1"), []byte("t")}, "\\N\tplain\t-1\tt\n"},
		{[][]byte{[]byte("tab\there"), []byte("new\nline\r"), []byte(`back\slash`), []byte(`\N`)}, "tab\\there\tnew\\nline\\r\tback\\\\slash\t\\\\N\n"},
		{[][]byte{{}, []byte("é")}, "\té\n"},
	} {
		if got := appendCopyTextRow(nil, tc.vals); string(got) != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.vals, got, tc.want)
		}
	}
}

// sliceRows is a warehouse.SeedRows over values in memory.
type sliceRows struct {
	rows [][][]byte
	i    int
}

func (s *sliceRows) Next() bool       { s.i++; return s.i <= len(s.rows) }
func (s *sliceRows) Values() [][]byte { return s.rows[s.i-1] }

// textCopySource hands out every row exactly once, whatever the read
// size, and refuses a row of the wrong length.
func TestTextCopySourceChunks(t *testing.T) {
	cols := []warehouse.Column{{Name: "n"}, {Name: "s"}}
	var rows [][][]byte
	var want strings.Builder
	for i := 0; i < 1000; i++ {
		rows = append(rows, [][]byte{[]byte(fmt.Sprint(i)), []byte(strings.Repeat("x\t", i%37))})
		want.Write(appendCopyTextRow(nil, rows[i]))
	}
	for _, size := range []int{1, 7, 100, 65531} {
		src := &textCopySource{rows: &sliceRows{rows: rows}, cols: cols}
		var b strings.Builder
		buf := make([]byte, size)
		for {
			n, err := src.Read(buf)
			b.Write(buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if b.String() != want.String() {
			t.Errorf("read size %d: %d bytes, want %d", size, b.Len(), want.Len())
		}
		if cap(src.buf) > 2*size+200 { // a read's worth and a row, as append grows it
			t.Errorf("read size %d: buffer grew to %d", size, cap(src.buf))
		}
	}
	src := &textCopySource{rows: &sliceRows{rows: [][][]byte{{[]byte("1")}}}, cols: cols}
	if _, err := src.Read(make([]byte, 100)); err == nil || err.Error() != "row 1 has 1 values for 2 columns" || src.encodeErr() != err {
		t.Errorf("short row: %v", err)
	}
}
