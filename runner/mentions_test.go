package runner

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/jinja"
)

// TestMentionsAsWords checks macroIndex.mentions against the regular
// expression it replaced: any macro name as a whole word.
func TestMentionsAsWords(t *testing.T) {
	idx := newMacroIndex([]jinja.File{{Path: "macros/m.sql", Source: `
{% macro cents(x) %}{{ x }}/100{% endmacro %}
{% macro cents_2(x) %}{{ cents(x) }}{% endmacro %}
{% test positive(model, column_name) %}select 1{% endtest %}
{%- macro _u() -%}{%- endmacro %}`}})
	var names []string
	for n := range idx.hash {
		names = append(names, regexp.QuoteMeta(n))
	}
	sort.Strings(names)
	re := regexp.MustCompile(`\b(` + strings.Join(names, "|") + `)\b`)
	for _, text := range []string{
		"", "cents", "cents(1) + cents_2(2)", "xcents cents_ cents2 2cents _cents", "é_u(1)", "_u",
		"{{ test_positive() }}", "positive", "a.cents.b", "cents_2cents cents-cents_2",
	} {
		seen := map[string]bool{}
		for _, m := range re.FindAllString(text, -1) {
			seen[m] = true
		}
		want := sortedNames(seen)
		if got := idx.mentions(text); !slices.Equal(got, want) && len(got)+len(want) > 0 {
			t.Errorf("mentions(%q) = %v, want %v", text, got, want)
		}
	}
}
