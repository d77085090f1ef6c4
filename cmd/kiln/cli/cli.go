// Package cli is kiln's command line: it parses flags into runner.Options,
// calls the engine, renders its events and maps outcomes to exit codes.
package cli

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/runner"
)

// Version is set at build time with -ldflags "-X .../cli.Version=...".
var Version = "0.1.0-dev"

// Exit codes.
const (
	ExitOK       = 0   // every selected node succeeded
	ExitFailed   = 1   // a node failed
	ExitBadInput = 2   // the project, profile or command line is wrong; nothing ran
	ExitSIGINT   = 130 // interrupted
	ExitSIGTERM  = 143 // terminated
)

// Main runs kiln with args and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop, caught := withSignals(context.Background())
	defer stop()
	code := ExitOK
	root := newRoot(stdout, stderr, &code)
	root.SetArgs(nonEmpty(args))
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		// cobra's own errors: unknown command or flag, bad flag value.
		io.WriteString(stderr, "kiln: "+err.Error()+"\n")
		return ExitBadInput
	}
	if sig := caught(); sig != nil {
		if sig == syscall.SIGTERM {
			return ExitSIGTERM
		}
		return ExitSIGINT
	}
	return code
}

// nonEmpty drops empty arguments, which schedulers' templated argument
// lists produce (Airflow: "{{ ” if ... else '--select=x' }}").
func nonEmpty(args []string) []string {
	out := make([]string, 0, len(args))
	for _, a := range args {
		if a != "" {
			out = append(out, a)
		}
	}
	return out
}

func newRoot(stdout, stderr io.Writer, code *int) *cobra.Command {
	root := &cobra.Command{
		Use:           "kiln",
		Short:         "Run dbt-format SQL projects against PostgreSQL",
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newExecCmd(code, "run", "Build the selected models in the warehouse, in dependency order",
			func(e *runner.Engine) func(context.Context, runner.Options) (*runner.RunResult, error) { return e.Run }),
		newExecCmd(code, "seed", "Load the selected seeds (CSV files) into tables",
			func(e *runner.Engine) func(context.Context, runner.Options) (*runner.RunResult, error) { return e.Seed }),
		newExecCmd(code, "test", "Run the data tests of the selected nodes",
			func(e *runner.Engine) func(context.Context, runner.Options) (*runner.RunResult, error) { return e.Test }),
		newExecCmd(code, "build", "Run seeds, models and their tests in one dependency order",
			func(e *runner.Engine) func(context.Context, runner.Options) (*runner.RunResult, error) {
				return e.Build
			}),
		newRetryCmd(code),
		newSourceCmd(code),
		newCompileCmd(code),
		newListCmd(code),
		newDebugCmd(code),
	)
	return root
}

// withSignals cancels ctx on the first SIGINT or SIGTERM, and exits at once
// on the second. caught reports the first signal, if any.
func withSignals(parent context.Context) (context.Context, func(), func() os.Signal) {
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	var first os.Signal
	done := make(chan struct{})
	got := make(chan os.Signal, 1)
	go func() {
		for {
			select {
			case sig := <-ch:
				if first != nil {
					if sig == syscall.SIGTERM {
						os.Exit(ExitSIGTERM)
					}
					os.Exit(ExitSIGINT)
				}
				first = sig
				got <- sig
				cancel()
			case <-done:
				return
			}
		}
	}()
	stop := func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
	caught := func() os.Signal {
		select {
		case sig := <-got:
			got <- sig
			return sig
		default:
			return nil
		}
	}
	return ctx, stop, caught
}
