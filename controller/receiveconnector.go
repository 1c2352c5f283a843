package controller

import (
	"fmt"
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// receiveConnectorKind is the kind name in reports.
const receiveConnectorKind = "ReceiveConnector"

// defaultReceivePrefixes are the names setup gives a server's own receive
// connectors (semantics.md §4 item 20, defaults.md §2), each followed by the
// server name. Internal mail flow depends on them, so exreconcile never
// removes or rebinds them.
var defaultReceivePrefixes = []string{
	"Default", "Client", "Default Frontend", "Client Frontend", "Outbound Proxy Frontend",
	"Client Proxy", "Default internal receive connector",
}

// isDefaultReceiveConnector reports whether name is one of server's default connectors.
func isDefaultReceiveConnector(server, name string) bool {
	for _, p := range defaultReceivePrefixes {
		if strings.EqualFold(name, p+" "+server) {
			return true
		}
	}
	return false
}

// receiveUsageDefaults is what New-ReceiveConnector sets per usage type
// (semantics.md §4 item 11).
var receiveUsageDefaults = map[string]struct {
	groups value.PermissionGroups
	auth   value.AuthMechanisms
}{
	"Client":   {value.PermissionExchangeUsers, value.AuthTls | value.AuthBasicAuth | value.AuthBasicAuthRequireTLS | value.AuthIntegrated},
	"Internal": {value.PermissionExchangeLegacyServers | value.PermissionExchangeServers, value.AuthTls | value.AuthExchangeServer},
	"Internet": {value.PermissionAnonymousUsers, value.AuthTls},
	"Partner":  {value.PermissionPartners, value.AuthTls},
	"Custom":   {value.PermissionNone, value.AuthTls},
}

// planReceiveConnector compares one declared receive connector with its
// server's receive connectors as observed.
func planReceiveConnector(org string, rc *v1alpha1.ReceiveConnector, observed []exchange.ObservedReceiveConnector,
	v exchange.Version) (*Entry, error) {
	server := rc.Spec.Server
	identity := server + `\` + rc.Name
	e := &Entry{Subject: Subject{Kind: receiveConnectorKind, Organization: org, Server: server, Name: rc.Name},
		Action: ActionUnchanged, RunOn: server}
	cur := findReceive(observed, rc.Name)
	protected := isDefaultReceiveConnector(server, rc.Name)
	if rc.Spec.Ensure == v1alpha1.EnsureAbsent {
		if cur == nil {
			return e, nil
		}
		if protected {
			e.Notes = append(e.Notes, Note{Severity: "error", Reason: ReasonRefusedDefault,
				Message: fmt.Sprintf(`"%s" is one of the server's default receive connectors; internal mail flow depends on it, so exreconcile never removes it`, identity)})
			return e, nil
		}
		e.Action = ActionRemove
		e.setCalls(exchange.RemoveReceiveConnector(identity))
		return e, nil
	}
	want := receiveSpec(rc)
	usage := "Custom"
	if rc.Spec.Usage != nil {
		usage = string(*rc.Spec.Usage)
	}
	if cur == nil {
		e.Action = ActionCreate
		want.Comment = ptr(withMarker(deref(rc.Spec.Comment)))
		calls, err := exchange.NewReceiveConnector(v, server, rc.Name, usage, want)
		if err != nil {
			return e, err
		}
		e.setCalls(calls...)
		return e, nil
	}
	var d differ
	change := diffReceive(&d, rc, want, cur)
	e.Fields = d.fields
	if protected && change.Bindings != nil {
		e.Notes = append(e.Notes, Note{Severity: "error", Reason: ReasonRefusedDefault,
			Message: fmt.Sprintf(`"%s" is one of the server's default receive connectors; exreconcile never rebinds it (declare a connector of your own for other bindings)`, identity)})
		change.Bindings = nil
	}
	if note, ok := receiveUsageImplies(rc, cur); ok && !protected {
		e.Notes = append(e.Notes, note)
		e.Action = ActionReplace
		want.Comment = ptr(withMarker(deref(rc.Spec.Comment)))
		create, err := exchange.NewReceiveConnector(v, server, rc.Name, usage, want)
		if err != nil {
			return e, err
		}
		e.setCalls(append([]exchange.Call{exchange.RemoveReceiveConnector(identity)}, create...)...)
		return e, nil
	}
	if isEmptyReceiveChange(change) {
		return e, nil
	}
	e.Action = ActionConfigure
	call, err := exchange.SetReceiveConnector(v, identity, change)
	if err != nil {
		return e, err
	}
	e.setCalls(call)
	return e, nil
}

func isEmptyReceiveChange(c exchange.ReceiveConnectorSpec) bool {
	return c.Bindings == nil && c.RemoteIPRanges == nil && c.Fqdn == nil && c.AuthMechanism == nil &&
		c.PermissionGroups == nil && c.RequireTLS == nil && c.DomainSecureEnabled == nil && c.Enabled == nil &&
		c.MaxMessageSize == nil && c.Banner == nil && c.Comment == nil && c.TransportRole == nil &&
		c.TlsCertificateName == nil && c.ProtocolLoggingLevel == nil
}

// receiveSpec maps the declared fields onto the cmdlet's parameters.
func receiveSpec(rc *v1alpha1.ReceiveConnector) exchange.ReceiveConnectorSpec {
	s := rc.Spec
	out := exchange.ReceiveConnectorSpec{
		Bindings:            s.Bindings,
		RemoteIPRanges:      s.RemoteIPRanges,
		Fqdn:                s.FQDN,
		AuthMechanism:       s.AuthMechanism,
		PermissionGroups:    s.PermissionGroups,
		RequireTLS:          s.RequireTLS,
		DomainSecureEnabled: s.DomainSecureEnabled,
		Enabled:             s.Enabled,
		MaxMessageSize:      s.MaxMessageSize,
		Banner:              s.Banner,
		Comment:             s.Comment,
		TlsCertificateName:  s.TLSCertificateName,
	}
	if s.TransportRole != nil {
		out.TransportRole = ptr(string(*s.TransportRole))
	}
	if s.ProtocolLoggingLevel != nil {
		out.ProtocolLoggingLevel = ptr(string(*s.ProtocolLoggingLevel))
	}
	return out
}

// diffReceive runs the named field checks of a receive connector.
func diffReceive(d *differ, rc *v1alpha1.ReceiveConnector, want exchange.ReceiveConnectorSpec, cur *exchange.ObservedReceiveConnector) exchange.ReceiveConnectorSpec {
	var ch exchange.ReceiveConnectorSpec
	if want.Bindings != nil && !value.EqualSets(want.Bindings, cur.Bindings) {
		d.add("bindings", showList(want.Bindings), showList(cur.Bindings))
		ch.Bindings = want.Bindings
	}
	if want.RemoteIPRanges != nil && !value.IPRangeSet(want.RemoteIPRanges).Equal(cur.RemoteIPRanges) {
		d.add("remoteIPRanges", showList(want.RemoteIPRanges), showList(cur.RemoteIPRanges))
		ch.RemoteIPRanges = want.RemoteIPRanges
	}
	ch.Fqdn = d.fold("fqdn", want.Fqdn, cur.Fqdn)
	if want.AuthMechanism != nil && *want.AuthMechanism != cur.AuthMechanism {
		d.add("authMechanism", want.AuthMechanism.String(), cur.AuthMechanism.String())
		ch.AuthMechanism = want.AuthMechanism
	}
	if want.PermissionGroups != nil && *want.PermissionGroups != cur.PermissionGroups {
		d.add("permissionGroups", want.PermissionGroups.String(), cur.PermissionGroups.String())
		ch.PermissionGroups = want.PermissionGroups
	}
	ch.RequireTLS = d.flag("requireTLS", want.RequireTLS, cur.RequireTLS)
	ch.DomainSecureEnabled = d.flag("domainSecureEnabled", want.DomainSecureEnabled, cur.DomainSecureEnabled)
	ch.Enabled = d.flag("enabled", want.Enabled, cur.Enabled)
	if want.MaxMessageSize != nil && !want.MaxMessageSize.Equal(cur.MaxMessageSize) {
		d.add("maxMessageSize", want.MaxMessageSize.String(), cur.MaxMessageSize.String())
		ch.MaxMessageSize = want.MaxMessageSize
	}
	if want.Banner != nil && *want.Banner != cur.Banner {
		d.add("banner", *want.Banner, cur.Banner)
		ch.Banner = want.Banner
	}
	ch.TransportRole = d.fold("transportRole", want.TransportRole, cur.TransportRole)
	if want.TlsCertificateName != nil && *want.TlsCertificateName != cur.TlsCertificateName {
		d.add("tlsCertificateName", *want.TlsCertificateName, cur.TlsCertificateName)
		ch.TlsCertificateName = want.TlsCertificateName
	}
	ch.ProtocolLoggingLevel = d.fold("protocolLoggingLevel", want.ProtocolLoggingLevel, cur.ProtocolLoggingLevel)
	ch.Comment = d.comment(rc.Spec.Comment, cur.Comment)
	return ch
}

// receiveUsageImplies checks a declared usage against an existing connector:
// usage is set only at creation and decides the permission groups and
// authentication a connector starts with. When those fields are not declared
// and the connector's values are not the ones the usage gives, it was created
// with another usage.
func receiveUsageImplies(rc *v1alpha1.ReceiveConnector, cur *exchange.ObservedReceiveConnector) (Note, bool) {
	if rc.Spec.Usage == nil {
		return Note{}, false
	}
	def, ok := receiveUsageDefaults[string(*rc.Spec.Usage)]
	if !ok {
		return Note{}, false
	}
	var why []string
	if rc.Spec.PermissionGroups == nil && cur.PermissionGroups != def.groups {
		why = append(why, fmt.Sprintf("PermissionGroups %s (usage %s gives %s)", cur.PermissionGroups, *rc.Spec.Usage, def.groups))
	}
	if rc.Spec.AuthMechanism == nil && cur.AuthMechanism != def.auth {
		why = append(why, fmt.Sprintf("AuthMechanism %s (usage %s gives %s)", cur.AuthMechanism, *rc.Spec.Usage, def.auth))
	}
	if len(why) == 0 {
		return Note{}, false
	}
	return Note{Severity: "warning", Reason: ReasonReplace,
		Message: "usage is set only at creation and the connector has " + strings.Join(why, ", ") +
			"; declare those fields to keep the connector, or apply --allow-replace to remove and recreate it"}, true
}

func findReceive(list []exchange.ObservedReceiveConnector, name string) *exchange.ObservedReceiveConnector {
	for i := range list {
		if strings.EqualFold(list[i].Name, name) {
			return &list[i]
		}
	}
	return nil
}
