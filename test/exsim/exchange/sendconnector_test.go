package exchange

import (
	"strings"
	"testing"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

type args = map[string]any

func cred(user, pw string) *ps.Credential {
	return &ps.Credential{UserName: user, Password: ps.NewSecureString(pw)}
}

func newSend(name string, extra args) call {
	a := args{"Name": name, "AddressSpaces": []any{"SMTP:canoe.com;1"}}
	for k, v := range extra {
		a[k] = v
	}
	return call{name: "New-SendConnector", args: a}
}

func setSend(name string, extra args) call {
	a := args{"Identity": name}
	for k, v := range extra {
		a[k] = v
	}
	return call{name: "Set-SendConnector", args: a}
}

// ruleCase runs setup steps (which must succeed) and then the call under
// test; wantErr is a substring of the expected message ("" = success).
type ruleCase struct {
	name    string
	setup   []call
	test    call
	wantErr string
	reason  string
}

func runRules(t *testing.T, cases []ruleCase, specs ...ServerSpec) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := newTestOrg(t, specs...)
			sh := func() *shell {
				server := "WIN20081"
				if len(specs) > 0 {
					server = specs[0].Name
				}
				sh := remoteShell
				if len(specs) > 0 && specs[0].Role == Edge {
					sh = snapinShell // Edge has no remote PowerShell (docs/exchange.md#loading-the-cmdlets)
				}
				return sh(t, o, server)
			}()
			for _, s := range tc.setup {
				if _, err := sh.run(s); err != nil {
					t.Fatalf("setup %s: %v", s.name, err)
				}
			}
			_, err := sh.run(tc.test)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("%s: unexpected error: %v", tc.reason, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("%s: error = %q, want %q", tc.reason, errText(err), tc.wantErr)
			}
		})
	}
}

func TestSendConnectorRules(t *testing.T) {
	smart := args{"DNSRoutingEnabled": false, "SmartHosts": []any{"relay.work.com"}}
	with := func(a args, more args) args {
		out := args{}
		for k, v := range a {
			out[k] = v
		}
		for k, v := range more {
			out[k] = v
		}
		return out
	}
	cases := []ruleCase{
		{"smart hosts with DNS off", nil, newSend("S", smart), "", "SmartHosts need DNSRoutingEnabled $false (item 1)"},
		{"smart hosts with DNS on", nil, newSend("S", args{"SmartHosts": []any{"relay.work.com"}}), "SmartHosts can't be specified when DNSRoutingEnabled is $true", "item 1"},
		{"DNS off without smart hosts", nil, newSend("S", args{"DNSRoutingEnabled": false}), "SmartHosts must be set", "SmartHostNotSet"},
		{"basic auth with credential", nil, newSend("S", with(smart, args{"SmartHostAuthMechanism": "BasicAuth", "AuthenticationCredential": cred("u", "p")})), "", "item 2"},
		{"basic auth without credential", nil, newSend("S", with(smart, args{"SmartHostAuthMechanism": "BasicAuthRequireTLS"})), "AuthenticationCredential must be set", "item 2"},
		{"auth without DNSRoutingEnabled", nil, newSend("S", args{"SmartHosts": []any{"relay.work.com"}, "SmartHostAuthMechanism": "BasicAuth", "AuthenticationCredential": cred("u", "p")}), "DNSRoutingEnabled must be set to $false on the same command line", "smart hosts need DNS off on the same line"},
		{"auth mechanism needs DNS parameter", nil, newSend("S", args{"SmartHostAuthMechanism": "None"}), "DNSRoutingEnabled must be set to $false on the same command line", "[DECOMP] DNSRoutingEnabledMustBeSpecifiedForAuthMechanism"},
		{"auth on DNS connector", []call{newSend("S", nil)}, setSend("S", args{"SmartHostAuthMechanism": "ExchangeServer"}), "SmartHostAuthMechanism can be set only when DNSRoutingEnabled is $false", "item 2"},
		{"require TLS", nil, newSend("S", args{"RequireTLS": true}), "", "item 3"},
		{"require TLS and ignore STARTTLS", nil, newSend("S", args{"RequireTLS": true, "IgnoreSTARTTLS": true}), "IgnoreSTARTTLS can't be set to $true when RequireTLS", "item 3"},
		{"set ignore STARTTLS on TLS connector", []call{newSend("S", args{"RequireTLS": true})}, setSend("S", args{"IgnoreSTARTTLS": true}), "IgnoreSTARTTLS can't be set", "item 3 on Set"},
		{"TLS auth level with RequireTLS", nil, newSend("S", args{"RequireTLS": true, "TlsAuthLevel": "CertificateValidation"}), "", "item 4"},
		{"TLS auth level without RequireTLS", nil, newSend("S", args{"TlsAuthLevel": "EncryptionOnly"}), "TlsAuthLevel can be set only when RequireTLS is $true", "item 4"},
		{"TLS auth level with ignore STARTTLS", nil, newSend("S", args{"IgnoreSTARTTLS": true, "TlsAuthLevel": "EncryptionOnly"}), "TlsAuthLevel can be set only when RequireTLS", "item 4"},
		{"turning RequireTLS off keeps level", []call{newSend("S", args{"RequireTLS": true, "TlsAuthLevel": "EncryptionOnly"})}, setSend("S", args{"RequireTLS": false}), "TlsAuthLevel can be set only", "clear TlsAuthLevel in the same command"},
		{"turning RequireTLS off clears level", []call{newSend("S", args{"RequireTLS": true, "TlsAuthLevel": "EncryptionOnly"})}, setSend("S", args{"RequireTLS": false, "TlsAuthLevel": nil}), "", "TlsAuthLevel $null"},
		{"TLS domain with domain validation", nil, newSend("S", args{"RequireTLS": true, "TlsAuthLevel": "DomainValidation", "TlsDomain": "*.canoe.com"}), "", "item 5"},
		{"TLS domain with other level", nil, newSend("S", args{"RequireTLS": true, "TlsAuthLevel": "CertificateValidation", "TlsDomain": "canoe.com"}), "TlsDomain can be set only when TlsAuthLevel is DomainValidation", "item 5"},
		{"domain validation on smart host needs domain", nil, newSend("S", with(smart, args{"RequireTLS": true, "TlsAuthLevel": "DomainValidation"})), "TlsDomain must be set", "item 5"},
		{"domain validation on smart host", nil, newSend("S", with(smart, args{"RequireTLS": true, "TlsAuthLevel": "DomainValidation", "TlsDomain": "relay.work.com"})), "", "item 5"},
		{"domain secure", nil, newSend("S", args{"DomainSecureEnabled": true}), "", "item 6"},
		{"domain secure on smart host", nil, newSend("S", with(smart, args{"DomainSecureEnabled": true})), "DomainSecureEnabled can be $true only when DNSRoutingEnabled is $true", "item 6"},
		{"domain secure with ignore STARTTLS", nil, newSend("S", args{"DomainSecureEnabled": true, "IgnoreSTARTTLS": true}), "DomainSecureEnabled can't be $true when IgnoreSTARTTLS", "item 6"},
		{"domain secure with TLS auth level", nil, newSend("S", args{"DomainSecureEnabled": true, "RequireTLS": true, "TlsAuthLevel": "EncryptionOnly"}), "TlsAuthLevel can't be set when DomainSecureEnabled", "[DECOMP] TlsAuthLevelWithDomainSecureEnabled"},
		{"wildcard address space", nil, newSend("S", args{"AddressSpaces": []any{"*.canoe.com;5"}}), "", "item 7"},
		{"bad wildcard address space", nil, newSend("S", args{"AddressSpaces": []any{"*canoe.com"}}), "Cannot process argument transformation on parameter 'AddressSpaces'", "*x.com is invalid"},
		{"cost out of range", nil, newSend("S", args{"AddressSpaces": []any{"canoe.com;101"}}), "cost must be between 1 and 100", "cost 1..100"},
		{"non-SMTP needs smart hosts", nil, newSend("S", args{"AddressSpaces": []any{"X400:c=US;a= ;p=Org;1"}}), "requires smart hosts", "item 7"},
		{"non-SMTP through smart host", nil, newSend("S", with(smart, args{"AddressSpaces": []any{"X400:c=US;a= ;p=Org;1"}})), "", "item 7"},
		{"dash dash off edge", nil, newSend("S", args{"AddressSpaces": []any{"--"}}), `"--" can be used only on an Edge`, "[DECOMP]"},
		{"source IP off edge", nil, newSend("S", args{"SourceIPAddress": "10.0.0.5"}), "SourceIPAddress can be set only on an Edge", "item 8"},
		{"unknown source server", nil, newSend("S", args{"SourceTransportServers": []any{"NOPE"}}), "object 'NOPE' couldn't be found on 'DC01.work.com'", "ServerIdParameter"},
		{"two usages", nil, newSend("S", args{"Internet": true, "Usage": "Partner"}), "Only one usage type can be specified", "item 9"},
		{"existing name", []call{newSend("S", nil)}, newSend("s", nil), "Active Directory operation failed on DC01.work.com. The object 'CN=s,CN=Connections,", "docs/exchange.md#error-texts"},
		{"disabled without force", nil, newSend("S", args{"Enabled": false}), "NonInteractive mode", "New -Enabled $false prompts"},
		{"disabled with force", nil, newSend("S", args{"Enabled": false, "Force": true}), "", "-Force answers the prompt"},
		{"missing identity", nil, setSend("nope", args{"Port": 26}), "The operation couldn't be performed because object 'nope' couldn't be found on 'DC01.work.com'.", "docs/exchange.md#error-texts"},
		{"port range", []call{newSend("S", nil)}, setSend("S", args{"Port": 70000}), "Cannot validate argument on parameter 'Port'", "0..65535"},
		{"set port", []call{newSend("S", nil)}, setSend("S", args{"Port": 26}), "", "seed 001"},
		{"remove without confirm", []call{newSend("S", nil)}, call{name: "Remove-SendConnector", args: args{"Identity": "S"}}, "Windows PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.", "docs/exchange.md#prompts-and-confirmation"},
		{"remove with confirm false", []call{newSend("S", nil)}, call{name: "Remove-SendConnector", args: args{"Identity": "S"}, confirm: boolPtr(false)}, "", "-Confirm:$false"},
	}
	runRules(t, cases)
}

func TestSendConnectorEdge(t *testing.T) {
	edge := ServerSpec{Name: "EDGE1", Role: Edge}
	runRules(t, []ruleCase{
		{"source servers on edge", nil, newSend("S", args{"SourceTransportServers": []any{"EDGE1"}}), "SourceTransportServers can't be set on an Edge", "item 8"},
		{"source IP on edge", nil, newSend("S", args{"SourceIPAddress": "10.0.0.5"}), "", "item 8"},
		{"non-SMTP on edge", nil, newSend("S", args{"AddressSpaces": []any{"X400:c=US;1"}, "DNSRoutingEnabled": false, "SmartHosts": []any{"h.x.com"}}), "Only SMTP address spaces", "item 7"},
	}, edge)
	runRules(t, []ruleCase{
		{"subscribed edge", nil, newSend("S", nil), "can't be run on an Edge Transport server that's subscribed", "docs/exchange.md#scopes"},
	}, ServerSpec{Name: "EDGE2", Role: Edge, Subscribed: true})
}

func TestSendConnectorValues(t *testing.T) {
	o := newTestOrg(t, ServerSpec{Name: "WIN20081"}, ServerSpec{Name: "WIN20083"})
	sh := remoteShell(t, o, "WIN20081")
	sh.must("New-SendConnector", args{"Name": "to-work.com", "Usage": "Partner", "AddressSpaces": []any{"SMTP:work.com;1"}, "DNSRoutingEnabled": true, "SourceTransportServers": []any{"WIN20081"}})
	sh.must("New-SendConnector", args{"Name": "Internal", "Internal": true, "AddressSpaces": []any{"x.com"}})
	sh.must("New-SendConnector", args{"Name": "Plain", "AddressSpaces": []any{"y.com"}})
	sh.must("New-SendConnector", args{"Name": "Smart", "AddressSpaces": []any{"z.com"}, "DNSRoutingEnabled": false, "SmartHosts": []any{"142.46.226.22", "relay.work.com"}})
	sh.must("Set-SendConnector", args{"Identity": "Smart", "SmartHosts": &ps.Hashtable{Keys: []string{"Add", "Remove"},
		Values: map[string]any{"add": []any{"relay2.work.com"}, "remove": "relay.work.com"}}})
	// Another server of the org sees the org-wide connectors.
	other := remoteShell(t, o, "WIN20083")
	cases := []struct {
		name, identity, property, want, reason string
	}{
		{"partner domain secure", "to-work.com", "DomainSecureEnabled", "True", "Partner sets DomainSecureEnabled (seed 001)"},
		{"partner size", "to-work.com", "MaxMessageSize", "35 MB (36,700,160 bytes)", "35 MB for non-Internal usage"},
		{"internal size", "Internal", "MaxMessageSize", "Unlimited", "Internal usage is unlimited"},
		{"source default", "Plain", "SourceTransportServers", "{WIN20081}", "the local server by default"},
		{"smart host forms", "Smart", "SmartHosts", "{[142.46.226.22], relay2.work.com}", "IP literals in brackets; @{Add;Remove}"},
		{"smart hosts string", "Smart", "SmartHostsString", "[142.46.226.22],relay2.work.com", "SmartHostsString"},
		{"dns computed", "Smart", "DNSRoutingEnabled", "False", "smart-host connector"},
		{"address space form", "to-work.com", "AddressSpaces", "{SMTP:work.com;1}", "AddressSpace.ToString"},
		{"identity", "to-work.com", "Identity", "to-work.com", "send connector identity is the name"},
		{"server prefix identity", `WIN20081\Plain`, "Name", "Plain", "Get accepts Server\\Name (docs/exchange.md#identities)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := other.must("Get-SendConnector", args{"Identity": tc.identity})
			if len(out) != 1 {
				t.Fatalf("got %d objects", len(out))
			}
			if got := prop(t, out[0], tc.property); got != tc.want {
				t.Errorf("%s: %s = %q, want %q", tc.reason, tc.property, got, tc.want)
			}
		})
	}
	if all := sh.must("Get-SendConnector", nil); len(all) != 4 {
		t.Errorf("Get-SendConnector without identity returns %d connectors, want 4", len(all))
	}
	if all := sh.must("Get-SendConnector", args{"Identity": nil}); len(all) != 4 {
		t.Errorf("-Identity $null returns all connectors ([REF] caution)")
	}
	if _, err := sh.run(call{name: "Get-SendConnector", args: args{"Identity": "missing"}}); err == nil {
		t.Errorf("a missing identity must fail, never return all")
	}
	sh.must("Set-SendConnector", args{"Identity": "Smart", "DNSRoutingEnabled": true})
	if got := prop(t, sh.must("Get-SendConnector", args{"Identity": "Smart"})[0], "SmartHosts"); got != "{}" {
		t.Errorf("DNSRoutingEnabled $true clears SmartHosts ([DECOMP]); got %s", got)
	}
}

func TestSendConnector2010(t *testing.T) {
	o := newTestOrg(t, ServerSpec{Name: "EX10", Version: V2010})
	sh := remoteShell(t, o, "EX10")
	out := sh.must("New-SendConnector", args{"Name": "S", "AddressSpaces": []any{"*"}})
	if got := prop(t, out[0], "MaxMessageSize"); got != "10 MB (10,485,760 bytes)" {
		t.Errorf("2010 default MaxMessageSize = %q", got)
	}
	if _, err := sh.run(call{name: "Set-SendConnector", args: args{"Identity": "S", "TlsCertificateName": "<I>CN=a<S>CN=b"}}); err == nil ||
		!strings.Contains(err.Error(), "A parameter cannot be found that matches parameter name 'TlsCertificateName'") {
		t.Errorf("TlsCertificateName must be refused on 2010: %v", err)
	}
	if o := out[0].(*ps.Object); o.Get("TlsCertificateName") != nil || o.Get("LinkedReceiveConnector") == nil {
		t.Errorf("2010 objects lack 2013+ properties and have 2010-only ones")
	}
}
