package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// sample is one run of a child process.
type sample struct {
	Wall   time.Duration
	CPU    time.Duration // user + system
	MaxRSS int64         // peak resident set, bytes
	Stdout []byte
}

// kiln runs the binary in the project directory dir and measures it. A
// non-zero exit is an error carrying the end of stderr.
func kiln(ctx context.Context, bin, dir string, args ...string) (sample, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	started := time.Now()
	err := cmd.Run()
	wall := time.Since(started)
	if err != nil {
		return sample{}, fmt.Errorf("kiln %s in %s: %v\n%s%s", strings.Join(args, " "), dir, err, tail(stdout.Bytes(), 2000), tail(stderr.Bytes(), 4000))
	}
	s := sample{Wall: wall, Stdout: stdout.Bytes()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		s.MaxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return s, nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return append([]byte("..."), b[len(b)-n:]...)
	}
	return b
}

// medianDur is the median of ds (the lower middle one for an even count).
func medianDur(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// medians returns the median wall and CPU time and the largest peak RSS.
func medians(ss []sample) (wall, cpu time.Duration, rss int64) {
	var walls, cpus []time.Duration
	for _, s := range ss {
		walls = append(walls, s.Wall)
		cpus = append(cpus, s.CPU)
		rss = max(rss, s.MaxRSS)
	}
	return medianDur(walls), medianDur(cpus), rss
}

// profile is the connection a generated project's profiles.yml names.
type profile struct {
	Host     string
	Port     int
	User     string
	Password string
	DBName   string
	Schema   string
	Threads  int
}

// writeProfile writes profiles.yml (profile synth, target dev) into the
// project directory.
func writeProfile(dir string, p profile) error {
	y := fmt.Sprintf(`synth:
  target: dev
  outputs:
    dev:
      type: postgres
      host: %q
      port: %d
      user: %q
      password: %q
      dbname: %q
      schema: %q
      threads: %d
`, p.Host, p.Port, p.User, p.Password, p.DBName, p.Schema, p.Threads)
	return os.WriteFile(filepath.Join(dir, "profiles.yml"), []byte(y), 0o600)
}

// countFiles counts the regular files under dir whose names end in ext.
func countFiles(dir, ext string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ext) {
			n++
		}
		return err
	})
	return n, err
}

func secs(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}

func mib(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }

// thousands writes n with comma separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fsName names the file system holding dir: file creation on a slow disk
// can dominate compile times, so the tables say where the projects were.
func fsName(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "unknown file system"
	}
	switch st.Type {
	case 0xEF53:
		return "ext4"
	case 0x01021994:
		return "tmpfs"
	case 0x58465342:
		return "xfs"
	case 0x9123683E:
		return "btrfs"
	case 0x794C7630:
		return "overlayfs"
	}
	return fmt.Sprintf("file system type %#x", st.Type)
}
