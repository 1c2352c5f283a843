package controller

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// A renewal leaves the certificate it replaces on the server. With
// retireSuperseded: true an ExchangeCertificate also removes, in the last
// phase of a rotation (phases.go), the certificates it supersedes on each
// of its servers: the same Subject and CertificateDomains as Exchange
// reports them, an earlier NotAfter, not self-signed, not declared by
// another ExchangeCertificate, named by no connector or hybrid
// configuration once the references switched, not the Exchange Auth
// certificate, and not the internal transport certificate (the default
// SMTP certificate: only once the new certificate is enabled for SMTP with
// -Force, which makes it the default one, is the old one no longer it).

// Reasons of superseded certificates.
const (
	// ReasonSuperseded: a superseded certificate is removed (retireSuperseded).
	ReasonSuperseded Reason = "Superseded"
	// ReasonSupersededKept: a superseded certificate cannot be retired yet.
	ReasonSupersededKept Reason = "SupersededKept"
)

// superseded is one certificate of a server that a declared one replaces.
type superseded struct {
	id     v1alpha1.Identity
	cur    *exchange.ObservedCertificate
	v      exchange.Version
	retire bool
	extra  []Note
}

// supersededCertificates binds the certificates c supersedes on b's server.
func supersededCertificates(b *binding, c *v1alpha1.ExchangeCertificate) []resource {
	if b.obs == nil {
		return nil
	}
	retire := c.Spec.RetireSuperseded != nil && *c.Spec.RetireSuperseded
	o, server := b.org, b.server.spec.Name
	thumb := o.certificateThumbprint(c)
	// The new certificate as Exchange reports it here, else as its file
	// forecasts it (phase 4 is planned again once it is imported).
	var subject string
	var domains []string
	var notAfter time.Time
	switch cur, src := findCertificate(b.obs.Certificates, thumb), o.certs[thumb]; {
	case cur != nil:
		subject, domains, notAfter = cur.Subject, cur.CertificateDomains, cur.NotAfter
	case src != nil && src.cert != nil:
		subject, domains, notAfter = windowsDN(src.cert.RawSubject), reportedDomains(src.cert), src.cert.NotAfter
	default:
		return nil
	}
	smtp := c.Spec.Services != nil && c.Spec.Services.Has(value.ServiceSMTP)
	names := b.r.namesAfterPlan(o, server)
	var out []resource
	for i := range b.obs.Certificates {
		oc := &b.obs.Certificates[i]
		if strings.EqualFold(oc.Thumbprint, thumb) || !strings.EqualFold(oc.Subject, subject) ||
			!value.EqualFoldSets(oc.CertificateDomains, domains) || !oc.NotAfter.Before(notAfter) ||
			oc.IsSelfSigned || isAuthCertificate(*oc) || oc.FriendlyName == authCertificateName ||
			strings.EqualFold(oc.Status, "PendingRequest") || o.declaresThumbprint(b.r.site, oc.Thumbprint) {
			continue
		}
		id := v1alpha1.Identity{Kind: v1alpha1.KindExchangeCertificate, Organization: o.org.Name, Server: server,
			Name: fmt.Sprintf("%s (superseded %s)", c.Name, oc.Thumbprint)}
		res := &superseded{id: id, cur: oc, v: b.version(), retire: true}
		if o.superseded == nil {
			o.superseded = map[string]string{}
		}
		o.superseded[id.Key()] = c.Name
		what := fmt.Sprintf("certificate %s (%s, issuer %s, expires %s) is superseded by %s", oc.Thumbprint, oc.Subject, oc.Issuer,
			oc.NotAfter.Format("2006-01-02"), thumb)
		switch named := namedBy(names, oc); {
		case !retire:
			res.retire = false
			res.extra = append(res.extra, warningNote(ReasonSupersededKept,
				"%s and is kept: set retireSuperseded: true on %q to remove it once every reference switched to the new one", what, c.Name))
		case !smtp:
			res.retire = false
			res.extra = append(res.extra, warningNote(ReasonSupersededKept,
				"%s, but %q does not declare services [SMTP]: the old certificate may still be the internal transport certificate, so it is kept", what, c.Name))
		case named != "":
			res.retire = false
			res.extra = append(res.extra, warningNote(ReasonSupersededKept,
				"%s, but %s still names it (the renewal kept issuer and subject); Exchange refuses to remove a certificate a connector names, so it is kept", what, named))
		default:
			res.extra = append(res.extra, warningNote(ReasonSuperseded, "%s: removed after every reference switched and was verified (retireSuperseded)", what))
		}
		out = append(out, res)
	}
	return out
}

// reportedDomains is CertificateDomains as Get-ExchangeCertificate reports
// it for a certificate file: the DNS names of the subject alternative
// names, or the CN when there are none.
func reportedDomains(c *x509.Certificate) []string {
	if len(c.DNSNames) > 0 {
		return c.DNSNames
	}
	if c.Subject.CommonName != "" {
		return []string{c.Subject.CommonName}
	}
	return nil
}

// declaresThumbprint reports whether an ExchangeCertificate of the
// organisation declares the certificate: it is managed, never retired.
func (o *orgRun) declaresThumbprint(site *v1alpha1.Site, thumb string) bool {
	for _, c := range site.ExchangeCertificates() {
		if site.Organization(c) == o.org && strings.EqualFold(o.certificateThumbprint(c), thumb) {
			return true
		}
	}
	return false
}

// namedRef is a TlsCertificateName in effect once the planned references
// switched, with what holds it.
type namedRef struct{ name, holder string }

// namesAfterPlan lists the TlsCertificateNames that the receive connectors
// of server, every send connector and the hybrid configuration will hold
// after the plan: the declared value where one is declared, else the
// observed one.
func (r *runner) namesAfterPlan(o *orgRun, server string) []namedRef {
	var out []namedRef
	add := func(holder string, declared *string, ref *string, servers []string, observed string) {
		switch {
		case ref != nil:
			if cr := r.resolveRef(o, *ref, servers); cr.name != "" {
				out = append(out, namedRef{cr.name, holder})
				return
			}
		case declared != nil:
			out = append(out, namedRef{*declared, holder})
			return
		}
		if observed != "" {
			out = append(out, namedRef{observed, holder})
		}
	}
	if obs := o.observationOf(server); obs != nil {
		for _, rc := range obs.ReceiveConnectors {
			holder := fmt.Sprintf(`receive connector "%s\%s"`, server, rc.Name)
			var decl *v1alpha1.ReceiveConnector
			for _, d := range r.site.ReceiveConnectors() {
				if r.site.Organization(d) == o.org && strings.EqualFold(d.Spec.Server, server) && strings.EqualFold(d.Name, rc.Name) {
					decl = d
				}
			}
			if decl == nil {
				add(holder, nil, nil, nil, rc.TlsCertificateName)
				continue
			}
			add(holder, decl.Spec.TLSCertificateName, decl.Spec.TLSCertificateRef, []string{server}, rc.TlsCertificateName)
		}
	}
	if o.orgServer == nil || o.orgServer.obs == nil {
		return out
	}
	for _, sc := range o.orgServer.obs.SendConnectors {
		holder := fmt.Sprintf("send connector %q", sc.Name)
		var decl *v1alpha1.SendConnector
		for _, d := range r.site.SendConnectors() {
			if r.site.Organization(d) == o.org && strings.EqualFold(d.Name, sc.Name) {
				decl = d
			}
		}
		if decl == nil {
			add(holder, nil, nil, nil, sc.TlsCertificateName)
			continue
		}
		sc := sc
		add(holder, decl.Spec.TLSCertificateName, decl.Spec.TLSCertificateRef, sendRefServers(&binding{r: r, org: o, server: o.orgServer}, decl, &sc), sc.TlsCertificateName)
	}
	if h := o.orgServer.obs.HybridConfiguration; h != nil {
		var declared, ref *string
		var servers []string
		for _, d := range r.site.HybridConfigurations() {
			if r.site.Organization(d) == o.org {
				declared, ref = d.Spec.TLSCertificateName, d.Spec.TLSCertificateRef
				servers = hybridRefServers(&binding{r: r, org: o}, d)
			}
		}
		add("the hybrid configuration", declared, ref, servers, h.TlsCertificateName)
	}
	return out
}

// namedBy returns what names the certificate among names, "" for nothing.
func namedBy(names []namedRef, c *exchange.ObservedCertificate) string {
	for _, n := range names {
		if namesCertificate(n.name, c) {
			return n.holder
		}
	}
	return ""
}

func (s *superseded) identity() v1alpha1.Identity      { return s.id }
func (s *superseded) absent() bool                     { return s.retire }
func (s *superseded) exists() bool                     { return true }
func (s *superseded) protected() string                { return "" }
func (s *superseded) diff() []FieldDiff                { return nil }
func (s *superseded) replacement() (Note, bool)        { return Note{}, false }
func (s *superseded) created() []FieldDiff             { return nil }
func (s *superseded) create() ([]exchange.Call, error) { return nil, nil }
func (s *superseded) change() ([]exchange.Call, error) { return nil, nil }
func (s *superseded) notes() []Note                    { return s.extra }
func (s *superseded) observed() map[string]string      { return observedCertificate(s.cur) }

func (s *superseded) remove() []exchange.Call {
	c, err := exchange.RemoveExchangeCertificate(s.v, s.id.Server, s.cur.Thumbprint)
	if err != nil {
		return nil
	}
	return []exchange.Call{c}
}

// supersededOf is the declared certificate whose superseded certificate an
// entry retires, "" when it is no such entry.
func (o *orgRun) supersededOf(e *Entry) string {
	return o.superseded[e.Key()]
}
