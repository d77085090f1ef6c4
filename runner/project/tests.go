package project

import (
	"path"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
)

// SingularTest is one .sql file of a test path: a SELECT of the rows that
// make the test fail.
type SingularTest struct {
	Name   string   // file name without .sql
	Path   string   // slash path relative to the project directory
	FQN    []string // project name, folders below the test path, name
	Source string   // the file's contents
}

// ID is the test's unique id, test.<project>.<name>, as dbt gives singular
// tests.
func (t *SingularTest) ID() string { return "test." + t.FQN[0] + "." + t.Name }

// genericTestDir is the folder of a test path that holds generic tests
// ({% test %} blocks) instead of singular tests; dbt reads its .sql files
// as macro files.
const genericTestDir = "generic"

// discoverTests reads every .sql file of the test paths: those under
// <test path>/generic/ are macro files, the others singular tests.
func (l *loader) discoverTests() {
	added := false
	for _, dir := range l.p.TestPaths {
		l.walkFiles(dir, func(file string) {
			if path.Ext(file) != ".sql" {
				return
			}
			rel := file
			if dir != "." {
				rel = strings.TrimPrefix(file, dir+"/")
			}
			parts := strings.Split(rel, "/")
			src, ok := l.readFile(file)
			if !ok {
				return
			}
			if len(parts) > 1 && parts[0] == genericTestDir {
				l.p.Macros = append(l.p.Macros, jinja.File{Path: file, Source: src})
				added = true
				return
			}
			name := strings.TrimSuffix(parts[len(parts)-1], ".sql")
			fqn := append(append([]string{l.p.Name}, parts[:len(parts)-1]...), name)
			l.p.Tests = append(l.p.Tests, &SingularTest{Name: name, Path: file, FQN: fqn, Source: src})
		})
	}
	if added {
		sort.SliceStable(l.p.Macros, func(i, j int) bool { return l.p.Macros[i].Path < l.p.Macros[j].Path })
	}
	sort.SliceStable(l.p.Tests, func(i, j int) bool { return l.p.Tests[i].Path < l.p.Tests[j].Path })
	l.checkDuplicateTests()
}

// checkDuplicateTests reports singular tests that share a name, which
// would share a unique id.
func (l *loader) checkDuplicateTests() {
	first := map[string]*SingularTest{}
	for _, t := range l.p.Tests {
		prev, ok := first[t.Name]
		if !ok {
			first[t.Name] = t
			continue
		}
		d := diag.Errorf(t.Path, 0, "singular test name '%s' is used by both %s and %s", t.Name, prev.Path, t.Path)
		d.Hint = "rename one of the files"
		l.diags = append(l.diags, d)
	}
}
