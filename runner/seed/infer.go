package seed

import (
	"math"
	"strconv"
	"strings"
)

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

// meet makes c what it would be had it also seen the values o has seen:
// observe only ever takes candidates away, the same for a value whatever
// came before it.
func (c *column) meet(o *column) {
	c.cand &= o.cand
	c.lo, c.hi = min(c.lo, o.lo), max(c.hi, o.hi)
	c.nonEmpty = c.nonEmpty || o.nonEmpty
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
