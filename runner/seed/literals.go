package seed

import (
	"strings"
	"time"
)

// The syntax of the values kiln reads: numbers, booleans, dates and
// timestamps, as dbt infers them and PostgreSQL reads them.

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
