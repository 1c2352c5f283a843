// Package verify proves on the wire what exreconcile configured: for each
// receive connector it opens an SMTP session to the connector's binding,
// says EHLO, and runs named checks (STARTTLS offered, the TLS version, the
// certificate Exchange should select, RequireTLS and BasicAuthRequireTLS
// enforced), each with the transcript lines that prove it. Nothing is sent
// past MAIL FROM; no mail is delivered.
//
// The input is a plain Probe per connector, so callers can build it from
// manifests (ProbesFromSite) or from what they observed on the server.
package verify

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// Probe is one receive connector to check from the outside.
type Probe struct {
	// Organization, Server and Connector name the connector in results.
	Organization string `json:"organization,omitempty"`
	Server       string `json:"server"`
	Connector    string `json:"connector"`
	// ServerFQDN is dialled for a binding on 0.0.0.0 or [::].
	ServerFQDN string `json:"serverFQDN"`
	// Bindings are the connector's local endpoints; one session per
	// distinct dial target.
	Bindings []value.IPBinding `json:"bindings"`
	// RemoteIPRanges are the client addresses the connector accepts; empty
	// means every address.
	RemoteIPRanges []value.IPRange `json:"remoteIPRanges,omitempty"`
	// FQDN is the connector's Fqdn: the name its certificate must cover.
	FQDN string `json:"fqdn"`
	// AuthMechanism is the connector's AuthMechanism.
	AuthMechanism value.AuthMechanisms `json:"authMechanism"`
	// RequireTLS is the connector's RequireTLS.
	RequireTLS bool `json:"requireTLS"`
	// Expected is the certificate Exchange should present; nil when it
	// cannot be told (CertificateSelected is then skipped, saying why).
	Expected *ExpectedCertificate `json:"expected,omitempty"`
	// ExpectedUnknown says why Expected is nil.
	ExpectedUnknown string `json:"expectedUnknown,omitempty"`
	// Disabled connectors are reported Skipped, not probed.
	Disabled bool `json:"disabled,omitempty"`
}

// ExpectedCertificate identifies a certificate by thumbprint, or by issuer
// and subject as TlsCertificateName names them; Source says where the
// expectation comes from.
type ExpectedCertificate struct {
	Thumbprint string `json:"thumbprint,omitempty"`
	Issuer     string `json:"issuer,omitempty"`
	Subject    string `json:"subject,omitempty"`
	Source     string `json:"source"`
}

// Options tune a Run.
type Options struct {
	// EHLO is the name sent with EHLO (default: this host's name).
	EHLO string
	// ConnectTo redirects dial targets (curl's --connect-to).
	ConnectTo []ConnectTo
	// Timeout bounds each session (default 30s).
	Timeout time.Duration
	// Parallel sessions at once (default 4).
	Parallel int
	// Now is the time certificates are judged at (default time.Now).
	Now func() time.Time
	// Dial opens a TCP connection (default net.Dialer); tests replace it.
	Dial DialFunc
}

// Status is the outcome of one probe.
type Status string

// Probe outcomes.
const (
	// StatusPassed: every check passed (or was skipped, saying why).
	StatusPassed Status = "Passed"
	// StatusFailed: at least one check failed.
	StatusFailed Status = "Failed"
	// StatusNotProbeableFromHere: the connector's remote IP ranges do not
	// hold this host's address (or another connector answers it), so
	// Exchange would not let this host talk to it. Not a failure.
	StatusNotProbeableFromHere Status = "NotProbeableFromHere"
	// StatusSkipped: nothing to probe (the connector is disabled, or its
	// bindings are neither declared nor implied by its usage). Not a
	// failure.
	StatusSkipped Status = "Skipped"
	// StatusError: the session could not be held (connection refused,
	// timeout, protocol error).
	StatusError Status = "Error"
)

// Result is what one probe found.
type Result struct {
	Organization string `json:"organization,omitempty"`
	Server       string `json:"server"`
	Connector    string `json:"connector"`
	Binding      string `json:"binding"`
	// Target is the host:port dialled, Address where it went after
	// --connect-to.
	Target  string `json:"target"`
	Address string `json:"address,omitempty"`
	// ClientAddress is this host's address as the server saw it.
	ClientAddress  string   `json:"clientAddress,omitempty"`
	Status         Status   `json:"status"`
	Message        string   `json:"message,omitempty"`
	RemoteIPRanges []string `json:"remoteIPRanges,omitempty"`
	Checks         []Check  `json:"checks,omitempty"`
	Transcript     []string `json:"transcript,omitempty"`
}

// Report is the result of a Run.
type Report struct {
	Results []Result `json:"results"`
	Passed  int      `json:"passed"`
	Failed  int      `json:"failed"`
	// NotProbeable counts NotProbeableFromHere and Skipped results.
	NotProbeable int `json:"notProbeable"`
	Errors       int `json:"errors"`
}

// Exit codes of a verification: 0 everything passed, 1 a probe could not be
// run, 3 a check failed.
const (
	ExitOK     = 0
	ExitError  = 1
	ExitFailed = 3
)

// ExitCode is 1 when a probe could not be run, else 3 when a check
// failed, else 0.
func (r *Report) ExitCode() int {
	switch {
	case r.Errors > 0:
		return ExitError
	case r.Failed > 0:
		return ExitFailed
	}
	return ExitOK
}

// Run probes every connector, Parallel at a time, and returns the results
// in the order of probes (then bindings).
func Run(ctx context.Context, probes []Probe, opts Options) *Report {
	opts = opts.withDefaults()
	type job struct {
		probe  Probe
		target target
	}
	var jobs []job
	for _, p := range probes {
		ts := targets(p)
		if len(ts) == 0 || p.Disabled {
			jobs = append(jobs, job{probe: p})
		}
		for _, t := range ts {
			if !p.Disabled {
				jobs = append(jobs, job{p, t})
			}
		}
	}
	results := make([]Result, len(jobs))
	sem := make(chan struct{}, opts.Parallel)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if j.target.host == "" {
				results[i] = skippedResult(j.probe)
				return
			}
			results[i] = probeOne(ctx, j.probe, j.target, probes, opts)
		}()
	}
	wg.Wait()
	rep := &Report{Results: results}
	for _, r := range results {
		switch r.Status {
		case StatusPassed:
			rep.Passed++
		case StatusFailed:
			rep.Failed++
		case StatusNotProbeableFromHere, StatusSkipped:
			rep.NotProbeable++
		default:
			rep.Errors++
		}
	}
	return rep
}

func skippedResult(p Probe) Result {
	r := Result{Organization: p.Organization, Server: p.Server, Connector: p.Connector, Status: StatusSkipped}
	if p.Disabled {
		r.Message = "the connector is declared disabled"
	} else {
		r.Message = "the connector's bindings are not declared (nor implied by a Client or Internal usage), so where it listens is unknown"
	}
	return r
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Dial == nil {
		o.Dial = defaultDial
	}
	if o.EHLO == "" {
		o.EHLO = DefaultEHLOName()
	}
	return o
}

// target is one dial target of a probe: host:port and the binding it
// stands for.
type target struct {
	binding value.IPBinding
	host    string
	port    uint16
}

func (t target) String() string { return joinHostPort(t.host, t.port) }

// targets returns one target per distinct host:port of p's bindings: the
// binding's address, or the server's FQDN for 0.0.0.0 and [::] (so
// "0.0.0.0:25" and "[::]:25" are one session).
func targets(p Probe) []target {
	var out []target
	seen := map[string]bool{}
	for _, b := range p.Bindings {
		t := target{binding: b, host: b.IP.String(), port: b.Port}
		if b.IsAnyAddress() {
			t.host = strings.ToLower(p.ServerFQDN)
		}
		if !seen[t.String()] {
			seen[t.String()] = true
			out = append(out, t)
		}
	}
	return out
}

// answering returns the probe Exchange would hand a client of addr that
// reached t on p's server, among the probes of that server: the one whose
// remote ranges hold addr most specifically (Microsoft's "Receive
// connectors" page: "the remote IP address range that has the most specific
// match to the connecting server's IP address is used"). nil when none.
func answering(all []Probe, p Probe, t target, addr netip.Addr) *Probe {
	var best *Probe
	var bestSize float64
	for i := range all {
		q := &all[i]
		if !strings.EqualFold(q.Server, p.Server) || !strings.EqualFold(q.Organization, p.Organization) || !listensOn(*q, t.binding) {
			continue
		}
		size, ok := smallestRange(q.RemoteIPRanges, addr)
		if !ok {
			continue
		}
		if best == nil || size < bestSize || (size == bestSize && q.Connector == p.Connector) {
			best, bestSize = q, size
		}
	}
	return best
}

func listensOn(p Probe, b value.IPBinding) bool {
	for _, x := range p.Bindings {
		if x == b || x.Conflicts(b) {
			return true
		}
	}
	return false
}

// smallestRange is the size of the smallest range holding addr (every
// address when ranges is empty).
func smallestRange(ranges []value.IPRange, addr netip.Addr) (float64, bool) {
	if len(ranges) == 0 {
		return 1 << 128, true
	}
	best, ok := 0.0, false
	for _, r := range ranges {
		if !r.ContainsAddr(addr) {
			continue
		}
		size := rangeSize(r)
		if !ok || size < best {
			best, ok = size, true
		}
	}
	return best, ok
}

func rangeSize(r value.IPRange) float64 {
	lo, hi := r.Start.As16(), r.End.As16()
	var a, b float64
	for i := 0; i < 16; i++ {
		a = a*256 + float64(lo[i])
		b = b*256 + float64(hi[i])
	}
	return b - a + 1
}

func rangeStrings(rs []value.IPRange) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

func joinHostPort(host string, port uint16) string {
	if strings.Contains(host, ":") {
		return fmt.Sprintf("[%s]:%d", host, port)
	}
	return fmt.Sprintf("%s:%d", host, port)
}
