package exchange

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"
)

// The read-only view exsim's SMTP listener uses: which Receive connectors
// a server has, and which certificate a connector presents after STARTTLS.
// Everything here takes the organisation's lock and returns copies, so a
// listener may call it from any goroutine while cmdlets change the model.
//
// Certificate selection follows "Selection of Inbound STARTTLS
// Certificates" (https://learn.microsoft.com/exchange/mail-flow/mail-routing/inbound-starttls-certificates-selection)
// and the TlsCertificateName parameter of Set-ReceiveConnector
// (https://learn.microsoft.com/powershell/module/exchange/set-receiveconnector);
// the order among several candidates is in test/exsim/README.md
// ("STARTTLS certificate selection").

// ReceiveConnectorInfo is a snapshot of one Receive connector, with the
// settings an SMTP listener needs.
type ReceiveConnectorInfo struct {
	Server   string // NetBIOS name of the server that owns it
	Name     string
	Identity string // Server\Name
	Enabled  bool
	// Bindings are the local endpoints; 0.0.0.0 and :: mean all addresses.
	Bindings []netip.AddrPort
	// RemoteIPRanges are inclusive address ranges a client must be in.
	RemoteIPRanges []IPRange
	// Fqdn is what the connector announces in the banner and EHLO; when
	// the connector's Fqdn is empty it is the server's FQDN (as Exchange
	// falls back).
	Fqdn   string
	Banner string // "" means Exchange's default banner
	// AuthMechanism and PermissionGroups are the enum names that are set
	// ("Tls", "BasicAuth", ...; "AnonymousUsers", ...).
	AuthMechanism    []string
	PermissionGroups []string
	RequireTLS       bool
	// MaxMessageSize in bytes.
	MaxMessageSize uint64
	// TransportRole is "FrontendTransport" or "HubTransport" on 2013+ Mailbox
	// servers, "" on 2010 and Edge.
	TransportRole string
	// TlsCertificateName is "<I>issuer<S>subject", or "" when not set.
	TlsCertificateName string
}

// IPRange is an inclusive range of addresses of one family.
type IPRange struct{ Lo, Hi netip.Addr }

// Contains reports whether a is within the range.
func (r IPRange) Contains(a netip.Addr) bool {
	a = a.Unmap()
	return r.Lo.Is4() == a.Is4() && r.Lo.Compare(a) <= 0 && a.Compare(r.Hi) <= 0
}

// HasAuth reports whether AuthMechanism includes name (case-insensitive).
func (c ReceiveConnectorInfo) HasAuth(name string) bool { return containsFold(c.AuthMechanism, name) }

// HasPermission reports whether PermissionGroups includes name.
func (c ReceiveConnectorInfo) HasPermission(name string) bool {
	return containsFold(c.PermissionGroups, name)
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// ReceiveConnectors returns a snapshot of a server's Receive connectors in
// Get-ReceiveConnector order. The server is a NetBIOS name or FQDN.
func (o *Org) ReceiveConnectors(server string) ([]ReceiveConnectorInfo, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.server(server)
	if s == nil {
		return nil, fmt.Errorf("exsim: no server %q", server)
	}
	out := make([]ReceiveConnectorInfo, 0, len(s.receive))
	for _, c := range s.receive {
		out = append(out, c.info())
	}
	return out, nil
}

func (c *receiveConnector) info() ReceiveConnectorInfo {
	r := c.rec
	in := ReceiveConnectorInfo{Server: c.srv.name, Name: c.name, Identity: c.identity(), Fqdn: c.fqdn()}
	in.Enabled, _ = r["Enabled"].(bool)
	in.RequireTLS, _ = r["RequireTLS"].(bool)
	if b, ok := r["Banner"].(string); ok {
		in.Banner = b
	}
	for _, v := range listOf(r["Bindings"]) {
		if b, ok := v.(binding); ok {
			in.Bindings = append(in.Bindings, netip.AddrPortFrom(b.Addr, uint16(b.Port)))
		}
	}
	for _, v := range listOf(r["RemoteIPRanges"]) {
		if ip, ok := v.(ipRange); ok {
			in.RemoteIPRanges = append(in.RemoteIPRanges, IPRange{Lo: ip.Lo, Hi: ip.Hi})
		}
	}
	in.AuthMechanism = enumNames(authMechanisms, r["AuthMechanism"])
	in.PermissionGroups = enumNames(permissionGroups, r["PermissionGroups"])
	if sz, ok := r["MaxMessageSize"].(byteSize); ok {
		in.MaxMessageSize = sz.Bytes
	}
	if c.srv.version >= V2013 && c.srv.role == Mailbox {
		if n, ok := r["TransportRole"].(uint64); ok {
			in.TransportRole = transportRoles.format(n)
		}
	}
	if id, ok := r["TlsCertificateName"].(x509Id); ok {
		in.TlsCertificateName = id.String()
	}
	return in
}

// fqdn is the name the connector presents: its Fqdn, or the server's FQDN
// when the Fqdn is empty ("If the FQDN value on the Receive connector is
// null, the server's physical FQDN is retrieved": the STARTTLS selection
// page above).
func (c *receiveConnector) fqdn() string {
	if f, ok := c.rec["Fqdn"].(fqdnValue); ok && f.Name != "" {
		return strings.TrimSuffix(f.Name, ".")
	}
	return c.srv.fqdn
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

// enumNames lists the single-bit names a flags value has set.
func enumNames(e *enumDef, v any) []string {
	n, _ := v.(uint64)
	var out []string
	for i, x := range e.values {
		if x != 0 && x&(x-1) == 0 && n&x == x {
			out = append(out, e.names[i])
		}
	}
	return out
}

// Changes returns the organisation's change counter and a channel that is
// closed at the next change (any successful mutating cmdlet, Restart-Service,
// an added server). A listener re-reads ReceiveConnectors when the channel
// closes, then calls Changes again.
func (o *Org) Changes() (uint64, <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.changeCh == nil {
		o.changeCh = make(chan struct{})
	}
	return o.generation, o.changeCh
}

// notifyChange advances the change counter (o.mu held).
func (o *Org) notifyChange() {
	o.generation++
	if o.changeCh != nil {
		close(o.changeCh)
		o.changeCh = nil
	}
}

// TLSCertificate is the certificate a connector presents, with its key.
type TLSCertificate struct {
	Leaf       *x509.Certificate
	DER        []byte
	Key        crypto.Signer
	Thumbprint string
}

// TLS returns the certificate in crypto/tls form.
func (t *TLSCertificate) TLS() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{t.DER}, PrivateKey: t.Key, Leaf: t.Leaf}
}

// STARTTLSChoice is the outcome of certificate selection for a connector.
type STARTTLSChoice struct {
	// Cert is nil when the connector offers no STARTTLS.
	Cert *TLSCertificate
	// Reason, when Cert is nil: "TlsNotEnabled" (AuthMechanism lacks Tls:
	// STARTTLS is not advertised and no certificate is loaded),
	// "TlsCertificateNameNotFound" (the connector's TlsCertificateName
	// names no usable certificate on the server) or "NoCertificateForFqdn"
	// (nothing matches the Fqdn).
	Reason string
	// Event is the MSExchangeTransport event text Exchange logs when no
	// certificate is found (event 12014), empty otherwise.
	Event string
}

// STARTTLSCertificate selects the certificate that the Receive connector
// (Server\Name, or Name on that server) presents after STARTTLS.
func (o *Org) STARTTLSCertificate(server, connector string) (STARTTLSChoice, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.server(server)
	if s == nil {
		return STARTTLSChoice{}, fmt.Errorf("exsim: no server %q", server)
	}
	name := connector
	if i := strings.LastIndex(name, `\`); i >= 0 {
		name = name[i+1:]
	}
	for _, c := range s.receive {
		if strings.EqualFold(c.name, name) {
			return s.selectSTARTTLS(c, o.now()), nil
		}
	}
	return STARTTLSChoice{}, fmt.Errorf("exsim: no Receive connector %q on %s", connector, s.name)
}

// selectSTARTTLS is the selection for one connector (o.mu held).
func (s *Server) selectSTARTTLS(c *receiveConnector, now time.Time) STARTTLSChoice {
	if am, _ := c.rec["AuthMechanism"].(uint64); am&authMechanisms.must("Tls") == 0 {
		return STARTTLSChoice{Reason: "TlsNotEnabled"}
	}
	fqdn := c.fqdn()
	if id, ok := c.rec["TlsCertificateName"].(x509Id); ok {
		for _, cert := range s.certs {
			if cert.usableForTLS(now) && id.names(cert) {
				return STARTTLSChoice{Cert: cert.tlsCertificate()}
			}
		}
		return STARTTLSChoice{Reason: "TlsCertificateNameNotFound", Event: event12014(fqdn, c.identity())}
	}
	if cert := s.certificateForFqdn(fqdn, now); cert != nil {
		return STARTTLSChoice{Cert: cert.tlsCertificate()}
	}
	return STARTTLSChoice{Reason: "NoCertificateForFqdn", Event: event12014(fqdn, c.identity())}
}

// certificateForFqdn picks, among the SMTP-enabled certificates with a
// private key that are within their dates, one whose CertificateDomains
// cover fqdn: an exact name before a wildcard, then a CA-issued certificate
// before a self-signed one, then the most recent NotBefore (the order in
// test/exsim/README.md).
func (s *Server) certificateForFqdn(fqdn string, now time.Time) *certificate {
	type cand struct {
		c     *certificate
		exact bool
	}
	var cands []cand
	for _, c := range s.certs {
		if !c.usableForTLS(now) || c.services&allowedServices.must("SMTP") == 0 {
			continue
		}
		exact, ok := domainMatch(c.domains(), fqdn)
		if ok {
			cands = append(cands, cand{c, exact})
		}
	}
	if len(cands) == 0 {
		return nil
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.exact != b.exact {
			return a.exact
		}
		if sa, sb := a.c.selfSigned(), b.c.selfSigned(); sa != sb {
			return !sa
		}
		return a.c.cert.NotBefore.After(b.c.cert.NotBefore)
	})
	return cands[0].c
}

// domainMatch reports whether one of the names covers host, and whether
// the best such name is an exact match (not a wildcard). A wildcard
// "*.contoso.com" covers one label: mail.contoso.com, not a.b.contoso.com.
func domainMatch(names []string, host string) (exact, ok bool) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, n := range names {
		n = strings.ToLower(n)
		if n == host {
			return true, true
		}
		if strings.HasPrefix(n, "*.") {
			if label, rest, cut := strings.Cut(host, "."); cut && label != "" && rest == n[2:] {
				ok = true
			}
		}
	}
	return false, ok
}

// usableForTLS: an issued certificate (not a pending request) with its
// private key, within its validity dates.
func (c *certificate) usableForTLS(now time.Time) bool {
	return !c.pending && c.key != nil && !now.Before(c.cert.NotBefore) && !now.After(c.cert.NotAfter)
}

func (c *certificate) tlsCertificate() *TLSCertificate {
	return &TLSCertificate{Leaf: c.cert, DER: append([]byte(nil), c.der...), Key: c.key, Thumbprint: c.thumbprint()}
}

// names reports whether a TlsCertificateName names the certificate: the
// subject and (when given) the issuer equal the certificate's Subject and
// Issuer as Get-ExchangeCertificate prints them, compared without regard
// to case or to spaces after the RDN separators.
func (x x509Id) names(c *certificate) bool {
	if !sameDN(x.Subject, c.subject()) {
		return false
	}
	return x.Issuer == "" || sameDN(x.Issuer, c.issuer())
}

func sameDN(a, b string) bool { return strings.EqualFold(normDN(a), normDN(b)) }

func normDN(s string) string {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return strings.Join(parts, ",")
}

// event12014 is the text of MSExchangeTransport event 12014 (as seen in
// Microsoft support articles on missing STARTTLS certificates).
func event12014(fqdn, connector string) string {
	return fmt.Sprintf("Microsoft Exchange could not find a certificate that contains the domain name %s in the personal store on the local computer. "+
		"Therefore, it is unable to support the STARTTLS SMTP verb for the connector %s with a FQDN parameter of %s. "+
		"If the connector's FQDN is not specified, the computer's FQDN is used. Verify the connector configuration and the installed certificates "+
		"to make sure that there is a certificate with a domain name for that FQDN. If this certificate exists, run Enable-ExchangeCertificate "+
		"-Services SMTP to make sure that the Microsoft Exchange Transport service has access to the certificate key.", fqdn, connector, fqdn)
}
