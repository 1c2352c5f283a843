package controller

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// Reasons of trusted root notes.
const (
	// ReasonNotARootCA: the declared file is not a self-signed CA certificate.
	ReasonNotARootCA Reason = "NotARootCA"
)

// rootSource is a TrustedRootCertificate's file, read before any server is
// contacted.
type rootSource struct {
	cert       *x509.Certificate
	thumbprint string
	// file is the file as the manifest names it, for messages.
	file string
}

// prepareTrustedRoots reads the file of every TrustedRootCertificate of o:
// one certificate, DER or PEM (a .p7b with one certificate too).
func (r *runner) prepareTrustedRoots(o *orgRun) error {
	var errs []error
	for _, t := range r.site.TrustedRootCertificates() {
		if r.site.Organization(t) != o.org {
			continue
		}
		src, err := readRootSource(r.site, t)
		if err != nil {
			errs = append(errs, fmt.Errorf("TrustedRootCertificate %q: %w", t.Name, err))
			continue
		}
		if o.roots == nil {
			o.roots = map[string]*rootSource{}
		}
		o.roots[t.Name] = src
	}
	return errors.Join(errs...)
}

func readRootSource(site *v1alpha1.Site, t *v1alpha1.TrustedRootCertificate) (*rootSource, error) {
	data, err := os.ReadFile(site.Path(t, t.Spec.File))
	if err != nil {
		return nil, fmt.Errorf("cannot read spec.file: %w", err)
	}
	certs, err := parseIssued(data)
	if err != nil {
		return nil, fmt.Errorf("cannot read certificate %s: %w", t.Spec.File, err)
	}
	if len(certs) != 1 {
		return nil, fmt.Errorf("%s holds %d certificates; a TrustedRootCertificate is one CA certificate (declare one per root)", t.Spec.File, len(certs))
	}
	sum := sha1.Sum(certs[0].Raw)
	return &rootSource{cert: certs[0], thumbprint: strings.ToUpper(hex.EncodeToString(sum[:])), file: t.Spec.File}, nil
}

// rootsDeclaredOn reports whether the organisation declares a
// TrustedRootCertificate for server, so that its observe reads the Root
// store (only then: a Windows Root store holds dozens of certificates).
func (r *runner) rootsDeclaredOn(org *v1alpha1.ExchangeOrganization, server string) bool {
	for _, t := range r.site.TrustedRootCertificates() {
		if r.site.Organization(t) == org && containsFold(t.Spec.Servers, server) {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// bindTrustedRoots binds every TrustedRootCertificate declared for b's server.
func bindTrustedRoots(b *binding) []resource {
	var out []resource
	for _, t := range b.r.site.TrustedRootCertificates() {
		if b.r.site.Organization(t) != b.org.org || !containsFold(t.Spec.Servers, b.server.spec.Name) {
			continue
		}
		res := &trustedRoot{id: b.identity(t), decl: t, src: b.org.roots[t.Name], now: b.r.now()}
		if b.obs != nil && res.src != nil {
			for i := range b.obs.Roots {
				if strings.EqualFold(b.obs.Roots[i].Thumbprint, res.src.thumbprint) {
					res.cur = &b.obs.Roots[i]
				}
			}
		}
		out = append(out, res)
	}
	return out
}

// trustedRoot is the resource of a TrustedRootCertificate on one server:
// the one certificate of its file in the server's LocalMachine Root store.
// Only that thumbprint is ever added or removed; every other root of the
// store is left as it is, declared or not.
type trustedRoot struct {
	id    v1alpha1.Identity
	decl  *v1alpha1.TrustedRootCertificate
	src   *rootSource
	cur   *exchange.ObservedRoot
	now   time.Time
	extra []Note
}

func (t *trustedRoot) identity() v1alpha1.Identity { return t.id }
func (t *trustedRoot) absent() bool                { return t.decl.Spec.Ensure == v1alpha1.EnsureAbsent }
func (t *trustedRoot) exists() bool                { return t.cur != nil }
func (t *trustedRoot) protected() string           { return "" }
func (t *trustedRoot) diff() []FieldDiff           { return nil }
func (t *trustedRoot) replacement() (Note, bool)   { return Note{}, false }

func (t *trustedRoot) created() []FieldDiff {
	return []FieldDiff{{Field: "thumbprint", Desired: t.src.thumbprint, Actual: "(not in LocalMachine\\Root)"}}
}

func (t *trustedRoot) create() ([]exchange.Call, error) {
	if t.src == nil {
		return nil, nil
	}
	c := t.src.cert
	if !c.IsCA || string(c.RawSubject) != string(c.RawIssuer) || c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) != nil {
		t.extra = append(t.extra, warningNote(ReasonNotARootCA,
			"%s (%s, issued by %s) is not a self-signed CA certificate: the Root store is for root CAs; an intermediate belongs in the "+
				"Intermediate Certification Authorities store, and a server certificate in neither", t.src.file, c.Subject, c.Issuer))
	}
	if !t.now.IsZero() && t.now.After(c.NotAfter) {
		t.extra = append(t.extra, warningNote(ReasonExpired, "%s expired on %s: chains through it no longer validate", t.src.file, c.NotAfter.Format(time.DateOnly)))
	}
	call, err := exchange.AddTrustedRoot(c.Raw, t.src.thumbprint)
	if err != nil {
		return nil, err
	}
	return []exchange.Call{call}, nil
}

func (t *trustedRoot) change() ([]exchange.Call, error) { return nil, nil }

func (t *trustedRoot) remove() []exchange.Call {
	call, err := exchange.RemoveTrustedRoot(t.cur.Thumbprint)
	if err != nil {
		return nil
	}
	return []exchange.Call{call}
}

func (t *trustedRoot) notes() []Note { return t.extra }

func (t *trustedRoot) observed() map[string]string {
	if t.cur == nil {
		return nil
	}
	m := map[string]string{"thumbprint": t.cur.Thumbprint, "subject": t.cur.Subject, "store": `LocalMachine\Root`}
	if !t.cur.NotAfter.IsZero() {
		m["notAfter"] = t.cur.NotAfter.Format(time.DateTime)
	}
	return m
}

// readByTransport reports whether the transport service must restart to
// see e's change. Not for a root (Windows builds chains from the Root store
// as it is at each TLS handshake) nor for a certificate request (a pending
// request is no certificate the transport could select).
func readByTransport(e *Entry) bool {
	if e.Kind == v1alpha1.KindTrustedRootCertificate {
		return false
	}
	for _, c := range e.calls {
		if c.Cmdlet != "New-ExchangeCertificate" {
			return true
		}
	}
	return len(e.calls) == 0
}
