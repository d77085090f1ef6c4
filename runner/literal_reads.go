package runner

import "strings"

// literalReads lists the names of the vars and environment variables a
// template's text reads by literal name, var('x') and env_var('X'), in any
// branch. A render notes only what it executes, and the first render of a
// model runs with is_incremental() false: a var read only in the
// incremental branch would otherwise be missing from the model's
// fingerprint, and state:modified would not see it change.
func literalReads(src string) (vars, env []string) {
	for _, f := range [...]struct {
		name string
		out  *[]string
	}{{"var", &vars}, {"env_var", &env}} {
		for rest := src; ; {
			i := strings.Index(rest, f.name+"(")
			if i < 0 {
				break
			}
			before := byte(' ')
			if i > 0 {
				before = rest[i-1]
			}
			rest = rest[i+len(f.name)+1:]
			if isIdentByte(before) || before == '.' {
				continue // another function ending in var, or a method
			}
			if name, ok := quotedPrefix(strings.TrimLeft(rest, " \t\r\n")); ok {
				*f.out = append(*f.out, name)
			}
		}
	}
	return vars, env
}

// quotedPrefix returns the string literal s starts with, when it is one
// without escapes and is a whole argument (a comma or the closing
// parenthesis follows).
func quotedPrefix(s string) (string, bool) {
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return "", false
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 || strings.ContainsAny(s[1:1+end], "\\\n") {
		return "", false
	}
	next := strings.TrimLeft(s[2+end:], " \t\r\n")
	if next == "" || (next[0] != ',' && next[0] != ')') {
		return "", false
	}
	return s[1 : 1+end], true
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
