package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/runner"
)

// engineFor builds the engine for a command with the view chosen by flags.
func engineFor(cmd *cobra.Command, f *commonFlags) (*runner.Engine, view) {
	v := newView(f.logFormat, cmd.OutOrStdout(), cmd.ErrOrStderr())
	return &runner.Engine{Connect: connect, Events: v.event, Version: Version}, v
}

// newExecCmd builds run, test and build: commands that execute nodes.
func newExecCmd(code *int, use, short string, exec func(*runner.Engine) func(context.Context, runner.Options) (*runner.RunResult, error)) *cobra.Command {
	f := &commonFlags{}
	cmd := &cobra.Command{
		Use:   use + " [selectors...]",
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := f.options(args)
			if err != nil {
				return err
			}
			eng, v := engineFor(cmd, f)
			res, err := exec(eng)(cmd.Context(), opts)
			*code = exitCode(cmd.Context(), v, res, err)
			return nil
		},
	}
	f.register(cmd, true)
	return cmd
}

// newSourceCmd is `kiln source freshness`.
func newSourceCmd(code *int) *cobra.Command {
	src := &cobra.Command{Use: "source", Short: "Commands about sources"}
	f := &commonFlags{}
	fresh := &cobra.Command{
		Use:   "freshness",
		Short: "Check how old each source table is against its warn_after and error_after",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := f.options(nil)
			if err != nil {
				return err
			}
			eng, v := engineFor(cmd, f)
			res, err := eng.SourceFreshness(cmd.Context(), opts)
			*code = exitCode(cmd.Context(), v, res, err)
			return nil
		},
	}
	f.register(fresh, false)
	src.AddCommand(fresh)
	return src
}

func newRetryCmd(code *int) *cobra.Command {
	f := &commonFlags{}
	cmd := &cobra.Command{
		Use:   "retry",
		Short: "Run again exactly the nodes that failed or were skipped in the last run",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := f.options(nil)
			if err != nil {
				return err
			}
			eng, v := engineFor(cmd, f)
			res, err := eng.Retry(cmd.Context(), opts)
			var nothing *runner.NothingToRetry
			if errors.As(err, &nothing) {
				fmt.Fprintln(cmd.OutOrStdout(), "Nothing to retry: every node of the last run succeeded.")
				return nil
			}
			*code = exitCode(cmd.Context(), v, res, err)
			return nil
		},
	}
	f.register(cmd, true)
	return cmd
}

func newCompileCmd(code *int) *cobra.Command {
	f := &commonFlags{}
	cmd := &cobra.Command{
		Use:   "compile [selectors...]",
		Short: "Render the selected models into target/compiled without touching a database",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := f.options(args)
			if err != nil {
				return err
			}
			eng, v := engineFor(cmd, f)
			c, err := eng.Compile(cmd.Context(), opts)
			if err != nil {
				*code = exitCode(cmd.Context(), v, nil, err)
				return nil
			}
			v.compiled(c)
			return nil
		},
	}
	f.register(cmd, false)
	return cmd
}

func newListCmd(code *int) *cobra.Command {
	f := &commonFlags{}
	var output string
	cmd := &cobra.Command{
		Use:     "ls [selectors...]",
		Aliases: []string{"list"},
		Short:   "List the selected nodes without touching a database",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := f.options(args)
			if err != nil {
				return err
			}
			if output != "name" && output != "path" && output != "selector" && output != "json" {
				return fmt.Errorf("--output must be selector, name, path or json, got %q", output)
			}
			eng, v := engineFor(cmd, f)
			nodes, err := eng.List(cmd.Context(), opts)
			if err != nil {
				*code = exitCode(cmd.Context(), v, nil, err)
				return nil
			}
			printList(cmd.OutOrStdout(), nodes, output)
			return nil
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVarP(&output, "output", "o", "selector", "selector (FQN with dots), name, path or json")
	return cmd
}

func printList(w io.Writer, nodes []*runner.Node, output string) {
	for _, n := range nodes {
		switch output {
		case "name":
			fmt.Fprintln(w, n.Name)
		case "path":
			fmt.Fprintln(w, n.Path)
		case "json":
			fmt.Fprintf(w, "{\"unique_id\":%q,\"name\":%q,\"resource_type\":%q,\"original_file_path\":%q}\n", n.ID, n.Name, n.Kind, n.Path)
		default:
			fmt.Fprintln(w, strings.Join(n.FQN, "."))
		}
	}
}

func newDebugCmd(code *int) *cobra.Command {
	f := &commonFlags{}
	cmd := &cobra.Command{
		Use:   "debug",
		Short: "Check the project, the profile and the connection, and say what is wrong",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := f.options(nil)
			if err != nil {
				return err
			}
			eng, v := engineFor(cmd, f)
			rep, err := eng.Debug(cmd.Context(), opts)
			v.debug(rep, err)
			if err != nil {
				*code = exitCode(cmd.Context(), nil, nil, err)
			}
			return nil
		},
	}
	f.register(cmd, false)
	return cmd
}

// exitCode reports err through v (when given) and maps the outcome to an
// exit code.
func exitCode(ctx context.Context, v view, res *runner.RunResult, err error) int {
	if err != nil {
		if v != nil {
			v.failure(err)
		}
		var pe *profileError
		switch {
		case ctx.Err() != nil:
			return ExitFailed // the signal handler's code wins in Main
		case runner.IsLoadError(err), errors.As(err, &pe):
			return ExitBadInput
		default:
			return ExitFailed
		}
	}
	if res != nil && res.Failed() {
		return ExitFailed
	}
	return ExitOK
}
