package jinja

import (
	"errors"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/kiln-dev/kiln/runner/diag"
)

// toGo turns a template value into plain Go: nil, bool, int, float64,
// string, []any or map[string]any. Anything else (a relation, say) becomes
// its string.
func toGo(v *exec.Value) any {
	switch {
	case v == nil || v.IsNil():
		return nil
	case v.IsBool():
		return v.Bool()
	case v.IsInteger():
		return v.Integer()
	case v.IsFloat():
		return v.Float()
	case v.IsString():
		return v.String()
	case v.IsList():
		out := make([]any, 0, v.Len())
		v.Iterate(func(_, _ int, item, _ *exec.Value) bool {
			out = append(out, toGo(item))
			return true
		}, func() {})
		return out
	case v.IsDict():
		out := map[string]any{}
		v.Iterate(func(_, _ int, key, value *exec.Value) bool {
			out[key.String()] = toGo(value)
			return true
		}, func() {})
		return out
	}
	return v.String()
}

// rangeFunc is Python's range(stop) or range(start, stop[, step]) as a
// list.
func rangeFunc(va *exec.VarArgs) *exec.Value {
	ints := make([]int, len(va.Args))
	for i, a := range va.Args {
		if !a.IsInteger() {
			return exec.AsValue(errors.New("range() takes integers"))
		}
		ints[i] = a.Integer()
	}
	start, stop, step := 0, 0, 1
	switch len(ints) {
	case 1:
		stop = ints[0]
	case 2:
		start, stop = ints[0], ints[1]
	case 3:
		start, stop, step = ints[0], ints[1], ints[2]
	default:
		return exec.AsValue(errors.New("range() takes 1 to 3 integers"))
	}
	if step == 0 {
		return exec.AsValue(errors.New("range() step must not be zero"))
	}
	out := []int{}
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, i)
	}
	return exec.AsValue(out)
}

// filters copies gonja's filters (gonja's set is never modified), makes
// format Python's, and adds dbt's as_* filters.
func filters() *exec.FilterSet {
	set := exec.NewFilterSet(map[string]exec.FilterFunction{}).Update(builtins.Filters)
	_ = set.Replace("format", formatFilter)
	// Register only fails on names gonja already has, which these are not.
	_ = set.Register("as_text", func(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
		return exec.AsValue(in.String())
	})
	_ = set.Register("as_bool", func(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
		if in.IsString() {
			if b, err := strconv.ParseBool(strings.TrimSpace(in.String())); err == nil {
				return exec.AsValue(b)
			}
		}
		return in
	})
	_ = set.Register("as_number", func(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
		if in.IsString() {
			s := strings.TrimSpace(in.String())
			if n, err := strconv.Atoi(s); err == nil {
				return exec.AsValue(n)
			}
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return exec.AsValue(f)
			}
		}
		return in
	})
	_ = set.Register("as_native", func(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
		return in
	})
	return set
}

// hintFor suggests the closest of names to a misspelt one, or "".
func hintFor(name string, names []string) string {
	return diag.Suggest(name, names)
}
