package artifacts

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRestampManifest checks that a restamped manifest is byte for byte
// the manifest written with the new metadata.
func TestRestampManifest(t *testing.T) {
	m := &Manifest{
		Metadata:  Metadata{KilnVersion: "v1", GeneratedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), InvocationID: "old", Command: "compile"},
		Nodes:     map[string]ManifestNode{"model.p.a": {UniqueID: "model.p.a", RawCode: `select '{"metadata":1}' as "nodes"`}},
		ParentMap: map[string][]string{"model.p.a": {}},
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "manifest.json")
	if err := WriteManifest(path, m); err != nil {
		t.Fatal(err)
	}
	m.Metadata = Metadata{KilnVersion: "v2", GeneratedAt: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC), InvocationID: "new-id", Command: "compile"}
	if err := RestampManifest(path, m.Metadata); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "want.json")
	if err := WriteManifest(want, m); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("the manifest's mode is %v (%v), want 0644 as dbt's", info.Mode(), err)
	}
	got, _ := os.ReadFile(path)
	wantData, _ := os.ReadFile(want)
	if string(got) != string(wantData) {
		t.Errorf("restamped manifest\n%s\nwant\n%s", got, wantData)
	}

	for name, text := range map[string]string{"empty": "", "other JSON": `{"nodes":{}}`, "cut": `{"metadata":{"kiln_version":"v`} {
		p := filepath.Join(dir, "bad.json")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := RestampManifest(p, m.Metadata); err == nil {
			t.Errorf("%s: RestampManifest accepted %q", name, text)
		}
	}
}
