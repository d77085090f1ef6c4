package seed

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// textRows reads every row of tbl as text, "<null>" for NULL, the values
// of a row joined by "|".
func textRows(tbl *Table) []string {
	var out []string
	r := tbl.Text()
	for r.Next() {
		var vals []string
		for _, v := range r.Values() {
			if v == nil {
				vals = append(vals, "<null>")
				continue
			}
			vals = append(vals, string(v))
		}
		out = append(out, strings.Join(vals, "|"))
	}
	return out
}

// Text gives every value as the text of the value Values gives.
func TestTextRows(t *testing.T) {
	for _, c := range []struct {
		csv  string
		o    Options
		want []string
	}{
		{"id,big,amount,flag,day,at,name,empty,mixed_time,zip\n" +
			"1,3000000000,1.50,true,2024-01-31,2024-01-31 10:00:00,alice,,2024-01-31,007\n" +
			"-2,4,-2,FALSE,2024-2-29,2024-01-31T10:00:00.5+02:00, bob ,,2024-01-31 10:00:00,+010\n" +
			",,,null,,,,  ,,\n", Options{}, []string{
			"1|3000000000|1.50|t|2024-01-31|2024-01-31 10:00:00+00:00:00|alice|<null>|2024-01-31|7",
			"-2|4|-2|f|2024-02-29|2024-01-31 08:00:00.5+00:00:00| bob |<null>|2024-01-31 10:00:00|10",
			"<null>|<null>|<null>|<null>|<null>|<null>|<null>|<null>|<null>|<null>",
		}},
		{"ID,zip,amount,small,ratio,ok,day,at,at_tz,doc,code,uid,f8\n" +
			"1,007,12.345,7,0.1,yes,2024-01-31,2024-01-31 10:00:00+02:00,2024-01-31 10:00:00+02:00,\"{\"\"a\"\": 1}\",ab ,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11, 1e3 \n",
			Options{ColumnTypes: map[string]string{
				"id": "bigint", "zip": "varchar(5)", "amount": "numeric(10, 3)", "small": "smallint", "ratio": "real",
				"ok": "bool", "day": "date", "at": "timestamp(3)", "at_tz": "timestamp with time zone", "doc": "jsonb",
				"code": "char(2)", "uid": "uuid", "f8": "float8",
			}}, []string{
				`1|007|12.345|7|0.1|t|2024-01-31|2024-01-31 10:00:00+00:00:00|2024-01-31 08:00:00+00:00:00|{"a": 1}|ab |a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|1000`,
			}},
		{"a;b\r\n\"x;\r\ny\";\"say \"\"hi\"\"\"\r\n\r\n2;\r\n", Options{Delimiter: ';'}, []string{
			"x;\ny|say \"hi\"",
			"2|<null>",
		}},
	} {
		tbl, err := Scan(path, []byte(c.csv), c.o)
		if err != nil {
			t.Fatal(err)
		}
		if tbl.Rows != nil {
			t.Error("Scan converted the rows")
		}
		if got := textRows(tbl); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%q:\n got %s\nwant %s", c.csv, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
		if tbl.Len() != len(c.want) {
			t.Errorf("Len = %d, want %d", tbl.Len(), len(c.want))
		}
	}
}

// Scan reports what Parse reports, and converts nothing.
func TestScanErrorsAreParseErrors(t *testing.T) {
	for _, csv := range []string{
		"id,amount\n1,2\n3\n4,5,6\n",
		"id,amount\n\"1,2\n",
		"id,amount\n1,x\"y\n",
		"id,day\n1,2024-13-01\n",
	} {
		o := Options{ColumnTypes: map[string]string{"day": "date"}}
		_, perr := Parse(path, []byte(csv), o)
		_, serr := Scan(path, []byte(csv), o)
		if perr == nil || serr == nil || perr.Error() != serr.Error() {
			t.Errorf("%q: Parse: %v\nScan: %v", csv, perr, serr)
		}
	}
}

// BenchmarkScanText checks 1,000,000 rows of three narrow columns and
// reads them as text, as a load into PostgreSQL does:
//
//	go test ./runner/seed -run '^$' -bench BenchmarkScanText -benchmem
func BenchmarkScanText(b *testing.B) {
	data := narrowCSV(1_000_000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tbl, err := Scan(path, data, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for r := tbl.Text(); r.Next(); n++ {
		}
		if n != 1_000_000 {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds(), "rows/s")
}

func TestCanonicalInt(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "7": true, "-7": true, "123": true, "-0": false, "007": false,
		"+7": false, "-": false, "": false, "00": false} {
		if got := canonicalInt(s); got != want {
			t.Errorf("canonicalInt(%q) = %v", s, got)
		}
	}
}

// A large file is checked in parts; the types are those one pass infers,
// whichever part holds the value that decides them.
func TestCheckPartsInferAsOnePass(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b,c,d,e\n")
	const n = 400_000 // about 8 MB, in two parts or more
	for i := range n {
		second := i >= n/2
		a, big, day, flag := "1", "2", "2024-01-01", ""
		if second && i == n-1 {
			a, big, day, flag = "1.5", "3000000000", "2024-01-01 10:00", "true"
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,x%d\n", a, big, day, flag, i)
	}
	data := []byte(b.String())
	if runtime.GOMAXPROCS(0) < 2 || len(data)/minPartBytes < 2 {
		t.Skip("too few CPUs or too small a file for parts")
	}
	tbl, err := Scan(path, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := types(tbl), "a numeric, b bigint, c text, d boolean, e text"; got != want {
		t.Errorf("types = %s, want %s", got, want)
	}
	if tbl.Len() != n {
		t.Errorf("Len = %d", tbl.Len())
	}
	// A ragged row in a later part is reported as in one pass.
	bad := append(append([]byte(nil), data...), "1,2\n"...)
	if _, err := Scan(path, bad, Options{}); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("x.csv:%d: row has 2 fields, the header has 5", n+2)) {
		t.Errorf("ragged last row: %v", err)
	}
}
