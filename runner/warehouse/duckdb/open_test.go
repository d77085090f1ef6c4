//go:build cgo

package duckdb

import (
	"bufio"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHoldFile is not a test: run by TestOpenLockedByAnotherProcess in a
// child process, it opens the file named by KILN_DUCKDB_HOLD, says so, and
// holds it until its standard input closes.
func TestHoldFile(t *testing.T) {
	path := os.Getenv("KILN_DUCKDB_HOLD")
	if path == "" {
		t.Skip("helper process only")
	}
	w, err := Open(context.Background(), Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	os.Stdout.WriteString("holding\n")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}

func TestOpenLockedByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldFile$")
	cmd.Env = append(os.Environ(), "KILN_DUCKDB_HOLD="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "holding\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}
	_, err = Open(context.Background(), Config{Path: path})
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v (%T), want a *LockedError", err, err)
	}
	if !strings.HasPrefix(err.Error(), "another process has "+path+" open (DuckDB allows one writer): ") {
		t.Errorf("err = %v", err)
	}
}

func TestOpenPaths(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(context.Background(), Config{Path: filepath.Join(dir, "no", "such", "dir", "x.duckdb")}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
	if _, err := Open(context.Background(), Config{Path: dir}); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	if _, err := Open(context.Background(), Config{Path: ""}); err == nil {
		t.Error("empty path accepted")
	}
	// Relative paths are relative to the working directory; the file is created.
	t.Chdir(dir)
	w, err := Open(context.Background(), Config{Path: "dev.duckdb"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.Path() != filepath.Join(dir, "dev.duckdb") || w.dbName != "dev" {
		t.Errorf("path %s, database %s", w.Path(), w.dbName)
	}
	if _, err := os.Stat(filepath.Join(dir, "dev.duckdb")); err != nil {
		t.Error(err)
	}
	m, err := Open(context.Background(), Config{Path: ":memory:"})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
}
