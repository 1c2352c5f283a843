package value

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDomain(t *testing.T) {
	cases := map[string]struct {
		reason  string
		in      string
		want    string
		wantErr string
	}{
		"Seed001":      {reason: "seed 001 domain-secure list entry", in: "canoe.com", want: "canoe.com"},
		"Hyphen":       {reason: "hyphens are allowed", in: "one-mail.on.ca", want: "one-mail.on.ca"},
		"CaseKept":     {reason: "case is kept, compared with EqualFold", in: " Work.COM ", want: "Work.COM"},
		"SingleLabel":  {reason: "Exchange accepts single-label domains", in: "local", want: "local"},
		"Wildcard":     {reason: "the domain-secure lists allow no wildcards", in: "*.canoe.com", wantErr: `invalid domain "*.canoe.com": wildcards are not allowed here`},
		"Star":         {reason: "the domain-secure lists allow no wildcards", in: "*", wantErr: `wildcards are not allowed here`},
		"Underscore":   {reason: "a-z, 0-9 and hyphen only", in: "a_b.com", wantErr: `character '_' not allowed`},
		"Space":        {reason: "no spaces inside", in: "canoe com", wantErr: `character ' ' not allowed`},
		"TrailingDot":  {reason: "Exchange domains are written without the root dot", in: "canoe.com.", wantErr: `empty label`},
		"Empty":        {reason: "empty is not a domain", in: "", wantErr: `invalid domain "": empty; write a domain such as contoso.com`},
		"LongLabel":    {reason: "labels are 63 characters at most", in: strings.Repeat("a", 64) + ".com", wantErr: `is longer than 63 characters`},
		"TooLong":      {reason: "domains are 255 characters at most", in: strings.Repeat("abcdefgh.", 29) + "com", wantErr: `longer than 255 characters`},
		"NonASCII":     {reason: "internationalised names must be written in punycode", in: "bücher.de", wantErr: `character 'ü' not allowed`},
		"LabelMax":     {reason: "a 63-character label is fine", in: strings.Repeat("a", 63) + ".com", want: strings.Repeat("a", 63) + ".com"},
		"DomainMaxLen": {reason: "255 characters is fine", in: strings.Repeat("abcdefgh.", 28) + "abc", want: strings.Repeat("abcdefgh.", 28) + "abc"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseDomain(tc.in)
			checkResult(t, tc.reason, "ParseDomain", tc.in, tc.want, got, tc.wantErr, err)
		})
	}
}

func TestParseDomainWithSubdomains(t *testing.T) {
	cases := map[string]struct {
		reason  string
		in      string
		want    string
		wantErr string
	}{
		"Plain":        {reason: "a plain domain", in: "contoso.com", want: "contoso.com"},
		"Star":         {reason: "every domain", in: "*", want: "*"},
		"Subdomains":   {reason: "domain and its subdomains", in: "*.contoso.com", want: "*.contoso.com"},
		"StarNoDot":    {reason: "*contoso.com is not allowed", in: "*contoso.com", wantErr: "a wildcard is allowed only as `*` or a leading `*.`"},
		"StarInside":   {reason: "wildcards only lead", in: "mail.*.com", wantErr: "a wildcard is allowed only as"},
		"DoubleStar":   {reason: "one wildcard", in: "*.*.com", wantErr: `character '*' not allowed`},
		"StarDotEmpty": {reason: "*. needs a domain", in: "*.", wantErr: `empty; write a domain`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseDomainWithSubdomains(tc.in)
			checkResult(t, tc.reason, "ParseDomainWithSubdomains", tc.in, tc.want, got, tc.wantErr, err)
		})
	}
	for s, want := range map[string]bool{"*": true, "*.com": true, " *.contoso.com": true, "contoso.com": false, "*contoso.com": false, "--": false} {
		if got := IsWildcardDomain(s); got != want {
			t.Errorf("IsWildcardDomain(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseFQDN(t *testing.T) {
	cases := map[string]struct {
		reason  string
		in      string
		want    string
		wantErr string
	}{
		"Seed001":   {reason: "seed 001 receive connector Fqdn", in: "win20081.work.com", want: "win20081.work.com"},
		"HCSmart":   {reason: "HC smart host", in: "microsoft-com.mail.protection.outlook.com", want: "microsoft-com.mail.protection.outlook.com"},
		"HostOnly":  {reason: "an A record may be a single label", in: "mailgw", want: "mailgw"},
		"IPAddress": {reason: "an IP is not a host name", in: "10.1.1.1", wantErr: `the last label is numeric`},
		"Wildcard":  {reason: "hosts have no wildcards", in: "*.contoso.com", wantErr: `character '*' not allowed`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseFQDN(tc.in)
			checkResult(t, tc.reason, "ParseFQDN", tc.in, tc.want, got, tc.wantErr, err)
		})
	}
}

func TestParseSmartHost(t *testing.T) {
	cases := map[string]struct {
		reason      string
		in          string
		want        SmartHost
		wantString  string
		wantDisplay string
		wantErr     string
	}{
		"Seed000Printed": {
			reason: "seed 000 prints IP smart hosts in brackets: `SmartHostsString : [142.46.226.22]`",
			in:     "[142.46.226.22]", want: SmartHost{IP: netip.MustParseAddr("142.46.226.22")},
			wantString: "142.46.226.22", wantDisplay: "[142.46.226.22]",
		},
		"BareIP": {
			reason: "the reference documents bare IP input (10.10.1.1)",
			in:     "10.10.1.1", want: SmartHost{IP: netip.MustParseAddr("10.10.1.1")},
			wantString: "10.10.1.1", wantDisplay: "[10.10.1.1]",
		},
		"IPv6": {
			reason: "IPv6 literal",
			in:     "[2001:db8::1]", want: SmartHost{IP: netip.MustParseAddr("2001:db8::1")},
			wantString: "2001:db8::1", wantDisplay: "[2001:db8::1]",
		},
		"HCFQDN": {
			reason: "the HC hybrid connector's smart host",
			in:     "microsoft-com.mail.protection.outlook.com", want: SmartHost{Host: "microsoft-com.mail.protection.outlook.com"},
			wantString: "microsoft-com.mail.protection.outlook.com", wantDisplay: "microsoft-com.mail.protection.outlook.com",
		},
		"EdgeDash": {
			reason: "`--` on the Edge inbound connector",
			in:     "--", want: SmartHost{Host: "--"}, wantString: "--", wantDisplay: "--",
		},
		"BracketHost": {reason: "brackets hold only IP addresses", in: "[smtp.contoso.com]", wantErr: `brackets must hold an IP address`},
		"Unclosed":    {reason: "typo", in: "[10.1.1.1", wantErr: `missing ]`},
		"Port":        {reason: "smart hosts take no port (the connector's Port does)", in: "smtp.contoso.com:587", wantErr: `want a host name such as smtp.contoso.com or an IP address such as 10.1.1.1`},
		"Zone":        {reason: "zones are local", in: "fe80::1%3", wantErr: `an IPv6 zone is not allowed`},
		"Empty":       {reason: "empty", in: " ", wantErr: `invalid smart host ""`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseSmartHost(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nParseSmartHost(%q): want error containing %q, got %v", tc.reason, tc.in, tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nParseSmartHost(%q): %v", tc.reason, tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
				t.Errorf("%s\nParseSmartHost(%q): -want, +got:\n%s", tc.reason, tc.in, diff)
			}
			if got.String() != tc.wantString || got.Display() != tc.wantDisplay {
				t.Errorf("%s\nString %q Display %q, want %q %q", tc.reason, got.String(), got.Display(), tc.wantString, tc.wantDisplay)
			}
			if got.IsIP() != tc.want.IP.IsValid() || got.AllMailboxServers() != (tc.in == "--") {
				t.Errorf("%s\nIsIP/AllMailboxServers wrong for %q", tc.reason, tc.in)
			}
		})
	}
}

func TestSmartHostEqualAndJSON(t *testing.T) {
	a, _ := ParseSmartHost("[142.46.226.22]")
	b, _ := ParseSmartHost("142.46.226.22")
	c, _ := ParseSmartHost("SMTP.Contoso.com")
	d, _ := ParseSmartHost("smtp.contoso.com")
	if !a.Equal(b) || !c.Equal(d) || a.Equal(c) {
		t.Errorf("Equal: printed and input IP forms, and host case, must compare equal")
	}
	var hosts []SmartHost
	if err := json.Unmarshal([]byte(`["[142.46.226.22]","smtp.tls.one-mail.on.ca"]`), &hosts); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(hosts)
	if diff := cmp.Diff(`["142.46.226.22","smtp.tls.one-mail.on.ca"]`, string(out)); diff != "" {
		t.Errorf("JSON: -want, +got:\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`"bad host!"`), &hosts[0]); err == nil {
		t.Error("UnmarshalJSON accepted a bad host")
	}
}

// checkResult is the common tail of the string-parser table tests.
func checkResult(t *testing.T, reason, fn, in, want, got, wantErr string, err error) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("%s\n%s(%q): want error containing %q, got %q, %v", reason, fn, in, wantErr, got, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s\n%s(%q): %v", reason, fn, in, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s\n%s(%q): -want, +got:\n%s", reason, fn, in, diff)
	}
}

func FuzzParseSmartHost(f *testing.F) {
	for _, s := range []string{"[142.46.226.22]", "10.1.1.1", "smtp.contoso.com", "--", "[::1]", "1.2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseSmartHost(s)
		if err != nil {
			return
		}
		for _, form := range []string{h.String(), h.Display()} {
			back, err := ParseSmartHost(form)
			if err != nil || back != h {
				t.Fatalf("round trip of %q via %q: %+v -> %+v, %v", s, form, h, back, err)
			}
		}
	})
}

func FuzzParseDomainWithSubdomains(f *testing.F) {
	for _, s := range []string{"*", "*.contoso.com", "contoso.com", "*contoso.com", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDomainWithSubdomains(s)
		if err != nil {
			return
		}
		if back, err := ParseDomainWithSubdomains(d); err != nil || back != d {
			t.Fatalf("round trip of %q: %q -> %q, %v", s, d, back, err)
		}
		if _, err := ParseDomain(d); (err == nil) == IsWildcardDomain(d) {
			t.Fatalf("ParseDomain(%q) = %v disagrees with IsWildcardDomain", d, err)
		}
	})
}
