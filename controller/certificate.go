package controller

import (
	"crypto/sha1"
	"crypto/x509"
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

// certificateKind is the kind name in reports.
const certificateKind = "ExchangeCertificate"

// expiryWarning is how long before NotAfter a certificate is reported as expiring.
const expiryWarning = 30 * 24 * time.Hour

// Certificate reasons.
const (
	ReasonPrivateKeyMissing = "PrivateKeyMissing"
	ReasonStatusNotValid    = "StatusNotValid"
	ReasonExpiring          = "Expiring"
	ReasonExpired           = "Expired"
	ReasonExtraServices     = "ServicesBeyondDeclared"
	ReasonOtherSMTP         = "OtherCertificateHoldsSMTP"
	ReasonNoSource          = "MissingWithoutSource"
)

// certSource is a certificate file read before any server is contacted,
// with the thumbprint it will have once imported.
type certSource struct {
	data       []byte
	password   *exchange.Secret
	thumbprint string
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
		if !strings.EqualFold(src.thumbprint, c.Spec.Thumbprint) {
			errs = append(errs, fmt.Errorf("ExchangeCertificate %q: the source file's certificate has thumbprint %s, not the declared %s",
				c.Name, src.thumbprint, strings.ToUpper(c.Spec.Thumbprint)))
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
	src := &certSource{data: data}
	if s.PasswordFrom != nil {
		pw, err := site.Resolver(c).Resolve(*s.PasswordFrom)
		if err != nil {
			return nil, fmt.Errorf("%s: spec.source.passwordFrom: %w", errResolveSecret, err)
		}
		p := exchange.Secret(pw.Reveal())
		src.password = &p
	}
	var cert *x509.Certificate
	if s.PFXFile != "" {
		pw := ""
		if src.password != nil {
			pw = string(*src.password)
		}
		_, cert, _, err = pkcs12.DecodeChain(data, pw)
		if err != nil {
			return nil, fmt.Errorf("cannot open PFX %s (wrong password?): %w", file, err)
		}
	} else {
		der := data
		if b, _ := pem.Decode(data); b != nil {
			der = b.Bytes
		}
		if cert, err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("cannot read certificate %s: %w", file, err)
		}
	}
	sum := sha1.Sum(cert.Raw)
	src.thumbprint = strings.ToUpper(hex.EncodeToString(sum[:]))
	return src, nil
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

// planCertificates plans every certificate declared for server s.
func (r *runner) planCertificates(o *orgRun, s *serverRun) []*Entry {
	var out []*Entry
	for _, c := range r.site.ExchangeCertificates() {
		if r.site.Organization(c) != o.org {
			continue
		}
		declared := false
		for _, name := range certificateServers(o, c) {
			declared = declared || strings.EqualFold(name, s.spec.Name)
		}
		if !declared {
			continue
		}
		e := &Entry{Subject: Subject{Kind: certificateKind, Organization: o.org.Name, Server: s.spec.Name, Name: c.Name}, Action: ActionUnchanged}
		if s.err == nil {
			planCertificate(e, c, s.obs, o.certs[strings.ToUpper(c.Spec.Thumbprint)], time.Now())
		}
		out = append(out, e)
	}
	return out
}

// planCertificate fills e for one certificate on one server: import it when
// missing, enable the declared services, and report what Exchange cannot
// change (extra services) or what needs a person (a missing private key).
func planCertificate(e *Entry, c *v1alpha1.ExchangeCertificate, obs *exchange.Observation, src *certSource, now time.Time) {
	thumb := strings.ToUpper(c.Spec.Thumbprint)
	v := obs.Server.Version
	server := e.Server
	want := value.ServiceNone
	if c.Spec.Services != nil {
		want = *c.Spec.Services
	}
	var cur *exchange.ObservedCertificate
	for i := range obs.Certificates {
		if strings.EqualFold(obs.Certificates[i].Thumbprint, thumb) {
			cur = &obs.Certificates[i]
		}
	}
	if cur == nil {
		if src == nil {
			e.Notes = append(e.Notes, Note{Severity: "error", Reason: ReasonNoSource,
				Message: fmt.Sprintf("certificate %s is not on %s and the manifest gives no source to import it from", thumb, server)})
			return
		}
		imp, err := exchange.ImportExchangeCertificate(v, server, src.data, exchange.ImportOptions{Password: src.password})
		if err != nil {
			e.Notes = append(e.Notes, Note{Severity: "error", Reason: ReasonApplyFailed, Message: err.Error()})
			return
		}
		e.Action = ActionCreate
		calls := []exchange.Call{imp}
		if want != value.ServiceNone {
			if en, err := exchange.EnableExchangeCertificate(v, server, thumb, want); err == nil {
				calls = append(calls, en)
			}
		}
		e.Fields = append(e.Fields, FieldDiff{Field: "thumbprint", Desired: thumb, Actual: "(not imported)"})
		e.setCalls(calls...)
		return
	}
	if !cur.HasPrivateKey {
		e.Notes = append(e.Notes, Note{Severity: "error", Reason: ReasonPrivateKeyMissing,
			Message: fmt.Sprintf("certificate %s on %s has no private key, so Exchange cannot use it for TLS and nothing is enabled on it; on %s run: certutil -repairstore my %s",
				thumb, server, server, cur.SerialNumber)})
		return
	}
	if !strings.EqualFold(cur.Status, "Valid") && cur.Status != "" {
		msg := fmt.Sprintf("certificate %s on %s has status %s", thumb, server, cur.Status)
		if strings.EqualFold(cur.Status, "RevocationCheckFailure") {
			msg += ": the server cannot reach the CRL distribution point named in the certificate (seed 001: make the CA's DNS name resolvable from the server)"
		}
		e.Notes = append(e.Notes, Note{Severity: "warning", Reason: ReasonStatusNotValid, Message: msg})
	}
	if !cur.NotAfter.IsZero() {
		switch left := cur.NotAfter.Sub(now); {
		case left <= 0:
			e.Notes = append(e.Notes, Note{Severity: "error", Reason: ReasonExpired,
				Message: fmt.Sprintf("certificate %s on %s expired on %s", thumb, server, cur.NotAfter.Format("2006-01-02"))})
		case left < expiryWarning:
			e.Notes = append(e.Notes, Note{Severity: "warning", Reason: ReasonExpiring,
				Message: fmt.Sprintf("certificate %s on %s expires on %s, in %d days", thumb, server, cur.NotAfter.Format("2006-01-02"), int(left.Hours()/24))})
		}
	}
	if extra := cur.Services &^ want; c.Spec.Services != nil && extra != 0 {
		e.Notes = append(e.Notes, Note{Severity: "warning", Reason: ReasonExtraServices,
			Message: fmt.Sprintf("also enabled for %s; Exchange cannot remove a service from a certificate (enable another certificate for it, then remove this one)", extra)})
	}
	if want.Has(value.ServiceSMTP) {
		for _, other := range obs.Certificates {
			if !strings.EqualFold(other.Thumbprint, thumb) && other.Services.Has(value.ServiceSMTP) {
				e.Notes = append(e.Notes, Note{Severity: "warning", Reason: ReasonOtherSMTP,
					Message: fmt.Sprintf("certificate %s (%s) is also enabled for SMTP", other.Thumbprint, other.Subject)})
			}
		}
	}
	if missing := want &^ cur.Services; missing != 0 {
		e.Action = ActionConfigure
		e.Fields = append(e.Fields, FieldDiff{Field: "services", Desired: want.String(), Actual: cur.Services.String()})
		en, err := exchange.EnableExchangeCertificate(v, server, thumb, missing)
		if err != nil {
			e.Notes = append(e.Notes, Note{Severity: "error", Reason: ReasonApplyFailed, Message: err.Error()})
			e.Action = ActionUnchanged
			return
		}
		e.setCalls(en)
	}
}
