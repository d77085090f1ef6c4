package runner

import (
	"slices"
	"testing"
)

func TestLiteralReads(t *testing.T) {
	cases := []struct {
		src       string
		vars, env []string
	}{
		{"select 1", nil, nil},
		{"{{ var('a') }} {{ var(\"b\", 3) }} {{ var( 'c' ) }}", []string{"a", "b", "c"}, nil},
		{"{% if is_incremental() %}where x > {{ var('since') }}{% endif %}", []string{"since"}, nil},
		{"{{ env_var('HOME') }} {{ env_var(\"REGION\", 'eu') }}", nil, []string{"HOME", "REGION"}},
		{"{{ myvar('x') }} {{ obj.var('y') }} {{ other_env_var('Z') }}", nil, nil},
		{"{{ var(name) }} {{ var('a' ~ b) }} {{ var('it\\'s') }} {{ var('ok' ) }}", []string{"ok"}, nil},
		{"{{ var('unclosed }}", nil, nil},
	}
	for _, c := range cases {
		vars, env := literalReads(c.src)
		if !slices.Equal(vars, c.vars) || !slices.Equal(env, c.env) {
			t.Errorf("literalReads(%q) = %q, %q; want %q, %q", c.src, vars, env, c.vars, c.env)
		}
	}
}
