package v1alpha1

import "testing"

var receiveConnectorCases = map[string]ruleCase{
	"ValidPartner": {
		reason: "Seed 000's partner connector: four remote IPs, TLS with Basic and Integrated.",
		docs: []string{receive("ONE Mail", `{server: WIN20081, usage: Custom, bindings: ["0.0.0.0:25"], remoteIPRanges: [142.46.226.22, 142.46.226.23, 10.0.0.0/24],
  authMechanism: [Tls, Integrated, BasicAuth, BasicAuthRequireTLS], permissionGroups: [AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers],
  requireTLS: true, fqdn: mail.work.com, banner: "220 mail.work.com", maxMessageSize: 25MB}`)},
	},
	"NameWithBackslash": {
		reason: `A backslash separates server and name in the identity.`,
		docs:   []string{receive(`WIN20081\From canoe`, `{server: WIN20081}`)},
		want:   []string{"error ReceiveConnectorName metadata.name"},
	},
	"UndeclaredServer": {
		reason: "exreconcile can only reach declared servers.",
		docs:   []string{receive("x", `{server: WIN20089}`)},
		want:   []string{"error ReceiveServer spec.server"},
	},
	"ServerCaseInsensitive": {
		reason: "Server names compare case-insensitively.",
		docs:   []string{receive("x", `{server: win20081}`)},
	},
	"ClientUsageWithBindings": {
		reason: "Exchange sets the bindings of Client connectors.",
		docs:   []string{receive("x", `{server: WIN20081, usage: Client, bindings: ["0.0.0.0:587"], remoteIPRanges: [10.0.0.0/8]}`)},
		want:   []string{"error ReceiveUsageBindings spec.bindings"},
	},
	"InternalUsageWithBindings": {
		reason: "Exchange sets the bindings of Internal connectors.",
		docs:   []string{receive("x", `{server: WIN20081, usage: Internal, bindings: ["0.0.0.0:25"], remoteIPRanges: [10.0.0.0/8]}`)},
		want:   []string{"error ReceiveUsageBindings spec.bindings"},
	},
	"CustomUsageWithoutBindings": {
		reason: "New-ReceiveConnector -Custom requires -Bindings.",
		docs:   []string{receive("x", `{server: WIN20081, usage: Custom, remoteIPRanges: [10.0.0.0/8]}`)},
		want:   []string{"error ReceiveUsageBindings spec.usage"},
	},
	"InternetUsageWithRemoteIPRanges": {
		reason: "Exchange refuses RemoteIPRanges when creating an Internet connector.",
		docs:   []string{receive("x", `{server: WIN20081, usage: Internet, bindings: ["191.121.0.200:26"], remoteIPRanges: [10.0.0.0/8]}`)},
		want:   []string{"error ReceiveUsageRemoteIPRanges spec.remoteIPRanges"},
	},
	"PartnerUsageWithoutRemoteIPRanges": {
		reason: "New-ReceiveConnector -Partner requires -RemoteIPRanges.",
		docs:   []string{receive("x", `{server: WIN20081, usage: Partner, bindings: ["0.0.0.0:25"]}`)},
		want:   []string{"error ReceiveUsageRemoteIPRanges spec.usage"},
	},
	"InternetUsageSeed001": {
		reason: "Seed 001: an Internet connector on port 26 with bindings and no ranges.",
		docs:   []string{receive("From-canoe.com", `{server: WIN20081, usage: Internet, bindings: ["191.121.0.200:26"], fqdn: win20081.work.com}`)},
	},
	"EmptyBindings": {
		reason: "A connector without bindings listens nowhere.",
		docs:   []string{receive("x", `{server: WIN20081, bindings: []}`)},
		want:   []string{"error ReceiveBindings spec.bindings"},
	},
	"BindingTwice": {
		reason: "A set lists each binding once.",
		docs:   []string{receive("x", `{server: WIN20081, bindings: ["0.0.0.0:25", "0.0.0.0:25"]}`)},
		want:   []string{"error ReceiveBindings spec.bindings[1]"},
	},
	"EmptyRemoteIPRanges": {
		reason: "A connector without remote ranges accepts nobody.",
		docs:   []string{receive("x", `{server: WIN20081, remoteIPRanges: []}`)},
		want:   []string{"error ReceiveRemoteIPRanges spec.remoteIPRanges"},
	},
	"RemoteIPRangeTwice": {
		reason: "10.0.0.0/30 and 10.0.0.0-10.0.0.3 are the same range.",
		docs:   []string{receive("x", `{server: WIN20081, remoteIPRanges: [10.0.0.0/30, 10.0.0.0-10.0.0.3]}`)},
		want:   []string{"error ReceiveRemoteIPRanges spec.remoteIPRanges[1]"},
	},
	"RequireTLSWithoutTls": {
		reason: "RequireTLS needs Tls in AuthMechanism.",
		docs:   []string{receive("x", `{server: WIN20081, requireTLS: true, authMechanism: [Integrated]}`)},
		want:   []string{"error ReceiveRequireTLSNeedsTls spec.requireTLS"},
	},
	"RequireTLSAuthUnmanaged": {
		reason: "With AuthMechanism not managed the server's value decides; nothing to check offline.",
		docs:   []string{receive("x", `{server: WIN20081, requireTLS: true}`)},
	},
	"DomainSecureWithoutTls": {
		reason: "DomainSecureEnabled needs Tls in AuthMechanism.",
		docs: []string{receive("x", `{server: WIN20081, domainSecureEnabled: true, authMechanism: [BasicAuth]}`),
			tcfg(`{tlsReceiveDomainSecureList: [canoe.com]}`)},
		want: []string{"error ReceiveDomainSecureNeedsTls spec.domainSecureEnabled"},
	},
	"DomainSecureWithExternalAuthoritative": {
		reason: "DomainSecureEnabled cannot go with ExternalAuthoritative.",
		docs: []string{receive("x", `{server: WIN20081, domainSecureEnabled: true, authMechanism: [Tls, ExternalAuthoritative], permissionGroups: [ExchangeServers]}`),
			tcfg(`{tlsReceiveDomainSecureList: [canoe.com]}`)},
		want: []string{"error ReceiveDomainSecureNeedsTls spec.domainSecureEnabled"},
	},
	"AuthNoneCombined": {
		reason: "None only alone (rejected while decoding, with the allowed values).",
		docs:   []string{receive("x", `{server: WIN20081, authMechanism: [None, Tls]}`)},
		want:   []string{"error Field spec.authMechanism"},
	},
	"BasicAuthRequireTLSAlone": {
		reason: "BasicAuthRequireTLS also needs BasicAuth and Tls.",
		docs:   []string{receive("x", `{server: WIN20081, authMechanism: [Tls, BasicAuthRequireTLS]}`)},
		want:   []string{"error ReceiveAuthMechanismCombination spec.authMechanism"},
	},
	"ExternalAuthoritativeWithBasic": {
		reason: "ExternalAuthoritative only combines with Tls.",
		docs:   []string{receive("x", `{server: WIN20081, authMechanism: [Tls, BasicAuth, ExternalAuthoritative], permissionGroups: [ExchangeServers]}`)},
		want:   []string{"error ReceiveAuthMechanismCombination spec.authMechanism"},
	},
	"ExternalAuthoritativeGroups": {
		reason: "ExternalAuthoritative requires PermissionGroups ExchangeServers.",
		docs:   []string{receive("x", `{server: WIN20081, authMechanism: [Tls, ExternalAuthoritative], permissionGroups: [ExchangeServers, Partners]}`)},
		want:   []string{"error ReceiveExternalAuthoritativeGroups spec.authMechanism", "warning PartnersNeedDomainSecurity spec.permissionGroups"},
	},
	"ExternalAuthoritativeValid": {
		reason: "Tls with ExternalAuthoritative and ExchangeServers is the documented combination.",
		docs:   []string{receive("x", `{server: WIN20081, authMechanism: [ExternalAuthoritative, Tls], permissionGroups: [ExchangeServers]}`)},
	},
	"MaxMessageSizeUnlimited": {
		reason: "Receive connectors have no unlimited size.",
		docs:   []string{receive("x", `{server: WIN20081, maxMessageSize: unlimited}`)},
		want:   []string{"error ReceiveMaxMessageSize spec.maxMessageSize"},
	},
	"MaxMessageSizeTooSmall": {
		reason: "Receive MaxMessageSize starts at 64 KB.",
		docs:   []string{receive("x", `{server: WIN20081, maxMessageSize: 63KB}`)},
		want:   []string{"error ReceiveMaxMessageSize spec.maxMessageSize"},
	},
	"MaxMessageSizeSmallest": {
		reason: "65536 bytes is the smallest size allowed.",
		docs:   []string{receive("x", `{server: WIN20081, maxMessageSize: 65536}`)},
	},
	"FQDN": {
		reason: "The EHLO name is a host name.",
		docs:   []string{receive("x", `{server: WIN20081, fqdn: "mail work.com"}`)},
		want:   []string{"error ReceiveFQDN spec.fqdn"},
	},
	"DefaultConnectorFQDN": {
		reason: "Changing Fqdn on the Default <Server> connector breaks internal mail flow (docs/exchange.md#receive-connector-rules item 19).",
		docs:   []string{receive("Default WIN20081", `{server: WIN20081, fqdn: mail.work.com}`)},
		want:   []string{"warning ReceiveDefaultConnectorFQDN spec.fqdn"},
	},
	"DefaultConnectorFQDNOnEdge": {
		reason: "The warning is about Mailbox servers' internal mail flow.",
		docs:   []string{receive("Default EDGE1", `{server: EDGE1, fqdn: mail.work.com}`)},
	},
	"TransportRole": {
		reason: "TransportRole exists on 2013 and later only; the version is known only online.",
		docs:   []string{receive("x", `{server: WIN20081, transportRole: FrontendTransport}`)},
		want:   []string{"warning ReceiveTransportRole spec.transportRole"},
	},
	"TransportRoleOnEdge": {
		reason: "Set-ReceiveConnector -TransportRole cannot be used on Edge.",
		docs:   []string{receive("x", `{server: EDGE1, transportRole: HubTransport}`)},
		want:   []string{"error ReceiveTransportRole spec.transportRole", "warning ReceiveTransportRole spec.transportRole"},
	},
	"TLSCertificateName": {
		reason: "TlsCertificateName is <I>issuer<S>subject, 2013 and later.",
		docs:   []string{receive("x", `{server: WIN20081, tlsCertificateName: "<I>CN=Work CA"}`)},
		want:   []string{"error ReceiveTLSCertificateName spec.tlsCertificateName", "warning ReceiveTLSCertificateName spec.tlsCertificateName"},
	},
	"Banner": {
		reason: "An SMTP greeting starts with 220.",
		docs:   []string{receive("x", `{server: WIN20081, banner: "Welcome"}`)},
		want:   []string{"warning ReceiveBanner spec.banner"},
	},
	"AbsentWithSettings": {
		reason: "Settings of a connector being removed are ignored.",
		docs:   []string{receive("x", `{server: WIN20081, ensure: Absent, fqdn: mail.work.com}`)},
		want:   []string{"warning ReceiveAbsentWithSettings spec.ensure"},
	},
	"BindingConflictSameRanges": {
		reason: "Two connectors on one binding must be told apart by their remote ranges.",
		docs: []string{receive("a", `{server: WIN20081, bindings: ["0.0.0.0:25"], remoteIPRanges: [10.0.0.0/24]}`),
			receive("b", `{server: WIN20081, bindings: ["10.1.1.1:25"], remoteIPRanges: [10.0.0.0-10.0.0.255]}`)},
		want: []string{"error ReceiveBindingConflict spec.bindings[0]"},
	},
	"BindingSharedDifferentRanges": {
		reason: "Sharing a binding with narrower remote ranges is how partner connectors work.",
		docs: []string{receive("a", `{server: WIN20081, bindings: ["0.0.0.0:25"], remoteIPRanges: [0.0.0.0-255.255.255.255]}`),
			receive("b", `{server: WIN20081, bindings: ["0.0.0.0:25"], remoteIPRanges: [142.46.226.22]}`)},
	},
	"BindingOtherServer": {
		reason: "Bindings are per server.",
		docs: []string{receive("a", `{server: WIN20081, bindings: ["0.0.0.0:25"], remoteIPRanges: [10.0.0.0/24]}`),
			receive("b", `{server: WIN20082, bindings: ["0.0.0.0:25"], remoteIPRanges: [10.0.0.0/24]}`)},
	},
	"BindingConflictTransportRoles": {
		reason: "Connectors of different transport roles on one server need distinct bindings, whatever their ranges.",
		docs: []string{receive("a", `{server: WIN20081, bindings: ["0.0.0.0:25"], remoteIPRanges: [10.0.0.0/24], transportRole: FrontendTransport}`),
			receive("b", `{server: WIN20081, bindings: ["0.0.0.0:25"], remoteIPRanges: [10.1.0.0/24], transportRole: HubTransport}`)},
		want: []string{"error ReceiveBindingConflict spec.bindings[0]", "warning ReceiveTransportRole spec.transportRole", "warning ReceiveTransportRole spec.transportRole"},
	},
	"BindingConflictInternetDefaults": {
		reason: "Internet connectors without ranges accept every address, so two on one binding clash.",
		docs: []string{receive("a", `{server: WIN20081, usage: Internet, bindings: ["0.0.0.0:26"]}`),
			receive("b", `{server: WIN20081, usage: Internet, bindings: ["191.121.0.200:26"]}`)},
		want: []string{"error ReceiveBindingConflict spec.bindings[0]"},
	},
}

func init() { allRuleCases["receive"] = receiveConnectorCases }

func TestReceiveConnectorRules(t *testing.T) { runRuleCases(t, "receive", receiveConnectorCases) }
