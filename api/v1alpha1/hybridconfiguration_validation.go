package v1alpha1

import (
	"slices"
	"strings"
)

// Rule names for HybridConfiguration and for the certificate references of every kind.
const (
	RuleHybridTLSCertificate     = "HybridTLSCertificate"
	RuleHybridTLSCertificateRef  = "HybridTLSCertificateRef"
	RuleHybridNeedsMailbox       = "HybridNeedsMailboxServer"
	RuleSendTLSCertificateRef    = "SendTLSCertificateRef"
	RuleReceiveTLSCertificateRef = "ReceiveTLSCertificateRef"
)

var hybridConfigurationRules = []rule[*HybridConfiguration]{
	{RuleHybridTLSCertificate, `tlsCertificateName is "<I>issuer<S>subject", not together with tlsCertificateRef; both exist on Exchange 2013 and later only (warning).`, checkHybridTLSCertificate},
	{RuleHybridTLSCertificateRef, "tlsCertificateRef names a declared ExchangeCertificate of the organisation.", func(c *checker, h *HybridConfiguration) {
		checkCertificateRef(c, h.Spec.TLSCertificateRef, h.Spec.TLSCertificateName, nil)
	}},
	{RuleHybridNeedsMailbox, "The organisation declares a Mailbox server: the hybrid configuration is read and set through one (an Edge server has no hybrid cmdlets).", checkHybridNeedsMailbox},
}

func checkHybridNeedsMailbox(c *checker, h *HybridConfiguration) {
	if c.org != nil && len(c.org.ServerNames(RoleMailbox)) == 0 {
		c.errorf("metadata.name", "ExchangeOrganization %q declares no Mailbox server; the hybrid configuration is read and set through one", c.org.Name)
	}
}

func checkHybridTLSCertificate(c *checker, h *HybridConfiguration) {
	checkTLSCertificateName(c, "spec.tlsCertificateName", h.Spec.TLSCertificateName)
	switch {
	case h.Spec.TLSCertificateName != nil:
		c.warnf("spec.tlsCertificateName", versionGateMsg, "tlsCertificateName")
	case h.Spec.TLSCertificateRef != nil:
		c.warnf("spec.tlsCertificateRef", versionGateMsg, "TlsCertificateName (set through tlsCertificateRef)")
	}
}

// checkCertificateRef checks a tlsCertificateRef: not together with a literal
// tlsCertificateName, naming an ExchangeCertificate of the same organisation, and (servers
// not nil) declared on each of servers: a connector can only name a certificate its server
// holds.
func checkCertificateRef(c *checker, ref, literal *string, servers []string) {
	if ref == nil {
		return
	}
	const path = "spec.tlsCertificateRef"
	if literal != nil {
		c.errorf(path, "set either tlsCertificateRef (the name follows the certificate) or tlsCertificateName (a fixed name), not both")
	}
	if c.org == nil {
		return
	}
	var cert *ExchangeCertificate
	var names []string
	for _, x := range c.v.site.ExchangeCertificates() {
		if c.v.site.Organization(x) != c.org {
			continue
		}
		names = append(names, x.Name)
		if x.Name == *ref {
			cert = x
		}
	}
	if cert == nil {
		declared := strings.Join(names, ", ")
		if declared == "" {
			declared = "none"
		}
		c.errorf(path, "no ExchangeCertificate %q is declared in organisation %q; declared: %s", *ref, c.org.Name, declared)
		return
	}
	for _, s := range servers {
		if !slices.ContainsFunc(certificateServerNames(cert, c.org), func(n string) bool { return strings.EqualFold(n, s) }) {
			c.errorf(path, "ExchangeCertificate %q (%s) is not declared for server %s, which must hold it", *ref, c.where(cert, "spec.servers"), s)
		}
	}
}

// certificateServerNames are the servers a certificate is declared for: spec.servers, or the
// organisation's Mailbox servers.
func certificateServerNames(x *ExchangeCertificate, org *ExchangeOrganization) []string {
	if len(x.Spec.Servers) > 0 {
		return x.Spec.Servers
	}
	return org.ServerNames(RoleMailbox)
}

// sendRefServers are the servers that must hold a send connector's certificate: its
// sourceTransportServers.
func sendRefServers(s *SendConnector) []string { return s.Spec.SourceTransportServers }

func checkSendCertificateRef(c *checker, s *SendConnector) {
	checkCertificateRef(c, s.Spec.TLSCertificateRef, s.Spec.TLSCertificateName, sendRefServers(s))
	if s.Spec.TLSCertificateRef != nil {
		c.warnf("spec.tlsCertificateRef", versionGateMsg, "TlsCertificateName (set through tlsCertificateRef)")
	}
}

func checkReceiveCertificateRef(c *checker, r *ReceiveConnector) {
	var servers []string
	if r.Spec.Server != "" {
		servers = []string{r.Spec.Server}
	}
	checkCertificateRef(c, r.Spec.TLSCertificateRef, r.Spec.TLSCertificateName, servers)
	if r.Spec.TLSCertificateRef != nil {
		c.warnf("spec.tlsCertificateRef", versionGateMsg, "TlsCertificateName (set through tlsCertificateRef)")
	}
}
