//go:build cgo

package duckdb

import (
	"database/sql/driver"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// A seed's column types come as SQL type names as dbt-postgres writes them
// (integer, bigint, numeric, boolean, date, timestamp, text, or whatever
// column_types declares). duckType maps each to the DuckDB type the table
// gets, and says how its values go into DuckDB's appender: as Go values
// the appender stores exactly, or as text that DuckDB converts once the
// rows are in (for the types kiln does not convert itself: uuid, interval,
// json, ...).

// encoding is how the values of a column are sent to the appender.
type encoding int

const (
	encText    encoding = iota // string
	encInt                     // an integer, checked against the type's range
	encFloat                   // float64
	encBool                    // bool
	encTime                    // time.Time
	encDecimal                 // a number as text, scaled to an exact integer
	encBlob                    // []byte
	encCast                    // text, converted by DuckDB after loading
)

// seedColumn is how one column of a seed is created and loaded.
type seedColumn struct {
	Name string
	Type string // the DuckDB type of the column
	enc  encoding
	bits int // encInt: 8, 16, 32, 64 or 128
	// encDecimal: the precision and scale; byData is set when the declared
	// type (a bare numeric) leaves them to the values.
	precision, scale int
	byData           bool
}

// Load is the type the column has while the rows are appended: VARCHAR for
// a column DuckDB converts afterwards, else its type.
func (c seedColumn) Load() string {
	if c.enc == encCast {
		return "VARCHAR"
	}
	return c.Type
}

// maxDecimalDigits is the widest DECIMAL DuckDB has.
const maxDecimalDigits = 38

// duckType maps a seed column's SQL type to DuckDB. Names DuckDB does not
// share with PostgreSQL are translated (text, varchar(n) and char(n) to
// VARCHAR, which has no length limit in DuckDB; jsonb to JSON; bytea to
// BLOB; serial types to integers); a numeric without precision is sized to
// its values (see sizeDecimals), because DuckDB's bare DECIMAL is
// DECIMAL(18,3) and would round them. Types kiln does not know are passed
// on as written, loaded as text and converted by DuckDB.
func duckType(name, sqlType string) (seedColumn, error) {
	c := seedColumn{Name: name}
	norm := strings.Join(strings.Fields(strings.ToLower(sqlType)), " ")
	base, args := norm, ""
	if open := strings.IndexByte(norm, '('); open >= 0 && strings.HasSuffix(norm, ")") {
		base, args = strings.TrimSpace(norm[:open]), norm[open+1:len(norm)-1]
	}
	var nums []int
	for _, a := range strings.Split(args, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(a)); err == nil {
			nums = append(nums, n)
		}
	}
	set := func(t string, e encoding) { c.Type, c.enc = t, e }
	switch base {
	case "smallint", "int2", "smallserial", "serial2":
		set("SMALLINT", encInt)
		c.bits = 16
	case "integer", "int", "int4", "serial", "serial4":
		set("INTEGER", encInt)
		c.bits = 32
	case "bigint", "int8", "bigserial", "serial8":
		set("BIGINT", encInt)
		c.bits = 64
	case "tinyint", "int1":
		set("TINYINT", encInt)
		c.bits = 8
	case "hugeint", "int128":
		set("HUGEINT", encInt)
		c.bits = 128
	case "numeric", "decimal":
		set("", encDecimal)
		switch len(nums) {
		case 0:
			c.byData = true
		case 1, 2:
			c.precision = nums[0]
			if len(nums) == 2 {
				c.scale = nums[1]
			}
			if c.precision < 1 || c.precision > maxDecimalDigits || c.scale < 0 || c.scale > c.precision {
				return c, fmt.Errorf("column %q has type %s; DuckDB's DECIMAL takes a precision from 1 to %d and a scale "+
					"from 0 to the precision (declare double for wider numbers)", name, sqlType, maxDecimalDigits)
			}
			c.Type = fmt.Sprintf("DECIMAL(%d,%d)", c.precision, c.scale)
		}
	case "real", "float4":
		set("FLOAT", encFloat)
	case "double precision", "float8", "double":
		set("DOUBLE", encFloat)
	case "float":
		set("DOUBLE", encFloat)
		if len(nums) == 1 && nums[0] <= 24 {
			c.Type = "FLOAT"
		}
	case "boolean", "bool":
		set("BOOLEAN", encBool)
	case "date":
		set("DATE", encTime)
	case "timestamp", "timestamp without time zone", "datetime":
		set("TIMESTAMP", encTime)
	case "timestamptz", "timestamp with time zone":
		set("TIMESTAMPTZ", encTime)
	case "text", "varchar", "character varying", "char", "character", "bpchar", "citext", "name", "string":
		set("VARCHAR", encText)
	case "bytea", "blob":
		set("BLOB", encBlob)
	case "json", "jsonb":
		set("JSON", encCast)
	default:
		set(strings.TrimSpace(sqlType), encCast)
	}
	return c, nil
}

// seedColumns maps every column of s, sizing the numerics declared without
// a precision to their values.
func seedColumns(s warehouse.Seed) ([]seedColumn, error) {
	cols := make([]seedColumn, len(s.Columns))
	for i, col := range s.Columns {
		c, err := duckType(col.Name, col.Type)
		if err != nil {
			return nil, err
		}
		if c.byData {
			if c.precision, c.scale, err = sizeDecimals(s.Rows, i, col.Name); err != nil {
				return nil, err
			}
			c.Type = fmt.Sprintf("DECIMAL(%d,%d)", c.precision, c.scale)
		}
		cols[i] = c
	}
	return cols, nil
}

// sizeDecimals picks the DECIMAL that holds every value of column i
// exactly: the largest scale written, and a precision of 18 (stored in 64
// bits, and cast several times faster) or 38 when the digits need it.
func sizeDecimals(rows [][]any, i int, name string) (precision, scale int, err error) {
	intDigits := 1
	for r, row := range rows {
		if row[i] == nil {
			continue
		}
		d, err := parseDecimal(row[i])
		if err != nil {
			return 0, 0, &warehouse.SeedRowError{Row: r + 1, Column: name, Message: err.Error(), Err: err}
		}
		scale = max(scale, d.scale())
		intDigits = max(intDigits, d.intDigits())
	}
	switch {
	case intDigits+scale <= 18:
		return 18, scale, nil
	case intDigits+scale <= maxDecimalDigits:
		return maxDecimalDigits, scale, nil
	}
	return 0, 0, fmt.Errorf("column %q needs %d digits (%d after the point) to hold its values exactly; DuckDB's DECIMAL "+
		"holds %d: declare it double in column_types to store it approximately", name, intDigits+scale, scale, maxDecimalDigits)
}

// decimal is a number as digits and a power of ten: digits × 10^exp.
type decimal struct {
	neg    bool
	digits string // without leading zeros; "" is zero
	exp    int
}

// scale is the number of digits after the point the value was written with.
func (d decimal) scale() int { return max(0, -d.exp) }

// intDigits is the number of digits before the point.
func (d decimal) intDigits() int { return max(0, len(d.digits)+d.exp) }

// parseDecimal reads a number as the seed gives it: text (for numeric
// columns, every digit kept), an integer or a float.
func parseDecimal(v any) (decimal, error) {
	var s string
	switch v := v.(type) {
	case string:
		s = strings.TrimSpace(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	case int:
		s = strconv.Itoa(v)
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		s = strconv.FormatFloat(float64(v), 'f', -1, 32)
	default:
		return decimal{}, fmt.Errorf("kiln cannot load a Go %T as a decimal", v)
	}
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.neg = s[i] == '-'
		i++
	}
	var digits strings.Builder
	n := 0
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		digits.WriteByte(s[i])
		n++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			digits.WriteByte(s[i])
			d.exp--
			n++
		}
	}
	if n == 0 {
		return decimal{}, notANumber(s)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 1000 || e < -1000 {
			return decimal{}, notANumber(s)
		}
		d.exp += e
		i = len(s)
	}
	if i != len(s) {
		return decimal{}, notANumber(s)
	}
	d.digits = strings.TrimLeft(digits.String(), "0")
	return d, nil
}

func notANumber(s string) error {
	return fmt.Errorf("%q is not a number DuckDB's DECIMAL can hold (declare the column double for NaN or infinity)", s)
}

// scaled returns the digits of d × 10^scale, rounded half away from zero
// as PostgreSQL rounds: the digits kept, and whether to add one to them.
func (d decimal) scaled(scale int) (digits string, roundUp bool) {
	digits, shift := d.digits, d.exp+scale
	switch {
	case shift >= 0:
		if digits != "" {
			digits += strings.Repeat("0", shift)
		}
		return digits, false
	case -shift >= len(digits):
		return "", -shift == len(digits) && digits != "" && digits[0] >= '5'
	default:
		keep := len(digits) + shift
		return digits[:keep], digits[keep] >= '5'
	}
}

// unscaled returns d × 10^scale as an integer (rounded, see scaled), or an
// error if it has more than precision digits.
func (d decimal) unscaled(precision, scale int) (*big.Int, error) {
	digits, roundUp := d.scaled(scale)
	v := new(big.Int)
	if digits != "" {
		v.SetString(digits, 10)
	}
	if roundUp {
		v.Add(v, big.NewInt(1))
	}
	if v.Sign() != 0 && len(v.String()) > precision {
		return nil, fmt.Errorf("%s does not fit DECIMAL(%d,%d)", d, precision, scale)
	}
	if d.neg {
		v.Neg(v)
	}
	return v, nil
}

// unscaled64 is unscaled for a precision of 18 digits or fewer, without
// allocating a big.Int.
func (d decimal) unscaled64(precision, scale int) (int64, error) {
	digits, roundUp := d.scaled(scale)
	var v int64
	if len(digits) <= 18 {
		for i := 0; i < len(digits); i++ {
			v = v*10 + int64(digits[i]-'0')
		}
	} else {
		v = math.MaxInt64 // more digits than any precision here allows
	}
	if roundUp {
		v++
	}
	if v >= int64(math.Pow10(precision)) { // exact up to 10^18
		return 0, fmt.Errorf("%s does not fit DECIMAL(%d,%d)", d, precision, scale)
	}
	if d.neg {
		v = -v
	}
	return v, nil
}

// String writes d back as digits and an exponent.
func (d decimal) String() string {
	s := d.digits
	if s == "" {
		s = "0"
	}
	if d.neg {
		s = "-" + s
	}
	if d.exp != 0 {
		s += "e" + strconv.Itoa(d.exp)
	}
	return s
}

// encode converts one value of column c for the appender.
func (c seedColumn) encode(v any) (driver.Value, error) {
	if v == nil {
		return nil, nil
	}
	switch c.enc {
	case encText, encCast:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case encInt:
		return encodeInt(v, c.bits)
	case encFloat:
		switch v := v.(type) {
		case float64:
			return v, nil
		case float32:
			return float64(v), nil
		case int64:
			return float64(v), nil
		}
	case encBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case encTime:
		if t, ok := v.(time.Time); ok {
			return t, nil
		}
	case encDecimal:
		d, err := parseDecimal(v)
		if err != nil {
			return nil, err
		}
		if c.precision <= 18 {
			return d.unscaled64(c.precision, c.scale)
		}
		return d.unscaled(c.precision, c.scale)
	case encBlob:
		switch v := v.(type) {
		case []byte:
			return v, nil
		case string:
			return []byte(v), nil
		}
	}
	return nil, fmt.Errorf("kiln cannot load a Go %T into a DuckDB %s column", v, c.Type)
}

// encodeInt checks that an integer fits bits (signed) and returns it as
// the appender wants it: int64, or *big.Int for HUGEINT.
func encodeInt(v any, bits int) (driver.Value, error) {
	var n int64
	switch v := v.(type) {
	case int64:
		n = v
	case int:
		n = int64(v)
	case int32:
		n = int64(v)
	case int16:
		n = int64(v)
	case int8:
		n = int64(v)
	case uint64:
		if v > math.MaxInt64 {
			if bits == 128 {
				return new(big.Int).SetUint64(v), nil
			}
			return nil, fmt.Errorf("%d is out of range for a %d-bit integer", v, bits)
		}
		n = int64(v)
	default:
		return nil, fmt.Errorf("kiln cannot load a Go %T into an integer column", v)
	}
	if bits == 128 {
		return big.NewInt(n), nil
	}
	if bits < 64 && (n < -(1<<(bits-1)) || n > 1<<(bits-1)-1) {
		return nil, fmt.Errorf("%d is out of range for a %d-bit integer", n, bits)
	}
	return n, nil
}
