package exchange

import (
	"strings"
	"testing"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

func TestParamsTSV(t *testing.T) {
	rows := 0
	for _, r := range paramTable {
		rows += len(r)
	}
	// 749 rows of the first extraction plus Export-ExchangeCertificate,
	// Get-FrontendTransportService and Get/New/Set-HybridConfiguration.
	if rows != 798 {
		t.Errorf("params.tsv has %d rows, want 798", rows)
	}
	for _, spec := range exchangeCmdlets {
		if len(paramTable[strings.ToLower(spec.name)]) == 0 {
			t.Errorf("%s is simulated but not in params.tsv", spec.name)
		}
	}
}

func findParam(specs []ps.ParamSpec, name string) *ps.ParamSpec {
	for i := range specs {
		if specs[i].Name == name {
			return &specs[i]
		}
	}
	return nil
}

func TestParamGating(t *testing.T) {
	cases := []struct {
		name    string
		cmdlet  string
		param   string
		version Version
		want    bool
		reason  string
	}{
		{"TlsCertificateName on 2010 send", "Set-SendConnector", "TlsCertificateName", V2010, false, "2013+ only (docs/exchange.md#parameter-availability-by-version)"},
		{"TlsCertificateName on 2013 send", "Set-SendConnector", "TlsCertificateName", V2013, true, "exists from 2013"},
		{"TlsCertificateName on 2010 receive", "New-ReceiveConnector", "TlsCertificateName", V2010, false, "2013+ only"},
		{"TransportRole on 2010", "Set-ReceiveConnector", "TransportRole", V2010, false, "2013+ only"},
		{"AuthTarpitInterval on 2013", "Set-ReceiveConnector", "AuthTarpitInterval", V2013, false, "2016+ only"},
		{"AuthTarpitInterval on 2016", "Set-ReceiveConnector", "AuthTarpitInterval", V2016, true, "2016+"},
		{"ConnectorType on SE", "New-SendConnector", "ConnectorType", VSE, true, "2016+"},
		{"LinkedReceiveConnector on 2013", "New-SendConnector", "LinkedReceiveConnector", V2013, false, "2010 only"},
		{"certificate Identity on 2010", "Enable-ExchangeCertificate", "Identity", V2010, false, "2013+ only (docs/exchange.md#identities)"},
		{"certificate Identity on 2019", "Enable-ExchangeCertificate", "Identity", V2019, true, "2013+"},
		{"FileName on 2016", "Import-ExchangeCertificate", "FileName", V2016, false, "2013 only"},
		{"FileName on 2013", "Import-ExchangeCertificate", "FileName", V2013, true, "2013 only"},
		{"EXO-only parameter", "Set-TransportConfig", "SmtpClientAuthenticationDisabled", V2019, false, "Exchange Online only"},
		{"Confirm on a Remove", "Remove-SendConnector", "Confirm", V2019, true, "ShouldProcess cmdlets declare -Confirm (params.tsv lists it); the binder adds it only then"},
		{"no Confirm on a Get", "Get-SendConnector", "Confirm", V2019, false, "Get-* do not support ShouldProcess"},
		{"Path never", "New-ExchangeCertificate", "Path", V2010, false, "seed 001's -Path is not in the reference"},
		{"RequestFile on 2013", "New-ExchangeCertificate", "RequestFile", V2013, true, "2013 only"},
		{"RequestFile on 2019", "New-ExchangeCertificate", "RequestFile", V2019, false, "removed after 2013 (file paths went away with the Request set)"},
		{"export FileName on 2019", "Export-ExchangeCertificate", "FileName", V2019, false, "2013 only"},
		{"export Password on 2010", "Export-ExchangeCertificate", "Password", V2010, true, "every version"},
		{"export Identity on 2010", "Export-ExchangeCertificate", "Identity", V2010, false, "2013+"},
		{"hybrid TlsCertificateName on 2010", "Set-HybridConfiguration", "TlsCertificateName", V2010, false, "2013+; 2010 has SecureMailCertificateThumbprint"},
		{"hybrid TlsCertificateName on 2016", "New-HybridConfiguration", "TlsCertificateName", V2016, true, "2013+"},
		{"hybrid SecureMailCertificateThumbprint on 2013", "Set-HybridConfiguration", "SecureMailCertificateThumbprint", V2013, false, "2010 only"},
		{"hybrid TransportServers on 2010", "New-HybridConfiguration", "TransportServers", V2010, true, "2010 only"},
		{"hybrid SendingTransportServers on 2010", "Set-HybridConfiguration", "SendingTransportServers", V2010, false, "2013+"},
		{"hybrid ClientAccessServers on New 2019", "New-HybridConfiguration", "ClientAccessServers", V2019, false, "New: 2010 only"},
		{"hybrid ClientAccessServers on Set 2019", "Set-HybridConfiguration", "ClientAccessServers", V2019, true, "Set: every version"},
		{"hybrid Name on New", "New-HybridConfiguration", "Name", V2019, false, "only Set-HybridConfiguration has -Name"},
		{"hybrid Identity", "Get-HybridConfiguration", "Identity", V2019, false, "a singleton: Get takes only -DomainController"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := findParam(paramSpecs(tc.cmdlet, tc.version), tc.param) != nil
			if got != tc.want {
				t.Errorf("%s: present = %v, want %v", tc.reason, got, tc.want)
			}
		})
	}
}

func TestParamShapes(t *testing.T) {
	cases := []struct {
		name, cmdlet, param string
		position            int
		mandatoryIn         []string
		sets                int
		reason              string
	}{
		{"Set identity positional", "Set-SendConnector", "Identity", 0, []string{"(All)"}, 0, "[-Identity] is position 0 and mandatory"},
		{"New name positional", "New-ReceiveConnector", "Name", 0, []string{"Custom", "Internet", "Partner", "Internal", "Client", "UsageType"}, 6, "[-Name] in every usage set"},
		{"Internet switch", "New-ReceiveConnector", "Internet", -1, []string{"Internet"}, 1, "set-selecting switch"},
		{"Bindings per set", "New-ReceiveConnector", "Bindings", -1, []string{"Custom", "Internet", "Partner"}, 6, "SYNTAX blocks (docs/exchange.md#parameter-availability-by-version)"},
		{"thumbprint positional", "Get-ExchangeCertificate", "Thumbprint", 0, nil, 1, "a bare thumbprint binds to -Thumbprint"},
		{"enable services mandatory", "Enable-ExchangeCertificate", "Services", -1, []string{"Thumbprint", "Identity"}, 2, "Services required in both sets"},
		{"import filedata", "Import-ExchangeCertificate", "FileData", -1, []string{"FileData"}, 1, "no positional parameter (seed 000 PositionalParameterNotFound)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := findParam(paramSpecs(tc.cmdlet, V2019), tc.param)
			if p == nil {
				t.Fatalf("%s: no parameter", tc.reason)
			}
			if p.Position != tc.position || strings.Join(p.MandatoryIn, ",") != strings.Join(tc.mandatoryIn, ",") || len(p.Sets) != tc.sets {
				t.Errorf("%s: got position %d mandatory %v sets %v", tc.reason, p.Position, p.MandatoryIn, p.Sets)
			}
		})
	}
}

func TestCommandsPerVersion(t *testing.T) {
	cases := []struct {
		name    string
		version Version
		cmdlet  string
		want    bool
		reason  string
	}{
		{"TransportService 2010", V2010, "Get-TransportService", false, "Get-TransportService is 2013+"},
		{"TransportService 2013", V2013, "Get-TransportService", true, "2013+"},
		{"TransportServer 2019", V2019, "Get-TransportServer", true, "still listed for every version"},
		{"certificates 2010", V2010, "Import-ExchangeCertificate", true, "all versions"},
		{"export 2010", V2010, "Export-ExchangeCertificate", true, "all versions"},
		{"hybrid 2010", V2010, "Set-HybridConfiguration", true, "all versions (2010 SP2+)"},
		{"hybrid SE", VSE, "New-HybridConfiguration", true, "all versions"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := newTestOrg(t, ServerSpec{Name: "EX1", Version: tc.version})
			s, _ := o.Server("EX1")
			got := false
			for _, c := range o.commandsFor(s, nil) {
				got = got || c.Name() == tc.cmdlet
			}
			if got != tc.want {
				t.Errorf("%s: present = %v", tc.reason, got)
			}
		})
	}
}
