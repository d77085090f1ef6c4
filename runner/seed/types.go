package seed

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// kind is how kiln converts and checks the values of a column.
type kind uint8

const (
	kindText        kind = iota // string, as written
	kindInt                     // int64, within bits
	kindNumeric                 // string, checked as a number
	kindFloat                   // float64 or float32
	kindBool                    // bool
	kindDate                    // time.Time, midnight UTC
	kindTimestamp               // time.Time, the wall clock in UTC
	kindTimestampTZ             // time.Time, the instant in UTC
	kindJSON                    // string, checked as JSON
	kindOther                   // string, for the server to read
)

// colType is a column's SQL type and what kiln checks of its values.
type colType struct {
	sql      string // as it goes into CREATE TABLE
	kind     kind
	declared bool // from column_types, not inferred
	bits     int  // kindInt: 16, 32 or 64; kindFloat: 32 or 64
	maxChars int  // varchar(n), char(n): n; 0 for no limit
	// kindNumeric with a precision: at most precision-scale digits before
	// the decimal point.
	precision, scale int
	// utcOffsets: an offset in a timestamp is applied (inferred timestamps,
	// as dbt converts them) rather than ignored (a declared timestamp
	// without time zone, as PostgreSQL reads it).
	utcOffsets bool
}

// Inferred types, named as dbt-postgres names them.
var (
	inferredText      = colType{sql: "text", kind: kindText}
	inferredInteger   = colType{sql: "integer", kind: kindInt, bits: 64}
	inferredBigint    = colType{sql: "bigint", kind: kindInt, bits: 64}
	inferredNumeric   = colType{sql: "numeric", kind: kindNumeric}
	inferredBoolean   = colType{sql: "boolean", kind: kindBool}
	inferredDate      = colType{sql: "date", kind: kindDate}
	inferredTimestamp = colType{sql: "timestamp", kind: kindTimestamp, utcOffsets: true}
)

// declaredType reads a type of column_types. Types kiln does not know are
// kept as written, and their values sent as text for the server to read;
// problem is set only for what cannot be a type name at all.
func declaredType(s string) (colType, string) {
	sql := strings.TrimSpace(s)
	if !typeName(sql) {
		return colType{}, quote(s) + " is not a SQL type name"
	}
	t := colType{sql: sql, kind: kindOther, declared: true}
	norm := strings.Join(strings.Fields(strings.ToLower(sql)), " ")
	base, args, rest := norm, "", ""
	if open := strings.IndexByte(norm, '('); open >= 0 {
		if end := strings.IndexByte(norm[open:], ')'); end > 0 {
			base, args, rest = strings.TrimSpace(norm[:open]), norm[open+1:open+end], strings.TrimSpace(norm[open+end+1:])
		}
	}
	if rest != "" {
		base += " " + rest
	}
	nums := typeArgs(args)
	switch base {
	case "smallint", "int2", "smallserial", "serial2":
		t.kind, t.bits = kindInt, 16
	case "integer", "int", "int4", "serial", "serial4":
		t.kind, t.bits = kindInt, 32
	case "bigint", "int8", "bigserial", "serial8":
		t.kind, t.bits = kindInt, 64
	case "numeric", "decimal":
		t.kind = kindNumeric
		if len(nums) >= 1 {
			t.precision = nums[0]
		}
		if len(nums) == 2 {
			t.scale = nums[1]
		}
	case "real", "float4":
		t.kind, t.bits = kindFloat, 32
	case "double precision", "float8":
		t.kind, t.bits = kindFloat, 64
	case "float":
		t.kind, t.bits = kindFloat, 64
		if len(nums) == 1 && nums[0] <= 24 {
			t.bits = 32
		}
	case "boolean", "bool":
		t.kind = kindBool
	case "date":
		t.kind = kindDate
	case "timestamp", "timestamp without time zone":
		t.kind = kindTimestamp
	case "timestamptz", "timestamp with time zone":
		t.kind = kindTimestampTZ
	case "text", "citext", "bpchar":
		t.kind = kindText
	case "varchar", "character varying", "char", "character":
		t.kind = kindText
		if len(nums) == 1 {
			t.maxChars = nums[0]
		} else if base == "char" || base == "character" {
			t.maxChars = 1 // PostgreSQL's char without a length is char(1)
		}
	case "json", "jsonb":
		t.kind = kindJSON
	}
	return t, ""
}

// typeName accepts what may follow a column name in CREATE TABLE as its
// type: names (quoted or not, qualified or not), modifiers in parentheses
// and array brackets. It keeps statements and comments out.
func typeName(s string) bool {
	if s == "" || strings.Contains(s, "--") || strings.Contains(s, "/*") {
		return false
	}
	depth, quoted := 0, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '(':
			depth++
		case r == ')':
			depth--
			if depth < 0 {
				return false
			}
		case r == '_' || r == ' ' || r == '.' || r == ',' || r == '[' || r == ']' || r == '-' ||
			'0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r >= utf8.RuneSelf:
		default:
			return false
		}
	}
	return depth == 0 && !quoted
}

// typeArgs reads "10, 2" as [10 2]; nil if they are not all numbers.
func typeArgs(args string) []int {
	if args == "" {
		return nil
	}
	var out []int
	for _, a := range strings.Split(args, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(a))
		if err != nil || n < 0 {
			return nil
		}
		out = append(out, n)
	}
	return out
}

// convert turns a value that is not NULL into the column's Go value; v is
// the field as written, t the same trimmed. problem, when not "", completes
// `"v" ...` to say why the value does not fit.
func (ct *colType) convert(v, t string) (any, string) {
	switch ct.kind {
	case kindInt:
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil && !isInteger(t) {
			return nil, "is not a valid " + ct.sql
		}
		if err != nil || ct.bits < 64 && (n < -1<<(ct.bits-1) || n >= 1<<(ct.bits-1)) {
			return nil, "is out of range for " + ct.sql
		}
		return n, ""
	case kindNumeric:
		if !isDecimal(t) {
			if isSpecialNumeric(t) {
				return t, ""
			}
			return nil, "is not a valid " + ct.sql
		}
		if ct.precision > 0 && integerDigits(t) > ct.precision-ct.scale {
			return nil, "has too many digits before the decimal point for " + ct.sql
		}
		return t, ""
	case kindFloat:
		f, err := strconv.ParseFloat(t, ct.bits)
		if err != nil {
			if isDecimal(t) {
				return nil, "is out of range for " + ct.sql
			}
			return nil, "is not a valid " + ct.sql
		}
		if ct.bits == 32 {
			return float32(f), ""
		}
		return f, ""
	case kindBool:
		if b, ok := parseBool(t); ok {
			return b, ""
		}
		if ct.declared {
			return nil, "is not a valid " + ct.sql + " (use true or false)"
		}
		return nil, "is not true or false"
	case kindDate:
		if y, m, d, n, ok := parseDate(t); ok && n == len(t) {
			return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), ""
		}
		return nil, "is not a valid " + ct.sql + " (use YYYY-MM-DD)"
	case kindTimestamp, kindTimestampTZ:
		ts, ok := parseTimestamp(t, ct.utcOffsets || ct.kind == kindTimestampTZ)
		if !ok {
			return nil, "is not a valid " + ct.sql + " (use YYYY-MM-DD HH:MM:SS)"
		}
		return ts, ""
	case kindJSON:
		if !json.Valid([]byte(t)) {
			return nil, "is not valid JSON"
		}
		return v, ""
	case kindText:
		if ct.maxChars > 0 && utf8.RuneCountInString(strings.TrimRight(v, " ")) > ct.maxChars {
			return nil, "is longer than " + ct.sql + " allows"
		}
		return v, ""
	}
	return v, ""
}

// quote shows a value in a message.
func quote(s string) string { return strconv.Quote(s) }

// isInteger reports whether s is an integer literal: an optional sign and
// digits.
func isInteger(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isDecimal reports whether s is a decimal number: an optional sign,
// digits with an optional decimal point, and an optional exponent.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// isSpecialNumeric reports the non-finite values numeric accepts.
func isSpecialNumeric(s string) bool {
	s = strings.TrimLeft(s, "+-")
	return strings.EqualFold(s, "nan") || strings.EqualFold(s, "infinity") || strings.EqualFold(s, "inf")
}

// integerDigits counts the significant digits before the decimal point of
// a decimal number, or returns 0 when it has an exponent (the server
// checks those).
func integerDigits(s string) int {
	if strings.ContainsAny(s, "eE") {
		return 0
	}
	s = strings.TrimLeft(s, "+-")
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	return len(strings.TrimLeft(s, "0"))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseBool reads what PostgreSQL reads as a boolean: true, yes, on, 1 and
// false, no, off, 0, in any case, or a unique prefix of them.
func parseBool(s string) (value, ok bool) {
	if s == "" || len(s) > 5 {
		return false, false
	}
	l := strings.ToLower(s)
	switch {
	case l == "1":
		return true, true
	case l == "0":
		return false, true
	case l == "on":
		return true, true
	case len(l) >= 2 && strings.HasPrefix("off", l):
		return false, true
	case strings.HasPrefix("true", l), strings.HasPrefix("yes", l):
		return true, true
	case strings.HasPrefix("false", l), strings.HasPrefix("no", l):
		return false, true
	}
	return false, false
}

// parseDate reads YYYY-MM-DD (month and day may have one digit) at the
// start of s. n is the number of bytes read.
func parseDate(s string) (y, m, d, n int, ok bool) {
	if len(s) < 8 {
		return 0, 0, 0, 0, false
	}
	y, ok = digits(s, 0, 4)
	if !ok || y == 0 || s[4] != '-' {
		return 0, 0, 0, 0, false
	}
	m, i, ok := digits12(s, 5)
	if !ok || i >= len(s) || s[i] != '-' || m < 1 || m > 12 {
		return 0, 0, 0, 0, false
	}
	d, i, ok = digits12(s, i+1)
	if !ok || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, 0, false
	}
	return y, m, d, i, true
}

// parseTimestamp reads an ISO date and time: YYYY-MM-DD, then T or a
// space, HH:MM, optional :SS and fraction, and an optional Z or +HH[:MM]
// offset; a date alone is midnight. With applyOffset the result is the
// instant in UTC; otherwise an offset is ignored, as PostgreSQL does for
// timestamp without time zone. Fractions are rounded to microseconds, as
// PostgreSQL stores them.
func parseTimestamp(s string, applyOffset bool) (time.Time, bool) {
	y, mo, d, i, ok := parseDate(s)
	if !ok {
		return time.Time{}, false
	}
	if i == len(s) {
		return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC), true
	}
	hh, mm, ss, ns, off, hasOff, ok := parseClock(s[i:])
	if !ok {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, hh, mm, ss, ns, time.UTC).Round(time.Microsecond)
	if hasOff && applyOffset {
		t = t.Add(-time.Duration(off) * time.Second)
	}
	return t, true
}

// parseClock reads "THH:MM[:SS[.fff]][Z|±HH[:MM]]" (or with a space
// instead of T). off is the offset in seconds east of UTC.
func parseClock(s string) (hh, mm, ss, ns, off int, hasOff, ok bool) {
	if len(s) < 6 || (s[0] != 'T' && s[0] != 't' && s[0] != ' ') || s[3] != ':' {
		return
	}
	if hh, ok = digits(s, 1, 2); !ok || hh > 23 {
		return 0, 0, 0, 0, 0, false, false
	}
	if mm, ok = digits(s, 4, 2); !ok || mm > 59 {
		return 0, 0, 0, 0, 0, false, false
	}
	i := 6
	if i < len(s) && s[i] == ':' {
		if ss, ok = digits(s, i+1, 2); !ok || ss > 59 {
			return 0, 0, 0, 0, 0, false, false
		}
		i += 3
		if i < len(s) && (s[i] == '.' || s[i] == ',') {
			i++
			start, scale := i, 1_000_000_000
			for i < len(s) && isDigit(s[i]) {
				scale /= 10
				if scale > 0 {
					ns += int(s[i]-'0') * scale
				} else if i == start+9 && s[i] >= '5' {
					ns++ // round the tenth digit
				}
				i++
			}
			if i == start {
				return 0, 0, 0, 0, 0, false, false
			}
		}
	}
	if i == len(s) {
		return hh, mm, ss, ns, 0, false, true
	}
	switch s[i] {
	case 'Z', 'z':
		if i+1 != len(s) {
			return 0, 0, 0, 0, 0, false, false
		}
		return hh, mm, ss, ns, 0, true, true
	case '+', '-':
		sign := 1
		if s[i] == '-' {
			sign = -1
		}
		rest := s[i+1:]
		oh, ok1 := digits(rest, 0, 2)
		om, ok2 := 0, true
		switch len(rest) {
		case 2:
		case 4:
			om, ok2 = digits(rest, 2, 2)
		case 5:
			if rest[2] != ':' {
				return 0, 0, 0, 0, 0, false, false
			}
			om, ok2 = digits(rest, 3, 2)
		default:
			return 0, 0, 0, 0, 0, false, false
		}
		if !ok1 || !ok2 || oh > 15 || om > 59 {
			return 0, 0, 0, 0, 0, false, false
		}
		return hh, mm, ss, ns, sign * (oh*3600 + om*60), true, true
	}
	return 0, 0, 0, 0, 0, false, false
}

// digits reads exactly n decimal digits of s at i.
func digits(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// digits12 reads one or two decimal digits of s at i, returning the value
// and the index after them.
func digits12(s string, i int) (int, int, bool) {
	if i >= len(s) || !isDigit(s[i]) {
		return 0, i, false
	}
	v := int(s[i] - '0')
	i++
	if i < len(s) && isDigit(s[i]) {
		v = v*10 + int(s[i]-'0')
		i++
	}
	return v, i, true
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// candidates are the inferred types a column's values still allow.
type candidates uint8

const (
	candInt candidates = 1 << iota
	candNumber
	candDate
	candTimestamp
	candBool

	allCandidates = candInt | candNumber | candDate | candTimestamp | candBool
)

// observe narrows the column's candidate types by one trimmed value that
// is not NULL, the way agate's type tester does in dbt.
func (c *column) observe(t string) {
	c.nonEmpty = true
	cand := c.cand
	if cand == 0 {
		return
	}
	if cand&candInt != 0 {
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			c.lo, c.hi = min(c.lo, n), max(c.hi, n)
			c.cand = cand & (candInt | candNumber) // an integer is nothing else
			return
		}
		cand &^= candInt
	}
	if cand&candNumber != 0 && !isDecimal(t) {
		cand &^= candNumber
	}
	if cand&(candDate|candTimestamp) != 0 {
		_, _, _, n, ok := parseDate(t)
		if cand&candDate != 0 && (!ok || n != len(t)) {
			cand &^= candDate
		}
		if cand&candTimestamp != 0 {
			if !ok || n == len(t) {
				cand &^= candTimestamp // a date alone is not a timestamp, as in dbt
			} else if _, ok := parseTimestamp(t, true); !ok {
				cand &^= candTimestamp
			}
		}
	}
	if cand&candBool != 0 && !strings.EqualFold(t, "true") && !strings.EqualFold(t, "false") {
		cand &^= candBool
	}
	c.cand = cand
}

// inferred is the column's type once every value is seen: the first of
// integer, numeric, date, timestamp and boolean that all its values fit,
// else text. A column with no value is text.
func (c *column) inferred() colType {
	switch {
	case !c.nonEmpty:
		return inferredText
	case c.cand&candInt != 0:
		if c.lo < math.MinInt32 || c.hi > math.MaxInt32 {
			return inferredBigint
		}
		return inferredInteger
	case c.cand&candNumber != 0:
		return inferredNumeric
	case c.cand&candDate != 0:
		return inferredDate
	case c.cand&candTimestamp != 0:
		return inferredTimestamp
	case c.cand&candBool != 0:
		return inferredBoolean
	}
	return inferredText
}
