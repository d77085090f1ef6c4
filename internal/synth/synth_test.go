package synth

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var refRE = regexp.MustCompile(`\{\{ ref\('([a-z]+_(\d{6}))'\) \}\}`)

func TestFileCounts(t *testing.T) {
	for _, tc := range []struct {
		o                              Options
		models, macros, props, sources int
	}{
		{Options{Models: 1}, 1, 2, 0, 0},
		{Options{Models: 2, Tests: true}, 2, 2, 1, 0},
		{Options{Models: 1000, Tests: true, Incremental: true}, 1000, 2, 10, 0},
		{Options{Models: 1000, Trivial: true}, 1000, 0, 0, 0},
		{Options{Models: 1000, Trivial: true, Tests: true}, 1000, 0, 10, 0},
		{Options{Models: 250, Sources: true}, 250, 2, 0, 1},
	} {
		files, err := Files(tc.o)
		if err != nil {
			t.Fatal(err)
		}
		var models, macros, props, sources, projects int
		for _, f := range files {
			switch {
			case f.Path == "dbt_project.yml":
				projects++
			case strings.HasPrefix(f.Path, "macros/"):
				macros++
			case path.Base(f.Path) == "_properties.yml":
				props++
			case path.Base(f.Path) == "_sources.yml":
				sources++
			case strings.HasSuffix(f.Path, ".sql"):
				models++
			default:
				t.Errorf("%+v: unexpected file %s", tc.o, f.Path)
			}
		}
		if projects != 1 || models != tc.models || macros != tc.macros || props != tc.props || sources != tc.sources {
			t.Errorf("%+v: got %d project, %d models, %d macro files, %d property files, %d source files; want 1, %d, %d, %d, %d",
				tc.o, projects, models, macros, props, sources, tc.models, tc.macros, tc.props, tc.sources)
		}
	}
}

func TestTestedQuarter(t *testing.T) {
	files, err := Files(Options{Models: 10_000, Tests: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := 0
	for _, f := range files {
		tests += strings.Count(f.Data, "tests: [not_null]")
	}
	if tests != 2500 {
		t.Errorf("got %d not_null tests for 10,000 models, want 2500", tests)
	}
}

// TestRefsPointBackwards checks, on the rendered files, that every ref
// names a model generated earlier (so the graph has no cycle) and that the
// files agree with the plan.
func TestRefsPointBackwards(t *testing.T) {
	for _, o := range []Options{
		{Models: 3000, Seed: 1, Incremental: true, Tests: true},
		{Models: 1000, Seed: 2, Trivial: true},
		{Models: 7, Seed: 3},
	} {
		plan, err := Plan(o)
		if err != nil {
			t.Fatal(err)
		}
		byPath := map[string]Model{}
		for _, m := range plan {
			byPath[m.Path] = m
		}
		files, err := Files(o)
		if err != nil {
			t.Fatal(err)
		}
		layers := map[string]int{}
		for _, f := range files {
			m, ok := byPath[f.Path]
			if !ok {
				continue
			}
			layers[m.Layer]++
			self, _ := strconv.Atoi(m.Name[len(m.Name)-6:])
			found := refRE.FindAllStringSubmatch(f.Data, -1)
			if len(found) != len(m.Refs) {
				t.Fatalf("%s: %d refs in the file, %d in the plan", m.Name, len(found), len(m.Refs))
			}
			if m.Layer != Staging && (len(found) < 1 || len(found) > 3) {
				t.Errorf("%s: %d refs, want 1 to 3", m.Name, len(found))
			}
			seen := map[string]bool{}
			for i, r := range found {
				if r[1] != m.Refs[i] {
					t.Errorf("%s: ref %q in the file, %q in the plan", m.Name, r[1], m.Refs[i])
				}
				if seen[r[1]] {
					t.Errorf("%s: refs %s twice", m.Name, r[1])
				}
				seen[r[1]] = true
				if n, _ := strconv.Atoi(r[2]); n >= self {
					t.Errorf("%s refs %s, which is not generated before it", m.Name, r[1])
				}
				if m.Layer == Marts && strings.HasPrefix(r[1], "fct_") {
					t.Errorf("mart %s refs mart %s", m.Name, r[1])
				}
			}
			if o.Trivial && !regexp.MustCompile(`^(select 1 as id\n|select id from \{\{ ref\('\w+'\) \}\}\n(union\nselect id from \{\{ ref\('\w+'\) \}\}\n)*)$`).MatchString(f.Data) {
				t.Errorf("%s is not trivial:\n%s", m.Name, f.Data)
			}
			if m.Incremental != strings.Contains(f.Data, "materialized='incremental'") ||
				m.Incremental != strings.Contains(f.Data, "{% if is_incremental() %}") {
				t.Errorf("%s: plan says incremental=%v, file:\n%s", m.Name, m.Incremental, f.Data)
			}
		}
		if len(byPath) != o.Models || layers[Staging]+layers[Intermediate]+layers[Marts] != o.Models {
			t.Errorf("%+v: %d models in the plan, %v in the files", o, len(byPath), layers)
		}
		if o.Models >= 10 && (layers[Staging] == 0 || layers[Intermediate] == 0 || layers[Marts] == 0) {
			t.Errorf("%+v: a layer is empty: %v", o, layers)
		}
	}
}

func TestShapes(t *testing.T) {
	files, err := Files(Options{Models: 1000, Incremental: true, Tests: true})
	if err != nil {
		t.Fatal(err)
	}
	var incremental, loops, macros, multi int
	for _, f := range files {
		if !strings.HasPrefix(f.Path, "models/") || !strings.HasSuffix(f.Path, ".sql") {
			continue
		}
		if strings.Contains(f.Data, "unique_key='id'") && strings.Contains(f.Data, "from {{ this }}") {
			incremental++
		}
		if strings.Contains(f.Data, "{%- for ") {
			loops++
		}
		if strings.Contains(f.Data, "{{ synth_") {
			macros++
		}
		if strings.Count(f.Data, "{{ ref(") > 1 {
			multi++
		}
	}
	if incremental < 30 || loops < 100 || macros < 100 || multi < 100 {
		t.Errorf("too few of a kind in 1,000 models: %d incremental, %d with a for-loop, %d calling macros, %d with several refs",
			incremental, loops, macros, multi)
	}
	files, err = Files(Options{Models: 1000, Incremental: true, Trivial: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.Contains(f.Data, "incremental") {
			t.Errorf("trivial project has an incremental model: %s", f.Path)
		}
	}
}

func TestDeterministic(t *testing.T) {
	o := Options{Models: 500, Seed: 42, Incremental: true, Tests: true, Sources: true}
	a, b := t.TempDir(), t.TempDir()
	if err := Write(a, o); err != nil {
		t.Fatal(err)
	}
	if err := Write(b, o); err != nil {
		t.Fatal(err)
	}
	ta, tb := readTree(t, a), readTree(t, b)
	if len(ta) != len(tb) {
		t.Fatalf("%d files, then %d", len(ta), len(tb))
	}
	for p, data := range ta {
		if tb[p] != data {
			t.Errorf("%s differs between two runs", p)
		}
	}
	files, _ := Files(o)
	if len(files) != len(ta) {
		t.Errorf("Files returns %d files, Write wrote %d", len(files), len(ta))
	}

	other, err := Files(Options{Models: 500, Seed: 43, Incremental: true, Tests: true, Sources: true})
	if err != nil {
		t.Fatal(err)
	}
	same := true
	for i := range files {
		same = same && files[i] == other[i]
	}
	if same {
		t.Error("seeds 42 and 43 give the same project")
	}
}

func TestWriteRefusesExistingProject(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, Options{Models: 5}); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, Options{Models: 5}); err == nil {
		t.Error("second Write into the same directory succeeded")
	}
	if err := Write(t.TempDir(), Options{}); err == nil {
		t.Error("Write with 0 models succeeded")
	}
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
