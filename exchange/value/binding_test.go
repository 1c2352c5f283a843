package value

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseIPBinding(t *testing.T) {
	cases := map[string]struct {
		reason  string
		in      string
		want    string // String() of the result
		wantErr string
	}{
		"AllIPv4":   {reason: "the default bindings print `0.0.0.0:25`", in: "0.0.0.0:25", want: "0.0.0.0:25"},
		"AllIPv6":   {reason: "the default bindings print `[::]:25`", in: "[::]:25", want: "[::]:25"},
		"Seed001":   {reason: "seed 001 binds partner connectors to port 26", in: "191.121.0.200:26", want: "191.121.0.200:26"},
		"HubPort":   {reason: "Default S prints `0.0.0.0:2525`", in: " 0.0.0.0:2525 ", want: "0.0.0.0:2525"},
		"LinkLocal": {reason: "an IPv6 address prints in RFC 5952 form", in: "[FE80:0::1]:25", want: "[fe80::1]:25"},
		"NoPort": {
			reason:  "Exchange has no default port",
			in:      "10.0.0.1",
			wantErr: `invalid binding "10.0.0.1": want IPv4:port or [IPv6]:port, such as 0.0.0.0:25 or [::]:25`,
		},
		"PortZero": {
			reason:  "port 0 is not a listening port",
			in:      "0.0.0.0:0",
			wantErr: `invalid binding "0.0.0.0:0": port "0" must be a number from 1 to 65535`,
		},
		"PortTooBig": {
			reason:  "ports are 16 bits",
			in:      "0.0.0.0:65536",
			wantErr: `port "65536" must be a number from 1 to 65535`,
		},
		"PortSign": {
			reason:  "a sign is not a port",
			in:      "0.0.0.0:+25",
			wantErr: `port "+25" must be a number`,
		},
		"IPv6NoBrackets": {
			reason:  "the port would be ambiguous",
			in:      "fe80::1:25",
			wantErr: `write an IPv6 address in brackets, such as [::]:25`,
		},
		"IPv4Brackets": {
			reason:  "brackets are for IPv6 only",
			in:      "[10.0.0.1]:25",
			wantErr: `brackets are only for IPv6 addresses`,
		},
		"Zone": {
			reason:  "a binding is a local address, not a scoped one",
			in:      "[fe80::1%11]:25",
			wantErr: `an IPv6 zone is not allowed in a binding`,
		},
		"HostName": {
			reason:  "bindings take addresses, not names",
			in:      "mail.contoso.com:25",
			wantErr: `"mail.contoso.com" is not an IP address`,
		},
		"Unbalanced": {
			reason:  "a missing bracket is a typo",
			in:      "[::1:25",
			wantErr: `unbalanced brackets`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseIPBinding(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nParseIPBinding(%q): want error containing %q, got %v", tc.reason, tc.in, tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nParseIPBinding(%q): %v", tc.reason, tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got.String()); diff != "" {
				t.Errorf("%s\nParseIPBinding(%q).String(): -want, +got:\n%s", tc.reason, tc.in, diff)
			}
		})
	}
}

func TestIPBindingSetFromExchange(t *testing.T) {
	parse := func(s string) []IPBinding {
		var out []IPBinding
		for _, item := range SplitMultiValued(s) {
			b, err := ParseIPBinding(item)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		return out
	}
	cases := map[string]struct {
		reason string
		a, b   string
		want   bool
	}{
		"OrderIgnored":  {reason: "Default S prints `{0.0.0.0:2525, [::]:2525}`, the others `{[::]:N, 0.0.0.0:N}`", a: "{0.0.0.0:2525, [::]:2525}", b: "[::]:2525,0.0.0.0:2525", want: true},
		"Seed001":       {reason: "seed 001 prints `{191.121.0.200:26}` for the manifest's 191.121.0.200:26", a: "{191.121.0.200:26}", b: "191.121.0.200:26", want: true},
		"MissingIPv6":   {reason: "dropping the IPv6 binding is drift", a: "{[::]:25, 0.0.0.0:25}", b: "0.0.0.0:25", want: false},
		"DifferentPort": {reason: "seed 001 moved the connector from 25 to 26", a: "{191.121.0.200:25}", b: "{191.121.0.200:26}", want: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := EqualSets(parse(tc.a), parse(tc.b)); got != tc.want {
				t.Errorf("%s\nEqualSets(%q, %q) = %v, want %v", tc.reason, tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestIPBindingConflicts(t *testing.T) {
	b := func(s string) IPBinding {
		v, err := ParseIPBinding(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := map[string]struct {
		reason string
		a, b   string
		want   bool
	}{
		"Same":         {reason: "the same socket", a: "10.0.0.1:25", b: "10.0.0.1:25", want: true},
		"AnyCoversOne": {reason: "0.0.0.0 listens on 10.0.0.1 too", a: "0.0.0.0:25", b: "10.0.0.1:25", want: true},
		"OtherPort":    {reason: "different ports do not clash", a: "0.0.0.0:25", b: "10.0.0.1:26", want: false},
		"OtherFamily":  {reason: "0.0.0.0 does not cover IPv6", a: "0.0.0.0:25", b: "[::]:25", want: false},
		"TwoAddresses": {reason: "two specific addresses do not clash", a: "10.0.0.1:25", b: "10.0.0.2:25", want: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := b(tc.a).Conflicts(b(tc.b)); got != tc.want {
				t.Errorf("%s\n%s.Conflicts(%s) = %v, want %v", tc.reason, tc.a, tc.b, got, tc.want)
			}
		})
	}
	if !b("[::]:25").IsAnyAddress() || b("10.0.0.1:25").IsAnyAddress() {
		t.Error("IsAnyAddress wrong")
	}
}

func TestIPBindingJSON(t *testing.T) {
	in := []IPBinding{{IP: netip.MustParseAddr("::"), Port: 25}, {IP: netip.MustParseAddr("0.0.0.0"), Port: 25}}
	out, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(`["[::]:25","0.0.0.0:25"]`, string(out)); diff != "" {
		t.Errorf("Marshal: -want, +got:\n%s", diff)
	}
	var back []IPBinding
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if !EqualSets(in, back) {
		t.Errorf("JSON round trip: got %v", back)
	}
}

func FuzzParseIPBinding(f *testing.F) {
	for _, s := range []string{"0.0.0.0:25", "[::]:25", "191.121.0.200:26", "[fe80::1]:25", "[::ffff:1.2.3.4]:1", "1:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseIPBinding(s)
		if err != nil {
			return
		}
		back, err := ParseIPBinding(b.String())
		if err != nil || back != b {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v, %v", s, b, b.String(), back, err)
		}
	})
}
