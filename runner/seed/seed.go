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
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

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
	Rows    [][]any
	// Warnings are problems that do not stop the load, such as a
	// column_types entry that names no column.
	Warnings diag.List
}

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
	p := &parser{path: path}
	t := p.parse(bytes.TrimPrefix(data, utf8BOM), o)
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

func (p *parser) parse(data []byte, o Options) *Table {
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

	fields, rows := p.read(r, cols, data)
	if len(p.errs) > 0 {
		return nil
	}
	t := &Table{Columns: make([]warehouse.Column, len(cols)), Warnings: p.warnings}
	for c := range cols {
		if !cols[c].typ.declared {
			cols[c].typ = cols[c].inferred()
		}
		t.Columns[c] = warehouse.Column{Name: cols[c].name, Type: cols[c].typ.sql}
	}
	t.Rows = fields.convert(cols, rows)
	return t
}

// fields holds the fields of all rows in one pointer-free arena, which the
// garbage collector need not scan: field i is text[ends[i-1]:ends[i]],
// empty for NULL.
type fields struct {
	text []byte
	ends []uint32
}

// read is the first pass over the rows of data, after the header: it keeps
// every field, checks the values of the declared columns and narrows the
// types of the others.
func (p *parser) read(r *csv.Reader, cols []column, data []byte) (fields, int) {
	if len(data) > math.MaxUint32 {
		p.errorf(0, 0, "is larger than 4 GB; split it into several seeds")
		return fields{}, 0
	}
	n := len(cols)
	f := fields{
		text: make([]byte, 0, len(data)),
		ends: make([]uint32, 0, (bytes.Count(data, []byte{'\n'})+1)*n),
	}
	rows := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.csvError(err)
			break
		}
		if len(rec) != n {
			line, _ := r.FieldPos(0)
			p.errorf(line, 0, "row has %d fields, the header has %d", len(rec), n)
			continue
		}
		for c, v := range rec {
			t := strings.TrimSpace(v)
			if isNull(t) {
				f.ends = append(f.ends, uint32(len(f.text)))
				continue
			}
			f.text = append(f.text, v...)
			f.ends = append(f.ends, uint32(len(f.text)))
			col := &cols[c]
			if !col.typ.declared {
				col.observe(t)
			} else if _, problem := col.typ.convert(v, t); problem != "" {
				line, pos := r.FieldPos(c)
				p.errorf(line, pos, "column %q: %s %s", col.name, quoteValue(v), problem)
			}
		}
		rows++
	}
	return f, rows
}

// convert is the second pass: it turns every field into a value of its
// column's final type, in row chunks converted in parallel.
func (f fields) convert(cols []column, rows int) [][]any {
	n := len(cols)
	text := string(f.text)
	vals := make([]any, rows*n)
	fill := func(lo, hi int) { // rows [lo, hi)
		for i := lo * n; i < hi*n; i++ {
			start := uint32(0)
			if i > 0 {
				start = f.ends[i-1]
			}
			if start == f.ends[i] {
				continue
			}
			v := text[start:f.ends[i]]
			switch typ := &cols[i%n].typ; {
			case typ.kind == kindText && typ.maxChars == 0 || typ.kind == kindOther:
				vals[i] = v
			case typ.declared:
				vals[i], _ = typ.convert(v, strings.TrimSpace(v))
			case typ.kind == kindInt: // every inferred value fits its type
				n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				vals[i] = n
			case typ.kind == kindNumeric:
				vals[i] = strings.TrimSpace(v)
			default:
				vals[i], _ = typ.convert(v, strings.TrimSpace(v))
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), rows/minRowsPerWorker+1)
	chunk := (rows + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < rows; lo += chunk {
		wg.Go(func() { fill(lo, min(lo+chunk, rows)) })
	}
	wg.Wait()

	out := make([][]any, rows)
	for i := range out {
		out[i] = vals[i*n : (i+1)*n : (i+1)*n]
	}
	return out
}

// minRowsPerWorker is the fewest rows worth a goroutine of their own.
const minRowsPerWorker = 50_000

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
