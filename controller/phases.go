package controller

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
)

// The phases of a certificate rotation.
//
// An ordinary run applies every change of a server in one command. When a
// certificate behind a tlsCertificateRef changes (a renewed file: a new
// thumbprint, maybe a new issuer) the order matters: a connector that
// names a certificate its server does not hold offers no STARTTLS, and
// Exchange refuses to remove a certificate a connector still names. So an
// organisation where a referenced certificate is imported or enabled in
// this run, or where a superseded certificate is retired, is applied in
// phases, each one command per server that has work in it:
//
//  1. import and enable SMTP: every certificate entry (and every change
//     that does not depend on the rotation);
//  2. switch references: the connectors and the hybrid configuration that
//     follow a rotating certificate, planned again from what Exchange
//     reports after phase 1; a send connector only once all its source
//     servers hold the certificate, a receive connector once its server
//     does, the hybrid configuration once every server of the certificate
//     does;
//  3. verify: the observation that ended phase 2 must show every switched
//     reference as declared;
//  4. retire superseded certificates (retireSuperseded: true).
//
// The scope of a failure is the rotating certificate: when a phase fails
// for it on any server, its later phases do not run anywhere, and the
// report says what is left; a rerun plans the rest.

// Reasons of the phases.
const (
	// ReasonRotationStopped: an earlier phase of the certificate's rotation
	// failed, so this step did not run.
	ReasonRotationStopped Reason = "RotationStopped"
)

// Phase numbers.
const (
	phaseImport = 1
	phaseSwitch = 2
	phaseVerify = 3
	phaseRetire = 4
)

var phaseNames = map[int]string{
	phaseImport: "import and enable SMTP",
	phaseSwitch: "switch references",
	phaseVerify: "verify",
	phaseRetire: "retire superseded certificates",
}

// PhaseOutcome is what became of a phase.
type PhaseOutcome string

// Phase outcomes.
const (
	PhasePlanned PhaseOutcome = "planned"
	PhaseDone    PhaseOutcome = "done"
	PhaseFailed  PhaseOutcome = "failed"
	PhaseStopped PhaseOutcome = "stopped"
	PhaseEmpty   PhaseOutcome = "nothing to do"
)

// Phase is one ordered step of an organisation's certificate rotation, as
// plan shows it and apply reports it (-o json|yaml: changeSet.phases).
type Phase struct {
	Organization string `json:"organization"`
	Number       int    `json:"number"`
	Name         string `json:"name"`
	// Certificates are the rotating ExchangeCertificates.
	Certificates []string `json:"certificates"`
	// Steps are the objects of the phase, per server (one WinRM command each).
	Steps   []PhaseStep  `json:"steps,omitempty"`
	Outcome PhaseOutcome `json:"outcome"`
	Message string       `json:"message,omitempty"`
	// Left lists what did not run and waits for a rerun.
	Left []string `json:"left,omitempty"`
}

// PhaseStep is the work of one phase on one server.
type PhaseStep struct {
	Server  string   `json:"server"`
	Objects []string `json:"objects"`
}

// rotation is the phase plan of one organisation.
type rotation struct {
	org *orgRun
	// certs are the rotating certificates' names.
	certs   []string
	phaseOf map[*Entry]int
	// certOf is the rotating certificate an entry belongs to ("" for the
	// changes that only ride along in phase 1).
	certOf map[*Entry]string
	phases []*Phase
	// stopped are the certificates whose rotation stopped, with why.
	stopped map[string]string
}

// phaseState is the phase layer's part of a run.
type phaseState struct {
	rotations []*rotation
	blocked   map[*Entry]bool
	// current is the phase being applied, 0 outside a phased apply.
	current int
}

// rotationOf returns the rotation of an organisation, nil when it has none.
func (r *runner) rotationOf(org string) *rotation {
	for _, rt := range r.phases.rotations {
		if rt.org.org.Name == org {
			return rt
		}
	}
	return nil
}

// entryPhase is the phase an entry's calls run in (phase 1 outside a rotation).
func (r *runner) entryPhase(e *Entry) int {
	if rt := r.rotationOf(e.Organization); rt != nil {
		if p, ok := rt.phaseOf[e]; ok {
			return p
		}
	}
	return phaseImport
}

// planPhases finds, per organisation, whether the change set rotates a
// certificate, and if so assigns every changed entry its phase.
func (r *runner) planPhases(orgs []*orgRun, cs *ChangeSet) {
	r.phases = phaseState{blocked: map[*Entry]bool{}}
	cs.Phases = nil
	for _, o := range orgs {
		certWork := map[string]bool{}
		for _, e := range cs.Entries {
			if e.Organization == o.org.Name && e.Kind == v1alpha1.KindExchangeCertificate && o.supersededOf(e) == "" && e.Changed() {
				certWork[e.Name] = true
			}
		}
		rotating := map[string]bool{}
		refOf := map[*Entry]string{}
		for _, e := range cs.Entries {
			if e.Organization != o.org.Name || !e.Changed() {
				continue
			}
			if name := o.supersededOf(e); name != "" {
				rotating[name] = true
				continue
			}
			cr := o.refs[e.Key()]
			// A reference switches in phase 2 when its certificate is
			// imported or enabled in this run, or when a server that must
			// hold it does not (yet): then phase 2 waits for it.
			if cr == nil || cr.cert == nil || !(certWork[cr.cert.Name] || len(cr.missing) > 0) || !hasField(e, "tlsCertificateName") {
				continue
			}
			rotating[cr.cert.Name] = true
		}
		if len(rotating) == 0 {
			continue
		}
		// Every switch to a rotating certificate runs in phase 2, also one
		// that would not need to wait by itself (a rerun that retires
		// what an earlier run left): phase 4 follows its verification.
		for _, e := range cs.Entries {
			if cr := o.refs[e.Key()]; e.Organization == o.org.Name && e.Changed() && cr != nil && cr.cert != nil &&
				rotating[cr.cert.Name] && hasField(e, "tlsCertificateName") {
				refOf[e] = cr.cert.Name
			}
		}
		rt := &rotation{org: o, phaseOf: map[*Entry]int{}, certOf: map[*Entry]string{}, stopped: map[string]string{}}
		for name := range rotating {
			rt.certs = append(rt.certs, name)
		}
		sort.Strings(rt.certs)
		for _, e := range cs.Entries {
			if e.Organization != o.org.Name || !e.Changed() {
				continue
			}
			switch {
			case o.supersededOf(e) != "":
				rt.phaseOf[e], rt.certOf[e] = phaseRetire, o.supersededOf(e)
			case refOf[e] != "":
				rt.phaseOf[e], rt.certOf[e] = phaseSwitch, refOf[e]
			default:
				rt.phaseOf[e] = phaseImport
				if e.Kind == v1alpha1.KindExchangeCertificate && rotating[e.Name] {
					rt.certOf[e] = e.Name
				}
			}
		}
		for _, n := range []int{phaseImport, phaseSwitch, phaseVerify, phaseRetire} {
			p := &Phase{Organization: o.org.Name, Number: n, Name: phaseNames[n], Certificates: rt.certs, Outcome: PhasePlanned}
			if n == phaseVerify {
				p.Message = "the observation that ends phase 2 must show every switched reference as declared before anything is retired"
			} else {
				p.Steps = rt.steps(cs, n)
				if len(p.Steps) == 0 {
					p.Outcome = PhaseEmpty
				}
			}
			if n == phaseSwitch && len(p.Steps) > 0 {
				p.Message = "send connectors once every source server holds the certificate, receive connectors per server, the hybrid configuration once every server of the certificate holds it"
			}
			rt.phases = append(rt.phases, p)
			cs.Phases = append(cs.Phases, p)
		}
		r.phases.rotations = append(r.phases.rotations, rt)
	}
}

// steps lists the entries of phase n per server, in change-set order.
func (rt *rotation) steps(cs *ChangeSet, n int) []PhaseStep {
	var out []PhaseStep
	for _, e := range cs.Entries {
		if p, ok := rt.phaseOf[e]; !ok || p != n {
			continue
		}
		i := 0
		for i < len(out) && !strings.EqualFold(out[i].Server, e.RunOn) {
			i++
		}
		if i == len(out) {
			out = append(out, PhaseStep{Server: e.RunOn})
		}
		out[i].Objects = append(out[i].Objects, e.Identity.String())
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Server < out[j].Server })
	return out
}

func hasField(e *Entry, name string) bool {
	for _, f := range e.Fields {
		if f.Field == name {
			return true
		}
	}
	return false
}

// applyPhases applies the change set: in one command per server when no
// organisation rotates a certificate, else phase by phase.
func (r *runner) applyPhases(ctx context.Context, orgs []*orgRun, cs *ChangeSet) {
	if len(r.phases.rotations) == 0 {
		r.applyAll(ctx, orgs, cs)
		return
	}
	defer func() { r.admit, r.restartFilter, r.phases.current = nil, nil, 0 }()
	last := r.lastPhases(cs)
	r.restartFilter = func(rs *Restart) bool {
		return max(last[strings.ToLower(rs.Organization+"/"+rs.Server)], phaseImport) == r.phases.current
	}
	for _, n := range []int{phaseImport, phaseSwitch, phaseRetire} {
		switch n {
		case phaseSwitch:
			r.refresh(cs, n)
			r.gate(cs, n)
		case phaseRetire:
			r.refresh(cs, n)
			r.verifyRotations(cs)
			r.gate(cs, n)
		}
		r.phases.current = n
		r.admit = func(e *Entry) bool { return r.entryPhase(e) == n && !r.phases.blocked[e] }
		for _, rt := range r.phases.rotations {
			r.progress(rt.org.org.Name, "certificate rotation, phase %d: %s", n, phaseNames[n])
		}
		r.applyAll(ctx, orgs, cs)
		r.recordPhase(n)
	}
	for _, rs := range cs.Restarts {
		if rs.Outcome == RestartPlanned && r.rotationOf(rs.Organization) != nil {
			rs.Outcome, rs.Message = RestartSkipped, "not run: the rotation phase it belonged to was stopped"
		}
	}
}

// lastPhases is, per organisation and server, the last phase with work there:
// a planned restart runs after it (in phase 1 where the server has none).
func (r *runner) lastPhases(cs *ChangeSet) map[string]int {
	out := map[string]int{}
	for _, e := range cs.Entries {
		if !e.Changed() {
			continue
		}
		k := strings.ToLower(e.Organization + "/" + e.RunOn)
		if p := r.entryPhase(e); p > out[k] {
			out[k] = p
		}
	}
	return out
}

// refresh makes what the last phase's commands read back the observation of
// their servers, and plans the entries of phase n again from it: a switch
// then names the certificate as Exchange reports it once imported, not as
// the plan forecast it from the file.
func (r *runner) refresh(cs *ChangeSet, n int) {
	for _, rt := range r.phases.rotations {
		for _, s := range rt.org.servers {
			if s.applied && s.verifyErr == nil && s.verified != nil && s.verified.Err() == nil {
				s.obs = s.verified
			}
		}
		fresh := &ChangeSet{}
		r.plan(rt.org, fresh)
		for e, p := range rt.phaseOf {
			if p != n || r.phases.blocked[e] {
				continue
			}
			now := fresh.find(e.Identity)
			switch {
			case now == nil:
				e.setCalls()
				r.phases.blocked[e] = true
				e.status().Set(conditionIsFalse(ConditionSynced, ReasonRotationStopped,
					fmt.Sprintf("not run: no longer found when phase %d (%s) was planned again", n, phaseNames[n])))
			case !now.Changed():
				// What the earlier phases left makes it unnecessary (or, for
				// a superseded certificate, not allowed any more): the
				// entry says so instead of claiming a change.
				e.Action, e.Fields, e.Notes = now.Action, now.Fields, now.Notes
				e.setCalls()
			default:
				e.Fields = now.Fields
				e.setCalls(now.calls...)
			}
		}
	}
}

// gate stops the entries of phase n whose certificate's rotation cannot go on.
func (r *runner) gate(cs *ChangeSet, n int) {
	for _, rt := range r.phases.rotations {
		for _, name := range rt.certs {
			if why := rt.failure(n-1, name); why != "" && rt.stopped[name] == "" {
				rt.stopped[name] = why
			}
		}
		for _, e := range cs.Entries {
			if rt.phaseOf[e] != n {
				continue
			}
			name := rt.certOf[e]
			why := rt.stopped[name]
			if why == "" && n == phaseSwitch {
				if cr := rt.org.refs[e.Key()]; cr != nil && len(cr.missing) > 0 {
					why = fmt.Sprintf("certificate %q is not yet known to be on %s", name, strings.Join(cr.missing, ", "))
				}
			}
			if why == "" {
				continue
			}
			r.phases.blocked[e] = true
			e.status().Set(conditionIsFalse(ConditionSynced, ReasonRotationStopped,
				fmt.Sprintf("not run: phase %d (%s) of certificate %q: %s", n, phaseNames[n], name, why)))
		}
	}
}

// failure says why the phases up to n failed for certificate name, "" when
// they did not.
func (rt *rotation) failure(n int, name string) string {
	if why := rt.stopped[name]; why != "" {
		return why
	}
	var failed []string
	for e, p := range rt.phaseOf {
		if p > n || rt.certOf[e] != name || e.Status == nil {
			continue
		}
		if c, ok := e.Status.Get(ConditionSynced); ok && c.Status == ConditionFalse {
			failed = append(failed, e.Identity.String()+": "+c.Message)
		}
	}
	if len(failed) == 0 {
		return ""
	}
	sort.Strings(failed)
	return "phase failed for " + strings.Join(failed, "; ")
}

// verifyRotations is phase 3: every switched reference must read back as
// declared in the observation that ended phase 2.
func (r *runner) verifyRotations(cs *ChangeSet) {
	for _, rt := range r.phases.rotations {
		// A certificate whose switch failed is not verified: its rotation
		// stopped there.
		for _, name := range rt.certs {
			if why := rt.failure(phaseSwitch, name); why != "" && rt.stopped[name] == "" {
				rt.stopped[name] = why
			}
		}
		fresh := &ChangeSet{}
		r.plan(rt.org, fresh)
		var problems []string
		byCert := map[string][]string{}
		for e, p := range rt.phaseOf {
			if p != phaseSwitch || r.phases.blocked[e] || rt.stopped[rt.certOf[e]] != "" {
				continue
			}
			if now := fresh.find(e.Identity); now != nil && now.Changed() {
				var fields []string
				for _, f := range now.Fields {
					fields = append(fields, fmt.Sprintf("%s: %s -> %s", f.Field, f.Actual, f.Desired))
				}
				msg := e.Identity.String() + " still differs: " + strings.Join(fields, "; ")
				byCert[rt.certOf[e]] = append(byCert[rt.certOf[e]], msg)
				problems = append(problems, msg)
			}
		}
		for name, msgs := range byCert {
			if rt.stopped[name] == "" {
				sort.Strings(msgs)
				rt.stopped[name] = "verify: " + strings.Join(msgs, "; ")
			}
		}
		p := rt.phase(phaseVerify)
		sort.Strings(problems)
		switch {
		case len(problems) > 0:
			p.Outcome, p.Message = PhaseFailed, strings.Join(problems, "; ")
		case len(rt.stopped) == len(rt.certs):
			p.Outcome, p.Message = PhaseStopped, "not run: "+rt.stoppedText()
		case len(rt.stopped) > 0:
			p.Outcome, p.Message = PhaseFailed, "the other references read back as declared; not verified: "+rt.stoppedText()
		default:
			p.Outcome, p.Message = PhaseDone, "every switched reference reads back as declared"
		}
	}
}

func (rt *rotation) phase(n int) *Phase {
	for _, p := range rt.phases {
		if p.Number == n {
			return p
		}
	}
	return &Phase{}
}

func (rt *rotation) stoppedText() string {
	var out []string
	for _, name := range rt.certs {
		if why := rt.stopped[name]; why != "" {
			out = append(out, fmt.Sprintf("certificate %q: %s", name, why))
		}
	}
	return strings.Join(out, "; ")
}

// recordPhase sets the outcome of phase n of every rotation from its entries.
func (r *runner) recordPhase(n int) {
	for _, rt := range r.phases.rotations {
		p := rt.phase(n)
		if len(p.Steps) == 0 {
			continue
		}
		var done, failed, stopped int
		p.Left = nil
		for _, e := range rt.sortedEntries(n) {
			c, _ := e.status().Get(ConditionSynced)
			switch {
			case r.phases.blocked[e]:
				stopped++
				p.Left = append(p.Left, e.Identity.String())
			case c.Status == ConditionFalse:
				failed++
				p.Left = append(p.Left, e.Identity.String())
			default:
				done++
			}
		}
		switch {
		case failed > 0:
			p.Outcome, p.Message = PhaseFailed, fmt.Sprintf("%d done, %d failed, %d not run", done, failed, stopped)
		case stopped > 0 && done == 0:
			p.Outcome, p.Message = PhaseStopped, "not run: "+rt.stoppedText()
		case stopped > 0:
			p.Outcome, p.Message = PhaseFailed, fmt.Sprintf("%d done, %d not run: %s", done, stopped, rt.stoppedText())
		default:
			p.Outcome = PhaseDone
		}
	}
}

// sortedEntries are the entries of phase n in identity order.
func (rt *rotation) sortedEntries(n int) []*Entry {
	var out []*Entry
	for e, p := range rt.phaseOf {
		if p == n {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Identity.Key() < out[j].Identity.Key() })
	return out
}

// writePhases writes the phases of each rotating organisation for the text
// report: after the objects, before the restarts.
func writePhases(b *strings.Builder, phases []*Phase, m Mode) {
	org := ""
	for _, p := range phases {
		if p.Organization != org {
			org = p.Organization
			fmt.Fprintf(b, "Certificate rotation of %s (%s), in this order, one WinRM command per server and phase:\n",
				org, strings.Join(quoteAll(p.Certificates), ", "))
		}
		fmt.Fprintf(b, "  %d. %s", p.Number, p.Name)
		if m == ModeApply || p.Outcome == PhaseEmpty {
			fmt.Fprintf(b, ": %s", p.Outcome)
		}
		b.WriteString("\n")
		for _, s := range p.Steps {
			fmt.Fprintf(b, "     on %s: %s\n", s.Server, strings.Join(s.Objects, ", "))
		}
		// A plan explains each phase; apply says only what went wrong.
		if p.Message != "" && (m != ModeApply || p.Outcome != PhaseDone) {
			fmt.Fprintf(b, "     %s\n", p.Message)
		}
		if len(p.Left) > 0 {
			fmt.Fprintf(b, "     left for a rerun: %s\n", strings.Join(p.Left, ", "))
		}
	}
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return out
}

// phaseScripts is --show-script for a run with a rotation: one script per
// server and phase, named "SERVER, phase N (name)" for the servers of a
// rotating organisation. The switch scripts show the names the plan
// forecast; apply plans them again from what Exchange reports.
func (r *runner) phaseScripts(orgs []*orgRun, cs *ChangeSet) map[string]string {
	defer func() { r.admit, r.restartFilter, r.phases.current = nil, nil, 0 }()
	last := r.lastPhases(cs)
	r.restartFilter = func(rs *Restart) bool {
		return max(last[strings.ToLower(rs.Organization+"/"+rs.Server)], phaseImport) == r.phases.current
	}
	rotating := map[string]bool{}
	for _, rt := range r.phases.rotations {
		for _, s := range rt.org.servers {
			rotating[s.spec.Name] = true
		}
	}
	out := map[string]string{}
	for _, n := range []int{phaseImport, phaseSwitch, phaseRetire} {
		r.phases.current = n
		r.admit = func(e *Entry) bool { return r.entryPhase(e) == n }
		for server, script := range r.scripts(orgs, cs) {
			if rotating[server] {
				server = fmt.Sprintf("%s, phase %d (%s)", server, n, phaseNames[n])
			}
			out[server] = script
		}
	}
	return out
}
