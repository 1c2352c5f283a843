package v1alpha1

import (
	"strings"
	"testing"
)

const thumb = "3E5F6A7B8C9D0E1F2A3B4C5D6E7F8091A2B3C4D5"

var certificateCases = map[string]ruleCase{
	"Valid": {
		reason: "Seed 000: an issued certificate imported on one server and enabled for SMTP.",
		docs: []string{cert("one-mail", `{thumbprint: "`+thumb+`", servers: [WIN20081], services: [SMTP],
  source: {pfxFile: certs/one.pfx, passwordFrom: {env: PFX_PASSWORD}}}`)},
	},
	"ValidCSR": {
		reason: "The CSR flow: request on the server, import the issued certificate.",
		docs: []string{cert("work", `{thumbprint: "`+thumb+`", servers: [WIN20081], services: [SMTP, IIS], source: {certFile: certs/win20081.cer},
  request: {subjectName: "DC=com,DC=work,CN=win20081.work.com", domainNames: [win20081.work.com, work.com, win20081, "*.work.com"], keySize: 2048, requestFile: win20081.csr}}`)},
	},
	"ThumbprintShort": {
		reason: "A thumbprint is 40 hexadecimal digits.",
		docs:   []string{cert("c", `{thumbprint: 3E5F6A}`)},
		want:   []string{"error CertificateThumbprint spec.thumbprint"},
	},
	"ThumbprintWithSpaces": {
		reason: "Thumbprints copied from the certificate dialog carry spaces.",
		docs:   []string{cert("c", `{thumbprint: "3e 5f 6a 7b 8c 9d 0e 1f 2a 3b 4c 5d 6e 7f 80 91 a2 b3 c4 d5"}`)},
		want:   []string{"error CertificateThumbprint spec.thumbprint"},
	},
	"ThumbprintLowerCase": {
		reason: "Thumbprints compare case-insensitively; lower case is fine.",
		docs:   []string{cert("c", `{thumbprint: "3e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5"}`)},
	},
	"ServerUndeclared": {
		reason: "exreconcile can only reach declared servers.",
		docs:   []string{cert("c", `{thumbprint: "`+thumb+`", servers: [WIN20089]}`)},
		want:   []string{"error CertificateServers spec.servers[0]"},
	},
	"ServersEmpty": {
		reason: "A certificate on no server manages nothing.",
		docs:   []string{cert("c", `{thumbprint: "`+thumb+`", servers: []}`)},
		want:   []string{"error CertificateServers spec.servers"},
	},
	"ServerTwice": {
		reason: "A set lists each server once.",
		docs:   []string{cert("c", `{thumbprint: "`+thumb+`", servers: [WIN20081, WIN20081]}`)},
		want:   []string{"error CertificateServers spec.servers[1]"},
	},
	"ServicesFederation": {
		reason: "Federation is set with the federation trust cmdlets.",
		docs:   []string{cert("c", `{thumbprint: "`+thumb+`", services: [SMTP, Federation]}`)},
		want:   []string{"error CertificateServices spec.services"},
	},
	"ServicesUM": {
		reason: "UM is gone from Exchange 2019.",
		docs:   []string{cert("c", `{thumbprint: "`+thumb+`", services: [UM]}`)},
		want:   []string{"warning CertificateServices spec.services"},
	},
	"SourceBoth": {
		reason: "A source is a PFX or an issued certificate, not both.",
		docs:   []string{cert("c", `{thumbprint: "`+thumb+`", source: {pfxFile: a.pfx, certFile: a.cer}}`)},
		want:   []string{"error CertificateSource spec.source"},
	},
	"SourceNeither": {
		reason: "An empty source imports nothing.",
		docs:   []string{cert("c", `{thumbprint: "`+thumb+`", source: {}}`)},
		want:   []string{"error CertificateSource spec.source"},
	},
	"SourceCertFilePassword": {
		reason: "A certificate file has no password.",
		docs:   []string{cert("c", `{thumbprint: "`+thumb+`", source: {certFile: a.cer, passwordFrom: {env: P}}}`)},
		want:   []string{"error CertificateSource spec.source.passwordFrom"},
	},
	"SourcePasswordFrom": {
		reason: "The PFX password names one source.",
		docs:   []string{cert("c", `{thumbprint: "`+thumb+`", source: {pfxFile: a.pfx, passwordFrom: {}}}`)},
		want:   []string{"error CertificatePasswordFrom spec.source.passwordFrom"},
	},
	"RequestSubject": {
		reason: "SubjectName is an X.500 name.",
		docs:   []string{cert("c", `{thumbprint: "`+thumb+`", servers: [WIN20081], request: {subjectName: mail.work.com, requestFile: c.csr}}`)},
		want:   []string{"error CertificateRequest spec.request.subjectName"},
	},
	"RequestDomainName": {
		reason: "Domain names are DNS names.",
		docs:   []string{cert("c", `{thumbprint: "`+thumb+`", servers: [WIN20081], request: {subjectName: "CN=mail.work.com", domainNames: [mail.work.com, "mail_1.work.com", "*"], requestFile: c.csr}}`)},
		want:   []string{"error CertificateRequest spec.request.domainNames[1]", "error CertificateRequest spec.request.domainNames[2]"},
	},
	"RequestKeySize": {
		reason: "KeySize is 1024, 2048 or 4096.",
		docs:   []string{cert("c", `{thumbprint: "`+thumb+`", servers: [WIN20081], request: {subjectName: "CN=mail.work.com", keySize: 3072, requestFile: c.csr}}`)},
		want:   []string{"error CertificateRequest spec.request.keySize"},
	},
	"RequestOnly": {
		reason: "Seed 000 from nothing: only the request; the thumbprint comes with the issued certificate.",
		docs:   []string{cert("c", `{servers: [WIN20081], services: [SMTP], request: {subjectName: "C=CA,O=Work,CN=mail.work.com", requestFile: requests/mail.csr}}`)},
	},
	"RequestIssued": {
		reason: "The issued certificate completes the request; its file determines the thumbprint.",
		docs:   []string{cert("c", `{servers: [WIN20081], source: {certFile: issued/mail.cer}, request: {subjectName: "CN=mail.work.com", requestFile: requests/mail.csr}}`)},
	},
	"RequestWithoutServers": {
		reason: "A request names the one server that keeps its key; left out, servers would be every Mailbox server.",
		docs:   []string{cert("c", `{request: {subjectName: "CN=mail.work.com", requestFile: c.csr}}`)},
		want:   []string{"error CertificateRequest spec.servers"},
	},
	"RequestTwoServers": {
		reason: "Two servers would need two keys, hence two requests.",
		docs:   []string{cert("c", `{servers: [WIN20081, WIN20082], request: {subjectName: "CN=mail.work.com", requestFile: c.csr}}`)},
		want:   []string{"error CertificateRequest spec.servers"},
	},
	"RequestKeySize1024": {
		reason: "Seed 000's CA asked for 1024 bits: allowed by Exchange, warned about.",
		docs:   []string{cert("c", `{servers: [WIN20081], request: {subjectName: "CN=mail.work.com", keySize: 1024, requestFile: c.csr}}`)},
		want:   []string{"warning CertificateRequest spec.request.keySize"},
	},
	"RequestKeySize4096": {
		reason: "4096 is one of Exchange's values.",
		docs:   []string{cert("c", `{servers: [WIN20081], request: {subjectName: "CN=mail.work.com", keySize: 4096, requestFile: c.csr}}`)},
	},
	"RequestKeySize512": {
		reason: "Exchange refuses any other key size.",
		docs:   []string{cert("c", `{servers: [WIN20081], request: {subjectName: "CN=mail.work.com", keySize: 512, requestFile: c.csr}}`)},
		want:   []string{"error CertificateRequest spec.request.keySize"},
	},
	"RequestFriendlyNameLong": {
		reason: "New-ExchangeCertificate wants a FriendlyName under 64 characters.",
		docs:   []string{cert("c", `{servers: [WIN20081], request: {subjectName: "CN=mail.work.com", friendlyName: "`+strings.Repeat("f", 64)+`", requestFile: c.csr}}`)},
		want:   []string{"error CertificateRequest spec.request.friendlyName"},
	},
	"RequestFileIsCertFile": {
		reason: "Writing the CSR over the issued certificate would lose it.",
		docs:   []string{cert("c", `{servers: [WIN20081], source: {certFile: ./mail.cer}, request: {subjectName: "CN=mail.work.com", requestFile: mail.cer}}`)},
		want:   []string{"error CertificateRequest spec.request.requestFile"},
	},
	"RequestThumbprintInvalid": {
		reason: "A declared thumbprint next to a request is still checked.",
		docs:   []string{cert("c", `{thumbprint: 3E5F, servers: [WIN20081], request: {subjectName: "CN=mail.work.com", requestFile: c.csr}}`)},
		want:   []string{"error CertificateThumbprint spec.thumbprint"},
	},
	"RequestSubjectTwice": {
		reason: "Two requests with one subject on one server could not be told apart.",
		docs: []string{cert("a", `{servers: [WIN20081], request: {subjectName: "C=CA,CN=mail.work.com", requestFile: a.csr}}`),
			cert("b", `{servers: [win20081], request: {subjectName: "cn=MAIL.work.com, c=CA", requestFile: b.csr}}`)},
		want: []string{"error CertificateRequestSubject spec.request.subjectName"},
	},
	"RequestSubjectOtherServer": {
		reason: "The same subject requested on two servers is two keys, two requests.",
		docs: []string{cert("a", `{servers: [WIN20081], request: {subjectName: "CN=mail.work.com", requestFile: a.csr}}`),
			cert("b", `{servers: [WIN20082], request: {subjectName: "CN=mail.work.com", requestFile: b.csr}}`)},
	},
	"NoThumbprintNoSource": {
		reason: "Without thumbprint, source or request nothing says which certificate.",
		docs:   []string{cert("c", `{services: [SMTP]}`)},
		want:   []string{"error CertificateThumbprintSource spec.thumbprint"},
	},
	"RequestWithPFX": {
		reason: "A PFX brings its own key; the request belongs to the CSR flow.",
		docs:   []string{cert("c", `{thumbprint: "`+thumb+`", servers: [WIN20081], source: {pfxFile: a.pfx}, request: {subjectName: "CN=mail.work.com", requestFile: c.csr}}`)},
		want:   []string{"error CertificateRequest spec.request"},
	},
}

var transportConfigCases = map[string]ruleCase{
	"Valid": {
		reason: "Seed 001: both lists naming the partner, with domain-secured connectors.",
		docs: []string{tcfg(`{tlsSendDomainSecureList: [canoe.com], tlsReceiveDomainSecureList: [canoe.com]}`),
			send("To-canoe.com", `{addressSpaces: [canoe.com], domainSecureEnabled: true}`),
			receive("From-canoe.com", `{server: WIN20081, usage: Internet, bindings: ["191.121.0.200:26"], authMechanism: [Tls], domainSecureEnabled: true}`)},
	},
	"Wildcard": {
		reason: "The domain-secure lists hold no wildcards.",
		docs:   []string{tcfg(`{tlsSendDomainSecureList: ["*.canoe.com"], tlsReceiveDomainSecureList: ["*"]}`)},
		want:   []string{"error TransportConfigDomainList spec.tlsReceiveDomainSecureList[0]", "error TransportConfigDomainList spec.tlsSendDomainSecureList[0]"},
	},
	"BadDomain": {
		reason: "Entries are domains.",
		docs:   []string{tcfg(`{tlsReceiveDomainSecureList: ["canoe com"]}`)},
		want:   []string{"error TransportConfigDomainList spec.tlsReceiveDomainSecureList[0]"},
	},
	"DomainTwice": {
		reason: "A set lists each domain once.",
		docs:   []string{tcfg(`{tlsSendDomainSecureList: [canoe.com, CANOE.com]}`), send("s", `{addressSpaces: [canoe.com], domainSecureEnabled: true}`)},
		want:   []string{"error TransportConfigDomainList spec.tlsSendDomainSecureList[1]"},
	},
	"SendListWithoutConnector": {
		reason: "A listed domain no domain-secure send connector routes is not secured (seed pitfall).",
		docs:   []string{tcfg(`{tlsSendDomainSecureList: [canoe.com]}`), send("s", `{addressSpaces: [canoe.com]}`)},
		want:   []string{"warning DomainSecureSendList spec.tlsSendDomainSecureList[0]"},
	},
	"SendListCoveredByWildcardSpace": {
		reason: "A listed domain is covered by *.domain of a domain-secure connector only if that connector is valid; here the wildcard itself is an error.",
		docs:   []string{tcfg(`{tlsSendDomainSecureList: [mail.canoe.com]}`), send("s", `{addressSpaces: ["*.canoe.com"], domainSecureEnabled: true}`)},
		want:   []string{"error SendDomainSecure spec.addressSpaces[0]"},
	},
	"ConnectorDomainNotListed": {
		reason: "A domain-secure send connector's domain must be in tlsSendDomainSecureList (seed pitfall).",
		docs:   []string{tcfg(`{tlsSendDomainSecureList: [canoe.com]}`), send("s", `{addressSpaces: [canoe.com, vanarts.com], domainSecureEnabled: true}`)},
		want:   []string{"warning DomainSecureSendConnector spec.addressSpaces[1]"},
	},
	"ConnectorWithoutTransportConfig": {
		reason: "Without a managed send list, domain security cannot work.",
		docs:   []string{send("s", `{addressSpaces: [canoe.com], domainSecureEnabled: true}`)},
		want:   []string{"warning DomainSecureSendConnector spec.domainSecureEnabled"},
	},
	"ReceiveListWithoutConnector": {
		reason: "A receive list without any domain-secure receive connector secures nothing.",
		docs:   []string{tcfg(`{tlsReceiveDomainSecureList: [canoe.com]}`)},
		want:   []string{"warning DomainSecureReceiveList spec.tlsReceiveDomainSecureList[0]"},
	},
	"ReceiveConnectorEmptyList": {
		reason: "A domain-secure receive connector needs partner domains in tlsReceiveDomainSecureList.",
		docs: []string{tcfg(`{tlsReceiveDomainSecureList: []}`),
			receive("r", `{server: WIN20081, authMechanism: [Tls], domainSecureEnabled: true}`)},
		want: []string{"warning DomainSecureReceiveConnector spec.domainSecureEnabled"},
	},
}

func init() {
	allRuleCases["certificate"] = certificateCases
	allRuleCases["transportconfig"] = transportConfigCases
}

func TestCertificateRules(t *testing.T) { runRuleCases(t, "certificate", certificateCases) }

func TestTransportConfigRules(t *testing.T) {
	runRuleCases(t, "transportconfig", transportConfigCases)
}
