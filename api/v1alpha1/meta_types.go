// Package v1alpha1 holds exreconcile's declarative objects (ExchangeOrganization, SendConnector,
// ReceiveConnector, TransportConfig, ExchangeCertificate, TrustedRootCertificate), their defaulting, strict loading from
// YAML with a file:line and field path in every error, and the offline validation that runs
// before any Exchange server is contacted.
//
// Spec fields carry the Exchange parameter names in lowerCamelCase. Optional fields are pointers
// (or nil slices): a field left out is not managed, so it is neither compared nor changed.
package v1alpha1

import "github.com/exreconcile/exreconcile/exchange/value"

// Group, Version and APIVersion identify this API in every manifest's apiVersion.
const (
	Group      = "exreconcile.io"
	Version    = "v1alpha1"
	APIVersion = Group + "/" + Version
)

// Kinds of object this API version knows.
const (
	KindExchangeOrganization = "ExchangeOrganization"
	KindSendConnector        = "SendConnector"
	KindReceiveConnector     = "ReceiveConnector"
	KindTransportConfig      = "TransportConfig"
	KindExchangeCertificate  = "ExchangeCertificate"
	// KindTrustedRootCertificate is a CA certificate in the servers' LocalMachine Root store.
	KindTrustedRootCertificate = "TrustedRootCertificate"
	KindHybridConfiguration    = "HybridConfiguration"
)

// Kinds lists every kind in the order a run handles them.
var Kinds = []string{
	KindExchangeOrganization,
	KindExchangeCertificate,
	KindSendConnector,
	KindReceiveConnector,
	KindTransportConfig,
	KindTrustedRootCertificate,
	KindHybridConfiguration,
}

// TypeMeta says which API version and kind a document holds.
type TypeMeta struct {
	// APIVersion must be exreconcile.io/v1alpha1.
	APIVersion string `json:"apiVersion" jsonschema:"required,enum=exreconcile.io/v1alpha1"`
	// Kind is one of ExchangeOrganization, SendConnector, ReceiveConnector, TransportConfig,
	// ExchangeCertificate, TrustedRootCertificate, HybridConfiguration.
	Kind string `json:"kind" jsonschema:"required"`
}

// GetAPIVersion returns the document's apiVersion.
func (t *TypeMeta) GetAPIVersion() string { return t.APIVersion }

// GetKind returns the document's kind.
func (t *TypeMeta) GetKind() string { return t.Kind }

// ObjectMeta names an object and carries free-form labels and annotations, which exreconcile
// keeps but does not interpret.
type ObjectMeta struct {
	// Name identifies the object. For connectors it is the Exchange connector name (-Name);
	// for an ExchangeOrganization it is what organizationRef points at.
	Name string `json:"name" jsonschema:"required,minLength=1"`
	// Labels are free-form key/value pairs for tooling; exreconcile ignores them.
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are free-form key/value pairs for tooling; exreconcile ignores them.
	Annotations map[string]string `json:"annotations,omitempty"`
}

// GetName returns metadata.name.
func (m *ObjectMeta) GetName() string { return m.Name }

// An Object is one declared document of any kind.
type Object interface {
	GetAPIVersion() string
	GetKind() string
	GetName() string
	// GetOrganizationRef returns spec.organizationRef as written; an ExchangeOrganization
	// returns "".
	GetOrganizationRef() string
	// Default fills the defaults that need no other object.
	Default()
}

// newObject returns an empty object of the kind, or nil for a kind this version does not know.
func newObject(kind string) Object {
	switch kind {
	case KindExchangeOrganization:
		return &ExchangeOrganization{}
	case KindSendConnector:
		return &SendConnector{}
	case KindReceiveConnector:
		return &ReceiveConnector{}
	case KindTransportConfig:
		return &TransportConfig{}
	case KindExchangeCertificate:
		return &ExchangeCertificate{}
	case KindTrustedRootCertificate:
		return &TrustedRootCertificate{}
	case KindHybridConfiguration:
		return &HybridConfiguration{}
	}
	return nil
}

// Ensure says whether a connector must exist (Present) or must not (Absent).
type Ensure string

// Values of Ensure.
const (
	EnsurePresent Ensure = "Present"
	EnsureAbsent  Ensure = "Absent"
)

var ensureEnum = value.EnumSpec{Name: "ensure", Values: enumStrings(EnsurePresent, EnsureAbsent)}

// Values lists the allowed values of Ensure.
func (Ensure) Values() []string { return ensureEnum.Values }

// UnmarshalText accepts Present or Absent in any letter case.
func (e *Ensure) UnmarshalText(b []byte) error { return parseEnum(e, ensureEnum, b) }

// parseEnum sets *v to the canonical spelling of b, matched case-insensitively as Exchange
// matches its enumerations, or fails with an error listing the allowed values.
func parseEnum[T ~string](v *T, spec value.EnumSpec, b []byte) error {
	s, err := spec.Parse(string(b))
	if err != nil {
		return err
	}
	*v = T(s)
	return nil
}

func enumStrings[T ~string](vs ...T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// ptr returns a pointer to v; tests and defaulting use it for optional fields.
func ptr[T any](v T) *T { return &v }
