package features

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"
)

// runTimeout bounds one kiln command.
const runTimeout = 120 * time.Second

// result is what one kiln command did.
type result struct {
	command string // as the step wrote it, placeholders expanded
	dir     string
	offline bool
	code    int
	stdout  string
	stderr  string
	output  string // stdout and stderr interleaved as written
}

// String shows the command and everything it printed, for failure messages.
func (r *result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ %s\n  (in %s", r.command, r.dir)
	if r.offline {
		b.WriteString(", without a database")
	}
	fmt.Fprintf(&b, ")\nexit code %d\n", r.code)
	fmt.Fprintf(&b, "--- stdout ---\n%s", withNewline(r.stdout))
	fmt.Fprintf(&b, "--- stderr ---\n%s", withNewline(r.stderr))
	return b.String()
}

func withNewline(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// run runs the kiln binary with the step's arguments in the project dir.
// kiln finds the scenario's profiles.yml there by itself; DBT_PROFILES_DIR
// is removed from its environment so that nothing else is found first.
// Without a database, profiles.yml points at port 1 for the duration of the
// command and is restored afterwards. The step fails only when kiln cannot
// be started or does not finish; the Then steps judge what it did.
func (s *scenario) run(ctx context.Context, line, withoutDB string) error {
	command := s.expand(line)
	args, err := splitArgs(command)
	if err != nil {
		return fmt.Errorf("%s: %w", command, err)
	}
	offline := withoutDB != ""
	if offline {
		restore, err := s.swapProfiles()
		if err != nil {
			return err
		}
		defer restore()
	}

	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.h.bin, args[1:]...)
	cmd.Dir = s.dir
	cmd.Env = s.environ()
	cmd.WaitDelay = 5 * time.Second
	var out output
	cmd.Stdout, cmd.Stderr = out.writer(&out.stdout), out.writer(&out.stderr)
	err = cmd.Run()

	r := &result{command: command, dir: s.dir, offline: offline,
		stdout: out.stdout.String(), stderr: out.stderr.String(), output: out.all.String()}
	s.last = r
	var exit *exec.ExitError
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		r.code = -1
		return fmt.Errorf("kiln did not finish within %s and was killed\n%s", runTimeout, r)
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		return fmt.Errorf("could not run %s: %w", s.h.bin, err)
	}
	return nil
}

// swapProfiles writes an offline profiles.yml and returns a function that
// puts the previous one back.
func (s *scenario) swapProfiles() (restore func(), err error) {
	p := filepath.Join(s.dir, "profiles.yml")
	old, readErr := os.ReadFile(p)
	if err := s.writeProfiles(true); err != nil {
		return nil, err
	}
	return func() {
		if readErr != nil {
			os.Remove(p)
			return
		}
		os.WriteFile(p, old, 0o644)
	}, nil
}

// environ is the test process's environment without DBT_PROFILES_DIR, with
// the variables set by steps.
func (s *scenario) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if _, set := s.env[name]; set || name == "DBT_PROFILES_DIR" {
			continue
		}
		env = append(env, kv)
	}
	for k, v := range s.env {
		env = append(env, k+"="+v)
	}
	return env
}

// output captures stdout and stderr apart and together.
type output struct {
	mu                  sync.Mutex
	stdout, stderr, all bytes.Buffer
}

type outputWriter struct {
	o    *output
	into *bytes.Buffer
}

func (o *output) writer(into *bytes.Buffer) outputWriter { return outputWriter{o, into} }

func (w outputWriter) Write(p []byte) (int, error) {
	w.o.mu.Lock()
	defer w.o.mu.Unlock()
	w.into.Write(p)
	return w.o.all.Write(p)
}

// lastRun is the result the Then steps look at.
func (s *scenario) lastRun() (*result, error) {
	if s.last == nil {
		return nil, errors.New(`no kiln command has run yet in this scenario (missing a step 'When I run "kiln ..."')`)
	}
	return s.last, nil
}

func (s *scenario) exitCode(want int) error {
	r, err := s.lastRun()
	if err != nil {
		return err
	}
	if r.code != want {
		return fmt.Errorf("exit code is %d, want %d\n%s", r.code, want, r)
	}
	return nil
}

func (s *scenario) outputContains(mode, text string) error {
	r, err := s.lastRun()
	if err != nil {
		return err
	}
	text = s.expand(text)
	if has := strings.Contains(r.output, text); has != (mode == "contains") {
		return fmt.Errorf("the output %s %q, want the opposite\n%s", negate(mode), text, r)
	}
	return nil
}

// negate turns what a step asserted into what was found instead.
func negate(mode string) string {
	if mode == "contains" {
		return "does not contain"
	}
	return "contains"
}

// outputContainsLines checks that each non-empty line of the docstring
// (without its surrounding spaces) appears in the output, in this order.
// The order is reliable within stdout or within stderr, not across them:
// the two are read from separate pipes.
func (s *scenario) outputContainsLines(doc *godog.DocString) error {
	r, err := s.lastRun()
	if err != nil {
		return err
	}
	rest := r.output
	for _, want := range strings.Split(s.expand(doc.Content), "\n") {
		want = strings.TrimSpace(want)
		if want == "" {
			continue
		}
		i := strings.Index(rest, want)
		if i < 0 {
			if strings.Contains(r.output, want) {
				return fmt.Errorf("the output contains %q, but not after the lines before it\n%s", want, r)
			}
			return fmt.Errorf("the output does not contain %q\n%s", want, r)
		}
		rest = rest[i+len(want):]
	}
	return nil
}

func (s *scenario) stderrContains(text string) error {
	r, err := s.lastRun()
	if err != nil {
		return err
	}
	text = s.expand(text)
	if !strings.Contains(r.stderr, text) {
		return fmt.Errorf("stderr does not contain %q\n%s", text, r)
	}
	return nil
}

// lineContains checks that some line of the output contains both anchor
// (e.g. the relation {schema}.orders) and text (e.g. OK).
func (s *scenario) lineContains(anchor, text string) error {
	r, err := s.lastRun()
	if err != nil {
		return err
	}
	anchor, text = s.expand(anchor), s.expand(text)
	var found []string
	for _, l := range strings.Split(r.output, "\n") {
		if !strings.Contains(l, anchor) {
			continue
		}
		if strings.Contains(l, text) {
			return nil
		}
		found = append(found, "  "+l)
	}
	if len(found) == 0 {
		return fmt.Errorf("no line of the output contains %q\n%s", anchor, r)
	}
	return fmt.Errorf("no line containing %q also contains %q; those lines are:\n%s\n%s",
		anchor, text, strings.Join(found, "\n"), r)
}

// splitArgs splits a command line into words as a POSIX shell does, without
// expanding anything: blanks separate words; '...' is literal; in "..." a
// backslash escapes " \ $ and `; elsewhere a backslash escapes any
// character. An empty pair of quotes makes an empty word.
func splitArgs(line string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("unterminated ' quote")
			}
			w.WriteString(line[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`", line[i+1]) >= 0 {
					i++
				}
				w.WriteByte(line[i])
			}
			if i >= len(line) {
				return nil, errors.New(`unterminated " quote`)
			}
			inWord = true
		case c == '\\':
			if i+1 >= len(line) {
				return nil, errors.New("backslash at the end of the command")
			}
			i++
			w.WriteByte(line[i])
			inWord = true
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}
