package v1alpha1

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// Rule names for ReceiveConnector.
const (
	RuleReceiveName               = "ReceiveConnectorName"
	RuleReceiveServer             = "ReceiveServer"
	RuleReceiveUsageBindings      = "ReceiveUsageBindings"
	RuleReceiveUsageRemoteIPs     = "ReceiveUsageRemoteIPRanges"
	RuleReceiveBindings           = "ReceiveBindings"
	RuleReceiveRemoteIPRanges     = "ReceiveRemoteIPRanges"
	RuleReceiveRequireTLS         = "ReceiveRequireTLSNeedsTls"
	RuleReceiveDomainSecure       = "ReceiveDomainSecureNeedsTls"
	RuleReceiveAuthCombination    = "ReceiveAuthMechanismCombination"
	RuleReceiveExternalAuthGroups = "ReceiveExternalAuthoritativeGroups"
	RuleReceiveMaxMessageSize     = "ReceiveMaxMessageSize"
	RuleReceiveFQDN               = "ReceiveFQDN"
	RuleReceiveDefaultFQDN        = "ReceiveDefaultConnectorFQDN"
	RuleReceiveTransportRole      = "ReceiveTransportRole"
	RuleReceiveTLSCertificateName = "ReceiveTLSCertificateName"
	RuleReceiveBanner             = "ReceiveBanner"
	RuleReceiveAbsent             = "ReceiveAbsentWithSettings"
	RuleReceiveBindingConflict    = "ReceiveBindingConflict"
)

// minReceiveMessageSize is the smallest receive MaxMessageSize Exchange accepts, 64 KB.
const minReceiveMessageSize = 65536

var receiveConnectorRules = []rule[*ReceiveConnector]{
	{RuleReceiveName, "metadata.name is a connector name Exchange accepts: at most 64 characters, no surrounding spaces, no backslash.", func(c *checker, r *ReceiveConnector) { checkConnectorName(c, r.Name) }},
	{RuleReceiveServer, "server is one of the organisation's declared servers.", checkReceiveServer},
	{RuleReceiveUsageBindings, "usage Client and Internal forbid bindings (Exchange sets them); Custom, Internet and Partner need them at creation.", checkReceiveUsageBindings},
	{RuleReceiveUsageRemoteIPs, "usage Internet forbids remoteIPRanges at creation; Client, Custom, Internal and Partner need them.", checkReceiveUsageRemoteIPs},
	{RuleReceiveBindings, "bindings, when managed, are not empty and list each binding once.", checkReceiveBindings},
	{RuleReceiveRemoteIPRanges, "remoteIPRanges, when managed, are not empty and list each range once.", checkReceiveRemoteIPRanges},
	{RuleReceiveRequireTLS, "requireTLS true needs Tls in authMechanism.", checkReceiveRequireTLS},
	{RuleReceiveDomainSecure, "domainSecureEnabled true needs Tls and not ExternalAuthoritative in authMechanism.", checkReceiveDomainSecure},
	{RuleReceiveAuthCombination, "authMechanism: None only alone; BasicAuthRequireTLS needs BasicAuth and Tls; ExternalAuthoritative only with Tls.", checkReceiveAuthCombination},
	{RuleReceiveExternalAuthGroups, "authMechanism ExternalAuthoritative needs permissionGroups exactly [ExchangeServers].", checkReceiveExternalAuthGroups},
	{RuleReceiveMaxMessageSize, "maxMessageSize is 64KB (65536 bytes) to 2147483647 bytes; unlimited is not allowed.", checkReceiveMaxMessageSize},
	{RuleReceiveFQDN, "fqdn is a host name.", func(c *checker, r *ReceiveConnector) { checkFQDN(c, "spec.fqdn", r.Spec.FQDN) }},
	{RuleReceiveDefaultFQDN, `Changing fqdn on a Mailbox server's "Default <Server>" connector breaks mail flow between Mailbox servers (warning; docs/exchange.md#receive-connector-rules item 19).`, checkReceiveDefaultFQDN},
	{RuleReceiveTransportRole, "transportRole exists on Exchange 2013 and later only (warning) and not on Edge servers.", checkReceiveTransportRole},
	{RuleReceiveTLSCertificateName, `tlsCertificateName is "<I>issuer<S>subject"; it exists on Exchange 2013 and later only (warning).`, checkReceiveTLSCertificateName},
	{RuleReceiveTLSCertificateRef, "tlsCertificateRef names a declared ExchangeCertificate of the organisation declared for the connector's server, and not together with tlsCertificateName; it exists on Exchange 2013 and later only (warning).", checkReceiveCertificateRef},
	{RuleReceiveBanner, `banner starts with the SMTP code 220 (warning).`, checkReceiveBanner},
	{RuleReceiveAbsent, "ensure Absent with other settings: they are ignored (warning).", checkReceiveAbsent},
}

func checkReceiveServer(c *checker, r *ReceiveConnector) {
	if r.Spec.Server == "" || c.org == nil {
		return
	}
	if c.org.Server(r.Spec.Server) == nil {
		c.errorf("spec.server", "server %q is not declared in ExchangeOrganization %q; declared: %s",
			r.Spec.Server, c.org.Name, strings.Join(c.org.ServerNames(""), ", "))
	}
}

func checkReceiveUsageBindings(c *checker, r *ReceiveConnector) {
	if r.Spec.Usage == nil {
		return
	}
	switch u := *r.Spec.Usage; u {
	case ReceiveUsageClient, ReceiveUsageInternal:
		if r.Spec.Bindings != nil {
			c.errorf("spec.bindings", "usage %s connectors get their bindings from Exchange (%s); leave bindings out or use usage Custom",
				u, map[ReceiveUsage]string{ReceiveUsageClient: "0.0.0.0:587", ReceiveUsageInternal: "0.0.0.0:25"}[u])
		}
	case ReceiveUsageCustom, ReceiveUsageInternet, ReceiveUsagePartner:
		if r.Spec.Bindings == nil && r.Spec.Ensure != EnsureAbsent {
			c.errorf("spec.usage", "usage %s needs bindings to create the connector (New-ReceiveConnector requires -Bindings)", u)
		}
	}
}

func checkReceiveUsageRemoteIPs(c *checker, r *ReceiveConnector) {
	if r.Spec.Usage == nil {
		return
	}
	switch u := *r.Spec.Usage; u {
	case ReceiveUsageInternet:
		if r.Spec.RemoteIPRanges != nil {
			c.errorf("spec.remoteIPRanges", "usage Internet connectors accept every remote address and Exchange refuses remoteIPRanges at creation; leave them out or use usage Custom or Partner")
		}
	default:
		if r.Spec.RemoteIPRanges == nil && r.Spec.Ensure != EnsureAbsent {
			c.errorf("spec.usage", "usage %s needs remoteIPRanges to create the connector (New-ReceiveConnector requires -RemoteIPRanges)", u)
		}
	}
}

func checkReceiveBindings(c *checker, r *ReceiveConnector) {
	b := r.Spec.Bindings
	if b != nil && len(b) == 0 && r.Spec.Ensure != EnsureAbsent {
		c.errorf("spec.bindings", "list at least one binding, such as 0.0.0.0:25, or leave bindings out")
	}
	for i, x := range b {
		if j := slices.IndexFunc(b[:i], x.Equal); j >= 0 && x.IP.IsValid() {
			c.errorf(fmt.Sprintf("spec.bindings[%d]", i), "binding %s is listed twice (also spec.bindings[%d])", x, j)
		}
	}
}

func checkReceiveRemoteIPRanges(c *checker, r *ReceiveConnector) {
	rs := r.Spec.RemoteIPRanges
	if rs != nil && len(rs) == 0 && r.Spec.Ensure != EnsureAbsent {
		c.errorf("spec.remoteIPRanges", "list at least one range, such as 0.0.0.0-255.255.255.255, or leave remoteIPRanges out")
	}
	for i, x := range rs {
		if j := slices.IndexFunc(rs[:i], x.Equal); j >= 0 && x.Start.IsValid() {
			c.errorf(fmt.Sprintf("spec.remoteIPRanges[%d]", i), "range %s is listed twice (also spec.remoteIPRanges[%d])", x, j)
		}
	}
}

func checkReceiveRequireTLS(c *checker, r *ReceiveConnector) {
	if a := r.Spec.AuthMechanism; isTrue(r.Spec.RequireTLS) && a != nil && !a.Has(value.AuthTls) {
		c.errorf("spec.requireTLS", "requireTLS true needs Tls in authMechanism (now %s)", a)
	}
}

func checkReceiveDomainSecure(c *checker, r *ReceiveConnector) {
	a := r.Spec.AuthMechanism
	if !isTrue(r.Spec.DomainSecureEnabled) || a == nil {
		return
	}
	if !a.Has(value.AuthTls) {
		c.errorf("spec.domainSecureEnabled", "domainSecureEnabled true needs Tls in authMechanism (now %s)", a)
	}
	if a.Has(value.AuthExternalAuthoritative) {
		c.errorf("spec.domainSecureEnabled", "domainSecureEnabled cannot be combined with ExternalAuthoritative in authMechanism")
	}
}

func checkReceiveAuthCombination(c *checker, r *ReceiveConnector) {
	a := r.Spec.AuthMechanism
	if a == nil || *a == value.AuthNone {
		return
	}
	if a.Has(value.AuthBasicAuthRequireTLS) && (!a.Has(value.AuthBasicAuth) || !a.Has(value.AuthTls)) {
		c.errorf("spec.authMechanism", "BasicAuthRequireTLS also needs BasicAuth and Tls (now %s)", a)
	}
	if a.Has(value.AuthExternalAuthoritative) && a.Without(value.AuthExternalAuthoritative).Without(value.AuthTls) != value.AuthNone {
		c.errorf("spec.authMechanism", "ExternalAuthoritative can only be combined with Tls (now %s)", a)
	}
}

func checkReceiveExternalAuthGroups(c *checker, r *ReceiveConnector) {
	a, g := r.Spec.AuthMechanism, r.Spec.PermissionGroups
	if a == nil || !a.Has(value.AuthExternalAuthoritative) {
		return
	}
	if g == nil || *g != value.PermissionExchangeServers {
		now := "not set"
		if g != nil {
			now = g.String()
		}
		c.errorf("spec.authMechanism", "ExternalAuthoritative needs permissionGroups: [ExchangeServers] (now %s)", now)
	}
}

func checkReceiveMaxMessageSize(c *checker, r *ReceiveConnector) {
	m := r.Spec.MaxMessageSize
	switch {
	case m == nil:
	case m.Unlimited:
		c.errorf("spec.maxMessageSize", "unlimited is not allowed on a receive connector: allowed 64KB (65536 bytes) to 2147483647 bytes")
	case m.Bytes < minReceiveMessageSize || m.Bytes > maxExchangeBytes:
		c.errorf("spec.maxMessageSize", "maxMessageSize %s is out of range: allowed 64KB (65536 bytes) to 2147483647 bytes (2GB - 1)", m)
	}
}

func checkReceiveDefaultFQDN(c *checker, r *ReceiveConnector) {
	if r.Spec.FQDN == nil || c.org == nil {
		return
	}
	srv := c.org.Server(r.Spec.Server)
	if srv == nil || srv.Role != RoleMailbox || !strings.EqualFold(r.Name, "Default "+srv.Name) {
		return
	}
	c.warnf("spec.fqdn", "changing fqdn on %q breaks internal mail flow between Mailbox servers; create a separate connector for the name partners see", r.Name)
}

func checkReceiveTransportRole(c *checker, r *ReceiveConnector) {
	if r.Spec.TransportRole == nil {
		return
	}
	c.warnf("spec.transportRole", versionGateMsg, "transportRole")
	if c.org == nil {
		return
	}
	if srv := c.org.Server(r.Spec.Server); srv != nil && srv.Role == RoleEdge {
		c.errorf("spec.transportRole", "transportRole cannot be set on Edge server %q", srv.Name)
	}
}

func checkReceiveTLSCertificateName(c *checker, r *ReceiveConnector) {
	checkTLSCertificateName(c, "spec.tlsCertificateName", r.Spec.TLSCertificateName)
	if r.Spec.TLSCertificateName != nil {
		c.warnf("spec.tlsCertificateName", versionGateMsg, "tlsCertificateName")
	}
}

func checkReceiveBanner(c *checker, r *ReceiveConnector) {
	if b := r.Spec.Banner; b != nil && !strings.HasPrefix(*b, "220 ") && *b != "220" {
		c.warnf("spec.banner", `banner should start with the SMTP code 220, such as "220 mail.work.com"`)
	}
}

func checkReceiveAbsent(c *checker, r *ReceiveConnector) {
	if r.Spec.Ensure != EnsureAbsent {
		return
	}
	spec := r.Spec
	spec.OrganizationRef, spec.Ensure, spec.Server = "", "", ""
	if !isZero(spec) {
		c.warnf("spec.ensure", "ensure is Absent: the connector is removed and its other settings are ignored")
	}
}

// allAddresses is what an Internet connector accepts when it is created without
// remoteIPRanges: every IPv4 and IPv6 address.
var allAddresses = []value.IPRange{
	{Start: netip.MustParseAddr("0.0.0.0"), End: netip.MustParseAddr("255.255.255.255")},
	{Start: netip.IPv6Unspecified(), End: netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")},
}

// effectiveRemoteIPRanges returns the ranges a connector accepts when known offline: the
// declared ones, or every address for a usage Internet connector without remoteIPRanges.
func effectiveRemoteIPRanges(r *ReceiveConnector) ([]value.IPRange, bool) {
	if r.Spec.RemoteIPRanges != nil {
		return r.Spec.RemoteIPRanges, true
	}
	if r.Spec.Usage != nil && *r.Spec.Usage == ReceiveUsageInternet {
		return allAddresses, true
	}
	return nil, false
}

// checkReceiveBindingConflicts reports two present connectors on one server that listen on
// the same local address and port and either belong to different transport roles or accept
// the same remote ranges: Exchange needs a unique combination of binding and remote ranges per
// server (docs/exchange.md "Receive connector rules" item 12).
func checkReceiveBindingConflicts(c *checker) {
	byServer := map[string][]*ReceiveConnector{}
	var servers []string
	for _, r := range c.v.site.ReceiveConnectors() {
		org := c.v.site.Organization(r)
		if org == nil || r.Spec.Ensure == EnsureAbsent || r.Spec.Server == "" {
			continue
		}
		key := org.Name + "/" + strings.ToLower(r.Spec.Server)
		if byServer[key] == nil {
			servers = append(servers, key)
		}
		byServer[key] = append(byServer[key], r)
	}
	for _, key := range servers {
		rs := byServer[key]
		for i, r := range rs {
			for _, prev := range rs[:i] {
				checkBindingPair(c.at(r), r, prev)
			}
		}
	}
}

func checkBindingPair(c *checker, r, prev *ReceiveConnector) {
	for bi, b := range r.Spec.Bindings {
		pi := slices.IndexFunc(prev.Spec.Bindings, b.Conflicts)
		if pi < 0 || !b.IP.IsValid() {
			continue
		}
		path := fmt.Sprintf("spec.bindings[%d]", bi)
		other := fmt.Sprintf("ReceiveConnector %q (%s)", prev.Name, c.where(prev, fmt.Sprintf("spec.bindings[%d]", pi)))
		if r.Spec.TransportRole != nil && prev.Spec.TransportRole != nil && *r.Spec.TransportRole != *prev.Spec.TransportRole {
			c.errorf(path, "binding %s is also used by %s, which has another transport role; connectors of different transport roles on one server need distinct bindings", b, other)
			return
		}
		mine, ok1 := effectiveRemoteIPRanges(r)
		theirs, ok2 := effectiveRemoteIPRanges(prev)
		if ok1 && ok2 && value.IPRangeSet(mine).SameAddresses(value.IPRangeSet(theirs)) {
			c.errorf(path, "binding %s is also used by %s with remoteIPRanges covering the same addresses; a server needs a unique combination of binding and remote ranges, so give one of them narrower remoteIPRanges", b, other)
			return
		}
	}
}
