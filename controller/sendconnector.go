package controller

import (
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// sendDecl is a declared send connector as planned: its spec and the
// smart-host credential resolved from its secret.
type sendDecl struct {
	*v1alpha1.SendConnectorSpec
	cred *exchange.CredentialSpec
}

type (
	sendObs  = exchange.ObservedSendConnector
	sendSpec = exchange.SendConnectorSpec
)

// sendFields is every managed field of a SendConnector (see receiveFields).
var sendFields = fields[sendDecl, sendObs, sendSpec]{
	setField("addressSpaces", func(d *sendDecl) []value.AddressSpace { return d.AddressSpaces },
		func(o *sendObs) []value.AddressSpace { return o.AddressSpaces }, value.EqualSets[value.AddressSpace],
		func(c *sendSpec) *[]value.AddressSpace { return &c.AddressSpaces }),
	boolField("dnsRoutingEnabled", func(d *sendDecl) *bool { return d.DNSRoutingEnabled },
		func(o *sendObs) bool { return o.DNSRoutingEnabled }, func(c *sendSpec) **bool { return &c.DNSRoutingEnabled }),
	setField("smartHosts", func(d *sendDecl) []value.SmartHost { return d.SmartHosts },
		func(o *sendObs) []value.SmartHost { return o.SmartHosts }, value.EqualSets[value.SmartHost],
		func(c *sendSpec) *[]value.SmartHost { return &c.SmartHosts }),
	foldField("smartHostAuthMechanism", func(d *sendDecl) *string { return enumPtr(d.SmartHostAuthMechanism) },
		func(o *sendObs) string { return orNone(o.SmartHostAuthMechanism) },
		func(c *sendSpec) **string { return &c.SmartHostAuthMechanism }),
	credentialField,
	boolField("requireTLS", func(d *sendDecl) *bool { return d.RequireTLS }, func(o *sendObs) bool { return o.RequireTLS },
		func(c *sendSpec) **bool { return &c.RequireTLS }),
	foldField("tlsAuthLevel", func(d *sendDecl) *string { return enumPtr(d.TLSAuthLevel) },
		func(o *sendObs) string { return o.TlsAuthLevel }, func(c *sendSpec) **string { return &c.TlsAuthLevel }),
	foldField("tlsDomain", func(d *sendDecl) *string { return d.TLSDomain }, func(o *sendObs) string { return o.TlsDomain },
		func(c *sendSpec) **string { return &c.TlsDomain }),
	boolField("ignoreSTARTTLS", func(d *sendDecl) *bool { return d.IgnoreSTARTTLS },
		func(o *sendObs) bool { return o.IgnoreSTARTTLS }, func(c *sendSpec) **bool { return &c.IgnoreSTARTTLS }),
	boolField("domainSecureEnabled", func(d *sendDecl) *bool { return d.DomainSecureEnabled },
		func(o *sendObs) bool { return o.DomainSecureEnabled }, func(c *sendSpec) **bool { return &c.DomainSecureEnabled }),
	exactField("tlsCertificateName", func(d *sendDecl) *string { return d.TLSCertificateName },
		func(o *sendObs) string { return o.TlsCertificateName }, func(c *sendSpec) **string { return &c.TlsCertificateName }),
	intField("port", func(d *sendDecl) *int { return intPtr(d.Port) }, func(o *sendObs) int { return o.Port },
		func(c *sendSpec) **int { return &c.Port }),
	foldField("fqdn", func(d *sendDecl) *string { return d.FQDN }, func(o *sendObs) string { return o.Fqdn },
		func(c *sendSpec) **string { return &c.Fqdn }),
	foldSetField("sourceTransportServers", func(d *sendDecl) []string { return d.SourceTransportServers },
		func(o *sendObs) []string { return o.SourceTransportServers }, func(c *sendSpec) *[]string { return &c.SourceTransportServers }),
	boolField("enabled", func(d *sendDecl) *bool { return d.Enabled }, func(o *sendObs) bool { return o.Enabled },
		func(c *sendSpec) **bool { return &c.Enabled }),
	valueField("maxMessageSize", func(d *sendDecl) *value.ByteSize { return d.MaxMessageSize },
		func(o *sendObs) value.ByteSize { return o.MaxMessageSize }, value.ByteSize.Equal,
		func(c *sendSpec) **value.ByteSize { return &c.MaxMessageSize }),
	foldField("protocolLoggingLevel", func(d *sendDecl) *string { return enumPtr(d.ProtocolLoggingLevel) },
		func(o *sendObs) string { return o.ProtocolLoggingLevel }, func(c *sendSpec) **string { return &c.ProtocolLoggingLevel }),
	commentField(func(d *sendDecl) *string { return d.Comment }, func(o *sendObs) string { return o.Comment },
		func(c *sendSpec) **string { return &c.Comment }),
}

// credentialField is the smart-host credential. Its password can never be
// read back from Exchange: a missing credential is drift, and so is one
// whose fingerprint in the Comment (credential.go) is not the declared
// secret's. A credential without a fingerprint is in sync; it gets one the
// next time apply sets it.
var credentialField = field[sendDecl, sendObs, sendSpec]{name: "authenticationCredential",
	declared: func(d *sendDecl) bool { return d.cred != nil },
	compare: func(d *sendDecl, o *sendObs) (string, string, bool) {
		if !o.HasAuthenticationCredential {
			return d.cred.Username + " (password set)", "(none)", false
		}
		if match, known := credentialMatches(o.Comment, d.cred); known && !match {
			return "(rotated)", "", false
		}
		return d.cred.Username + " (password set)", "(set)", true
	},
	set: func(d *sendDecl, _ *sendObs, c *sendSpec) { c.AuthenticationCredential = d.cred },
}

// fingerprinted puts the fingerprint of the credential a call sets into
// the Comment it sets (base: the comment the connector has or gets).
func fingerprinted(spec *sendSpec, base string) error {
	if spec.AuthenticationCredential == nil {
		return nil
	}
	if spec.Comment != nil {
		base = *spec.Comment
	}
	fp, err := fingerprint(spec.AuthenticationCredential)
	if err != nil {
		return err
	}
	spec.Comment = ptr(withCredential(base, fp))
	return nil
}

// sendUnmanaged are the SendConnectorSpec fields that are not compared, and why.
var sendUnmanaged = map[string]string{
	"organizationRef":   "names the organisation, not a setting",
	"ensure":            "decides the action",
	"usage":             "creation only: compared through what it implies (sendUsageImplies)",
	"tlsCertificateRef": "resolved into tlsCertificateName (certref.go)",
}

// sendCompanions adds the parameters Exchange wants on the same command
// line as a changed one.
func sendCompanions(want sendSpec, ch *sendSpec) {
	// -DNSRoutingEnabled $false needs its smart hosts.
	if ch.DNSRoutingEnabled != nil && !*ch.DNSRoutingEnabled {
		ch.SmartHosts = want.SmartHosts
	}
	// A new authentication mechanism needs its credential, and a new
	// credential its mechanism.
	if ch.SmartHostAuthMechanism != nil {
		ch.AuthenticationCredential = want.AuthenticationCredential
	}
	if ch.AuthenticationCredential != nil && ch.SmartHostAuthMechanism == nil {
		ch.SmartHostAuthMechanism = want.SmartHostAuthMechanism
	}
	// -RequireTLS $true and -TlsAuthLevel go on one command line.
	if ch.RequireTLS != nil && *ch.RequireTLS && want.TlsAuthLevel != nil {
		ch.TlsAuthLevel = want.TlsAuthLevel
	}
	if ch.TlsAuthLevel != nil && want.RequireTLS != nil {
		ch.RequireTLS = want.RequireTLS
	}
}

var sendOps = &connectorOps[sendDecl, sendObs, sendSpec]{
	fields:      sendFields,
	replacement: sendUsageImplies,
	companions:  sendCompanions,
	create: func(id v1alpha1.Identity, d *sendDecl, want sendSpec, v exchange.Version, marker string) ([]exchange.Call, error) {
		want.Comment = ptr(withMarker(deref(d.Comment), marker))
		if err := fingerprinted(&want, ""); err != nil {
			return nil, err
		}
		usage := ""
		if d.Usage != nil {
			usage = string(*d.Usage)
		}
		c, err := exchange.NewSendConnector(v, id.Name, usage, want)
		return []exchange.Call{c}, err
	},
	set: func(_ v1alpha1.Identity, o *sendObs, change sendSpec, v exchange.Version) ([]exchange.Call, error) {
		if err := fingerprinted(&change, o.Comment); err != nil {
			return nil, err
		}
		c, err := exchange.SetSendConnector(v, o.Identity, change, o)
		return []exchange.Call{c}, err
	},
	remove: func(_ v1alpha1.Identity, o *sendObs) []exchange.Call {
		return []exchange.Call{exchange.RemoveSendConnector(o.Identity)}
	},
}

// bindSendConnectors binds the organisation's declared send connectors,
// and, with --prune, those this site created and no longer declares.
func bindSendConnectors(b *binding) []resource {
	var out []resource
	site := b.r.site
	var observed []sendObs
	if b.obs != nil {
		observed = b.obs.SendConnectors
	}
	for _, sc := range site.SendConnectors() {
		if site.Organization(sc) != b.org.org {
			continue
		}
		cur := findSend(observed, sc.Name)
		spec, refNotes := sendWithRef(b, sc, cur)
		d := &sendDecl{SendConnectorSpec: spec, cred: b.org.creds[strings.ToLower(sc.Name)]}
		out = append(out, &connector[sendDecl, sendObs, sendSpec]{id: b.identity(sc), decl: d, extra: refNotes,
			cur: cur, gone: sc.Spec.Ensure == v1alpha1.EnsureAbsent, v: b.version(), ops: sendOps, owner: b.org.org.Spec.Owner})
	}
	if b.obs == nil || !b.r.opts.Prune {
		return out
	}
	for i, c := range observed {
		if !hasMarker(c.Comment) || sendDeclared(b, c.Name) {
			continue
		}
		id := v1alpha1.Identity{Kind: v1alpha1.KindSendConnector, Organization: b.org.org.Name, Name: c.Name}
		out = append(out, prunable(b, id, c.Comment, &observed[i], sendOps))
	}
	return out
}

func sendDeclared(b *binding, name string) bool {
	for _, sc := range b.r.site.SendConnectors() {
		if b.r.site.Organization(sc) == b.org.org && strings.EqualFold(sc.Name, name) {
			return true
		}
	}
	return false
}

// sendUsageImplies checks what a declared usage implies against an existing
// connector. Usage is a creation-only label; for send connectors it only sets
// the default MaxMessageSize: unlimited for Internal, a limit for the others
// (docs/exchange.md, "Usage types"). When maxMessageSize is not declared and
// the observed limit contradicts the usage, the connector was made with
// another usage and only a replacement gives it the declared one.
func sendUsageImplies(d *sendDecl, cur *sendObs) (Note, bool) {
	if d.Usage == nil || d.MaxMessageSize != nil {
		return Note{}, false
	}
	internal := strings.EqualFold(string(*d.Usage), "Internal")
	if internal == cur.MaxMessageSize.Unlimited {
		return Note{}, false
	}
	return warningNote(ReasonRequiresReplacement, "usage %s is set only at creation and the connector's MaxMessageSize %s "+
		"shows it was created with another usage; apply --allow-replace removes and recreates it", *d.Usage, cur.MaxMessageSize), true
}

func findSend(list []sendObs, name string) *sendObs {
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
