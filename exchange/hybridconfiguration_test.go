package exchange

import (
	"strings"
	"testing"
)

// rotationGoldenCases are the scripts of a certificate rotation: the
// observe that also reads the hybrid configuration, the switch of the
// three TlsCertificateName places and the retirement of the superseded
// certificate.
func rotationGoldenCases() []goldenCase {
	const name = "<I>CN=R11, O=Let's Encrypt, C=US<S>CN=mail.work.com"
	return []goldenCase{
		observeCase("observe-mailbox-2019-org-hybrid", mailbox(Exchange2019),
			Reads{Organization: true, ReceiveConnectors: true, Certificates: true, Hybrid: true}),
		applyCase("apply-rotation-switch", mailbox(Exchange2019), func(tb *testing.T) []Call {
			cur := &ObservedSendConnector{Name: "Outbound to Office 365", TlsCertificateName: "<I>CN=R10, O=Let's Encrypt, C=US<S>CN=mail.work.com"}
			return []Call{
				must[Call](tb)(SetSendConnector(Exchange2019, "Outbound to Office 365", SendConnectorSpec{TlsCertificateName: ptr(name)}, cur)),
				must[Call](tb)(SetReceiveConnector(Exchange2019, `WIN20081\Default Frontend WIN20081`, ReceiveConnectorSpec{TlsCertificateName: ptr(name)})),
				must[Call](tb)(SetHybridConfiguration(Exchange2019, name)),
			}
		}),
		applyCase("apply-rotation-retire", mailbox(Exchange2019), func(tb *testing.T) []Call {
			return []Call{must[Call](tb)(RemoveExchangeCertificate(Exchange2019, "WIN20081", "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"))}
		}),
	}
}

func TestSetHybridConfigurationVersions(t *testing.T) {
	if _, err := SetHybridConfiguration(Exchange2010, "<I>CN=R10<S>CN=mail.work.com"); err == nil {
		t.Error("Exchange 2010 has no -TlsCertificateName on Set-HybridConfiguration (SecureMailCertificateThumbprint)")
	}
	c, err := SetHybridConfiguration(Exchange2019, "<I>CN=R10, O=Let's Encrypt<S>CN=mail.work.com")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Redacted(), `Set-HybridConfiguration -TlsCertificateName '<I>CN=R10, O=Let''s Encrypt<S>CN=mail.work.com'`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if _, err := SetHybridConfiguration(Exchange2019, ""); err == nil {
		t.Error("an empty name is not a change")
	}
	r, err := RemoveExchangeCertificate(Exchange2010, "EX01", "ab")
	if err != nil || !strings.Contains(r.Redacted(), "-Thumbprint 'AB' -Server 'EX01' -Confirm:$false") {
		t.Errorf("Remove-ExchangeCertificate: %s, %v", r.Redacted(), err)
	}
}
