package v1alpha1

import (
	"fmt"
	"slices"
	"strings"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// Rule names for SendConnector.
const (
	RuleSendName                    = "SendConnectorName"
	RuleSendAddressSpaces           = "SendAddressSpaces"
	RuleSendNonSMTPNeedsSmartHosts  = "SendNonSMTPAddressSpaceNeedsSmartHosts"
	RuleSendRequireTLSIgnoreSTART   = "SendRequireTLSWithIgnoreSTARTTLS"
	RuleSendSmartHostsNeedNoDNS     = "SendSmartHostsNeedDNSRoutingDisabled"
	RuleSendNoDNSNeedsSmartHosts    = "SendDNSRoutingDisabledNeedsSmartHosts"
	RuleSendSmartHostAuth           = "SendSmartHostAuthNeedsSmartHosts"
	RuleSendBasicAuthCredential     = "SendBasicAuthNeedsCredential"
	RuleSendCredentialUnused        = "SendCredentialWithoutBasicAuth"
	RuleSendDomainSecure            = "SendDomainSecure"
	RuleSendPartnerUsageSmartHosts  = "SendPartnerUsageWithSmartHosts"
	RuleSendTLSAuthLevel            = "SendTLSAuthLevelNeedsRequireTLS"
	RuleSendTLSDomain               = "SendTLSDomain"
	RuleSendDomainValidationNoTLSDN = "SendDomainValidationSmartHostNeedsTLSDomain"
	RuleSendTLSCertificateName      = "SendTLSCertificateName"
	RuleSendPort                    = "SendPort"
	RuleSendFQDN                    = "SendFQDN"
	RuleSendSourceTransportServers  = "SendSourceTransportServers"
	RuleSendMaxMessageSize          = "SendMaxMessageSize"
	RuleSendEdgeOnlyValues          = "SendEdgeOnlyValues"
	RuleSendPasswordFrom            = "SendPasswordFrom"
	RuleSendAbsent                  = "SendAbsentWithSettings"
)

var sendConnectorRules = []rule[*SendConnector]{
	{RuleSendName, "metadata.name is a connector name Exchange accepts: at most 64 characters, no surrounding spaces, no backslash.", func(c *checker, s *SendConnector) { checkConnectorName(c, s.Name) }},
	{RuleSendAddressSpaces, "addressSpaces, when managed, is not empty (Exchange: NoAddressSpaces) and lists each address space once.", checkSendAddressSpaces},
	{RuleSendNonSMTPNeedsSmartHosts, "Non-SMTP address spaces need smartHosts and dnsRoutingEnabled false (docs/exchange.md#send-connector-rules item 7).", checkSendNonSMTP},
	{RuleSendRequireTLSIgnoreSTART, "requireTLS true needs ignoreSTARTTLS false (Exchange: IgnoreRequireTLSConflict).", checkSendRequireTLSIgnoreSTARTTLS},
	{RuleSendSmartHostsNeedNoDNS, "smartHosts need dnsRoutingEnabled false, set in the same manifest (Exchange: DNSRoutingEnabledMustNotBeSpecified).", checkSendSmartHostsNeedNoDNS},
	{RuleSendNoDNSNeedsSmartHosts, "dnsRoutingEnabled false needs smartHosts (Exchange: SmartHostNotSet).", checkSendNoDNSNeedsSmartHosts},
	{RuleSendSmartHostAuth, "smartHostAuthMechanism other than None needs smartHosts and dnsRoutingEnabled false.", checkSendSmartHostAuth},
	{RuleSendBasicAuthCredential, "smartHostAuthMechanism BasicAuth or BasicAuthRequireTLS needs authenticationCredential (Exchange: AuthenticationCredentialNotSet).", checkSendBasicAuthCredential},
	{RuleSendCredentialUnused, "authenticationCredential without BasicAuth or BasicAuthRequireTLS is never used (warning).", checkSendCredentialUnused},
	{RuleSendDomainSecure, "domainSecureEnabled true needs dnsRoutingEnabled true, ignoreSTARTTLS false, no wildcard address spaces and no tlsAuthLevel.", checkSendDomainSecure},
	{RuleSendPartnerUsageSmartHosts, "usage Partner turns domainSecureEnabled on at creation, which a smart-host connector refuses, unless domainSecureEnabled false is given.", checkSendPartnerUsage},
	{RuleSendTLSAuthLevel, "tlsAuthLevel needs requireTLS true and ignoreSTARTTLS false (Exchange: TlsAuthLevelWithRequireTlsDisabled).", checkSendTLSAuthLevel},
	{RuleSendTLSDomain, "tlsDomain is a domain or *.domain and only goes with tlsAuthLevel DomainValidation (Exchange: TlsDomainWithIncorrectTlsAuthLevel).", checkSendTLSDomain},
	{RuleSendDomainValidationNoTLSDN, "tlsAuthLevel DomainValidation on a smart-host connector needs tlsDomain (Exchange: TlsAuthLevelWithNoDomainOnSmartHost).", checkSendDomainValidationSmartHost},
	{RuleSendTLSCertificateName, `tlsCertificateName is "<I>issuer<S>subject"; it exists on Exchange 2013 and later only (warning).`, checkSendTLSCertificateName},
	{RuleSendTLSCertificateRef, "tlsCertificateRef names a declared ExchangeCertificate of the organisation, declared on every sourceTransportServers entry, and not together with tlsCertificateName; it exists on Exchange 2013 and later only (warning).", checkSendCertificateRef},
	{RuleSendPort, "port is 0..65535.", checkSendPort},
	{RuleSendFQDN, "fqdn is a host name.", func(c *checker, s *SendConnector) { checkFQDN(c, "spec.fqdn", s.Spec.FQDN) }},
	{RuleSendSourceTransportServers, "sourceTransportServers lists servers once, are not Edge servers (Exchange: SendConnectorSourceServersSetForEdge) and should be declared (warning).", checkSendSourceTransportServers},
	{RuleSendMaxMessageSize, "maxMessageSize is at most 2147483647 bytes, or unlimited.", checkSendMaxMessageSize},
	{RuleSendEdgeOnlyValues, `The address space and smart host "--" only exist on an Edge server's connector.`, checkSendEdgeOnlyValues},
	{RuleSendPasswordFrom, "authenticationCredential.passwordFrom names exactly one of env or file.", checkSendPasswordFrom},
	{RuleSendAbsent, "ensure Absent with other settings: they are ignored (warning).", checkSendAbsent},
}

func checkSendAddressSpaces(c *checker, s *SendConnector) {
	as := s.Spec.AddressSpaces
	if as != nil && len(as) == 0 && s.Spec.Ensure != EnsureAbsent {
		c.errorf("spec.addressSpaces", "list at least one address space, such as canoe.com; Exchange refuses a send connector without one")
	}
	for i, a := range as {
		j := slices.IndexFunc(as[:i], func(b value.AddressSpace) bool {
			return strings.EqualFold(a.Type, b.Type) && strings.EqualFold(a.Domain, b.Domain)
		})
		if j >= 0 && a.Domain != "" {
			c.errorf(fmt.Sprintf("spec.addressSpaces[%d]", i), "address space %s is listed twice (also spec.addressSpaces[%d])", a.Type+":"+a.Domain, j)
		}
	}
}

func checkSendNonSMTP(c *checker, s *SendConnector) {
	for i, a := range s.Spec.AddressSpaces {
		if a.Type == "" || a.IsSMTP() {
			continue
		}
		if len(s.Spec.SmartHosts) == 0 || !isFalse(s.Spec.DNSRoutingEnabled) {
			c.errorf(fmt.Sprintf("spec.addressSpaces[%d]", i), "a %s address space needs smartHosts and dnsRoutingEnabled: false; only SMTP address spaces can be routed by DNS", a.Type)
		}
	}
}

func checkSendRequireTLSIgnoreSTARTTLS(c *checker, s *SendConnector) {
	if isTrue(s.Spec.RequireTLS) && isTrue(s.Spec.IgnoreSTARTTLS) {
		c.errorf("spec.ignoreSTARTTLS", "ignoreSTARTTLS must be false when requireTLS is true: a connector cannot both require TLS and never offer it")
	}
}

func checkSendSmartHostsNeedNoDNS(c *checker, s *SendConnector) {
	if len(s.Spec.SmartHosts) == 0 || isFalse(s.Spec.DNSRoutingEnabled) {
		return
	}
	if s.Spec.DNSRoutingEnabled == nil {
		c.errorf("spec.smartHosts", "smartHosts need dnsRoutingEnabled: false in the same manifest; Exchange takes both on one command line")
		return
	}
	c.errorf("spec.dnsRoutingEnabled", "dnsRoutingEnabled must be false when smartHosts are given; mail goes either by DNS (MX records) or through smart hosts")
}

func checkSendNoDNSNeedsSmartHosts(c *checker, s *SendConnector) {
	if isFalse(s.Spec.DNSRoutingEnabled) && len(s.Spec.SmartHosts) == 0 && s.Spec.Ensure != EnsureAbsent {
		c.errorf("spec.dnsRoutingEnabled", "dnsRoutingEnabled false needs smartHosts to route through; list them in spec.smartHosts")
	}
}

func checkSendSmartHostAuth(c *checker, s *SendConnector) {
	m := s.Spec.SmartHostAuthMechanism
	if m == nil || *m == SmartHostAuthNone || *m == "" {
		return
	}
	if len(s.Spec.SmartHosts) == 0 || !isFalse(s.Spec.DNSRoutingEnabled) {
		c.errorf("spec.smartHostAuthMechanism", "smartHostAuthMechanism %s authenticates to smart hosts: it needs smartHosts and dnsRoutingEnabled: false", *m)
	}
}

func checkSendBasicAuthCredential(c *checker, s *SendConnector) {
	if m := s.Spec.SmartHostAuthMechanism; m != nil && m.NeedsCredential() && s.Spec.AuthenticationCredential == nil {
		c.errorf("spec.smartHostAuthMechanism", "smartHostAuthMechanism %s needs authenticationCredential {username, passwordFrom}", *m)
	}
}

func checkSendCredentialUnused(c *checker, s *SendConnector) {
	m := s.Spec.SmartHostAuthMechanism
	if s.Spec.AuthenticationCredential != nil && (m == nil || !m.NeedsCredential()) {
		c.warnf("spec.authenticationCredential", "authenticationCredential is only used with smartHostAuthMechanism BasicAuth or BasicAuthRequireTLS")
	}
}

func checkSendDomainSecure(c *checker, s *SendConnector) {
	if !isTrue(s.Spec.DomainSecureEnabled) {
		return
	}
	const why = "domain security (mutual TLS) works only over DNS routing with STARTTLS for named domains"
	if isFalse(s.Spec.DNSRoutingEnabled) {
		c.errorf("spec.dnsRoutingEnabled", "domainSecureEnabled needs dnsRoutingEnabled true; %s", why)
	}
	if isTrue(s.Spec.IgnoreSTARTTLS) {
		c.errorf("spec.ignoreSTARTTLS", "domainSecureEnabled needs ignoreSTARTTLS false; %s", why)
	}
	for i, a := range s.Spec.AddressSpaces {
		if a.IsWildcard() {
			c.errorf(fmt.Sprintf("spec.addressSpaces[%d]", i), "domainSecureEnabled cannot secure the wildcard address space %q; %s", a.Domain, why)
		}
	}
	if s.Spec.TLSAuthLevel != nil {
		c.errorf("spec.tlsAuthLevel", "tlsAuthLevel cannot be set with domainSecureEnabled true; domain security does its own certificate validation")
	}
}

func checkSendPartnerUsage(c *checker, s *SendConnector) {
	if s.Spec.Usage == nil || *s.Spec.Usage != SendUsagePartner || s.Spec.DomainSecureEnabled != nil {
		return
	}
	if isFalse(s.Spec.DNSRoutingEnabled) {
		c.errorf("spec.usage", "usage Partner turns domainSecureEnabled on at creation, which needs DNS routing; set domainSecureEnabled: false or use usage Custom for a smart-host connector")
	}
}

func checkSendTLSAuthLevel(c *checker, s *SendConnector) {
	if s.Spec.TLSAuthLevel == nil {
		return
	}
	if !isTrue(s.Spec.RequireTLS) {
		c.errorf("spec.tlsAuthLevel", "tlsAuthLevel needs requireTLS: true in the same manifest; Exchange refuses it otherwise")
	}
	if isTrue(s.Spec.IgnoreSTARTTLS) {
		c.errorf("spec.tlsAuthLevel", "tlsAuthLevel cannot be set with ignoreSTARTTLS true")
	}
}

func checkSendTLSDomain(c *checker, s *SendConnector) {
	if s.Spec.TLSDomain == nil {
		return
	}
	if _, err := value.ParseDomainWithSubdomains(*s.Spec.TLSDomain); err != nil {
		c.errorf("spec.tlsDomain", "%v", err)
	}
	if l := s.Spec.TLSAuthLevel; l == nil || *l != TLSAuthDomainValidation {
		c.errorf("spec.tlsDomain", "tlsDomain is only used with tlsAuthLevel: DomainValidation")
	}
}

func checkSendDomainValidationSmartHost(c *checker, s *SendConnector) {
	if l := s.Spec.TLSAuthLevel; l != nil && *l == TLSAuthDomainValidation && isFalse(s.Spec.DNSRoutingEnabled) && s.Spec.TLSDomain == nil {
		c.errorf("spec.tlsAuthLevel", "tlsAuthLevel DomainValidation on a smart-host connector needs tlsDomain, the domain the smart host's certificate must match")
	}
}

func checkSendTLSCertificateName(c *checker, s *SendConnector) {
	checkTLSCertificateName(c, "spec.tlsCertificateName", s.Spec.TLSCertificateName)
	if s.Spec.TLSCertificateName != nil {
		c.warnf("spec.tlsCertificateName", versionGateMsg, "tlsCertificateName")
	}
}

func checkSendPort(c *checker, s *SendConnector) {
	if p := s.Spec.Port; p != nil && (*p < 0 || *p > 65535) {
		c.errorf("spec.port", "port %d is out of range: allowed 0 to 65535 (Exchange's default is 25)", *p)
	}
}

func checkSendSourceTransportServers(c *checker, s *SendConnector) {
	servers := s.Spec.SourceTransportServers
	if servers == nil {
		return
	}
	if len(servers) == 0 && s.Spec.Ensure != EnsureAbsent {
		c.errorf("spec.sourceTransportServers", "list at least one Mailbox server, or leave sourceTransportServers out")
	}
	checkServerSet(c, "spec.sourceTransportServers", servers, false)
	if c.org == nil {
		return
	}
	for i, n := range servers {
		if srv := c.org.Server(n); srv != nil && srv.Role == RoleEdge {
			c.errorf(fmt.Sprintf("spec.sourceTransportServers[%d]", i), "%q is an Edge server; sourceTransportServers is not valid on Edge (Edge send connectors are managed on the Mailbox side through EdgeSync)", n)
		}
	}
}

func checkSendMaxMessageSize(c *checker, s *SendConnector) {
	if m := s.Spec.MaxMessageSize; m != nil && !m.Unlimited && m.Bytes > maxExchangeBytes {
		c.errorf("spec.maxMessageSize", "maxMessageSize %s is too large: allowed up to 2147483647 bytes (2GB - 1), or unlimited", m)
	}
}

func checkSendEdgeOnlyValues(c *checker, s *SendConnector) {
	if c.org == nil || len(c.org.ServerNames(RoleEdge)) > 0 {
		return
	}
	for i, a := range s.Spec.AddressSpaces {
		if a.AllAcceptedDomains() {
			c.errorf(fmt.Sprintf("spec.addressSpaces[%d]", i), `the address space "--" (all accepted domains) only exists on an Edge server's connector, and ExchangeOrganization %q declares no Edge server`, c.org.Name)
		}
	}
	for i, h := range s.Spec.SmartHosts {
		if h.AllMailboxServers() {
			c.errorf(fmt.Sprintf("spec.smartHosts[%d]", i), `the smart host "--" (all Mailbox servers of the site) only exists on an Edge server's connector, and ExchangeOrganization %q declares no Edge server`, c.org.Name)
		}
	}
}

func checkSendPasswordFrom(c *checker, s *SendConnector) {
	if cred := s.Spec.AuthenticationCredential; cred != nil {
		checkPasswordFrom(c, "spec.authenticationCredential.passwordFrom", cred.PasswordFrom)
	}
}

func checkSendAbsent(c *checker, s *SendConnector) {
	if s.Spec.Ensure != EnsureAbsent {
		return
	}
	spec := s.Spec
	spec.OrganizationRef, spec.Ensure = "", ""
	if !isZero(spec) {
		c.warnf("spec.ensure", "ensure is Absent: the connector is removed and its other settings are ignored")
	}
}
