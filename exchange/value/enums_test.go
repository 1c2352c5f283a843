package value

import (
	"strings"
	"testing"
)

func TestEnumSpecParse(t *testing.T) {
	cases := map[string]struct {
		reason  string
		spec    EnumSpec
		in      string
		want    string
		wantErr string
	}{
		"SendUsageSeed001":   {reason: "seed 001 writes -Usage 'Partner'", spec: SendConnectorUsage, in: "Partner", want: "Partner"},
		"SendUsageCase":      {reason: "Exchange parses enum names case-insensitively", spec: SendConnectorUsage, in: " internet ", want: "Internet"},
		"SendUsageNoClient":  {reason: "Client is a receive usage only", spec: SendConnectorUsage, in: "Client", wantErr: `invalid send connector usage "Client": allowed values are Custom, Internal, Internet, Partner`},
		"ReceiveUsageClient": {reason: "Client is a receive usage", spec: ReceiveConnectorUsage, in: "client", want: "Client"},
		"ReceiveUsageBad":    {reason: "errors list the five usages", spec: ReceiveConnectorUsage, in: "Edge", wantErr: `allowed values are Client, Custom, Internal, Internet, Partner`},
		"SmartHostAuth":      {reason: "seed 000 prints `SmartHostAuthMechanism : BasicAuth`", spec: SmartHostAuthMechanism, in: "BasicAuth", want: "BasicAuth"},
		"SmartHostAuthNone":  {reason: "HC prints None", spec: SmartHostAuthMechanism, in: "None", want: "None"},
		"SmartHostAuthTls":   {reason: "Tls is a receive mechanism only; the values are mutually exclusive", spec: SmartHostAuthMechanism, in: "Tls", wantErr: `invalid smart host authentication mechanism "Tls": allowed values are None, BasicAuth, BasicAuthRequireTLS, ExchangeServer, ExternalAuthoritative`},
		"SmartHostAuthList":  {reason: "a single value, not a list", spec: SmartHostAuthMechanism, in: "BasicAuth, ExchangeServer", wantErr: `invalid smart host authentication mechanism`},
		"TlsAuthLevel":       {reason: "DomainValidation", spec: TlsAuthLevel, in: "domainvalidation", want: "DomainValidation"},
		"TlsAuthLevelBad":    {reason: "errors list the levels", spec: TlsAuthLevel, in: "Strict", wantErr: `allowed values are EncryptionOnly, CertificateValidation, DomainValidation`},
		"LoggingVerbose":     {reason: "Default Frontend prints Verbose", spec: ProtocolLoggingLevel, in: "Verbose", want: "Verbose"},
		"LoggingBad":         {reason: "two levels only", spec: ProtocolLoggingLevel, in: "Debug", wantErr: `allowed values are None, Verbose`},
		"Role":               {reason: "Default S prints HubTransport", spec: TransportRole, in: "HubTransport", want: "HubTransport"},
		"RoleNumber":         {reason: "numbers are not accepted for plain enums", spec: TransportRole, in: "32", wantErr: `allowed values are FrontendTransport, HubTransport`},
		"StatusValid":        {reason: "EAC needs Status Valid", spec: CertificateStatus, in: "Valid", want: "Valid"},
		"StatusNoKey":        {reason: "there is no PrivateKeyMissing status", spec: CertificateStatus, in: "PrivateKeyMissing", wantErr: `invalid certificate status "PrivateKeyMissing"`},
		"Empty":              {reason: "empty is not a value", spec: TlsAuthLevel, in: "", wantErr: `invalid TLS authentication level ""`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := tc.spec.Parse(tc.in)
			checkResult(t, tc.reason, tc.spec.Name+".Parse", tc.in, tc.want, got, tc.wantErr, err)
			if tc.wantErr == "" && (!tc.spec.Valid(tc.in) || !tc.spec.Contains(got) || !tc.spec.Equal(tc.in, got)) {
				t.Errorf("%s\nValid/Contains/Equal disagree with Parse for %q", tc.reason, tc.in)
			}
			if tc.wantErr != "" && tc.spec.Valid(tc.in) {
				t.Errorf("%s\nValid(%q) = true", tc.reason, tc.in)
			}
		})
	}
}

func TestEnumSpecCanonical(t *testing.T) {
	for _, spec := range []EnumSpec{SendConnectorUsage, ReceiveConnectorUsage, SmartHostAuthMechanism, TlsAuthLevel, ProtocolLoggingLevel, TransportRole, CertificateStatus} {
		if len(spec.Values) == 0 || spec.Name == "" {
			t.Errorf("%+v: empty spec", spec)
		}
		for _, v := range spec.Values {
			for _, form := range []string{v, strings.ToUpper(v), strings.ToLower(v)} {
				if got, err := spec.Parse(form); err != nil || got != v {
					t.Errorf("%s.Parse(%q) = %q, %v; want %q", spec.Name, form, got, err, v)
				}
			}
		}
		if spec.Contains(strings.ToLower(spec.Values[0])) && strings.ToLower(spec.Values[0]) != spec.Values[0] {
			t.Errorf("%s.Contains must be exact", spec.Name)
		}
	}
	if !TlsAuthLevel.Equal("FutureLevel", "futurelevel") || TlsAuthLevel.Equal("EncryptionOnly", "DomainValidation") {
		t.Error("Equal must fold case, also for values outside the enumeration")
	}
}

func FuzzEnumSpecParse(f *testing.F) {
	for _, s := range []string{"Partner", "internet", "DomainValidation", "", "None"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, spec := range []EnumSpec{SendConnectorUsage, ReceiveConnectorUsage, SmartHostAuthMechanism, TlsAuthLevel, ProtocolLoggingLevel, TransportRole, CertificateStatus} {
			v, err := spec.Parse(s)
			if err != nil {
				continue
			}
			if !spec.Contains(v) {
				t.Fatalf("%s.Parse(%q) = %q, not canonical", spec.Name, s, v)
			}
			if back, err := spec.Parse(v); err != nil || back != v {
				t.Fatalf("%s round trip of %q: %q, %v", spec.Name, s, back, err)
			}
		}
	})
}
