package controller

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

const (
	thumbMail  = "41137E14BFD2509E666148FA974C594F4F6EC3E0"
	thumbOther = "0A1B2C3D4E5F60718293A4B5C6D7E8F901234567"
	serialMail = "14F0301300000000000003"
)

func TestPlanCertificate(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	smtp := value.ServiceSMTP
	smtpIIS := value.ServiceSMTP | value.ServiceIIS
	healthy := func(f func(*exchange.ObservedCertificate)) exchange.ObservedCertificate {
		c := exchange.ObservedCertificate{Thumbprint: thumbMail, Services: value.ServiceSMTP, Status: "Valid", HasPrivateKey: true,
			NotAfter: now.AddDate(1, 0, 0), Subject: "CN=mail.work.com", SerialNumber: serialMail}
		if f != nil {
			f(&c)
		}
		return c
	}
	pw := exchange.Secret("pfx-password")
	src := &certSource{data: []byte("0123456789"), password: &pw, thumbprint: thumbMail}
	subject := v1alpha1.Identity{Kind: v1alpha1.KindExchangeCertificate, Organization: testOrg, Server: "WIN20081", Name: "mail"}
	importCall := "Import-ExchangeCertificate -Server 'WIN20081' -FileData ([Convert]::FromBase64String('<redacted 10 bytes>'))" +
		" -Password (ConvertTo-SecureString -String '<redacted>' -AsPlainText -Force)"
	tests := []struct {
		name     string
		reason   string
		services *value.AllowedServices
		thumb    string
		src      *certSource
		observed []exchange.ObservedCertificate
		want     *Entry
	}{
		{name: "InSync", reason: "present, healthy, services enabled",
			services: &smtp, observed: []exchange.ObservedCertificate{healthy(nil)},
			want: &Entry{Identity: subject, Action: ActionUnchanged}},
		{name: "ThumbprintCase", reason: "thumbprints compare case-insensitively",
			services: &smtp, thumb: strings.ToLower(thumbMail), observed: []exchange.ObservedCertificate{healthy(nil)},
			want: &Entry{Identity: subject, Action: ActionUnchanged}},
		{name: "MissingWithSource", reason: "a missing certificate is imported, then its services enabled with -Force",
			services: &smtpIIS, src: src,
			want: &Entry{Identity: subject, Action: ActionCreate,
				Fields: []FieldDiff{{Field: "thumbprint", Desired: thumbMail, Actual: "(not imported)"}},
				Calls: []string{importCall,
					"Enable-ExchangeCertificate -Thumbprint '" + thumbMail + "' -Server 'WIN20081' -Services 'IIS','SMTP' -Force"}}},
		{name: "MissingWithSourceNoServices", reason: "without services only the import runs",
			src: src,
			want: &Entry{Identity: subject, Action: ActionCreate,
				Fields: []FieldDiff{{Field: "thumbprint", Desired: thumbMail, Actual: "(not imported)"}},
				Calls:  []string{importCall}}},
		{name: "MissingWithoutSource", reason: "nothing to import from is an error, not a change",
			services: &smtp, observed: []exchange.ObservedCertificate{healthy(func(c *exchange.ObservedCertificate) { c.Thumbprint = thumbOther })},
			want: &Entry{Identity: subject, Action: ActionUnchanged, Notes: []Note{{Severity: "error", Reason: ReasonMissingWithoutSource,
				Message: "certificate " + thumbMail + " is not on WIN20081 and the manifest gives no source to import it from"}}}},
		{name: "NoPrivateKey", reason: "seed 000: the remedy is certutil -repairstore; nothing is enabled on a key-less certificate",
			services: &smtpIIS, src: src,
			observed: []exchange.ObservedCertificate{healthy(func(c *exchange.ObservedCertificate) {
				c.HasPrivateKey, c.Services = false, value.ServiceNone
			})},
			want: &Entry{Identity: subject, Action: ActionUnchanged, Notes: []Note{{Severity: "error", Reason: ReasonPrivateKeyMissing,
				Message: "certificate " + thumbMail + " on WIN20081 has no private key, so Exchange cannot use it for TLS and nothing is enabled on it;" +
					" on WIN20081 run: certutil -repairstore my " + serialMail}}}},
		{name: "RevocationCheckFailure", reason: "seed 001: a status other than Valid is a warning with its cause",
			services: &smtp,
			observed: []exchange.ObservedCertificate{healthy(func(c *exchange.ObservedCertificate) { c.Status = "RevocationCheckFailure" })},
			want: &Entry{Identity: subject, Action: ActionUnchanged, Notes: []Note{{Severity: "warning", Reason: ReasonStatusNotValid,
				Message: "certificate " + thumbMail + " on WIN20081 has status RevocationCheckFailure: the server cannot reach the CRL distribution point" +
					" named in the certificate (seed 001: make the CA's DNS name resolvable from the server)"}}}},
		{name: "Untrusted", reason: "another status is named as is",
			services: &smtp,
			observed: []exchange.ObservedCertificate{healthy(func(c *exchange.ObservedCertificate) { c.Status = "Untrusted" })},
			want: &Entry{Identity: subject, Action: ActionUnchanged, Notes: []Note{{Severity: "warning", Reason: ReasonStatusNotValid,
				Message: "certificate " + thumbMail + " on WIN20081 has status Untrusted"}}}},
		{name: "Expiring", reason: "within 30 days of NotAfter is a warning",
			services: &smtp,
			observed: []exchange.ObservedCertificate{healthy(func(c *exchange.ObservedCertificate) { c.NotAfter = now.AddDate(0, 0, 10) })},
			want: &Entry{Identity: subject, Action: ActionUnchanged, Notes: []Note{{Severity: "warning", Reason: ReasonExpiring,
				Message: "certificate " + thumbMail + " on WIN20081 expires on 2026-05-11, in 10 days: renew it now (less than a third (30 days) of its validity is left)"}}}},
		{name: "NotYetExpiring", reason: "31 days left is healthy",
			services: &smtp,
			observed: []exchange.ObservedCertificate{healthy(func(c *exchange.ObservedCertificate) { c.NotAfter = now.AddDate(0, 0, 31) })},
			want:     &Entry{Identity: subject, Action: ActionUnchanged}},
		{name: "Expired", reason: "a past NotAfter is an error",
			services: &smtp,
			observed: []exchange.ObservedCertificate{healthy(func(c *exchange.ObservedCertificate) { c.NotAfter = now.AddDate(0, 0, -2) })},
			want: &Entry{Identity: subject, Action: ActionUnchanged, Notes: []Note{{Severity: "error", Reason: ReasonExpired,
				Message: "certificate " + thumbMail + " on WIN20081 expired on 2026-04-29"}}}},
		{name: "UnreadExpiry", reason: "an unreadable NotAfter (zero) is not reported as expired",
			services: &smtp,
			observed: []exchange.ObservedCertificate{healthy(func(c *exchange.ObservedCertificate) { c.NotAfter = time.Time{} })},
			want:     &Entry{Identity: subject, Action: ActionUnchanged}},
		{name: "MissingServices", reason: "only the missing services are enabled (Enable is additive), with -Force against the SMTP prompt",
			services: &smtpIIS,
			observed: []exchange.ObservedCertificate{healthy(func(c *exchange.ObservedCertificate) { c.Services = value.ServiceIIS })},
			want: &Entry{Identity: subject, Action: ActionChange,
				Fields: []FieldDiff{{Field: "services", Desired: "IIS, SMTP", Actual: "IIS"}},
				Calls:  []string{"Enable-ExchangeCertificate -Thumbprint '" + thumbMail + "' -Server 'WIN20081' -Services 'SMTP' -Force"}}},
		{name: "ExtraServices", reason: "Exchange cannot take a service away: extra services are a warning, not a change",
			services: &smtp,
			observed: []exchange.ObservedCertificate{healthy(func(c *exchange.ObservedCertificate) {
				c.Services = value.ServiceSMTP | value.ServiceIIS | value.ServicePOP
			})},
			want: &Entry{Identity: subject, Action: ActionUnchanged, Notes: []Note{{Severity: "warning", Reason: ReasonServicesBeyondDeclared,
				Message: "also enabled for POP, IIS; Exchange cannot remove a service from a certificate (enable another certificate for it, then remove this one)"}}}},
		{name: "ServicesNotManaged", reason: "without declared services, enabled ones are neither checked nor changed",
			observed: []exchange.ObservedCertificate{healthy(func(c *exchange.ObservedCertificate) { c.Services = value.ServiceIIS })},
			want:     &Entry{Identity: subject, Action: ActionUnchanged}},
		{name: "OtherCertificateHoldsSMTP", reason: "another certificate enabled for SMTP may be the one Exchange picks",
			services: &smtp,
			observed: []exchange.ObservedCertificate{
				healthy(func(c *exchange.ObservedCertificate) {
					c.Thumbprint, c.Subject, c.Services = thumbOther, "CN=WIN20081", value.ServiceSMTP|value.ServiceIIS
				}),
				healthy(nil),
			},
			want: &Entry{Identity: subject, Action: ActionUnchanged, Notes: []Note{{Severity: "warning", Reason: ReasonOtherCertificateHoldsSMTP,
				Message: "certificate " + thumbOther + " (CN=WIN20081) is also enabled for SMTP"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			thumb := tt.thumb
			if thumb == "" {
				thumb = thumbMail
			}
			c := &v1alpha1.ExchangeCertificate{ObjectMeta: v1alpha1.ObjectMeta{Name: "mail"},
				Spec: v1alpha1.ExchangeCertificateSpec{Thumbprint: thumb, Services: tt.services}}
			obs := &exchange.Observation{Server: exchange.ObservedServer{Name: "WIN20081", Version: exchange.Exchange2019},
				Certificates: tt.observed}
			got := &Entry{Identity: subject, Action: ActionUnchanged}
			planCertificate(got, c, obs, tt.src, now)
			if diff := cmp.Diff(tt.want, got, entryOpts); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

// testCert makes a self-signed certificate and its key.
func testCert(t *testing.T, cn string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(0x14F03013), Subject: pkix.Name{CommonName: cn},
		DNSNames: []string{cn}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// testLeaf makes a certificate for cn issued by ca.
func testLeaf(t *testing.T, cn string, ca *x509.Certificate, caKey *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(0x2A), Subject: pkix.Name{CommonName: cn}, DNSNames: []string{cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func thumbprintOf(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func TestReadCertSource(t *testing.T) {
	cert, key := testCert(t, "mail.work.com")
	caTmpl, caKey := testCert(t, "Work CA")
	caTmpl.IsCA, caTmpl.BasicConstraintsValid, caTmpl.KeyUsage = true, true, x509.KeyUsageCertSign
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := testLeaf(t, "mail.work.com", ca, caKey)
	pfx, err := pkcs12.Modern.Encode(key, cert, nil, "Pfx-Pa55")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	derFile := write("mail.cer", cert.Raw)
	pemFile := write("mail.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	pfxFile := write("mail.pfx", pfx)
	junkFile := write("junk.cer", []byte("not a certificate"))
	// The CA first, as some CAs send the chain.
	chainFile := write("chain.pem", append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})...))
	t.Setenv("CERT_TEST_PFX_PASSWORD", "Pfx-Pa55")
	t.Setenv("CERT_TEST_WRONG_PASSWORD", "wrong")
	envPW := func(name string) *v1alpha1.PasswordFrom { return &v1alpha1.PasswordFrom{Env: name} }

	tests := []struct {
		name    string
		reason  string
		source  v1alpha1.CertificateSource
		want    *x509.Certificate // default cert
		wantPW  string
		wantErr error
		errText string
	}{
		{name: "PEMChain", reason: "in a chain the thumbprint is the end-entity certificate's, whatever the order",
			source: v1alpha1.CertificateSource{CertFile: chainFile}, want: leaf},
		{name: "DER", reason: "an issued certificate in binary form", source: v1alpha1.CertificateSource{CertFile: derFile}},
		{name: "PEM", reason: "an issued certificate in base64 form", source: v1alpha1.CertificateSource{CertFile: pemFile}},
		{name: "PFX", reason: "a PKCS #12 file with its password",
			source: v1alpha1.CertificateSource{PFXFile: pfxFile, PasswordFrom: envPW("CERT_TEST_PFX_PASSWORD")}, wantPW: "Pfx-Pa55"},
		{name: "PFXWrongPassword", reason: "a wrong password fails before any server is contacted",
			source:  v1alpha1.CertificateSource{PFXFile: pfxFile, PasswordFrom: envPW("CERT_TEST_WRONG_PASSWORD")},
			wantErr: pkcs12.ErrIncorrectPassword, errText: "cannot open PFX " + pfxFile + " (wrong password?)"},
		{name: "PFXPasswordUnset", reason: "an unset variable is named",
			source:  v1alpha1.CertificateSource{PFXFile: pfxFile, PasswordFrom: envPW("CERT_TEST_UNSET_PASSWORD")},
			errText: "CERT_TEST_UNSET_PASSWORD"},
		{name: "Missing", reason: "a missing file says so", source: v1alpha1.CertificateSource{CertFile: filepath.Join(dir, "nope.cer")},
			wantErr: os.ErrNotExist, errText: "cannot read certificate source"},
		{name: "Junk", reason: "a file that is no certificate says so", source: v1alpha1.CertificateSource{CertFile: junkFile},
			errText: "cannot read certificate " + junkFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &v1alpha1.ExchangeCertificate{ObjectMeta: v1alpha1.ObjectMeta{Name: "mail"},
				Spec: v1alpha1.ExchangeCertificateSpec{Thumbprint: thumbprintOf(cert), Source: &tt.source}}
			got, err := readCertSource(&v1alpha1.Site{}, c)
			if tt.errText != "" || tt.wantErr != nil {
				if err == nil || !strings.Contains(err.Error(), tt.errText) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("readCertSource error = %v, want %v containing %q (%s)", err, tt.wantErr, tt.errText, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("readCertSource: %v (%s)", err, tt.reason)
			}
			file := tt.source.CertFile + tt.source.PFXFile
			data, _ := os.ReadFile(file)
			pw := ""
			if got.password != nil {
				pw = got.password.Reveal()
			}
			type view struct {
				Thumbprint, Password string
				Data                 []byte
			}
			wantCert := cert
			if tt.want != nil {
				wantCert = tt.want
			}
			want := view{Thumbprint: thumbprintOf(wantCert), Password: tt.wantPW, Data: data}
			if diff := cmp.Diff(want, view{Thumbprint: got.thumbprint, Password: pw, Data: got.data}); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			if strings.ToUpper(got.thumbprint) != got.thumbprint || len(got.thumbprint) != 40 {
				t.Errorf("thumbprint %q is not 40 upper-case hex digits as Exchange prints it", got.thumbprint)
			}
		})
	}
}

// TestExpiryNotes: the renewal window is a third of the certificate's
// lifetime unless renewBefore says otherwise, so short-lived public
// certificates warn in time without warning on every run.
func TestExpiryNotes(t *testing.T) {
	day := 24 * time.Hour
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		reason      string
		notBefore   time.Time
		notAfter    time.Time
		renewBefore *v1alpha1.Duration
		want        Reason // "" for no note
	}{
		{name: "47DaysFresh", reason: "a 47-day certificate with 40 days left is fine (window 15 days)",
			notBefore: now.Add(-7 * day), notAfter: now.Add(40 * day)},
		{name: "47DaysDue", reason: "a 47-day certificate with 14 days left is due (window 15 days)",
			notBefore: now.Add(-33 * day), notAfter: now.Add(14 * day), want: ReasonExpiring},
		{name: "200DaysDue", reason: "a 200-day certificate warns 66 days ahead",
			notBefore: now.Add(-140 * day), notAfter: now.Add(60 * day), want: ReasonExpiring},
		{name: "TwoYearsDue", reason: "a two-year certificate warns 243 days ahead, so 200 days left is due",
			notBefore: now.Add(-530 * day), notAfter: now.Add(200 * day), want: ReasonExpiring},
		{name: "RenewBeforeOverrides", reason: "renewBefore replaces the third",
			notBefore: now.Add(-530 * day), notAfter: now.Add(200 * day), renewBefore: &v1alpha1.Duration{Duration: 30 * day}},
		{name: "Expired", reason: "past NotAfter is an error",
			notBefore: now.Add(-100 * day), notAfter: now.Add(-day), want: ReasonExpired},
		{name: "NotYetValid", reason: "before NotBefore is an error (a clock or an issuing mistake)",
			notBefore: now.Add(day), notAfter: now.Add(90 * day), want: ReasonNotYetValid},
		{name: "UnknownLifetime", reason: "without NotBefore the 30-day rule applies",
			notAfter: now.Add(40 * day)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notes := expiryNotes("certificate X", tt.notBefore, tt.notAfter, now, tt.renewBefore)
			var got Reason
			if len(notes) > 0 {
				got = notes[0].Reason
			}
			if got != tt.want || len(notes) > 1 {
				t.Errorf("notes %v, want reason %q (%s)", notes, tt.want, tt.reason)
			}
		})
	}
}

func TestOtherSMTPNotes(t *testing.T) {
	obs := func(c exchange.ObservedCertificate) *exchange.Observation {
		c.Services = must(value.ParseAllowedServices("SMTP"))
		return &exchange.Observation{Server: exchange.ObservedServer{Name: "WIN20081"},
			Certificates: []exchange.ObservedCertificate{{Thumbprint: "AA"}, c}}
	}
	tests := []struct {
		name, reason string
		other        exchange.ObservedCertificate
		want         int
	}{
		{"ServerSelfSigned", "setup's self-signed CN=<server> certificate holds SMTP on every server and stays the internal transport certificate",
			exchange.ObservedCertificate{Thumbprint: "BB", Subject: "CN=WIN20081", IsSelfSigned: true}, 0},
		{"SelfSignedOtherName", "a self-signed certificate for another name is somebody's choice: worth a word",
			exchange.ObservedCertificate{Thumbprint: "BB", Subject: "CN=mail.work.com", IsSelfSigned: true}, 1},
		{"ThirdParty", "a second CA-issued certificate holding SMTP competes with the declared one",
			exchange.ObservedCertificate{Thumbprint: "BB", Subject: "CN=WIN20081, O=Work", Issuer: "CN=Work CA"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := otherSMTPNotes(obs(tt.other), "AA"); len(got) != tt.want {
				t.Errorf("%d notes %v, want %d: %s", len(got), got, tt.want, tt.reason)
			}
		})
	}
}
