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
// STARTTLS, as the model's selection (STARTTLSCertificate, tlsselect.go)
// decides, or nil when none qualifies: then Exchange logs event 12014 and
// does not offer STARTTLS (Microsoft KB 2989382).
func (o *Org) SMTPCertificate(server, connector string) *tls.Certificate {
	choice, err := o.STARTTLSCertificate(server, connector)
	if err != nil || choice.Cert == nil {
		return nil
	}
	c := choice.Cert.TLS()
	return &c
}
