package v1alpha1

import (
	"net/url"
	"strings"
)

// Defaulting fills only what exreconcile itself needs (how to connect, whether an object must
// exist). It never fills an Exchange setting: a spec field left out means "not managed", and a
// default there would silently start managing it.

// Default sets auth.method ntlm, session Auto, restartTransportService Never, and for each
// server role Mailbox and fqdn from the endpoint's host.
func (o *ExchangeOrganization) Default() {
	s := &o.Spec
	if s.Auth != nil && s.Auth.Method == "" {
		s.Auth.Method = AuthNTLM
	}
	if s.Session == "" {
		s.Session = SessionAuto
	}
	if s.RestartTransportService == "" {
		s.RestartTransportService = RestartNever
	}
	for i := range s.Servers {
		srv := &s.Servers[i]
		if srv.Role == "" {
			srv.Role = RoleMailbox
		}
		if srv.FQDN == "" {
			srv.FQDN = endpointHost(srv.Endpoint)
		}
	}
}

// endpointHost returns the host of a WinRM endpoint URL, or "" when it does not parse (the
// endpoint rule reports that). An IP address is not a usable FQDN for the Exchange remote
// PowerShell URI, but it is what the author wrote; the fqdn rule warns about it.
func endpointHost(endpoint string) string {
	u, err := url.Parse(strings.TrimSpace(endpoint))
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// Default sets ensure Present.
func (c *SendConnector) Default() {
	if c.Spec.Ensure == "" {
		c.Spec.Ensure = EnsurePresent
	}
}

// Default sets ensure Present.
func (c *ReceiveConnector) Default() {
	if c.Spec.Ensure == "" {
		c.Spec.Ensure = EnsurePresent
	}
}

// Default sets nothing: a TransportConfig has no setting of exreconcile's own.
func (c *TransportConfig) Default() {}

// Default sets nothing by itself; servers default to the organisation's Mailbox servers when
// the organisation is linked (defaultServers), since that needs the organisation.
func (c *ExchangeCertificate) Default() {}

// defaultServers sets spec.servers to every Mailbox server of org when it was left out.
func (c *ExchangeCertificate) defaultServers(org *ExchangeOrganization) {
	if c.Spec.Servers == nil && org != nil {
		c.Spec.Servers = org.ServerNames(RoleMailbox)
	}
}
