package exchange

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// csrOf reads the request New-ExchangeCertificate -GenerateRequest printed
// (Base64 under the NEW CERTIFICATE REQUEST header) or returned (-BinaryEncoded).
func csrOf(t testing.TB, out []any) *x509.CertificateRequest {
	t.Helper()
	if len(out) != 1 {
		t.Fatalf("got %d objects", len(out))
	}
	var der []byte
	switch v := out[0].(type) {
	case string:
		if !strings.HasPrefix(v, "-----BEGIN NEW CERTIFICATE REQUEST-----\r\n") || !strings.HasSuffix(v, "\r\n-----END NEW CERTIFICATE REQUEST-----") {
			t.Fatalf("request text framing: %q", v)
		}
		for _, line := range strings.Split(v, "\r\n") {
			if len(line) > 76 {
				t.Fatalf("Base64 lines are 76 characters at most (seed 000): %q", line)
			}
		}
		block, _ := pem.Decode([]byte(v))
		if block == nil || block.Type != "NEW CERTIFICATE REQUEST" {
			t.Fatalf("not PEM: %q", v)
		}
		der = block.Bytes
	case *ps.Object:
		b, ok := v.Get("FileData").Value.([]byte)
		if !ok {
			t.Fatalf("FileData: %#v", v.Get("FileData").Value)
		}
		der = b
	default:
		t.Fatalf("request output %T", out[0])
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := csr.CheckSignature(); err != nil {
		t.Fatalf("the CSR is signed by its own key: %v", err)
	}
	return csr
}

// signCSR issues the request with the test CA, as a CA would: its subject
// and names, server authentication.
func signCSR(t testing.TB, csr *x509.CertificateRequest, notBefore time.Time) []byte {
	t.Helper()
	c := theCA(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), RawSubject: csr.RawSubject, DNSNames: csr.DNSNames,
		NotBefore: notBefore, NotAfter: notBefore.AddDate(0, 0, 90), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, csr.PublicKey, c.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestGenerateRequest(t *testing.T) {
	cases := []struct {
		name     string
		v        Version
		args     args
		subject  string   // Subject the pending request shows
		dns      []string // SAN DNS names of the CSR
		bits     int
		friendly string
		export   string
		wantErr  string
		reason   string
	}{
		{name: "seed 000", v: V2010, args: args{"PrivateKeyExportable": true, "KeySize": 1024, "SubjectName": "C=CA,S=ON,O=eHealth Ontario ONE Mail Dev Lab,CN=123456", "DomainName": []any{"eHoDevLab.on.ca"}},
			subject: "CN=123456, O=eHealth Ontario ONE Mail Dev Lab, S=ON, C=CA", dns: []string{"123456", "eHoDevLab.on.ca"}, bits: 1024, friendly: "Microsoft Exchange", export: "True",
			reason: "the CN joins the names even when it is a single label (DomainName takes server names too)"},
		{name: "reference example 3", args: args{"SubjectName": "c=US,o=Woodgrove Bank,cn=mail.woodgrovebank.com", "DomainName": []any{"autodiscover.woodgrovebank.com", "mail.fabrikam.com"}},
			subject: "CN=mail.woodgrovebank.com, O=Woodgrove Bank, C=US", dns: []string{"mail.woodgrovebank.com", "autodiscover.woodgrovebank.com", "mail.fabrikam.com"}, bits: 2048, friendly: "Microsoft Exchange", export: "False",
			reason: "the subject CN is automatically included in the domain names; KeySize 2048 and PrivateKeyExportable $false by default"},
		{name: "defaults", args: args{}, subject: "CN=WIN20081", dns: []string{"WIN20081", "win20081.work.com"}, bits: 2048, friendly: "Microsoft Exchange", export: "False",
			reason: "Subject CN=<server>, names = server name and FQDN when no DomainName nor Include switch"},
		{name: "include switches", args: args{"SubjectName": "CN=mail.work.com", "IncludeAutoDiscover": true, "IncludeServerFQDN": true},
			subject: "CN=mail.work.com", dns: []string{"mail.work.com", "win20081.work.com", "autodiscover.work.com"}, bits: 2048, friendly: "Microsoft Exchange", export: "False",
			reason: "Include switches replace the server-name default"},
		{name: "wildcard", args: args{"SubjectName": "C=US,CN=*.work.com", "FriendlyName": "wild", "KeySize": 4096},
			subject: "CN=*.work.com, C=US", dns: []string{"*.work.com", "WIN20081", "win20081.work.com"}, bits: 4096, friendly: "wild", export: "False",
			reason: "a wildcard subject (reference), 4096-bit key"},
		{name: "key size 3072", args: args{"KeySize": 3072}, wantErr: "The value 3072 isn't valid for the KeySize parameter",
			reason: "valid values are 1024, 2048, 4096"},
		{name: "friendly name 64", args: args{"FriendlyName": strings.Repeat("x", 64)}, wantErr: "must be less than 64 characters",
			reason: "the reference's limit"},
		{name: "bad subject", args: args{"SubjectName": "c=us, o=Example Corp,"}, wantErr: "invalid X500 name",
			reason: "seed 003's subject"},
		{name: "bad domain", args: args{"DomainName": []any{"mail work.com"}}, wantErr: "isn't valid",
			reason: "DomainName values are domain names"},
		{name: "RequestFile on 2019", args: args{"RequestFile": `C:\req.txt`}, wantErr: "A parameter cannot be found that matches parameter name 'RequestFile'",
			reason: "RequestFile is 2013 only"},
		{name: "RequestFile on 2013", v: V2013, args: args{"SubjectName": "CN=mail.work.com", "RequestFile": `C:\Cert Requests\work.req`},
			subject: "CN=mail.work.com", dns: []string{"mail.work.com", "WIN20081", "win20081.work.com"}, bits: 2048, friendly: "Microsoft Exchange", export: "False",
			reason: "2013 writes the request to the file and prints it"},
		{name: "binary", args: args{"SubjectName": "CN=mail.work.com", "DomainName": []any{"mail.work.com"}, "BinaryEncoded": true},
			subject: "CN=mail.work.com", dns: []string{"mail.work.com"}, bits: 2048, friendly: "Microsoft Exchange", export: "False",
			reason: "-BinaryEncoded returns an object whose FileData is the DER (reference example 5)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			if v == 0 {
				v = V2019
			}
			o := newTestOrg(t, ServerSpec{Name: "WIN20081", Version: v})
			sh := remoteShell(t, o, "WIN20081")
			a := args{"GenerateRequest": true}
			for k, val := range tc.args {
				a[k] = val
			}
			out, err := sh.run(call{name: "New-ExchangeCertificate", args: a})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: error = %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			csr := csrOf(t, out)
			if got := formatDN(csr.RawSubject); got != tc.subject {
				t.Errorf("%s: CSR subject %q, want %q", tc.reason, got, tc.subject)
			}
			if strings.Join(csr.DNSNames, ",") != strings.Join(tc.dns, ",") {
				t.Errorf("%s: CSR names %v, want %v", tc.reason, csr.DNSNames, tc.dns)
			}
			var pending any
			for _, c := range sh.must("Get-ExchangeCertificate", nil) {
				if prop(t, c, "Status") == "PendingRequest" {
					pending = c
				}
			}
			if pending == nil {
				t.Fatal("Get-ExchangeCertificate shows the pending request")
			}
			want := map[string]string{"Subject": tc.subject, "HasPrivateKey": "True", "RootCAType": "Unknown", "FriendlyName": tc.friendly,
				"PrivateKeyExportable": tc.export, "PublicKeySize": itoa(tc.bits), "Services": "None"}
			for k, w := range want {
				if got := prop(t, pending, k); got != w {
					t.Errorf("%s: pending %s = %q, want %q", tc.reason, k, got, w)
				}
			}
			if req := prop(t, pending, "CertificateRequest"); !strings.Contains(req, "BEGIN NEW CERTIFICATE REQUEST") {
				t.Errorf("CertificateRequest holds the request text: %q", req)
			}
			if tc.args["RequestFile"] != nil {
				s, _ := o.Server("WIN20081")
				b, ok := s.readFile(`c:\cert requests\WORK.req`)
				if !ok || string(b) != out[0].(string) {
					t.Errorf("the file holds what was printed: %q", b)
				}
			}
		})
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

// TestCSRSignImport is the seed 000 flow: request on the server, CA signs
// it, import of the issued certificate in each form a CA sends.
func TestCSRSignImport(t *testing.T) {
	cases := []struct {
		name   string
		encode func(t testing.TB, der []byte) any
		reason string
	}{
		{"pem", func(_ testing.TB, der []byte) any { return pemCert(der) }, "Base64 with CERTIFICATE header"},
		{"der", func(_ testing.TB, der []byte) any { return der }, "a .cer file"},
		{"pkcs7 with root", func(t testing.TB, der []byte) any { return pkcs7(t, der, theCA(t).cert.Raw) }, "a .p7b chain: the leaf pairs with the key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := newTestOrg(t)
			sh := remoteShell(t, o, "WIN20081")
			csr := csrOf(t, sh.must("New-ExchangeCertificate", args{"GenerateRequest": true, "SubjectName": "C=US, O=Work, CN=mail.work.com",
				"DomainName": []any{"mail.work.com", "autodiscover.work.com"}, "FriendlyName": "mail", "PrivateKeyExportable": true}))
			issued := signCSR(t, csr, testClock.Add(-time.Hour))
			out := sh.must("Import-ExchangeCertificate", args{"FileData": tc.encode(t, issued)})
			sum := sha1.Sum(issued)
			want := strings.ToUpper(hex.EncodeToString(sum[:]))
			if got := thumbOf(t, out); got != want {
				t.Fatalf("%s: thumbprint %s, want SHA-1 of the issued DER %s", tc.reason, got, want)
			}
			got := sh.must("Get-ExchangeCertificate", args{"Thumbprint": want})[0]
			for k, w := range map[string]string{"HasPrivateKey": "True", "Status": "Valid", "FriendlyName": "mail", "PrivateKeyExportable": "True",
				"Issuer": "CN=Zeeman7 Test CA", "Subject": "CN=mail.work.com, O=Work, C=US", "RootCAType": "ThirdParty", "IsSelfSigned": "False"} {
				if g := prop(t, got, k); g != w {
					t.Errorf("%s: %s = %q, want %q", tc.reason, k, g, w)
				}
			}
			for _, c := range sh.must("Get-ExchangeCertificate", nil) {
				if prop(t, c, "Status") == "PendingRequest" {
					t.Errorf("the pending request is gone after the import")
				}
			}
			sh.must("Enable-ExchangeCertificate", args{"Thumbprint": want, "Services": "SMTP", "Force": true})
			sh.must("Set-ReceiveConnector", args{"Identity": "Default Frontend WIN20081", "Fqdn": "mail.work.com"})
			choice, err := o.STARTTLSCertificate("WIN20081", "Default Frontend WIN20081")
			if err != nil || choice.Cert == nil || choice.Cert.Thumbprint != want {
				t.Fatalf("the Frontend connector presents the issued certificate: %+v %v", choice, err)
			}
		})
	}
}

// A pending request survives --state: its key and request come back, and
// the issued certificate still completes it.
func TestPendingRequestStateRoundTrip(t *testing.T) {
	o := newTestOrg(t)
	sh := remoteShell(t, o, "WIN20081")
	csr := csrOf(t, sh.must("New-ExchangeCertificate", args{"GenerateRequest": true, "SubjectName": "CN=mail.work.com", "KeySize": 1024}))
	path := filepath.Join(t.TempDir(), "state.yaml")
	if err := o.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadFile(path, Options{Clock: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	after := remoteShell(t, loaded, "WIN20081")
	out := after.must("Import-ExchangeCertificate", args{"FileData": pemCert(signCSR(t, csr, testClock.Add(-time.Hour)))})
	if got := prop(t, out[0], "HasPrivateKey"); got != "True" {
		t.Fatalf("the reloaded pending key pairs with the issued certificate: HasPrivateKey %s", got)
	}
	path2 := filepath.Join(t.TempDir(), "state2.yaml")
	if err := loaded.SaveFile(path2); err != nil {
		t.Fatal(err)
	}
	again, err := LoadFile(path2, Options{Clock: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	th := thumbOf(t, out)
	got := remoteShell(t, again, "WIN20081").must("Get-ExchangeCertificate", args{"Thumbprint": th})
	if prop(t, got[0], "HasPrivateKey") != "True" || prop(t, got[0], "Status") != "Valid" {
		t.Errorf("the completed certificate keeps its key across --state")
	}
}

// Renewal through the pipeline (reference examples 6-8): same subject and
// names, a new key.
func TestRenewalRequest(t *testing.T) {
	o := newTestOrg(t)
	sh := remoteShell(t, o, "WIN20081")
	csr := csrOf(t, sh.must("New-ExchangeCertificate", args{"GenerateRequest": true, "SubjectName": "CN=mail.work.com", "DomainName": []any{"mail.work.com", "smtp.work.com"}, "KeySize": 1024}))
	first := thumbOf(t, sh.must("Import-ExchangeCertificate", args{"FileData": pemCert(signCSR(t, csr, testClock.AddDate(0, -2, 0)))}))
	old := sh.must("Get-ExchangeCertificate", args{"Thumbprint": first})
	renew := csrOf(t, sh.must2(call{name: "New-ExchangeCertificate", args: args{"GenerateRequest": true}, input: old}))
	if formatDN(renew.RawSubject) != "CN=mail.work.com" || strings.Join(renew.DNSNames, ",") != "mail.work.com,smtp.work.com" {
		t.Errorf("renewal keeps subject and names: %s %v", formatDN(renew.RawSubject), renew.DNSNames)
	}
	if renew.PublicKey.(*rsa.PublicKey).Equal(csr.PublicKey) {
		t.Error("a renewal request has a new key")
	}
	if n := renew.PublicKey.(*rsa.PublicKey).N.BitLen(); n != 1024 {
		t.Errorf("renewal keeps the key size: %d", n)
	}
}

func (sh *shell) must2(c call) []any {
	sh.t.Helper()
	out, err := sh.run(c)
	if err != nil {
		sh.t.Fatalf("%s: %v", c.name, err)
	}
	return out
}
