package exchange

import (
	"crypto/tls"
	"net/netip"
	"strings"
	"time"
)

// SMTPConnector is what exsim's SMTP front end (test/exsim/smtp) reads of one
// Receive connector: the settings that decide which connector answers a
// client and what its greeting, EHLO response and commands say.
type SMTPConnector struct {
	Server     string // the server's NetBIOS name
	ServerFQDN string
	Name       string
	Version    Version
	Role       Role
	Enabled    bool
	// Bindings are the local endpoints; 0.0.0.0 and :: stand for every
	// local address of their family.
	Bindings []netip.AddrPort
	// RemoteIPRanges are inclusive address ranges.
	RemoteIPRanges   []IPRange
	Fqdn             string
	Banner           string
	AuthMechanism    []string // flag names, as Get-ReceiveConnector prints them
	PermissionGroups []string
	TransportRole    string // FrontendTransport or HubTransport (2013+), HubTransport before
	RequireTLS       bool
	DomainSecure     bool
	// SizeEnabled is Disabled, Enabled or EnabledWithoutValue.
	SizeEnabled         string
	MaxMessageSize      uint64
	Pipelining          bool
	DSN                 bool
	EnhancedStatusCodes bool
	EightBitMime        bool
	BinaryMime          bool
	Chunking            bool
	SMTPUTF8            bool
	EnableAuthGSSAPI    bool
	SuppressXAnonTLS    bool
	InactivityTimeout   time.Duration
	// TLSCertificateName is "<I>issuer<S>subject" or "".
	TLSCertificateName string
}

// IPRange is an inclusive range of addresses of one family.
type IPRange struct{ Lo, Hi netip.Addr }

// Contains reports whether a is in the range (IPv4-mapped IPv6 addresses
// count as IPv4).
func (r IPRange) Contains(a netip.Addr) bool {
	a = a.Unmap()
	return a.Is4() == r.Lo.Is4() && r.Lo.Compare(a) <= 0 && a.Compare(r.Hi) <= 0
}

// Has reports whether the connector's AuthMechanism holds name.
func (c SMTPConnector) Has(name string) bool { return hasName(c.AuthMechanism, name) }

// Permits reports whether the connector's PermissionGroups hold name.
func (c SMTPConnector) Permits(name string) bool { return hasName(c.PermissionGroups, name) }

func hasName(list []string, name string) bool {
	for _, n := range list {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// SMTPConnectors returns a snapshot of every server's Receive connectors.
func (o *Org) SMTPConnectors() []SMTPConnector {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []SMTPConnector
	for _, s := range o.servers {
		for _, c := range s.receive {
			out = append(out, smtpView(s, c))
		}
	}
	return out
}

func smtpView(s *Server, c *receiveConnector) SMTPConnector {
	r := c.rec
	v := SMTPConnector{
		Server: s.name, ServerFQDN: s.fqdn, Name: c.name, Version: s.version, Role: s.role,
		Enabled: r.bool("Enabled"), Fqdn: r.str("Fqdn"), Banner: r.str("Banner"),
		AuthMechanism:    splitFlags(authMechanisms.format(r.flags("AuthMechanism"))),
		PermissionGroups: splitFlags(permissionGroups.format(r.flags("PermissionGroups"))),
		TransportRole:    "HubTransport",
		RequireTLS:       r.bool("RequireTLS"), DomainSecure: r.bool("DomainSecureEnabled"),
		SizeEnabled: sizeModes.format(r.flags("SizeEnabled")),
		Pipelining:  r.bool("PipeliningEnabled"), DSN: r.bool("DeliveryStatusNotificationEnabled"),
		EnhancedStatusCodes: r.bool("EnhancedStatusCodesEnabled"), EightBitMime: r.bool("EightBitMimeEnabled"),
		BinaryMime: r.bool("BinaryMimeEnabled"), Chunking: r.bool("ChunkingEnabled"),
		SMTPUTF8: r.bool("SmtpUtf8Enabled"), EnableAuthGSSAPI: r.bool("EnableAuthGSSAPI"),
		SuppressXAnonTLS: r.bool("SuppressXAnonymousTls"),
	}
	if s.version >= V2013 {
		v.TransportRole = transportRoles.format(r.flags("TransportRole"))
	}
	if b, ok := r["MaxMessageSize"].(byteSize); ok {
		v.MaxMessageSize = b.Bytes
	}
	if d, ok := r["ConnectionInactivityTimeout"].(time.Duration); ok {
		v.InactivityTimeout = d
	}
	if x, ok := r["TlsCertificateName"].(x509Id); ok {
		v.TLSCertificateName = x.String()
	}
	for _, b := range r.list("Bindings") {
		if b, ok := b.(binding); ok {
			v.Bindings = append(v.Bindings, netip.AddrPortFrom(b.Addr, uint16(b.Port)))
		}
	}
	for _, x := range r.list("RemoteIPRanges") {
		if x, ok := x.(ipRange); ok {
			v.RemoteIPRanges = append(v.RemoteIPRanges, IPRange{Lo: x.Lo, Hi: x.Hi})
		}
	}
	return v
}

func splitFlags(s string) []string {
	if s == "" || s == "None" {
		return nil
	}
	return strings.Split(s, ", ")
}

// SMTPCertificate returns the certificate the connector offers for
// STARTTLS, or nil when none qualifies: then Exchange logs event 12014 and
// does not offer STARTTLS (Microsoft KB 2989382). The rules: a connector
// with TlsCertificateName uses the certificate of that issuer and subject;
// otherwise a certificate enabled for SMTP whose CertificateDomains cover
// the connector's FQDN. Either must be valid today and hold its private
// key; among several, a CA-issued one beats a self-signed one, then the
// newest.
//
// This is the provisional selection of the SMTP front end; the model's own
// certificate-selection API replaces it when it lands.
func (o *Org) SMTPCertificate(server, connector string) *tls.Certificate {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.server(server)
	if s == nil {
		return nil
	}
	var rc *receiveConnector
	for _, c := range s.receive {
		if strings.EqualFold(c.name, connector) {
			rc = c
		}
	}
	if rc == nil {
		return nil
	}
	now := o.now()
	pinned, hasPin := rc.rec["TlsCertificateName"].(x509Id)
	fqdn := strings.TrimSuffix(rc.rec.str("Fqdn"), ".")
	var best *certificate
	for _, c := range s.certs {
		if c.pending || c.key == nil || c.status(now) != "Valid" {
			continue
		}
		if hasPin && s.version >= V2013 {
			if !strings.EqualFold(c.issuer(), pinned.Issuer) || !strings.EqualFold(c.subject(), pinned.Subject) {
				continue
			}
		} else if c.services&allowedServices.must("SMTP") == 0 || !coversName(c.domains(), fqdn) {
			continue
		}
		if best == nil || betterCert(c, best) {
			best = c
		}
	}
	if best == nil {
		return nil
	}
	return &tls.Certificate{Certificate: [][]byte{best.der}, PrivateKey: best.key, Leaf: best.cert}
}

// betterCert prefers a CA-issued certificate (issuer differs from subject:
// selfSigned also wants a CA basic constraint, which setup's certificates
// lack) over a self-signed one, then the newest.
func betterCert(a, b *certificate) bool {
	sa, sb := string(a.cert.RawSubject) == string(a.cert.RawIssuer), string(b.cert.RawSubject) == string(b.cert.RawIssuer)
	if sa != sb {
		return !sa
	}
	return a.cert.NotBefore.After(b.cert.NotBefore)
}

// coversName reports whether a certificate domain matches name, exactly or
// as a one-label wildcard.
func coversName(domains []string, name string) bool {
	for _, d := range domains {
		if strings.EqualFold(d, name) {
			return true
		}
		if rest, ok := strings.CutPrefix(d, "*."); ok {
			if _, parent, found := strings.Cut(name, "."); found && strings.EqualFold(parent, rest) {
				return true
			}
		}
	}
	return false
}
