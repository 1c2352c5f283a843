package controller

import (
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// A tlsCertificateRef names an ExchangeCertificate instead of writing its
// TlsCertificateName out. Each plan resolves it to "<I>issuer<S>subject"
// from the Issuer and Subject strings Exchange itself reports for that
// certificate (Get-ExchangeCertificate) on the servers that must hold it:
// the connector's server, a send connector's source servers, or every
// server of the certificate for the hybrid configuration. A certificate no
// such server holds yet (imported by this apply) is named from its source
// file, rendered as Windows prints names; once it is imported, the phase
// that switches the reference plans again from what Exchange reports.

// Reasons of certificate reference notes.
const (
	// ReasonTLSCertificateRefUnresolved: the referenced certificate is on
	// none of the servers and has no source to tell its name.
	ReasonTLSCertificateRefUnresolved Reason = "TlsCertificateRefUnresolved"
	// ReasonCertificateNamesDiffer: two servers report the referenced
	// certificate with different Issuer or Subject strings.
	ReasonCertificateNamesDiffer Reason = "CertificateNamesDiffer"
)

// certRef is a resolved reference of one planned object: which declared
// certificate it follows, the servers that must hold it before the
// reference may switch, and the name it resolved to.
type certRef struct {
	cert    *v1alpha1.ExchangeCertificate
	thumb   string
	servers []string
	name    string
	// missing are the servers of servers that do not hold it yet, or
	// could not be observed.
	missing []string
	notes   []Note
}

// declaredCertificate finds an ExchangeCertificate of the organisation by name.
func (o *orgRun) declaredCertificate(site *v1alpha1.Site, name string) *v1alpha1.ExchangeCertificate {
	for _, c := range site.ExchangeCertificates() {
		if site.Organization(c) == o.org && c.Name == name {
			return c
		}
	}
	return nil
}

// certificateThumbprint is the thumbprint a declared certificate has: the
// declared one, or the one of its source file.
func (o *orgRun) certificateThumbprint(c *v1alpha1.ExchangeCertificate) string {
	if c.Spec.Thumbprint != "" {
		return strings.ToUpper(c.Spec.Thumbprint)
	}
	for _, src := range o.certs {
		if src.file == sourceFile(c) {
			return src.thumbprint
		}
	}
	return ""
}

// sourceFile is the source file a certificate names, "" for none.
func sourceFile(c *v1alpha1.ExchangeCertificate) string {
	if s := c.Spec.Source; s != nil {
		if s.PFXFile != "" {
			return s.PFXFile
		}
		return s.CertFile
	}
	return ""
}

// observationOf is the latest observation of a server of the organisation,
// nil when it could not be read.
func (o *orgRun) observationOf(server string) *exchange.Observation {
	s := o.serverByName(server)
	if s == nil || s.err != nil {
		return nil
	}
	return s.obs
}

// resolveRef resolves a reference to the certificate named ref for an
// object whose certificate servers must hold.
func (r *runner) resolveRef(o *orgRun, ref string, servers []string) *certRef {
	c := o.declaredCertificate(r.site, ref)
	if c == nil {
		// Validation refuses this; a Site built in Go may still hold it.
		return &certRef{notes: []Note{errorNote(ReasonTLSCertificateRefUnresolved, "tlsCertificateRef: no ExchangeCertificate %q is declared", ref)}}
	}
	cr := &certRef{cert: c, thumb: o.certificateThumbprint(c), servers: servers}
	var names []string
	var where []string
	for _, srv := range servers {
		if o.serverByName(srv) == nil {
			// A source server the organisation does not declare:
			// exreconcile cannot see it, and validation warns about it.
			continue
		}
		obs := o.observationOf(srv)
		if obs == nil {
			// Not known to hold it: a reference waits for it like for a
			// server that lacks it.
			cr.missing = append(cr.missing, srv+" (not observed)")
			continue
		}
		oc := findCertificate(obs.Certificates, cr.thumb)
		if oc == nil {
			cr.missing = append(cr.missing, srv)
			continue
		}
		names = append(names, exchange.TLSCertificateName(oc.Issuer, oc.Subject))
		where = append(where, srv)
	}
	switch {
	case len(names) > 0:
		cr.name = names[0]
		for i, n := range names[1:] {
			if n != cr.name {
				cr.notes = append(cr.notes, warningNote(ReasonCertificateNamesDiffer,
					"certificate %s is reported as %s on %s but as %s on %s; the reference follows %s", cr.thumb, cr.name, where[0], n, where[i+1], where[0]))
			}
		}
	default:
		src := o.certs[cr.thumb]
		if src == nil || src.cert == nil {
			cr.notes = append(cr.notes, errorNote(ReasonTLSCertificateRefUnresolved,
				"tlsCertificateRef %q: certificate %s is on none of %s and the manifest gives no source file to read its name from",
				ref, orNoneText(cr.thumb), strings.Join(servers, ", ")))
			return cr
		}
		cr.name = exchange.TLSCertificateName(windowsDN(src.cert.RawIssuer), windowsDN(src.cert.RawSubject))
	}
	return cr
}

func orNoneText(s string) string {
	if s == "" {
		return "(no thumbprint)"
	}
	return s
}

// bindRef resolves the reference of the object id, records it for the
// phases of a rotation, and returns the name to compare and set.
func (b *binding) bindRef(id v1alpha1.Identity, ref *string, servers []string) (*string, []Note) {
	if ref == nil {
		return nil, nil
	}
	cr := b.r.resolveRef(b.org, *ref, servers)
	if b.org.refs == nil {
		b.org.refs = map[string]*certRef{}
	}
	b.org.refs[id.Key()] = cr
	if cr.name == "" {
		return nil, cr.notes
	}
	name := cr.name
	return &name, cr.notes
}

// sendRefServers are the servers a send connector's certificate must be
// on: its declared source servers, else the observed ones, else the
// organisation's server.
func sendRefServers(b *binding, sc *v1alpha1.SendConnector, cur *sendObs) []string {
	switch {
	case len(sc.Spec.SourceTransportServers) > 0:
		return sc.Spec.SourceTransportServers
	case cur != nil && len(cur.SourceTransportServers) > 0:
		return cur.SourceTransportServers
	case b.server != nil:
		return []string{b.server.spec.Name}
	}
	return nil
}

// namesCertificate reports whether a TlsCertificateName names the
// certificate: its subject, and its issuer when the name gives one
// ("<S>subject" alone names any issuer). Exchange compares the strings
// it printed, case-insensitively.
func namesCertificate(name string, c *exchange.ObservedCertificate) bool {
	rest, ok := strings.CutPrefix(name, "<I>")
	issuer := ""
	if ok {
		var found bool
		issuer, rest, found = strings.Cut(rest, "<S>")
		if !found {
			return false
		}
	} else if rest, ok = strings.CutPrefix(name, "<S>"); !ok {
		return false
	}
	return strings.EqualFold(strings.TrimSpace(rest), c.Subject) && (issuer == "" || strings.EqualFold(strings.TrimSpace(issuer), c.Issuer))
}

// sendWithRef is the send connector's spec as planned: a tlsCertificateRef
// becomes the tlsCertificateName it resolves to.
func sendWithRef(b *binding, sc *v1alpha1.SendConnector, cur *sendObs) (*v1alpha1.SendConnectorSpec, []Note) {
	if sc.Spec.TLSCertificateRef == nil || sc.Spec.Ensure == v1alpha1.EnsureAbsent {
		return &sc.Spec, nil
	}
	spec := sc.Spec
	var notes []Note
	spec.TLSCertificateName, notes = b.bindRef(b.identity(sc), sc.Spec.TLSCertificateRef, sendRefServers(b, sc, cur))
	return &spec, notes
}

// receiveWithRef is the receive connector's spec as planned (see sendWithRef).
func receiveWithRef(b *binding, rc *v1alpha1.ReceiveConnector) (*v1alpha1.ReceiveConnectorSpec, []Note) {
	if rc.Spec.TLSCertificateRef == nil || rc.Spec.Ensure == v1alpha1.EnsureAbsent {
		return &rc.Spec, nil
	}
	spec := rc.Spec
	var notes []Note
	spec.TLSCertificateName, notes = b.bindRef(b.identity(rc), rc.Spec.TLSCertificateRef, []string{b.server.spec.Name})
	return &spec, notes
}
