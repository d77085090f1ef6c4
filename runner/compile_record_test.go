package runner

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/artifacts"
	"github.com/kiln-dev/kiln/runner/diag"
)

// recordCompile compiles dir with e and opts and fails the test on error.
func recordCompile(t *testing.T, e *Engine, opts Options) *CompileResult {
	t.Helper()
	res, err := e.Compile(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// manifestBody is the manifest without its metadata, and its metadata.
func manifestBody(t *testing.T, dir string) (map[string]json.RawMessage, map[string]any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var meta map[string]any
	if err := json.Unmarshal(m["metadata"], &meta); err != nil {
		t.Fatal(err)
	}
	delete(m, "metadata")
	return m, meta
}

func TestCompileRecordSkipsAnUnchangedProject(t *testing.T) {
	dir := cacheProject(t)
	e := cacheEngine(nil)
	opts := Options{ProjectDir: dir}
	first := recordCompile(t, e, opts)
	if first.Unchanged {
		t.Fatal("the first compile of a project says it found nothing changed")
	}
	body1, meta1 := manifestBody(t, dir)
	second := recordCompile(t, e, opts)
	if !second.Unchanged {
		t.Fatal("a second compile of an unchanged project did the whole compile")
	}
	if !reflect.DeepEqual(first.Nodes, second.Nodes) {
		t.Errorf("the nodes differ:\nfirst  %v\nsecond %v", first.Nodes, second.Nodes)
	}
	body2, meta2 := manifestBody(t, dir)
	if !reflect.DeepEqual(body1, body2) {
		t.Error("the manifest's nodes changed although nothing did")
	}
	if meta1["invocation_id"] == meta2["invocation_id"] || meta2["command"] != "compile" {
		t.Errorf("the manifest's metadata was not written again: %v then %v", meta1, meta2)
	}
	if !recordCompile(t, e, opts).Unchanged {
		t.Error("a third compile did the whole compile: the record was not kept after the second")
	}
}

// TestCompileRecordSeesChanges changes one thing a compile depends on at a
// time and checks that the next compile is a full one and writes what a
// compile from nothing writes.
func TestCompileRecordSeesChanges(t *testing.T) {
	compiledLeaf := filepath.Join("target", "compiled", "shop", "models", "sub", "leaf.sql")
	cases := []struct {
		name   string
		change func(t *testing.T, dir string, env map[string]string, opts *Options)
	}{
		{"a model's content, same size", func(t *testing.T, dir string, _ map[string]string, _ *Options) {
			write(t, dir, "models/sub/leaf.sql", "select 2 as id")
		}},
		{"a new model", func(t *testing.T, dir string, _ map[string]string, _ *Options) {
			write(t, dir, "models/sub/added.sql", "select 5 as id")
		}},
		{"a removed model", func(t *testing.T, dir string, _ map[string]string, _ *Options) {
			remove(t, dir, "models/sub/other.sql")
		}},
		{"a macro", func(t *testing.T, dir string, _ map[string]string, _ *Options) {
			write(t, dir, "macros/cents.sql", "{% macro cents(c) %}({{ c }} / 10){% endmacro %}")
		}},
		{"a property file", func(t *testing.T, dir string, _ map[string]string, _ *Options) {
			write(t, dir, "models/describe.yml", "version: 2\nmodels:\n  - name: plain\n    description: Deux.\n")
		}},
		{"an environment variable a model reads", func(t *testing.T, _ string, env map[string]string, _ *Options) {
			env["REGION"] = "us"
		}},
		{"an environment variable dbt_project.yml reads", func(t *testing.T, _ string, env map[string]string, _ *Options) {
			env["SUB_SCHEMA"] = "other"
		}},
		{"--vars", func(t *testing.T, _ string, _ map[string]string, opts *Options) {
			opts.Vars = map[string]any{"days": 9}
		}},
		{"--select", func(t *testing.T, _ string, _ map[string]string, opts *Options) {
			opts.Select = []string{"leaf"}
		}},
		{"a compiled file edited", func(t *testing.T, dir string, _ map[string]string, _ *Options) {
			write(t, dir, filepath.ToSlash(compiledLeaf), "select 9 as id")
		}},
		{"a compiled file removed", func(t *testing.T, dir string, _ map[string]string, _ *Options) {
			remove(t, dir, filepath.ToSlash(compiledLeaf))
		}},
		{"the manifest rewritten", func(t *testing.T, dir string, _ map[string]string, _ *Options) {
			data, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
			if err != nil {
				t.Fatal(err)
			}
			write(t, dir, "target/manifest.json", string(data))
		}},
		{"the profile's schema", func(t *testing.T, dir string, _ map[string]string, _ *Options) {
			write(t, dir, "profiles.yml", strings.Replace(testProfile, "schema: ", "schema: x", 1))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := cacheProject(t)
			env := map[string]string{}
			e := cacheEngine(env)
			opts := Options{ProjectDir: dir}
			recordCompile(t, e, opts)
			if !recordCompile(t, e, opts).Unchanged {
				t.Fatal("the second compile did not use the record")
			}
			tc.change(t, dir, env, &opts)
			got := recordCompile(t, e, opts)
			if got.Unchanged {
				t.Fatal("the compile after the change used the record")
			}
			gotFiles := compiledFiles(t, dir, got.Nodes)
			body, _ := manifestBody(t, dir)

			// The same project compiled from nothing.
			if err := os.RemoveAll(filepath.Join(dir, "target")); err != nil {
				t.Fatal(err)
			}
			want := recordCompile(t, e, opts)
			if !reflect.DeepEqual(got.Nodes, want.Nodes) {
				t.Errorf("nodes %v, want %v", got.Nodes, want.Nodes)
			}
			if wantFiles := compiledFiles(t, dir, want.Nodes); !reflect.DeepEqual(gotFiles, wantFiles) {
				t.Errorf("compiled files %v, want %v", gotFiles, wantFiles)
			}
			if wantBody, _ := manifestBody(t, dir); !reflect.DeepEqual(body, wantBody) {
				t.Error("the manifest differs from that of a compile from nothing")
			}
			if !recordCompile(t, e, opts).Unchanged {
				t.Error("the compile after that did not use the new record")
			}
		})
	}
}

func TestCompileRecordRepeatsWarnings(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"models/a.sql":     "select 1 as id",
		"models/props.yml": "version: 2\nmodels:\n  - name: a\n    colour: red\n",
	})
	var warnings [2][]string
	for i := range warnings {
		e := testEngine()
		e.Events = func(ev Event) {
			if w, ok := ev.(Warned); ok {
				warnings[i] = append(warnings[i], w.Diagnostic.Error())
			}
		}
		if res := recordCompile(t, e, Options{ProjectDir: dir}); res.Unchanged != (i == 1) {
			t.Fatalf("compile %d: Unchanged is %v", i+1, res.Unchanged)
		}
	}
	if len(warnings[0]) == 0 {
		t.Fatal("the project gave no warning; the test needs one")
	}
	if !reflect.DeepEqual(warnings[0], warnings[1]) {
		t.Errorf("warnings of the second compile %q, want those of the first %q", warnings[1], warnings[0])
	}
}

func TestCompileRecordCodec(t *testing.T) {
	rec := &compileRecord{
		Key:      [32]byte{1, 2, 3},
		Seen:     []observed{{observation{opRead, "models/a.sql"}, [32]byte{9}}, {observation{opList, "models"}, [32]byte{8}}},
		Env:      []inputRead{{Name: "REGION", Hash: [32]byte{7}}},
		Outputs:  []stampedFile{{Path: "target/compiled/a.sql", Stamp: artifacts.Stamp{Size: 10, Mtime: -1, Ctime: 1 << 60, Ino: 42}}},
		Manifest: stampedFile{Path: "target/manifest.json", Stamp: artifacts.Stamp{Size: 1}},
		Nodes:    []CompiledFile{{NodeID: "model.shop.a", Path: "target/compiled/a.sql"}, {NodeID: "seed.shop.s"}},
		Warnings: []diag.Diagnostic{{File: "models/a.sql", Line: 3, Col: 4, Node: "model.shop.a", Message: "m", Hint: "h", Severity: diag.Warning}},
	}
	data := encodeRecord(rec)
	got, ok := decodeRecord(string(data))
	if !ok || !reflect.DeepEqual(got, rec) {
		t.Fatalf("decoded %+v, %v; want %+v", got, ok, rec)
	}
	for n := range len(data) {
		if _, ok := decodeRecord(string(data[:n])); ok {
			t.Fatalf("a record cut to %d of %d bytes decodes", n, len(data))
		}
	}
}

func remove(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
		t.Fatal(err)
	}
}

// compiledFiles maps the compiled file of each node to its content.
func compiledFiles(t *testing.T, dir string, nodes []CompiledFile) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range nodes {
		if n.Path == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n.Path)))
		if err != nil {
			t.Fatal(err)
		}
		out[n.Path] = string(data)
	}
	return out
}
