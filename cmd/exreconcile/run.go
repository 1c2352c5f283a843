package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/controller"
)

// Error strings of run.
const (
	errRunStdin = "run reads its manifests again before every run: -f - (stdin) is not allowed"
	errInterval = "--interval must be positive"
	errJitter   = "--jitter must be at least 0 and less than 1"
	errListen   = "cannot serve metrics"
	errServe    = "metrics server stopped"
)

// shutdownTimeout bounds how long the metrics server waits for scrapes in progress at exit.
const shutdownTimeout = 5 * time.Second

// runFlags are the flags of `exreconcile run`.
type runFlags struct {
	files       []string
	interval    time.Duration
	jitter      float64
	observeOnly bool
	metricsAddr string
	once        bool
	parallel    int
	prune       bool
	adopt       bool
	timeout     timeoutFlag
}

// check rejects flag values the loop cannot work with, before anything starts.
func (f *runFlags) check() error {
	switch {
	case len(f.files) == 0:
		return errNoFiles
	case f.interval <= 0:
		return errors.New(errInterval)
	case f.jitter < 0 || f.jitter >= 1:
		return errors.New(errJitter)
	}
	if _, err := f.timeout.get(); err != nil {
		return err
	}
	for _, p := range f.files {
		if p == "-" {
			return errors.New(errRunStdin)
		}
	}
	return nil
}

// newRunCommand builds `exreconcile run`, the continuous reconciler of the Kubernetes
// Deployment.
func newRunCommand(a *app) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run -f FILE|FOLDER [-f ...] [--interval 10m] [--observe-only] [--metrics-addr :8080]",
		Short: "Reconcile continuously: apply (or only observe) every interval, serve metrics and health",
		Long: `run is apply in a loop: before each run it loads and validates the manifests again (so
a changed ConfigMap is picked up), then converges every server, or with --observe-only only
reports drift like diff. It logs one summary line per run (the text report with -v) and
waits --interval, give or take --jitter, before the next one.

Invalid manifests skip the run: the diagnostics are logged, the run counts as an error and
the object metrics keep the last good run's values.

--metrics-addr serves /metrics (Prometheus), /healthz (200 while the loop runs; it does not
depend on Exchange being reachable) and /readyz (200 once a run has completed).

SIGTERM or SIGINT stops the loop: a run in progress is not interrupted but finishes (an apply
never stops between the calls of a server's command); a second signal ends the process at
once.

Exit status: 0 after a clean stop, 1 on bad flags or when the metrics address cannot be
served. With --once: one run and no metrics server (unless --metrics-addr is given), then 0
(in sync or drift) or 1 (error).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			serve := f.metricsAddr != "" && (!f.once || cmd.Flags().Changed("metrics-addr"))
			return a.runLoop(cmd.Context(), &f, serve)
		},
	}
	cmd.Flags().StringArrayVarP(&f.files, "filename", "f", nil, "manifest file or folder (recursive *.yaml, *.yml), read again before every run; repeatable")
	cmd.Flags().DurationVar(&f.interval, "interval", 10*time.Minute, "time between the end of a run and the start of the next")
	cmd.Flags().Float64Var(&f.jitter, "jitter", 0.1, "vary each wait by up to this fraction of --interval, either way (at least 0, below 1)")
	cmd.Flags().BoolVar(&f.observeOnly, "observe-only", false, "report drift (logs, metrics) but change nothing, like diff")
	cmd.Flags().StringVar(&f.metricsAddr, "metrics-addr", ":8080", "address of /metrics, /healthz and /readyz; empty for none")
	cmd.Flags().BoolVar(&f.once, "once", false, "run once and exit: 0 in sync or drift, 1 error")
	cmd.Flags().IntVar(&f.parallel, "parallel", 8, "servers worked on at once")
	cmd.Flags().BoolVar(&f.prune, "prune", false, "also remove connectors with this site's marker (spec.owner) that are no longer declared")
	cmd.Flags().BoolVar(&f.adopt, "adopt-unowned", false, "with --prune, treat connectors with the marker without an owner as this site's")
	f.timeout.register(cmd)
	return cmd
}

// runLogger is the logger of run. Unlike the one-shot commands, which keep stderr for
// warnings and errors, a long-running reconciler logs its per-run summary (Info) by default;
// -v adds the text report and the controller's debug lines.
func (a *app) runLogger() logr.Logger {
	h := slog.NewTextHandler(a.err, &slog.HandlerOptions{Level: slog.Level(-a.verbose)})
	return logr.FromSlogHandler(h)
}

// runLoop serves the metrics (when serve) and runs the loop until a signal or the
// cancellation of ctx.
func (a *app) runLoop(ctx context.Context, f *runFlags, serve bool) error {
	log := a.runLogger()
	ctx, stop := signal.NotifyContext(logr.NewContext(ctx, log), os.Interrupt, syscall.SIGTERM)
	defer stop()
	l := newLoop(a, f)

	serveErr := make(chan error, 1)
	if serve {
		ln, err := net.Listen("tcp", f.metricsAddr)
		if err != nil {
			return fmt.Errorf("%s: %w", errListen, err)
		}
		srv := &http.Server{Handler: newMux(l.metrics, l.probes), ReadHeaderTimeout: 10 * time.Second}
		go func() { serveErr <- srv.Serve(ln) }()
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
		log.Info("serving /metrics, /healthz and /readyz", "addr", ln.Addr().String())
	}

	// On the first signal the run in progress goes on; restoring the default handlers makes
	// a second signal end the process at once.
	var wg sync.WaitGroup
	finished := make(chan struct{})
	wg.Go(func() {
		select {
		case <-ctx.Done():
			stop()
			log.Info("stop requested: a run in progress finishes first; a second signal ends the process now",
				"cause", context.Cause(ctx).Error())
		case <-finished:
		}
	})
	defer func() {
		close(finished)
		wg.Wait()
		if ctx.Err() != nil {
			log.Info("stopped")
		}
	}()
	return l.run(ctx, serveErr)
}

// loop is the state of `exreconcile run` between runs.
// timeout is --timeout when given (check has refused a bad value).
func (l *loop) timeout() time.Duration {
	t, _ := l.flags.timeout.get()
	return t
}

type loop struct {
	app     *app
	flags   *runFlags
	mode    controller.Mode
	metrics *runMetrics
	probes  *probes
	// random returns a number in [0, 1), for the jitter.
	random func() float64
	// warnings are the manifest warnings last logged: each is logged when it appears,
	// not at every run.
	warnings string
}

func newLoop(a *app, f *runFlags) *loop {
	mode := controller.ModeApply
	if f.observeOnly {
		mode = controller.ModeDiff
	}
	return &loop{app: a, flags: f, mode: mode, metrics: newRunMetrics(), probes: &probes{}, random: rand.Float64}
}

// run runs until ctx is done (then returns nil) or, with --once, after one run.
func (l *loop) run(ctx context.Context, serveErr <-chan error) error {
	log := logr.FromContextOrDiscard(ctx)
	l.probes.alive.Store(true)
	defer l.probes.alive.Store(false)
	for {
		if ctx.Err() != nil {
			return nil
		}
		// The run does not see ctx's cancellation: an apply stopped between two calls
		// would leave a server half-changed, and a stopped observe would count as an error.
		res := l.iterate(context.WithoutCancel(ctx))
		if l.flags.once {
			if res == resultError {
				return exitCodeError(exitError)
			}
			return nil
		}
		wait := l.next()
		log.V(1).Info("next run", "in", wait.Round(time.Second).String())
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case err := <-serveErr:
			timer.Stop()
			return fmt.Errorf("%s: %w", errServe, err)
		case <-timer.C:
		}
		timer.Stop()
	}
}

// next is how long to wait before the next run: the interval, give or take the jitter.
func (l *loop) next() time.Duration {
	j := l.flags.jitter * (2*l.random() - 1)
	return time.Duration(float64(l.flags.interval) * (1 + j))
}

// iterate loads the manifests, runs the controller once, records and logs the result.
func (l *loop) iterate(ctx context.Context) string {
	log := logr.FromContextOrDiscard(ctx)
	site, diags := v1alpha1.Loader{}.LoadAndValidate(l.flags.files...)
	l.logWarnings(log, diags)
	if diags.HasErrors() {
		for _, d := range diags {
			if d.Severity == v1alpha1.SeverityError {
				log.Error(nil, "invalid manifest", "diagnostic", d.String())
			}
		}
		l.metrics.invalidManifests()
		log.Info("run skipped: invalid manifests; object metrics keep the last run's values",
			"result", resultError, "errors", diags.Count(v1alpha1.SeverityError))
		return resultError
	}
	start := time.Now()
	report, err := controller.Run(ctx, site, controller.Options{Mode: l.mode, Prune: l.flags.prune, AdoptUnowned: l.flags.adopt,
		Parallel: l.flags.parallel, Connect: l.app.connect, Timeout: l.timeout(),
		Progress: func(server, msg string) { log.V(1).Info(msg, "server", server) }})
	end := time.Now()
	res := l.metrics.observeRun(report, err, end.Sub(start), end)
	if err != nil {
		log.Error(err, "run could not start", "mode", l.mode, "result", res)
		return res
	}
	l.probes.ready.Store(true)
	logReport(log, report, res, end.Sub(start))
	return res
}

// logWarnings logs the manifest warnings when they differ from the last ones logged.
func (l *loop) logWarnings(log logr.Logger, diags v1alpha1.Diagnostics) {
	var ws []string
	for _, d := range diags {
		if d.Severity == v1alpha1.SeverityWarning {
			ws = append(ws, d.String())
		}
	}
	if joined := strings.Join(ws, "\n"); joined != l.warnings {
		l.warnings = joined
		for _, w := range ws {
			log.Info("manifest warning", "diagnostic", w)
		}
	}
}

// logReport logs each error of a run, its one-line summary and, at V(1), the text report.
func logReport(log logr.Logger, r *controller.Report, res string, d time.Duration) {
	for _, e := range r.ChangeSet.Errors {
		log.Error(e, "run error", "class", e.Class)
	}
	var sum kindCounts
	for _, c := range tally(r) {
		sum.inSync += c.inSync
		sum.drifted += c.drifted
		sum.unknown += c.unknown
		sum.degraded += c.degraded
	}
	commands := 0
	for _, n := range r.Commands {
		commands += n
	}
	n := r.ChangeSet.Count()
	log.Info("run finished", "mode", string(r.Mode), "result", res, "duration", d.Round(time.Millisecond).String(),
		"objects", len(r.ChangeSet.Entries), "inSync", sum.inSync, "drifted", sum.drifted, "unknown", sum.unknown,
		"degraded", sum.degraded, "changes", n.Pending(), "errors", len(r.ChangeSet.Errors),
		"winrmCommands", commands)
	if v := log.V(1); v.Enabled() {
		var b strings.Builder
		if err := r.WriteText(&b, false); err == nil {
			v.Info("run report", "report", b.String())
		}
	}
}
