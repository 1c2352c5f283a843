package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/controller"
	"github.com/exreconcile/exreconcile/exchange"
)

// refusingRunner is an exchange.Runner whose server never answers: every command fails
// with a transport error, as when the WinRM port is closed.
type refusingRunner struct {
	calls *atomic.Int32
	// onRun, when set, is called with the command's context before it fails; it may block.
	onRun func(ctx context.Context, n int32)
}

func (r *refusingRunner) Run(ctx context.Context, _ *exchange.Script) (*exchange.Result, error) {
	n := r.calls.Add(1)
	if r.onRun != nil {
		r.onRun(ctx, n)
	}
	return nil, &exchange.TransportError{Kind: exchange.TransportRefused, Endpoint: "https://win20081.work.com:5986/wsman",
		Detail: "connection refused: is the WinRM HTTPS listener running?"}
}

// refusing is a ConnectFunc whose servers all refuse; calls counts their commands.
func refusing(calls *atomic.Int32, onRun func(context.Context, int32)) controller.ConnectFunc {
	return func(org *v1alpha1.ExchangeOrganization, srv v1alpha1.Server, pw exchange.Secret) (exchange.Remote, error) {
		t := exchange.Target{Name: srv.Name, FQDN: srv.FQDN, Role: exchange.Role(srv.Role), Username: org.Spec.Auth.Username, Password: pw}
		return exchange.NewServer(t, &refusingRunner{calls: calls, onRun: onRun}), nil
	}
}

// runCommand runs the CLI in process like run in root.go, with connect for the servers.
func runCommand(t *testing.T, ctx context.Context, connect controller.ConnectFunc, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &app{streams: streams{in: strings.NewReader(""), out: &out, err: &errOut},
		getenv: func(string) string { return "" }, connect: connect}
	root := newRootCommand(a)
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(ctx)
	code := exitOK
	var ec exitCodeError
	switch {
	case errors.As(err, &ec):
		code = int(ec)
	case err != nil:
		fmt.Fprintf(&errOut, "exreconcile: %v\n", err)
		code = exitError
	}
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func TestRunOnce(t *testing.T) {
	t.Setenv("EXRECONCILE_PASSWORD", "Secret-1")
	valid, invalid := site(t, validSite), site(t, invalidSite)
	cases := map[string]struct {
		reason    string
		args      []string
		code      int
		stderrHas []string
		calls     int32
	}{
		"NoFiles": {
			reason: "run without -f says how to call it.",
			args:   []string{"run"}, code: 1,
			stderrHas: []string{"no manifests given"},
		},
		"Stdin": {
			reason: "Manifests are read again before every run, so stdin cannot be one.",
			args:   []string{"run", "-f", "-"}, code: 1,
			stderrHas: []string{errRunStdin},
		},
		"BadInterval": {
			reason: "A zero interval would spin.",
			args:   []string{"run", "-f", valid, "--interval", "0s"}, code: 1,
			stderrHas: []string{errInterval},
		},
		"BadJitter": {
			reason: "A jitter of 1 could make the wait zero.",
			args:   []string{"run", "-f", valid, "--jitter", "1"}, code: 1,
			stderrHas: []string{errJitter},
		},
		"BadMetricsAddr": {
			reason: "An address that cannot be listened on fails at start, before any run.",
			args:   []string{"run", "-f", valid, "--metrics-addr", "256.0.0.1:http-nope"}, code: 1,
			stderrHas: []string{errListen},
		},
		"InvalidManifests": {
			reason: "Invalid manifests are logged with file, line and field path; the run is skipped and is an error.",
			args:   []string{"run", "--once", "-f", invalid}, code: 1,
			stderrHas: []string{"level=ERROR", "invalid manifest", `spec.addressSpaces[1]: invalid address space`,
				"run skipped: invalid manifests", "result=error"},
		},
		"Unreachable": {
			reason: "A server that refuses makes an error run: the error is logged with its server, then the summary line.",
			args:   []string{"run", "--once", "-f", valid}, code: 1, calls: 1,
			stderrHas: []string{"level=ERROR", "run error", "WIN20081", "connection refused", "class=Transport",
				"level=INFO", "run finished", "mode=apply", "result=error", "unknown=1", "errors=1"},
		},
		"ObserveOnlyVerbose": {
			reason: "--observe-only runs in diff mode; -v adds the text report.",
			args:   []string{"-v", "run", "--once", "--observe-only", "-f", valid}, code: 1, calls: 1,
			stderrHas: []string{"mode=diff", "run report", `? SendConnector \"to canoe.com\" (not observed)`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int32
			r := runCommand(t, t.Context(), refusing(&calls, nil), tc.args...)
			if r.code != tc.code {
				t.Errorf("\nReason: %s\nexit code = %d, want %d\nstderr:\n%s", tc.reason, r.code, tc.code, r.stderr)
			}
			for _, s := range tc.stderrHas {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("\nReason: %s\nstderr lacks %q:\n%s", tc.reason, s, r.stderr)
				}
			}
			if got := calls.Load(); got != tc.calls {
				t.Errorf("\nReason: %s\nWinRM commands = %d, want %d", tc.reason, got, tc.calls)
			}
			if strings.Contains(r.stderr, "Secret-1") {
				t.Errorf("the password is in the log:\n%s", r.stderr)
			}
		})
	}
}

// TestRunLoopStopsCleanly runs the command with a short interval and the metrics server on
// a free port until its context is cancelled, as SIGTERM does: it exits 0.
func TestRunLoopStopsCleanly(t *testing.T) {
	t.Setenv("EXRECONCILE_PASSWORD", "Secret-1")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var calls atomic.Int32
	stopAt := func(_ context.Context, n int32) {
		if n == 3 {
			cancel()
		}
	}
	done := make(chan result, 1)
	go func() {
		done <- runCommand(t, ctx, refusing(&calls, stopAt),
			"run", "-f", site(t, validSite), "--interval", "10ms", "--jitter", "0.5", "--metrics-addr", "127.0.0.1:0")
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop after its context was cancelled")
	}
	if r.code != exitOK {
		t.Errorf("exit code = %d, want 0 after a clean stop\nstderr:\n%s", r.code, r.stderr)
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("WinRM commands = %d, want 3: no run starts after the stop", got)
	}
	for _, s := range []string{"serving /metrics, /healthz and /readyz", "addr=127.0.0.1:", "stop requested: a run in progress finishes first", "msg=stopped"} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
	if i, j := strings.Index(r.stderr, "stop requested"), strings.Index(r.stderr, "msg=stopped"); i > j {
		t.Errorf("\"stopped\" is logged before \"stop requested\":\n%s", r.stderr)
	}
	if n := strings.Count(r.stderr, "msg=\"run finished\""); n != 3 {
		t.Errorf("%d summary lines, want 3 (the run in progress finishes):\n%s", n, r.stderr)
	}
}

// TestRunLoopFinishesRunInProgress: a stop during a run does not cancel the context the
// controller (and so the WinRM command) runs under; the loop returns once that run is done.
func TestRunLoopFinishesRunInProgress(t *testing.T) {
	t.Setenv("EXRECONCILE_PASSWORD", "Secret-1")
	var calls atomic.Int32
	entered, release, seen := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	block := func(ctx context.Context, _ int32) {
		close(entered)
		<-release
		seen <- ctx.Err()
	}
	var logs bytes.Buffer
	a := &app{streams: streams{err: &logs}, connect: refusing(&calls, block)}
	l := newLoop(a, &runFlags{files: []string{site(t, validSite)}, interval: time.Hour})

	ctx, cancel := context.WithCancel(t.Context())
	returned := make(chan error, 1)
	go func() { returned <- l.run(ctxWithLogger(ctx, a), nil) }()
	<-entered
	if !l.probes.alive.Load() || l.probes.ready.Load() {
		t.Errorf("during the first run: alive %v, ready %v; want alive, not ready", l.probes.alive.Load(), l.probes.ready.Load())
	}
	cancel()
	close(release)
	if err := <-seen; err != nil {
		t.Errorf("the WinRM command's context was cancelled by the stop: %v", err)
	}
	select {
	case err := <-returned:
		if err != nil {
			t.Errorf("run returned %v, want nil after a clean stop", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the loop did not return after the run in progress finished")
	}
	if got := testutil.ToFloat64(l.metrics.runs.WithLabelValues(resultError)); got != 1 {
		t.Errorf("error runs = %v, want 1: the interrupted run completes and is counted", got)
	}
	if got := testutil.ToFloat64(l.metrics.errors.WithLabelValues(string(exchange.ClassTransport))); got != 1 {
		t.Errorf("Transport errors = %v, want 1", got)
	}
	if l.probes.alive.Load() || !l.probes.ready.Load() {
		t.Errorf("after the stop: alive %v, ready %v; want not alive, ready", l.probes.alive.Load(), l.probes.ready.Load())
	}
}

// TestRunReloadsManifests: each run reads the manifests again, so a fixed ConfigMap is
// picked up at the next interval; a bad edit keeps the last good run's object metrics.
func TestRunReloadsManifests(t *testing.T) {
	t.Setenv("EXRECONCILE_PASSWORD", "Secret-1")
	path := site(t, invalidSite)
	var calls atomic.Int32
	var logs bytes.Buffer
	a := &app{streams: streams{err: &logs}, connect: refusing(&calls, nil)}
	l := newLoop(a, &runFlags{files: []string{path}, interval: time.Hour, observeOnly: true})
	ctx := ctxWithLogger(t.Context(), a)
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	unknown := l.metrics.objects.WithLabelValues("SendConnector", stateUnknown)

	steps := []struct {
		reason   string
		content  string
		result   string
		invalid  float64
		unknown  float64
		ready    bool
		commands int32
	}{
		{"Invalid at start: no run, no server contacted, not ready.", invalidSite, resultError, 1, 0, false, 0},
		{"Fixed: the next iteration runs (the server refuses, so the object is unknown).", validSite, resultError, 1, 1, true, 1},
		{"Broken again: skipped, the object gauges keep the last run's values.", invalidSite, resultError, 2, 1, true, 1},
	}
	for i, s := range steps {
		write(s.content)
		if got := l.iterate(ctx); got != s.result {
			t.Errorf("step %d: %s\nresult = %q, want %q", i, s.reason, got, s.result)
		}
		if got := testutil.ToFloat64(l.metrics.errors.WithLabelValues(classInvalid)); got != s.invalid {
			t.Errorf("step %d: %s\nInvalid errors = %v, want %v", i, s.reason, got, s.invalid)
		}
		if got := testutil.ToFloat64(unknown); got != s.unknown {
			t.Errorf("step %d: %s\nunknown SendConnectors = %v, want %v", i, s.reason, got, s.unknown)
		}
		if got := l.probes.ready.Load(); got != s.ready {
			t.Errorf("step %d: %s\nready = %v, want %v", i, s.reason, got, s.ready)
		}
		if got := calls.Load(); got != s.commands {
			t.Errorf("step %d: %s\nWinRM commands = %d, want %d", i, s.reason, got, s.commands)
		}
	}
}

func TestRunWarningsLoggedOnce(t *testing.T) {
	t.Setenv("EXRECONCILE_PASSWORD", "Secret-1")
	var calls atomic.Int32
	var logs bytes.Buffer
	a := &app{streams: streams{err: &logs}, connect: refusing(&calls, nil)}
	l := newLoop(a, &runFlags{files: []string{site(t, warningSite)}, interval: time.Hour})
	ctx := ctxWithLogger(t.Context(), a)
	l.iterate(ctx)
	l.iterate(ctx)
	if n := strings.Count(logs.String(), "manifest warning"); n != 1 {
		t.Errorf("the same warning was logged %d times in two runs, want once:\n%s", n, logs.String())
	}
}

func TestRunNext(t *testing.T) {
	cases := map[string]struct {
		jitter, random float64
		want           time.Duration
	}{
		"NoJitter":  {0, 0.9, 10 * time.Minute},
		"Shortest":  {0.1, 0, 9 * time.Minute},
		"Middle":    {0.1, 0.5, 10 * time.Minute},
		"NearLong":  {0.1, 0.75, 10*time.Minute + 30*time.Second},
		"WideShort": {0.5, 0.25, 7*time.Minute + 30*time.Second},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			l := &loop{flags: &runFlags{interval: 10 * time.Minute, jitter: tc.jitter}, random: func() float64 { return tc.random }}
			if got := l.next(); got != tc.want {
				t.Errorf("next() = %v, want %v", got, tc.want)
			}
		})
	}
}

// ctxWithLogger gives ctx the logger run uses.
func ctxWithLogger(ctx context.Context, a *app) context.Context {
	return logr.NewContext(ctx, a.runLogger())
}
