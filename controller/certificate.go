package controller

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// expiryWarning is how long before NotAfter a certificate whose lifetime is
// unknown is reported as expiring.
const expiryWarning = 30 * 24 * time.Hour

// Reasons of certificate notes.
const (
	// ReasonPrivateKeyMissing: Exchange cannot use the certificate for TLS.
	ReasonPrivateKeyMissing Reason = "PrivateKeyMissing"
	// ReasonStatusNotValid: Exchange reports a Status other than Valid.
	ReasonStatusNotValid Reason = "StatusNotValid"
	// ReasonExpiring: the certificate is close to its NotAfter.
	ReasonExpiring Reason = "Expiring"
	// ReasonExpired: the certificate is past its NotAfter.
	ReasonExpired Reason = "Expired"
	// ReasonNotYetValid: the certificate is before its NotBefore.
	ReasonNotYetValid Reason = "NotYetValid"
	// ReasonServicesBeyondDeclared: enabled for more than declared.
	ReasonServicesBeyondDeclared Reason = "ServicesBeyondDeclared"
	// ReasonOtherCertificateHoldsSMTP: another certificate is enabled for SMTP too.
	ReasonOtherCertificateHoldsSMTP Reason = "OtherCertificateHoldsSMTP"
	// ReasonMissingWithoutSource: missing and nothing to import it from.
	ReasonMissingWithoutSource Reason = "MissingWithoutSource"
	// ReasonPFXEncryptionUnsupported: the PFX's encryption is too new for the server.
	ReasonPFXEncryptionUnsupported Reason = "PFXEncryptionUnsupported"
)

// certSource is a certificate file read before any server is contacted,
// with the thumbprint it will have once imported.
type certSource struct {
	data       []byte
	password   *exchange.Secret
	thumbprint string
	// file is the source file as the manifest names it, for messages.
	file string
	// keyless is a certFile: the issued certificate without its private
	// key, which only completes a pending request made on the server.
	keyless bool
	// aes is a PFX encrypted with PBES2 (AES), which the Windows versions
	// under Exchange 2016 and older cannot import.
	aes bool
	// cert is the certificate the import adds (the leaf of the file); nil
	// when not known.
	cert *x509.Certificate
}

// prepareCertificates reads every declared certificate source and checks
// that its thumbprint is the declared one, so a wrong file or password fails
// before anything is changed.
func (r *runner) prepareCertificates(o *orgRun) error {
	var errs []error
	for _, c := range r.site.ExchangeCertificates() {
		if r.site.Organization(c) != o.org || c.Spec.Source == nil {
			continue
		}
		src, err := readCertSource(r.site, c)
		if err != nil {
			errs = append(errs, fmt.Errorf("ExchangeCertificate %q: %w", c.Name, err))
			continue
		}
		if c.Spec.Thumbprint == "" {
			// Left out, the thumbprint is the file's (the run's copy of
			// the declaration; the manifest is not changed).
			c.Spec.Thumbprint = src.thumbprint
		}
		if !strings.EqualFold(src.thumbprint, c.Spec.Thumbprint) {
			errs = append(errs, fmt.Errorf("ExchangeCertificate %q: %s holds the certificate with thumbprint %s, not the declared %s; "+
				"correct spec.thumbprint or the file (nothing was contacted)",
				c.Name, src.file, src.thumbprint, strings.ToUpper(c.Spec.Thumbprint)))
			continue
		}
		o.certs[strings.ToUpper(c.Spec.Thumbprint)] = src
	}
	return errors.Join(errs...)
}

func readCertSource(site *v1alpha1.Site, c *v1alpha1.ExchangeCertificate) (*certSource, error) {
	s := c.Spec.Source
	file := s.CertFile
	if s.PFXFile != "" {
		file = s.PFXFile
	}
	data, err := os.ReadFile(site.Path(c, file))
	if err != nil {
		return nil, fmt.Errorf("cannot read certificate source: %w", err)
	}
	src := &certSource{data: data, file: file, keyless: s.PFXFile == ""}
	if s.PasswordFrom != nil {
		pw, err := site.Resolver(c).Resolve(*s.PasswordFrom)
		if err != nil {
			return nil, fmt.Errorf("%s: spec.source.passwordFrom: %w", errResolveSecret, err)
		}
		p := exchange.Secret(pw.Reveal())
		src.password = &p
	}
	if s.PFXFile != "" {
		pw := ""
		if src.password != nil {
			pw = string(*src.password)
		}
		_, cert, _, err := pkcs12.DecodeChain(data, pw)
		if err != nil {
			return nil, fmt.Errorf("cannot open PFX %s (wrong password?): %w", file, err)
		}
		src.cert = cert
		src.aes = bytes.Contains(data, oidPBES2DER)
	} else {
		certs, err := parseIssued(data)
		if err != nil {
			return nil, fmt.Errorf("cannot read certificate %s: %w", file, err)
		}
		src.cert = leafCertificate(certs)
	}
	sum := sha1.Sum(src.cert.Raw)
	src.thumbprint = strings.ToUpper(hex.EncodeToString(sum[:]))
	return src, nil
}

// oidPBES2DER is the DER of OID 1.2.840.113549.1.5.13 (PBES2), the
// algorithm of AES-encrypted PFX files. The algorithm identifiers of a PFX
// are not encrypted, so finding it is enough to tell the encryption.
var oidPBES2DER = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d}

// parseIssued reads what a CA sends back for a request: a DER or PEM
// certificate, or a PKCS #7 bundle (.p7b; seed 000's CA sent one under a
// CERTIFICATE header), in binary or PEM form.
func parseIssued(data []byte) ([]*x509.Certificate, error) {
	var ders [][]byte
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		ders = append(ders, b.Bytes)
	}
	if len(ders) == 0 {
		ders = [][]byte{data}
		// Base64 text without the header lines, as a CA's page may show it.
		if text := strings.Join(strings.Fields(string(data)), ""); text != "" {
			if der, err := base64.StdEncoding.DecodeString(text); err == nil {
				ders = append(ders, der)
			}
		}
	}
	var out []*x509.Certificate
	var firstErr error
	for _, der := range ders {
		if c, err := x509.ParseCertificate(der); err == nil {
			out = append(out, c)
			continue
		} else if firstErr == nil {
			firstErr = err
		}
		if cs, err := parsePKCS7Certificates(der); err == nil {
			out = append(out, cs...)
		}
	}
	if len(out) == 0 {
		return nil, firstErr
	}
	return out, nil
}

// parsePKCS7Certificates reads the certificates of a PKCS #7 SignedData
// (RFC 2315 §9.1).
func parsePKCS7Certificates(der []byte) ([]*x509.Certificate, error) {
	var info struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		return nil, err
	}
	if !info.ContentType.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}) {
		return nil, errors.New("not PKCS #7 signed data")
	}
	var sd struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		ContentInfo      asn1.RawValue
		Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	}
	if _, err := asn1.Unmarshal(info.Content.Bytes, &sd); err != nil {
		return nil, err
	}
	certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
	if err == nil && len(certs) == 0 {
		err = errors.New("PKCS #7 bundle without certificates")
	}
	return certs, err
}

// leafCertificate is the end-entity certificate of a chain, the one
// Import-ExchangeCertificate adds: the one that issued no other.
func leafCertificate(certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		issued := false
		for _, o := range certs {
			if o != c && bytes.Equal(o.RawIssuer, c.RawSubject) && o.CheckSignatureFrom(c) == nil {
				issued = true
			}
		}
		if !issued {
			return c
		}
	}
	return certs[0]
}

// certificateServers are the servers a certificate is declared for: the
// listed ones, or every Mailbox server of the organisation.
func certificateServers(o *orgRun, c *v1alpha1.ExchangeCertificate) []string {
	if len(c.Spec.Servers) > 0 {
		return c.Spec.Servers
	}
	var out []string
	for _, s := range o.org.Spec.Servers {
		if s.Role != v1alpha1.RoleEdge {
			out = append(out, s.Name)
		}
	}
	return out
}

// bindCertificates binds every certificate declared for b's server.
func bindCertificates(b *binding) []resource {
	var out []resource
	r, o := b.r, b.org
	for _, c := range r.site.ExchangeCertificates() {
		if r.site.Organization(c) != o.org || !certificateDeclaredOn(o, c, b.server.spec.Name) {
			continue
		}
		if req := newCertRequest(b, c); req != nil {
			out = append(out, req)
			continue
		}
		out = append(out, newCertificate(b.identity(c), c, b.obs, o.certs[strings.ToUpper(c.Spec.Thumbprint)], r.now()))
		out = append(out, supersededCertificates(b, c)...)
	}
	return out
}

// now is the run's clock: Options.Now, or the wall clock.
func (r *runner) now() time.Time {
	if r.opts.Now != nil {
		return r.opts.Now()
	}
	return time.Now()
}

// certificateDeclaredOn reports whether c is declared for server.
func certificateDeclaredOn(o *orgRun, c *v1alpha1.ExchangeCertificate, server string) bool {
	for _, name := range certificateServers(o, c) {
		if strings.EqualFold(name, server) {
			return true
		}
	}
	return false
}

// findCertificate finds a certificate by thumbprint (case-insensitive).
func findCertificate(list []exchange.ObservedCertificate, thumb string) *exchange.ObservedCertificate {
	for i := range list {
		if strings.EqualFold(list[i].Thumbprint, thumb) {
			return &list[i]
		}
	}
	return nil
}

// observedCertificate is what -o json|yaml shows of a certificate under status.observed.
func observedCertificate(c *exchange.ObservedCertificate) map[string]string {
	m := map[string]string{
		"thumbprint":    c.Thumbprint,
		"services":      c.Services.String(),
		"status":        c.Status,
		"hasPrivateKey": fmt.Sprint(c.HasPrivateKey),
		"subject":       c.Subject,
		"issuer":        c.Issuer,
		"serialNumber":  c.SerialNumber,
	}
	if len(c.CertificateDomains) > 0 {
		m["certificateDomains"] = strings.Join(c.CertificateDomains, ", ")
	}
	if !c.NotAfter.IsZero() {
		m["notAfter"] = c.NotAfter.Format(time.DateTime)
	}
	return m
}

// hasPendingRequest reports whether the server holds a request made with
// New-ExchangeCertificate -GenerateRequest, whose key an issued
// certificate file can complete.
func hasPendingRequest(obs *exchange.Observation) bool {
	for _, c := range obs.Certificates {
		if strings.EqualFold(c.Status, "PendingRequest") {
			return true
		}
	}
	return false
}

// certificate is the resource of an ExchangeCertificate on one server:
// import it when missing, enable the declared services, and report what
// Exchange cannot change (extra services) or what needs a person (a missing
// private key). Exchange cannot take a service away, and exreconcile never
// removes a certificate it was not asked to.
type certificate struct {
	id    v1alpha1.Identity
	decl  *v1alpha1.ExchangeCertificate
	obs   *exchange.Observation
	src   *certSource
	now   time.Time
	thumb string
	want  value.AllowedServices
	cur   *exchange.ObservedCertificate
	extra []Note
}

func newCertificate(id v1alpha1.Identity, c *v1alpha1.ExchangeCertificate, obs *exchange.Observation, src *certSource, now time.Time) *certificate {
	res := &certificate{id: id, decl: c, obs: obs, src: src, now: now, thumb: strings.ToUpper(c.Spec.Thumbprint), want: value.ServiceNone}
	if c.Spec.Services != nil {
		res.want = *c.Spec.Services
	}
	if obs != nil {
		res.cur = findCertificate(obs.Certificates, res.thumb)
	}
	return res
}

func (c *certificate) identity() v1alpha1.Identity { return c.id }
func (c *certificate) absent() bool                { return false }
func (c *certificate) exists() bool                { return c.cur != nil }
func (c *certificate) protected() string           { return "" }
func (c *certificate) replacement() (Note, bool)   { return Note{}, false }
func (c *certificate) remove() []exchange.Call     { return nil }
func (c *certificate) notes() []Note               { return c.extra }

func (c *certificate) observed() map[string]string {
	if c.cur == nil {
		return nil
	}
	return observedCertificate(c.cur)
}

func (c *certificate) created() []FieldDiff {
	return []FieldDiff{{Field: "thumbprint", Desired: c.thumb, Actual: "(not imported)"}}
}

func (c *certificate) note(n Note) { c.extra = append(c.extra, n) }

func (c *certificate) diff() []FieldDiff {
	cur, server := c.cur, c.id.Server
	if !cur.HasPrivateKey {
		c.note(errorNote(ReasonPrivateKeyMissing,
			"certificate %s on %s has no private key, so Exchange cannot use it for TLS and nothing is enabled on it; on %s run: certutil -repairstore my %s",
			c.thumb, server, server, cur.SerialNumber))
		return nil
	}
	if !strings.EqualFold(cur.Status, "Valid") && cur.Status != "" {
		msg := fmt.Sprintf("certificate %s on %s has status %s", c.thumb, server, cur.Status)
		if strings.EqualFold(cur.Status, "RevocationCheckFailure") {
			msg += ": the server cannot reach the CRL distribution point named in the certificate (seed 001: make the CA's DNS name resolvable from the server)"
		}
		c.note(warningNote(ReasonStatusNotValid, "%s", msg))
	}
	c.extra = append(c.extra, expiryNotes(fmt.Sprintf("certificate %s on %s", c.thumb, server), cur.NotBefore, cur.NotAfter, c.now, c.decl.Spec.RenewBefore)...)
	if extra := cur.Services &^ c.want; c.decl.Spec.Services != nil && extra != 0 {
		c.note(warningNote(ReasonServicesBeyondDeclared,
			"also enabled for %s; Exchange cannot remove a service from a certificate (enable another certificate for it, then remove this one)", extra))
	}
	if c.want.Has(value.ServiceSMTP) {
		c.extra = append(c.extra, otherSMTPNotes(c.obs, c.thumb)...)
	}
	if missing := c.want &^ cur.Services; missing != 0 {
		return []FieldDiff{{Field: "services", Desired: c.want.String(), Actual: cur.Services.String()}}
	}
	return nil
}

func (c *certificate) change() ([]exchange.Call, error) {
	en, err := exchange.EnableExchangeCertificate(c.obs.Server.Version, c.id.Server, c.thumb, c.want&^c.cur.Services)
	if err != nil {
		return nil, err
	}
	return []exchange.Call{en}, nil
}

// create plans a certificate the server lacks: import it from its source,
// then enable the declared services, unless the plan can tell that the
// imported certificate will have no private key.
func (c *certificate) create() ([]exchange.Call, error) {
	server, src, thumb, want := c.id.Server, c.src, c.thumb, c.want
	v := c.obs.Server.Version
	if src == nil {
		c.note(errorNote(ReasonMissingWithoutSource, "certificate %s is not on %s and the manifest gives no source to import it from", thumb, server))
		return nil, nil
	}
	imp, err := exchange.ImportExchangeCertificate(v, server, src.data, exchange.ImportOptions{Password: src.password})
	if err != nil {
		c.note(errorNote(ReasonPlanFailed, "%v", err))
		return nil, nil
	}
	calls := []exchange.Call{imp}
	if src.aes && v.Known() && v <= exchange.Exchange2016 {
		c.note(warningNote(ReasonPFXEncryptionUnsupported,
			"%s is encrypted with AES; the Windows Server versions Exchange %s runs on (2016 and older) reject such PFX files "+
				"(\"The source data cannot be imported or the wrong password was specified\"): export it again with TripleDES-SHA1 "+
				"(openssl pkcs12 -export -legacy, or Export-PfxCertificate -CryptoAlgorithmOption TripleDES_SHA1)", src.file, v))
	}
	if src.cert != nil {
		c.extra = append(c.extra, expiryNotes(fmt.Sprintf("certificate %s in %s", thumb, src.file), src.cert.NotBefore, src.cert.NotAfter, c.now, c.decl.Spec.RenewBefore)...)
	}
	// An issued certificate finds its key only in a request pending on the
	// same server (the CSR is made on the machine that installs the
	// certificate). Without one, Import succeeds with HasPrivateKey False
	// and Enable fails with PrivateKeyMissing, which would stop every later
	// call on the server: import it (certutil -repairstore needs it in the
	// store) but enable nothing.
	if src.keyless && !pendingCompletes(c.obs, src.cert) {
		serial := "<serial number>"
		if src.cert != nil {
			serial = strings.ToUpper(hex.EncodeToString(src.cert.SerialNumber.Bytes()))
		}
		msg := fmt.Sprintf("%s holds no private key and %s has no pending request (New-ExchangeCertificate -GenerateRequest) for it to complete, "+
			"so certificate %s is imported with HasPrivateKey False and nothing is enabled on it", src.file, server, thumb)
		if want != value.ServiceNone {
			msg += fmt.Sprintf(" (%s stays disabled)", want)
		}
		msg += fmt.Sprintf("; if %s holds the key, run there: certutil -repairstore my %s; otherwise declare a pfxFile with the key, "+
			"or make the request on %s and have it issued again", server, serial, server)
		c.note(errorNote(ReasonPrivateKeyMissing, "%s", msg))
		return calls, nil
	}
	if want != value.ServiceNone {
		if en, err := exchange.EnableExchangeCertificate(v, server, thumb, want); err == nil {
			calls = append(calls, en)
		}
	}
	if want.Has(value.ServiceSMTP) {
		c.extra = append(c.extra, otherSMTPNotes(c.obs, thumb)...)
	}
	return calls, nil
}

// expiryNotes errs on a certificate that is expired or not yet valid, and
// warns when less than renewBefore is left: by default a third of its
// lifetime, so that a 47-day certificate warns 15 days ahead and a two-year
// one eight months ahead (the renewal window ACME clients use). Without a
// NotBefore the lifetime is unknown and expiryWarning is used.
func expiryNotes(what string, notBefore, notAfter, now time.Time, renewBefore *v1alpha1.Duration) []Note {
	if notAfter.IsZero() {
		return nil
	}
	window := expiryWarning
	if !notBefore.IsZero() && notAfter.After(notBefore) {
		window = notAfter.Sub(notBefore) / 3
	}
	if renewBefore != nil {
		window = renewBefore.Duration
	}
	switch left := notAfter.Sub(now); {
	case left <= 0:
		return []Note{errorNote(ReasonExpired, "%s expired on %s", what, notAfter.Format(time.DateOnly))}
	case !notBefore.IsZero() && now.Before(notBefore):
		return []Note{errorNote(ReasonNotYetValid, "%s is not valid before %s (check the server's clock and the CA's)", what, notBefore.Format(time.DateOnly))}
	case left < window:
		return []Note{warningNote(ReasonExpiring, "%s expires on %s, in %d days: renew it now (less than %s of its validity is left)",
			what, notAfter.Format(time.DateOnly), int(left.Hours()/24), windowText(window, renewBefore))}
	}
	return nil
}

// windowText says which renewal window applied.
func windowText(window time.Duration, renewBefore *v1alpha1.Duration) string {
	if renewBefore != nil {
		return "renewBefore " + renewBefore.String()
	}
	return fmt.Sprintf("a third (%d days)", int(window.Hours()/24))
}

// otherSMTPNotes names the other certificates of the server enabled for SMTP.
func otherSMTPNotes(obs *exchange.Observation, thumb string) []Note {
	var out []Note
	for _, other := range obs.Certificates {
		// The Exchange Auth certificate holds SMTP on every healthy 2013+
		// server (setup enables it for OAuth; docs/exchange.md): not news.
		// Nor is the server's own self-signed CN=<server> certificate: setup
		// enables it for SMTP, and it stays the internal transport
		// certificate beside a third-party one.
		if !strings.EqualFold(other.Thumbprint, thumb) && other.Services.Has(value.ServiceSMTP) && !isAuthCertificate(other) &&
			!isServerSelfSigned(other, obs.Server.Name) {
			out = append(out, warningNote(ReasonOtherCertificateHoldsSMTP, "certificate %s (%s) is also enabled for SMTP", other.Thumbprint, other.Subject))
		}
	}
	return out
}

// isServerSelfSigned reports whether c is the self-signed CN=<server>
// certificate Exchange setup makes on every server (docs/exchange.md
// "Default certificates").
func isServerSelfSigned(c exchange.ObservedCertificate, server string) bool {
	return c.IsSelfSigned && server != "" && commonName(c.Subject) == strings.ToLower(server)
}

// authCertificateName is the FriendlyName Exchange 2013 and later give the
// self-signed certificate of server-to-server OAuth, which holds SMTP by
// design and is renewed with Set-AuthConfig, not like a TLS certificate
// (docs/exchange.md "Certificates").
const authCertificateName = "Microsoft Exchange Server Auth Certificate"

// certificateExpiries lists, per observed server, the certificates that are
// declared or enabled for SMTP, for the expiry metric.
func (r *runner) certificateExpiries(orgs []*orgRun) []CertificateExpiry {
	var out []CertificateExpiry
	for _, o := range orgs {
		for _, s := range o.servers {
			if s.err != nil || s.obs == nil {
				continue
			}
			for _, c := range s.obs.Certificates {
				name := ""
				for _, d := range r.site.ExchangeCertificates() {
					if r.site.Organization(d) == o.org && strings.EqualFold(d.Spec.Thumbprint, c.Thumbprint) {
						name = d.Name
					}
				}
				if name == "" && (!c.Services.Has(value.ServiceSMTP) || c.FriendlyName == authCertificateName) {
					continue
				}
				if name == "" {
					name = c.Subject
				}
				if !c.NotAfter.IsZero() {
					out = append(out, CertificateExpiry{Organization: o.org.Name, Server: s.spec.Name, Certificate: name,
						Thumbprint: c.Thumbprint, NotAfter: c.NotAfter})
				}
			}
		}
	}
	return out
}

// isAuthCertificate reports whether c is the Microsoft Exchange Server Auth
// Certificate setup creates on 2013+.
func isAuthCertificate(c exchange.ObservedCertificate) bool {
	return strings.Contains(strings.ToLower(c.Subject), "cn=microsoft exchange server auth certificate")
}
