package jinja

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/tokens"

	"github.com/kiln-dev/kiln/internal/synth"
)

// lexCases are inputs that reach every state of the lexer and its errors.
var lexCases = []string{
	"", "\n", "\n\n", "select 1\n", "a\r\nb\rc\r\n", "{", "{{", "{%", "{#", "}}", "{ {", "a { b } c",
	"{{ x }}", "{{- x -}}", "{{x}}", "{{ x\n}}", "{{ x\n", "{{ \\x }}", "{{ x @ y }}", "{{ 'unterminated }}",
	`{{ "a\"b" ~ 'c\'d' ~ '\\' }}`, "{{ 'a\nb' }}", "{{ '' }}{{ \"\" }}",
	"{% if a and b or not c %}{% endif %}", "{% if a in b %}{% elif x is defined %}{% endif %}",
	"{{ and_x or_y in_z is_w not_v notx not(x) innot andd }}", "{{ an }}{{ i }}{{ o }}{{ n }}{{ no }}",
	"{% for k, v in d.items() %}{{ loop.index }}{% endfor %}", "{%- set x = [1, 2.5, 3e4, 0x1F, 0b101, 0o17, 1_000] -%}",
	"{{ 1.2.3 }}", "{{ 1. }}", "{{ 1.a }}", "{{ 1.é }}", "{{ 1e }}", "{{ 1e+ }}", "{{ 1e-5 }}", "{{ 1__0 }}", "{{ 1_ }}",
	"{{ 0x }}", "{{ 0b2 }}", "{{ 0B1 }}", "{{ 0X1f }}", "{{ 12abc }}", "{{ 1.5.x }}", "{{ 3.0e2.1 }}", "{{ 1 .5 }}",
	"{{ a // b ** c * d / e % f ~ g - h + i }}", "{{ a < b <= c > d >= e == f != g }}", "{{ !x }}", "{{ a = b }}",
	"{{ (a }}", "{{ a) }}", "{{ [a } }}", "{{ {'a': 1}}}", "{{ {'a': {'b': 2}} }}", "{{ f(a, (b, [c]), {d: e}) }}",
	"{{ x | default('y') | upper }}", "{{ x|e }}", "{{ a.b[c] }}", "{{ 'x' if y else z }}",
	"{# comment #}", "{#- trimmed -#}", "{#--#}", "{#-#}", "{#+ x +#}", "{# unclosed", "{# a #} {# b #}",
	"{% raw %}{{ not parsed }}{% endraw %}", "{% raw -%} x {%- endraw %}", "{% raw %}{% endraw", "{%raw%}a{%+\n endrawx",
	"{% comment %}x{% endcomment %}", "{% raw %}no end",
	"{%- macro m(a, b='x', *args, **kwargs) -%}{{ a }}{%- endmacro %}", "{% call m() %}body{% endcall %}",
	"{% %}", "{%%}", "{% 'x' %}", "{%\tif\tx\t%}{%\tendif\t%}", "{% if x %}\n  y\n{% endif %}\n",
	"{{ ref('a') }}\n{{ source('s', 't') }}\n{{ config(materialized='table', tags=['a', 'b']) }}",
	"é {{ 'é' ~ é }} ü", "{{ x·y }}", "{{ ١٢٣ }}", "{{ x\xff }}", "\xff{{ \xfe }}", "{{ 𝐀 }}", "{{ 1.𝐀 }}", "({{ 1.𝐀 }})",
	"{{ x }}\r\n{{ y }}\r", "line1\nline2\n  {{ a\n  +\n  b }}\n{% if c %}\n{% endif %}",
	"{{ a -}}{{- b +}}{%+ c -%}", "{{ - x }}", "{{ x - }}", "{{ x + }}{% x + %}", "{{ a;b }}", "{{ a?b }}",
}

// TestLexMatchesGonja compares lex with gonja's lexer on lexCases, on the
// files of models_example and internal/synth, and on the sources of this
// package's tests (Go code is a good source of odd input).
func TestLexMatchesGonja(t *testing.T) {
	if got, want := *jinjaConfig(), (config.Config{
		BlockStartString: "{%", BlockEndString: "%}", VariableStartString: "{{", VariableEndString: "}}",
		CommentStartString: "{#", CommentEndString: "#}", NewlineSequence: "\n",
	}); got != want {
		t.Fatalf("jinjaConfig() = %+v, which lex does not implement; it implements %+v", got, want)
	}
	inputs := append([]string{}, lexCases...)
	files, err := synth.Files(synth.Options{Models: 60, Seed: 3, Incremental: true, Tests: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		inputs = append(inputs, f.Data)
	}
	for _, root := range []string{"../../models_example", "../../features", "."} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".sql") || strings.HasSuffix(p, ".feature") || strings.HasSuffix(p, "_test.go")) {
				return err
			}
			b, err := os.ReadFile(p)
			inputs = append(inputs, string(b))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, src := range inputs {
		if diff := compareLexers(src); diff != "" {
			t.Errorf("lex(%q):\n%s", abbreviate(src), diff)
		}
	}
}

func FuzzLex(f *testing.F) {
	for _, src := range lexCases {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if diff := compareLexers(src); diff != "" {
			t.Errorf("lex(%q):\n%s", src, diff)
		}
	})
}

// compareLexers describes how the tokens that gonja's parser would see
// from lex and from gonja's lexer differ, "" if they do not.
func compareLexers(src string) string {
	want, wantPanic := streamTokens(func() *tokens.Stream { return tokens.LexAll(src, jinjaConfig()) })
	got, gotPanic := streamTokens(func() *tokens.Stream { return tokens.NewStream(lex(src)) })
	if gotPanic != wantPanic {
		return fmt.Sprintf("panic %q, gonja's lexer %q", gotPanic, wantPanic)
	}
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("token %d is %s, gonja's lexer gives %s", i, g, w)
		}
	}
	return ""
}

// streamTokens lists the tokens of a stream up to the first EOF or error,
// as the parser sees them, or the panic of the lexer.
func streamTokens(stream func() *tokens.Stream) (out []string, panicked string) {
	defer func() {
		if p := recover(); p != nil {
			panicked = fmt.Sprint(p)
		}
	}()
	s := stream()
	for {
		t := s.Current()
		out = append(out, fmt.Sprintf("%+v", *t))
		if s.End() {
			return out, ""
		}
		s.Next()
	}
}

func abbreviate(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// TestPlainTextSkipsJinja checks that a file without Jinja renders as it
// does through gonja: the same file behind an empty comment goes through
// the lexer, the parser and the renderer.
func TestPlainTextSkipsJinja(t *testing.T) {
	env := newTestEnv(t)
	for _, src := range []string{"", "\n", "select 1\n", "select 1\n\n", "a\r\nb\r\n", "a\rb", "{ x } %} }} #}", "é\n"} {
		plain, err := env.Render(File{Path: "m.sql", Source: src}, Context{})
		if err != nil {
			t.Fatal(err)
		}
		viaGonja, err := env.Render(File{Path: "m.sql", Source: "{# #}" + src}, Context{})
		if err != nil {
			t.Fatal(err)
		}
		if plain.SQL != viaGonja.SQL || plain.Config == nil {
			t.Errorf("Render(%q) = %q, through gonja %q", src, plain.SQL, viaGonja.SQL)
		}
	}
}
