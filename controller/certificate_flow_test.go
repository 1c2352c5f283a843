package controller

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
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

// flowChain is a CA and a server certificate it issued (RSA: PFX encoders
// and Exchange 2010 want RSA).
type flowChain struct {
	ca, leaf *x509.Certificate
	key      *rsa.PrivateKey
}

func newFlowChain(t *testing.T, notAfter time.Time) flowChain {
	t.Helper()
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Work CA"}, NotBefore: ccNow.AddDate(-1, 0, 0),
		NotAfter: ccNow.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(0x3FB34757), Subject: pkix.Name{CommonName: "mail.work.com"},
		DNSNames: []string{"mail.work.com"}, NotBefore: ccNow.AddDate(0, -1, 0), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return flowChain{ca: ca, leaf: leaf, key: key}
}

// pkcs7Bundle is a certificates-only PKCS #7 SignedData, what a CA's web
// enrolment page offers as .p7b.
func pkcs7Bundle(t *testing.T, certs ...*x509.Certificate) []byte {
	t.Helper()
	var raw []byte
	for _, c := range certs {
		raw = append(raw, c.Raw...)
	}
	sd := struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		ContentInfo      struct{ ContentType asn1.ObjectIdentifier }
		Certificates     asn1.RawValue
		SignerInfos      asn1.RawValue
	}{Version: 1, DigestAlgorithms: asn1.RawValue{Tag: asn1.TagSet, IsCompound: true},
		ContentInfo:  struct{ ContentType asn1.ObjectIdentifier }{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}},
		Certificates: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: raw},
		SignerInfos:  asn1.RawValue{Tag: asn1.TagSet, IsCompound: true}}
	inner, err := asn1.Marshal(sd)
	if err != nil {
		t.Fatal(err)
	}
	out, err := asn1.Marshal(struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReadCertSourceForms(t *testing.T) {
	ch := newFlowChain(t, ccNow.AddDate(1, 0, 0))
	thumb := thumbprintOfCC(ch.leaf)
	p7 := pkcs7Bundle(t, ch.ca, ch.leaf)
	pemOf := func(typ string, der ...[]byte) []byte {
		var out []byte
		for _, d := range der {
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: d})...)
		}
		return out
	}
	modern, err := pkcs12.Modern.Encode(ch.key, ch.leaf, []*x509.Certificate{ch.ca}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := pkcs12.Legacy.Encode(ch.key, ch.leaf, []*x509.Certificate{ch.ca}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("FLOW_PFX_PASSWORD", "pw")
	type view struct {
		Thumbprint string
		Keyless    bool
		AES        bool
	}
	tests := []struct {
		name   string
		reason string
		pfx    bool
		data   []byte
		want   view
	}{
		{name: "PKCS7", reason: "a .p7b from a CA's web enrolment (seed 001): the leaf is imported", data: p7, want: view{thumb, true, false}},
		{name: "PKCS7UnderCertificateHeader", reason: "seed 000's CA sent the PKCS #7 under a CERTIFICATE header",
			data: pemOf("CERTIFICATE", p7), want: view{thumb, true, false}},
		{name: "Base64WithoutHeader", reason: "the base64 text a CA's page shows, without the header lines",
			data: []byte(base64.StdEncoding.EncodeToString(ch.leaf.Raw) + "\r\n"), want: view{thumb, true, false}},
		{name: "PEMChainCAFirst", reason: "a chain file: the leaf is the one that issued no other", data: pemOf("CERTIFICATE", ch.ca.Raw, ch.leaf.Raw),
			want: view{thumb, true, false}},
		{name: "PFXModern", reason: "an AES PFX is noted for the Windows versions that cannot read it", pfx: true, data: modern, want: view{thumb, false, true}},
		{name: "PFXLegacy", reason: "a TripleDES PFX reads everywhere", pfx: true, data: legacy, want: view{thumb, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "issued")
			if err := os.WriteFile(file, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			src := &v1alpha1.CertificateSource{CertFile: file}
			if tt.pfx {
				src = &v1alpha1.CertificateSource{PFXFile: file, PasswordFrom: &v1alpha1.PasswordFrom{Env: "FLOW_PFX_PASSWORD"}}
			}
			c := &v1alpha1.ExchangeCertificate{ObjectMeta: v1alpha1.ObjectMeta{Name: "mail"}, Spec: v1alpha1.ExchangeCertificateSpec{Thumbprint: thumb, Source: src}}
			got, err := readCertSource(&v1alpha1.Site{}, c)
			if err != nil {
				t.Fatalf("readCertSource: %v (%s)", err, tt.reason)
			}
			if diff := cmp.Diff(tt.want, view{got.thumbprint, got.keyless, got.aes}); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestPrepareCertificatesThumbprintMismatch(t *testing.T) {
	ch := newFlowChain(t, ccNow.AddDate(1, 0, 0))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mail.cer"), ch.leaf.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	manifest := ccOrg + "---\napiVersion: exreconcile.io/v1alpha1\nkind: ExchangeCertificate\nmetadata: {name: mail}\nspec:\n  thumbprint: " +
		strings.Repeat("ab", 20) + "\n  source: {certFile: mail.cer}\n"
	site := loadSiteIn(t, dir, manifest)
	r := &runner{site: site}
	o := &orgRun{org: site.Organizations()[0], certs: map[string]*certSource{}}
	err := r.prepareCertificates(o)
	want := `ExchangeCertificate "mail": mail.cer holds the certificate with thumbprint ` + thumbprintOfCC(ch.leaf) +
		", not the declared " + strings.Repeat("AB", 20) + "; correct spec.thumbprint or the file (nothing was contacted)"
	if err == nil || err.Error() != want {
		t.Errorf("prepareCertificates error:\n got %v\nwant %s", err, want)
	}
	if len(o.certs) != 0 {
		t.Error("a mismatching source must not be imported")
	}
}

func TestPlanCertificateImport(t *testing.T) {
	ch := newFlowChain(t, ccNow.AddDate(1, 0, 0))
	expiring := newFlowChain(t, ccNow.Add(12*24*time.Hour+time.Hour))
	thumb := thumbprintOfCC(ch.leaf)
	smtp := value.ServiceSMTP
	cer := &certSource{data: ch.leaf.Raw, thumbprint: thumb, file: "issued.cer", keyless: true, cert: ch.leaf}
	pw := exchange.Secret("pw")
	aesPFX := &certSource{data: []byte("pfx"), password: &pw, thumbprint: thumb, file: "mail.pfx", aes: true, cert: ch.leaf}
	pending := exchange.ObservedCertificate{Thumbprint: ccThumbPending, Status: "PendingRequest", HasPrivateKey: true}
	importCER := "Import-ExchangeCertificate -Server 'WIN20081' -FileData ([Convert]::FromBase64String('<redacted " +
		itoa(len(ch.leaf.Raw)) + " bytes>'))"
	importPFX := "Import-ExchangeCertificate -Server 'WIN20081' -FileData ([Convert]::FromBase64String('<redacted 3 bytes>'))" +
		" -Password (ConvertTo-SecureString -String '<redacted>' -AsPlainText -Force)"
	enable := "Enable-ExchangeCertificate -Thumbprint '" + thumb + "' -Server 'WIN20081' -Services 'SMTP' -Force"
	field := []FieldDiff{{Field: "thumbprint", Desired: thumb, Actual: "(not imported)"}}
	subject := v1alpha1.Identity{Kind: v1alpha1.KindExchangeCertificate, Organization: testOrg, Server: "WIN20081", Name: "mail"}
	tests := []struct {
		name     string
		reason   string
		version  exchange.Version
		src      *certSource
		observed []exchange.ObservedCertificate
		want     *Entry
	}{
		{name: "CERWithoutRequest", reason: "seed 000 appendix: imported without a key, so nothing is enabled, and the plan gives the remedy",
			version: exchange.Exchange2010, src: cer,
			want: &Entry{Identity: subject, Action: ActionCreate, Fields: field, Calls: []string{importCER},
				Notes: []Note{{Severity: "error", Reason: ReasonPrivateKeyMissing,
					Message: "issued.cer holds no private key and WIN20081 has no pending request (New-ExchangeCertificate -GenerateRequest) for it to complete, " +
						"so certificate " + thumb + " is imported with HasPrivateKey False and nothing is enabled on it (SMTP stays disabled); " +
						"if WIN20081 holds the key, run there: certutil -repairstore my 3FB34757; otherwise declare a pfxFile with the key, " +
						"or make the request on WIN20081 and have it issued again"}}}},
		{name: "CERCompletingRequest", reason: "a pending request on the server holds the key: import, then enable",
			version: exchange.Exchange2010, src: cer, observed: []exchange.ObservedCertificate{pending},
			want: &Entry{Identity: subject, Action: ActionCreate, Fields: field, Calls: []string{importCER, enable}}},
		{name: "AESPFXOn2010", reason: "Windows Server 2008 R2 to 2016 cannot read AES PFX files",
			version: exchange.Exchange2010, src: aesPFX,
			want: &Entry{Identity: subject, Action: ActionCreate, Fields: field, Calls: []string{importPFX, enable},
				Notes: []Note{{Severity: "warning", Reason: ReasonPFXEncryptionUnsupported,
					Message: "mail.pfx is encrypted with AES; the Windows Server versions Exchange 2010 runs on (2016 and older) reject such PFX files " +
						`("The source data cannot be imported or the wrong password was specified"): export it again with TripleDES-SHA1 ` +
						"(openssl pkcs12 -export -legacy, or Export-PfxCertificate -CryptoAlgorithmOption TripleDES_SHA1)"}}}},
		{name: "AESPFXOn2019", reason: "Windows Server 2019 reads AES PFX files",
			version: exchange.Exchange2019, src: aesPFX,
			want: &Entry{Identity: subject, Action: ActionCreate, Fields: field, Calls: []string{importPFX, enable}}},
		{name: "ExpiringSource", reason: "a file that expires within 30 days is imported with a warning",
			version: exchange.Exchange2019, src: &certSource{data: []byte("pfx"), password: &pw, thumbprint: thumb, file: "mail.pfx", cert: expiring.leaf},
			want: &Entry{Identity: subject, Action: ActionCreate, Fields: field, Calls: []string{importPFX, enable},
				Notes: []Note{{Severity: "warning", Reason: ReasonExpiring,
					Message: "certificate " + thumb + " in mail.pfx expires on " + expiring.leaf.NotAfter.Format(time.DateOnly) + ", in 12 days: renew it now (less than a third (14 days) of its validity is left)"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &v1alpha1.ExchangeCertificate{ObjectMeta: v1alpha1.ObjectMeta{Name: "mail"},
				Spec: v1alpha1.ExchangeCertificateSpec{Thumbprint: thumb, Services: &smtp}}
			obs := &exchange.Observation{Server: exchange.ObservedServer{Name: "WIN20081", Version: tt.version}, Certificates: tt.observed}
			got := &Entry{Identity: subject, Action: ActionUnchanged}
			planCertificate(got, c, obs, tt.src, ccNow)
			if diff := cmp.Diff(tt.want, got, entryOpts); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestPlanCertificatesUsesOptionsNow(t *testing.T) {
	thumb := strings.Repeat("EE", 20)
	site := ccLoad(t, ccOrg+"---\napiVersion: exreconcile.io/v1alpha1\nkind: ExchangeCertificate\nmetadata: {name: mail}\nspec:\n  thumbprint: "+
		thumb+"\n  servers: [WIN20081]\n")
	obs := ccObservation("WIN20081")
	obs.Certificates = append(obs.Certificates, ccCert(thumb, "CN=mail.work.com", "mail.work.com"))
	obs.Certificates[1].NotAfter = time.Date(2031, 1, 10, 0, 0, 0, 0, time.UTC)
	o := &orgRun{org: site.Organizations()[0], certs: map[string]*certSource{}}
	s := &serverRun{spec: o.org.Spec.Servers[0], obs: obs}
	o.servers = []*serverRun{s}
	r := &runner{site: site, opts: Options{Now: func() time.Time { return time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC) }}}
	cs := &ChangeSet{}
	r.planKind(kinds[kindRank(v1alpha1.KindExchangeCertificate)], &binding{r: r, org: o, server: s, obs: obs, perServer: true}, "", cs)
	entries := cs.Entries
	if len(entries) != 1 || len(entries[0].Notes) != 1 || entries[0].Notes[0].Reason != ReasonExpiring {
		t.Fatalf("entries %+v: want one Expiring warning measured against Options.Now, not the wall clock", entries)
	}
	if got := entries[0].Status.Observed; got["notAfter"] != "2031-01-10 00:00:00" || got["hasPrivateKey"] != "true" || got["services"] != "SMTP" {
		t.Errorf("status.observed = %v: want the certificate's facts for -o yaml", got)
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }
