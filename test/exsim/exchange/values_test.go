package exchange

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseAddressSpace(t *testing.T) {
	cases := []struct {
		name, in, want string
		wantErr        bool
		reason         string
	}{
		{"full", "SMTP:canoe.com;1", "SMTP:canoe.com;1", false, "seed 001 form"},
		{"bare domain", "contoso.com", "SMTP:contoso.com;1", false, "type defaults to SMTP, cost to 1 (docs/exchange.md#address-spaces)"},
		{"cost only", "contoso.com;2", "SMTP:contoso.com;2", false, "cost without type"},
		{"type only", "SMTP:contoso.com", "SMTP:contoso.com;1", false, "type without cost"},
		{"type case kept", "smtp:canoe.com;1", "smtp:canoe.com;1", false, "seed 001 prints {smtp:canoe.com;1}"},
		{"star", "*", "SMTP:*;1", false, "* is every domain"},
		{"wildcard subdomains", "*.contoso.com;20", "SMTP:*.contoso.com;20", false, "*.x.com is allowed"},
		{"star tld", "*.com", "SMTP:*.com;1", false, "*.com is allowed"},
		{"cost 100", "x.com;100", "SMTP:x.com;100", false, "upper bound"},
		{"embedded wildcard", "*contoso.com", "", true, "*x.com is not a valid address space"},
		{"wildcard inside", "mail.*.com", "", true, "wildcards only as a leading *."},
		{"cost 0", "x.com;0", "", true, "cost is 1..100"},
		{"cost 101", "x.com;101", "", true, "cost is 1..100"},
		{"cost text", "x.com;a", "", true, "cost must be a number"},
		{"empty", "", "", true, "an address space is required"},
		{"x400 kept", "X400:c=US;a= ;p=Org;5", "X400:c=US;a= ;p=Org;5", false, "non-SMTP addresses are not domain-checked"},
		{"dashdash", "--", "SMTP:--;1", false, "-- parses; the cmdlet allows it only on Edge"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseAddressSpace(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s: err = %v, wantErr %v", tc.reason, err, tc.wantErr)
			}
			if err == nil && got.String() != tc.want {
				t.Errorf("%s: got %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}

func TestParseBinding(t *testing.T) {
	cases := []struct {
		name, in, want string
		wantErr        bool
		reason         string
	}{
		{"ipv4", "191.121.0.200:26", "191.121.0.200:26", false, "seed 001"},
		{"any ipv4", "0.0.0.0:25", "0.0.0.0:25", false, "all IPv4 addresses"},
		{"any ipv6", "[::]:25", "[::]:25", false, "all IPv6 addresses"},
		{"ipv6", "[fe80::1]:2525", "[fe80::1]:2525", false, "IPv6 in brackets"},
		{"no port", "10.0.0.1", "", true, "port required"},
		{"port zero", "10.0.0.1:0", "", true, "port 1..65535"},
		{"port too big", "10.0.0.1:70000", "", true, "port 1..65535"},
		{"ipv6 without brackets", "fe80::1:25", "", true, "IPv6 needs brackets"},
		{"hostname", "mail.work.com:25", "", true, "bindings are IP addresses"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseBinding(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s: err = %v", tc.reason, err)
			}
			if err == nil && got.String() != tc.want {
				t.Errorf("%s: got %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}

func TestParseIPRange(t *testing.T) {
	cases := []struct {
		name, in, want, lo, hi string
		wantErr                bool
		reason                 string
	}{
		{"single", "192.168.1.1", "192.168.1.1", "192.168.1.1", "192.168.1.1", false, "one address"},
		{"range", "191.121.0.200-191.121.0.200", "191.121.0.200-191.121.0.200", "191.121.0.200", "191.121.0.200", false, "seed 001"},
		{"range wide", "192.168.1.1-192.168.1.254", "192.168.1.1-192.168.1.254", "192.168.1.1", "192.168.1.254", false, "lo-hi"},
		{"cidr", "192.168.1.1/24", "192.168.1.0/24", "192.168.1.0", "192.168.1.255", false, "CIDR prints the network"},
		{"cidr v6", "2001:0DB8::CD3/60", "2001:db8::/60", "2001:db8::", "2001:db8:0:f:ffff:ffff:ffff:ffff", false, "IPv6 CIDR"},
		{"all v6", allIPv6, allIPv6, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "default range form"},
		{"zone", "fe80::39bd:88f7:6969:d223%11", "fe80::39bd:88f7:6969:d223%11", "fe80::39bd:88f7:6969:d223%11", "fe80::39bd:88f7:6969:d223%11", false, "zone id kept"},
		{"reversed", "10.0.0.9-10.0.0.1", "", "", "", true, "low above high"},
		{"mixed", "10.0.0.1-::1", "", "", "", true, "families differ"},
		{"bad prefix", "10.0.0.0/33", "", "", "", true, "prefix too long"},
		{"garbage", "ten", "", "", "", true, "not an address"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseIPRange(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s: err = %v", tc.reason, err)
			}
			if err != nil {
				return
			}
			if got.String() != tc.want || got.Lo.String() != tc.lo || got.Hi.String() != tc.hi {
				t.Errorf("%s: got %q [%s, %s], want %q [%s, %s]", tc.reason, got, got.Lo, got.Hi, tc.want, tc.lo, tc.hi)
			}
		})
	}
	a, _ := parseIPRange("10.0.0.0/30")
	b, _ := parseIPRange("10.0.0.0-10.0.0.3")
	if !a.equal(b) {
		t.Errorf("10.0.0.0/30 and 10.0.0.0-10.0.0.3 are the same range")
	}
}

func TestParseSize(t *testing.T) {
	cases := []struct {
		name      string
		in        any
		unlimited bool
		want      string
		wantErr   bool
		reason    string
	}{
		{"mb", "10MB", false, "10 MB (10,485,760 bytes)", false, "unit suffix"},
		{"mb spaced", "36 MB", false, "36 MB (37,748,736 bytes)", false, "space before unit"},
		{"kb", "256KB", false, "256 KB (262,144 bytes)", false, "KB"},
		{"bytes", "65536", false, "64 KB (65,536 bytes)", false, "unqualified is bytes"},
		{"number", 37748736, false, "36 MB (37,748,736 bytes)", false, "a number argument"},
		{"gb fraction", "1.5GB", false, "1.5 GB (1,610,612,736 bytes)", false, "fractional units"},
		{"odd", "25000000", false, "23.842 MB (25,000,000 bytes)", false, "three decimals"},
		{"output form", "35 MB (36,700,160 bytes)", false, "35 MB (36,700,160 bytes)", false, "Exchange reads its own output"},
		{"unlimited", "unlimited", true, "Unlimited", false, "Unlimited<ByteQuantifiedSize>"},
		{"unlimited case", "Unlimited", true, "Unlimited", false, "case-insensitive"},
		{"unlimited refused", "unlimited", false, "", true, "plain ByteQuantifiedSize has no unlimited"},
		{"bad unit", "10XB", false, "", true, "unknown unit"},
		{"negative", "-5MB", false, "", true, "negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSize(tc.in, tc.unlimited, tByteSize)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s: err = %v", tc.reason, err)
			}
			if err == nil && got.String() != tc.want {
				t.Errorf("%s: got %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}

func TestTimeSpan(t *testing.T) {
	cases := []struct {
		name, in, want string
		wantErr        bool
		reason         string
	}{
		{"minutes", "00:10:00", "00:10:00", false, "hh:mm:ss"},
		{"days", "7.00:00:00", "7.00:00:00", false, "d.hh:mm:ss"},
		{"hh:mm", "01:30", "01:30:00", false, "seconds optional"},
		{"whole days", "2", "2.00:00:00", false, "a number is days, as TimeSpan.Parse"},
		{"bad minutes", "00:61:00", "", true, "minutes 0..59"},
		{"text", "ten minutes", "", true, "not a time span"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := parseTimeSpan(tc.in, tTimeSpan)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s: err = %v", tc.reason, err)
			}
			if err == nil && formatTimeSpan(d) != tc.want {
				t.Errorf("%s: got %q, want %q", tc.reason, formatTimeSpan(d), tc.want)
			}
		})
	}
	if got := formatTimeSpan(5 * time.Second); got != "00:00:05" {
		t.Errorf("5s prints %q", got)
	}
}

func TestEnums(t *testing.T) {
	cases := []struct {
		name    string
		e       *enumDef
		in      any
		want    string
		wantErr string
		reason  string
	}{
		{"flags ascending", authMechanisms, "ExchangeServer, Tls, BasicAuthRequireTLS, Integrated, BasicAuth", "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer", "", "flags print in ascending numeric order (docs/exchange.md#flag-enums)"},
		{"array", permissionGroups, []any{"ExchangeLegacyServers", "AnonymousUsers", "ExchangeServers"}, "AnonymousUsers, ExchangeServers, ExchangeLegacyServers", "", "seed 001 -PermissionGroups a, b"},
		{"case-insensitive", authMechanisms, "tls", "Tls", "", "enum names are case-insensitive"},
		{"partners last", permissionGroups, "Partners,AnonymousUsers", "AnonymousUsers, Partners", "", "Partners has a higher bit"},
		{"services", allowedServices, "SMTP, IIS, POP, IMAP", "IMAP, POP, IIS, SMTP", "", "the default certificate's Services"},
		{"exact name", rateSources, "IPAddress,User", "All", "", ".NET prints an exact flags name"},
		{"unknown", authMechanisms, "Tls,Kerberos", "", `Cannot convert value "Tls,Kerberos" to type "Microsoft.Exchange.Data.Directory.SystemConfiguration.AuthMechanisms". Error: "Unable to match the identifier name Kerberos to a valid enumerator name.  Specify one of the following enumerator names and try again: None, Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer, ExternalAuthoritative"`, "PowerShell's enum conversion error"},
		{"single value enum refuses list", tlsAuthLevels, []any{"EncryptionOnly", "DomainValidation"}, "", "Cannot convert", "TlsAuthLevel is not a flags enum"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, err := tc.e.parse(tc.in)
			if tc.wantErr != "" {
				if err == nil || !contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: err = %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if got := tc.e.format(n); got != tc.want {
				t.Errorf("%s: got %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}

func TestServicesString(t *testing.T) {
	cases := []struct {
		name, services string
		v              Version
		want, reason   string
	}{
		{"default 2013+", "IMAP, POP, IIS, SMTP", V2019, "IP.WS..", "docs/exchange.md#flag-enums"},
		{"auth", "SMTP", V2016, "....S..", "Auth certificate"},
		{"none", "None", V2019, ".......", "WMSvc"},
		{"2010", "IMAP, POP, IIS, SMTP", V2010, "IP.WS.", "2010 prints six letters (seed 000)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, err := allowedServices.parse(tc.services)
			if err != nil {
				t.Fatal(err)
			}
			if got := servicesString(n, tc.v); got != tc.want {
				t.Errorf("%s: got %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}

func TestDistinguishedNames(t *testing.T) {
	cases := []struct {
		name, in, want string
		wantErr        bool
		reason         string
	}{
		{"seed 000", "C=CA,S=ON,O=E2K10,CN=e2k10.poc", "CN=e2k10.poc, O=E2K10, S=ON, C=CA", false, ".NET prints RDNs last first"},
		{"seed 001", "DC=com,DC=work,CN=win20081.work.com", "CN=win20081.work.com, DC=work, DC=com", false, "DC components"},
		{"spaces", "C=CA,S=ON, O=eHealth Ontario ONE Mail Dev Lab,CN=123456", "CN=123456, O=eHealth Ontario ONE Mail Dev Lab, S=ON, C=CA", false, "spaces after commas"},
		{"quoted comma", `CN="Smith, John"`, `CN="Smith, John"`, false, "values with commas are quoted"},
		{"trailing comma", "c=us, o=Example Corp,", "", true, "seed 003's request: an empty RDN"},
		{"unknown key", "XX=1", "", true, "unknown attribute"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := parseDN(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s: err = %v", tc.reason, err)
			}
			if err == nil {
				if diff := cmp.Diff(tc.want, formatDN(raw)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
				}
			}
		})
	}
}

func contains(s, sub string) bool { return len(sub) == 0 || indexString(s, sub) >= 0 }

func indexString(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
