// Package diag holds the errors kiln reports to users: each names the file,
// line and node it is about, and a list of them is reported all at once.
package diag

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Severity says whether a diagnostic stops the command.
type Severity int

const (
	Error Severity = iota
	Warning
)

// Diagnostic is one problem found in a project, a profile or a command line.
type Diagnostic struct {
	File     string // path relative to the project directory, slash-separated
	Line     int    // 1-based; 0 when unknown
	Col      int    // 1-based; 0 when unknown
	Node     string // unique id of the node it concerns, e.g. model.shop.orders
	Message  string
	Hint     string // what to do about it, e.g. "did you mean 'orders'?"
	Severity Severity
}

func (d *Diagnostic) Error() string {
	var b strings.Builder
	if d.File != "" {
		b.WriteString(d.File)
		if d.Line > 0 {
			fmt.Fprintf(&b, ":%d", d.Line)
			if d.Col > 0 {
				fmt.Fprintf(&b, ":%d", d.Col)
			}
		}
		b.WriteString(": ")
	}
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Message)
	if d.Hint != "" {
		fmt.Fprintf(&b, " (%s)", d.Hint)
	}
	return b.String()
}

// Errorf builds an error-severity diagnostic at file:line.
func Errorf(file string, line int, format string, args ...any) *Diagnostic {
	return &Diagnostic{File: file, Line: line, Message: fmt.Sprintf(format, args...)}
}

// Warnf builds a warning at file:line.
func Warnf(file string, line int, format string, args ...any) *Diagnostic {
	return &Diagnostic{File: file, Line: line, Message: fmt.Sprintf(format, args...), Severity: Warning}
}

// List collects diagnostics so that all of them are reported at once.
type List []*Diagnostic

func (l List) Error() string {
	lines := make([]string, len(l))
	for i, d := range l {
		lines[i] = d.Error()
	}
	return strings.Join(lines, "\n")
}

// Add appends err, flattening Lists and wrapping plain errors.
func (l *List) Add(err error) {
	if err == nil {
		return
	}
	var list List
	if errors.As(err, &list) {
		*l = append(*l, list...)
		return
	}
	var d *Diagnostic
	if errors.As(err, &d) {
		*l = append(*l, d)
		return
	}
	*l = append(*l, &Diagnostic{Message: err.Error()})
}

// Errors returns only the error-severity diagnostics.
func (l List) Errors() List {
	var out List
	for _, d := range l {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Warnings returns only the warnings.
func (l List) Warnings() List {
	var out List
	for _, d := range l {
		if d.Severity == Warning {
			out = append(out, d)
		}
	}
	return out
}

// Err returns the error-severity diagnostics as an error, sorted by file and
// line, or nil when there are none.
func (l List) Err() error {
	errs := l.Errors()
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].File != errs[j].File {
			return errs[i].File < errs[j].File
		}
		return errs[i].Line < errs[j].Line
	})
	return errs
}

// Suggest returns a hint naming the candidate closest to name, or "" when
// none is close enough to be a likely typo.
func Suggest(name string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := distance(strings.ToLower(name), strings.ToLower(c))
		if bestDist < 0 || d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	limit := len(name) / 3
	if limit < 2 {
		limit = 2
	}
	if bestDist < 0 || bestDist > limit {
		return ""
	}
	return fmt.Sprintf("did you mean '%s'?", best)
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
