package v1alpha1

import "testing"

func hybrid(spec string) string { return doc(KindHybridConfiguration, "hybrid", spec) }

const mailCert = "apiVersion: exreconcile.io/v1alpha1\nkind: ExchangeCertificate\nmetadata: {name: mail}\n" +
	"spec: {thumbprint: 0123456789ABCDEF0123456789ABCDEF01234567, servers: [WIN20081], services: [SMTP]}\n"

var certificateRefCases = map[string]ruleCase{
	"HybridValidRef": {
		reason: "The hybrid configuration follows a declared certificate; TlsCertificateName is 2013+.",
		docs:   []string{mailCert, hybrid(`{tlsCertificateRef: mail}`)},
		want:   []string{"warning HybridTLSCertificate spec.tlsCertificateRef"},
	},
	"HybridObservedOnly": {
		reason: "Without a certificate the hybrid configuration is only observed.",
		docs:   []string{hybrid(`{}`)},
	},
	"HybridBoth": {
		reason: "A reference and a literal name cannot both decide the value.",
		docs:   []string{mailCert, hybrid(`{tlsCertificateRef: mail, tlsCertificateName: "<I>CN=R10<S>CN=mail.work.com"}`)},
		want: []string{"error HybridTLSCertificateRef spec.tlsCertificateRef",
			"warning HybridTLSCertificate spec.tlsCertificateName"},
	},
	"HybridUnknownRef": {
		reason: "The reference names an ExchangeCertificate that is not declared.",
		docs:   []string{hybrid(`{tlsCertificateRef: nope}`)},
		want:   []string{"error HybridTLSCertificateRef spec.tlsCertificateRef", "warning HybridTLSCertificate spec.tlsCertificateRef"},
	},
	"HybridBadName": {
		reason: "TlsCertificateName is <I>issuer<S>subject.",
		docs:   []string{hybrid(`{tlsCertificateName: "CN=mail.work.com"}`)},
		want:   []string{"error HybridTLSCertificate spec.tlsCertificateName", "warning HybridTLSCertificate spec.tlsCertificateName"},
	},
	"HybridTwice": {
		reason: "There is one hybrid configuration per organisation.",
		docs:   []string{hybrid(`{}`), doc(KindHybridConfiguration, "other", `{}`)},
		want:   []string{"error DuplicateIdentity metadata.name", "error DuplicateIdentity metadata.name"},
	},
	"HybridEdgeOnly": {
		reason: "An Edge server has no hybrid configuration cmdlets.",
		noOrg:  true,
		docs: []string{"apiVersion: exreconcile.io/v1alpha1\nkind: ExchangeOrganization\nmetadata: {name: edge-only}\nspec:\n  servers:\n" +
			"    - {name: EDGE1, endpoint: \"https://edge1.work.com:5986/wsman\", role: Edge}\n  auth: {username: 'WORK\\svc', passwordFrom: {env: EXRECONCILE_PASSWORD}}\n", hybrid(`{}`)},
		want: []string{"error HybridNeedsMailboxServer metadata.name"},
	},
	"ReceiveRefOtherServer": {
		reason: "A receive connector can only name a certificate its own server holds.",
		docs:   []string{mailCert, receive("Default Frontend WIN20082", `{server: WIN20082, tlsCertificateRef: mail}`)},
		want:   []string{"error ReceiveTLSCertificateRef spec.tlsCertificateRef", "warning ReceiveTLSCertificateRef spec.tlsCertificateRef"},
	},
	"ReceiveRefValid": {
		reason: "The certificate is declared on the connector's server.",
		docs:   []string{mailCert, receive("Default Frontend WIN20081", `{server: WIN20081, tlsCertificateRef: mail}`)},
		want:   []string{"warning ReceiveTLSCertificateRef spec.tlsCertificateRef"},
	},
	"SendRefBoth": {
		reason: "Either the reference or the literal name.",
		docs: []string{mailCert, send("Outbound to Office 365", `{addressSpaces: [work.mail.onmicrosoft.com], sourceTransportServers: [WIN20081],
  tlsCertificateRef: mail, tlsCertificateName: "<I>CN=R10<S>CN=mail.work.com"}`)},
		want: []string{"error SendTLSCertificateRef spec.tlsCertificateRef", "warning SendTLSCertificateName spec.tlsCertificateName",
			"warning SendTLSCertificateRef spec.tlsCertificateRef"},
	},
	"SendRefSourceLacksIt": {
		reason: "Every source server of the send connector must hold the certificate.",
		docs: []string{mailCert, send("Outbound to Office 365", `{addressSpaces: [work.mail.onmicrosoft.com], sourceTransportServers: [WIN20081, WIN20082],
  tlsCertificateRef: mail}`)},
		want: []string{"error SendTLSCertificateRef spec.tlsCertificateRef", "warning SendTLSCertificateRef spec.tlsCertificateRef"},
	},
}

func init() { allRuleCases["certificateref"] = certificateRefCases }

func TestCertificateRefRules(t *testing.T) { runRuleCases(t, "certificateref", certificateRefCases) }
