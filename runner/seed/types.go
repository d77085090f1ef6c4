package seed

import (
	"strconv"
	"strings"
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

// quote shows a value in a message.
func quote(s string) string { return strconv.Quote(s) }
