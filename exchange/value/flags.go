package value

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// flagSpec describes one [Flags] enumeration of Exchange: the name of each
// bit, lowest first. Bit 0 is names[0] = value 1; zero is "None".
type flagSpec struct {
	kind  string   // for errors: "authentication mechanism"
	names []string // canonical spelling of bit i
}

// parse reads a flag set from Exchange's joined form (`Tls, Integrated`,
// ascending numeric order, but any order is accepted), from an integer
// (`[int]$x.AuthMechanism` or a CLIXML enum value) or from `None`.
func (f flagSpec) parse(s string) (uint32, error) {
	s = strings.TrimSpace(s)
	if isDigits(s) {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || uint32(n)&^f.mask() != 0 {
			return 0, fmt.Errorf("invalid %s %q: the number has bits that are not %s", f.kind, s, f.allowed())
		}
		return uint32(n), nil
	}
	return f.parseList(strings.Split(s, ","))
}

// parseList reads a flag set from separate names, as a manifest lists them.
func (f flagSpec) parseList(names []string) (uint32, error) {
	var v uint32
	none := false
	seen := 0
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		seen++
		if strings.EqualFold(name, "None") {
			none = true
			continue
		}
		bit, ok := f.lookup(name)
		if !ok {
			return 0, fmt.Errorf("invalid %s %q: allowed values are %s", f.kind, name, f.allowed())
		}
		v |= bit
	}
	switch {
	case seen == 0:
		return 0, fmt.Errorf("invalid %s: empty; allowed values are %s", f.kind, f.allowed())
	case none && v != 0:
		return 0, fmt.Errorf("invalid %s: None cannot be combined with other values", f.kind)
	}
	return v, nil
}

func (f flagSpec) lookup(name string) (uint32, bool) {
	for i, n := range f.names {
		if strings.EqualFold(name, n) {
			return 1 << i, true
		}
	}
	return 0, false
}

func (f flagSpec) mask() uint32 { return 1<<len(f.names) - 1 }

func (f flagSpec) allowed() string { return "None, " + strings.Join(f.names, ", ") }

// slice returns the names of the bits set in v in ascending numeric order,
// the order in which Exchange prints them; ["None"] for zero.
func (f flagSpec) slice(v uint32) []string {
	if v == 0 {
		return []string{"None"}
	}
	var out []string
	for v != 0 {
		i := bits.TrailingZeros32(v)
		if i < len(f.names) {
			out = append(out, f.names[i])
		} else {
			out = append(out, strconv.FormatUint(1<<i, 10))
		}
		v &^= 1 << i
	}
	return out
}

func (f flagSpec) format(v uint32) string { return strings.Join(f.slice(v), ", ") }

// unmarshal reads a flag set from a JSON list of names (as manifests write
// them), a JSON string in Exchange's joined form, or a JSON integer.
func (f flagSpec) unmarshal(data []byte) (uint32, error) {
	var list []string
	if err := json.Unmarshal(data, &list); err == nil {
		if len(list) == 0 {
			return 0, nil
		}
		return f.parseList(list)
	}
	var n uint32
	if err := json.Unmarshal(data, &n); err == nil {
		return f.parse(strconv.FormatUint(uint64(n), 10))
	}
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		return f.parse(s)
	}
	return 0, fmt.Errorf("%s must be a list of names, a string or a number, got %s", f.kind, data)
}

// AuthMechanisms is the AuthMechanism flag set of a Receive connector. Its
// values are from the [HC] CLIXML (docs/exchange.md "Flag enums"); ExternalAuthoritative=32
// is [INFER] there.
type AuthMechanisms uint32

// AuthMechanisms values.
const (
	AuthNone                  AuthMechanisms = 0
	AuthTls                   AuthMechanisms = 1
	AuthIntegrated            AuthMechanisms = 2
	AuthBasicAuth             AuthMechanisms = 4
	AuthBasicAuthRequireTLS   AuthMechanisms = 8
	AuthExchangeServer        AuthMechanisms = 16
	AuthExternalAuthoritative AuthMechanisms = 32 // [INFER] docs/exchange.md "Flag enums"
)

var authMechanismsSpec = flagSpec{
	kind:  "authentication mechanism",
	names: []string{"Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS", "ExchangeServer", "ExternalAuthoritative"},
}

// ParseAuthMechanisms reads `Tls, Integrated, BasicAuth`, `None` or an
// integer such as `31`, with names in any case and order.
func ParseAuthMechanisms(s string) (AuthMechanisms, error) {
	v, err := authMechanismsSpec.parse(s)
	return AuthMechanisms(v), err
}

// ParseAuthMechanismsList reads a list of names such as [Tls, BasicAuth].
func ParseAuthMechanismsList(names []string) (AuthMechanisms, error) {
	v, err := authMechanismsSpec.parseList(names)
	return AuthMechanisms(v), err
}

// String returns the set as Exchange prints it, ascending numeric order:
// `Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer`.
func (a AuthMechanisms) String() string { return authMechanismsSpec.format(uint32(a)) }

// Slice returns the names in ascending numeric order; ["None"] for none.
func (a AuthMechanisms) Slice() []string { return authMechanismsSpec.slice(uint32(a)) }

// Has reports whether every flag of f is set.
func (a AuthMechanisms) Has(f AuthMechanisms) bool { return a&f == f }

// With returns a with the flags of f set.
func (a AuthMechanisms) With(f AuthMechanisms) AuthMechanisms { return a | f }

// Without returns a with the flags of f cleared.
func (a AuthMechanisms) Without(f AuthMechanisms) AuthMechanisms { return a &^ f }

// MarshalJSON encodes the set as a list of names, the manifest form.
func (a AuthMechanisms) MarshalJSON() ([]byte, error) { return json.Marshal(a.Slice()) }

// UnmarshalJSON decodes a list of names, a joined string or an integer.
func (a *AuthMechanisms) UnmarshalJSON(data []byte) error {
	v, err := authMechanismsSpec.unmarshal(data)
	if err != nil {
		return err
	}
	*a = AuthMechanisms(v)
	return nil
}

// PermissionGroups is the PermissionGroups flag set of a Receive connector.
// AnonymousUsers..ExchangeLegacyServers are from the [HC] CLIXML; Partners=16
// and Custom=32 are [INFER] in docs/exchange.md "Flag enums" (printed after the others).
type PermissionGroups uint32

// PermissionGroups values.
const (
	PermissionNone                  PermissionGroups = 0
	PermissionAnonymousUsers        PermissionGroups = 1
	PermissionExchangeUsers         PermissionGroups = 2
	PermissionExchangeServers       PermissionGroups = 4
	PermissionExchangeLegacyServers PermissionGroups = 8
	PermissionPartners              PermissionGroups = 16 // [INFER] docs/exchange.md "Flag enums"
	PermissionCustom                PermissionGroups = 32 // [INFER] docs/exchange.md "Flag enums"
)

var permissionGroupsSpec = flagSpec{
	kind:  "permission group",
	names: []string{"AnonymousUsers", "ExchangeUsers", "ExchangeServers", "ExchangeLegacyServers", "Partners", "Custom"},
}

// ParsePermissionGroups reads `AnonymousUsers, ExchangeServers`, `None` or an
// integer such as `13`, with names in any case and order.
func ParsePermissionGroups(s string) (PermissionGroups, error) {
	v, err := permissionGroupsSpec.parse(s)
	return PermissionGroups(v), err
}

// ParsePermissionGroupsList reads a list of names such as [AnonymousUsers,
// Partners].
func ParsePermissionGroupsList(names []string) (PermissionGroups, error) {
	v, err := permissionGroupsSpec.parseList(names)
	return PermissionGroups(v), err
}

// String returns the set as Exchange prints it, ascending numeric order.
func (p PermissionGroups) String() string { return permissionGroupsSpec.format(uint32(p)) }

// Slice returns the names in ascending numeric order; ["None"] for none.
func (p PermissionGroups) Slice() []string { return permissionGroupsSpec.slice(uint32(p)) }

// Has reports whether every flag of f is set.
func (p PermissionGroups) Has(f PermissionGroups) bool { return p&f == f }

// With returns p with the flags of f set.
func (p PermissionGroups) With(f PermissionGroups) PermissionGroups { return p | f }

// Without returns p with the flags of f cleared.
func (p PermissionGroups) Without(f PermissionGroups) PermissionGroups { return p &^ f }

// MarshalJSON encodes the set as a list of names, the manifest form.
func (p PermissionGroups) MarshalJSON() ([]byte, error) { return json.Marshal(p.Slice()) }

// UnmarshalJSON decodes a list of names, a joined string or an integer.
func (p *PermissionGroups) UnmarshalJSON(data []byte) error {
	v, err := permissionGroupsSpec.unmarshal(data)
	if err != nil {
		return err
	}
	*p = PermissionGroups(v)
	return nil
}

// AllowedServices is the Services flag set of an Exchange certificate. The
// order is the [NONMS] decompiled enum (docs/exchange.md "Flag enums"); the numeric values
// are NOT verified against a server, only consistent with the printed order
// `IMAP, POP, IIS, SMTP`.
type AllowedServices uint32

// AllowedServices values (unverified numbers, see AllowedServices).
const (
	ServiceNone         AllowedServices = 0
	ServiceIMAP         AllowedServices = 1
	ServicePOP          AllowedServices = 2
	ServiceUM           AllowedServices = 4
	ServiceIIS          AllowedServices = 8
	ServiceSMTP         AllowedServices = 16
	ServiceFederation   AllowedServices = 32
	ServiceUMCallRouter AllowedServices = 64
)

var allowedServicesSpec = flagSpec{
	kind:  "certificate service",
	names: []string{"IMAP", "POP", "UM", "IIS", "SMTP", "Federation", "UMCallRouter"},
}

// ParseAllowedServices reads `IMAP, POP, IIS, SMTP`, `None` or an integer,
// with names in any case and order (`smtp` as in seed 003).
func ParseAllowedServices(s string) (AllowedServices, error) {
	v, err := allowedServicesSpec.parse(s)
	return AllowedServices(v), err
}

// ParseAllowedServicesList reads a list of names such as [SMTP].
func ParseAllowedServicesList(names []string) (AllowedServices, error) {
	v, err := allowedServicesSpec.parseList(names)
	return AllowedServices(v), err
}

// String returns the set as Exchange prints it: `IMAP, POP, IIS, SMTP`.
func (s AllowedServices) String() string { return allowedServicesSpec.format(uint32(s)) }

// Slice returns the names in ascending numeric order; ["None"] for none.
func (s AllowedServices) Slice() []string { return allowedServicesSpec.slice(uint32(s)) }

// Has reports whether every flag of f is set.
func (s AllowedServices) Has(f AllowedServices) bool { return s&f == f }

// With returns s with the flags of f set.
func (s AllowedServices) With(f AllowedServices) AllowedServices { return s | f }

// Without returns s with the flags of f cleared.
func (s AllowedServices) Without(f AllowedServices) AllowedServices { return s &^ f }

// MarshalJSON encodes the set as a list of names, the manifest form.
func (s AllowedServices) MarshalJSON() ([]byte, error) { return json.Marshal(s.Slice()) }

// UnmarshalJSON decodes a list of names, a joined string or an integer.
func (s *AllowedServices) UnmarshalJSON(data []byte) error {
	v, err := allowedServicesSpec.unmarshal(data)
	if err != nil {
		return err
	}
	*s = AllowedServices(v)
	return nil
}
