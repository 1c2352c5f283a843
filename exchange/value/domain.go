package value

import (
	"fmt"
	"net/netip"
	"strings"
)

// maxDomainLength is the longest domain Exchange accepts ("a-z, 0-9, hyphen,
// ≤255 chars", docs/exchange.md "Domains, FQDNs, subject names"); a DNS label is at most 63 octets.
const (
	maxDomainLength = 255
	maxLabelLength  = 63
)

// ParseDomain checks that s is an SMTP domain without wildcard, as used in
// TLSSendDomainSecureList, TLSReceiveDomainSecureList and certificate domain
// names, and returns it trimmed with its case kept. Domains compare
// case-insensitively (use strings.EqualFold or EqualFoldSets).
func ParseDomain(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "*") {
		return "", fmt.Errorf("invalid domain %q: wildcards are not allowed here; write a domain such as contoso.com", s)
	}
	if err := checkDomain(s); err != nil {
		return "", fmt.Errorf("invalid domain %q: %w", s, err)
	}
	return s, nil
}

// ParseDomainWithSubdomains checks a domain that may carry Exchange's
// subdomain wildcard (type SmtpDomainWithSubdomains, used by TlsDomain and SMTP
// address spaces): `*` (every domain), `*.contoso.com` (contoso.com and all
// its subdomains) or a plain domain. `*contoso.com` is rejected, as Exchange
// rejects it.
func ParseDomainWithSubdomains(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "*" {
		return s, nil
	}
	rest, wild := strings.CutPrefix(s, "*.")
	if !wild && strings.Contains(s, "*") {
		return "", fmt.Errorf("invalid domain %q: a wildcard is allowed only as `*` or a leading `*.` (as in *.contoso.com)", s)
	}
	if err := checkDomain(rest); err != nil {
		return "", fmt.Errorf("invalid domain %q: %w", s, err)
	}
	return s, nil
}

// IsWildcardDomain reports whether s uses Exchange's wildcard: `*` or a
// leading `*.`. Wildcard domains are not allowed in the domain-secure lists
// nor with DomainSecureEnabled.
func IsWildcardDomain(s string) bool {
	s = strings.TrimSpace(s)
	return s == "*" || strings.HasPrefix(s, "*.")
}

// ParseFQDN checks a host name such as a connector Fqdn or a smart host name:
// domain syntax, and not an IP address (whose last label would be numeric),
// so that a mistyped address is not taken for a host.
func ParseFQDN(s string) (string, error) {
	s = strings.TrimSpace(s)
	if err := checkDomain(s); err != nil {
		return "", fmt.Errorf("invalid host name %q: %w", s, err)
	}
	last := s[strings.LastIndexByte(s, '.')+1:]
	if strings.Trim(last, "0123456789") == "" {
		return "", fmt.Errorf("invalid host name %q: the last label is numeric; write an IP address as a literal such as 10.1.1.1", s)
	}
	return s, nil
}

// checkDomain checks the plain syntax shared by every domain: labels of
// letters, digits and hyphens separated by single dots. Hyphens are allowed
// anywhere in a label because Exchange's own check (a-z, 0-9, hyphen) does not
// restrict their position, and a stricter check here would make observed
// values unreadable.
func checkDomain(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty; write a domain such as contoso.com")
	case len(s) > maxDomainLength:
		return fmt.Errorf("longer than %d characters", maxDomainLength)
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" {
			return fmt.Errorf("empty label (leading, trailing or double dot)")
		}
		if len(label) > maxLabelLength {
			return fmt.Errorf("label %q is longer than %d characters", label, maxLabelLength)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("character %q not allowed; use letters a-z, digits, hyphens and dots", r)
			}
		}
	}
	return nil
}

// SmartHost is one entry of a Send connector's SmartHosts: either a host name
// (FQDN, resolved by the source server) or a literal IP address. Exactly one
// of Host and IP is set.
type SmartHost struct {
	Host string
	IP   netip.Addr
}

// allMailboxServers is the smart host that means "all Mailbox servers in the
// site" on the Edge inbound connector (EXDOC edge-subscriptions).
const allMailboxServers = "--"

// ParseSmartHost reads a smart host: a host name (`smtp.contoso.com`), an IP
// literal as written on input (`10.1.1.1`) or as Exchange prints it
// (`[10.1.1.1]`, seed 000), or `--` (Edge only).
func ParseSmartHost(s string) (SmartHost, error) {
	s = strings.TrimSpace(s)
	if s == allMailboxServers {
		return SmartHost{Host: s}, nil
	}
	lit := s
	if inner, ok := strings.CutPrefix(s, "["); ok {
		if inner, ok = strings.CutSuffix(inner, "]"); !ok {
			return SmartHost{}, fmt.Errorf("invalid smart host %q: missing ]", s)
		}
		lit = inner
	}
	if ip, err := netip.ParseAddr(lit); err == nil {
		if ip.Zone() != "" {
			return SmartHost{}, fmt.Errorf("invalid smart host %q: an IPv6 zone is not allowed", s)
		}
		return SmartHost{IP: ip}, nil
	} else if lit != s {
		return SmartHost{}, fmt.Errorf("invalid smart host %q: brackets must hold an IP address", s)
	}
	host, err := ParseFQDN(s)
	if err != nil {
		return SmartHost{}, fmt.Errorf("invalid smart host %q: want a host name such as smtp.contoso.com or an IP address such as 10.1.1.1", s)
	}
	return SmartHost{Host: host}, nil
}

// String returns the smart host as cmdlet input: the host name or the bare IP
// address, the form the SmartHosts reference documents.
func (h SmartHost) String() string {
	if h.IP.IsValid() {
		return h.IP.String()
	}
	return h.Host
}

// Display returns the smart host as Exchange prints it: IP literals in
// brackets (`[142.46.226.22]`), host names as they are.
func (h SmartHost) Display() string {
	if h.IP.IsValid() {
		return "[" + h.IP.String() + "]"
	}
	return h.Host
}

// IsIP reports whether the smart host is an IP literal.
func (h SmartHost) IsIP() bool { return h.IP.IsValid() }

// AllMailboxServers reports whether the smart host is `--`, which only the
// Edge inbound connector may use.
func (h SmartHost) AllMailboxServers() bool { return h.Host == allMailboxServers }

// Equal reports whether h and o name the same smart host; host names compare
// case-insensitively.
func (h SmartHost) Equal(o SmartHost) bool {
	return h.IP == o.IP && strings.EqualFold(h.Host, o.Host)
}

// MarshalJSON encodes the smart host as its String form.
func (h SmartHost) MarshalJSON() ([]byte, error) { return marshalString(h.String()) }

// UnmarshalJSON decodes a smart host from a JSON string.
func (h *SmartHost) UnmarshalJSON(data []byte) error {
	s, err := unmarshalString(data, "smart host")
	if err != nil {
		return err
	}
	v, err := ParseSmartHost(s)
	if err != nil {
		return err
	}
	*h = v
	return nil
}
