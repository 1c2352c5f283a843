package main

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/controller"
	"github.com/exreconcile/exreconcile/exchange"
)

// Results of a run, the result label of exreconcile_runs_total.
const (
	// resultSuccess: every object was observed and is as declared (after apply, in apply mode).
	resultSuccess = "success"
	// resultDrift: no error, but something differed from the declaration: still differs
	// (observe-only), or differed and was repaired (apply).
	resultDrift = "drift"
	// resultError: invalid manifests, a run that could not start, or a report that failed
	// (Report.Failed: a server, a call, an unhealthy object, a difference left after apply).
	resultError = "error"
)

// Object states, the state label of exreconcile_objects.
const (
	stateInSync  = "in_sync"
	stateDrifted = "drifted"
	stateUnknown = "unknown"
)

// classInvalid is the exreconcile_errors_total class of a manifest set that failed
// validation; the other classes are exchange.Class values.
const classInvalid = "Invalid"

// knownKinds are always exported, at zero when none is declared, so that an alert on a
// kind has a series to read.
var knownKinds = []string{v1alpha1.KindExchangeCertificate, v1alpha1.KindSendConnector, v1alpha1.KindReceiveConnector, v1alpha1.KindTransportConfig,
	v1alpha1.KindTrustedRootCertificate, v1alpha1.KindHybridConfiguration}

// knownClasses start exreconcile_errors_total at zero, so that increase() sees the first error.
var knownClasses = []string{
	classInvalid, string(exchange.ClassNotFound), string(exchange.ClassInvalid), string(exchange.ClassAccessDenied),
	string(exchange.ClassSession), string(exchange.ClassTransport), string(exchange.ClassOther),
	string(controller.ClassRefused), string(controller.ClassTimedOut),
}

// runMetrics are the Prometheus metrics of `exreconcile run`, in a registry of their own
// (with the Go and process collectors) rather than the global one.
type runMetrics struct {
	registry *prometheus.Registry

	objects     *prometheus.GaugeVec
	outcomes    *prometheus.GaugeVec
	certExpiry  *prometheus.GaugeVec
	drifted     *prometheus.GaugeVec
	degraded    *prometheus.GaugeVec
	lastSuccess prometheus.Gauge
	duration    prometheus.Histogram
	runs        *prometheus.CounterVec
	commands    *prometheus.CounterVec
	errors      *prometheus.CounterVec

	mu sync.Mutex
	// kinds are the kinds whose gauges have been set, so that a kind no longer declared
	// drops to zero instead of keeping its last count.
	kinds map[string]bool
}

// newRunMetrics registers every metric in a new registry.
func newRunMetrics() *runMetrics {
	m := &runMetrics{
		registry: prometheus.NewRegistry(),
		objects: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "exreconcile_objects",
			Help: "Declared objects by kind and state (in_sync, drifted, unknown: its server could not be observed) at the last run.",
		}, []string{"kind", "state"}),
		outcomes: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "exreconcile_object_outcomes",
			Help: "Declared objects by kind and outcome of the last run (created, changed, removed, replaced, refused, failed, skipped, unchanged), the outcomes of the text and JSON reports.",
		}, []string{"kind", "outcome"}),
		certExpiry: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "exreconcile_certificate_expiry_timestamp_seconds",
			Help: "NotAfter (Unix time) of each certificate declared or enabled for SMTP on each server observed at the last run (the Exchange Auth certificate left out).",
		}, []string{"organization", "server", "certificate", "thumbprint"}),
		drifted: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "exreconcile_drifted_objects",
			Help: "Objects that differ from their declaration at the end of the last run (after apply, in apply mode).",
		}, []string{"kind"}),
		degraded: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "exreconcile_degraded_objects",
			Help: "Objects with condition Degraded: still differing after apply, or unhealthy (a certificate without its private key, say).",
		}, []string{"kind"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "exreconcile_last_success_timestamp_seconds",
			Help: "Unix time at which the last run without error (in sync or drift) ended.",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "exreconcile_run_duration_seconds",
			Help:    "Duration of a run: observe, and in apply mode apply and verify.",
			Buckets: []float64{1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200},
		}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "exreconcile_runs_total",
			Help: "Runs by result: success, drift (found; repaired in apply mode), error (including invalid manifests).",
		}, []string{"result"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "exreconcile_winrm_commands_total",
			Help: "WinRM commands run, by Exchange server.",
		}, []string{"server"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "exreconcile_errors_total",
			Help: "Errors by class: the Exchange error classes (Transport, AccessDenied, ...) and Invalid for manifests that failed validation.",
		}, []string{"class"}),
		kinds: map[string]bool{},
	}
	m.registry.MustRegister(m.objects, m.outcomes, m.certExpiry, m.drifted, m.degraded, m.lastSuccess, m.duration, m.runs, m.commands, m.errors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, r := range []string{resultSuccess, resultDrift, resultError} {
		m.runs.WithLabelValues(r)
	}
	for _, c := range knownClasses {
		m.errors.WithLabelValues(c)
	}
	for _, k := range knownKinds {
		m.kinds[k] = true
	}
	m.setObjects(nil)
	return m
}

// kindCounts are the objects of one kind of a report, by state.
type kindCounts struct {
	inSync, drifted, unknown, degraded int
	outcomes                           map[controller.Outcome]int
}

// objectState says whether an entry of a report is in sync, drifted or unknown at the end of
// its run. In apply mode, an entry that changed and then verified (Ready True) is in sync.
func objectState(mode controller.Mode, e *controller.Entry) string {
	switch {
	case e.Action == controller.ActionUnknown:
		return stateUnknown
	case !e.Changed():
		return stateInSync
	case mode == controller.ModeApply && conditionTrue(e, controller.ConditionReady):
		return stateInSync
	}
	return stateDrifted
}

// conditionTrue reports whether e has condition t with status True.
func conditionTrue(e *controller.Entry, t controller.ConditionType) bool {
	return e.Status != nil && e.Status.Is(t, controller.ConditionTrue)
}

// tally counts the entries of r by kind and state.
func tally(r *controller.Report) map[string]*kindCounts {
	out := map[string]*kindCounts{}
	if r == nil || r.ChangeSet == nil {
		return out
	}
	for _, e := range r.ChangeSet.Entries {
		k := out[e.Kind]
		if k == nil {
			k = &kindCounts{outcomes: map[controller.Outcome]int{}}
			out[e.Kind] = k
		}
		k.outcomes[e.Outcome]++
		switch objectState(r.Mode, e) {
		case stateUnknown:
			k.unknown++
		case stateDrifted:
			k.drifted++
		default:
			k.inSync++
		}
		if conditionTrue(e, controller.ConditionDegraded) {
			k.degraded++
		}
	}
	return out
}

// runResult classifies a run; err is what controller.Run returned.
func runResult(r *controller.Report, err error) string {
	switch {
	case err != nil || r == nil || r.Failed():
		return resultError
	case r.ChangeSet.HasChanges():
		return resultDrift
	}
	return resultSuccess
}

// observeRun records one controller run that ended at now and returns its result. A run
// that returned a report replaces the object gauges; one that could not start (err) leaves
// them as the last report set them.
func (m *runMetrics) observeRun(r *controller.Report, err error, d time.Duration, now time.Time) string {
	res := runResult(r, err)
	m.duration.Observe(d.Seconds())
	m.runs.WithLabelValues(res).Inc()
	if err != nil || r == nil {
		for _, e := range splitJoined(err) {
			m.errors.WithLabelValues(string(exchange.ClassOf(e))).Inc()
		}
		return res
	}
	for srv, n := range r.Commands {
		m.commands.WithLabelValues(srv).Add(float64(n))
	}
	for _, e := range r.ChangeSet.Errors {
		class := e.Class
		if class == "" {
			class = exchange.ClassOther
		}
		m.errors.WithLabelValues(string(class)).Inc()
	}
	m.setObjects(r)
	// Certificates come and go with renewals: the last run's list replaces
	// the previous one.
	m.certExpiry.Reset()
	for _, c := range r.Certificates {
		m.certExpiry.WithLabelValues(c.Organization, c.Server, c.Certificate, c.Thumbprint).Set(float64(c.NotAfter.Unix()))
	}
	if res != resultError {
		m.lastSuccess.Set(float64(now.UnixNano()) / 1e9)
	}
	return res
}

// invalidManifests records an iteration whose manifests failed validation: an error run
// that changes no gauge.
func (m *runMetrics) invalidManifests() {
	m.runs.WithLabelValues(resultError).Inc()
	m.errors.WithLabelValues(classInvalid).Inc()
}

// setObjects sets the object gauges from r (all zero for nil). Every label set is
// overwritten rather than reset, so that a scrape never sees a series missing.
func (m *runMetrics) setObjects(r *controller.Report) {
	counts := tally(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range counts {
		m.kinds[k] = true
	}
	for k := range m.kinds {
		c := counts[k]
		if c == nil {
			c = &kindCounts{}
		}
		m.objects.WithLabelValues(k, stateInSync).Set(float64(c.inSync))
		m.objects.WithLabelValues(k, stateDrifted).Set(float64(c.drifted))
		m.objects.WithLabelValues(k, stateUnknown).Set(float64(c.unknown))
		for _, o := range controller.Outcomes {
			m.outcomes.WithLabelValues(k, string(o)).Set(float64(c.outcomes[o]))
		}
		m.drifted.WithLabelValues(k).Set(float64(c.drifted))
		m.degraded.WithLabelValues(k).Set(float64(c.degraded))
	}
}

// splitJoined returns the errors an errors.Join holds (controller.Run joins one per
// organisation), or err alone.
func splitJoined(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// probes are what /healthz and /readyz answer from.
type probes struct {
	// alive is true while the loop runs; /healthz does not depend on Exchange.
	alive atomic.Bool
	// ready is true once a run has returned a report.
	ready atomic.Bool
}

// newMux serves /metrics from m's registry, /healthz (200 while the loop is alive) and
// /readyz (200 once a run has completed).
func newMux(m *runMetrics, p *probes) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry}))
	probe := func(ok *atomic.Bool, notOK string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			if !ok.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(notOK))
				return
			}
			_, _ = w.Write([]byte("ok"))
		}
	}
	mux.HandleFunc("GET /healthz", probe(&p.alive, "stopped"))
	mux.HandleFunc("GET /readyz", probe(&p.ready, "no run completed yet"))
	return mux
}
