package features

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/cucumber/godog"
)

// Steps about kiln as a process: started in the background, watched through
// its output and pg_stat_activity, stopped by a signal, or run twice at the
// same time.
//
//	When I start "kiln ARGS"                          in the background, as "I run" would run it
//	When I wait until the output contains "TEXT"      what the started kiln printed so far; at most 30 s
//	When I wait until the database shows a query containing "TEXT"
//	                                                  an active statement of the scenario's kiln; at most 30 s
//	When I send SIGTERM to kiln                       or SIGINT; "... to kiln twice" sends a second one 200 ms later
//	Then kiln exits within N seconds with code C      counted from the last signal; then the output steps apply
//	Then the database shows no query containing "TEXT"
//	                                                  no kiln statement running or holding a transaction open
//	Then the output contains the pid of the kiln session running "TEXT"
//	                                                  "pid N" in the last result, N the server pid of the
//	                                                  one active kiln statement containing TEXT
//	When I run "kiln ARGS" twice at the same time     two processes started together; both waited for
//	Then both runs exit with code C
//	Then the output of each run contains "TEXT"
//
// "The scenario's kiln" is a session whose application_name is kiln and
// whose statement names the scenario's schema: the harness's own sessions
// set no application_name, and other scenarios use other schemas. The
// steps that look at the database's sessions need PostgreSQL (tag the
// scenario @postgres); the others work on every warehouse.

const (
	waitLimit = 30 * time.Second       // bounds "I wait until ..."
	pollEvery = 50 * time.Millisecond  // how often a wait looks again
	goneGrace = 2 * time.Second        // how long a cancelled statement may linger in pg_stat_activity
	signalGap = 200 * time.Millisecond // between the two signals of "twice"
	killLimit = 10 * time.Second       // for the after-hook to see a killed kiln or backend go
)

// process is a kiln command running in the background.
type process struct {
	cmd       *exec.Cmd
	out       *output
	res       *result       // what it did; set before done is closed
	done      chan struct{} // closed when it has exited
	exitedAt  time.Time     // set before done is closed
	signalled time.Time     // when the last signal was sent; zero if none
}

// processSteps is one scenario's background processes.
type processSteps struct {
	s       *scenario
	started *process    // by "I start"
	pair    [2]*process // by "twice at the same time"
}

// registerProcessSteps adds the steps of this file to a scenario. Call it
// before the harness registers its own after-hook: hooks run in the order
// they are registered, and the scenario's kiln and its statements must be
// gone before the harness drops the scenario's schema, or the drop waits
// for their locks.
func registerProcessSteps(sc *godog.ScenarioContext, s *scenario) {
	p := &processSteps{s: s}
	sc.After(p.after)
	sc.Step(`^I start "(kiln(?:\s.*)?)"$`, p.start)
	sc.Step(`^I wait until the output contains "(.*)"$`, p.waitForOutput)
	sc.Step(`^I wait until the database shows a query containing "(.*)"$`, p.waitForQuery)
	sc.Step(`^I send (SIGTERM|SIGINT) to kiln( twice)?$`, p.send)
	sc.Step(`^kiln exits within (\d+) seconds? with code (\d+)$`, p.exitsWithin)
	sc.Step(`^the database shows no query containing "(.*)"$`, p.noQuery)
	sc.Step(`^the output contains the pid of the kiln session running "(.*)"$`, p.outputNamesSession)
	sc.Step(`^I run "(kiln(?:\s.*)?)" twice at the same time$`, p.runTwice)
	sc.Step(`^both runs exit with code (\d+)$`, p.bothExit)
	sc.Step(`^the output of each run contains "(.*)"$`, p.eachOutputContains)
}

// startKiln starts the kiln binary with the words of line, in the project
// dir and with the environment of the "I run" step.
func (s *scenario) startKiln(line string) (*process, error) {
	command := s.expand(line)
	args, err := splitArgs(command)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", command, err)
	}
	cmd := exec.Command(s.h.bin, args[1:]...)
	cmd.Dir = s.dir
	cmd.Env = s.environ()
	cmd.WaitDelay = 5 * time.Second
	p := &process{cmd: cmd, out: &output{}, done: make(chan struct{}),
		res: &result{command: command, dir: s.dir}}
	cmd.Stdout, cmd.Stderr = p.out.writer(&p.out.stdout), p.out.writer(&p.out.stderr)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("could not start %s: %w", s.h.bin, err)
	}
	go p.wait()
	return p, nil
}

// wait records how the process ended. A process killed by a signal (not one
// that exited with 128+n itself) has code -1; status says which signal.
func (p *process) wait() {
	err := p.cmd.Wait()
	p.exitedAt = time.Now()
	p.out.mu.Lock()
	p.res.stdout, p.res.stderr, p.res.output = p.out.stdout.String(), p.out.stderr.String(), p.out.all.String()
	p.out.mu.Unlock()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		p.res.code = exit.ExitCode()
	default:
		p.res.code = -1
		p.res.stderr += fmt.Sprintf("\n(the harness lost the process: %v)", err)
	}
	close(p.done)
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// status is how the process ended, as the OS says it ("exit status 143",
// "signal: killed").
func (p *process) status() string {
	if p.cmd.ProcessState == nil {
		return "still running"
	}
	return p.cmd.ProcessState.String()
}

// sofar shows the command and what it has printed, whether or not it has
// exited, for failure messages.
func (p *process) sofar() string {
	if p.exited() {
		return p.res.String()
	}
	p.out.mu.Lock()
	defer p.out.mu.Unlock()
	return fmt.Sprintf("$ %s\n  (in %s)\nstill running; output so far:\n%s",
		p.res.command, p.res.dir, withNewline(p.out.all.String()))
}

// output is what the process has printed so far, stdout and stderr
// together.
func (p *process) output() string {
	p.out.mu.Lock()
	defer p.out.mu.Unlock()
	return p.out.all.String()
}

// stop kills the process if it still runs and waits for it to be gone.
func (p *process) stop() error {
	if p == nil || p.exited() {
		return nil
	}
	p.cmd.Process.Kill()
	select {
	case <-p.done:
		return nil
	case <-time.After(killLimit):
		return fmt.Errorf("kiln (pid %d) did not exit within %s of SIGKILL", p.cmd.Process.Pid, killLimit)
	}
}

func (ps *processSteps) start(line string) error {
	if ps.started != nil && !ps.started.exited() {
		return fmt.Errorf("kiln is still running from an earlier step\n%s", ps.started.sofar())
	}
	p, err := ps.s.startKiln(line)
	if err != nil {
		return err
	}
	ps.started = p
	return nil
}

// running is the process of the last "I start" step.
func (ps *processSteps) running() (*process, error) {
	if ps.started == nil {
		return nil, errors.New(`no kiln was started in this scenario (missing a step 'When I start "kiln ..."')`)
	}
	return ps.started, nil
}

// poll calls check every pollEvery until it reports true or an error, or
// until limit has passed; it reports whether check ever reported true.
func poll(ctx context.Context, limit time.Duration, check func() (bool, error)) (bool, error) {
	deadline := time.Now().Add(limit)
	for {
		ok, err := check()
		if ok || err != nil {
			return ok, err
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

func (ps *processSteps) waitForOutput(ctx context.Context, text string) error {
	p, err := ps.running()
	if err != nil {
		return err
	}
	text = ps.s.expand(text)
	found, err := poll(ctx, waitLimit, func() (bool, error) {
		exited := p.exited() // before reading the output, which is complete once exited
		if strings.Contains(p.output(), text) {
			return true, nil
		}
		if exited {
			return false, fmt.Errorf("kiln exited (%s) without printing %q\n%s", p.status(), text, p.res)
		}
		return false, nil
	})
	if err == nil && !found {
		err = fmt.Errorf("kiln did not print %q within %s\n%s", text, waitLimit, p.sofar())
	}
	return err
}

func (ps *processSteps) waitForQuery(ctx context.Context, text string) error {
	p, err := ps.running()
	if err != nil {
		return err
	}
	text = ps.s.expand(text)
	found, err := poll(ctx, waitLimit, func() (bool, error) {
		exited := p.exited()
		qs, err := ps.s.kilnQueries(ctx, text, true)
		if err != nil || len(qs) > 0 {
			return len(qs) > 0, err
		}
		if exited {
			return false, fmt.Errorf("kiln exited (%s) before the database showed a statement containing %q\n%s",
				p.status(), text, p.res)
		}
		return false, nil
	})
	if err == nil && !found {
		err = fmt.Errorf("the database showed no active kiln statement containing %q within %s\n%s",
			text, waitLimit, p.sofar())
	}
	return err
}

// noQuery checks that no session of the scenario's kiln runs a statement
// containing text or holds a transaction open after one. A statement just
// cancelled may take a moment to leave pg_stat_activity: it has goneGrace.
func (ps *processSteps) noQuery(ctx context.Context, text string) error {
	text = ps.s.expand(text)
	var qs []activity
	gone, err := poll(ctx, goneGrace, func() (bool, error) {
		var err error
		qs, err = ps.s.kilnQueries(ctx, text, false)
		return len(qs) == 0, err
	})
	if err != nil || gone {
		return err
	}
	var b strings.Builder
	for _, q := range qs {
		fmt.Fprintf(&b, "  pid %d, %s for %s: %s\n", q.pid, q.state, q.running, q.query)
	}
	return fmt.Errorf("%s after the check began, the database still shows kiln statements containing %q:\n%s%s",
		goneGrace, text, b.String(), ps.s.runContext())
}

// outputNamesSession checks that the last result names the server process
// of the one kiln session now running a statement containing text, as
// "pid N".
func (ps *processSteps) outputNamesSession(ctx context.Context, text string) error {
	r, err := ps.s.lastRun()
	if err != nil {
		return err
	}
	text = ps.s.expand(text)
	qs, err := ps.s.kilnQueries(ctx, text, true)
	if err != nil {
		return err
	}
	if len(qs) != 1 {
		return fmt.Errorf("the database shows %d active kiln statements containing %q, want 1", len(qs), text)
	}
	if want := fmt.Sprintf("pid %d", qs[0].pid); !strings.Contains(r.output, want) {
		return fmt.Errorf("the output does not contain %q, the session running %q\n%s", want, text, r)
	}
	return nil
}

var signals = map[string]syscall.Signal{"SIGTERM": syscall.SIGTERM, "SIGINT": syscall.SIGINT}

// send signals the started kiln, once or twice. The second signal waits
// signalGap so that the two are not merged into one while the first is
// pending; kiln must still be running then for the step to mean anything.
func (ps *processSteps) send(name, twice string) error {
	p, err := ps.running()
	if err != nil {
		return err
	}
	n := 1
	if twice != "" {
		n = 2
	}
	for i := range n {
		if i > 0 {
			time.Sleep(signalGap)
		}
		if p.exited() {
			what := "before the signal"
			if i > 0 {
				what = fmt.Sprintf("within %s of the first %s, before the second", signalGap, name)
			}
			return fmt.Errorf("kiln had already exited (%s) %s\n%s", p.status(), what, p.res)
		}
		if err := p.cmd.Process.Signal(signals[name]); err != nil {
			return fmt.Errorf("send %s to kiln (pid %d): %w", name, p.cmd.Process.Pid, err)
		}
		p.signalled = time.Now()
	}
	return nil
}

// exitsWithin waits for the started kiln to exit, at most secs seconds after
// the last signal sent to it (or after this step begins, if none was), and
// checks its exit code. Its result becomes the one the output steps see.
func (ps *processSteps) exitsWithin(secs, code int) error {
	p, err := ps.running()
	if err != nil {
		return err
	}
	from, since := p.signalled, "the last signal"
	if from.IsZero() {
		from, since = time.Now(), "this step began"
	}
	limit := time.Duration(secs) * time.Second
	select {
	case <-p.done:
	case <-time.After(time.Until(from.Add(limit))):
		return fmt.Errorf("kiln has not exited %s after %s (it is killed when the scenario ends)\n%s",
			limit, since, p.sofar())
	}
	ps.s.last = p.res
	took := p.exitedAt.Sub(from).Round(time.Millisecond)
	if took > limit {
		return fmt.Errorf("kiln exited %s after %s, want within %s\n%s", took, since, limit, p.res)
	}
	if p.res.code != code {
		return fmt.Errorf("kiln exited %s after %s with %s, want exit code %d\n%s", took, since, p.status(), code, p.res)
	}
	return nil
}

// runTwice starts the command twice, one right after the other, and waits
// for both. The last result is the second run's.
func (ps *processSteps) runTwice(line string) error {
	for i := range ps.pair {
		p, err := ps.s.startKiln(line)
		if err != nil {
			return err // the after-hook stops the first
		}
		ps.pair[i] = p
	}
	deadline := time.After(runTimeout)
	for i, p := range ps.pair {
		select {
		case <-p.done:
		case <-deadline:
			return fmt.Errorf("run %d of 2 did not finish within %s (both are killed when the scenario ends)\n%s\n%s",
				i+1, runTimeout, ps.pair[0].sofar(), ps.pair[1].sofar())
		}
	}
	ps.s.last = ps.pair[1].res
	return nil
}

// runs are the results of "twice at the same time".
func (ps *processSteps) runs() ([2]*result, error) {
	if ps.pair[1] == nil || !ps.pair[1].exited() || !ps.pair[0].exited() {
		return [2]*result{}, errors.New(`no pair of runs has finished in this scenario (missing a step 'When I run "kiln ..." twice at the same time')`)
	}
	return [2]*result{ps.pair[0].res, ps.pair[1].res}, nil
}

// both formats the two runs for a failure message.
func both(rs [2]*result) string {
	return fmt.Sprintf("=== run 1 ===\n%s=== run 2 ===\n%s", rs[0], rs[1])
}

func (ps *processSteps) bothExit(code int) error {
	rs, err := ps.runs()
	if err != nil {
		return err
	}
	if rs[0].code != code || rs[1].code != code {
		return fmt.Errorf("the runs exited with %d and %d, want %d for both\n%s", rs[0].code, rs[1].code, code, both(rs))
	}
	return nil
}

func (ps *processSteps) eachOutputContains(text string) error {
	rs, err := ps.runs()
	if err != nil {
		return err
	}
	text = ps.s.expand(text)
	for i, r := range rs {
		if !strings.Contains(r.output, text) {
			return fmt.Errorf("the output of run %d does not contain %q\n%s", i+1, text, both(rs))
		}
	}
	return nil
}

// after kills every kiln the scenario left running, then ends the
// statements they left on the server (a killed client does not stop a
// running statement), so that the harness can drop the schema.
func (ps *processSteps) after(ctx context.Context, sc *godog.Scenario, err error) (context.Context, error) {
	procs := []*process{ps.started, ps.pair[0], ps.pair[1]}
	var errs []error
	for _, p := range procs {
		errs = append(errs, p.stop())
	}
	if ss, ok := ps.s.db.(sessions); ok && (ps.started != nil || ps.pair[0] != nil) {
		errs = append(errs, ss.terminateKiln(context.WithoutCancel(ctx)))
	}
	return ctx, errors.Join(errs...)
}

// activity is one session of pg_stat_activity.
type activity struct {
	pid     int32
	state   string
	running string // since query_start
	query   string
}

// sessions is what the steps that watch kiln's statements need from the
// warehouse. Only a server has sessions (PostgreSQL's pg_stat_activity);
// the steps fail elsewhere.
type sessions interface {
	// kilnQueries lists the sessions of the scenario's kiln whose statement
	// contains text: the active ones, or with activeOnly false every one
	// but the idle ones (so also those left in a transaction after it).
	kilnQueries(ctx context.Context, text string, activeOnly bool) ([]activity, error)
	// terminateKiln ends the server sessions of the scenario's kiln and
	// waits until they are gone.
	terminateKiln(ctx context.Context) error
}

// sessions is the scenario's warehouse, if it has sessions to watch.
func (s *scenario) sessions() (sessions, error) {
	if ss, ok := s.db.(sessions); ok {
		return ss, nil
	}
	return nil, fmt.Errorf("%s has no server sessions to watch: tag the scenario @postgres", s.w.name())
}

// kilnQueries lists the statements of the scenario's kiln containing text.
func (s *scenario) kilnQueries(ctx context.Context, text string, activeOnly bool) ([]activity, error) {
	ss, err := s.sessions()
	if err != nil {
		return nil, err
	}
	return ss.kilnQueries(ctx, text, activeOnly)
}
