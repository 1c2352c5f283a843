package value

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// IPRange is one entry of a Receive connector's RemoteIPRanges: the
// addresses from Start to End inclusive, both of the same family. Whatever
// form it was written in (single address, `a-b` or CIDR), the range is kept
// as its bounds, so `10.0.0.0/30` and `10.0.0.0-10.0.0.3` are the same value.
type IPRange struct {
	Start, End netip.Addr
	// prefix is 1 + the prefix length of a range written in CIDR form
	// (0: not CIDR), so that it prints as written; it takes no part in
	// comparisons.
	prefix uint8
}

// ParseIPRange reads a remote IP range in every form Exchange accepts:
// a single address (`192.168.1.1`, or `fe80::39bd:88f7:6969:d223%11` — the
// zone is accepted and dropped, because a range is compared by address),
// a range `192.168.1.1-192.168.1.254`, or CIDR `192.168.1.1/24` or
// `2001:0DB8::CD3/60` (host bits are allowed and cleared, as Exchange does).
func ParseIPRange(s string) (IPRange, error) {
	in := s
	s = strings.TrimSpace(s)
	if addr, bits, ok := strings.Cut(s, "/"); ok {
		ip, err := parseRangeAddr(addr)
		if err != nil {
			return IPRange{}, fmt.Errorf("invalid IP range %q: %w", in, err)
		}
		n, ok := parsePrefixLen(bits, ip.BitLen())
		if !ok {
			return IPRange{}, fmt.Errorf("invalid IP range %q: prefix length %q must be a number from 0 to %d", in, bits, ip.BitLen())
		}
		p := netip.PrefixFrom(ip, n).Masked()
		return IPRange{Start: p.Addr(), End: lastAddr(p), prefix: uint8(n + 1)}, nil
	}
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		start, err := parseRangeAddr(lo)
		if err != nil {
			return IPRange{}, fmt.Errorf("invalid IP range %q: %w", in, err)
		}
		end, err := parseRangeAddr(hi)
		if err != nil {
			return IPRange{}, fmt.Errorf("invalid IP range %q: %w", in, err)
		}
		if start.Is4() != end.Is4() {
			return IPRange{}, fmt.Errorf("invalid IP range %q: both ends must be IPv4 or both IPv6", in)
		}
		if end.Less(start) {
			return IPRange{}, fmt.Errorf("invalid IP range %q: the start address is after the end address", in)
		}
		return IPRange{Start: start, End: end}, nil
	}
	ip, err := parseRangeAddr(s)
	if err != nil {
		return IPRange{}, fmt.Errorf("invalid IP range %q: %w; want an address, a range a-b or CIDR a/n", in, err)
	}
	return IPRange{Start: ip, End: ip}, nil
}

func parseRangeAddr(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address", s)
	}
	return ip.WithZone(""), nil
}

func parsePrefixLen(s string, max int) (int, bool) {
	s = strings.TrimSpace(s)
	if !isDigits(s) || len(s) > 3 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n, n <= max
}

// lastAddr returns the highest address of the masked prefix p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// String returns the range as Exchange input and as it was written: CIDR
// as `address/length` (host bits cleared), otherwise a single address when
// Start equals End, else `start-end` (as Exchange prints the defaults:
// `0.0.0.0-255.255.255.255`, `::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff`).
// Exchange accepts every form, and ranges compare by their addresses only.
func (r IPRange) String() string {
	switch {
	case !r.Start.IsValid():
		return "" // the zero IPRange, not a range
	case r.prefix > 0:
		return fmt.Sprintf("%s/%d", r.Start, r.prefix-1)
	case r.Start == r.End:
		return r.Start.String()
	}
	return r.Start.String() + "-" + r.End.String()
}

// Equal reports whether r and o hold exactly the same addresses, whatever
// form each was written in.
func (r IPRange) Equal(o IPRange) bool { return r.Start == o.Start && r.End == o.End }

// Contains reports whether every address of o is in r.
func (r IPRange) Contains(o IPRange) bool {
	return r.Start.Is4() == o.Start.Is4() && r.Start.Compare(o.Start) <= 0 && o.End.Compare(r.End) <= 0
}

// ContainsAddr reports whether ip is in r; a zone on ip is ignored.
func (r IPRange) ContainsAddr(ip netip.Addr) bool {
	ip = ip.WithZone("")
	return r.Start.Is4() == ip.Is4() && r.Start.Compare(ip) <= 0 && ip.Compare(r.End) <= 0
}

// Overlaps reports whether r and o share at least one address. Exchange
// allows overlapping RemoteIPRanges on connectors sharing a binding only when
// one contains the other.
func (r IPRange) Overlaps(o IPRange) bool {
	return r.Start.Is4() == o.Start.Is4() && r.Start.Compare(o.End) <= 0 && o.Start.Compare(r.End) <= 0
}

// Prefix returns the CIDR prefix equal to r, if r is exactly one prefix.
func (r IPRange) Prefix() (netip.Prefix, bool) {
	for bits := 0; bits <= r.Start.BitLen(); bits++ {
		p := netip.PrefixFrom(r.Start, bits)
		if p.Masked().Addr() == r.Start && lastAddr(p.Masked()) == r.End {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// MarshalJSON encodes the range as its String form.
func (r IPRange) MarshalJSON() ([]byte, error) { return marshalString(r.String()) }

// UnmarshalJSON decodes a range from a JSON string in any form ParseIPRange
// accepts.
func (r *IPRange) UnmarshalJSON(data []byte) error {
	s, err := unmarshalString(data, "IP range")
	if err != nil {
		return err
	}
	v, err := ParseIPRange(s)
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// IPRangeSet is the value of RemoteIPRanges: a set of ranges whose order
// Exchange does not keep.
type IPRangeSet []IPRange

// ParseIPRangeSet reads ranges as Exchange prints them (`{::-ffff:…:ffff,
// 0.0.0.0-255.255.255.255}`), as comma-separated input, or `{}` for none.
func ParseIPRangeSet(s string) (IPRangeSet, error) {
	return ParseList(s, ParseIPRange)
}

// String prints the set as Exchange prints a multi-valued property.
func (s IPRangeSet) String() string {
	items := make([]string, len(s))
	for i, r := range s {
		items[i] = r.String()
	}
	return JoinMultiValued(items)
}

// Equal reports whether s and o hold the same ranges, each compared by
// meaning, ignoring order and duplicates. This is the comparison the
// reconciler uses for drift: `{10.0.0.0/31}` equals `{10.0.0.0-10.0.0.1}`,
// but `{10.0.0.0, 10.0.0.1}` does not, because Exchange stores and prints
// them as two entries.
func (s IPRangeSet) Equal(o IPRangeSet) bool { return EqualSets(s, o) }

// SameAddresses reports whether s and o let in exactly the same addresses,
// however the ranges are split: `{10.0.0.0, 10.0.0.1}` has the same addresses
// as `{10.0.0.0/31}`. Use it to explain a difference, not to detect drift.
func (s IPRangeSet) SameAddresses(o IPRangeSet) bool {
	return slices.Equal(s.Merged(), o.Merged())
}

// Contains reports whether ip is in one of the ranges.
func (s IPRangeSet) Contains(ip netip.Addr) bool {
	return slices.ContainsFunc(s, func(r IPRange) bool { return r.ContainsAddr(ip) })
}

// Merged returns the smallest sorted list of disjoint, non-adjacent ranges
// holding the same addresses as s.
func (s IPRangeSet) Merged() IPRangeSet {
	sorted := slices.Clone(s)
	slices.SortFunc(sorted, func(a, b IPRange) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return a.End.Compare(b.End)
	})
	var out IPRangeSet
	for _, r := range sorted {
		if n := len(out); n > 0 && out[n-1].Start.Is4() == r.Start.Is4() {
			last := &out[n-1]
			next := last.End.Next()
			if r.Start.Compare(last.End) <= 0 || next.IsValid() && next == r.Start {
				if last.End.Less(r.End) {
					last.End = r.End
				}
				continue
			}
		}
		// A merged range is a plain start-end range: the form it was
		// written in no longer describes it.
		out = append(out, IPRange{Start: r.Start, End: r.End})
	}
	return out
}
