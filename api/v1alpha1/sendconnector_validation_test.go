package v1alpha1

import "testing"

var sendConnectorCases = map[string]ruleCase{
	"Valid": {
		reason: "An opportunistic TLS connector to the Internet, as in seed 003.",
		docs:   []string{send("Internet", `{usage: Internet, addressSpaces: ["*"], dnsRoutingEnabled: true, port: 25, fqdn: mail.work.com, sourceTransportServers: [WIN20081, WIN20082], maxMessageSize: 35MB}`)},
	},
	"ValidSmartHost": {
		reason: "A smart-host connector with Basic over TLS, as in seed 000.",
		docs: []string{send("ONE Mail", `{addressSpaces: ["ehealthontario.on.ca;1"], dnsRoutingEnabled: false, smartHosts: [142.46.226.22], requireTLS: true, ignoreSTARTTLS: false,
  smartHostAuthMechanism: BasicAuthRequireTLS, authenticationCredential: {username: "ONE\\relay", passwordFrom: {file: /run/secrets/one}}}`)},
	},
	"NameTooLong": {
		reason: "Exchange refuses names over 64 characters.",
		docs:   []string{send("a-very-long-connector-name-that-goes-on-and-on-beyond-sixty-four-chars", `{addressSpaces: [canoe.com]}`)},
		want:   []string{"error SendConnectorName metadata.name"},
	},
	"NameWithSpaces": {
		reason: "Exchange trims the name, so the connector would never match.",
		docs:   []string{send(" to canoe", `{addressSpaces: [canoe.com]}`)},
		want:   []string{"error SendConnectorName metadata.name"},
	},
	"NameWithCR": {
		reason: "A CR in a name is not kept by Exchange: created once, then 'already exists' on every apply.",
		docs:   []string{send("to\rcanoe", `{addressSpaces: [canoe.com]}`)},
		want:   []string{"error SendConnectorName metadata.name"},
	},
	"EmptyAddressSpaces": {
		reason: "A managed, empty address space list is refused (NoAddressSpaces).",
		docs:   []string{send("x", `{addressSpaces: []}`)},
		want:   []string{"error SendAddressSpaces spec.addressSpaces"},
	},
	"RepeatedAddressSpace": {
		reason: "The same domain twice (even at another cost) is a mistake.",
		docs:   []string{send("x", `{addressSpaces: ["canoe.com;1", "SMTP:Canoe.com;5"]}`)},
		want:   []string{"error SendAddressSpaces spec.addressSpaces[1]"},
	},
	"NonSMTPNeedsSmartHosts": {
		reason: "Non-SMTP address spaces cannot be routed by DNS.",
		docs:   []string{send("x400", `{addressSpaces: ["X400:c=US;a= ;p=Work;o=Exchange;1"]}`)},
		want:   []string{"error SendNonSMTPAddressSpaceNeedsSmartHosts spec.addressSpaces[0]"},
	},
	"RequireTLSWithIgnoreSTARTTLS": {
		reason: "A connector cannot require TLS and never offer it.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], requireTLS: true, ignoreSTARTTLS: true}`)},
		want:   []string{"error SendRequireTLSWithIgnoreSTARTTLS spec.ignoreSTARTTLS"},
	},
	"SmartHostsWithDNSRouting": {
		reason: "Smart hosts need DNS routing off.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], dnsRoutingEnabled: true, smartHosts: [relay.canoe.com]}`)},
		want:   []string{"error SendSmartHostsNeedDNSRoutingDisabled spec.dnsRoutingEnabled"},
	},
	"SmartHostsWithoutDNSRoutingField": {
		reason: "Exchange takes -DNSRoutingEnabled $false on the same command line as -SmartHosts.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], smartHosts: [relay.canoe.com]}`)},
		want:   []string{"error SendSmartHostsNeedDNSRoutingDisabled spec.smartHosts"},
	},
	"DNSRoutingDisabledWithoutSmartHosts": {
		reason: "Without DNS routing the connector needs smart hosts (SmartHostNotSet).",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], dnsRoutingEnabled: false}`)},
		want:   []string{"error SendDNSRoutingDisabledNeedsSmartHosts spec.dnsRoutingEnabled"},
	},
	"SmartHostAuthWithoutSmartHosts": {
		reason: "Smart host authentication needs smart hosts.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], smartHostAuthMechanism: ExchangeServer}`)},
		want:   []string{"error SendSmartHostAuthNeedsSmartHosts spec.smartHostAuthMechanism"},
	},
	"SmartHostAuthNone": {
		reason: "None authenticates nowhere and is allowed on any connector.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], smartHostAuthMechanism: none}`)},
	},
	"BasicAuthWithoutCredential": {
		reason: "BasicAuth sends a user name and password (AuthenticationCredentialNotSet).",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], dnsRoutingEnabled: false, smartHosts: [relay.canoe.com], smartHostAuthMechanism: BasicAuth}`)},
		want:   []string{"error SendBasicAuthNeedsCredential spec.smartHostAuthMechanism"},
	},
	"BasicAuthWithoutSmartHosts": {
		reason: "BasicAuthRequireTLS needs both a credential and smart hosts.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], smartHostAuthMechanism: BasicAuthRequireTLS}`)},
		want:   []string{"error SendBasicAuthNeedsCredential spec.smartHostAuthMechanism", "error SendSmartHostAuthNeedsSmartHosts spec.smartHostAuthMechanism"},
	},
	"CredentialUnused": {
		reason: "A credential without Basic authentication is never sent.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], authenticationCredential: {username: u, passwordFrom: {env: P}}}`)},
		want:   []string{"warning SendCredentialWithoutBasicAuth spec.authenticationCredential"},
	},
	"CredentialPasswordFrom": {
		reason: "The credential's passwordFrom names one source.",
		docs: []string{send("x", `{addressSpaces: [canoe.com], dnsRoutingEnabled: false, smartHosts: [relay.canoe.com], smartHostAuthMechanism: BasicAuth,
  authenticationCredential: {username: u, passwordFrom: {env: P, file: f}}}`)},
		want: []string{"error SendPasswordFrom spec.authenticationCredential.passwordFrom"},
	},
	"DomainSecureValid": {
		reason: "Domain security over DNS routing, listed in TransportConfig, as in seed 001.",
		docs: []string{send("To-canoe.com", `{usage: Partner, addressSpaces: ["SMTP:canoe.com;1"], dnsRoutingEnabled: true, domainSecureEnabled: true}`),
			tcfg(`{tlsSendDomainSecureList: [canoe.com]}`)},
	},
	"DomainSecureSmartHost": {
		reason: "Domain security needs DNS routing (DomainSecureWithoutDNSRoutingEnabled).",
		docs: []string{send("x", `{addressSpaces: [canoe.com], dnsRoutingEnabled: false, smartHosts: [relay.canoe.com], domainSecureEnabled: true}`),
			tcfg(`{tlsSendDomainSecureList: [canoe.com]}`)},
		want: []string{"error SendDomainSecure spec.dnsRoutingEnabled"},
	},
	"DomainSecureIgnoreSTARTTLS": {
		reason: "Domain security needs STARTTLS (DomainSecureWithIgnoreStartTLSEnabled).",
		docs: []string{send("x", `{addressSpaces: [canoe.com], ignoreSTARTTLS: true, domainSecureEnabled: true}`),
			tcfg(`{tlsSendDomainSecureList: [canoe.com]}`)},
		want: []string{"error SendDomainSecure spec.ignoreSTARTTLS"},
	},
	"DomainSecureWildcard": {
		reason: "Domain security authenticates named domains, not wildcards.",
		docs: []string{send("x", `{addressSpaces: [canoe.com, "*.canoe.com"], domainSecureEnabled: true}`),
			tcfg(`{tlsSendDomainSecureList: [canoe.com]}`)},
		want: []string{"error SendDomainSecure spec.addressSpaces[1]"},
	},
	"DomainSecureWithTLSAuthLevel": {
		reason: "TlsAuthLevel cannot be combined with DomainSecureEnabled (TlsAuthLevelWithDomainSecureEnabled).",
		docs: []string{send("x", `{addressSpaces: [canoe.com], requireTLS: true, tlsAuthLevel: CertificateValidation, domainSecureEnabled: true}`),
			tcfg(`{tlsSendDomainSecureList: [canoe.com]}`)},
		want: []string{"error SendDomainSecure spec.tlsAuthLevel"},
	},
	"PartnerUsageSmartHost": {
		reason: "Usage Partner turns on domain security at creation, which a smart-host connector refuses.",
		docs:   []string{send("x", `{usage: Partner, addressSpaces: [canoe.com], dnsRoutingEnabled: false, smartHosts: [relay.canoe.com]}`)},
		want:   []string{"error SendPartnerUsageWithSmartHosts spec.usage"},
	},
	"PartnerUsageSmartHostExplicit": {
		reason: "An explicit domainSecureEnabled false overrides the Partner default.",
		docs:   []string{send("x", `{usage: Partner, addressSpaces: [canoe.com], dnsRoutingEnabled: false, smartHosts: [relay.canoe.com], domainSecureEnabled: false}`)},
	},
	"TLSAuthLevelWithoutRequireTLS": {
		reason: "TlsAuthLevel needs RequireTLS $true (TlsAuthLevelWithRequireTlsDisabled).",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], tlsAuthLevel: EncryptionOnly}`)},
		want:   []string{"error SendTLSAuthLevelNeedsRequireTLS spec.tlsAuthLevel"},
	},
	"TLSAuthLevelWithIgnoreSTARTTLS": {
		reason: "TlsAuthLevel cannot be set when IgnoreSTARTTLS is $true.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], requireTLS: false, ignoreSTARTTLS: true, tlsAuthLevel: EncryptionOnly}`)},
		want:   []string{"error SendTLSAuthLevelNeedsRequireTLS spec.tlsAuthLevel", "error SendTLSAuthLevelNeedsRequireTLS spec.tlsAuthLevel"},
	},
	"TLSDomainWithoutDomainValidation": {
		reason: "TlsDomain only goes with DomainValidation (TlsDomainWithIncorrectTlsAuthLevel).",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], requireTLS: true, tlsAuthLevel: CertificateValidation, tlsDomain: canoe.com}`)},
		want:   []string{"error SendTLSDomain spec.tlsDomain"},
	},
	"TLSDomainSyntax": {
		reason: "TlsDomain is a domain or *.domain.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], requireTLS: true, tlsAuthLevel: DomainValidation, tlsDomain: "*canoe.com"}`)},
		want:   []string{"error SendTLSDomain spec.tlsDomain"},
	},
	"DomainValidationSmartHostWithoutTLSDomain": {
		reason: "A smart-host connector with DomainValidation names the domain to validate (TlsAuthLevelWithNoDomainOnSmartHost).",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], dnsRoutingEnabled: false, smartHosts: [relay.canoe.com], requireTLS: true, tlsAuthLevel: DomainValidation}`)},
		want:   []string{"error SendDomainValidationSmartHostNeedsTLSDomain spec.tlsAuthLevel"},
	},
	"TLSCertificateName": {
		reason: "TlsCertificateName is 2013+ only, which is known only online.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], tlsCertificateName: "<I>CN=Work CA<S>CN=mail.work.com"}`)},
		want:   []string{"warning SendTLSCertificateName spec.tlsCertificateName"},
	},
	"TLSCertificateNameSyntax": {
		reason: "TlsCertificateName is <I>issuer<S>subject.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], tlsCertificateName: "CN=mail.work.com"}`)},
		want:   []string{"error SendTLSCertificateName spec.tlsCertificateName", "warning SendTLSCertificateName spec.tlsCertificateName"},
	},
	"PortRange": {
		reason: "Port is 0..65535.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], port: 65536}`)},
		want:   []string{"error SendPort spec.port"},
	},
	"PortZero": {
		reason: "Port 0 is allowed by Exchange's documented range.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], port: 0}`)},
	},
	"FQDN": {
		reason: "The HELO name is a host name.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], fqdn: "mail_work.com"}`)},
		want:   []string{"error SendFQDN spec.fqdn"},
	},
	"SourceTransportServerEdge": {
		reason: "SourceTransportServers is not valid on Edge (SendConnectorSourceServersSetForEdge).",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], sourceTransportServers: [WIN20081, edge1]}`)},
		want:   []string{"error SendSourceTransportServers spec.sourceTransportServers[1]"},
	},
	"SourceTransportServerUndeclared": {
		reason: "A server the organisation does not declare may exist but cannot be checked.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], sourceTransportServers: [WIN20089]}`)},
		want:   []string{"warning SendSourceTransportServers spec.sourceTransportServers[0]"},
	},
	"SourceTransportServerTwice": {
		reason: "A set lists each server once.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], sourceTransportServers: [WIN20081, win20081]}`)},
		want:   []string{"error SendSourceTransportServers spec.sourceTransportServers[1]"},
	},
	"SourceTransportServersEmpty": {
		reason: "An empty managed list would leave the connector without a source server.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], sourceTransportServers: []}`)},
		want:   []string{"error SendSourceTransportServers spec.sourceTransportServers"},
	},
	"MaxMessageSizeTooLarge": {
		reason: "Send MaxMessageSize is at most 2147483647 bytes.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], maxMessageSize: 2GB}`)},
		want:   []string{"error SendMaxMessageSize spec.maxMessageSize"},
	},
	"MaxMessageSizeUnlimited": {
		reason: "Unlimited is allowed on send connectors.",
		docs:   []string{send("x", `{addressSpaces: [canoe.com], maxMessageSize: unlimited}`)},
	},
	"EdgeOnlyAddressSpace": {
		reason: `"--" is the Edge inbound connector's address space; an organisation without Edge cannot use it.`,
		noOrg:  true,
		docs: []string{org(`{servers: [{name: WIN1, endpoint: "https://win1.work.com/wsman"}], auth: {username: u, passwordFrom: {env: P}}}`),
			send("x", `{addressSpaces: ["--"], dnsRoutingEnabled: false, smartHosts: ["--"]}`)},
		want: []string{"error SendEdgeOnlyValues spec.addressSpaces[0]", "error SendEdgeOnlyValues spec.smartHosts[0]"},
	},
	"AbsentWithSettings": {
		reason: "Settings of a connector being removed are ignored.",
		docs:   []string{send("x", `{ensure: absent, requireTLS: true}`)},
		want:   []string{"warning SendAbsentWithSettings spec.ensure"},
	},
	"Absent": {
		reason: "ensure Absent alone is the way to remove a connector.",
		docs:   []string{send("x", `{ensure: Absent}`)},
	},
}

func init() { allRuleCases["send"] = sendConnectorCases }

func TestSendConnectorRules(t *testing.T) { runRuleCases(t, "send", sendConnectorCases) }
