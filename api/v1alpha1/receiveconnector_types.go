package v1alpha1

import "github.com/exreconcile/exreconcile/exchange/value"

// A ReceiveConnector declares one Exchange Receive connector on one server
// (New-ReceiveConnector, Set-ReceiveConnector, Remove-ReceiveConnector). Its Exchange identity
// is `server\metadata.name`. Fields left out are not managed.
type ReceiveConnector struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata" jsonschema:"required"`
	// Spec is the connector's desired settings.
	Spec ReceiveConnectorSpec `json:"spec" jsonschema:"required"`
}

// GetOrganizationRef returns spec.organizationRef.
func (c *ReceiveConnector) GetOrganizationRef() string { return c.Spec.OrganizationRef }

// ReceiveConnectorSpec is the desired state of a Receive connector.
type ReceiveConnectorSpec struct {
	// OrganizationRef is the metadata.name of the ExchangeOrganization the connector belongs to;
	// it may be left out when exactly one organisation is declared.
	OrganizationRef string `json:"organizationRef,omitempty"`
	// Server is New-ReceiveConnector -Server: the name of the organisation's server the
	// connector lives on. Required.
	Server string `json:"server" jsonschema:"required,minLength=1"`
	// Ensure is Present (default: create or update the connector) or Absent (remove it).
	Ensure Ensure `json:"ensure,omitempty"`
	// Usage is the New-ReceiveConnector -Usage type, applied at creation only: Client, Custom,
	// Internal, Internet or Partner. It sets the initial permission groups and authentication
	// mechanisms; Client and Internal connectors get their bindings from Exchange, and Internet
	// connectors accept every remote address.
	Usage *ReceiveUsage `json:"usage,omitempty"`
	// Bindings is -Bindings: the local "IP:port" pairs the connector listens on, for example
	// "0.0.0.0:25", "[::]:25" or "191.121.0.200:26" (ports 1..65535). A set.
	Bindings []value.IPBinding `json:"bindings,omitempty"`
	// RemoteIPRanges is -RemoteIPRanges: the remote addresses the connector accepts, each a
	// single address, a range "a-b" or a CIDR block. A set compared by meaning.
	RemoteIPRanges []value.IPRange `json:"remoteIPRanges,omitempty"`
	// FQDN is -Fqdn, the name in the banner and EHLO response; it selects the TLS certificate.
	// Do not change it on the "Default <Server>" connector of a Mailbox server.
	FQDN *string `json:"fqdn,omitempty"`
	// AuthMechanism is -AuthMechanism, a list of: None, Tls, Integrated, BasicAuth,
	// BasicAuthRequireTLS, ExchangeServer, ExternalAuthoritative. None only alone;
	// BasicAuthRequireTLS also needs BasicAuth and Tls; ExternalAuthoritative only with Tls and
	// permissionGroups [ExchangeServers].
	AuthMechanism *value.AuthMechanisms `json:"authMechanism,omitempty"`
	// PermissionGroups is -PermissionGroups, a list of: None, AnonymousUsers, ExchangeUsers,
	// ExchangeServers, ExchangeLegacyServers, Partners, Custom.
	PermissionGroups *value.PermissionGroups `json:"permissionGroups,omitempty"`
	// RequireTLS is -RequireTLS: true refuses mail without TLS; needs Tls in authMechanism.
	RequireTLS *bool `json:"requireTLS,omitempty"`
	// DomainSecureEnabled is -DomainSecureEnabled: mutual TLS for the domains in TransportConfig
	// tlsReceiveDomainSecureList; needs Tls and not ExternalAuthoritative in authMechanism.
	DomainSecureEnabled *bool `json:"domainSecureEnabled,omitempty"`
	// Enabled is -Enabled.
	Enabled *bool `json:"enabled,omitempty"`
	// MaxMessageSize is -MaxMessageSize: a size with unit B, KB, MB or GB from 64KB (65536
	// bytes) to 2147483647 bytes; unlimited is not allowed on receive connectors.
	MaxMessageSize *value.ByteSize `json:"maxMessageSize,omitempty"`
	// Banner is -Banner, the SMTP greeting, for example "220 mail.work.com".
	Banner *string `json:"banner,omitempty"`
	// Comment is -Comment, free text. Connectors created by exreconcile carry a marker in it
	// (see --prune).
	Comment *string `json:"comment,omitempty"`
	// TransportRole is -TransportRole (Exchange 2013 and later): FrontendTransport or
	// HubTransport. Not on Edge servers.
	TransportRole *TransportRole `json:"transportRole,omitempty"`
	// TLSCertificateName is -TlsCertificateName (Exchange 2013 and later), the certificate
	// offered for STARTTLS, as "<I>issuer DN<S>subject DN".
	TLSCertificateName *string `json:"tlsCertificateName,omitempty" jsonschema:"pattern=^<I>.+<S>.+$"`
	// TLSCertificateRef is the metadata.name of an ExchangeCertificate whose Issuer and Subject,
	// as Exchange reports them on this server, make the connector's -TlsCertificateName
	// (Exchange 2013 and later); a renewal switches the connector once the server holds the new
	// certificate. Not with tlsCertificateName.
	TLSCertificateRef *string `json:"tlsCertificateRef,omitempty" jsonschema:"minLength=1"`
	// ProtocolLoggingLevel is -ProtocolLoggingLevel: None or Verbose.
	ProtocolLoggingLevel *ProtocolLoggingLevel `json:"protocolLoggingLevel,omitempty"`
}

// ReceiveUsage is the usage type of New-ReceiveConnector.
type ReceiveUsage string

// Values of ReceiveUsage.
const (
	ReceiveUsageClient   ReceiveUsage = "Client"
	ReceiveUsageCustom   ReceiveUsage = "Custom"
	ReceiveUsageInternal ReceiveUsage = "Internal"
	ReceiveUsageInternet ReceiveUsage = "Internet"
	ReceiveUsagePartner  ReceiveUsage = "Partner"
)

// Values lists the allowed values of ReceiveUsage.
func (ReceiveUsage) Values() []string { return value.ReceiveConnectorUsage.Values }

// UnmarshalText accepts a receive connector usage type in any letter case.
func (u *ReceiveUsage) UnmarshalText(b []byte) error {
	return parseEnum(u, value.ReceiveConnectorUsage, b)
}

// TransportRole is a Receive connector's -TransportRole (Exchange 2013 and later).
type TransportRole string

// Values of TransportRole.
const (
	TransportRoleFrontend TransportRole = "FrontendTransport"
	TransportRoleHub      TransportRole = "HubTransport"
)

// Values lists the allowed values of TransportRole.
func (TransportRole) Values() []string { return value.TransportRole.Values }

// UnmarshalText accepts FrontendTransport or HubTransport in any letter case.
func (r *TransportRole) UnmarshalText(b []byte) error { return parseEnum(r, value.TransportRole, b) }
