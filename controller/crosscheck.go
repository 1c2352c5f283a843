package controller

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// Reasons of the cross-object checks.
const (
	// ReasonNoCertificateForFqdn: no SMTP certificate covers a connector's FQDN.
	ReasonNoCertificateForFqdn Reason = "NoCertificateForFqdn"
	// ReasonTlsCertificateNameUnknown: tlsCertificateName names no SMTP certificate.
	ReasonTlsCertificateNameUnknown Reason = "TlsCertificateNameUnknown"
	// ReasonDomainSecureWithoutValidCertificate: domain security without a Valid SMTP certificate.
	ReasonDomainSecureWithoutValidCertificate Reason = "DomainSecureWithoutValidCertificate"
	// ReasonCertificateUnusedByConnectors: an SMTP certificate no connector answers with.
	ReasonCertificateUnusedByConnectors Reason = "CertificateUnusedByConnectors"
)

// What a refused receive connector's notes add.
const (
	refusedChangeSuffix = "; apply leaves this connector as it is until the manifests are consistent"
	refusedCreateSuffix = "; apply does not create this connector until the manifests are consistent"
)

// tlsIdentityFields are the receive connector fields that decide which
// certificate STARTTLS offers, or whether it is offered at all.
var tlsIdentityFields = []string{"fqdn", "tlsCertificateName", "authMechanism", "requireTLS", "domainSecureEnabled"}

// smtpCertificate is a certificate that Exchange can offer for SMTP on one
// server once the plan is applied: enabled (or declared to be enabled) for
// SMTP, with its private key, not expired.
type smtpCertificate struct {
	thumbprint string
	domains    []string
	issuer     string
	subject    string
	// valid is Status Valid; for a certificate still to be imported, not
	// expired (the server's own revocation check is unknown until then).
	valid  bool
	status string
}

// crossCheck runs the checks that need several objects of one organisation
// at once, after every entry of the organisation is planned, so that
// `exreconcile plan` reports before anything is applied:
//
//   - a declared connector FQDN (receive connectors offering TLS; send
//     connectors not ignoring STARTTLS) is covered by the domains of an SMTP
//     certificate on each server concerned (seed 003: Exchange offers
//     STARTTLS only with a certificate for the connector's FQDN; event 12014);
//   - a declared tlsCertificateName (2013+) names such a certificate;
//   - a domain-secure connector has a Valid one;
//   - a certificate declared for SMTP is used by some connector FQDN (warning).
//
// The first three are errors. A receive connector that fails them is not
// created, and its TLS settings are not changed, by apply: without a
// matching certificate it would accept mail, and Basic authentication,
// without STARTTLS. A send connector is still applied: its certificate is
// only offered as a client certificate, so a mismatch fails closed, and
// holding back, say, a RequireTLS partner connector would leave that mail on
// a weaker route.
func (r *runner) crossCheck(o *orgRun, cs *ChangeSet) {
	certs := map[string][]smtpCertificate{}
	for _, s := range o.servers {
		if s.err == nil {
			certs[strings.ToUpper(s.spec.Name)] = r.smtpCertificates(o, s, cs)
		}
	}
	for _, rc := range r.site.ReceiveConnectors() {
		if r.site.Organization(rc) != o.org || rc.Spec.Ensure == v1alpha1.EnsureAbsent {
			continue
		}
		s := o.serverByName(rc.Spec.Server)
		e := cs.find(v1alpha1.Identity{Kind: v1alpha1.KindReceiveConnector, Organization: o.org.Name, Server: rc.Spec.Server, Name: rc.Name})
		if s == nil || s.err != nil || e == nil || !receiveOffersTLS(rc, findReceive(s.obs.ReceiveConnectors, rc.Name)) {
			continue
		}
		spec := connectorTLS{fqdn: rc.Spec.FQDN, certName: rc.Spec.TLSCertificateName, domainSecure: rc.Spec.DomainSecureEnabled}
		notes := checkConnectorTLS(spec, s.spec.Name, s.obs.Server.Version, certs[strings.ToUpper(s.spec.Name)])
		if len(notes) > 0 && refuseReceive(e) {
			suffix := refusedChangeSuffix
			if e.Action == ActionCreate {
				suffix = refusedCreateSuffix
			}
			for i := range notes {
				notes[i].Message += suffix
			}
		}
		e.Notes = append(e.Notes, notes...)
	}
	for _, sc := range r.site.SendConnectors() {
		if r.site.Organization(sc) != o.org || sc.Spec.Ensure == v1alpha1.EnsureAbsent || o.orgServer == nil {
			continue
		}
		e := cs.find(v1alpha1.Identity{Kind: v1alpha1.KindSendConnector, Organization: o.org.Name, Name: sc.Name})
		cur := findSend(o.orgServer.obs.SendConnectors, sc.Name)
		if e == nil || !sendOffersTLS(sc, cur) {
			continue
		}
		spec := connectorTLS{fqdn: sc.Spec.FQDN, certName: sc.Spec.TLSCertificateName, domainSecure: sc.Spec.DomainSecureEnabled}
		for _, name := range sendServers(o, sc, cur) {
			s := o.serverByName(name)
			if s == nil || s.err != nil {
				continue
			}
			e.Notes = append(e.Notes, checkConnectorTLS(spec, s.spec.Name, s.obs.Server.Version, certs[strings.ToUpper(s.spec.Name)])...)
		}
	}
	r.checkCertificatesUsed(o, cs)
	r.checkReceiveBindings(o, cs)
}

// connectorTLS is what a connector declares about its TLS identity.
type connectorTLS struct {
	fqdn         *string
	certName     *string
	domainSecure *bool
}

// checkConnectorTLS checks one connector's declared TLS identity against the
// SMTP certificates of one server.
func checkConnectorTLS(spec connectorTLS, server string, v exchange.Version, certs []smtpCertificate) []Note {
	var notes []Note
	candidates := certs
	if spec.fqdn != nil && *spec.fqdn != "" {
		fqdn := *spec.fqdn
		candidates = nil
		for _, c := range certs {
			if coversAny(c.domains, fqdn) {
				candidates = append(candidates, c)
			}
		}
		if len(candidates) == 0 {
			notes = append(notes, Note{Severity: SeverityError, Reason: ReasonNoCertificateForFqdn,
				Message: fmt.Sprintf("no SMTP certificate on %s covers fqdn %s%s: Exchange offers STARTTLS with a certificate for the connector's FQDN only; "+
					"declare an ExchangeCertificate for %s with services [SMTP] whose domains include %s, or change fqdn",
					server, fqdn, knownDomains(certs), server, fqdn)})
		}
	}
	if spec.certName != nil && *spec.certName != "" && v >= exchange.Exchange2013 {
		issuer, subject, ok := splitTLSCertificateName(*spec.certName)
		found := false
		for _, c := range certs {
			found = found || (ok && sameDN(c.issuer, issuer) && sameDN(c.subject, subject))
		}
		if !found {
			notes = append(notes, Note{Severity: SeverityError, Reason: ReasonTlsCertificateNameUnknown,
				Message: fmt.Sprintf("tlsCertificateName %s names no SMTP certificate on %s%s", *spec.certName, server, knownNames(certs))})
		}
	}
	fqdnMissed := spec.fqdn != nil && *spec.fqdn != "" && len(candidates) == 0
	if spec.domainSecure != nil && *spec.domainSecure && !fqdnMissed &&
		!slices.ContainsFunc(candidates, func(c smtpCertificate) bool { return c.valid }) {
		why := "it has none"
		if len(candidates) > 0 {
			var st []string
			for _, c := range candidates {
				st = append(st, c.thumbprint+" is "+c.status)
			}
			why = strings.Join(st, ", ")
		}
		notes = append(notes, Note{Severity: SeverityError, Reason: ReasonDomainSecureWithoutValidCertificate,
			Message: fmt.Sprintf("domain security (mutual TLS) needs a Valid SMTP certificate on %s, and %s", server, why)})
	}
	return notes
}

// refuseReceive withholds the calls of a receive connector entry that would
// create it or change its TLS identity, and reports whether it did.
func refuseReceive(e *Entry) bool {
	touches := e.Action == ActionCreate || e.Action == ActionReplace
	for _, f := range e.Fields {
		touches = touches || slices.Contains(tlsIdentityFields, f.Field)
	}
	if !touches || len(e.calls) == 0 {
		return false
	}
	e.setCalls()
	e.refused = "no SMTP certificate gives it the TLS identity it declares"
	return true
}

// receiveOffersTLS: Exchange advertises STARTTLS on a receive connector
// only with Tls in its AuthMechanism (declared, else as observed, else the
// usage's default, which always has it).
func receiveOffersTLS(rc *v1alpha1.ReceiveConnector, cur *exchange.ObservedReceiveConnector) bool {
	switch {
	case rc.Spec.AuthMechanism != nil:
		return rc.Spec.AuthMechanism.Has(value.AuthTls)
	case cur != nil:
		return cur.AuthMechanism.Has(value.AuthTls)
	}
	return true
}

// sendOffersTLS: a send connector with IgnoreSTARTTLS never uses TLS.
func sendOffersTLS(sc *v1alpha1.SendConnector, cur *exchange.ObservedSendConnector) bool {
	switch {
	case sc.Spec.IgnoreSTARTTLS != nil:
		return !*sc.Spec.IgnoreSTARTTLS
	case cur != nil:
		return !cur.IgnoreSTARTTLS
	}
	return true
}

// sendServers are the servers a send connector sends from: declared, else
// as observed, else the server New-SendConnector runs on (its default).
func sendServers(o *orgRun, sc *v1alpha1.SendConnector, cur *exchange.ObservedSendConnector) []string {
	switch {
	case len(sc.Spec.SourceTransportServers) > 0:
		return sc.Spec.SourceTransportServers
	case cur != nil && len(cur.SourceTransportServers) > 0:
		return cur.SourceTransportServers
	case o.orgServer != nil:
		return []string{o.orgServer.spec.Name}
	}
	return nil
}

// smtpCertificates lists the certificates of server s that Exchange can
// offer for SMTP once the plan has run: observed ones enabled for SMTP with
// a private key and not expired, and declared ones to be enabled for SMTP
// whose own plan found no error (a certificate that will lack its key does
// not count).
func (r *runner) smtpCertificates(o *orgRun, s *serverRun, cs *ChangeSet) []smtpCertificate {
	var out []smtpCertificate
	now := r.now()
	usable := func(c *exchange.ObservedCertificate) bool {
		return c.HasPrivateKey && !strings.EqualFold(c.Status, "PendingRequest") && (c.NotAfter.IsZero() || c.NotAfter.After(now))
	}
	fromObserved := func(c *exchange.ObservedCertificate) smtpCertificate {
		return smtpCertificate{thumbprint: c.Thumbprint, domains: c.CertificateDomains, issuer: c.Issuer, subject: c.Subject,
			valid: strings.EqualFold(c.Status, "Valid"), status: c.Status}
	}
	for i := range s.obs.Certificates {
		if c := &s.obs.Certificates[i]; c.Services.Has(value.ServiceSMTP) && usable(c) {
			out = append(out, fromObserved(c))
		}
	}
	for _, c := range r.site.ExchangeCertificates() {
		if r.site.Organization(c) != o.org || c.Spec.Services == nil || !c.Spec.Services.Has(value.ServiceSMTP) ||
			!certificateDeclaredOn(o, c, s.spec.Name) {
			continue
		}
		thumb := strings.ToUpper(c.Spec.Thumbprint)
		if slices.ContainsFunc(out, func(x smtpCertificate) bool { return x.thumbprint == thumb }) {
			continue
		}
		e := cs.find(v1alpha1.Identity{Kind: v1alpha1.KindExchangeCertificate, Organization: o.org.Name, Server: s.spec.Name, Name: c.Name})
		if e == nil || e.hasError() {
			continue
		}
		if cur := findCertificate(s.obs.Certificates, thumb); cur != nil {
			if usable(cur) {
				out = append(out, fromObserved(cur))
			}
			continue
		}
		if src := o.certs[thumb]; src != nil && src.cert != nil {
			valid := now.After(src.cert.NotBefore) && now.Before(src.cert.NotAfter)
			status := "Valid"
			if !valid {
				status = "DateInvalid"
			}
			out = append(out, smtpCertificate{thumbprint: thumb, domains: certificateDomains(src.cert),
				issuer: windowsDN(src.cert.RawIssuer), subject: windowsDN(src.cert.RawSubject),
				valid: valid, status: status})
		}
	}
	return out
}

// checkCertificatesUsed warns about a certificate declared for SMTP whose
// domains cover no connector FQDN of its server: Exchange then offers it on
// no connector (seed 003, step 1).
func (r *runner) checkCertificatesUsed(o *orgRun, cs *ChangeSet) {
	for _, s := range o.servers {
		if s.err != nil {
			continue
		}
		fqdns := r.connectorFqdns(o, s)
		for _, c := range r.site.ExchangeCertificates() {
			if r.site.Organization(c) != o.org || c.Spec.Services == nil || !c.Spec.Services.Has(value.ServiceSMTP) ||
				!certificateDeclaredOn(o, c, s.spec.Name) {
				continue
			}
			e := cs.find(v1alpha1.Identity{Kind: v1alpha1.KindExchangeCertificate, Organization: o.org.Name, Server: s.spec.Name, Name: c.Name})
			if e == nil || e.hasError() {
				continue
			}
			var domains []string
			if cur := findCertificate(s.obs.Certificates, c.Spec.Thumbprint); cur != nil {
				domains = cur.CertificateDomains
			} else if src := o.certs[strings.ToUpper(c.Spec.Thumbprint)]; src != nil && src.cert != nil {
				domains = certificateDomains(src.cert)
			}
			if len(domains) == 0 || slices.ContainsFunc(fqdns, func(f string) bool { return coversAny(domains, f) }) {
				continue
			}
			e.Notes = append(e.Notes, Note{Severity: SeverityWarning, Reason: ReasonCertificateUnusedByConnectors,
				Message: fmt.Sprintf("certificate %s is declared for SMTP on %s, but no connector there answers with one of its domains (%s), "+
					"so Exchange offers it on none; set the fqdn of the connector it is meant for to one of them (seed 003)",
					strings.ToUpper(c.Spec.Thumbprint), s.spec.Name, strings.Join(domains, ", "))})
		}
	}
}

// connectorFqdns are the FQDNs the connectors of server s will answer with
// once the plan has run: the declared fqdn, else the observed one, of every
// receive connector of s and every send connector sending from s.
func (r *runner) connectorFqdns(o *orgRun, s *serverRun) []string {
	var out []string
	declared := map[string]bool{}
	for _, rc := range r.site.ReceiveConnectors() {
		if r.site.Organization(rc) != o.org || !strings.EqualFold(rc.Spec.Server, s.spec.Name) {
			continue
		}
		declared[strings.ToLower(rc.Name)] = true
		cur := findReceive(s.obs.ReceiveConnectors, rc.Name)
		switch {
		case rc.Spec.Ensure == v1alpha1.EnsureAbsent:
		case rc.Spec.FQDN != nil:
			out = append(out, *rc.Spec.FQDN)
		case cur != nil:
			out = append(out, cur.Fqdn)
		}
	}
	for _, c := range s.obs.ReceiveConnectors {
		if !declared[strings.ToLower(c.Name)] {
			out = append(out, c.Fqdn)
		}
	}
	if o.orgServer == nil {
		return out
	}
	declared = map[string]bool{}
	for _, sc := range r.site.SendConnectors() {
		if r.site.Organization(sc) != o.org {
			continue
		}
		declared[strings.ToLower(sc.Name)] = true
		cur := findSend(o.orgServer.obs.SendConnectors, sc.Name)
		if sc.Spec.Ensure == v1alpha1.EnsureAbsent || !slices.ContainsFunc(sendServers(o, sc, cur), func(n string) bool { return strings.EqualFold(n, s.spec.Name) }) {
			continue
		}
		if sc.Spec.FQDN != nil {
			out = append(out, *sc.Spec.FQDN)
		} else if cur != nil {
			out = append(out, cur.Fqdn)
		}
	}
	for _, c := range o.orgServer.obs.SendConnectors {
		if !declared[strings.ToLower(c.Name)] && slices.ContainsFunc(c.SourceTransportServers, func(n string) bool { return strings.EqualFold(n, s.spec.Name) }) {
			out = append(out, c.Fqdn)
		}
	}
	return out
}

// coversAny reports whether one of a certificate's domains covers fqdn: the
// same name, or a wildcard *.x.com for exactly one more label.
func coversAny(domains []string, fqdn string) bool {
	f := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(fqdn), "."))
	if f == "" {
		return false
	}
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
		if d == f {
			return true
		}
		if rest, ok := strings.CutPrefix(d, "*."); ok {
			if label, ok := strings.CutSuffix(f, "."+rest); ok && label != "" && !strings.Contains(label, ".") {
				return true
			}
		}
	}
	return false
}

// certificateDomains is CertificateDomains as Exchange shows it for a
// certificate file: its DNS names, and its subject CN when that is a name
// (seed 000's CA issues certificates with the CN only).
func certificateDomains(c *x509.Certificate) []string {
	out := slices.Clone(c.DNSNames)
	if cn := c.Subject.CommonName; cn != "" && !slices.ContainsFunc(out, func(d string) bool { return strings.EqualFold(d, cn) }) {
		if _, err := value.ParseDomainWithSubdomains(cn); err == nil {
			out = append(out, cn)
		}
	}
	return out
}

// knownDomains lists the domains of certs for an error message.
func knownDomains(certs []smtpCertificate) string {
	var all []string
	for _, c := range certs {
		all = append(all, c.domains...)
	}
	if len(all) == 0 {
		return " (it has no SMTP certificate)"
	}
	return " (its SMTP certificates cover " + strings.Join(all, ", ") + ")"
}

// knownNames lists certs as tlsCertificateName values for an error message.
func knownNames(certs []smtpCertificate) string {
	if len(certs) == 0 {
		return " (it has no SMTP certificate)"
	}
	var all []string
	for _, c := range certs {
		all = append(all, "<I>"+c.issuer+"<S>"+c.subject)
	}
	return "; its SMTP certificates are " + strings.Join(all, ", ")
}

// splitTLSCertificateName splits "<I>issuer<S>subject".
func splitTLSCertificateName(s string) (issuer, subject string, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "<I>")
	if !ok {
		return "", "", false
	}
	issuer, subject, ok = strings.Cut(rest, "<S>")
	return issuer, subject, ok
}

// sameDN compares two distinguished names as sets of attribute=value pairs,
// case-insensitively and whatever the spacing, order or attribute alias
// (Windows writes S= where RFC 4514 writes ST=).
func sameDN(a, b string) bool {
	x, y := dnPairs(a), dnPairs(b)
	slices.Sort(x)
	slices.Sort(y)
	return len(x) > 0 && slices.Equal(x, y)
}

var dnAliases = map[string]string{"S": "ST", "E": "EMAILADDRESS", "EMAIL": "EMAILADDRESS", "SN": "SERIALNUMBER"}

func dnPairs(dn string) []string {
	var out []string
	var cur strings.Builder
	quoted, escaped := false, false
	flush := func() {
		attr, val, ok := strings.Cut(cur.String(), "=")
		cur.Reset()
		if !ok {
			return
		}
		attr = strings.ToUpper(strings.TrimSpace(attr))
		if a, ok := dnAliases[attr]; ok {
			attr = a
		}
		val = strings.Trim(strings.TrimSpace(val), `"`)
		out = append(out, attr+"="+strings.ToLower(val))
	}
	for _, r := range dn {
		switch {
		case escaped:
			escaped = false
		case r == '\\':
			escaped = true
			continue
		case r == '"':
			quoted = !quoted
		case (r == ',' || r == ';' || r == '+') && !quoted:
			flush()
			continue
		}
		cur.WriteRune(r)
	}
	flush()
	return out
}

// windowsDN writes a DER name as Windows' X500DistinguishedName.Name does,
// the form of an ExchangeCertificate's Subject and Issuer: the most specific
// part first, ", " between parts, S= for the state. It reads the raw name:
// a parsed pkix.Name loses attributes it has no field for (DC).
func windowsDN(raw []byte) string {
	var rdns pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &rdns); err != nil || len(rest) > 0 {
		return ""
	}
	var parts []string
	for i := len(rdns) - 1; i >= 0; i-- {
		for _, atv := range rdns[i] {
			name, ok := dnNames[atv.Type.String()]
			if !ok {
				name = "OID." + atv.Type.String()
			}
			parts = append(parts, fmt.Sprintf("%s=%v", name, atv.Value))
		}
	}
	return strings.Join(parts, ", ")
}

var dnNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.11": "OU", "2.5.4.10": "O", "2.5.4.7": "L", "2.5.4.8": "S", "2.5.4.6": "C",
	"2.5.4.9": "STREET", "2.5.4.5": "SERIALNUMBER", "0.9.2342.19200300.100.1.25": "DC", "1.2.840.113549.1.9.1": "E",
}
