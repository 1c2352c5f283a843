package v1alpha1

import "github.com/exreconcile/exreconcile/exchange/value"

// A SendConnector declares one organisation-wide Exchange Send connector (New-SendConnector,
// Set-SendConnector, Remove-SendConnector). metadata.name is the connector name. Fields left
// out are not managed.
type SendConnector struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata" jsonschema:"required"`
	// Spec is the connector's desired settings.
	Spec SendConnectorSpec `json:"spec" jsonschema:"required"`
}

// GetOrganizationRef returns spec.organizationRef.
func (c *SendConnector) GetOrganizationRef() string { return c.Spec.OrganizationRef }

// SendConnectorSpec is the desired state of a Send connector. Send connectors live in Active
// Directory and are shared by the whole organisation, so they are reconciled once, not per
// server.
type SendConnectorSpec struct {
	// OrganizationRef is the metadata.name of the ExchangeOrganization the connector belongs to;
	// it may be left out when exactly one organisation is declared.
	OrganizationRef string `json:"organizationRef,omitempty"`
	// Ensure is Present (default: create or update the connector) or Absent (remove it).
	Ensure Ensure `json:"ensure,omitempty"`
	// Usage is the New-SendConnector -Usage type, applied at creation only: Custom, Internal,
	// Internet or Partner. It is a label that only sets defaults (MaxMessageSize; Partner also
	// DomainSecureEnabled); changing it later has no effect on an existing connector.
	Usage *SendUsage `json:"usage,omitempty"`
	// AddressSpaces is -AddressSpaces: the domains the connector routes mail to, as
	// "Type:domain;cost" (type defaults to SMTP, cost 1..100 to 1), for example "canoe.com",
	// "SMTP:*.canoe.com;10" or "*". A set: order is ignored.
	AddressSpaces []value.AddressSpace `json:"addressSpaces,omitempty"`
	// DNSRoutingEnabled is -DNSRoutingEnabled: true routes by MX records, false through
	// smartHosts (which are then required).
	DNSRoutingEnabled *bool `json:"dnsRoutingEnabled,omitempty"`
	// SmartHosts is -SmartHosts: host names or IP addresses mail is relayed through; needs
	// dnsRoutingEnabled false. A set.
	SmartHosts []value.SmartHost `json:"smartHosts,omitempty"`
	// SmartHostAuthMechanism is -SmartHostAuthMechanism, how the connector authenticates to the
	// smart hosts: None, BasicAuth, BasicAuthRequireTLS, ExchangeServer or
	// ExternalAuthoritative (one value). BasicAuth and BasicAuthRequireTLS need
	// authenticationCredential.
	SmartHostAuthMechanism *SmartHostAuthMechanism `json:"smartHostAuthMechanism,omitempty"`
	// AuthenticationCredential is -AuthenticationCredential, the account used with BasicAuth
	// and BasicAuthRequireTLS.
	AuthenticationCredential *Credential `json:"authenticationCredential,omitempty"`
	// RequireTLS is -RequireTLS: true refuses to send without TLS.
	RequireTLS *bool `json:"requireTLS,omitempty"`
	// IgnoreSTARTTLS is -IgnoreSTARTTLS: true never offers TLS (for partners whose TLS is
	// broken); must be false when requireTLS is true.
	IgnoreSTARTTLS *bool `json:"ignoreSTARTTLS,omitempty"`
	// DomainSecureEnabled is -DomainSecureEnabled: mutual TLS authentication for the domains
	// of the address spaces (also listed in TransportConfig tlsSendDomainSecureList). Needs
	// dnsRoutingEnabled true, ignoreSTARTTLS false and no wildcard address spaces.
	DomainSecureEnabled *bool `json:"domainSecureEnabled,omitempty"`
	// TLSAuthLevel is -TlsAuthLevel: EncryptionOnly, CertificateValidation or
	// DomainValidation. Needs requireTLS true and ignoreSTARTTLS false.
	TLSAuthLevel *TLSAuthLevel `json:"tlsAuthLevel,omitempty"`
	// TLSDomain is -TlsDomain, the domain the remote certificate must match; only with
	// tlsAuthLevel DomainValidation. A domain or *.domain.
	TLSDomain *string `json:"tlsDomain,omitempty"`
	// TLSCertificateName is -TlsCertificateName (Exchange 2013 and later), the certificate
	// offered to the remote server, as "<I>issuer DN<S>subject DN".
	TLSCertificateName *string `json:"tlsCertificateName,omitempty" jsonschema:"pattern=^<I>.+<S>.+$"`
	// TLSCertificateRef is the metadata.name of an ExchangeCertificate whose Issuer and Subject,
	// as Exchange reports them, make the connector's -TlsCertificateName (Exchange 2013 and
	// later); a renewal switches the connector once every source server holds the new
	// certificate. Not with tlsCertificateName.
	TLSCertificateRef *string `json:"tlsCertificateRef,omitempty" jsonschema:"minLength=1"`
	// Port is -Port, the TCP port of the remote server or smart host: 0..65535 (Exchange's
	// default 25).
	Port *int32 `json:"port,omitempty" jsonschema:"minimum=0,maximum=65535"`
	// FQDN is -Fqdn, the name the connector gives in HELO/EHLO; it selects the TLS certificate
	// and should match its subject or a SAN.
	FQDN *string `json:"fqdn,omitempty"`
	// SourceTransportServers is -SourceTransportServers: the names of the Mailbox servers that
	// may send through the connector. Not valid for Edge servers. A set.
	SourceTransportServers []string `json:"sourceTransportServers,omitempty"`
	// Enabled is -Enabled.
	Enabled *bool `json:"enabled,omitempty"`
	// MaxMessageSize is -MaxMessageSize: a size with unit B, KB, MB, GB or TB (for example
	// 35MB, up to 2147483647 bytes) or unlimited.
	MaxMessageSize *value.ByteSize `json:"maxMessageSize,omitempty"`
	// ProtocolLoggingLevel is -ProtocolLoggingLevel: None or Verbose.
	ProtocolLoggingLevel *ProtocolLoggingLevel `json:"protocolLoggingLevel,omitempty"`
	// Comment is -Comment, free text. Connectors created by exreconcile carry a marker in it
	// (see --prune).
	Comment *string `json:"comment,omitempty"`
}

// Credential is an account whose password is read at run time, such as a Send connector's
// -AuthenticationCredential.
type Credential struct {
	// Username is the account name, for example 'PARTNER\relay' or relay@partner.com.
	Username string `json:"username" jsonschema:"required,minLength=1"`
	// PasswordFrom says where the password is read at run time.
	PasswordFrom *PasswordFrom `json:"passwordFrom" jsonschema:"required"`
}

// SendUsage is the usage type of New-SendConnector.
type SendUsage string

// Values of SendUsage.
const (
	SendUsageCustom   SendUsage = "Custom"
	SendUsageInternal SendUsage = "Internal"
	SendUsageInternet SendUsage = "Internet"
	SendUsagePartner  SendUsage = "Partner"
)

// Values lists the allowed values of SendUsage.
func (SendUsage) Values() []string { return value.SendConnectorUsage.Values }

// UnmarshalText accepts a send connector usage type in any letter case.
func (u *SendUsage) UnmarshalText(b []byte) error { return parseEnum(u, value.SendConnectorUsage, b) }

// SmartHostAuthMechanism is the single-valued -SmartHostAuthMechanism of a Send connector.
type SmartHostAuthMechanism string

// Values of SmartHostAuthMechanism.
const (
	SmartHostAuthNone                  SmartHostAuthMechanism = "None"
	SmartHostAuthBasicAuth             SmartHostAuthMechanism = "BasicAuth"
	SmartHostAuthBasicAuthRequireTLS   SmartHostAuthMechanism = "BasicAuthRequireTLS"
	SmartHostAuthExchangeServer        SmartHostAuthMechanism = "ExchangeServer"
	SmartHostAuthExternalAuthoritative SmartHostAuthMechanism = "ExternalAuthoritative"
)

// Values lists the allowed values of SmartHostAuthMechanism.
func (SmartHostAuthMechanism) Values() []string { return value.SmartHostAuthMechanism.Values }

// UnmarshalText accepts a smart host authentication mechanism in any letter case.
func (m *SmartHostAuthMechanism) UnmarshalText(b []byte) error {
	return parseEnum(m, value.SmartHostAuthMechanism, b)
}

// NeedsCredential reports whether the mechanism sends a user name and password.
func (m SmartHostAuthMechanism) NeedsCredential() bool {
	return m == SmartHostAuthBasicAuth || m == SmartHostAuthBasicAuthRequireTLS
}

// TLSAuthLevel is a Send connector's -TlsAuthLevel.
type TLSAuthLevel string

// Values of TLSAuthLevel.
const (
	TLSAuthEncryptionOnly        TLSAuthLevel = "EncryptionOnly"
	TLSAuthCertificateValidation TLSAuthLevel = "CertificateValidation"
	TLSAuthDomainValidation      TLSAuthLevel = "DomainValidation"
)

// Values lists the allowed values of TLSAuthLevel.
func (TLSAuthLevel) Values() []string { return value.TlsAuthLevel.Values }

// UnmarshalText accepts a TLS authentication level in any letter case.
func (l *TLSAuthLevel) UnmarshalText(b []byte) error { return parseEnum(l, value.TlsAuthLevel, b) }

// ProtocolLoggingLevel is a connector's -ProtocolLoggingLevel.
type ProtocolLoggingLevel string

// Values of ProtocolLoggingLevel.
const (
	ProtocolLoggingNone    ProtocolLoggingLevel = "None"
	ProtocolLoggingVerbose ProtocolLoggingLevel = "Verbose"
)

// Values lists the allowed values of ProtocolLoggingLevel.
func (ProtocolLoggingLevel) Values() []string { return value.ProtocolLoggingLevel.Values }

// UnmarshalText accepts None or Verbose in any letter case.
func (l *ProtocolLoggingLevel) UnmarshalText(b []byte) error {
	return parseEnum(l, value.ProtocolLoggingLevel, b)
}
