// Package seed reads a dbt seed, a CSV file whose rows kiln loads into a
// table. It infers each column's SQL type from its values as dbt does (or
// takes the type column_types declares), converts every value to a Go value
// of that type, and reports every bad row at once, by file line. It does no
// I/O: it works on the bytes it is given.
package seed

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// Options say how to read one seed file.
type Options struct {
	// ColumnTypes maps a column name to the SQL type the column must have,
	// instead of the inferred one (dbt's column_types). Names match the
	// header exactly, else case-insensitively.
	ColumnTypes map[string]string
	// Delimiter separates the fields; 0 means a comma.
	Delimiter rune
	// FoldCase lowercases the column names, as PostgreSQL does with
	// unquoted names (dbt's quote_columns: false).
	FoldCase bool
}

// Table is a parsed seed: its columns, in file order, each with a SQL type,
// and its rows. A value is nil (NULL), int64 (integer, bigint, smallint),
// string (numeric and decimal, to keep every digit; text and character
// types; any type kiln does not know, for the server to read), float64
// (double precision), float32 (real), bool, or time.Time (date, timestamp:
// the wall clock in UTC; timestamptz: the instant, in UTC).
type Table struct {
	Columns []warehouse.Column
	// Rows are the values of every row, from Parse; a Table from Scan
	// leaves them nil and gives them with Values or Text.
	Rows [][]any
	// Warnings are problems that do not stop the load, such as a
	// column_types entry that names no column.
	Warnings diag.List

	data  string   // the file, checked
	body  int      // where the first row after the header starts in data
	delim rune     // the delimiter
	cols  []column // the columns with their final types
	rows  int      // how many rows
}

// Len is the number of rows.
func (t *Table) Len() int { return t.rows }

// maxErrors caps the errors reported for one file.
const maxErrors = 20

// utf8BOM is the byte order mark some editors put at the start of a file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Parse reads the seed file path (a project-relative path, used in errors)
// whose contents are data. The first line is the header. A field that is
// empty, blank or "null" (in any case) is NULL, as in dbt. The error, if
// any, is a diag.List naming the file, line and column of each problem:
// every bad row is reported, up to 20, then how many more there are.
func Parse(path string, data []byte, o Options) (*Table, error) {
	t, err := scan(path, data, string(data), o)
	if err != nil {
		return nil, err
	}
	t.Rows = t.Values()
	return t, nil
}

// Scan checks the seed file and types its columns as Parse does, with the
// same errors, but does not convert the values: Values does, or Text
// reads them as text. It makes one pass over the file, allocating nothing
// per field but for quoted fields. The Table reads data, which must not
// change as long as the Table, its values or its text rows are used.
func Scan(path string, data []byte, o Options) (*Table, error) {
	return scan(path, data, unsafe.String(unsafe.SliceData(data), len(data)), o)
}

// scan is Scan, with text the same bytes as data.
func scan(path string, data []byte, text string, o Options) (*Table, error) {
	p := &parser{path: path}
	if bytes.HasPrefix(data, utf8BOM) {
		data, text = data[len(utf8BOM):], text[len(utf8BOM):]
	}
	t := p.parse(data, text, o)
	if err := p.err(); err != nil {
		return nil, err
	}
	return t, nil
}

// parser collects the errors of one Parse.
type parser struct {
	path     string
	errs     diag.List
	warnings diag.List
	more     int // errors beyond maxErrors
	moreLine int // line of the first of them
}

func (p *parser) errorf(line, col int, format string, args ...any) {
	if len(p.errs) >= maxErrors {
		if p.more == 0 {
			p.moreLine = line
		}
		p.more++
		return
	}
	d := diag.Errorf(p.path, line, format, args...)
	d.Col = col
	p.errs = append(p.errs, d)
}

func (p *parser) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	out := p.errs
	if p.more > 0 {
		s := "s"
		if p.more == 1 {
			s = ""
		}
		out = append(out, diag.Errorf(p.path, p.moreLine, "and %d more error%s", p.more, s))
	}
	return out
}

// column is one column of the file while it is read.
type column struct {
	name string
	typ  colType
	// inference, for columns without a declared type
	cand     candidates
	lo, hi   int64 // range of the integers seen
	nonEmpty bool  // a value that is not NULL was seen
}

func (p *parser) parse(data []byte, text string, o Options) *Table {
	if !p.checkBytes(data) {
		return nil
	}
	delim := o.Delimiter
	if delim == 0 {
		delim = ','
	}
	if !validDelimiter(delim) {
		p.errorf(0, 0, "delimiter %q cannot separate CSV fields", delim)
		return nil
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = delim
	r.FieldsPerRecord = -1 // checked here, to name both counts
	r.ReuseRecord = true

	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		d := diag.Errorf(p.path, 1, "the file is empty")
		d.Hint = "a seed's first line names its columns"
		p.errs = append(p.errs, d)
		return nil
	}
	if err != nil {
		p.csvError(err)
		return nil
	}
	cols := p.readHeader(r, header, o.FoldCase)
	if cols == nil {
		return nil
	}
	p.declare(r, cols, o.ColumnTypes)
	if len(p.errs) > 0 {
		return nil
	}

	t := &Table{data: text, body: int(r.InputOffset()), delim: delim, cols: cols, Warnings: p.warnings}
	rows, ok := p.checkParts(t, cols)
	if !ok {
		// Something is wrong: read the rows again with encoding/csv,
		// which names every problem with its line and column.
		p.read(r, cols)
		if len(p.errs) == 0 {
			p.errorf(0, 0, "kiln's CSV reader and Go's disagree about this file; please report it")
		}
		return nil
	}
	t.rows = rows
	t.Columns = make([]warehouse.Column, len(cols))
	for c := range cols {
		if !cols[c].typ.declared {
			cols[c].typ = cols[c].inferred()
		}
		t.Columns[c] = warehouse.Column{Name: cols[c].name, Type: cols[c].typ.sql}
	}
	return t
}

// scanner reads the rows of t, after the header.
func (t *Table) scanner() *scanner { return newScanner(t.data, t.body, t.delim) }

// minPartBytes is the least part of a file worth a goroutine of its own.
const minPartBytes = 1 << 20

// checkParts checks the rows of t as check does, in parts on a few
// goroutines when the file is large and has no quote, so that each line
// is a row: each part infers from its own rows, and the candidate types
// of the parts meet, which gives what one pass gives, whatever the order
// of the values.
func (p *parser) checkParts(t *Table, cols []column) (rows int, ok bool) {
	body := t.data[t.body:]
	parts := min(runtime.GOMAXPROCS(0), len(body)/minPartBytes)
	if parts < 2 || strings.IndexByte(body, '"') >= 0 {
		return p.check(t.scanner(), cols)
	}
	type part struct {
		cols []column
		rows int
		ok   bool
	}
	results := make([]part, parts)
	var wg sync.WaitGroup
	start := t.body
	for i := range parts {
		end := len(t.data)
		if i < parts-1 {
			end = t.body + len(body)*(i+1)/parts
			if nl := strings.IndexByte(t.data[end:], '\n'); nl >= 0 {
				end += nl + 1
			} else {
				end = len(t.data)
			}
		}
		lo := start
		start = max(start, end)
		res := &results[i]
		res.cols = slices.Clone(cols)
		if lo >= end {
			res.ok = true
			continue
		}
		wg.Go(func() {
			res.rows, res.ok = p.check(newScanner(t.data[:end], lo, t.delim), res.cols)
		})
	}
	wg.Wait()
	for _, res := range results {
		if !res.ok {
			return 0, false
		}
		rows += res.rows
		for c := range cols {
			cols[c].meet(&res.cols[c])
		}
	}
	return rows, true
}

// check is the pass over the rows of a file that Scan makes: it narrows
// the types of the columns without a declared one and checks the values
// of the others. It stops at the first problem, with ok false, for read
// to report them all.
func (p *parser) check(sc *scanner, cols []column) (rows int, ok bool) {
	var scratch []byte
	for sc.next() {
		if len(sc.fields) != len(cols) {
			return rows, false
		}
		for c, v := range sc.fields {
			t := strings.TrimSpace(v)
			if isNull(t) {
				continue
			}
			col := &cols[c]
			if !col.typ.declared {
				col.observe(t)
				continue
			}
			var problem string
			if scratch, problem = col.typ.appendText(scratch[:0], v, t); problem != "" {
				return rows, false
			}
		}
		rows++
	}
	return rows, !sc.bad
}

// read reads the rows after the header with encoding/csv, once check has
// found a problem, and reports every problem: malformed CSV, rows of the
// wrong length, values that do not fit their declared type.
func (p *parser) read(r *csv.Reader, cols []column) {
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.csvError(err)
			break
		}
		if len(rec) != len(cols) {
			line, _ := r.FieldPos(0)
			p.errorf(line, 0, "row has %d fields, the header has %d", len(rec), len(cols))
			continue
		}
		for c, v := range rec {
			t := strings.TrimSpace(v)
			if isNull(t) {
				continue
			}
			if col := &cols[c]; col.typ.declared {
				if _, problem := col.typ.read(v, t); problem != "" {
					line, pos := r.FieldPos(c)
					p.errorf(line, pos, "column %q: %s %s", col.name, quoteValue(v), problem)
				}
			}
		}
	}
}

// isNull reports whether a trimmed field is NULL: empty or "null", as
// dbt's CSV reader has it.
func isNull(t string) bool {
	return t == "" || len(t) == 4 && strings.EqualFold(t, "null")
}

// checkBytes refuses what no PostgreSQL text can hold: invalid UTF-8 and NUL
// bytes. Only the first such place is reported.
func (p *parser) checkBytes(data []byte) bool {
	if utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 {
		return true
	}
	for off := 0; off < len(data); {
		r, size := utf8.DecodeRune(data[off:])
		switch {
		case r == utf8.RuneError && size <= 1:
			line, col := position(data, off)
			d := diag.Errorf(p.path, line, "not valid UTF-8")
			d.Col, d.Hint = col, "save the file as UTF-8"
			p.errs = append(p.errs, d)
			return false
		case r == 0:
			line, col := position(data, off)
			d := diag.Errorf(p.path, line, "holds a NUL byte, which PostgreSQL cannot store in text")
			d.Col = col
			p.errs = append(p.errs, d)
			return false
		}
		off += size
	}
	return true
}

// position is the 1-based line and byte column of offset off in data.
func position(data []byte, off int) (line, col int) {
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	return line, off - (bytes.LastIndexByte(data[:off], '\n') + 1) + 1
}

// validDelimiter mirrors encoding/csv's rule, so that a bad delimiter is
// reported as such.
func validDelimiter(r rune) bool {
	return r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}

// csvError reports a syntax error of the CSV reader.
func (p *parser) csvError(err error) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		p.errorf(0, 0, "%v", err)
		return
	}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		d := diag.Errorf(p.path, pe.Line, "a quote inside a field that does not start with one")
		d.Col, d.Hint = pe.Column, `quote the whole field and double the quote, e.g. "5"" screen"`
		p.errs = append(p.errs, d)
	case errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine:
		p.errorf(pe.StartLine, 0, "the quoted field that starts on this line is not closed properly (reached line %d)", pe.Line)
	default:
		p.errorf(pe.Line, pe.Column, "%v", pe.Err)
	}
}

// quoteValue shows a value in an error, shortened if long.
func quoteValue(v string) string {
	const max = 60
	if utf8.RuneCountInString(v) > max {
		runes := []rune(v)
		return strings.TrimSuffix(quote(string(runes[:max])), `"`) + `..."`
	}
	return quote(v)
}
