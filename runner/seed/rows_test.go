package seed

import (
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
