package verify

import (
	"crypto/sha1" //nolint:gosec // Windows' certificate thumbprint is SHA-1 by definition
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// Names of the checks; each Check carries one.
const (
	// CheckStartTLSOffered: with Tls in AuthMechanism, the EHLO response
	// lists STARTTLS (Exchange drops it when no certificate qualifies,
	// event 12014).
	CheckStartTLSOffered = "StartTLSOffered"
	// CheckTLSVersion: the STARTTLS handshake negotiates TLS 1.2 or later.
	CheckTLSVersion = "TLSVersion"
	// CheckCertificateSelected: the handshake presents the certificate
	// Exchange should select: the one TlsCertificateName names, else the
	// SMTP certificate for the connector's FQDN.
	CheckCertificateSelected = "CertificateSelected"
	// CheckCertificateCoversFQDN: the presented certificate's names cover
	// the connector's FQDN.
	CheckCertificateCoversFQDN = "CertificateCoversFQDN"
	// CheckCertificateValid: today is within the presented certificate's
	// validity dates.
	CheckCertificateValid = "CertificateValid"
	// CheckRequireTLSEnforced: with RequireTLS, MAIL FROM before STARTTLS
	// is refused with 530 5.7.x.
	CheckRequireTLSEnforced = "RequireTLSEnforced"
	// CheckAuthOnlyAfterTLS: with BasicAuthRequireTLS, AUTH LOGIN is neither
	// offered nor accepted before STARTTLS, and is offered after it.
	CheckAuthOnlyAfterTLS = "AuthOnlyAfterTLS"
)

// CheckResult is the outcome of one check.
type CheckResult string

// Check outcomes.
const (
	CheckPassed  CheckResult = "Passed"
	CheckFailed  CheckResult = "Failed"
	CheckSkipped CheckResult = "Skipped"
)

// Check is one named check with the transcript lines that prove its
// result.
type Check struct {
	Name     string      `json:"name"`
	Result   CheckResult `json:"result"`
	Message  string      `json:"message"`
	Evidence []string    `json:"evidence,omitempty"`
}

// evaluate runs the checks that apply to p over what the session saw.
func evaluate(p Probe, o *observation, now time.Time) []Check {
	var out []Check
	if p.AuthMechanism.Has(value.AuthTls) {
		out = append(out, startTLSChecks(p, o, now)...)
	}
	if p.RequireTLS {
		out = append(out, requireTLSCheck(o))
	}
	if p.AuthMechanism.Has(value.AuthBasicAuthRequireTLS) {
		out = append(out, authAfterTLSCheck(o))
	}
	return out
}

func lines(o *observation, r *reply) []string {
	if r == nil {
		return nil
	}
	return o.transcript[r.at : r.at+len(r.lines)]
}

// from returns the transcript from index i through the reply r.
func from(o *observation, i int, r *reply) []string {
	if r == nil {
		return nil
	}
	return o.transcript[i : r.at+len(r.lines)]
}

func startTLSChecks(p Probe, o *observation, now time.Time) []Check {
	offered := Check{Name: CheckStartTLSOffered, Evidence: append([]string{"C: EHLO ..."}, lines(o, o.ehlo)...)}
	if o.ehlo != nil && o.ehlo.at > 0 {
		offered.Evidence[0] = o.transcript[o.ehlo.at-1]
	}
	skipped := func(name string) Check {
		return Check{Name: name, Result: CheckSkipped, Message: "no TLS session: see " + CheckStartTLSOffered}
	}
	if !hasExtension(o.ehlo, "STARTTLS") {
		offered.Result = CheckFailed
		offered.Message = "the EHLO response does not list STARTTLS although Tls is in AuthMechanism: Exchange found no certificate for the connector " +
			"(event 12014: the TlsCertificateName names a missing certificate, or no SMTP certificate covers " + p.FQDN + ")"
		return []Check{offered, skipped(CheckTLSVersion), skipped(CheckCertificateSelected), skipped(CheckCertificateCoversFQDN), skipped(CheckCertificateValid)}
	}
	offered.Result, offered.Message = CheckPassed, "the EHLO response lists STARTTLS"
	offered.Evidence = []string{offered.Evidence[0], o.transcript[o.ehlo.at], "S: " + extensionLine(o.ehlo, "STARTTLS")}
	out := []Check{offered}
	handshake := from(o, o.startAt, o.startTLS)
	if o.tls == nil {
		why := "STARTTLS was refused"
		if o.tlsErr != nil {
			why = "the TLS handshake failed: " + o.tlsErr.Error()
			handshake = o.transcript[o.startAt : o.tlsAt+1]
		}
		out = append(out, Check{Name: CheckTLSVersion, Result: CheckFailed, Message: why, Evidence: handshake})
		return append(out, skipped(CheckCertificateSelected), skipped(CheckCertificateCoversFQDN), skipped(CheckCertificateValid))
	}
	tlsLine := o.transcript[o.tlsAt]
	evidence := append(append([]string(nil), handshake...), tlsLine)
	version := Check{Name: CheckTLSVersion, Evidence: evidence}
	if o.tls.Version >= tls.VersionTLS12 {
		version.Result, version.Message = CheckPassed, tls.VersionName(o.tls.Version)+" negotiated"
	} else {
		version.Result, version.Message = CheckFailed, tls.VersionName(o.tls.Version)+" negotiated; 1.2 or later is required"
	}
	out = append(out, version)
	if len(o.tls.PeerCertificates) == 0 {
		none := Check{Result: CheckFailed, Message: "the server presented no certificate", Evidence: []string{tlsLine}}
		for _, n := range []string{CheckCertificateSelected, CheckCertificateCoversFQDN, CheckCertificateValid} {
			none.Name = n
			out = append(out, none)
		}
		return out
	}
	leaf := o.tls.PeerCertificates[0]
	return append(out, selectedCheck(p, leaf, tlsLine), coversCheck(p, leaf, tlsLine), validCheck(leaf, now, tlsLine))
}

func selectedCheck(p Probe, leaf *x509.Certificate, tlsLine string) Check {
	c := Check{Name: CheckCertificateSelected, Evidence: []string{tlsLine}}
	e := p.Expected
	if e == nil {
		c.Result, c.Message = CheckSkipped, "the expected certificate is not known: "+p.ExpectedUnknown
		return c
	}
	got := thumbprint(leaf.Raw)
	switch {
	case e.Thumbprint != "":
		if strings.EqualFold(e.Thumbprint, got) {
			c.Result, c.Message = CheckPassed, fmt.Sprintf("the certificate %s (%s) is presented", got, e.Source)
		} else {
			c.Result, c.Message = CheckFailed, fmt.Sprintf("the certificate %s is presented; Exchange should select %s (%s)", got, strings.ToUpper(e.Thumbprint), e.Source)
		}
	default:
		issuer, subject := windowsDN(leaf.RawIssuer), windowsDN(leaf.RawSubject)
		if sameDN(issuer, e.Issuer) && sameDN(subject, e.Subject) {
			c.Result, c.Message = CheckPassed, fmt.Sprintf("the certificate of issuer %q and subject %q is presented (%s)", issuer, subject, e.Source)
		} else {
			c.Result, c.Message = CheckFailed, fmt.Sprintf("the certificate of issuer %q and subject %q is presented; %s names issuer %q and subject %q",
				issuer, subject, e.Source, e.Issuer, e.Subject)
		}
	}
	return c
}

func coversCheck(p Probe, leaf *x509.Certificate, tlsLine string) Check {
	c := Check{Name: CheckCertificateCoversFQDN, Evidence: []string{tlsLine}}
	if !covers(certNames(leaf), p.FQDN) {
		c.Result, c.Message = CheckFailed, fmt.Sprintf("the certificate's names (%s) do not cover the connector FQDN %s", strings.Join(certNames(leaf), ", "), p.FQDN)
	} else {
		c.Result, c.Message = CheckPassed, "the certificate covers "+p.FQDN
	}
	return c
}

func validCheck(leaf *x509.Certificate, now time.Time, tlsLine string) Check {
	c := Check{Name: CheckCertificateValid, Evidence: []string{tlsLine}}
	switch {
	case now.Before(leaf.NotBefore):
		c.Result, c.Message = CheckFailed, "the certificate is not valid before "+leaf.NotBefore.UTC().Format(time.RFC3339)
	case now.After(leaf.NotAfter):
		c.Result, c.Message = CheckFailed, "the certificate expired on "+leaf.NotAfter.UTC().Format(time.RFC3339)
	default:
		c.Result, c.Message = CheckPassed, fmt.Sprintf("valid until %s (%d days left)", leaf.NotAfter.UTC().Format(time.RFC3339), int(leaf.NotAfter.Sub(now).Hours()/24))
	}
	return c
}

func requireTLSCheck(o *observation) Check {
	c := Check{Name: CheckRequireTLSEnforced, Evidence: from(o, o.mailAt, o.mailBefore)}
	r := o.mailBefore
	switch {
	case r == nil:
		c.Result, c.Message = CheckFailed, "MAIL FROM was not answered"
	case r.code == 530 && strings.HasPrefix(r.enhanced, "5.7.") && strings.Contains(strings.ToUpper(r.text()), "TLS"):
		c.Result, c.Message = CheckPassed, "MAIL FROM before STARTTLS is refused"
	case r.code/100 == 2:
		c.Result, c.Message = CheckFailed, "MAIL FROM before STARTTLS is accepted: the connector does not require TLS"
	default:
		c.Result, c.Message = CheckFailed, fmt.Sprintf("MAIL FROM before STARTTLS is refused, but not for want of TLS (want 530 5.7.x naming STARTTLS): %s", r.text())
	}
	return c
}

func authAfterTLSCheck(o *observation) Check {
	c := Check{Name: CheckAuthOnlyAfterTLS}
	if l := extensionLine(o.ehlo, "AUTH"); l != "" {
		c.Evidence = append(c.Evidence, "S: "+l)
	}
	c.Evidence = append(c.Evidence, from(o, o.authAt, o.authBefore)...)
	switch {
	case authOffers(o.ehlo, "LOGIN"):
		c.Result, c.Message = CheckFailed, "AUTH LOGIN is offered before STARTTLS: basic credentials would cross the network in clear text"
		return c
	case o.authBefore != nil && o.authBefore.code == 334:
		c.Result, c.Message = CheckFailed, "AUTH LOGIN is accepted before STARTTLS (334): basic credentials would cross the network in clear text"
		return c
	case o.ehloTLS == nil:
		c.Result, c.Message = CheckSkipped, "AUTH LOGIN is refused before STARTTLS; whether it is offered after TLS is unknown: no TLS session (see "+CheckStartTLSOffered+")"
		return c
	}
	if l := extensionLine(o.ehloTLS, "AUTH"); l != "" {
		c.Evidence = append(c.Evidence, "S: "+l)
	}
	if authOffers(o.ehloTLS, "LOGIN") {
		c.Result, c.Message = CheckPassed, "AUTH LOGIN is refused before STARTTLS and offered after it"
	} else {
		c.Result, c.Message = CheckFailed, "AUTH LOGIN is not offered after STARTTLS either, although BasicAuth is in AuthMechanism"
	}
	return c
}

// thumbprint is Windows' certificate thumbprint: SHA-1 of the DER, upper-case hex.
func thumbprint(der []byte) string {
	sum := sha1.Sum(der) //nolint:gosec // see the import
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// certNames are the names a certificate covers: its DNS names, else its CN.
func certNames(c *x509.Certificate) []string {
	if len(c.DNSNames) > 0 {
		return c.DNSNames
	}
	if c.Subject.CommonName != "" {
		return []string{c.Subject.CommonName}
	}
	return nil
}

// covers reports whether one of names matches fqdn, exactly or as a
// wildcard for one label. The subject CN counts when there are no DNS names,
// as Exchange's CertificateDomains do (a CA without SAN support issues such
// certificates).
func covers(names []string, fqdn string) bool {
	fqdn = strings.TrimSuffix(fqdn, ".")
	for _, n := range names {
		if strings.EqualFold(n, fqdn) {
			return true
		}
		if rest, ok := strings.CutPrefix(n, "*."); ok {
			if _, parent, found := strings.Cut(fqdn, "."); found && strings.EqualFold(parent, rest) {
				return true
			}
		}
	}
	return false
}
