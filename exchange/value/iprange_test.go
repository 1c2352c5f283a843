package value

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// allIPv6 is the IPv6 half of the default RemoteIPRanges.
const allIPv6 = "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"

func TestParseIPRange(t *testing.T) {
	cases := map[string]struct {
		reason     string
		in         string
		start, end string
		wantString string
		wantErr    string
	}{
		"Single": {
			reason: "a single address", in: "192.168.1.1",
			start: "192.168.1.1", end: "192.168.1.1", wantString: "192.168.1.1",
		},
		"SingleZone": {
			reason: "the reference example keeps a zone; it is dropped for comparison", in: "fe80::39bd:88f7:6969:d223%11",
			start: "fe80::39bd:88f7:6969:d223", end: "fe80::39bd:88f7:6969:d223", wantString: "fe80::39bd:88f7:6969:d223",
		},
		"Seed001Range": {
			reason: "seed 001 writes a one-address range `191.121.0.200-191.121.0.200`", in: "191.121.0.200-191.121.0.200",
			start: "191.121.0.200", end: "191.121.0.200", wantString: "191.121.0.200",
		},
		"Range": {
			reason: "a range a-b", in: "192.168.1.1-192.168.1.254",
			start: "192.168.1.1", end: "192.168.1.254", wantString: "192.168.1.1-192.168.1.254",
		},
		"DefaultIPv4": {
			reason: "the default range prints `0.0.0.0-255.255.255.255`", in: "0.0.0.0-255.255.255.255",
			start: "0.0.0.0", end: "255.255.255.255", wantString: "0.0.0.0-255.255.255.255",
		},
		"DefaultIPv6": {
			reason: "the default IPv6 range prints `::-ffff:…:ffff`", in: allIPv6,
			start: "::", end: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", wantString: allIPv6,
		},
		"CIDRHostBits": {
			reason: "the reference example `192.168.1.1/24` has host bits, which Exchange accepts; it prints as CIDR, as written", in: "192.168.1.1/24",
			start: "192.168.1.0", end: "192.168.1.255", wantString: "192.168.1.0/24",
		},
		"CIDRIPv6": {
			reason: "the reference example `2001:0DB8::CD3/60`", in: "2001:0DB8::CD3/60",
			start: "2001:db8::", end: "2001:db8:0:f:ffff:ffff:ffff:ffff", wantString: "2001:db8::/60",
		},
		"CIDR32": {
			reason: "a /32 is a single address, printed as written", in: "10.1.1.1/32",
			start: "10.1.1.1", end: "10.1.1.1", wantString: "10.1.1.1/32",
		},
		"CIDR0": {
			reason: "/0 is every address", in: "10.1.1.1/0",
			start: "0.0.0.0", end: "255.255.255.255", wantString: "0.0.0.0/0",
		},
		"Spaces": {
			reason: "spaces around the dash", in: " 10.0.0.1 - 10.0.0.9 ",
			start: "10.0.0.1", end: "10.0.0.9", wantString: "10.0.0.1-10.0.0.9",
		},
		"Reversed":    {reason: "start after end", in: "10.0.0.9-10.0.0.1", wantErr: `invalid IP range "10.0.0.9-10.0.0.1": the start address is after the end address`},
		"MixedFamily": {reason: "one family per range", in: "0.0.0.0-::1", wantErr: `both ends must be IPv4 or both IPv6`},
		"PrefixLong":  {reason: "/33 is beyond IPv4", in: "10.0.0.0/33", wantErr: `prefix length "33" must be a number from 0 to 32`},
		"PrefixSign":  {reason: "not a number", in: "10.0.0.0/+8", wantErr: `prefix length "+8" must be a number`},
		"MaskForm":    {reason: "dotted masks are not a documented form", in: "10.0.0.0/255.0.0.0", wantErr: `prefix length "255.0.0.0"`},
		"HostName":    {reason: "names are not ranges", in: "mail.contoso.com", wantErr: `invalid IP range "mail.contoso.com": "mail.contoso.com" is not an IP address; want an address, a range a-b or CIDR a/n`},
		"Empty":       {reason: "empty", in: "", wantErr: `is not an IP address`},
		"BadEnd":      {reason: "the end must parse too", in: "10.0.0.1-10.0.0.256", wantErr: `"10.0.0.256" is not an IP address`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseIPRange(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nParseIPRange(%q): want error containing %q, got %v", tc.reason, tc.in, tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nParseIPRange(%q): %v", tc.reason, tc.in, err)
			}
			want := IPRange{Start: netip.MustParseAddr(tc.start), End: netip.MustParseAddr(tc.end)}
			if !got.Equal(want) {
				t.Errorf("%s\nParseIPRange(%q) = %v, want %v", tc.reason, tc.in, got, want)
			}
			if got.String() != tc.wantString {
				t.Errorf("%s\nString() = %q, want %q", tc.reason, got.String(), tc.wantString)
			}
			if back, err := ParseIPRange(got.String()); err != nil || !back.Equal(got) || back.String() != got.String() {
				t.Errorf("%s\nround trip via %q: %v, %v", tc.reason, got.String(), back, err)
			}
		})
	}
}

func mustRange(t testing.TB, s string) IPRange {
	t.Helper()
	r, err := ParseIPRange(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestIPRangeRelations(t *testing.T) {
	cases := map[string]struct {
		reason                    string
		a, b                      string
		equal, contains, overlaps bool
	}{
		"CIDRVsRange":      {reason: "the same addresses written two ways", a: "10.0.0.0/30", b: "10.0.0.0-10.0.0.3", equal: true, contains: true, overlaps: true},
		"SingleVsRange":    {reason: "seed 001's one-address range equals the address", a: "191.121.0.200", b: "191.121.0.200-191.121.0.200", equal: true, contains: true, overlaps: true},
		"AllContainsOne":   {reason: "the default range contains a partner address", a: "0.0.0.0-255.255.255.255", b: "76.75.133.96", contains: true, overlaps: true},
		"OneInAll":         {reason: "containment is one way", a: "76.75.133.96", b: "0.0.0.0-255.255.255.255", overlaps: true},
		"PartialOverlap":   {reason: "Exchange rejects this overlap on a shared binding", a: "10.0.0.0-10.0.0.10", b: "10.0.0.5-10.0.0.20", overlaps: true},
		"Adjacent":         {reason: "adjacent ranges do not overlap", a: "10.0.0.0-10.0.0.4", b: "10.0.0.5-10.0.0.20"},
		"OtherFamily":      {reason: "IPv4 and IPv6 never overlap", a: "0.0.0.0-255.255.255.255", b: allIPv6},
		"IPv6AllContains":  {reason: "the IPv6 default contains a link-local address", a: allIPv6, b: "fe80::39bd:88f7:6969:d223%11", contains: true, overlaps: true},
		"HostBitsSameMean": {reason: "host bits are cleared", a: "192.168.1.1/24", b: "192.168.1.0/24", equal: true, contains: true, overlaps: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a, b := mustRange(t, tc.a), mustRange(t, tc.b)
			if got := a.Equal(b); got != tc.equal {
				t.Errorf("%s\nEqual = %v, want %v", tc.reason, got, tc.equal)
			}
			if got := a.Contains(b); got != tc.contains {
				t.Errorf("%s\nContains = %v, want %v", tc.reason, got, tc.contains)
			}
			if got := a.Overlaps(b); got != tc.overlaps {
				t.Errorf("%s\nOverlaps = %v, want %v", tc.reason, got, tc.overlaps)
			}
			if got := b.Overlaps(a); got != tc.overlaps {
				t.Errorf("%s\nOverlaps is not symmetric", tc.reason)
			}
		})
	}
}

func TestIPRangePrefix(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/30":             "10.0.0.0/30",
		"0.0.0.0-255.255.255.255": "0.0.0.0/0",
		allIPv6:                   "::/0",
		"10.0.0.1":                "10.0.0.1/32",
		"10.0.0.1-10.0.0.2":       "",
	} {
		p, ok := mustRange(t, in).Prefix()
		got := ""
		if ok {
			got = p.String()
		}
		if got != want {
			t.Errorf("Prefix(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIPRangeSet(t *testing.T) {
	parse := func(s string) IPRangeSet {
		set, err := ParseIPRangeSet(s)
		if err != nil {
			t.Fatal(err)
		}
		return set
	}
	defaults := "{::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, 0.0.0.0-255.255.255.255}"
	cases := map[string]struct {
		reason    string
		a, b      string
		equal     bool
		sameAddrs bool
	}{
		"DefaultOrder":      {reason: "the 2013+ default printed vs a manifest listing IPv4 first", a: defaults, b: "0.0.0.0/0, ::/0", equal: true, sameAddrs: true},
		"EdgeDefault":       {reason: "the Edge default `{0.0.0.0-255.255.255.255}` lacks IPv6", a: "{0.0.0.0-255.255.255.255}", b: defaults},
		"Seed000Partners":   {reason: "the four ONE Mail addresses in another order", a: "{76.75.133.96, 76.75.164.96, 76.75.149.54, 76.75.177.138}", b: "76.75.177.138,76.75.149.54,76.75.164.96,76.75.133.96", equal: true, sameAddrs: true},
		"Duplicates":        {reason: "duplicates do not change a set", a: "10.0.0.1, 10.0.0.1-10.0.0.1", b: "10.0.0.1", equal: true, sameAddrs: true},
		"SplitVsWhole":      {reason: "two entries are not one entry for the reconciler, though they let in the same addresses", a: "10.0.0.0, 10.0.0.1", b: "10.0.0.0/31", sameAddrs: true},
		"OverlappingMerged": {reason: "overlapping entries merge for coverage", a: "10.0.0.0-10.0.0.10, 10.0.0.5-10.0.0.20", b: "10.0.0.0-10.0.0.20", sameAddrs: true},
		"Empty":             {reason: "`{}` is the empty set", a: "{}", b: "", equal: true, sameAddrs: true},
		"EmptyVsAll":        {reason: "empty is not everything", a: "{}", b: "0.0.0.0/0"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a, b := parse(tc.a), parse(tc.b)
			if got := a.Equal(b); got != tc.equal {
				t.Errorf("%s\nEqual = %v, want %v", tc.reason, got, tc.equal)
			}
			if got := a.SameAddresses(b); got != tc.sameAddrs {
				t.Errorf("%s\nSameAddresses = %v, want %v (merged %v vs %v)", tc.reason, got, tc.sameAddrs, a.Merged(), b.Merged())
			}
		})
	}
	set := parse(defaults)
	if got := set.String(); got != defaults {
		t.Errorf("String() = %q, want %q", got, defaults)
	}
	if !set.Contains(netip.MustParseAddr("76.75.133.96")) || parse("{10.0.0.0/8}").Contains(netip.MustParseAddr("11.0.0.1")) {
		t.Error("IPRangeSet.Contains wrong")
	}
	if _, err := ParseIPRangeSet("{10.0.0.1, nope}"); err == nil || !strings.Contains(err.Error(), `"nope" is not an IP address`) {
		t.Errorf("ParseIPRangeSet with a bad item: %v", err)
	}
}

func TestIPRangeMerged(t *testing.T) {
	set, err := ParseIPRangeSet("10.0.0.5-10.0.0.9, ::1, 10.0.0.0-10.0.0.4, 255.255.255.255, 10.0.0.7, ::2")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range set.Merged() {
		got = append(got, r.String())
	}
	want := []string{"10.0.0.0-10.0.0.9", "255.255.255.255", "::1-::2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Merged: -want, +got:\n%s", diff)
	}
}

func TestIPRangeJSON(t *testing.T) {
	var got struct{ RemoteIPRanges IPRangeSet }
	if err := json.Unmarshal([]byte(`{"RemoteIPRanges":["192.168.1.1/24","fe80::1%11"]}`), &got); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(got)
	if diff := cmp.Diff(`{"RemoteIPRanges":["192.168.1.0/24","fe80::1"]}`, string(out)); diff != "" {
		t.Errorf("JSON: -want, +got:\n%s", diff)
	}
}

func FuzzParseIPRange(f *testing.F) {
	for _, s := range []string{"192.168.1.1", "fe80::39bd:88f7:6969:d223%11", "192.168.1.1-192.168.1.254", "192.168.1.1/24", "2001:0DB8::CD3/60", allIPv6, "::ffff:1.2.3.4/100"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseIPRange(s)
		if err != nil {
			return
		}
		if r.End.Less(r.Start) || r.Start.Is4() != r.End.Is4() || r.Start.Zone() != "" {
			t.Fatalf("ParseIPRange(%q) = %v: bounds out of order or mixed", s, r)
		}
		back, err := ParseIPRange(r.String())
		if err != nil || !back.Equal(r) || back.String() != r.String() {
			t.Fatalf("round trip of %q: %v -> %q -> %v, %v", s, r, r.String(), back, err)
		}
		if p, ok := r.Prefix(); ok {
			if back, err := ParseIPRange(p.String()); err != nil || !back.Equal(r) {
				t.Fatalf("Prefix of %v is %v, which parses to %v, %v", r, p, back, err)
			}
		}
	})
}
