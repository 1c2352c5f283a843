package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"

	"github.com/exreconcile/exreconcile/controller"
)

// Exit codes shared by every command: 0 success (or in sync), 1 any error or invalid manifests,
// 2 changes pending (plan and diff with --exit-code).
const (
	exitOK      = 0
	exitError   = 1
	exitPending = 2 // for plan and diff --exit-code
)

// streams are the process's standard streams, replaced by buffers in tests.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// An exitCodeError ends the process with a code after the command has already told the user
// why, so run prints nothing more.
type exitCodeError int

func (e exitCodeError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// app is what every command shares: the streams, the environment and the global flags.
type app struct {
	streams
	getenv  func(string) string
	verbose int
	// connect builds the WinRM runner of a server; tests may replace it.
	connect controller.ConnectFunc
	// now is the run's clock (nil: time.Now); the golden plans fix it.
	now func() time.Time
}

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, s streams, getenv func(string) string) int {
	a := &app{streams: s, getenv: getenv, connect: controller.Dial}
	root := newRootCommand(a)
	root.SetArgs(args)
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	err := root.ExecuteContext(ctx)
	var code exitCodeError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	default:
		fmt.Fprintf(s.err, "exreconcile: %v\n", err)
		return exitError
	}
}

// newRootCommand builds the command tree. Subcommands receive the logger through their context.
func newRootCommand(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "exreconcile",
		Short: "Reconcile Microsoft Exchange transport security with declared YAML manifests",
		Long: `exreconcile keeps Exchange certificates, send and receive connectors and the
domain-secure lists equal to what a folder of YAML manifests declares.

  exreconcile validate -f site/             offline checks, no server contacted
  exreconcile plan     -f site/             per-field changes and the PowerShell apply would run
  exreconcile apply    -f site/             converge, verify, report
  exreconcile diff     -f site/ --exit-code scheduled drift check: 0 in sync, 2 drift, 1 error`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			cmd.SetContext(logr.NewContext(cmd.Context(), a.logger()))
		},
	}
	root.PersistentFlags().CountVarP(&a.verbose, "verbose", "v", "more detail on stderr; repeat for more (-v debug, -vv trace)")
	root.AddCommand(newValidateCommand(a), newPlanCommand(a), newApplyCommand(a), newDiffCommand(a), newExportCommand(a), newRunCommand(a), newVerifyCommand(a), newVersionCommand(a))
	return root
}

// logger returns a logr.Logger writing slog text to stderr: warnings and errors by default,
// V(1) debug with -v, V(2) with -vv. logr's V(n) is slog level -n.
func (a *app) logger() logr.Logger {
	level := slog.LevelWarn
	if a.verbose > 0 {
		level = slog.Level(-a.verbose)
	}
	h := slog.NewTextHandler(a.err, &slog.HandlerOptions{Level: level})
	return logr.FromSlogHandler(h)
}

// color reports whether w gets ANSI colours: only a terminal, and never when NO_COLOR is set
// (https://no-color.org) or TERM is dumb.
func (a *app) color(w io.Writer) bool {
	if a.getenv("NO_COLOR") != "" || a.getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// outputFormat is the -o flag shared by the commands that report.
type outputFormat string

// Output formats.
const (
	outputText outputFormat = "text"
	outputJSON outputFormat = "json"
	outputYAML outputFormat = "yaml"
)

// String implements pflag.Value.
func (o *outputFormat) String() string { return string(*o) }

// Set implements pflag.Value, accepting text, json or yaml.
func (o *outputFormat) Set(s string) error {
	switch f := outputFormat(s); f {
	case outputText, outputJSON, outputYAML:
		*o = f
		return nil
	}
	return fmt.Errorf("invalid output format %q: allowed values are text, json, yaml", s)
}

// Type implements pflag.Value.
func (o *outputFormat) Type() string { return "text|json|yaml" }

// addOutputFlag registers -o/--output on cmd, defaulting to text.
func addOutputFlag(cmd *cobra.Command, o *outputFormat) {
	*o = outputText
	cmd.Flags().VarP(o, "output", "o", "output format: text, json or yaml")
}
