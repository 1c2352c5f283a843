package verify

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// ProbesFromSite builds one Probe per declared, present receive connector of
// a validated Site. Settings a manifest leaves out are taken as Exchange
// sets them at creation (usage defaults: Client and Internal connectors
// listen on 0.0.0.0:587 and 0.0.0.0:25, Internet ones accept every IPv4
// address, the FQDN is the server's, Tls is in every usage's AuthMechanism).
//
// The expected certificate comes from the manifests only: the one
// tlsCertificateName names, else the declared ExchangeCertificate enabled
// for SMTP on the connector's server whose names (read from source.certFile;
// a PFX is not opened, as that needs its password) cover the connector's
// FQDN, or the only such certificate declared. When the manifests cannot
// tell, CertificateSelected is skipped and says why.
func ProbesFromSite(site *v1alpha1.Site) []Probe {
	var out []Probe
	for _, rc := range site.ReceiveConnectors() {
		if rc.Spec.Ensure == v1alpha1.EnsureAbsent {
			continue
		}
		org := site.Organization(rc)
		if org == nil {
			continue
		}
		srv := org.Server(rc.Spec.Server)
		if srv == nil {
			continue
		}
		p := Probe{Organization: org.Name, Server: srv.Name, Connector: rc.Name, ServerFQDN: srv.FQDN,
			Bindings: rc.Spec.Bindings, RemoteIPRanges: rc.Spec.RemoteIPRanges, FQDN: srv.FQDN,
			RequireTLS: rc.Spec.RequireTLS != nil && *rc.Spec.RequireTLS}
		if rc.Spec.FQDN != nil {
			p.FQDN = *rc.Spec.FQDN
		}
		usage := ""
		if rc.Spec.Usage != nil {
			usage = string(*rc.Spec.Usage)
		}
		if len(p.Bindings) == 0 {
			switch usage {
			case string(v1alpha1.ReceiveUsageClient):
				p.Bindings = []value.IPBinding{mustBinding("0.0.0.0:587")}
			case string(v1alpha1.ReceiveUsageInternal):
				p.Bindings = []value.IPBinding{mustBinding("0.0.0.0:25")}
			}
		}
		switch {
		case rc.Spec.AuthMechanism != nil:
			p.AuthMechanism = *rc.Spec.AuthMechanism
		case usage == string(v1alpha1.ReceiveUsageClient):
			p.AuthMechanism = value.AuthTls | value.AuthBasicAuth | value.AuthBasicAuthRequireTLS | value.AuthIntegrated
		case usage == string(v1alpha1.ReceiveUsageInternal):
			p.AuthMechanism = value.AuthTls | value.AuthExchangeServer
		default:
			p.AuthMechanism = value.AuthTls
		}
		p.Expected, p.ExpectedUnknown = expectedCertificate(site, org, rc, p.FQDN)
		p.Disabled = rc.Spec.Enabled != nil && !*rc.Spec.Enabled
		out = append(out, p)
	}
	return out
}

func mustBinding(s string) value.IPBinding {
	b, err := value.ParseIPBinding(s)
	if err != nil {
		panic(err)
	}
	return b
}

var certificateName = regexp.MustCompile(`^<I>(.+)<S>(.+)$`)

func expectedCertificate(site *v1alpha1.Site, org *v1alpha1.ExchangeOrganization, rc *v1alpha1.ReceiveConnector, fqdn string) (*ExpectedCertificate, string) {
	if n := rc.Spec.TLSCertificateName; n != nil {
		if m := certificateName.FindStringSubmatch(*n); m != nil {
			return &ExpectedCertificate{Issuer: strings.TrimSpace(m[1]), Subject: strings.TrimSpace(m[2]), Source: "named by tlsCertificateName"}, ""
		}
		return nil, "tlsCertificateName is not <I>issuer<S>subject"
	}
	if ref := rc.Spec.TLSCertificateRef; ref != nil {
		for _, c := range site.ExchangeCertificates() {
			if site.Organization(c) == org && c.Name == *ref && c.Spec.Thumbprint != "" {
				return &ExpectedCertificate{Thumbprint: c.NormalizedThumbprint(), Source: fmt.Sprintf("ExchangeCertificate %q, named by tlsCertificateRef", c.Name)}, ""
			}
		}
		return nil, fmt.Sprintf("tlsCertificateRef %q names no ExchangeCertificate with a declared thumbprint", *ref)
	}
	var covering, unread []*v1alpha1.ExchangeCertificate
	for _, c := range site.ExchangeCertificates() {
		if site.Organization(c) != org || c.Spec.Services == nil || !c.Spec.Services.Has(value.ServiceSMTP) || !holds(c, rc.Spec.Server) {
			continue
		}
		names, ok := certificateNames(site, c)
		switch {
		case !ok:
			unread = append(unread, c)
		case covers(names, fqdn):
			covering = append(covering, c)
		}
	}
	switch {
	case len(covering) == 1 && len(unread) == 0:
		return &ExpectedCertificate{Thumbprint: declaredThumbprint(site, covering[0]),
			Source: fmt.Sprintf("ExchangeCertificate %q, enabled for SMTP, covers %s", covering[0].Name, fqdn)}, ""
	case len(covering) == 0 && len(unread) == 1 && unread[0].Spec.Thumbprint == "":
		return nil, fmt.Sprintf("ExchangeCertificate %q declares no thumbprint and its certificate file cannot be read (a request not issued yet?)", unread[0].Name)
	case len(covering) == 0 && len(unread) == 1:
		return &ExpectedCertificate{Thumbprint: unread[0].NormalizedThumbprint(),
			Source: fmt.Sprintf("ExchangeCertificate %q, the only one declared for SMTP on %s", unread[0].Name, rc.Spec.Server)}, ""
	case len(covering)+len(unread) == 0:
		return nil, fmt.Sprintf("no ExchangeCertificate enabled for SMTP on %s that covers %s is declared, so which certificate Exchange selects (perhaps its self-signed one) cannot be told from the manifests", rc.Spec.Server, fqdn)
	}
	return nil, fmt.Sprintf("%d declared SMTP certificates on %s could be selected for %s; set tlsCertificateName to say which", len(covering)+len(unread), rc.Spec.Server, fqdn)
}

func holds(c *v1alpha1.ExchangeCertificate, server string) bool {
	for _, s := range c.Spec.Servers {
		if strings.EqualFold(s, server) {
			return true
		}
	}
	return false
}

// declaredThumbprint is c's thumbprint: the declared one, else the SHA-1
// of its source.certFile (a thumbprint left out is the file's).
func declaredThumbprint(site *v1alpha1.Site, c *v1alpha1.ExchangeCertificate) string {
	if c.Spec.Thumbprint != "" {
		return c.NormalizedThumbprint()
	}
	data, err := os.ReadFile(site.Path(c, c.Spec.Source.CertFile))
	if err != nil {
		return ""
	}
	if b, _ := pem.Decode(data); b != nil {
		data = b.Bytes
	}
	sum := sha1.Sum(data)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// certificateNames reads the names of a declared certificate from its
// source.certFile (PEM or DER); false when there is none or it does not
// parse.
func certificateNames(site *v1alpha1.Site, c *v1alpha1.ExchangeCertificate) ([]string, bool) {
	if c.Spec.Source == nil || c.Spec.Source.CertFile == "" {
		return nil, false
	}
	data, err := os.ReadFile(site.Path(c, c.Spec.Source.CertFile))
	if err != nil {
		return nil, false
	}
	if b, _ := pem.Decode(data); b != nil {
		data = b.Bytes
	}
	cert, err := x509.ParseCertificate(data)
	if err != nil {
		return nil, false
	}
	return certNames(cert), true
}
