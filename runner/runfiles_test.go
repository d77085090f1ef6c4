package runner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kiln-dev/kiln/runner/project"
)

func TestRunFilesWritesEachNodeInPlace(t *testing.T) {
	dir := t.TempDir()
	c := &Compiled{projectDir: dir, Project: &project.Project{Name: "shop", TargetPath: "target"}}
	model := &Node{Kind: KindModel, Path: "models/marts/orders.sql"}
	test := &Node{Kind: KindTest, Path: "models/schema.yml", CompiledPath: "target/compiled/shop/models/schema.yml/not_null_orders_id.sql"}
	w := startRunFiles(1)
	w.add(c, model, []string{"begin", "select 1"})
	w.add(c, test, []string{"select 2"})
	w.add(c, &Node{Kind: KindModel, Path: "models/none.sql"}, nil) // ran nothing: no file
	if err := w.wait(); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]string{
		"target/run/shop/models/marts/orders.sql":                  "begin;\n\nselect 1;\n",
		"target/run/shop/models/schema.yml/not_null_orders_id.sql": "select 2;\n",
	} {
		got, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", rel, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "target/run/shop/models/none.sql")); !os.IsNotExist(err) {
		t.Errorf("a node that ran nothing got a file: %v", err)
	}

	// A second run replaces a longer file entirely.
	w = startRunFiles(1)
	w.add(c, model, []string{"x"})
	if err := w.wait(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "target/run/shop/models/marts/orders.sql")); string(got) != "x;\n" {
		t.Errorf("rewritten file holds %q", got)
	}
}

func TestRunFilesReportsTheFirstError(t *testing.T) {
	dir := t.TempDir()
	// target/run is a file, so nothing can be written under it.
	if err := os.MkdirAll(filepath.Join(dir, "target"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "target", "run"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c := &Compiled{projectDir: dir, Project: &project.Project{Name: "shop", TargetPath: "target"}}
	w := startRunFiles(2)
	w.add(c, &Node{Kind: KindModel, Path: "models/a.sql"}, []string{"select 1"})
	w.add(c, &Node{Kind: KindModel, Path: "models/b.sql"}, []string{"select 1"})
	if err := w.wait(); err == nil {
		t.Fatal("no error writing under a file")
	}
}
