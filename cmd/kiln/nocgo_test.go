package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoCgoBuildRefusesDuckDB builds kiln as the container image does
// (CGO_ENABLED=0, so without DuckDB) and checks that a duckdb profile gets
// a clear error and exit code 2, not a crash or a silent fallback.
func TestNoCgoBuildRefusesDuckDB(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a second kiln binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "kiln-nocgo")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	project := filepath.Join(dir, "p")
	files := map[string]string{
		"dbt_project.yml": "name: p\nprofile: p\nconfig-version: 2\n",
		"profiles.yml":    "p:\n  target: local\n  outputs:\n    local:\n      type: duckdb\n      path: p.duckdb\n",
		"models/one.sql":  "select 1 as id\n",
	}
	for name, text := range files {
		path := filepath.Join(project, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "run", "--project-dir", project)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("kiln run on a duckdb profile without cgo: %v, want exit code 2\n%s", err, out)
	}
	if !strings.Contains(string(out), "built without DuckDB") {
		t.Fatalf("output does not say the binary has no DuckDB:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "p.duckdb")); !os.IsNotExist(err) {
		t.Fatalf("a database file was created: %v", err)
	}
}
