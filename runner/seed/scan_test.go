package seed

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"testing"
	"unicode/utf8"
)

// csvRecords reads data as Scan's fallback does, with encoding/csv: every
// record, or ok false if it reports an error.
func csvRecords(data string, delim rune) (recs [][]string, ok bool) {
	r := csv.NewReader(bytes.NewReader([]byte(data)))
	r.Comma = delim
	r.FieldsPerRecord = -1
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return recs, true
		}
		if err != nil {
			return recs, false
		}
		recs = append(recs, rec)
	}
}

// scanRecords reads data with the scanner.
func scanRecords(data string, delim rune) (recs [][]string, ok bool) {
	sc := newScanner(data, 0, delim)
	for sc.next() {
		recs = append(recs, append([]string(nil), sc.fields...))
	}
	return recs, !sc.bad
}

var scanCases = []string{
	"",
	"a,b\n1,2\n",
	"a,b\n1,2",
	"a,b\r\n1,2\r\n",
	"a,b\r\n1,2\r",
	"a,b\n\n\n1,2\n\r\n3,4\n",
	"\n\na\n",
	"a,b\n1,\n,2\n,\n",
	"a\n\"\"\n",
	"a,b\n\"x,y\",\"say \"\"hi\"\"\"\n",
	"a,b\n\"multi\nline\",2\n",
	"a,b\n\"multi\r\nline\r\n\",2\r\n",
	"a,b\n\"x\"\n",
	"a,b\n1,\"2\"",
	"a,b\n\"unclosed,2\n",
	"a,b\n\"unclosed,2",
	"a,b\n\"x\"y,2\n",
	"a,b\nx\"y,2\n",
	"a,b\n \"x\",2\n",
	"a,b\n\"x\" ,2\n",
	"a,b\n\"\"\"\",2\n",
	"a,b\n1\r2,3\n",
	"a,b\n\"1\r2\",3\n",
	"a,b\n1,2\r\r\n",
	"a,b\n\r",
	"a,b\n\"a\"\r",
	"a,b\n\"a\nb\"\n\"c\",\"d\ne\"\n",
	"a;b\n1;2\n",
	"a\tb\n1\t\"2\t3\"\n",
	"aéb\n1é2\n",
	"a,b\n\"x\n",
	"a,b\n\"x\"\n\"",
}

func TestScannerReadsAsEncodingCSV(t *testing.T) {
	for _, data := range scanCases {
		for _, delim := range []rune{',', ';', '\t', 'é'} {
			want, wantOK := csvRecords(data, delim)
			got, gotOK := scanRecords(data, delim)
			if gotOK != wantOK || wantOK && !reflect.DeepEqual(got, want) {
				t.Errorf("%q, delimiter %q:\n got %q ok=%v\nwant %q ok=%v", data, delim, got, gotOK, want, wantOK)
			}
		}
	}
}

// The scanner and encoding/csv agree on any UTF-8 input without NUL
// (what Scan lets through): same records, and an error exactly where
// encoding/csv reports one.
func FuzzScannerReadsAsEncodingCSV(f *testing.F) {
	for _, data := range scanCases {
		f.Add(data, false)
		f.Add(data, true)
	}
	f.Fuzz(func(t *testing.T, data string, semicolon bool) {
		if !utf8.ValidString(data) || bytes.IndexByte([]byte(data), 0) >= 0 {
			return
		}
		delim := ','
		if semicolon {
			delim = ';'
		}
		want, wantOK := csvRecords(data, delim)
		got, gotOK := scanRecords(data, delim)
		if gotOK != wantOK || wantOK && !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n got %q ok=%v\nwant %q ok=%v", data, got, gotOK, want, wantOK)
		}
	})
}
