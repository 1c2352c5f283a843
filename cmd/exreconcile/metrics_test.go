package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/controller"
	"github.com/exreconcile/exreconcile/exchange"
)

// entry builds a report entry of kind with action and the given condition statuses
// ("Ready=True", "Degraded=True").
func entry(kind string, action controller.Action, conds ...string) *controller.Entry {
	e := &controller.Entry{Identity: v1alpha1.Identity{Kind: kind, Organization: "work-com", Name: kind + "-" + string(action)}, Action: action}
	if len(conds) > 0 {
		e.Status = &controller.Status{}
		for _, c := range conds {
			t, s, _ := strings.Cut(c, "=")
			e.Status.Set(controller.Condition{Type: controller.ConditionType(t), Status: controller.ConditionStatus(s)})
		}
	}
	return e
}

// nonZero flattens the exreconcile_ series of g that are not zero into `name{labels}` ->
// value; a histogram gives its _count.
func nonZero(t *testing.T, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "exreconcile_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			name, v := mf.GetName(), m.GetGauge().GetValue()+m.GetCounter().GetValue()
			if h := m.GetHistogram(); h != nil {
				name, v = name+"_count", float64(h.GetSampleCount())
			}
			if len(labels) > 0 {
				name += "{" + strings.Join(labels, ",") + "}"
			}
			if v != 0 {
				out[name] = v
			}
		}
	}
	return out
}

var testNow = time.Unix(1_700_000_000, 0)

func TestObserveRun(t *testing.T) {
	cases := map[string]struct {
		reason string
		report *controller.Report
		err    error
		result string
		want   map[string]float64
	}{
		"InSync": {
			reason: "An observe-only run where nothing differs is a success; every object is in_sync and the time of success is set.",
			report: &controller.Report{Mode: controller.ModeDiff, Commands: map[string]int{"WIN20081": 1},
				ChangeSet: &controller.ChangeSet{Entries: []*controller.Entry{
					entry("SendConnector", controller.ActionUnchanged), entry("ReceiveConnector", controller.ActionUnchanged),
					entry("ReceiveConnector", controller.ActionUnchanged),
				}}},
			result: resultSuccess,
			want: map[string]float64{
				`exreconcile_objects{kind="SendConnector",state="in_sync"}`:    1,
				`exreconcile_objects{kind="ReceiveConnector",state="in_sync"}`: 2,
				`exreconcile_runs_total{result="success"}`:                     1,
				`exreconcile_winrm_commands_total{server="WIN20081"}`:          1,
				`exreconcile_last_success_timestamp_seconds`:                   1_700_000_000,
				`exreconcile_run_duration_seconds_count`:                       1,
			},
		},
		"DriftObserved": {
			reason: "In observe-only mode a create, configure or replace is drift; an unobserved object is unknown, not drifted.",
			report: &controller.Report{Mode: controller.ModeDiff, Commands: map[string]int{"WIN20081": 1, "WIN20082": 1},
				ChangeSet: &controller.ChangeSet{Entries: []*controller.Entry{
					entry("SendConnector", controller.ActionChange), entry("SendConnector", controller.ActionReplace),
					entry("ReceiveConnector", controller.ActionCreate), entry("TransportConfig", controller.ActionUnchanged),
				}}},
			result: resultDrift,
			want: map[string]float64{
				`exreconcile_objects{kind="SendConnector",state="drifted"}`:    2,
				`exreconcile_objects{kind="ReceiveConnector",state="drifted"}`: 1,
				`exreconcile_objects{kind="TransportConfig",state="in_sync"}`:  1,
				`exreconcile_drifted_objects{kind="SendConnector"}`:            2,
				`exreconcile_drifted_objects{kind="ReceiveConnector"}`:         1,
				`exreconcile_runs_total{result="drift"}`:                       1,
				`exreconcile_winrm_commands_total{server="WIN20081"}`:          1,
				`exreconcile_winrm_commands_total{server="WIN20082"}`:          1,
				`exreconcile_last_success_timestamp_seconds`:                   1_700_000_000,
				`exreconcile_run_duration_seconds_count`:                       1,
			},
		},
		"Repaired": {
			reason: "In apply mode a change that verified (Ready True) leaves the object in sync; the run found drift, so its result is drift.",
			report: &controller.Report{Mode: controller.ModeApply, Commands: map[string]int{"WIN20081": 3},
				ChangeSet: &controller.ChangeSet{Entries: []*controller.Entry{
					entry("SendConnector", controller.ActionChange, "Ready=True", "Degraded=False"),
					entry("ExchangeCertificate", controller.ActionUnchanged, "Ready=True"),
				}}},
			result: resultDrift,
			want: map[string]float64{
				`exreconcile_objects{kind="SendConnector",state="in_sync"}`:       1,
				`exreconcile_objects{kind="ExchangeCertificate",state="in_sync"}`: 1,
				`exreconcile_runs_total{result="drift"}`:                          1,
				`exreconcile_winrm_commands_total{server="WIN20081"}`:             3,
				`exreconcile_last_success_timestamp_seconds`:                      1_700_000_000,
				`exreconcile_run_duration_seconds_count`:                          1,
			},
		},
		"ApplyFailed": {
			reason: "What still differs after apply is drifted and Degraded; each RunError counts under its class; an error run sets no success time.",
			report: &controller.Report{Mode: controller.ModeApply, Commands: map[string]int{"WIN20081": 2, "WIN20082": 1},
				ChangeSet: &controller.ChangeSet{
					Entries: []*controller.Entry{
						entry("ReceiveConnector", controller.ActionChange, "Ready=False", "Degraded=True"),
						entry("ReceiveConnector", controller.ActionUnknown),
						entry("ExchangeCertificate", controller.ActionUnchanged, "Ready=False", "Degraded=True"),
					},
					Errors: []controller.RunError{
						{Server: "WIN20081", Class: exchange.ClassInvalid, Message: "apply failed"},
						{Server: "WIN20082", Class: exchange.ClassTransport, Message: "connection refused"},
						{Server: "WIN20082", Message: "no class"},
					},
				}},
			result: resultError,
			want: map[string]float64{
				`exreconcile_objects{kind="ReceiveConnector",state="drifted"}`:    1,
				`exreconcile_objects{kind="ReceiveConnector",state="unknown"}`:    1,
				`exreconcile_objects{kind="ExchangeCertificate",state="in_sync"}`: 1,
				`exreconcile_drifted_objects{kind="ReceiveConnector"}`:            1,
				`exreconcile_degraded_objects{kind="ReceiveConnector"}`:           1,
				`exreconcile_degraded_objects{kind="ExchangeCertificate"}`:        1,
				`exreconcile_runs_total{result="error"}`:                          1,
				`exreconcile_errors_total{class="InvalidArgument"}`:               1,
				`exreconcile_errors_total{class="Transport"}`:                     1,
				`exreconcile_errors_total{class="Other"}`:                         1,
				`exreconcile_winrm_commands_total{server="WIN20081"}`:             2,
				`exreconcile_winrm_commands_total{server="WIN20082"}`:             1,
				`exreconcile_run_duration_seconds_count`:                          1,
			},
		},
		"CouldNotStart": {
			reason: "controller.Run's own error (a missing password, one per organisation) counts each joined error; no object gauge moves.",
			err: errors.Join(errors.New("cannot read secret: WORK_PASSWORD"),
				fmt.Errorf("cannot prepare WinRM client: %w", &exchange.TransportError{Kind: exchange.TransportConfig, Detail: "bad"})),
			result: resultError,
			want: map[string]float64{
				`exreconcile_runs_total{result="error"}`:      1,
				`exreconcile_errors_total{class="Other"}`:     1,
				`exreconcile_errors_total{class="Transport"}`: 1,
				`exreconcile_run_duration_seconds_count`:      1,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m := newRunMetrics()
			if got := m.observeRun(tc.report, tc.err, 3*time.Second, testNow); got != tc.result {
				t.Errorf("\nReason: %s\nresult = %q, want %q", tc.reason, got, tc.result)
			}
			if diff := cmp.Diff(tc.want, nonZero(t, m.registry)); diff != "" {
				t.Errorf("\nReason: %s\nnon-zero series: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestMetricsKeepLastRun: invalid manifests and runs that could not start count as errors
// but leave the object gauges and the success time of the last report.
func TestMetricsKeepLastRun(t *testing.T) {
	m := newRunMetrics()
	m.observeRun(&controller.Report{Mode: controller.ModeDiff, ChangeSet: &controller.ChangeSet{Entries: []*controller.Entry{
		entry("SendConnector", controller.ActionChange),
	}}}, nil, time.Second, testNow)
	m.invalidManifests()
	m.observeRun(nil, errors.New("cannot read secret"), time.Millisecond, testNow.Add(time.Hour))

	checks := []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"drifted SendConnector objects", m.drifted.WithLabelValues("SendConnector"), 1},
		{"last success", m.lastSuccess, 1_700_000_000},
		{"drift runs", m.runs.WithLabelValues(resultDrift), 1},
		{"error runs", m.runs.WithLabelValues(resultError), 2},
		{"Invalid errors", m.errors.WithLabelValues(classInvalid), 1},
		{"Other errors", m.errors.WithLabelValues("Other"), 1},
	}
	for _, c := range checks {
		if got := testutil.ToFloat64(c.c); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
	if n := testutil.CollectAndCount(m.duration); n != 1 {
		t.Errorf("duration histograms = %d, want 1", n)
	}

	// A kind that is no longer declared drops to zero rather than keeping its count.
	m.observeRun(&controller.Report{Mode: controller.ModeDiff, ChangeSet: &controller.ChangeSet{}}, nil, time.Second, testNow)
	if got := testutil.ToFloat64(m.drifted.WithLabelValues("SendConnector")); got != 0 {
		t.Errorf("drifted SendConnector objects after an empty run = %v, want 0", got)
	}
}

// TestMetricsExposition pins the names, types and help of the gauges a fresh process
// serves: every known kind and state at zero, so that alerts always have a series.
func TestMetricsExposition(t *testing.T) {
	m := newRunMetrics()
	want := `
# HELP exreconcile_drifted_objects Objects that differ from their declaration at the end of the last run (after apply, in apply mode).
# TYPE exreconcile_drifted_objects gauge
exreconcile_drifted_objects{kind="ExchangeCertificate"} 0
exreconcile_drifted_objects{kind="HybridConfiguration"} 0
exreconcile_drifted_objects{kind="ReceiveConnector"} 0
exreconcile_drifted_objects{kind="SendConnector"} 0
exreconcile_drifted_objects{kind="TransportConfig"} 0
exreconcile_drifted_objects{kind="TrustedRootCertificate"} 0
# HELP exreconcile_runs_total Runs by result: success, drift (found; repaired in apply mode), error (including invalid manifests).
# TYPE exreconcile_runs_total counter
exreconcile_runs_total{result="drift"} 0
exreconcile_runs_total{result="error"} 0
exreconcile_runs_total{result="success"} 0
`
	if err := testutil.GatherAndCompare(m.registry, strings.NewReader(want), "exreconcile_drifted_objects", "exreconcile_runs_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.objects); n != len(knownKinds)*3 {
		t.Errorf("exreconcile_objects series = %d, want %d", n, len(knownKinds)*3)
	}
	problems, err := testutil.GatherAndLint(m.registry)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "exreconcile_") {
			t.Errorf("lint: %s: %s", p.Metric, p.Text)
		}
	}
}

func TestProbesAndMetricsHTTP(t *testing.T) {
	m, p := newRunMetrics(), &probes{}
	srv := httptest.NewServer(newMux(m, p))
	defer srv.Close()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	type answer struct {
		Code int
		Body string
	}
	steps := []struct {
		reason       string
		alive, ready bool
		healthz      answer
		readyz       answer
	}{
		{"Before the loop starts nothing is alive or ready.", false, false,
			answer{503, "stopped"}, answer{503, "no run completed yet"}},
		{"While the first run goes on (Exchange may be unreachable) the process is alive but not ready.", true, false,
			answer{200, "ok"}, answer{503, "no run completed yet"}},
		{"After a completed run it is ready.", true, true,
			answer{200, "ok"}, answer{200, "ok"}},
		{"Once the loop has stopped liveness fails.", false, true,
			answer{503, "stopped"}, answer{200, "ok"}},
	}
	for _, s := range steps {
		p.alive.Store(s.alive)
		p.ready.Store(s.ready)
		var got [2]answer
		got[0].Code, got[0].Body = get("/healthz")
		got[1].Code, got[1].Body = get("/readyz")
		if diff := cmp.Diff([2]answer{s.healthz, s.readyz}, got); diff != "" {
			t.Errorf("\nReason: %s\n[/healthz, /readyz]: -want, +got:\n%s", s.reason, diff)
		}
	}

	m.observeRun(&controller.Report{Mode: controller.ModeDiff, Commands: map[string]int{"WIN20081": 1},
		ChangeSet: &controller.ChangeSet{Entries: []*controller.Entry{entry("SendConnector", controller.ActionChange)}}},
		nil, 2*time.Second, testNow)
	code, body := get("/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for _, s := range []string{
		`exreconcile_objects{kind="SendConnector",state="drifted"} 1`,
		`exreconcile_drifted_objects{kind="SendConnector"} 1`,
		`exreconcile_degraded_objects{kind="SendConnector"} 0`,
		`exreconcile_runs_total{result="drift"} 1`,
		`exreconcile_winrm_commands_total{server="WIN20081"} 1`,
		`exreconcile_errors_total{class="Invalid"} 0`,
		`exreconcile_last_success_timestamp_seconds 1.7e+09`,
		`exreconcile_run_duration_seconds_bucket{le="2.5"} 1`,
		"go_goroutines ",
		"promhttp_metric_handler_errors_total",
	} {
		if !strings.Contains(body, s) {
			t.Errorf("/metrics lacks %q", s)
		}
	}
	resp, err := http.Post(srv.URL+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz: %s, want 405", resp.Status)
	}
}

// TestCertificateExpiryMetric: each run's certificates replace the last
// run's, so a retired certificate's series goes away after a renewal.
func TestCertificateExpiryMetric(t *testing.T) {
	m := newRunMetrics()
	notAfter := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	run := func(thumb string) {
		r := &controller.Report{Mode: controller.ModePlan, ChangeSet: &controller.ChangeSet{},
			Certificates: []controller.CertificateExpiry{{Organization: "work-com", Server: "EX01", Certificate: "mail", Thumbprint: thumb, NotAfter: notAfter}}}
		m.observeRun(r, nil, time.Second, time.Now())
	}
	run("AAAA")
	run("BBBB")
	want := `
# HELP exreconcile_certificate_expiry_timestamp_seconds NotAfter (Unix time) of each certificate declared or enabled for SMTP on each server observed at the last run (the Exchange Auth certificate left out).
# TYPE exreconcile_certificate_expiry_timestamp_seconds gauge
exreconcile_certificate_expiry_timestamp_seconds{certificate="mail",organization="work-com",server="EX01",thumbprint="BBBB"} 1.7999712e+09
`
	if err := testutil.GatherAndCompare(m.registry, strings.NewReader(want), "exreconcile_certificate_expiry_timestamp_seconds"); err != nil {
		t.Error(err)
	}
}
