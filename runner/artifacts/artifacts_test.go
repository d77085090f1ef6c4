package artifacts

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWriteManifestIsMarshal checks that the streamed manifest is byte for
// byte what json.Marshal gives, so that a field added to Manifest cannot be
// forgotten by WriteManifest.
func TestWriteManifestIsMarshal(t *testing.T) {
	m := &Manifest{
		Metadata: Metadata{KilnVersion: "v1", GeneratedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), InvocationID: "x", Command: "compile"},
		Nodes: map[string]ManifestNode{
			"model.p.b": {UniqueID: "model.p.b", Config: map[string]any{"z": 1, "a": []any{"<&>"}}, RawCode: "select '<b>' & 1\n", Kiln: &KilnNode{Fingerprint: "f", Vars: []string{}}},
			"model.p.a": {UniqueID: "model.p.a", FQN: []string{"p", "a"}, Columns: map[string]Column{"id": {Name: "id"}}},
		},
		Sources:   map[string]ManifestSource{"source.p.s.t": {UniqueID: "source.p.s.t", FQN: []string{"p", "s", "t"}}},
		ParentMap: map[string][]string{"model.p.b": {"model.p.a"}, "model.p.a": {}},
		ChildMap:  nil,
	}
	for _, m := range []*Manifest{m, {}} {
		path := filepath.Join(t.TempDir(), "target", "manifest.json")
		if err := WriteManifest(path, m); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want)+"\n" {
			t.Errorf("WriteManifest wrote\n%s\nwant\n%s", got, want)
		}
	}
}

func TestWriteDerived(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "x", "a.sql"), filepath.Join(dir, "x", "y", "b.sql"), filepath.Join(dir, "c.sql")
	files := []File{{a, "select 1"}, {b, "select 2"}, {c, ""}}
	if _, err := WriteDerived(files, 4); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, p := range []string{a, b, c} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	// a unchanged, b shorter, c longer.
	files = []File{{a, "select 1"}, {b, "sel"}, {c, "select 3, 4"}}
	stamps, err := WriteDerived(files, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		if want, ok := StampOf(f.Path); !ok || stamps[i] != want {
			t.Errorf("%s: WriteDerived gave the stamp %+v, the file has %+v", f.Path, stamps[i], want)
		}
	}
	for _, f := range files {
		got, err := os.ReadFile(f.Path)
		if err != nil || string(got) != f.Data {
			t.Errorf("%s = %q, %v; want %q", f.Path, got, err, f.Data)
		}
	}
	info, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	if !info.ModTime().Equal(old) {
		t.Errorf("an unchanged file was rewritten: modification time %v, want %v", info.ModTime(), old)
	}
	// Same length, different text.
	if _, err := WriteDerived([]File{{a, "select 9"}}, 1); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(a); string(got) != "select 9" {
		t.Errorf("a = %q", got)
	}
	// A file in the way of a directory is an error.
	if _, err := WriteDerived([]File{{filepath.Join(c, "d.sql"), "x"}}, 1); err == nil {
		t.Error("writing below a file succeeded")
	}
}

// TestWriteManifestManyNodes covers the chunks streamMap encodes in
// parallel.
func TestWriteManifestManyNodes(t *testing.T) {
	m := &Manifest{Nodes: map[string]ManifestNode{}, ParentMap: map[string][]string{}}
	for i := range 1000 {
		id := fmt.Sprintf("model.p.m%04d", i*7%1000)
		m.Nodes[id] = ManifestNode{UniqueID: id, RawCode: strings.Repeat("x", i%50)}
		m.ParentMap[id] = []string{}
	}
	path := filepath.Join(t.TempDir(), "manifest.json")
	if err := WriteManifest(path, m); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(m)
	if string(got) != string(want)+"\n" {
		t.Errorf("WriteManifest differs from json.Marshal")
	}
	// An error in any chunk fails the write.
	m.Nodes["model.p.m0500"] = ManifestNode{Config: map[string]any{"x": math.NaN()}}
	if err := WriteManifest(path, m); err == nil {
		t.Error("a value json cannot encode was written")
	}
}
