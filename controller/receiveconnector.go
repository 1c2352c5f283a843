package controller

import (
	"fmt"
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

type (
	receiveDecl = v1alpha1.ReceiveConnectorSpec
	receiveObs  = exchange.ObservedReceiveConnector
	receiveSpec = exchange.ReceiveConnectorSpec
)

// receiveFields is every managed field of a ReceiveConnector: a field of
// ReceiveConnectorSpec without a line here (or a reason in
// receiveUnmanaged) fails TestEveryDeclaredFieldIsCompared.
var receiveFields = fields[receiveDecl, receiveObs, receiveSpec]{
	setField("bindings", func(d *receiveDecl) []value.IPBinding { return d.Bindings },
		func(o *receiveObs) []value.IPBinding { return o.Bindings }, value.EqualSets[value.IPBinding],
		func(c *receiveSpec) *[]value.IPBinding { return &c.Bindings }),
	setField("remoteIPRanges", func(d *receiveDecl) []value.IPRange { return d.RemoteIPRanges },
		func(o *receiveObs) []value.IPRange { return o.RemoteIPRanges },
		func(a, b []value.IPRange) bool { return value.IPRangeSet(a).Equal(b) },
		func(c *receiveSpec) *[]value.IPRange { return &c.RemoteIPRanges }),
	foldField("fqdn", func(d *receiveDecl) *string { return d.FQDN }, func(o *receiveObs) string { return o.Fqdn },
		func(c *receiveSpec) **string { return &c.Fqdn }),
	valueField("authMechanism", func(d *receiveDecl) *value.AuthMechanisms { return d.AuthMechanism },
		func(o *receiveObs) value.AuthMechanisms { return o.AuthMechanism }, equal[value.AuthMechanisms],
		func(c *receiveSpec) **value.AuthMechanisms { return &c.AuthMechanism }),
	valueField("permissionGroups", func(d *receiveDecl) *value.PermissionGroups { return d.PermissionGroups },
		func(o *receiveObs) value.PermissionGroups { return o.PermissionGroups }, equal[value.PermissionGroups],
		func(c *receiveSpec) **value.PermissionGroups { return &c.PermissionGroups }),
	boolField("requireTLS", func(d *receiveDecl) *bool { return d.RequireTLS }, func(o *receiveObs) bool { return o.RequireTLS },
		func(c *receiveSpec) **bool { return &c.RequireTLS }),
	boolField("domainSecureEnabled", func(d *receiveDecl) *bool { return d.DomainSecureEnabled },
		func(o *receiveObs) bool { return o.DomainSecureEnabled }, func(c *receiveSpec) **bool { return &c.DomainSecureEnabled }),
	boolField("enabled", func(d *receiveDecl) *bool { return d.Enabled }, func(o *receiveObs) bool { return o.Enabled },
		func(c *receiveSpec) **bool { return &c.Enabled }),
	valueField("maxMessageSize", func(d *receiveDecl) *value.ByteSize { return d.MaxMessageSize },
		func(o *receiveObs) value.ByteSize { return o.MaxMessageSize }, value.ByteSize.Equal,
		func(c *receiveSpec) **value.ByteSize { return &c.MaxMessageSize }),
	exactField("banner", func(d *receiveDecl) *string { return d.Banner }, func(o *receiveObs) string { return o.Banner },
		func(c *receiveSpec) **string { return &c.Banner }),
	foldField("transportRole", func(d *receiveDecl) *string { return enumPtr(d.TransportRole) },
		func(o *receiveObs) string { return o.TransportRole }, func(c *receiveSpec) **string { return &c.TransportRole }),
	exactField("tlsCertificateName", func(d *receiveDecl) *string { return d.TLSCertificateName },
		func(o *receiveObs) string { return o.TlsCertificateName }, func(c *receiveSpec) **string { return &c.TlsCertificateName }),
	foldField("protocolLoggingLevel", func(d *receiveDecl) *string { return enumPtr(d.ProtocolLoggingLevel) },
		func(o *receiveObs) string { return o.ProtocolLoggingLevel },
		func(c *receiveSpec) **string { return &c.ProtocolLoggingLevel }),
	commentField(func(d *receiveDecl) *string { return d.Comment }, func(o *receiveObs) string { return o.Comment },
		func(c *receiveSpec) **string { return &c.Comment }),
}

// receiveUnmanaged are the ReceiveConnectorSpec fields that are not
// compared, and why.
var receiveUnmanaged = map[string]string{
	"organizationRef":   "names the organisation, not a setting",
	"server":            "part of the identity",
	"ensure":            "decides the action",
	"usage":             "creation only: compared through what it implies (receiveUsageImplies)",
	"tlsCertificateRef": "resolved into tlsCertificateName (certref.go)",
}

// receiveOps is the rest of the ReceiveConnector kind.
var receiveOps = &connectorOps[receiveDecl, receiveObs, receiveSpec]{
	fields:      receiveFields,
	protected:   receiveProtected,
	replacement: receiveUsageImplies,
	adjust: func(id v1alpha1.Identity, diffs []FieldDiff, change *receiveSpec) ([]FieldDiff, []Note) {
		if receiveProtected(id) == "" || change.Bindings == nil {
			return diffs, nil
		}
		change.Bindings = nil
		var kept []FieldDiff
		var refused FieldDiff
		for _, d := range diffs {
			if d.Field == "bindings" {
				refused = d
				continue
			}
			kept = append(kept, d)
		}
		return kept, []Note{errorNote(ReasonDefaultConnectorProtected,
			`"%s\%s" is one of the server's default receive connectors; exreconcile never rebinds it (bindings: %s -> %s; declare a connector of your own for other bindings)`,
			id.Server, id.Name, refused.Actual, refused.Desired)}
	},
	create: func(id v1alpha1.Identity, d *receiveDecl, want receiveSpec, v exchange.Version, marker string) ([]exchange.Call, error) {
		usage := "Custom"
		if d.Usage != nil {
			usage = string(*d.Usage)
		}
		want.Comment = ptr(withMarker(deref(d.Comment), marker))
		return exchange.NewReceiveConnector(v, id.Server, id.Name, usage, want)
	},
	set: func(id v1alpha1.Identity, _ *receiveObs, change receiveSpec, v exchange.Version) ([]exchange.Call, error) {
		c, err := exchange.SetReceiveConnector(v, id.Server+`\`+id.Name, change)
		return []exchange.Call{c}, err
	},
	remove: func(id v1alpha1.Identity, _ *receiveObs) []exchange.Call {
		return []exchange.Call{exchange.RemoveReceiveConnector(id.Server + `\` + id.Name)}
	},
}

// bindReceiveConnectors binds the receive connectors declared on b's
// server, and, with --prune, those this site created there and no longer
// declares.
func bindReceiveConnectors(b *binding) []resource {
	var out []resource
	site, server := b.r.site, b.server.spec.Name
	var observed []receiveObs
	if b.obs != nil {
		observed = b.obs.ReceiveConnectors
	}
	for _, rc := range site.ReceiveConnectors() {
		if site.Organization(rc) != b.org.org || !strings.EqualFold(rc.Spec.Server, server) {
			continue
		}
		spec, refNotes := receiveWithRef(b, rc)
		out = append(out, &connector[receiveDecl, receiveObs, receiveSpec]{id: b.identity(rc), decl: spec, extra: refNotes,
			cur: findReceive(observed, rc.Name), gone: rc.Spec.Ensure == v1alpha1.EnsureAbsent, v: b.version(), ops: receiveOps, owner: b.org.org.Spec.Owner})
	}
	if b.obs == nil || !b.r.opts.Prune {
		return out
	}
	for i, c := range observed {
		if !hasMarker(c.Comment) || isDefaultReceiveConnector(server, c.Name) || receiveDeclared(b, c.Name) {
			continue
		}
		id := v1alpha1.Identity{Kind: v1alpha1.KindReceiveConnector, Organization: b.org.org.Name, Server: server, Name: c.Name}
		out = append(out, prunable(b, id, c.Comment, &observed[i], receiveOps))
	}
	return out
}

// pruned is a connector this site created and no longer declares: a
// removal, with the note that says why.
func pruned[D, O, C any](id v1alpha1.Identity, cur *O, ops *connectorOps[D, O, C]) resource {
	return &connector[D, O, C]{id: id, cur: cur, gone: true, ops: ops,
		extra: []Note{warningNote(ReasonPruned, "created by exreconcile and no longer declared")}}
}

// prunable decides an undeclared connector carrying a marker under
// --prune: this site's (spec.owner) is pruned; the unowned marker of
// earlier versions is pruned only with --adopt-unowned; another owner's
// is left alone and reported as owned elsewhere.
func prunable[D, O, C any](b *binding, id v1alpha1.Identity, comment string, cur *O, ops *connectorOps[D, O, C]) resource {
	owner, _ := markerOwner(comment)
	switch {
	case owner != "" && owner == b.org.org.Spec.Owner:
		return pruned(id, cur, ops)
	case owner == "" && b.r.opts.AdoptUnowned:
		r := pruned(id, cur, ops).(*connector[D, O, C])
		r.extra = []Note{warningNote(ReasonPruned, "carries the marker of an exreconcile without spec.owner, adopted by --adopt-unowned, and is not declared")}
		return r
	case owner == "":
		return &foreign{id: id, note: warningNote(ReasonOwnedElsewhere,
			"carries the marker %s, which names no owner: not pruned; if this site created it, rerun with --adopt-unowned", ownershipMarker)}
	}
	return &foreign{id: id, note: warningNote(ReasonOwnedElsewhere, "owned by %q (its Comment marker): not pruned by owner %q", owner, b.org.org.Spec.Owner)}
}

// foreign is an observed connector another site owns: never touched, only
// reported.
type foreign struct {
	id   v1alpha1.Identity
	note Note
}

func (f *foreign) identity() v1alpha1.Identity      { return f.id }
func (f *foreign) absent() bool                     { return false }
func (f *foreign) exists() bool                     { return true }
func (f *foreign) protected() string                { return "" }
func (f *foreign) diff() []FieldDiff                { return nil }
func (f *foreign) replacement() (Note, bool)        { return Note{}, false }
func (f *foreign) created() []FieldDiff             { return nil }
func (f *foreign) create() ([]exchange.Call, error) { return nil, nil }
func (f *foreign) change() ([]exchange.Call, error) { return nil, nil }
func (f *foreign) remove() []exchange.Call          { return nil }
func (f *foreign) notes() []Note                    { return []Note{f.note} }
func (f *foreign) observed() map[string]string      { return nil }

// receiveDeclared reports whether a receive connector of b's server is declared.
func receiveDeclared(b *binding, name string) bool {
	for _, rc := range b.r.site.ReceiveConnectors() {
		if b.r.site.Organization(rc) == b.org.org && strings.EqualFold(rc.Spec.Server, b.server.spec.Name) && strings.EqualFold(rc.Name, name) {
			return true
		}
	}
	return false
}

// defaultReceivePrefixes are the names setup gives a server's own receive
// connectors, each followed by the server name (docs/exchange.md, "Default
// receive connectors"). Internal mail flow depends on them, so exreconcile
// never removes or rebinds them.
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

// receiveProtected says why a default receive connector is never removed.
func receiveProtected(id v1alpha1.Identity) string {
	if !isDefaultReceiveConnector(id.Server, id.Name) {
		return ""
	}
	return fmt.Sprintf(`"%s\%s" is one of the server's default receive connectors; internal mail flow depends on it, so exreconcile never removes it`,
		id.Server, id.Name)
}

// receiveUsageDefaults is what New-ReceiveConnector sets per usage type
// (docs/exchange.md, "Usage types").
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

// receiveUsageImplies checks a declared usage against an existing connector:
// usage is set only at creation and decides the permission groups and
// authentication a connector starts with. When those fields are not declared
// and the connector's values are not the ones the usage gives, it was created
// with another usage.
func receiveUsageImplies(d *receiveDecl, cur *receiveObs) (Note, bool) {
	if d.Usage == nil {
		return Note{}, false
	}
	def, ok := receiveUsageDefaults[string(*d.Usage)]
	if !ok {
		return Note{}, false
	}
	var why []string
	if d.PermissionGroups == nil && cur.PermissionGroups != def.groups {
		why = append(why, fmt.Sprintf("PermissionGroups %s (usage %s gives %s)", cur.PermissionGroups, *d.Usage, def.groups))
	}
	if d.AuthMechanism == nil && cur.AuthMechanism != def.auth {
		why = append(why, fmt.Sprintf("AuthMechanism %s (usage %s gives %s)", cur.AuthMechanism, *d.Usage, def.auth))
	}
	if len(why) == 0 {
		return Note{}, false
	}
	return warningNote(ReasonRequiresReplacement, "usage is set only at creation and the connector has %s; "+
		"declare those fields to keep the connector, or apply --allow-replace to remove and recreate it", strings.Join(why, ", ")), true
}

func findReceive(list []receiveObs, name string) *receiveObs {
	for i := range list {
		if strings.EqualFold(list[i].Name, name) {
			return &list[i]
		}
	}
	return nil
}

// equal is == as a function, for valueField.
func equal[T comparable](a, b T) bool { return a == b }
