package exchange

import (
	"strings"
	"testing"
	"time"
)

// TlsCertificateName names a certificate by issuer and subject; Exchange
// accepts a name that matches nothing (a renewal can remove the
// certificate later), and the connector then offers no STARTTLS.
func TestConnectorTlsCertificateName(t *testing.T) {
	cases := []struct {
		name    string
		v       Version
		cmdlet  string
		args    args
		wantErr string
		want    string
		reason  string
	}{
		{"receive absent certificate", V2019, "Set-ReceiveConnector", args{"Identity": "Default Frontend WIN20081", "TlsCertificateName": hybridTLSName},
			"", hybridTLSName, "no existence check at Set time"},
		{"send absent certificate", V2019, "New-SendConnector", args{"Name": "Outbound to Office 365", "AddressSpaces": []any{"*"}, "TlsCertificateName": hybridTLSName},
			"", hybridTLSName, "no existence check at New time"},
		{"receive bad syntax", V2019, "Set-ReceiveConnector", args{"Identity": "Default Frontend WIN20081", "TlsCertificateName": "mail.work.com"},
			"isn't a valid certificate name", "", "<I>issuer<S>subject"},
		{"receive 2010", V2010, "Set-ReceiveConnector", args{"Identity": "Default WIN20081", "TlsCertificateName": hybridTLSName},
			"A parameter cannot be found that matches parameter name 'TlsCertificateName'", "", "2013+ on connectors"},
		{"receive clear", V2019, "Set-ReceiveConnector", args{"Identity": "Default Frontend WIN20081", "TlsCertificateName": nil},
			"", "", "$null clears it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := newTestOrg(t, ServerSpec{Name: "WIN20081", Version: tc.v})
			sh := remoteShell(t, o, "WIN20081")
			_, err := sh.run(call{name: tc.cmdlet, args: tc.args})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: error = %v", tc.reason, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			var got []any
			if strings.HasSuffix(tc.cmdlet, "SendConnector") {
				got = sh.must("Get-SendConnector", args{"Identity": tc.args["Name"]})
			} else {
				got = sh.must("Get-ReceiveConnector", args{"Identity": tc.args["Identity"]})
				choice, _ := o.STARTTLSCertificate("WIN20081", tc.args["Identity"].(string))
				if tc.want != "" && (choice.Cert != nil || choice.Reason != "TlsCertificateNameNotFound") {
					t.Errorf("%s: a name that matches nothing offers no STARTTLS: %+v", tc.reason, choice)
				}
			}
			if p := prop(t, got[0], "TlsCertificateName"); p != tc.want {
				t.Errorf("%s: shown %q, want %q", tc.reason, p, tc.want)
			}
		})
	}
}

func TestRemoveReferencedCertificate(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(sh *shell, tlsName string)
		target  string // "issued" or "auth"
		wantErr string
		reason  string
	}{
		{"unreferenced", nil, "issued", "", "removed with -Confirm:$false"},
		{"receive connector", func(sh *shell, n string) {
			sh.must("Set-ReceiveConnector", args{"Identity": "Default Frontend WIN20081", "TlsCertificateName": n})
		}, "issued", "These certificates are tagged with following Receive Connectors : WIN20081\\Default Frontend WIN20081.", "a Receive connector still names it"},
		{"send connector", func(sh *shell, n string) {
			sh.must("New-SendConnector", args{"Name": "Outbound to Office 365", "AddressSpaces": []any{"*"}, "TlsCertificateName": n})
		}, "issued", "These certificates are tagged with following Send Connectors : Outbound to Office 365.", "real troubleshooting text"},
		{"hybrid", func(sh *shell, n string) {
			sh.must("New-HybridConfiguration", args{"TlsCertificateName": n})
		}, "issued", "tagged with the Hybrid Configuration", "the hybrid configuration still names it"},
		{"subject only name", func(sh *shell, n string) {
			sh.must("Set-ReceiveConnector", args{"Identity": "Default Frontend WIN20081", "TlsCertificateName": "<S>CN=mail.work.com"})
		}, "issued", "tagged with following Receive Connectors", "<S> alone matches any issuer"},
		{"other issuer", func(sh *shell, n string) {
			sh.must("Set-ReceiveConnector", args{"Identity": "Default Frontend WIN20081", "TlsCertificateName": hybridTLSName})
		}, "issued", "", "a name with another issuer does not reference it (the renewal case)"},
		{"auth certificate", nil, "auth", "is the current Exchange Server Auth certificate and can't be removed", "the Auth certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := newTestOrg(t)
			sh := remoteShell(t, o, "WIN20081")
			csr := csrOf(t, sh.must("New-ExchangeCertificate", args{"GenerateRequest": true, "SubjectName": "CN=mail.work.com", "KeySize": 1024}))
			issued := sh.must("Import-ExchangeCertificate", args{"FileData": pemCert(signCSR(t, csr, testClock.Add(-time.Hour)))})
			thumb := thumbOf(t, issued)
			name := "<I>" + prop(t, issued[0], "Issuer") + "<S>" + prop(t, issued[0], "Subject")
			if tc.setup != nil {
				tc.setup(sh, name)
			}
			if tc.target == "auth" {
				for _, c := range sh.must("Get-ExchangeCertificate", nil) {
					if prop(t, c, "Subject") == "CN=Microsoft Exchange Server Auth Certificate" {
						thumb = prop(t, c, "Thumbprint")
					}
				}
			}
			err := sh.remove("Remove-ExchangeCertificate", args{"Thumbprint": thumb})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: error = %v, want %q", tc.reason, err, tc.wantErr)
				}
				if _, gerr := sh.run(call{name: "Get-ExchangeCertificate", args: args{"Thumbprint": thumb}}); gerr != nil {
					t.Errorf("a refused removal keeps the certificate: %v", gerr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if _, gerr := sh.run(call{name: "Get-ExchangeCertificate", args: args{"Thumbprint": thumb}}); gerr == nil {
				t.Error("removed")
			}
		})
	}
}
