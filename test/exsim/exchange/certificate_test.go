package exchange

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
	"software.sslmate.com/src/go-pkcs12"
)

// testCA issues certificates for the tests (one key for speed).
type testCA struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

var (
	caOnce sync.Once
	ca     testCA
)

func theCA(t testing.TB) testCA {
	caOnce.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Zeeman7 Test CA"},
			NotBefore: testClock.AddDate(-1, 0, 0), NotAfter: testClock.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		c, _ := x509.ParseCertificate(der)
		ca = testCA{key: key, cert: c}
	})
	return ca
}

// issue signs a certificate for pub with subject cn.
func (c testCA) issue(t testing.TB, cn string, pub any) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		DNSNames: []string{cn}, NotBefore: testClock.AddDate(0, -1, 0), NotAfter: testClock.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, pub, c.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// pkcs7 wraps certificates in a degenerate SignedData (.p7b).
func pkcs7(t testing.TB, certs ...[]byte) []byte {
	t.Helper()
	var raw []byte
	for _, c := range certs {
		raw = append(raw, c...)
	}
	sd, err := asn1.Marshal(struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		ContentInfo      struct{ ContentType asn1.ObjectIdentifier }
		Certificates     asn1.RawValue `asn1:"tag:0"`
		SignerInfos      asn1.RawValue
	}{
		Version:          1,
		DigestAlgorithms: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true},
		ContentInfo:      struct{ ContentType asn1.ObjectIdentifier }{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}},
		Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: raw},
		SignerInfos:      asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := asn1.Marshal(struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sd}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func thumbOf(t testing.TB, out []any) string {
	t.Helper()
	if len(out) != 1 {
		t.Fatalf("got %d objects", len(out))
	}
	return prop(t, out[0], "Thumbprint")
}

func TestImportFormats(t *testing.T) {
	c := theCA(t)
	key, _ := defaultKey()
	pfxKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pfxCert := c.issue(t, "mail.work.com", &pfxKey.PublicKey)
	parsed, _ := x509.ParseCertificate(pfxCert)
	pfx, err := pkcs12.Modern.Encode(pfxKey, parsed, []*x509.Certificate{c.cert}, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	bare := c.issue(t, "bare.work.com", &key.PublicKey)
	cases := []struct {
		name       string
		data       any
		password   string
		wantErr    string
		privateKey string
		reason     string
	}{
		{"pfx", pfx, "s3cret", "", "True", "PKCS#12 with its key"},
		{"pfx wrong password", pfx, "nope", "A special Rpc error occurs on server WIN20081: The source data cannot be imported or the wrong password was specified.", "", "real Exchange 2016 text"},
		{"der", bare, "", "", "False", "a bare certificate has no key (seed 000)"},
		{"pem", pemCert(bare), "", "", "False", "Base64 with header"},
		{"p7b", pkcs7(t, bare, c.cert.Raw), "", "", "False", "a CA's PKCS#7 chain; the leaf is imported"},
		{"p7b under certificate header", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pkcs7(t, bare)}), "", "", "False", "seed 000's CA file"},
		{"byte array", toBytesArray(bare), "", "", "False", "[Byte[]] built in script"},
		{"garbage", []byte("not a certificate"), "", "The source data cannot be imported", "", "unreadable data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := newTestOrg(t)
			sh := remoteShell(t, o, "WIN20081")
			a := args{"FileData": tc.data}
			if tc.password != "" {
				a["Password"] = ps.NewSecureString(tc.password)
			}
			out, err := sh.run(call{name: "Import-ExchangeCertificate", args: a})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: error = %q, want %q", tc.reason, errText(err), tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if got := prop(t, out[0], "HasPrivateKey"); got != tc.privateKey {
				t.Errorf("%s: HasPrivateKey = %s, want %s", tc.reason, got, tc.privateKey)
			}
			if got := prop(t, out[0], "Services"); got != "None" {
				t.Errorf("imported certificates have no services, got %s", got)
			}
			_, err = sh.run(call{name: "Import-ExchangeCertificate", args: a})
			if err == nil || !strings.Contains(err.Error(), "Cannot import certificate. A certificate with the thumbprint "+thumbOf(t, out)+" already exists.") {
				t.Errorf("a second import must fail as a duplicate: %v", err)
			}
		})
	}
}

func toBytesArray(b []byte) []any {
	out := make([]any, len(b))
	for i, x := range b {
		out[i] = int(x)
	}
	return out
}

func TestPendingRequestCompletion(t *testing.T) {
	o := newTestOrg(t)
	sh := remoteShell(t, o, "WIN20081")
	out := sh.must("New-ExchangeCertificate", args{"GenerateRequest": true, "FriendlyName": "Win20081 certificate",
		"SubjectName": "DC=com,DC=work,CN=win20081.work.com", "DomainName": []any{"win20081.work.com", "work.com", "win20081"}, "KeySize": 1024})
	text, ok := out[0].(string)
	if !ok || !strings.HasPrefix(text, "-----BEGIN NEW CERTIFICATE REQUEST-----") {
		t.Fatalf("New-ExchangeCertificate -GenerateRequest prints the request, got %v", out)
	}
	block, _ := pem.Decode([]byte(strings.ReplaceAll(strings.ReplaceAll(text, "NEW CERTIFICATE REQUEST", "CERTIFICATE REQUEST"), "\r", "")))
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pending := sh.must("Get-ExchangeCertificate", args{"DomainName": []any{"work.com"}})
	if len(pending) != 1 || prop(t, pending[0], "Status") != "PendingRequest" || prop(t, pending[0], "HasPrivateKey") != "True" {
		t.Fatalf("the request is listed as PendingRequest with its key")
	}
	if got := prop(t, pending[0], "Subject"); got != "CN=win20081.work.com, DC=work, DC=com" {
		t.Errorf("request subject %q", got)
	}
	if _, err := sh.run(call{name: "Enable-ExchangeCertificate", args: args{"Thumbprint": prop(t, pending[0], "Thumbprint"), "Services": "SMTP"}}); err == nil {
		t.Errorf("a pending request can't be enabled")
	}
	issued := theCA(t).issue(t, "win20081.work.com", csr.PublicKey)
	imported := sh.must("Import-ExchangeCertificate", args{"FileData": pkcs7(t, issued, theCA(t).cert.Raw)})
	want := map[string]string{"HasPrivateKey": "True", "Status": "Valid", "FriendlyName": "Win20081 certificate", "PublicKeySize": "1024", "IsSelfSigned": "False"}
	for k, v := range want {
		if got := prop(t, imported[0], k); got != v {
			t.Errorf("completed request: %s = %q, want %q", k, got, v)
		}
	}
	for _, c := range sh.must("Get-ExchangeCertificate", nil) {
		if prop(t, c, "Status") == "PendingRequest" {
			t.Errorf("the pending request is gone once completed")
		}
	}
	// Import | Enable -Services SMTP -Force, as seed 001 and 003 pipe it.
	enable := sh.cmds["enable-exchangecertificate"]
	if _, err := enable.Invoke(&ps.Call{Args: args{"Thumbprint": imported[0].(*ps.Object).Text, "Services": "SMTP", "Force": true}}); err != nil {
		t.Fatalf("Enable from the pipeline object's text: %v", err)
	}
	got := sh.must("Get-ExchangeCertificate", args{"Thumbprint": thumbOf(t, imported)})
	if prop(t, got[0], "Services") != "SMTP" {
		t.Errorf("Services = %s", prop(t, got[0], "Services"))
	}
}

func TestEnableAndRemove(t *testing.T) {
	key, _ := defaultKey()
	bare := theCA(t).issue(t, "bare.work.com", &key.PublicKey)
	pfxKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	leaf := theCA(t).issue(t, "smtp.work.com", &pfxKey.PublicKey)
	leafCert, _ := x509.ParseCertificate(leaf)
	pfx, _ := pkcs12.Modern.Encode(pfxKey, leafCert, nil, "pw")
	tlsName := "<I>" + formatDN(leafCert.RawIssuer) + "<S>" + formatDN(leafCert.RawSubject)
	cases := []struct {
		name    string
		v       Version
		setup   func(sh *shell, bare, pfx string)
		test    func(sh *shell, bare, pfx string) error
		wantErr string
		reason  string
	}{
		{"private key missing 2019", V2019, nil,
			func(sh *shell, bare, _ string) error {
				_, err := sh.run(call{name: "Enable-ExchangeCertificate", args: args{"Thumbprint": bare, "Services": "SMTP", "Force": true}})
				return err
			}, "A special Rpc error occurs on server WIN20081: The certificate with thumbprint %BARE% was found but is not valid for use with Exchange Server (reason: PrivateKeyMissing).", "Q&A 2022 text"},
		{"private key missing 2010", V2010, nil,
			func(sh *shell, bare, _ string) error {
				_, err := sh.run(call{name: "Enable-ExchangeCertificate", args: args{"Thumbprint": bare, "Services": "SMTP"}})
				return err
			}, "The certificate with thumbprint %BARE% was found but is not valid for use with Exchange Server (reason: PrivateKeyMissing).", "seed 000"},
		{"smtp without force", V2019, nil,
			func(sh *shell, _, pfx string) error {
				_, err := sh.run(call{name: "Enable-ExchangeCertificate", args: args{"Thumbprint": pfx, "Services": "SMTP"}})
				return err
			}, "Windows PowerShell is in NonInteractive mode.", "overwrite prompt (item 23)"},
		{"smtp with force", V2019, nil,
			func(sh *shell, _, pfx string) error {
				_, err := sh.run(call{name: "Enable-ExchangeCertificate", args: args{"Thumbprint": pfx, "Services": "SMTP", "Force": true}})
				return err
			}, "", "-Force replaces"},
		{"iis without prompt", V2019, nil,
			func(sh *shell, _, pfx string) error {
				_, err := sh.run(call{name: "Enable-ExchangeCertificate", args: args{"Thumbprint": pfx, "Services": "IIS"}})
				return err
			}, "", "only SMTP prompts"},
		{"identity form 2013+", V2019, nil,
			func(sh *shell, _, pfx string) error {
				_, err := sh.run(call{name: "Enable-ExchangeCertificate", args: args{"Identity": `win20081.work.com\` + pfx, "Services": "IMAP"}})
				return err
			}, "", "Identity ServerFQDN\\Thumbprint"},
		{"identity on 2010", V2010, nil,
			func(sh *shell, _, pfx string) error {
				_, err := sh.run(call{name: "Enable-ExchangeCertificate", args: args{"Identity": pfx, "Services": "IMAP"}})
				return err
			}, "A parameter cannot be found that matches parameter name 'Identity'.", "2013+ only"},
		{"federation", V2019, nil,
			func(sh *shell, _, pfx string) error {
				_, err := sh.run(call{name: "Enable-ExchangeCertificate", args: args{"Thumbprint": pfx, "Services": "Federation"}})
				return err
			}, "Federation service can't be enabled", "docs/exchange.md#certificate-rules item 22"},
		{"missing thumbprint", V2019, nil,
			func(sh *shell, _, _ string) error {
				_, err := sh.run(call{name: "Get-ExchangeCertificate", args: args{"Thumbprint": "94E711DD84BC285CD2911DAC3D0C9E3ABB29671E"}})
				return err
			}, "A special Rpc error occurs on server WIN20081: The certificate with thumbprint 94E711DD84BC285CD2911DAC3D0C9E3ABB29671E was not found.", "real text"},
		{"remove without confirm", V2019, nil,
			func(sh *shell, bare, _ string) error {
				_, err := sh.run(call{name: "Remove-ExchangeCertificate", args: args{"Thumbprint": bare}})
				return err
			}, "NonInteractive mode", "docs/exchange.md#prompts-and-confirmation"},
		{"remove", V2019, nil,
			func(sh *shell, bare, _ string) error {
				return sh.remove("Remove-ExchangeCertificate", args{"Thumbprint": bare})
			}, "", "-Confirm:$false"},
		{"remove in use", V2019,
			func(sh *shell, _, _ string) {
				sh.must("New-SendConnector", args{"Name": "Outbound to Office 365", "AddressSpaces": []any{"*"}, "TlsCertificateName": tlsName})
			},
			func(sh *shell, _, pfx string) error {
				return sh.remove("Remove-ExchangeCertificate", args{"Thumbprint": pfx})
			}, "These certificates are tagged with following Send Connectors : Outbound to Office 365. Removing and replacing certificates", "item 25, Microsoft troubleshooting text"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := newTestOrg(t, ServerSpec{Name: "WIN20081", Version: tc.v})
			sh := remoteShell(t, o, "WIN20081")
			b := thumbOf(t, sh.must("Import-ExchangeCertificate", args{"FileData": bare}))
			p := thumbOf(t, sh.must("Import-ExchangeCertificate", args{"FileData": pfx, "Password": ps.NewSecureString("pw")}))
			if tc.setup != nil {
				tc.setup(sh, b, p)
			}
			err := tc.test(sh, b, p)
			want := strings.ReplaceAll(tc.wantErr, "%BARE%", b)
			switch {
			case want == "" && err != nil:
				t.Fatalf("%s: %v", tc.reason, err)
			case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
				t.Fatalf("%s: error = %q, want %q", tc.reason, errText(err), want)
			}
		})
	}
}

func TestServicesAdditive(t *testing.T) {
	o := newTestOrg(t)
	sh := remoteShell(t, o, "WIN20081")
	out := sh.must("New-ExchangeCertificate", args{"SubjectName": "CN=mail.work.com", "DomainName": []any{"mail.work.com"}, "Services": "IIS", "KeySize": 1024})
	thumb := thumbOf(t, out)
	sh.must("Enable-ExchangeCertificate", args{"Thumbprint": thumb, "Services": "SMTP", "Force": true})
	sh.must("Enable-ExchangeCertificate", args{"Thumbprint": thumb, "Services": "POP"})
	got := prop(t, sh.must("Get-ExchangeCertificate", args{"Thumbprint": thumb})[0], "Services")
	if got != "POP, IIS, SMTP" {
		t.Errorf("services are additive (item 22): got %s", got)
	}
	for _, c := range sh.must("Get-ExchangeCertificate", nil) {
		if prop(t, c, "Subject") == "CN=WIN20081" && prop(t, c, "Services") != "IMAP, POP, SMTP" {
			t.Errorf("IIS moved off the default certificate, SMTP stays: %s", prop(t, c, "Services"))
		}
	}
	if _, err := sh.run(call{name: "New-ExchangeCertificate", args: args{"SubjectName": "CN=x.work.com", "KeySize": 1024}}); err == nil ||
		!strings.Contains(err.Error(), "NonInteractive") {
		t.Errorf("New-ExchangeCertificate defaults to IMAP, POP, SMTP and prompts for SMTP: %v", err)
	}
	if _, err := sh.run(call{name: "New-ExchangeCertificate", args: args{"SubjectName": "c=us, o=Example Corp,", "GenerateRequest": true}}); err == nil ||
		!strings.Contains(err.Error(), "The string contains an invalid X500 name attribute key, oid, value or delimiter.") {
		t.Errorf("seed 003's subject is invalid: %v", err)
	}
}

// The certificates setup creates are self-signed with SHA-1 (docs/exchange.md
// "Default certificates"); Go refuses SHA-1 in CheckSignatureFrom, which must not make them
// look CA-issued (IsSelfSigned, STARTTLS preference, RootCAType).
func TestDefaultCertificatesSelfSigned(t *testing.T) {
	o := newTestOrg(t)
	sh := remoteShell(t, o, "WIN20081")
	for _, c := range sh.must("Get-ExchangeCertificate", nil) {
		if got := prop(t, c, "IsSelfSigned"); got != "True" {
			t.Errorf("%s: IsSelfSigned = %s, want True", prop(t, c, "Subject"), got)
		}
	}
}
