package value

import (
	"fmt"
	"slices"
	"strings"
)

// EnumSpec describes a plain (single-valued) Exchange enumeration: the
// allowed values in their canonical spelling. Exchange parses enum names
// case-insensitively, so the reconciler must compare canonical spellings, not
// what the user typed.
type EnumSpec struct {
	// Name says what the value is, for errors ("TLS authentication level").
	Name string
	// Values are the allowed values, canonically spelled, in the order the
	// reference lists them.
	Values []string
}

// Parse returns the canonical spelling of s, matched case-insensitively,
// or an error listing the allowed values.
func (e EnumSpec) Parse(s string) (string, error) {
	t := strings.TrimSpace(s)
	for _, v := range e.Values {
		if strings.EqualFold(t, v) {
			return v, nil
		}
	}
	return "", fmt.Errorf("invalid %s %q: allowed values are %s", e.Name, s, strings.Join(e.Values, ", "))
}

// Valid reports whether s is one of the values, in any case.
func (e EnumSpec) Valid(s string) bool {
	_, err := e.Parse(s)
	return err == nil
}

// Equal reports whether a and b are the same value of the enumeration:
// equal ignoring case. Values outside the enumeration compare as text, so
// that an unknown value observed from a newer Exchange still compares.
func (e EnumSpec) Equal(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// Contains reports whether v is spelled exactly as one of the canonical
// values.
func (e EnumSpec) Contains(v string) bool { return slices.Contains(e.Values, v) }

// The plain enumerations of the transport settings (docs/exchange.md "Plain enums").
var (
	// SendConnectorUsage is New-SendConnector -Usage (creation only;
	// default Custom).
	SendConnectorUsage = EnumSpec{Name: "send connector usage", Values: []string{"Custom", "Internal", "Internet", "Partner"}}

	// ReceiveConnectorUsage is New-ReceiveConnector -Usage (creation only).
	ReceiveConnectorUsage = EnumSpec{Name: "receive connector usage", Values: []string{"Client", "Custom", "Internal", "Internet", "Partner"}}

	// SmartHostAuthMechanism is a Send connector's SmartHostAuthMechanism.
	// Its .NET type is a flags enum, but the reference says "all values are
	// mutually exclusive", so it is a single value here.
	SmartHostAuthMechanism = EnumSpec{Name: "smart host authentication mechanism", Values: []string{"None", "BasicAuth", "BasicAuthRequireTLS", "ExchangeServer", "ExternalAuthoritative"}}

	// TlsAuthLevel is a Send connector's TlsAuthLevel (only with RequireTLS).
	TlsAuthLevel = EnumSpec{Name: "TLS authentication level", Values: []string{"EncryptionOnly", "CertificateValidation", "DomainValidation"}}

	// ProtocolLoggingLevel is the ProtocolLoggingLevel of Send and Receive
	// connectors.
	ProtocolLoggingLevel = EnumSpec{Name: "protocol logging level", Values: []string{"None", "Verbose"}}

	// TransportRole is a Receive connector's TransportRole (2013+). Exchange
	// gives them the numbers HubTransport=32, FrontendTransport=16384
	// (docs/exchange.md "Plain enums"), which are not accepted here.
	TransportRole = EnumSpec{Name: "transport role", Values: []string{"FrontendTransport", "HubTransport"}}

	// CertificateStatus is the Status Get-ExchangeCertificate reports. There
	// is no PrivateKeyMissing status: a missing key shows as HasPrivateKey
	// False.
	CertificateStatus = EnumSpec{Name: "certificate status", Values: []string{"DateInvalid", "Invalid", "PendingRequest", "RevocationCheckFailure", "Revoked", "Unknown", "Untrusted", "Valid"}}
)
