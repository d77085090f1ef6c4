package jinja

import (
	"fmt"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// configFunc is dbt's config: called as config(key=value, ...) it records
// the model's configuration; config.get(key, default) and
// config.require(key) read what was recorded so far.
type configFunc function

// GetAttribute implements exec.AttributeGetter for config.get and
// config.require.
func (f configFunc) GetAttribute(name string) (*exec.Value, bool) {
	switch name {
	case "get", "require":
		return exec.AsValue(function(func(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
			va.KwArgs[opKey] = exec.AsValue(name)
			return f(ev, va)
		})), true
	}
	return exec.AsValue(nil), false
}

func (st *state) config(va *exec.VarArgs) *exec.Value {
	if op, ok := va.KwArgs[opKey]; ok {
		delete(va.KwArgs, opKey)
		return st.configGet(op.String(), va)
	}
	if st.res.ConfigLine == 0 {
		st.res.ConfigLine = st.templateLine()
	}
	switch {
	case len(va.Args) == 1 && len(va.KwArgs) == 0 && va.Args[0].IsDict():
		if m, ok := toGo(va.Args[0]).(map[string]any); ok {
			for k, v := range m {
				st.res.Config[k] = v
			}
		}
	case len(va.Args) > 0:
		return st.fail("config() takes keyword arguments", "e.g. config(materialized='table')")
	}
	for k, v := range va.KwArgs {
		st.res.Config[k] = toGo(v)
	}
	return exec.AsValue("")
}

// configGet is config.get(key, default=None) and config.require(key).
func (st *state) configGet(op string, va *exec.VarArgs) *exec.Value {
	if len(va.Args) < 1 || !va.Args[0].IsString() {
		return st.fail(fmt.Sprintf("config.%s() takes a config name", op), "")
	}
	key := va.Args[0].String()
	if v, ok := st.res.Config[key]; ok {
		return exec.AsValue(v)
	}
	if op == "require" {
		return st.fail(fmt.Sprintf("required config '%s' is not set", key), "")
	}
	if len(va.Args) > 1 {
		return va.Args[1]
	}
	if d, ok := va.KwArgs["default"]; ok {
		return d
	}
	return exec.AsValue(nil)
}
