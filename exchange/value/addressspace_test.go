package value

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseAddressSpace(t *testing.T) {
	cases := map[string]struct {
		reason  string
		in      string
		want    AddressSpace
		wantErr string
	}{
		"ManifestFull": {
			reason: "the form the seed 001 New-SendConnector lines use",
			in:     "SMTP:canoe.com;1",
			want:   AddressSpace{Type: "SMTP", Domain: "canoe.com", Cost: 1},
		},
		"Exchange2010Print": {
			reason: "Exchange 2010 prints the type in lower case: `{smtp:canoe.com;1}` (seed 001)",
			in:     "smtp:canoe.com;1",
			want:   AddressSpace{Type: "SMTP", Domain: "canoe.com", Cost: 1},
		},
		"Exchange2019StarPrint": {
			reason: "the HC send connector prints `{SMTP:*;1}`",
			in:     "SMTP:*;1",
			want:   AddressSpace{Type: "SMTP", Domain: "*", Cost: 1},
		},
		"BareDomain": {
			reason: "type defaults to SMTP and cost to 1",
			in:     "canoe.com",
			want:   AddressSpace{Type: "SMTP", Domain: "canoe.com", Cost: 1},
		},
		"DomainWithCost": {
			reason: "seed 000 raises the Internet connector cost to 20",
			in:     "canoe.com;20",
			want:   AddressSpace{Type: "SMTP", Domain: "canoe.com", Cost: 20},
		},
		"StarWithCost": {
			reason: "the onemail example manifest writes SMTP:*;20",
			in:     "SMTP:*;20",
			want:   AddressSpace{Type: "SMTP", Domain: "*", Cost: 20},
		},
		"TypeNoCost": {
			reason: "`SMTP:contoso.com` is the same as contoso.com;1",
			in:     "SMTP:contoso.com",
			want:   AddressSpace{Type: "SMTP", Domain: "contoso.com", Cost: 1},
		},
		"Star": {
			reason: "`*` is every domain",
			in:     "*",
			want:   AddressSpace{Type: "SMTP", Domain: "*", Cost: 1},
		},
		"SubdomainWildcard": {
			reason: "`*.contoso.com` is allowed",
			in:     "*.contoso.com",
			want:   AddressSpace{Type: "SMTP", Domain: "*.contoso.com", Cost: 1},
		},
		"TLDWildcard": {
			reason: "`*.com` is allowed",
			in:     " *.com;3 ",
			want:   AddressSpace{Type: "SMTP", Domain: "*.com", Cost: 3},
		},
		"CaseKept": {
			reason: "the domain keeps its case; Equal folds it",
			in:     "SMTP:Canoe.COM;1",
			want:   AddressSpace{Type: "SMTP", Domain: "Canoe.COM", Cost: 1},
		},
		"EdgeDashDash": {
			reason: "`--` means all accepted domains on an Edge",
			in:     "--",
			want:   AddressSpace{Type: "SMTP", Domain: "--", Cost: 1},
		},
		"X400": {
			reason: "X400 addresses hold `;` and `=`; only a numeric last part is the cost",
			in:     "X400:c=US;a= ;p=Contoso;o=Exchange;5",
			want:   AddressSpace{Type: "X400", Domain: "c=US;a= ;p=Contoso;o=Exchange", Cost: 5},
		},
		"X400NoCost": {
			reason: "a non-numeric last part belongs to the X400 address",
			in:     "x400:c=US;p=Contoso",
			want:   AddressSpace{Type: "X400", Domain: "c=US;p=Contoso", Cost: 1},
		},
		"CustomType": {
			reason: "custom address types keep their case",
			in:     "Fax:*;10",
			want:   AddressSpace{Type: "Fax", Domain: "*", Cost: 10},
		},
		"CostMax": {
			reason: "100 is the highest cost",
			in:     "canoe.com;100",
			want:   AddressSpace{Type: "SMTP", Domain: "canoe.com", Cost: 100},
		},
		"LeadingStarNoDot": {
			reason:  "`*contoso.com` is not RFC 1035 and Exchange rejects it",
			in:      "*contoso.com",
			wantErr: `invalid address space "*contoso.com": an SMTP address space is a domain, ` + "`*`, `*.domain` or `--`" + `: invalid domain "*contoso.com": a wildcard is allowed only as ` + "`*` or a leading `*.` (as in *.contoso.com)",
		},
		"CostZero": {
			reason:  "cost is 1..100",
			in:      "canoe.com;0",
			wantErr: `invalid address space "canoe.com;0": cost "0" must be a number from 1 to 100`,
		},
		"CostTooHigh": {
			reason:  "cost is 1..100",
			in:      "SMTP:canoe.com;101",
			wantErr: `invalid address space "SMTP:canoe.com;101": cost "101" must be a number from 1 to 100`,
		},
		"CostNotNumber": {
			reason:  "an SMTP cost must be a number",
			in:      "canoe.com;high",
			wantErr: `invalid address space "canoe.com;high": cost "high" must be a number from 1 to 100`,
		},
		"Empty": {
			reason:  "an empty address space is meaningless",
			in:      "",
			wantErr: `invalid address space "": empty address; write Type:address;cost such as SMTP:contoso.com;1`,
		},
		"BadCharacter": {
			reason:  "SMTP domains are letters, digits, hyphens and dots",
			in:      "canoe_com",
			wantErr: `invalid address space "canoe_com": an SMTP address space is a domain, ` + "`*`, `*.domain` or `--`" + `: invalid domain "canoe_com": character '_' not allowed; use letters a-z, digits, hyphens and dots`,
		},
		"DoubleDot": {
			reason:  "empty labels are not domains",
			in:      "canoe..com",
			wantErr: `invalid domain "canoe..com": empty label`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseAddressSpace(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nParseAddressSpace(%q): want error containing %q, got %v", tc.reason, tc.in, tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nParseAddressSpace(%q): %v", tc.reason, tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nParseAddressSpace(%q): -want, +got:\n%s", tc.reason, tc.in, diff)
			}
			back, err := ParseAddressSpace(got.String())
			if err != nil || back != got {
				t.Errorf("%s\nround trip of %q via %q: got %+v, %v", tc.reason, tc.in, got.String(), back, err)
			}
		})
	}
}

func TestAddressSpaceEqual(t *testing.T) {
	cases := map[string]struct {
		reason string
		a, b   string
		want   bool
	}{
		"SeedManifestVsPrint": {reason: "manifest `canoe.com` equals observed `smtp:canoe.com;1`", a: "canoe.com", b: "smtp:canoe.com;1", want: true},
		"DomainCase":          {reason: "domains compare case-insensitively", a: "Canoe.com", b: "SMTP:canoe.COM;1", want: true},
		"CostDiffers":         {reason: "seed 000 changes the cost from 1 to 20: that is drift", a: "SMTP:*;1", b: "*;20", want: false},
		"WildcardIsNotDomain": {reason: "`*.canoe.com` is another address space than canoe.com", a: "*.canoe.com", b: "canoe.com", want: false},
		"TypeDiffers":         {reason: "X400 and SMTP are different types", a: "X400:canoe.com;1", b: "SMTP:canoe.com;1", want: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a, errA := ParseAddressSpace(tc.a)
			b, errB := ParseAddressSpace(tc.b)
			if errA != nil || errB != nil {
				t.Fatalf("parse: %v, %v", errA, errB)
			}
			if got := a.Equal(b); got != tc.want {
				t.Errorf("%s\n%q.Equal(%q) = %v, want %v", tc.reason, tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestAddressSpaceCovers(t *testing.T) {
	cases := map[string]struct {
		reason string
		space  string
		domain string
		want   bool
	}{
		"StarCoversAll":           {reason: "`*` is every domain", space: "*", domain: "canoe.com", want: true},
		"ExactDomain":             {reason: "a domain covers itself", space: "canoe.com", domain: "CANOE.com", want: true},
		"NoSubdomains":            {reason: "contoso.com does not include subdomains (EXDOC)", space: "contoso.com", domain: "mail.contoso.com", want: false},
		"WildcardSubdomain":       {reason: "*.contoso.com includes subdomains", space: "*.contoso.com", domain: "a.b.contoso.com", want: true},
		"WildcardCoversItself":    {reason: "*.Contoso.com routes mail for Contoso.com itself (Exchange 2007 docs)", space: "*.contoso.com", domain: "contoso.com", want: true},
		"WildcardNotSuffixString": {reason: "notcontoso.com is not a subdomain", space: "*.contoso.com", domain: "notcontoso.com", want: false},
		"DashDashUnknown":         {reason: "`--` depends on the accepted domains", space: "--", domain: "canoe.com", want: false},
		"NonSMTP":                 {reason: "X400 spaces cover no SMTP domain", space: "X400:c=US;p=Canoe", domain: "canoe.com", want: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			as, err := ParseAddressSpace(tc.space)
			if err != nil {
				t.Fatal(err)
			}
			if got := as.Covers(tc.domain); got != tc.want {
				t.Errorf("%s\n%q.Covers(%q) = %v, want %v", tc.reason, tc.space, tc.domain, got, tc.want)
			}
		})
	}
}

func TestAddressSpaceFlags(t *testing.T) {
	for _, tc := range []struct {
		in                   string
		wildcard, dash, smtp bool
	}{
		{"*", true, false, true},
		{"*.contoso.com", true, false, true},
		{"contoso.com", false, false, true},
		{"--", false, true, true},
		{"X400:c=US;p=*", false, false, false},
	} {
		as, err := ParseAddressSpace(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if as.IsWildcard() != tc.wildcard || as.AllAcceptedDomains() != tc.dash || as.IsSMTP() != tc.smtp {
			t.Errorf("%q: IsWildcard %v AllAcceptedDomains %v IsSMTP %v, want %v %v %v", tc.in,
				as.IsWildcard(), as.AllAcceptedDomains(), as.IsSMTP(), tc.wildcard, tc.dash, tc.smtp)
		}
	}
}

func TestAddressSpaceJSON(t *testing.T) {
	var got struct{ AddressSpaces []AddressSpace }
	if err := json.Unmarshal([]byte(`{"AddressSpaces":["canoe.com","SMTP:*;20"]}`), &got); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(`{"AddressSpaces":["SMTP:canoe.com;1","SMTP:*;20"]}`, string(out)); diff != "" {
		t.Errorf("JSON round trip: -want, +got:\n%s", diff)
	}
	var as AddressSpace
	if err := json.Unmarshal([]byte(`"*contoso.com"`), &as); err == nil {
		t.Error("UnmarshalJSON accepted *contoso.com")
	}
	if err := json.Unmarshal([]byte(`5`), &as); err == nil || !strings.Contains(err.Error(), "address space must be a string") {
		t.Errorf("UnmarshalJSON(5): want a type error, got %v", err)
	}
}

func FuzzParseAddressSpace(f *testing.F) {
	for _, s := range []string{"SMTP:canoe.com;1", "smtp:work.com;1", "*", "*.contoso.com;2", "--", "X400:c=US;a= ;p=Org;5", "canoe.com;20", "a:b:c;;", "*contoso.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		as, err := ParseAddressSpace(s)
		if err != nil {
			return
		}
		back, err := ParseAddressSpace(as.String())
		if err != nil {
			t.Fatalf("ParseAddressSpace(%q) = %+v, but its String %q does not parse: %v", s, as, as.String(), err)
		}
		if back != as {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v", s, as, as.String(), back)
		}
	})
}
