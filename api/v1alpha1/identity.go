package v1alpha1

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// An Identity names one declared object the way Exchange and every report name it: its kind,
// its organisation, the server of a per-server kind, and its name. Names compare
// case-insensitively, as Exchange compares connector and server names.
//
// Every kind has one Identity method; the controller keys its plan entries, and the loader its
// duplicate check, on what it returns, so an object is named the same way everywhere.
type Identity struct {
	Kind         string `json:"kind"`
	Organization string `json:"organization"`
	// Server is set for objects that live on one server (receive connectors) and, in the
	// controller's entries, for the per-server copies of an ExchangeCertificate.
	Server string `json:"server,omitempty"`
	Name   string `json:"name"`
}

// Key is the identity folded for comparison: two objects with equal keys are the same
// object.
func (i Identity) Key() string {
	if i.Kind == KindTransportConfig || i.Kind == KindHybridConfiguration {
		return strings.ToLower(i.Kind + "/" + i.Organization)
	}
	return strings.ToLower(i.Kind + "/" + i.Organization + "/" + i.Server + `\` + i.Name)
}

// String is how reports name the object. A receive connector is written as Exchange prints its
// identity, `ReceiveConnector "SERVER\Name"`; a per-server copy of another kind says where it
// is; names are quoted as written, not with Go escaping, except that control characters are
// escaped (\x1b, \r, ...) so that a name cannot recolour or rewrite the terminal.
func (i Identity) String() string {
	name, server := EscapeControl(i.Name), EscapeControl(i.Server)
	switch {
	case i.Server != "" && i.Kind == KindReceiveConnector:
		return fmt.Sprintf(`%s "%s\%s"`, i.Kind, server, name)
	case i.Server != "":
		return fmt.Sprintf(`%s "%s" on %s`, i.Kind, name, server)
	}
	return fmt.Sprintf(`%s "%s"`, i.Kind, name)
}

// EscapeControl writes the control characters of s as Go escapes (\x1b, \r, \u0085) and
// leaves everything else as it is.
func EscapeControl(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Identity of an ExchangeOrganization is its name.
func (o *ExchangeOrganization) Identity() Identity {
	return Identity{Kind: KindExchangeOrganization, Organization: o.Name, Name: o.Name}
}

// Identity of a SendConnector is its name within the organisation (send connectors are
// organisation-wide).
func (c *SendConnector) Identity() Identity {
	return Identity{Kind: KindSendConnector, Name: c.Name}
}

// Identity of a ReceiveConnector is `server\name`.
func (c *ReceiveConnector) Identity() Identity {
	return Identity{Kind: KindReceiveConnector, Server: c.Spec.Server, Name: c.Name}
}

// Identity of a TransportConfig is the organisation's one TransportConfig; metadata.name is
// only a label, which Key leaves out.
func (c *TransportConfig) Identity() Identity {
	return Identity{Kind: KindTransportConfig, Name: c.Name}
}

// Identity of an ExchangeCertificate is its metadata.name within the organisation. The
// thumbprint is a field that a source file or a request may determine; it does not name the
// object, so a renewed certificate keeps its identity while its thumbprint changes.
func (c *ExchangeCertificate) Identity() Identity {
	return Identity{Kind: KindExchangeCertificate, Name: c.Name}
}

// Identified is an Object that knows its Identity (every kind does).
type Identified interface {
	Object
	Identity() Identity
}

// IdentityOf returns obj's identity with its organisation filled in (empty when its
// organizationRef did not resolve).
func (s *Site) IdentityOf(obj Identified) Identity {
	id := obj.Identity()
	if org := s.Organization(obj); org != nil {
		id.Organization = org.Name
	}
	return id
}
