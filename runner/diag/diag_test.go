package diag

import (
	"errors"
	"fmt"
	"testing"
)

func TestDiagnosticError(t *testing.T) {
	for _, tc := range []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{File: "models/a.sql", Line: 2, Col: 5, Message: "unknown ref 'ordrs'", Hint: "did you mean 'orders'?"},
			"models/a.sql:2:5: unknown ref 'ordrs' (did you mean 'orders'?)"},
		{Diagnostic{File: "dbt_project.yml", Line: 3, Message: "unknown key 'foo'", Severity: Warning},
			"dbt_project.yml:3: warning: unknown key 'foo'"},
		{Diagnostic{File: "profiles.yml", Message: "no profile 'x'"}, "profiles.yml: no profile 'x'"},
		{Diagnostic{Message: "bare"}, "bare"},
	} {
		if got := tc.d.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestListErrSortsAndDropsWarnings(t *testing.T) {
	var l List
	l.Add(Errorf("b.sql", 1, "second"))
	l.Add(Warnf("a.sql", 1, "only a warning"))
	l.Add(List{Errorf("a.sql", 9, "first")})
	l.Add(fmt.Errorf("wrapped: %w", Errorf("a.sql", 10, "third")))
	l.Add(errors.New("plain"))
	err := l.Err()
	want := "plain\na.sql:9: first\na.sql:10: third\nb.sql:1: second"
	if err == nil || err.Error() != want {
		t.Fatalf("Err() = %v, want\n%s", err, want)
	}
	if got := len(l.Warnings()); got != 1 {
		t.Fatalf("warnings = %d, want 1", got)
	}
	if (List{Warnf("a", 1, "w")}).Err() != nil {
		t.Fatal("a list of warnings only must not be an error")
	}
}

func TestSuggest(t *testing.T) {
	cands := []string{"orders", "customers", "materialized"}
	for _, tc := range []struct{ name, want string }{
		{"ordrs", "did you mean 'orders'?"},
		{"materialised", "did you mean 'materialized'?"},
		{"Orders", "did you mean 'orders'?"},
		{"payments", ""},
	} {
		if got := Suggest(tc.name, cands); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := Suggest("x", nil); got != "" {
		t.Errorf("Suggest with no candidates = %q", got)
	}
}
