package seed

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// value is a field read for its column's type, before it is given to
// anyone: which field holds it depends on the column's kind.
type value struct {
	i  int64     // kindInt
	f  float64   // kindFloat
	b  bool      // kindBool
	tm time.Time // kindDate, kindTimestamp, kindTimestampTZ
	s  string    // kindNumeric, kindText, kindJSON, kindOther
}

// read checks a field that is not NULL against the column's type; v is the
// field as written, t the same trimmed. problem, when not "", completes
// `"v" ...` to say why the value does not fit.
func (ct *colType) read(v, t string) (value, string) {
	switch ct.kind {
	case kindInt:
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil && !isInteger(t) {
			return value{}, "is not a valid " + ct.sql
		}
		if err != nil || ct.bits < 64 && (n < -1<<(ct.bits-1) || n >= 1<<(ct.bits-1)) {
			return value{}, "is out of range for " + ct.sql
		}
		return value{i: n}, ""
	case kindNumeric:
		if !isDecimal(t) {
			if isSpecialNumeric(t) {
				return value{s: t}, ""
			}
			return value{}, "is not a valid " + ct.sql
		}
		if ct.precision > 0 && integerDigits(t) > ct.precision-ct.scale {
			return value{}, "has too many digits before the decimal point for " + ct.sql
		}
		return value{s: t}, ""
	case kindFloat:
		f, err := strconv.ParseFloat(t, ct.bits)
		if err != nil {
			if isDecimal(t) {
				return value{}, "is out of range for " + ct.sql
			}
			return value{}, "is not a valid " + ct.sql
		}
		return value{f: f}, ""
	case kindBool:
		if b, ok := parseBool(t); ok {
			return value{b: b}, ""
		}
		if ct.declared {
			return value{}, "is not a valid " + ct.sql + " (use true or false)"
		}
		return value{}, "is not true or false"
	case kindDate:
		if y, m, d, n, ok := parseDate(t); ok && n == len(t) {
			return value{tm: time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)}, ""
		}
		return value{}, "is not a valid " + ct.sql + " (use YYYY-MM-DD)"
	case kindTimestamp, kindTimestampTZ:
		ts, ok := parseTimestamp(t, ct.utcOffsets || ct.kind == kindTimestampTZ)
		if !ok {
			return value{}, "is not a valid " + ct.sql + " (use YYYY-MM-DD HH:MM:SS)"
		}
		return value{tm: ts}, ""
	case kindJSON:
		if !json.Valid([]byte(t)) {
			return value{}, "is not valid JSON"
		}
		return value{s: v}, ""
	case kindText:
		if ct.maxChars > 0 && utf8.RuneCountInString(strings.TrimRight(v, " ")) > ct.maxChars {
			return value{}, "is longer than " + ct.sql + " allows"
		}
		return value{s: v}, ""
	}
	return value{s: v}, ""
}

// convert turns a field that is not NULL into the column's Go value (see
// Table), or says why it does not fit, as read does.
func (ct *colType) convert(v, t string) (any, string) {
	x, problem := ct.read(v, t)
	if problem != "" {
		return nil, problem
	}
	switch ct.kind {
	case kindInt:
		return x.i, ""
	case kindFloat:
		if ct.bits == 32 {
			return float32(x.f), ""
		}
		return x.f, ""
	case kindBool:
		return x.b, ""
	case kindDate, kindTimestamp, kindTimestampTZ:
		return x.tm, ""
	}
	return x.s, ""
}

// timeLayout writes a time with its offset, which a timestamptz column
// applies and a timestamp column ignores, as PostgreSQL and DuckDB read
// them. Times here are in UTC.
const timeLayout = "2006-01-02 15:04:05.999999-07:00:00"

// appendText appends a field that is not NULL as text that SQL reads as
// the column's type, to the same value convert gives, or says why it does
// not fit: integers and floats as Go writes them, booleans as t or f,
// dates as YYYY-MM-DD, timestamps in UTC, the rest as read.
func (ct *colType) appendText(b []byte, v, t string) ([]byte, string) {
	x, problem := ct.read(v, t)
	if problem != "" {
		return b, problem
	}
	switch ct.kind {
	case kindInt:
		return strconv.AppendInt(b, x.i, 10), ""
	case kindFloat:
		return strconv.AppendFloat(b, x.f, 'g', -1, ct.bits), ""
	case kindBool:
		if x.b {
			return append(b, 't'), ""
		}
		return append(b, 'f'), ""
	case kindDate:
		return x.tm.AppendFormat(b, time.DateOnly), ""
	case kindTimestamp, kindTimestampTZ:
		return x.tm.AppendFormat(b, timeLayout), ""
	}
	return append(b, x.s...), ""
}
