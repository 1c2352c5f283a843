package main

import (
	"fmt"
	"sync"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/controller"
)

// reconcileFlags are the flags plan, apply and diff share.
type reconcileFlags struct {
	files        []string
	output       outputFormat
	parallel     int
	prune        bool
	adoptUnowned bool
	allowReplace bool
	showScript   bool
	exitCode     bool
	dryRun       bool
	// verifySMTP probes every declared receive connector over SMTP after
	// a successful apply (apply --verify-smtp).
	verifySMTP bool
	smtp       verifyFlags
	timeout    timeoutFlag
}

func (f *reconcileFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVarP(&f.files, "filename", "f", nil, "manifest file, folder (recursive *.yaml, *.yml) or - for stdin; repeatable")
	cmd.Flags().IntVar(&f.parallel, "parallel", 8, "servers worked on at once")
	cmd.Flags().BoolVar(&f.prune, "prune", false, "also remove connectors with this site's marker (spec.owner) that are no longer declared")
	cmd.Flags().BoolVar(&f.adoptUnowned, "adopt-unowned", false, "with --prune, treat connectors with the marker without an owner as this site's")
	f.timeout.register(cmd)
	addOutputFlag(cmd, &f.output)
}

// newPlanCommand builds `exreconcile plan`.
func newPlanCommand(a *app) *cobra.Command {
	var f reconcileFlags
	cmd := &cobra.Command{
		Use:   "plan -f FILE|FOLDER|- [-f ...]",
		Short: "Show per field what apply would change, and the PowerShell it would run",
		Long: `plan observes every declared server (one WinRM command each), compares the declared
fields with what Exchange reports and prints the changes apply would make.

Exit status: 0 success, 1 error, 2 changes pending (only with --exit-code).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.reconcile(cmd, controller.ModePlan, &f) },
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&f.showScript, "show-script", false, "print the exact PowerShell per server (secrets redacted)")
	cmd.Flags().BoolVar(&f.exitCode, "exit-code", false, "exit 2 when there are changes")
	return cmd
}

// newApplyCommand builds `exreconcile apply`.
func newApplyCommand(a *app) *cobra.Command {
	var f reconcileFlags
	cmd := &cobra.Command{
		Use:   "apply -f FILE|FOLDER|- [-f ...]",
		Short: "Converge Exchange to the manifests, verify, and report",
		Long: `apply observes every declared server, runs the needed cmdlets on each (one WinRM
command per server, servers in parallel), observes again and reports what still differs.

Exit status: 0 success, 1 any error (the report says which calls were done), 3 with
--verify-smtp when a check on the wire failed after a successful apply.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mode := controller.ModeApply
			if f.dryRun {
				mode = controller.ModePlan
			}
			return a.reconcile(cmd, mode, &f)
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&f.allowReplace, "allow-replace", false, "remove and recreate connectors whose creation-only usage differs")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "only plan")
	cmd.Flags().BoolVar(&f.verifySMTP, "verify-smtp", false, "after a successful apply, prove TLS on the wire as exreconcile verify does (exit 3 when a check fails)")
	f.smtp.register(cmd)
	return cmd
}

// newDiffCommand builds `exreconcile diff`.
func newDiffCommand(a *app) *cobra.Command {
	var f reconcileFlags
	cmd := &cobra.Command{
		Use:   "diff -f FILE|FOLDER|- [-f ...] [--exit-code]",
		Short: "Report drift between the manifests and Exchange (for scheduled checks)",
		Long: `diff observes like plan and prints only what differs.

Exit status: 0 in sync, 1 error, 2 drift (with --exit-code).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.reconcile(cmd, controller.ModeDiff, &f) },
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&f.exitCode, "exit-code", false, "exit 2 when something drifted")
	return cmd
}

// reconcile loads, validates, runs the controller and prints the report.
func (a *app) reconcile(cmd *cobra.Command, mode controller.Mode, f *reconcileFlags) error {
	if len(f.files) == 0 {
		return errNoFiles
	}
	timeout, err := f.timeout.get()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	log := logr.FromContextOrDiscard(ctx)
	site, diags := v1alpha1.Loader{Stdin: a.in}.LoadAndValidate(f.files...)
	// -o json|yaml always prints a report, with the diagnostics, even when
	// the run stops before reaching a server.
	early := func(runErr error) error {
		if f.output == outputText {
			return nil
		}
		rep := &controller.Report{Mode: mode, Diagnostics: diags}
		if runErr != nil {
			rep.ChangeSet = &controller.ChangeSet{Errors: []controller.RunError{{Message: runErr.Error(), Err: runErr}}}
		}
		if f.output == outputJSON {
			return rep.WriteJSON(a.out)
		}
		return rep.WriteYAML(a.out)
	}
	if diags.HasErrors() {
		writeDiagnostics(a.err, v1alpha1.NewReport(diags, len(site.Objects)), a.color(a.err))
		if err := early(nil); err != nil {
			return err
		}
		return exitCodeError(exitError)
	}
	for _, d := range diags {
		fmt.Fprintln(a.err, d.String())
	}
	var mu sync.Mutex
	tty := a.color(a.err)
	opts := controller.Options{Mode: mode, Prune: f.prune, AdoptUnowned: f.adoptUnowned, AllowReplace: f.allowReplace, Parallel: f.parallel,
		ShowScript: f.showScript, Connect: a.connect, Timeout: timeout, Now: a.now,
		Progress: func(server, msg string) {
			mu.Lock()
			defer mu.Unlock()
			log.V(1).Info(msg, "server", server)
			// On a terminal one line is rewritten in place; otherwise
			// (CI, CronJob logs) each step is a plain line.
			if tty {
				fmt.Fprintf(a.err, "\r\x1b[K%s: %s", server, msg)
			} else if f.output == outputText {
				fmt.Fprintf(a.err, "%s: %s\n", server, msg)
			}
		}}
	report, err := controller.Run(ctx, site, opts)
	if tty {
		fmt.Fprint(a.err, "\r\x1b[K")
	}
	if err != nil {
		if werr := early(err); werr != nil {
			return werr
		}
		return err
	}
	report.Diagnostics = diags
	for srv, n := range report.Commands {
		log.V(1).Info("WinRM commands", "server", srv, "commands", n)
	}
	switch f.output {
	case outputJSON:
		err = report.WriteJSON(a.out)
	case outputYAML:
		err = report.WriteYAML(a.out)
	default:
		err = report.WriteText(a.out, false)
	}
	if err != nil {
		return err
	}
	switch {
	case report.Failed():
		return exitCodeError(exitError)
	case f.exitCode && mode != controller.ModeApply && report.ChangeSet.HasChanges():
		return exitCodeError(exitPending)
	case f.verifySMTP && mode == controller.ModeApply:
		f.smtp.output = f.output
		return a.VerifySMTP(ctx, site, &f.smtp)
	}
	return nil
}
