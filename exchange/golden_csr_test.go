package exchange

import (
	"testing"
)

// csrGoldenCases are the scripts of the certificate request and the Root
// store: the request on the server, the roots in the observe script, and
// adding and removing one root.
func csrGoldenCases() []goldenCase {
	rootDER := []byte("a CA certificate's DER bytes")
	return []goldenCase{
		observeCase("observe-mailbox-2019-roots", mailbox(Exchange2019), Reads{ReceiveConnectors: true, Certificates: true, Roots: true}),
		observeCase("observe-edge-2010-roots", edge(Exchange2010), Reads{ReceiveConnectors: true, Certificates: true, Roots: true}),
		applyCase("apply-certificate-request", mailbox(Exchange2010), func(tb *testing.T) []Call {
			// Seed 000 section 4.1, with the key size the seed's CA asked for.
			return []Call{must[Call](tb)(NewCertificateRequest(Exchange2010, "EXCH2K10", RequestOptions{
				SubjectName: "C=CA,S=ON,O=eHealth Ontario ONE Mail Dev Lab,CN=123456", DomainNames: []string{"eHoDevLab.on.ca"},
				KeySize: 1024, FriendlyName: "ONE Mail O'Brien", PrivateKeyExportable: ptr(true)}))}
		}),
		applyCase("apply-certificate-request-defaults", mailbox(Exchange2019), func(tb *testing.T) []Call {
			return []Call{must[Call](tb)(NewCertificateRequest(Exchange2019, "WIN20081", RequestOptions{SubjectName: "CN=mail.work.com"}))}
		}),
		applyCase("apply-add-trusted-root", mailbox(Exchange2010), func(tb *testing.T) []Call {
			return []Call{must[Call](tb)(AddTrustedRoot(rootDER, "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4"))}
		}),
		applyCase("apply-remove-trusted-root", edge(Exchange2016), func(tb *testing.T) []Call {
			return []Call{must[Call](tb)(RemoveTrustedRoot("df3c24f9bfd666761b268073fe06d1cc8d4f82a4"))}
		}),
	}
}
