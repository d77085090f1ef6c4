package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kiln-dev/kiln/internal/synth"
)

// versionRuns is how many `kiln --version` runs the median is taken over.
const versionRuns = 20

func versionFigure(ctx context.Context, c config) error {
	var walls []time.Duration
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	for range versionRuns {
		s, err := kiln(ctx, c.kiln, dir, "--version")
		if err != nil {
			return err
		}
		walls = append(walls, s.Wall)
	}
	fmt.Fprintf(c.out, "kiln --version: %s (median of %d runs)\n\n", secs(medianDur(walls)), versionRuns)
	return nil
}

// compileFigures generates a full-shape project per size (incremental
// models, a not_null test on every fourth model) and times compile and ls.
func compileFigures(ctx context.Context, c config, work string) error {
	fmt.Fprintln(c.out, "| models | YAML tests | generate | cold compile | CPU | peak RSS | kiln ls | warm compile |")
	fmt.Fprintln(c.out, "|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, n := range c.sizes {
		row, err := compileRow(ctx, c, work, n)
		if err != nil {
			return fmt.Errorf("%d models: %w", n, err)
		}
		fmt.Fprintln(c.out, row)
	}
	fmt.Fprintln(c.out)
	return nil
}

func compileRow(ctx context.Context, c config, work string, n int) (string, error) {
	dir := filepath.Join(work, fmt.Sprintf("compile-%d", n))
	o := synth.Options{Models: n, Seed: c.seed, Incremental: true, Tests: true}
	started := time.Now()
	if err := synth.Write(dir, o); err != nil {
		return "", err
	}
	gen := time.Since(started)
	plan, err := synth.Plan(o)
	if err != nil {
		return "", err
	}
	tests := 0
	for _, m := range plan {
		if m.Tested {
			tests++
		}
	}
	// compile and ls never connect; the profile only has to be valid.
	err = writeProfile(dir, profile{Host: "127.0.0.1", Port: 5432, User: "postgres", DBName: "postgres", Schema: "bench", Threads: 4})
	if err != nil {
		return "", err
	}
	args := []string{"--project-dir", ".", "--profiles-dir", "."}
	target := filepath.Join(dir, "target")

	var cold []sample
	for r := range c.runs {
		if err := os.RemoveAll(target); err != nil {
			return "", err
		}
		s, err := kiln(ctx, c.kiln, dir, append([]string{"compile"}, args...)...)
		if err != nil {
			return "", err
		}
		cold = append(cold, s)
		if r == 0 {
			got, err := countFiles(filepath.Join(target, "compiled"), ".sql")
			if err != nil {
				return "", err
			}
			if got != n+tests {
				return "", fmt.Errorf("kiln compile wrote %d compiled files, want %d (a model or test each)", got, n+tests)
			}
		}
	}
	var ls, warm []sample
	for range c.runs {
		s, err := kiln(ctx, c.kiln, dir, append([]string{"ls"}, args...)...)
		if err != nil {
			return "", err
		}
		if lines := bytes.Count(s.Stdout, []byte("\n")); lines < n {
			return "", fmt.Errorf("kiln ls printed %d lines, want at least %d", lines, n)
		}
		ls = append(ls, s)
	}
	for range c.runs {
		s, err := kiln(ctx, c.kiln, dir, append([]string{"compile"}, args...)...)
		if err != nil {
			return "", err
		}
		warm = append(warm, s)
	}
	coldWall, coldCPU, coldRSS := medians(cold)
	lsWall, _, _ := medians(ls)
	warmWall, _, _ := medians(warm)
	return fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s | %s |", thousands(n), thousands(tests), secs(gen),
		secs(coldWall), secs(coldCPU), mib(coldRSS), secs(lsWall), secs(warmWall)), nil
}
