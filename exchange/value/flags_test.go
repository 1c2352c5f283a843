package value

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseAuthMechanisms(t *testing.T) {
	cases := map[string]struct {
		reason     string
		in         string
		want       AuthMechanisms
		wantString string
		wantErr    string
	}{
		"DefaultFrontend": {
			reason: "Default Frontend prints the five mechanisms in ascending order (=31)",
			in:     "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer", want: 31,
			wantString: "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer",
		},
		"ClientFrontend": {
			reason: "Client Frontend lacks ExchangeServer",
			in:     "Tls, Integrated, BasicAuth, BasicAuthRequireTLS", want: 15,
			wantString: "Tls, Integrated, BasicAuth, BasicAuthRequireTLS",
		},
		"Seed001": {
			reason: "seed 001 prints `AuthMechanism : Tls`",
			in:     "Tls", want: AuthTls, wantString: "Tls",
		},
		"ManifestOrder": {
			reason: "the onemail manifest lists Tls, BasicAuth, Integrated; Exchange prints them in numeric order",
			in:     "tls,basicauth , Integrated", want: AuthTls | AuthBasicAuth | AuthIntegrated,
			wantString: "Tls, Integrated, BasicAuth",
		},
		"Edge": {
			reason: "the Edge default `Tls, ExchangeServer`",
			in:     "Tls, ExchangeServer", want: 17, wantString: "Tls, ExchangeServer",
		},
		"ExternalAuthoritative": {
			reason: "the [INFER] bit 32",
			in:     "Tls, ExternalAuthoritative", want: 33, wantString: "Tls, ExternalAuthoritative",
		},
		"Integer": {
			reason: "`[int]$c.AuthMechanism` or a CLIXML enum value",
			in:     "31", want: 31, wantString: "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer",
		},
		"None":         {reason: "None alone", in: "None", want: AuthNone, wantString: "None"},
		"Zero":         {reason: "0 is None", in: "0", want: AuthNone, wantString: "None"},
		"Duplicates":   {reason: "a repeated name counts once", in: "Tls, Tls", want: AuthTls, wantString: "Tls"},
		"Unknown":      {reason: "errors list the allowed values", in: "Tls, Kerberos", wantErr: `invalid authentication mechanism "Kerberos": allowed values are None, Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer, ExternalAuthoritative`},
		"NoneAndOther": {reason: "None only alone (docs/exchange.md#flag-enums)", in: "None, Tls", wantErr: `None cannot be combined with other values`},
		"UnknownBit":   {reason: "a number with an unknown bit is not silently dropped", in: "64", wantErr: `the number has bits that are not None, Tls`},
		"Empty":        {reason: "nothing", in: " , ", wantErr: `invalid authentication mechanism: empty`},
		"HugeNumber":   {reason: "beyond 32 bits", in: "99999999999", wantErr: `the number has bits`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseAuthMechanisms(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nParseAuthMechanisms(%q): want error containing %q, got %v", tc.reason, tc.in, tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nParseAuthMechanisms(%q): %v", tc.reason, tc.in, err)
			}
			if got != tc.want || got.String() != tc.wantString {
				t.Errorf("%s\nParseAuthMechanisms(%q) = %d %q, want %d %q", tc.reason, tc.in, got, got, tc.want, tc.wantString)
			}
			if back, err := ParseAuthMechanisms(got.String()); err != nil || back != got {
				t.Errorf("%s\nround trip via %q: %v, %v", tc.reason, got.String(), back, err)
			}
			if back, err := ParseAuthMechanismsList(got.Slice()); err != nil || back != got {
				t.Errorf("%s\nround trip via Slice %q: %v, %v", tc.reason, got.Slice(), back, err)
			}
		})
	}
}

func TestParsePermissionGroups(t *testing.T) {
	cases := map[string]struct {
		reason     string
		in         string
		want       PermissionGroups
		wantString string
		wantErr    string
	}{
		"DefaultFrontend": {
			reason: "Default Frontend prints `AnonymousUsers, ExchangeServers, ExchangeLegacyServers` (=13)",
			in:     "AnonymousUsers, ExchangeServers, ExchangeLegacyServers", want: 13,
			wantString: "AnonymousUsers, ExchangeServers, ExchangeLegacyServers",
		},
		"Seed001": {
			reason: "seed 001 prints all but Partners",
			in:     "AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers", want: 15,
			wantString: "AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers",
		},
		"WithPartners": {
			reason: "the brief's five-group value; Partners prints last ([QA])",
			in:     "AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers, Partners", want: 31,
			wantString: "AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers, Partners",
		},
		"EdgeDefault": {
			reason: "Edge `AnonymousUsers, ExchangeServers, Partners`",
			in:     "Partners,ExchangeServers,AnonymousUsers", want: 21,
			wantString: "AnonymousUsers, ExchangeServers, Partners",
		},
		"Custom": {
			reason: "Custom prints after the others ([QA])",
			in:     "Custom", want: PermissionCustom, wantString: "Custom",
		},
		"Integer":     {reason: "the [HC] value 13", in: "13", want: 13, wantString: "AnonymousUsers, ExchangeServers, ExchangeLegacyServers"},
		"None":        {reason: "a Custom-usage connector starts with None", in: "none", want: PermissionNone, wantString: "None"},
		"Misspelled":  {reason: "EXDOC writes ExchangeServer for the auth value; the group is plural", in: "ExchangeServer", wantErr: `invalid permission group "ExchangeServer": allowed values are None, AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers, Partners, Custom`},
		"TooHighBits": {reason: "unknown bit 64", in: "64", wantErr: `the number has bits`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParsePermissionGroups(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nParsePermissionGroups(%q): want error containing %q, got %v", tc.reason, tc.in, tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nParsePermissionGroups(%q): %v", tc.reason, tc.in, err)
			}
			if got != tc.want || got.String() != tc.wantString {
				t.Errorf("%s\nParsePermissionGroups(%q) = %d %q, want %d %q", tc.reason, tc.in, got, got, tc.want, tc.wantString)
			}
			if back, err := ParsePermissionGroupsList(got.Slice()); err != nil || back != got {
				t.Errorf("%s\nround trip via Slice: %v, %v", tc.reason, back, err)
			}
		})
	}
}

func TestParseAllowedServices(t *testing.T) {
	cases := map[string]struct {
		reason     string
		in         string
		want       AllowedServices
		wantString string
		wantErr    string
	}{
		"DefaultCert": {reason: "the default certificate prints `IMAP, POP, IIS, SMTP`", in: "IMAP, POP, IIS, SMTP", want: 27, wantString: "IMAP, POP, IIS, SMTP"},
		"SMTPOnly":    {reason: "seed 000 prints `Services : SMTP`", in: "SMTP", want: ServiceSMTP, wantString: "SMTP"},
		"LowerSMTP":   {reason: "seed 003 writes `-Services smtp`", in: "smtp", want: ServiceSMTP, wantString: "SMTP"},
		"None":        {reason: "a WMSvc certificate prints `None`", in: "None", want: ServiceNone, wantString: "None"},
		"All":         {reason: "every service in [NONMS] order", in: "UMCallRouter, Federation, SMTP, IIS, UM, POP, IMAP", want: 127, wantString: "IMAP, POP, UM, IIS, SMTP, Federation, UMCallRouter"},
		"Letters":     {reason: "the ServicesStringForm letters are not parsed", in: "IP..S.", wantErr: `invalid certificate service "IP..S.": allowed values are None, IMAP, POP, UM, IIS, SMTP, Federation, UMCallRouter`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseAllowedServices(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nParseAllowedServices(%q): want error containing %q, got %v", tc.reason, tc.in, tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nParseAllowedServices(%q): %v", tc.reason, tc.in, err)
			}
			if got != tc.want || got.String() != tc.wantString {
				t.Errorf("%s\nParseAllowedServices(%q) = %d %q, want %d %q", tc.reason, tc.in, got, got, tc.want, tc.wantString)
			}
			if back, err := ParseAllowedServicesList(got.Slice()); err != nil || back != got {
				t.Errorf("%s\nround trip via Slice: %v, %v", tc.reason, back, err)
			}
		})
	}
}

func TestFlagHelpers(t *testing.T) {
	a := AuthTls | AuthBasicAuth
	if !a.Has(AuthTls) || !a.Has(AuthTls|AuthBasicAuth) || a.Has(AuthTls|AuthIntegrated) || !a.Has(AuthNone) {
		t.Error("AuthMechanisms.Has wrong")
	}
	if got := a.With(AuthBasicAuthRequireTLS).Without(AuthBasicAuth); got != AuthTls|AuthBasicAuthRequireTLS {
		t.Errorf("With/Without = %v", got)
	}
	p := PermissionAnonymousUsers | PermissionExchangeUsers | PermissionExchangeServers | PermissionExchangeLegacyServers
	// Seed 002: Partners added, Anonymous removed on the default receive connector.
	if got := p.With(PermissionPartners).Without(PermissionAnonymousUsers).String(); got != "ExchangeUsers, ExchangeServers, ExchangeLegacyServers, Partners" {
		t.Errorf("seed 002 change = %q", got)
	}
	if !p.Has(PermissionExchangeUsers) || p.Has(PermissionPartners) {
		t.Error("PermissionGroups.Has wrong")
	}
	s := ServiceIMAP | ServicePOP | ServiceIIS | ServiceSMTP
	// Enable-ExchangeCertificate is additive: the wanted services must be a subset.
	if !s.Has(ServiceSMTP) || s.Has(ServiceSMTP|ServiceFederation) || s.With(ServiceUM).Without(ServiceIMAP|ServicePOP) != ServiceUM|ServiceIIS|ServiceSMTP {
		t.Error("AllowedServices helpers wrong")
	}
	if diff := cmp.Diff([]string{"None"}, AuthNone.Slice()); diff != "" {
		t.Errorf("AuthNone.Slice(): %s", diff)
	}
	if got := AuthMechanisms(1 << 10).String(); got != "1024" {
		t.Errorf("an unknown bit prints as its number, got %q", got)
	}
}

func TestFlagsJSON(t *testing.T) {
	type spec struct {
		AuthMechanism    AuthMechanisms   `json:"authMechanism"`
		PermissionGroups PermissionGroups `json:"permissionGroups"`
		Services         AllowedServices  `json:"services"`
	}
	cases := map[string]struct {
		reason  string
		in      string
		want    spec
		wantOut string
		wantErr string
	}{
		"ManifestLists": {
			reason:  "manifests write lists",
			in:      `{"authMechanism":["Tls","BasicAuth","Integrated"],"permissionGroups":["AnonymousUsers","ExchangeUsers","ExchangeServers","ExchangeLegacyServers"],"services":["SMTP"]}`,
			want:    spec{AuthMechanism: 7, PermissionGroups: 15, Services: ServiceSMTP},
			wantOut: `{"authMechanism":["Tls","Integrated","BasicAuth"],"permissionGroups":["AnonymousUsers","ExchangeUsers","ExchangeServers","ExchangeLegacyServers"],"services":["SMTP"]}`,
		},
		"JoinedStrings": {
			reason:  "Exchange's joined form",
			in:      `{"authMechanism":"Tls, ExchangeServer","permissionGroups":"ExchangeServers","services":"IMAP, POP, IIS, SMTP"}`,
			want:    spec{AuthMechanism: 17, PermissionGroups: 4, Services: 27},
			wantOut: `{"authMechanism":["Tls","ExchangeServer"],"permissionGroups":["ExchangeServers"],"services":["IMAP","POP","IIS","SMTP"]}`,
		},
		"Numbers": {
			reason:  "integers from [int] casts",
			in:      `{"authMechanism":31,"permissionGroups":13,"services":0}`,
			want:    spec{AuthMechanism: 31, PermissionGroups: 13},
			wantOut: `{"authMechanism":["Tls","Integrated","BasicAuth","BasicAuthRequireTLS","ExchangeServer"],"permissionGroups":["AnonymousUsers","ExchangeServers","ExchangeLegacyServers"],"services":["None"]}`,
		},
		"EmptyList": {
			reason:  "an empty list is None",
			in:      `{"authMechanism":[],"permissionGroups":["None"],"services":[]}`,
			want:    spec{},
			wantOut: `{"authMechanism":["None"],"permissionGroups":["None"],"services":["None"]}`,
		},
		"BadName":  {reason: "errors name the allowed values", in: `{"authMechanism":["Tls","Kerberos"]}`, wantErr: `allowed values are None, Tls`},
		"BadType":  {reason: "objects are not flags", in: `{"services":{"SMTP":true}}`, wantErr: `certificate service must be a list of names, a string or a number`},
		"Negative": {reason: "negative numbers are not flags", in: `{"services":-1}`, wantErr: `certificate service must be`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got spec
			err := json.Unmarshal([]byte(tc.in), &got)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nwant error containing %q, got %v", tc.reason, tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\n%v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
			out, _ := json.Marshal(got)
			if diff := cmp.Diff(tc.wantOut, string(out)); diff != "" {
				t.Errorf("%s\nMarshal: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func FuzzParseFlags(f *testing.F) {
	for _, s := range []string{"Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer", "AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers, Partners", "IMAP, POP, IIS, SMTP", "None", "31", "tls,,TLS", "4294967295"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, err := ParseAuthMechanisms(s); err == nil {
			if back, err := ParseAuthMechanisms(a.String()); err != nil || back != a {
				t.Fatalf("AuthMechanisms round trip of %q: %d -> %q -> %d, %v", s, a, a.String(), back, err)
			}
			if back, err := ParseAuthMechanisms(strconv.FormatUint(uint64(a), 10)); err != nil || back != a {
				t.Fatalf("AuthMechanisms integer round trip of %q: %v", s, err)
			}
		}
		if p, err := ParsePermissionGroups(s); err == nil {
			if back, err := ParsePermissionGroups(p.String()); err != nil || back != p {
				t.Fatalf("PermissionGroups round trip of %q: %d -> %q -> %d, %v", s, p, p.String(), back, err)
			}
		}
		if v, err := ParseAllowedServices(s); err == nil {
			if back, err := ParseAllowedServices(v.String()); err != nil || back != v {
				t.Fatalf("AllowedServices round trip of %q: %d -> %q -> %d, %v", s, v, v.String(), back, err)
			}
		}
	})
}
