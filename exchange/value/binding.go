package value

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// IPBinding is one entry of a Receive connector's Bindings: a local IP
// address (0.0.0.0 for all IPv4 addresses, :: for all IPv6 addresses) and a
// TCP port.
type IPBinding struct {
	IP   netip.Addr
	Port uint16
}

// ParseIPBinding reads `IPv4:port` or `[IPv6]:port` as Exchange accepts and
// prints them: `0.0.0.0:25`, `191.121.0.200:26`, `[::]:25`,
// `[fe80::1]:25`. The port must be given (Exchange has no default) and be
// 1-65535; an IPv6 zone is rejected because a binding names a local address.
func ParseIPBinding(s string) (IPBinding, error) {
	in := s
	s = strings.TrimSpace(s)
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return IPBinding{}, fmt.Errorf("invalid binding %q: want IPv4:port or [IPv6]:port, such as 0.0.0.0:25 or [::]:25", in)
	}
	host, portText := s[:i], s[i+1:]
	if strings.HasPrefix(host, "[") != strings.HasSuffix(host, "]") {
		return IPBinding{}, fmt.Errorf("invalid binding %q: unbalanced brackets around the IPv6 address", in)
	}
	bracketed := strings.HasPrefix(host, "[")
	if bracketed {
		host = host[1 : len(host)-1]
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return IPBinding{}, fmt.Errorf("invalid binding %q: %q is not an IP address; want IPv4:port or [IPv6]:port, such as 0.0.0.0:25 or [::]:25", in, host)
	}
	if ip.Zone() != "" {
		return IPBinding{}, fmt.Errorf("invalid binding %q: an IPv6 zone is not allowed in a binding", in)
	}
	if ip.Is6() && !bracketed {
		return IPBinding{}, fmt.Errorf("invalid binding %q: write an IPv6 address in brackets, such as [::]:25", in)
	}
	if ip.Is4() && bracketed {
		return IPBinding{}, fmt.Errorf("invalid binding %q: brackets are only for IPv6 addresses; write 0.0.0.0:25", in)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || port == 0 || !isDigits(portText) {
		return IPBinding{}, fmt.Errorf("invalid binding %q: port %q must be a number from 1 to 65535", in, portText)
	}
	return IPBinding{IP: ip, Port: uint16(port)}, nil
}

// String returns the binding as Exchange prints it and accepts it:
// `0.0.0.0:25`, `[::]:25`. IPv6 addresses are in their RFC 5952 form, which
// is what .NET's IPAddress prints (`[::]`, `[fe80::1]`).
func (b IPBinding) String() string {
	if !b.IP.IsValid() {
		return "" // the zero IPBinding, not a binding
	}
	return netip.AddrPortFrom(b.IP, b.Port).String()
}

// Equal reports whether b and o bind the same address and port.
func (b IPBinding) Equal(o IPBinding) bool { return b == o }

// IsAnyAddress reports whether the binding listens on every local address of
// its family (0.0.0.0 or [::]).
func (b IPBinding) IsAnyAddress() bool { return b.IP.IsUnspecified() }

// Conflicts reports whether b and o would listen on the same socket: same
// port and the same address, or one of them the any-address of the same
// family. Exchange requires such connectors to be told apart by their
// RemoteIPRanges.
func (b IPBinding) Conflicts(o IPBinding) bool {
	if b.Port != o.Port || b.IP.Is4() != o.IP.Is4() {
		return false
	}
	return b.IP == o.IP || b.IP.IsUnspecified() || o.IP.IsUnspecified()
}

// MarshalJSON encodes the binding as its String form.
func (b IPBinding) MarshalJSON() ([]byte, error) { return marshalString(b.String()) }

// UnmarshalJSON decodes a binding from a JSON string.
func (b *IPBinding) UnmarshalJSON(data []byte) error {
	s, err := unmarshalString(data, "binding")
	if err != nil {
		return err
	}
	v, err := ParseIPBinding(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}
