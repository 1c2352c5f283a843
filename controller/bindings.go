package controller

import (
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// ReasonBindingConflict: a receive connector's bindings and remote ranges
// collide with another connector's on the same server, which Exchange
// refuses (docs/exchange.md "Error texts").
const ReasonBindingConflict Reason = "BindingConflict"

// listener is what one receive connector of a server listens on once the
// plan has run.
type listener struct {
	name     string
	role     string
	bindings []value.IPBinding
	ranges   value.IPRangeSet
}

// checkReceiveBindings predicts Exchange's refusal of a receive connector
// whose local bindings collide with another connector of the same server:
// on 2013 and later two transport roles (FrontendTransport and
// HubTransport) may not share an IP address and port at all; connectors
// of one role may share a binding only when their RemoteIPRanges differ
// (Exchange picks, per client, the connector with the most specific
// matching range; seed 000's partner connector beside "Default <server>"
// is that case). Exchange's words: "The values that you specified for the
// Bindings and RemoteIPRanges parameters conflict with the settings on
// Receive connector ...".
func (r *runner) checkReceiveBindings(o *orgRun, cs *ChangeSet) {
	for _, s := range o.servers {
		if s.err != nil || s.obs == nil {
			continue
		}
		var after []listener
		declared := map[string]*v1alpha1.ReceiveConnector{}
		for _, rc := range r.site.ReceiveConnectors() {
			if r.site.Organization(rc) == o.org && strings.EqualFold(rc.Spec.Server, s.spec.Name) {
				declared[strings.ToLower(rc.Name)] = rc
			}
		}
		for _, c := range s.obs.ReceiveConnectors {
			if rc := declared[strings.ToLower(c.Name)]; rc != nil {
				continue // listed below, as declared
			}
			after = append(after, listener{name: c.Name, role: c.TransportRole, bindings: c.Bindings, ranges: c.RemoteIPRanges})
		}
		for _, rc := range declared {
			if rc.Spec.Ensure == v1alpha1.EnsureAbsent {
				continue
			}
			l := listener{name: rc.Name}
			if cur := findReceive(s.obs.ReceiveConnectors, rc.Name); cur != nil {
				l.role, l.bindings, l.ranges = cur.TransportRole, cur.Bindings, cur.RemoteIPRanges
			}
			if rc.Spec.TransportRole != nil {
				l.role = string(*rc.Spec.TransportRole)
			} else if l.role == "" && s.obs.Server.Version >= exchange.Exchange2013 {
				// New-ReceiveConnector without -TransportRole creates a
				// HubTransport connector on a Mailbox server (and on an
				// Edge); only the EAC picks the front end (docs/exchange.md).
				l.role = string(v1alpha1.TransportRoleHub)
			}
			if rc.Spec.Bindings != nil {
				l.bindings = rc.Spec.Bindings
			}
			if rc.Spec.RemoteIPRanges != nil {
				l.ranges = rc.Spec.RemoteIPRanges
			}
			after = append(after, l)
		}
		for _, rc := range declared {
			e := cs.find(v1alpha1.Identity{Kind: v1alpha1.KindReceiveConnector, Organization: o.org.Name, Server: s.spec.Name, Name: rc.Name})
			if e == nil || rc.Spec.Ensure == v1alpha1.EnsureAbsent || (rc.Spec.Bindings == nil && rc.Spec.RemoteIPRanges == nil && rc.Spec.TransportRole == nil) {
				continue
			}
			var me listener
			for _, l := range after {
				if strings.EqualFold(l.name, rc.Name) {
					me = l
				}
			}
			before := len(e.Notes)
			for _, other := range after {
				if strings.EqualFold(other.name, me.name) || !anyConflict(me.bindings, other.bindings) {
					continue
				}
				switch {
				case me.role != "" && other.role != "" && !strings.EqualFold(me.role, other.role):
					e.Notes = append(e.Notes, errorNote(ReasonBindingConflict,
						`bindings %s collide with "%s\%s" (%s): receive connectors of different transport roles on one server must listen on distinct IP address and port bindings`,
						show(showList(me.bindings)), s.spec.Name, other.name, other.role))
				case me.ranges.Equal(other.ranges):
					e.Notes = append(e.Notes, errorNote(ReasonBindingConflict,
						`bindings %s and remoteIPRanges %s are those of "%s\%s": a receive connector needs a unique combination of bindings and remote ranges; change one of them`,
						show(showList(me.bindings)), show(showList(me.ranges)), s.spec.Name, other.name))
				}
			}
			// Exchange would refuse the call; apply does not send it.
			if len(e.Notes) > before && len(e.calls) > 0 {
				e.setCalls()
				e.refused = "its bindings collide with another receive connector of the server (see the error above)"
			}
		}
	}
}

// anyConflict reports whether a binding of a collides with one of b.
func anyConflict(a, b []value.IPBinding) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Conflicts(y) {
				return true
			}
		}
	}
	return false
}
