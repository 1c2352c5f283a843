package controller

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/api/v1alpha1"

	"sigs.k8s.io/yaml"
)

// Mode says which command produced a change set, for the report's wording.
type Mode string

// Modes.
const (
	ModePlan  Mode = "plan"
	ModeApply Mode = "apply"
	ModeDiff  Mode = "diff"
)

// ReportAPIVersion and ReportKind head -o json|yaml: the schema of the
// machine output (README "Machine output"). Fields are only ever added
// within one version.
const (
	ReportAPIVersion = "exreconcile.io/v1alpha1"
	ReportKind       = "Report"
)

// Report is what plan, apply and diff print.
type Report struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Mode       Mode   `json:"mode"`
	// StartedAt and FinishedAt bound the run (RFC 3339, UTC).
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	// Summary counts the entries per outcome; set when the report is written.
	Totals *Summary `json:"summary"`
	// Diagnostics are the validation errors and warnings of the manifests
	// (file, line, column, field); a run that fails validation has only these.
	Diagnostics []v1alpha1.Diagnostic `json:"diagnostics"`
	ChangeSet   *ChangeSet            `json:"changeSet"`
	// Scripts are the PowerShell scripts per server (--show-script), secrets redacted.
	Scripts map[string]string `json:"scripts,omitempty"`
	// Commands counts WinRM commands per server during the run.
	Commands map[string]int `json:"winrmCommands,omitempty"`
	// Certificates are the expiry dates of the certificates that matter
	// for mail flow on each server observed: those declared and those
	// enabled for SMTP (the Exchange Auth certificate is renewed another
	// way and left out).
	Certificates []CertificateExpiry `json:"certificates,omitempty"`
}

// CertificateExpiry is one certificate on one server and when it expires.
type CertificateExpiry struct {
	Organization string `json:"organization"`
	Server       string `json:"server"`
	// Certificate is the declaring ExchangeCertificate's name, or the
	// certificate's subject when none declares it.
	Certificate string    `json:"certificate"`
	Thumbprint  string    `json:"thumbprint"`
	NotAfter    time.Time `json:"notAfter"`
}

// Legend explains every symbol of the text report; it heads any report
// that lists an object or a restart.
const Legend = "Symbols: + create, ~ change, - remove, ± replace (remove, then create), ? not observed (nothing known),\n" +
	"! restart (interrupts mail flow). Fields: actual -> declared; in a list, + element added, - element removed;\n" +
	"under + the fields it is created with.\n\n"

// WriteText writes the terraform-like report: the legend, one block per
// object that changes (or, with verbose, every object), per field
// `actual -> declared` (lists element by element, creations with their
// fields), the planned restarts, then the summary line.
func (r *Report) WriteText(w io.Writer, verbose bool) error {
	var b strings.Builder
	cs := r.ChangeSet
	legend := len(cs.Restarts) > 0 || len(cs.Phases) > 0
	for _, e := range cs.Entries {
		legend = legend || e.Changed() || verbose || len(e.Notes) > 0 || e.Action == ActionUnknown
	}
	if legend {
		b.WriteString(Legend)
	}
	for _, e := range cs.Entries {
		if !e.Changed() && !verbose && len(e.Notes) == 0 && e.Action != ActionUnknown {
			continue
		}
		fmt.Fprintf(&b, "%s %s (%s)\n", e.Action.Symbol(), e.Identity, describe(e, r.Mode))
		for _, f := range e.Fields {
			writeField(&b, e.Action, f)
		}
		for _, n := range e.Notes {
			fmt.Fprintf(&b, "    %s: %s (%s)\n", n.Severity, n.Message, n.Reason)
		}
		if e.refused != "" {
			fmt.Fprintf(&b, "    refused: %s\n", e.refused)
		}
		if e.Status != nil && r.Mode == ModeApply {
			for _, c := range e.Status.Conditions {
				if c.Type == ConditionDegraded && c.Status == ConditionTrue {
					fmt.Fprintf(&b, "    degraded: %s\n", c.Message)
				}
			}
		}
	}
	writePhases(&b, cs.Phases, r.Mode)
	for _, rs := range cs.Restarts {
		fmt.Fprintf(&b, "%s\n", rs)
		if r.Mode == ModeApply {
			if rs.Message != "" {
				fmt.Fprintf(&b, "    %s: %s\n", rs.Outcome, rs.Message)
			} else {
				fmt.Fprintf(&b, "    %s\n", rs.Outcome)
			}
		}
	}
	// Servers in name order: a map's order would change the text from one
	// run to the next.
	for _, srv := range sortedServers(r.Scripts) {
		fmt.Fprintf(&b, "\n# PowerShell for %s (secrets redacted)\n%s\n", srv, strings.TrimRight(r.Scripts[srv], "\r\n"))
	}
	for _, e := range cs.Errors {
		fmt.Fprintf(&b, "error: %s\n", e.Error())
	}
	b.WriteString(r.Summary())
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeField writes one field of an entry: under a creation the value it
// is created with, in a list the elements added and removed, otherwise
// `actual -> declared` (terraform's order).
func writeField(b *strings.Builder, a Action, f FieldDiff) {
	switch {
	case a == ActionCreate:
		fmt.Fprintf(b, "    + %s: %s\n", f.Field, escapeControl(f.Desired))
	case f.Actual == "":
		// Nothing to show of the actual value: a rotated credential.
		fmt.Fprintf(b, "    %s: %s\n", f.Field, escapeControl(f.Desired))
	case len(f.Added)+len(f.Removed) > 0:
		fmt.Fprintf(b, "    %s:\n", f.Field)
		for _, x := range f.Added {
			fmt.Fprintf(b, "      + %s\n", escapeControl(x))
		}
		for _, x := range f.Removed {
			fmt.Fprintf(b, "      - %s\n", escapeControl(x))
		}
	default:
		fmt.Fprintf(b, "    %s: %s -> %s\n", f.Field, escapeControl(f.Actual), escapeControl(f.Desired))
	}
}

// Summary is the report's last line: counts per outcome.
func (r *Report) Summary() string {
	cs := r.ChangeSet
	n := cs.count(r.Mode)
	// Outcomes that are not the normal run of things are listed only when
	// they occur.
	tail := ""
	for _, o := range []Outcome{OutcomeRefused, OutcomeFailed, OutcomeSkipped} {
		if n[o] > 0 {
			tail += fmt.Sprintf(", %d %s", n[o], o)
		}
	}
	tail += restartTail(cs.Restarts, r.Mode)
	switch {
	case n.Pending() == 0 && len(cs.Errors) == 0 && tail == "":
		if w := awaitingCount(cs); w > 0 {
			return fmt.Sprintf("No changes. %d objects in sync, %d waiting for an issued certificate.", n[OutcomeUnchanged]-w, w)
		}
		return fmt.Sprintf("No changes. %d objects in sync.", n[OutcomeUnchanged])
	case r.Mode == ModeApply:
		return fmt.Sprintf("Applied: %d created, %d changed, %d removed, %d replaced, %d unchanged%s.",
			n[OutcomeCreated], n[OutcomeChanged], n[OutcomeRemoved], n[OutcomeReplaced], n[OutcomeUnchanged], tail)
	}
	verb := "Plan"
	if r.Mode == ModeDiff {
		verb = "Drift"
	}
	return fmt.Sprintf("%s: %d to create, %d to change, %d to remove, %d to replace, %d unchanged%s.",
		verb, n[OutcomeCreated], n[OutcomeChanged], n[OutcomeRemoved], n[OutcomeReplaced], n[OutcomeUnchanged], tail)
}

// restartTail counts the restarts for the summary line: planned ones in a
// plan, by outcome after apply.
func restartTail(restarts []*Restart, m Mode) string {
	if len(restarts) == 0 {
		return ""
	}
	if m != ModeApply {
		if len(restarts) == 1 {
			return ", 1 restart"
		}
		return fmt.Sprintf(", %d restarts", len(restarts))
	}
	n := map[RestartOutcome]int{}
	for _, rs := range restarts {
		n[rs.Outcome]++
	}
	tail := ""
	for _, o := range []RestartOutcome{RestartDone, RestartPlanned, RestartFailed, RestartSkipped} {
		if n[o] == 0 {
			continue
		}
		if o == RestartDone {
			tail += fmt.Sprintf(", %d restarted", n[o])
			continue
		}
		word := "restarts"
		if n[o] == 1 {
			word = "restart"
		}
		tail += fmt.Sprintf(", %d %s %s", n[o], word, o)
	}
	return tail
}

// describe says in words what happens to an entry: its outcome after
// apply, what the plan proposes, or (diff) how it drifted.
func describe(e *Entry, m Mode) string {
	if o := e.outcome(m); m == ModeApply || o == OutcomeRefused {
		return string(o)
	}
	if m == ModeDiff {
		switch e.Action {
		case ActionCreate:
			return "missing"
		case ActionChange:
			return "drifted"
		case ActionRemove:
			return "present, declared absent"
		case ActionReplace:
			return "created with another usage"
		}
	}
	switch e.Action {
	case ActionCreate:
		return "will be created"
	case ActionChange:
		return "will be changed"
	case ActionRemove:
		return "will be removed"
	case ActionReplace:
		return "requires replacement"
	case ActionUnknown:
		return "not observed"
	}
	return "unchanged"
}

// Summary is the machine-readable summary line.
type Summary struct {
	// Outcomes counts entries per outcome; every outcome is present.
	Outcomes map[Outcome]int `json:"outcomes"`
	// Changes is whether anything differs from the declaration (diff
	// --exit-code's 2).
	Changes bool `json:"changes"`
	// Restarts counts the planned transport service restarts.
	Restarts int `json:"restarts"`
	// Errors counts the run's errors; Failed is whether it exits 1.
	Errors int  `json:"errors"`
	Failed bool `json:"failed"`
}

// prepare fills what the machine output always carries.
func (r *Report) prepare() {
	r.APIVersion, r.Kind = ReportAPIVersion, ReportKind
	if r.ChangeSet == nil {
		r.ChangeSet = &ChangeSet{}
	}
	if r.ChangeSet.Entries == nil {
		r.ChangeSet.Entries = []*Entry{}
	}
	if r.Diagnostics == nil {
		r.Diagnostics = []v1alpha1.Diagnostic{}
	}
	n := r.ChangeSet.count(r.Mode)
	sum := &Summary{Outcomes: map[Outcome]int{}, Changes: r.ChangeSet.HasChanges(), Restarts: len(r.ChangeSet.Restarts),
		Errors: len(r.ChangeSet.Errors), Failed: r.Failed()}
	for _, o := range Outcomes {
		sum.Outcomes[o] = n[o]
	}
	for _, d := range r.Diagnostics {
		if d.Severity == v1alpha1.SeverityError {
			sum.Failed = true
		}
	}
	r.Totals = sum
}

// WriteJSON writes the report as indented JSON, without HTML escaping
// (a banner's <> stays as written).
func (r *Report) WriteJSON(w io.Writer) error {
	r.prepare()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteYAML writes the report as YAML.
func (r *Report) WriteYAML(w io.Writer) error {
	r.prepare()
	data, err := yaml.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// escapeControl shows the control characters an administrator may have
// typed into a value (NUL, ESC, CR, LF, ...; C0, DEL and C1) as \xHH, so a
// value can neither break the report's lines nor drive the terminal that
// shows it.
func escapeControl(s string) string {
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f }
