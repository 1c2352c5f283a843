package controller

import (
	"fmt"
	"sort"
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// RestartOutcome is what happened to a planned transport service restart.
type RestartOutcome string

// Restart outcomes.
const (
	// RestartPlanned: plan and diff: apply will restart the service.
	RestartPlanned RestartOutcome = "planned"
	// RestartDone: apply restarted the service.
	RestartDone RestartOutcome = "restarted"
	// RestartFailed: Restart-Service failed; the service may still run
	// with the old settings.
	RestartFailed RestartOutcome = "failed"
	// RestartSkipped: the restart did not run (an earlier call on the
	// server failed, or the server could not be reached).
	RestartSkipped RestartOutcome = "skipped"
)

// Restart is one planned restart of a transport service on one server
// (restartTransportService: OnChange): an action of its own in the plan,
// because it interrupts mail flow on that server.
type Restart struct {
	Organization string `json:"organization"`
	Server       string `json:"server"`
	// Service is the Windows service name: MSExchangeTransport, or
	// MSExchangeFrontEndTransport for FrontendTransport receive
	// connectors on 2013+.
	Service string `json:"service"`
	// Because lists the objects whose change needs the restart.
	Because []string       `json:"because"`
	Outcome RestartOutcome `json:"outcome"`
	// Pending lists, for a restart no change of this run needs, the
	// connectors changed after the service's process started (pending.go).
	Pending []PendingChange `json:"pending,omitempty"`
	// Message says why a restart failed or was skipped.
	Message string `json:"message,omitempty"`
}

// String is the report's line for the restart.
func (rs *Restart) String() string {
	line := fmt.Sprintf("! restart %s on %s (interrupts mail flow)", rs.Service, rs.Server)
	if len(rs.Pending) > 0 {
		var why []string
		for _, p := range rs.Pending {
			why = append(why, p.String())
		}
		line += " (pending: " + strings.Join(why, "; ") + ")"
	}
	return line
}

// willRun reports whether apply runs the calls of e.
func (r *runner) willRun(e *Entry) bool {
	return e.Changed() && len(e.calls) > 0 && e.refused == "" && (e.Action != ActionReplace || r.opts.AllowReplace)
}

// planRestarts lists, for every organisation declaring
// restartTransportService: OnChange, the transport services of each server
// that apply changes: MSExchangeFrontEndTransport when a FrontendTransport
// receive connector of a 2013+ Mailbox server changes (docs/exchange.md
// "Receive connector usage": the front end reads those connectors),
// MSExchangeTransport for everything else (HubTransport connectors, send
// connectors, TransportConfig, certificates, 2010, Edge); then the restarts
// still pending from earlier runs (pending.go).
func (r *runner) planRestarts(orgs []*orgRun, cs *ChangeSet) {
	cs.Restarts = nil
	for _, o := range orgs {
		if o.org.Spec.RestartTransportService != v1alpha1.RestartOnChange {
			continue
		}
		byKey := map[string]*Restart{}
		for _, e := range cs.Entries {
			if e.Organization != o.org.Name || !r.willRun(e) || !readByTransport(e) {
				continue
			}
			s := o.serverByName(e.RunOn)
			if s == nil || s.err != nil {
				continue
			}
			svc := r.restartService(o, s, e)
			key := strings.ToUpper(s.spec.Name) + "\x00" + svc
			rs := byKey[key]
			if rs == nil {
				rs = &Restart{Organization: o.org.Name, Server: s.spec.Name, Service: svc, Outcome: RestartPlanned}
				byKey[key] = rs
				cs.Restarts = append(cs.Restarts, rs)
			}
			rs.Because = append(rs.Because, e.Identity.String())
		}
		r.pendingRestarts(o, cs, byKey)
	}
	sort.SliceStable(cs.Restarts, func(i, j int) bool {
		a, b := cs.Restarts[i], cs.Restarts[j]
		if a.Organization != b.Organization {
			return a.Organization < b.Organization
		}
		if a.Server != b.Server {
			return a.Server < b.Server
		}
		return a.Service > b.Service // MSExchangeTransport first
	})
}

// restartService is the service that reads the object of e on server s.
func (r *runner) restartService(o *orgRun, s *serverRun, e *Entry) string {
	if e.Kind != v1alpha1.KindReceiveConnector || s.spec.Role == v1alpha1.RoleEdge ||
		s.obs == nil || s.obs.Server.Version < exchange.Exchange2013 {
		return exchange.TransportServiceName
	}
	role := string(v1alpha1.TransportRoleHub) // New-ReceiveConnector's default (docs/exchange.md)
	if cur := findReceive(s.obs.ReceiveConnectors, e.Name); cur != nil && cur.TransportRole != "" {
		role = cur.TransportRole
	}
	for _, rc := range r.site.ReceiveConnectors() {
		if r.site.Organization(rc) == o.org && strings.EqualFold(rc.Spec.Server, s.spec.Name) &&
			strings.EqualFold(rc.Name, e.Name) && rc.Spec.TransportRole != nil {
			role = string(*rc.Spec.TransportRole)
		}
	}
	if strings.EqualFold(role, string(v1alpha1.TransportRoleFrontend)) {
		return exchange.FrontEndTransportServiceName
	}
	return exchange.TransportServiceName
}
