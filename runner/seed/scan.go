package seed

import "strings"

// scanner splits CSV records out of a string exactly as encoding/csv's
// Reader does for a file it reads without error (FieldsPerRecord -1, no
// LazyQuotes, TrimLeadingSpace or Comment), without allocating for
// fields that need no unquoting: a field is a substring of the data. It
// does not report syntax errors: at anything encoding/csv would refuse it
// stops, with bad set, and the caller reads the file again with
// encoding/csv to report every problem with its line and column.
type scanner struct {
	s      string // the data
	off    int    // where the next record starts
	start  int    // where the record next read starts
	delim  string // the delimiter, UTF-8 encoded
	fields []string
	buf    []byte // a quoted field being unquoted
	bad    bool   // encoding/csv would stop with an error here
}

func newScanner(s string, off int, delim rune) *scanner {
	return &scanner{s: s, off: off, delim: string(delim)}
}

// next reads the next record into sc.fields. It returns false at the end
// of the data, or when the record is malformed (sc.bad).
func (sc *scanner) next() bool {
	if sc.bad {
		return false
	}
	// Skip empty lines: "\n", "\r\n", and a lone "\r" at the very end.
	for {
		rest := sc.s[sc.off:]
		switch {
		case rest == "" || rest == "\r":
			sc.off = len(sc.s)
			return false
		case rest[0] == '\n':
			sc.off++
			continue
		case strings.HasPrefix(rest, "\r\n"):
			sc.off += 2
			continue
		}
		break
	}
	sc.start = sc.off
	sc.fields = sc.fields[:0]
	line, next := sc.line(sc.off)
	if strings.IndexByte(line, '"') < 0 { // the common case: no quotes
		for {
			i := sc.index(line)
			if i < 0 {
				sc.fields = append(sc.fields, line)
				break
			}
			sc.fields = append(sc.fields, line[:i])
			line = line[i+len(sc.delim):]
		}
		sc.off = next
		return true
	}
	return sc.quotedRecord()
}

// index is the index of the first delimiter in line, or -1.
func (sc *scanner) index(line string) int {
	if len(sc.delim) == 1 {
		return strings.IndexByte(line, sc.delim[0])
	}
	return strings.Index(line, sc.delim)
}

// line returns the line that starts at off, without its end ("\n", "\r\n",
// or a "\r" just before the end of the data), and where the next line
// starts.
func (sc *scanner) line(off int) (string, int) {
	rest := sc.s[off:]
	i := strings.IndexByte(rest, '\n')
	if i < 0 {
		return strings.TrimSuffix(rest, "\r"), len(sc.s)
	}
	return strings.TrimSuffix(rest[:i], "\r"), off + i + 1
}

// quotedRecord reads a record that has a quote somewhere, as
// encoding/csv's readRecord does: a field that starts with a quote ends at
// the next quote not doubled, and may span lines (each line end kept as
// "\n"); a quote anywhere else is an error.
func (sc *scanner) quotedRecord() bool {
	line, next := sc.line(sc.off)
	atEOF := next == len(sc.s) && !strings.HasSuffix(sc.s, "\n")
	for {
		if line == "" || line[0] != '"' {
			i := strings.Index(line, sc.delim)
			field := line
			if i >= 0 {
				field = line[:i]
			}
			if strings.IndexByte(field, '"') >= 0 { // a bare quote
				sc.bad = true
				return false
			}
			sc.fields = append(sc.fields, field)
			if i < 0 {
				sc.off = next
				return true
			}
			line = line[i+len(sc.delim):]
			continue
		}
		// A quoted field.
		line = line[1:]
		sc.buf = sc.buf[:0]
		for {
			i := strings.IndexByte(line, '"')
			if i < 0 {
				// The field goes on on the next line.
				sc.buf = append(sc.buf, line...)
				if atEOF || next >= len(sc.s) {
					sc.bad = true // the quote is never closed
					return false
				}
				sc.buf = append(sc.buf, '\n')
				line, next = sc.line(next)
				atEOF = next == len(sc.s) && !strings.HasSuffix(sc.s, "\n")
				continue
			}
			sc.buf = append(sc.buf, line[:i]...)
			line = line[i+1:]
			switch {
			case strings.HasPrefix(line, `"`):
				sc.buf = append(sc.buf, '"')
				line = line[1:]
				continue
			case strings.HasPrefix(line, sc.delim):
				sc.fields = append(sc.fields, string(sc.buf))
				line = line[len(sc.delim):]
			case line == "":
				sc.fields = append(sc.fields, string(sc.buf))
				sc.off = next
				return true
			default: // text after the closing quote
				sc.bad = true
				return false
			}
			break
		}
	}
}
