package v1alpha1

import "testing"

// pairOrgs are the two forests of seed 001, each with its own organisation.
const pairOrgs = `apiVersion: exreconcile.io/v1alpha1
kind: ExchangeOrganization
metadata: {name: work-com}
spec:
  servers: [{name: WIN20081, endpoint: "https://win20081.work.com:5986/wsman"}]
  auth: {username: 'WORK\svc', passwordFrom: {env: WORK_PASSWORD}}
---
apiVersion: exreconcile.io/v1alpha1
kind: ExchangeOrganization
metadata: {name: canoe-com}
spec:
  servers: [{name: WIN20082, endpoint: "https://win20082.canoe.com:5986/wsman"}]
  auth: {username: 'CANOE\svc', passwordFrom: {env: CANOE_PASSWORD}}
`

func workSide(sendList, recvList string, secure bool) []string {
	ds := "true"
	if !secure {
		ds = "false"
	}
	return []string{
		doc(KindTransportConfig, "work", `{organizationRef: work-com, tlsSendDomainSecureList: `+sendList+`, tlsReceiveDomainSecureList: `+recvList+`}`),
		send("to-canoe.com", `{organizationRef: work-com, addressSpaces: [canoe.com], dnsRoutingEnabled: true, domainSecureEnabled: `+ds+`}`),
		receive("From-canoe.com", `{organizationRef: work-com, server: WIN20081, usage: Partner, bindings: ["191.121.0.200:26"], remoteIPRanges: [191.121.111.200], authMechanism: [Tls], domainSecureEnabled: `+ds+`}`),
	}
}

func canoeSide(sendList, recvList string) []string {
	return []string{
		doc(KindTransportConfig, "canoe", `{organizationRef: canoe-com, tlsSendDomainSecureList: `+sendList+`, tlsReceiveDomainSecureList: `+recvList+`}`),
		send("to-work.com", `{organizationRef: canoe-com, usage: Partner, addressSpaces: [work.com], dnsRoutingEnabled: true, domainSecureEnabled: true}`),
		receive("From-work.com", `{organizationRef: canoe-com, server: WIN20082, usage: Partner, bindings: ["191.121.111.200:26"], remoteIPRanges: [191.121.0.200], authMechanism: [Tls], domainSecureEnabled: true}`),
	}
}

var tlsCrossCases = map[string]ruleCase{
	"pair complete": {
		reason: "Seed 001 after both admins ran Set-TransportConfig and DomainSecureEnabled on both sides.",
		noOrg:  true,
		docs:   append(append([]string{pairOrgs}, workSide("[canoe.com]", "[canoe.com]", true)...), canoeSide("[work.com]", "[work.com]")...),
	},
	"receiver lacks the sender in its receive list": {
		reason: "work.com sends domain-secured to canoe.com, canoe.com's tlsReceiveDomainSecureList does not name work.com.",
		noOrg:  true,
		docs:   append(append([]string{pairOrgs}, workSide("[canoe.com]", "[canoe.com]", true)...), canoeSide("[work.com]", "[]")...),
		want:   []string{"warning DomainSecurePair spec.tlsReceiveDomainSecureList", "warning DomainSecureReceiveConnector spec.domainSecureEnabled"},
	},
	"sender without a domain-secured send connector": {
		reason: "work.com lists canoe.com but its send connector is not domain-secured; canoe.com receives domain-secured.",
		noOrg:  true,
		docs:   append(append([]string{pairOrgs}, workSide("[canoe.com]", "[]", false)...), canoeSide("[]", "[work.com]")...),
		want: []string{"warning DomainSecurePair spec.tlsSendDomainSecureList", "warning DomainSecureSendConnector spec.addressSpaces[0]",
			"warning DomainSecureSendList spec.tlsSendDomainSecureList[0]"},
	},
	"partner usage with tlsAuthLevel": {
		reason: "Exchange refuses TlsAuthLevel on the domain-secured connector that usage Partner creates.",
		docs:   []string{send("to-partner", `{usage: Partner, addressSpaces: [canoe.com], dnsRoutingEnabled: true, requireTLS: true, tlsAuthLevel: CertificateValidation}`)},
		want:   []string{"error PartnerUsageTLSAuthLevel spec.tlsAuthLevel"},
	},
	"partner usage with tlsAuthLevel and domain security off": {
		reason: "domainSecureEnabled false declared: Exchange accepts the TLS authentication level.",
		docs:   []string{send("to-partner", `{usage: Partner, addressSpaces: [canoe.com], dnsRoutingEnabled: true, requireTLS: true, tlsAuthLevel: CertificateValidation, domainSecureEnabled: false}`)},
	},
	"partners group without domain security": {
		reason: "Partners is granted to mutual-TLS sessions only; a Custom connector without domainSecureEnabled accepts no partner.",
		docs:   []string{receive("From-partner", `{server: WIN20081, usage: Custom, bindings: ["0.0.0.0:25"], remoteIPRanges: [10.1.1.1], permissionGroups: [Partners]}`)},
		want:   []string{"warning PartnersNeedDomainSecurity spec.permissionGroups"},
	},
	"partner usage is domain-secured": {
		reason: "usage Partner turns domainSecureEnabled on at creation.",
		docs:   []string{receive("From-partner", `{server: WIN20081, usage: Partner, bindings: ["0.0.0.0:25"], remoteIPRanges: [10.1.1.1], permissionGroups: [Partners]}`), tcfg(`{tlsReceiveDomainSecureList: [canoe.com]}`)},
		want:   []string{"warning DomainSecureReceiveList spec.tlsReceiveDomainSecureList[0]"},
	},
}

func init() { allRuleCases["tlscrosscheck"] = tlsCrossCases }

func TestTLSCrossCheckRules(t *testing.T) { runRuleCases(t, "tlscrosscheck", tlsCrossCases) }
