package controller

import (
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// sendConnectorKind is the kind name in reports.
const sendConnectorKind = "SendConnector"

// planSendConnector compares one declared send connector with the
// organisation's send connectors as observed and returns its entry.
// cred is the resolved smart-host credential, when one is declared.
func planSendConnector(org string, sc *v1alpha1.SendConnector, observed []exchange.ObservedSendConnector,
	v exchange.Version, cred *exchange.CredentialSpec) (*Entry, error) {
	e := &Entry{Subject: Subject{Kind: sendConnectorKind, Organization: org, Name: sc.Name}, Action: ActionUnchanged}
	cur := findSend(observed, sc.Name)
	if sc.Spec.Ensure == v1alpha1.EnsureAbsent {
		if cur != nil {
			e.Action = ActionRemove
			e.setCalls(exchange.RemoveSendConnector(cur.Identity))
		}
		return e, nil
	}
	desired := sendSpec(sc, cred)
	if cur == nil {
		e.Action = ActionCreate
		desired.Comment = ptr(withMarker(deref(sc.Spec.Comment)))
		usage := ""
		if sc.Spec.Usage != nil {
			usage = string(*sc.Spec.Usage)
		}
		call, err := exchange.NewSendConnector(v, sc.Name, usage, desired)
		if err != nil {
			return e, err
		}
		e.setCalls(call)
		return e, nil
	}
	var d differ
	change := diffSend(&d, sc, desired, cur)
	if note, ok := sendUsageImplies(sc, cur); ok {
		e.Notes = append(e.Notes, note)
	}
	e.Fields = d.fields
	if len(e.Notes) > 0 && e.Notes[0].Reason == ReasonReplace {
		e.Action = ActionReplace
		desired.Comment = ptr(withMarker(deref(sc.Spec.Comment)))
		usage := string(*sc.Spec.Usage)
		create, err := exchange.NewSendConnector(v, sc.Name, usage, desired)
		if err != nil {
			return e, err
		}
		e.setCalls(exchange.RemoveSendConnector(cur.Identity), create)
		return e, nil
	}
	if len(d.fields) == 0 {
		return e, nil
	}
	e.Action = ActionConfigure
	call, err := exchange.SetSendConnector(v, cur.Identity, change, cur)
	if err != nil {
		return e, err
	}
	e.setCalls(call)
	return e, nil
}

// sendSpec maps the declared fields onto the cmdlet's parameters.
func sendSpec(sc *v1alpha1.SendConnector, cred *exchange.CredentialSpec) exchange.SendConnectorSpec {
	s := sc.Spec
	out := exchange.SendConnectorSpec{
		AddressSpaces:          s.AddressSpaces,
		DNSRoutingEnabled:      s.DNSRoutingEnabled,
		SmartHosts:             s.SmartHosts,
		RequireTLS:             s.RequireTLS,
		IgnoreSTARTTLS:         s.IgnoreSTARTTLS,
		DomainSecureEnabled:    s.DomainSecureEnabled,
		TlsDomain:              s.TLSDomain,
		TlsCertificateName:     s.TLSCertificateName,
		Fqdn:                   s.FQDN,
		SourceTransportServers: s.SourceTransportServers,
		Enabled:                s.Enabled,
		MaxMessageSize:         s.MaxMessageSize,
		Comment:                s.Comment,
	}
	if s.SmartHostAuthMechanism != nil {
		out.SmartHostAuthMechanism = ptr(string(*s.SmartHostAuthMechanism))
	}
	if s.TLSAuthLevel != nil {
		out.TlsAuthLevel = ptr(string(*s.TLSAuthLevel))
	}
	if s.ProtocolLoggingLevel != nil {
		out.ProtocolLoggingLevel = ptr(string(*s.ProtocolLoggingLevel))
	}
	if s.Port != nil {
		out.Port = ptr(int(*s.Port))
	}
	out.AuthenticationCredential = cred
	return out
}

// diffSend runs the named field checks of a send connector and returns a
// change holding only the fields that differ.
func diffSend(d *differ, sc *v1alpha1.SendConnector, want exchange.SendConnectorSpec, cur *exchange.ObservedSendConnector) exchange.SendConnectorSpec {
	var ch exchange.SendConnectorSpec
	if want.AddressSpaces != nil && !value.EqualSets(want.AddressSpaces, cur.AddressSpaces) {
		d.add("addressSpaces", showList(want.AddressSpaces), showList(cur.AddressSpaces))
		ch.AddressSpaces = want.AddressSpaces
	}
	if want.DNSRoutingEnabled != nil && *want.DNSRoutingEnabled != cur.DNSRoutingEnabled {
		d.add("dnsRoutingEnabled", *want.DNSRoutingEnabled, cur.DNSRoutingEnabled)
		ch.DNSRoutingEnabled = want.DNSRoutingEnabled
		// Exchange wants the smart hosts on the same command line as
		// -DNSRoutingEnabled $false.
		if !*want.DNSRoutingEnabled {
			ch.SmartHosts = want.SmartHosts
		}
	}
	if want.SmartHosts != nil && !value.EqualSets(want.SmartHosts, cur.SmartHosts) {
		d.add("smartHosts", showList(want.SmartHosts), showList(cur.SmartHosts))
		ch.SmartHosts = want.SmartHosts
	}
	if want.SmartHostAuthMechanism != nil && !strings.EqualFold(*want.SmartHostAuthMechanism, orNone(cur.SmartHostAuthMechanism)) {
		d.add("smartHostAuthMechanism", *want.SmartHostAuthMechanism, orNone(cur.SmartHostAuthMechanism))
		ch.SmartHostAuthMechanism = want.SmartHostAuthMechanism
		ch.AuthenticationCredential = want.AuthenticationCredential
	}
	// The stored password can never be read back: only a missing
	// credential is drift. Rotating it is a change of the manifest's secret
	// that exreconcile cannot see (README: what is not managed).
	if want.AuthenticationCredential != nil && !cur.HasAuthenticationCredential {
		d.add("authenticationCredential", want.AuthenticationCredential.Username+" (password set)", "(none)")
		ch.AuthenticationCredential = want.AuthenticationCredential
		if ch.SmartHostAuthMechanism == nil && want.SmartHostAuthMechanism != nil {
			ch.SmartHostAuthMechanism = want.SmartHostAuthMechanism
		}
	}
	if want.RequireTLS != nil && *want.RequireTLS != cur.RequireTLS {
		d.add("requireTLS", *want.RequireTLS, cur.RequireTLS)
		ch.RequireTLS = want.RequireTLS
		// -RequireTLS $true and -TlsAuthLevel go on one command line.
		if *want.RequireTLS && want.TlsAuthLevel != nil {
			ch.TlsAuthLevel = want.TlsAuthLevel
		}
	}
	if want.TlsAuthLevel != nil && !strings.EqualFold(*want.TlsAuthLevel, cur.TlsAuthLevel) {
		d.add("tlsAuthLevel", *want.TlsAuthLevel, cur.TlsAuthLevel)
		ch.TlsAuthLevel = want.TlsAuthLevel
		if want.RequireTLS != nil {
			ch.RequireTLS = want.RequireTLS
		}
	}
	ch.TlsDomain = d.fold("tlsDomain", want.TlsDomain, cur.TlsDomain)
	ch.IgnoreSTARTTLS = d.flag("ignoreSTARTTLS", want.IgnoreSTARTTLS, cur.IgnoreSTARTTLS)
	ch.DomainSecureEnabled = d.flag("domainSecureEnabled", want.DomainSecureEnabled, cur.DomainSecureEnabled)
	if want.TlsCertificateName != nil && *want.TlsCertificateName != cur.TlsCertificateName {
		d.add("tlsCertificateName", *want.TlsCertificateName, cur.TlsCertificateName)
		ch.TlsCertificateName = want.TlsCertificateName
	}
	if want.Port != nil && *want.Port != cur.Port {
		d.add("port", *want.Port, cur.Port)
		ch.Port = want.Port
	}
	ch.Fqdn = d.fold("fqdn", want.Fqdn, cur.Fqdn)
	if want.SourceTransportServers != nil && !equalFoldSet(want.SourceTransportServers, cur.SourceTransportServers) {
		d.add("sourceTransportServers", want.SourceTransportServers, cur.SourceTransportServers)
		ch.SourceTransportServers = want.SourceTransportServers
	}
	ch.Enabled = d.flag("enabled", want.Enabled, cur.Enabled)
	if want.MaxMessageSize != nil && !want.MaxMessageSize.Equal(cur.MaxMessageSize) {
		d.add("maxMessageSize", want.MaxMessageSize.String(), cur.MaxMessageSize.String())
		ch.MaxMessageSize = want.MaxMessageSize
	}
	ch.ProtocolLoggingLevel = d.fold("protocolLoggingLevel", want.ProtocolLoggingLevel, cur.ProtocolLoggingLevel)
	ch.Comment = d.comment(sc.Spec.Comment, cur.Comment)
	return ch
}

// sendUsageImplies checks what a declared usage implies against an existing
// connector. Usage is a creation-only label; for send connectors it only sets
// the default MaxMessageSize: unlimited for Internal, a limit for the others
// (semantics.md §4 item 9). When maxMessageSize is not declared and the
// observed limit contradicts the usage, the connector was made with another
// usage and only a replacement gives it the declared one.
func sendUsageImplies(sc *v1alpha1.SendConnector, cur *exchange.ObservedSendConnector) (Note, bool) {
	if sc.Spec.Usage == nil || sc.Spec.MaxMessageSize != nil {
		return Note{}, false
	}
	internal := strings.EqualFold(string(*sc.Spec.Usage), "Internal")
	if internal == cur.MaxMessageSize.Unlimited {
		return Note{}, false
	}
	return Note{Severity: "warning", Reason: ReasonReplace,
		Message: "usage " + string(*sc.Spec.Usage) + " is set only at creation and the connector's MaxMessageSize " +
			cur.MaxMessageSize.String() + " shows it was created with another usage; apply --allow-replace removes and recreates it"}, true
}

func findSend(list []exchange.ObservedSendConnector, name string) *exchange.ObservedSendConnector {
	for i := range list {
		if strings.EqualFold(list[i].Name, name) {
			return &list[i]
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
