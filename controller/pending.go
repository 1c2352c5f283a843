package controller

import (
	"fmt"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
)

// A restart that failed is not forgotten: with restartTransportService:
// OnChange, every observe also reads the start time of each transport
// service's process and the WhenChanged of the connectors and the
// TransportConfig (one command, see exchange.Reads.TransportServices). A
// managed connector (or the declared TransportConfig) changed after the
// process of the service that reads it started was never read by it: the
// restart is pending, whether the change was exreconcile's (and its
// Restart-Service failed) or made by hand, and it is planned although no
// field differs.
//
// WhenChanged has whole seconds and the process start has fractions, so a
// restart in the same second as the change never shows as pending (no
// restart loop); a change in the same second just after a start is missed.

// PendingChange is a managed object changed after the service that reads it
// started: the reason of a restart with no change in this run.
type PendingChange struct {
	// Object names the connector, as the report does.
	Object string `json:"object"`
	// ChangedAt is its WhenChanged, ServiceStartedAt the service's process start (UTC).
	ChangedAt        time.Time `json:"changedAt"`
	ServiceStartedAt time.Time `json:"serviceStartedAt"`
}

func (p PendingChange) String() string {
	return fmt.Sprintf("%s changed at %s after the service started at %s", p.Object,
		p.ChangedAt.UTC().Format(time.RFC3339), p.ServiceStartedAt.UTC().Format(time.RFC3339))
}

// pendingRestarts adds to planned (by server and service) and cs the
// restarts the connectors of o are waiting for.
func (r *runner) pendingRestarts(o *orgRun, cs *ChangeSet, planned map[string]*Restart) {
	for _, e := range cs.Entries {
		if e.Organization != o.org.Name || e.Action == ActionCreate || e.Action == ActionRemove || e.Action == ActionUnknown {
			continue
		}
		s := o.serverByName(e.RunOn)
		if s == nil || s.err != nil || s.obs == nil {
			continue
		}
		changed := r.managedWhenChanged(o, s, e)
		if changed.IsZero() {
			continue
		}
		svc := r.restartService(o, s, e)
		run := s.obs.Service(svc)
		if run == nil || run.Started.IsZero() || !changed.After(run.Started) {
			continue
		}
		key := strings.ToUpper(s.spec.Name) + "\x00" + svc
		rs := planned[key]
		switch {
		case rs == nil:
			rs = &Restart{Organization: o.org.Name, Server: s.spec.Name, Service: svc, Outcome: RestartPlanned}
			planned[key] = rs
			cs.Restarts = append(cs.Restarts, rs)
		case len(rs.Pending) == 0:
			continue // planned for this run's changes: it reads this connector too
		}
		rs.Because = append(rs.Because, e.Identity.String())
		rs.Pending = append(rs.Pending, PendingChange{Object: e.Identity.String(), ChangedAt: changed, ServiceStartedAt: run.Started})
	}
}

// managedWhenChanged is the WhenChanged of the connector (or TransportConfig)
// of e when this site declares it (present): zero for anything else, which
// no restart of this site waits for. Certificates have no WhenChanged: a
// failed restart after enabling one is not seen.
func (r *runner) managedWhenChanged(o *orgRun, s *serverRun, e *Entry) time.Time {
	key := e.Identity.Key()
	switch e.Kind {
	case v1alpha1.KindReceiveConnector:
		for _, rc := range r.site.ReceiveConnectors() {
			if r.site.Organization(rc) == o.org && rc.Spec.Ensure != v1alpha1.EnsureAbsent && r.site.IdentityOf(rc).Key() == key {
				if cur := findReceive(s.obs.ReceiveConnectors, e.Name); cur != nil {
					return cur.WhenChanged
				}
			}
		}
	case v1alpha1.KindTransportConfig:
		for _, tc := range r.site.TransportConfigs() {
			if r.site.Organization(tc) == o.org && s.obs.TransportConfig != nil {
				return s.obs.TransportConfig.WhenChanged
			}
		}
	case v1alpha1.KindSendConnector:
		for _, sc := range r.site.SendConnectors() {
			if r.site.Organization(sc) == o.org && sc.Spec.Ensure != v1alpha1.EnsureAbsent && r.site.IdentityOf(sc).Key() == key {
				for _, cur := range s.obs.SendConnectors {
					if strings.EqualFold(cur.Name, e.Name) {
						return cur.WhenChanged
					}
				}
			}
		}
	}
	return time.Time{}
}

// hasPendingRestart reports whether a restart is planned for no change of
// this run (diff --exit-code: apply would still do something).
func (c *ChangeSet) hasPendingRestart() bool {
	for _, rs := range c.Restarts {
		if len(rs.Pending) > 0 {
			return true
		}
	}
	return false
}
