package value

import (
	"fmt"
	"strconv"
	"strings"
)

// Address space costs and type that Exchange applies when they are left out
// (`canoe.com` is `SMTP:canoe.com;1`).
const (
	DefaultAddressSpaceType = "SMTP"
	DefaultAddressSpaceCost = 1
	MinAddressSpaceCost     = 1
	MaxAddressSpaceCost     = 100
)

// allAcceptedDomains is the address space that means "all accepted domains";
// it is only meaningful on an Edge Send connector to the Mailbox servers.
const allAcceptedDomains = "--"

// wellKnownAddressTypes are printed in upper case whatever case they arrive
// in: Exchange 2010 prints `smtp:canoe.com;1` (seed 001) where 2019 prints
// `SMTP:*;1`. Other (custom) address types keep their case.
var wellKnownAddressTypes = []string{"SMTP", "X400", "X500", "EX"}

// AddressSpace is one entry of a Send connector's AddressSpaces: the address
// type, the address (a domain for SMTP) and the routing cost (lower wins).
type AddressSpace struct {
	Type   string
	Domain string
	Cost   int
}

// ParseAddressSpace reads `Type:address;cost` in every form Exchange accepts
// or prints: `canoe.com`, `canoe.com;20`, `SMTP:canoe.com`, `smtp:canoe.com;1`,
// `*`, `*.contoso.com`, `--`. Type defaults to SMTP and cost to 1. For SMTP the
// address must be a domain, `*`, `*.domain` or `--`; for other types
// (X400, ...) whose addresses have their own syntax and may hold `;` and `:`,
// only the cost suffix is interpreted.
func ParseAddressSpace(s string) (AddressSpace, error) {
	in := s
	s = strings.TrimSpace(s)
	as := AddressSpace{Type: DefaultAddressSpaceType, Cost: DefaultAddressSpaceCost}
	if typ, rest, ok := strings.Cut(s, ":"); ok && isAddressType(typ) {
		as.Type = canonicalAddressType(typ)
		s = rest
	}
	// The cost is the last `;` part, and only if it is a number: X400
	// addresses are themselves `;`-separated (c=US;a= ;p=Org;o=Exchange).
	if i := strings.LastIndexByte(s, ';'); i >= 0 {
		costText := strings.TrimSpace(s[i+1:])
		if isDigits(costText) || as.Type == DefaultAddressSpaceType {
			cost, err := strconv.Atoi(costText)
			if err != nil || cost < MinAddressSpaceCost || cost > MaxAddressSpaceCost {
				return AddressSpace{}, fmt.Errorf("invalid address space %q: cost %q must be a number from %d to %d", in, costText, MinAddressSpaceCost, MaxAddressSpaceCost)
			}
			as.Cost = cost
			s = s[:i]
		}
	}
	as.Domain = strings.TrimSpace(s)
	if as.Domain == "" {
		return AddressSpace{}, fmt.Errorf("invalid address space %q: empty address; write Type:address;cost such as SMTP:contoso.com;1", in)
	}
	if as.Type == DefaultAddressSpaceType && as.Domain != allAcceptedDomains {
		if _, err := ParseDomainWithSubdomains(as.Domain); err != nil {
			return AddressSpace{}, fmt.Errorf("invalid address space %q: an SMTP address space is a domain, `*`, `*.domain` or `--`: %w", in, err)
		}
	}
	return as, nil
}

// isAddressType reports whether s can be an address type prefix. A colon
// after something else (an IPv6-like or X400 address with no type) is left
// in the address.
func isAddressType(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func canonicalAddressType(s string) string {
	for _, t := range wellKnownAddressTypes {
		if strings.EqualFold(s, t) {
			return t
		}
	}
	return s
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// String returns the full form `SMTP:canoe.com;1`, which Exchange accepts as
// input (quoted, because of `:` and `;`) and prints the same way.
func (a AddressSpace) String() string {
	return a.Type + ":" + a.Domain + ";" + strconv.Itoa(a.Cost)
}

// Equal reports whether a and o are the same address space: type and
// address compare case-insensitively, the cost exactly.
func (a AddressSpace) Equal(o AddressSpace) bool {
	return strings.EqualFold(a.Type, o.Type) && strings.EqualFold(a.Domain, o.Domain) && a.Cost == o.Cost
}

// IsSMTP reports whether the address space is of type SMTP.
func (a AddressSpace) IsSMTP() bool { return strings.EqualFold(a.Type, DefaultAddressSpaceType) }

// IsWildcard reports whether the SMTP address space uses a wildcard (`*` or
// `*.domain`); such address spaces cannot be domain-secured.
func (a AddressSpace) IsWildcard() bool { return a.IsSMTP() && IsWildcardDomain(a.Domain) }

// AllAcceptedDomains reports whether the address space is `--`, which only an
// Edge Transport server's Send connector to the Mailbox servers may use.
func (a AddressSpace) AllAcceptedDomains() bool {
	return a.IsSMTP() && a.Domain == allAcceptedDomains
}

// Covers reports whether mail to domain is routed by this address space:
// `*` covers every domain, `*.contoso.com` covers contoso.com and all its
// subdomains, and `contoso.com` only itself. Non-SMTP address spaces and `--`
// (whose meaning depends on the accepted domains) cover nothing.
func (a AddressSpace) Covers(domain string) bool {
	if !a.IsSMTP() || a.AllAcceptedDomains() {
		return false
	}
	domain = strings.ToLower(strings.TrimSpace(domain))
	pattern := strings.ToLower(a.Domain)
	switch {
	case pattern == "*":
		return domain != ""
	case strings.HasPrefix(pattern, "*."):
		base := pattern[2:]
		return domain == base || strings.HasSuffix(domain, "."+base)
	default:
		return domain == pattern
	}
}

// MarshalJSON encodes the address space as its String form.
func (a AddressSpace) MarshalJSON() ([]byte, error) { return marshalString(a.String()) }

// UnmarshalJSON decodes an address space from a JSON string in any form
// ParseAddressSpace accepts.
func (a *AddressSpace) UnmarshalJSON(data []byte) error {
	s, err := unmarshalString(data, "address space")
	if err != nil {
		return err
	}
	v, err := ParseAddressSpace(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}
