package exchange

import (
	"strings"
	"testing"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

func newRecv(name string, a args) call {
	out := args{"Name": name}
	for k, v := range a {
		out[k] = v
	}
	return call{name: "New-ReceiveConnector", args: out}
}

func setRecv(id string, a args) call {
	out := args{"Identity": id}
	for k, v := range a {
		out[k] = v
	}
	return call{name: "Set-ReceiveConnector", args: out}
}

func TestReceiveConnectorRules(t *testing.T) {
	custom := args{"Custom": true, "Bindings": []any{"10.0.0.1:2526"}, "RemoteIPRanges": []any{"10.1.0.0/16"}}
	with := func(more args) args {
		out := args{}
		for k, v := range custom {
			out[k] = v
		}
		for k, v := range more {
			out[k] = v
		}
		return out
	}
	bindingRoles := `The values that you specified for the Bindings and RemoteIPRanges parameters conflict with the settings on Receive connector "WIN20081\Default Frontend WIN20081". Receive connectors assigned to different Transport roles on a single server must listen on unique local IP address & port bindings.`
	cases := []ruleCase{
		{"internet with bindings", nil, newRecv("From-canoe.com", args{"Usage": "Internet", "Bindings": []any{"191.121.0.200:26"}, "Fqdn": "win20081.work.com", "Server": "WIN20081"}), "", "seed 001"},
		{"internet without bindings", nil, newRecv("R", args{"Internet": true}), "missing mandatory parameters: Bindings.", "Internet requires Bindings (item 11)"},
		{"internet with remote ranges", nil, newRecv("R", args{"Usage": "Internet", "Bindings": []any{"10.0.0.1:26"}, "RemoteIPRanges": []any{"1.2.3.4"}}), "The RemoteIPRanges parameter can't be used with the Internet usage type", "item 11"},
		{"partner", nil, newRecv("From-work.com", args{"Usage": "Partner", "Bindings": []any{"191.121.111.200:26"}, "RemoteIPRanges": []any{"191.121.0.200-191.121.0.200"}}), "", "seed 001"},
		{"partner without ranges", nil, newRecv("R", args{"Usage": "Partner", "Bindings": []any{"10.0.0.1:26"}}), "missing mandatory parameters: RemoteIPRanges.", "item 11"},
		{"client", nil, newRecv("R", args{"Client": true, "RemoteIPRanges": []any{"10.0.0.0/8"}, "TransportRole": "FrontendTransport"}), "", "Client takes 0.0.0.0:587 (conflicts only with another role)"},
		{"client with bindings", nil, newRecv("R", args{"Client": true, "Bindings": []any{"10.0.0.1:587"}, "RemoteIPRanges": []any{"10.0.0.0/8"}}), "The Bindings parameter can't be used with the Client usage type", "item 11 (follow the text)"},
		{"internal with bindings", nil, newRecv("R", args{"Internal": true, "Bindings": []any{"10.0.0.1:25"}, "RemoteIPRanges": []any{"10.0.0.0/8"}}), "can't be used with the Internal usage type", "item 11"},
		{"custom without values", nil, newRecv("R", args{"Custom": true}), "missing mandatory parameters: Bindings RemoteIPRanges.", "Custom requires both"},
		{"custom", nil, newRecv("R", custom), "", "Custom"},
		{"other role same endpoint", nil, newRecv("R", args{"Custom": true, "Bindings": []any{"0.0.0.0:25"}, "RemoteIPRanges": []any{"10.0.0.5"}}), bindingRoles, "docs/exchange.md#error-texts verbatim (a HubTransport connector on Default Frontend's port)"},
		{"same role same ranges", nil, newRecv("R", args{"Custom": true, "TransportRole": "FrontendTransport", "Bindings": []any{"0.0.0.0:25"}, "RemoteIPRanges": []any{allIPv6, allIPv4}}), "A Receive connector must have a unique combination", "item 12"},
		{"relay on shared endpoint", nil, newRecv("Relay", args{"Custom": true, "TransportRole": "FrontendTransport", "Bindings": []any{"0.0.0.0:25"}, "RemoteIPRanges": []any{"10.0.0.5"}}), "", "more specific remote range on the same binding (item 12)"},
		{"partial overlap", []call{newRecv("A", args{"Custom": true, "Bindings": []any{"10.0.0.1:26"}, "RemoteIPRanges": []any{"10.0.0.0-10.0.0.255"}})},
			newRecv("B", args{"Custom": true, "Bindings": []any{"0.0.0.0:26"}, "RemoteIPRanges": []any{"10.0.0.128-10.0.1.10"}}), "unique combination", "item 13: overlap only when one contains the other"},
		{"auth none alone", nil, newRecv("R", with(args{"AuthMechanism": "None"})), "", "None alone"},
		{"auth none with tls", nil, newRecv("R", with(args{"AuthMechanism": "None, Tls"})), "None can't be combined", "None only alone"},
		{"basic require TLS complete", nil, newRecv("R", with(args{"AuthMechanism": []any{"Tls", "BasicAuth", "BasicAuthRequireTLS"}})), "", "needs BasicAuth and Tls"},
		{"basic require TLS alone", nil, newRecv("R", with(args{"AuthMechanism": "BasicAuthRequireTLS"})), "BasicAuthRequireTLS requires both BasicAuth and Tls", "item: BasicAuthRequireTLS"},
		{"external authoritative", nil, newRecv("R", with(args{"AuthMechanism": "Tls, ExternalAuthoritative", "PermissionGroups": "ExchangeServers"})), "", "with Tls and ExchangeServers"},
		{"external with basic", nil, newRecv("R", with(args{"AuthMechanism": "Tls, BasicAuth, ExternalAuthoritative", "PermissionGroups": "ExchangeServers"})), "ExternalAuthoritative can only be combined with Tls", "only with Tls"},
		{"external without group", nil, newRecv("R", with(args{"AuthMechanism": "ExternalAuthoritative"})), "requires the ExchangeServers permission group", "PermissionGroups rule"},
		{"require TLS", nil, newRecv("R", with(args{"RequireTLS": true})), "", "item 15"},
		{"require TLS without Tls", nil, newRecv("R", with(args{"RequireTLS": true, "AuthMechanism": "BasicAuth"})), "RequireTLS can be $true only when AuthMechanism includes Tls", "item 15"},
		{"domain secure", nil, newRecv("R", with(args{"DomainSecureEnabled": true})), "", "item 14"},
		{"domain secure without Tls", nil, newRecv("R", with(args{"DomainSecureEnabled": true, "AuthMechanism": "Integrated"})), "DomainSecureEnabled can be $true only when AuthMechanism includes Tls", "item 14"},
		{"domain secure with external", nil, newRecv("R", with(args{"DomainSecureEnabled": true, "AuthMechanism": "Tls, ExternalAuthoritative", "PermissionGroups": "ExchangeServers"})), "can't be $true when AuthMechanism includes ExternalAuthoritative", "item 14"},
		{"custom permission group", nil, newRecv("R", with(args{"PermissionGroups": "AnonymousUsers, Custom"})), "The Custom permission group can't be set", "[DECOMP]"},
		{"bad permission group", nil, newRecv("R", with(args{"PermissionGroups": "Everyone"})), "Cannot bind parameter 'PermissionGroups'", "enum conversion"},
		{"timeouts", nil, newRecv("R", with(args{"ConnectionTimeout": "00:05:00", "ConnectionInactivityTimeout": "00:06:00"})), "can't be greater than ConnectionTimeout", "item 16"},
		{"binary mime", nil, newRecv("R", with(args{"ChunkingEnabled": false})), "BinaryMimeEnabled can be $true only when ChunkingEnabled", "item 18"},
		{"message size", nil, newRecv("R", with(args{"MaxMessageSize": "32KB"})), "Cannot process argument transformation on parameter 'MaxMessageSize'", "65536..2147483647 bytes"},
		{"backslash name", nil, newRecv(`A\B`, custom), "can't contain", "[DECOMP] name check"},
		{"existing name", []call{newRecv("R", custom)}, newRecv("r", with(args{"Bindings": []any{"10.0.0.2:2526"}})), "The object 'CN=r,CN=SMTP Receive Connectors,CN=Protocols,CN=WIN20081,", "AD collision"},
		{"bad binding", nil, newRecv("R", with(args{"Bindings": []any{"10.0.0.1"}})), "isn't a valid IP binding", "IPBinding syntax"},
		{"set permission groups", nil, setRecv(`WIN20081\Default WIN20081`, args{"PermissionGroups": []any{"AnonymousUsers", "ExchangeUsers", "ExchangeServers", "ExchangeLegacyServers"}}), "", "seed 001"},
		{"set by name", []call{newRecv("From-canoe.com", args{"Internet": true, "Bindings": []any{"191.121.0.200:26"}})}, setRecv("from-canoe.com", args{"DomainSecureEnabled": true}), "", "seed 001: identity by name, case-insensitive"},
		{"set missing", nil, setRecv("nope", args{"Enabled": false}), "The operation couldn't be performed because object 'nope' couldn't be found on 'DC01.work.com'.", "docs/exchange.md#error-texts"},
		{"remove without confirm", nil, call{name: "Remove-ReceiveConnector", args: args{"Identity": `WIN20081\Client Frontend WIN20081`}}, "NonInteractive mode", "docs/exchange.md#prompts-and-confirmation"},
		{"remove", nil, call{name: "Remove-ReceiveConnector", args: args{"Identity": `WIN20081\Client Frontend WIN20081`}, confirm: boolPtr(false)}, "", "-Confirm:$false"},
	}
	runRules(t, cases)
}

func TestReceiveConnectorEdge(t *testing.T) {
	runRules(t, []ruleCase{
		{"legacy servers", nil, newRecv("R", args{"Custom": true, "Bindings": []any{"10.0.0.1:26"}, "RemoteIPRanges": []any{"1.2.3.4"}, "PermissionGroups": "ExchangeLegacyServers"}), "can't be used on an Edge", "[DECOMP]"},
		{"transport role", nil, setRecv(`EDGE1\Default internal receive connector EDGE1`, args{"TransportRole": "FrontendTransport"}), "TransportRole parameter can't be used on an Edge", "item 20"},
		{"domain controller", nil, call{name: "Get-ReceiveConnector", args: args{"DomainController": "dc01.work.com"}}, "DomainController parameter isn't supported on Edge", "item 8"},
	}, ServerSpec{Name: "EDGE1", Role: Edge})
}

func TestReceiveConnectorValues(t *testing.T) {
	o := newTestOrg(t, ServerSpec{Name: "WIN20081"}, ServerSpec{Name: "WIN20083"})
	sh := remoteShell(t, o, "WIN20081")
	sh.must("New-ReceiveConnector", args{"Name": "Clients", "Client": true, "RemoteIPRanges": []any{"10.0.0.0/8"}, "TransportRole": "FrontendTransport"})
	sh.must("New-ReceiveConnector", args{"Name": "Partners", "Partner": true, "Bindings": []any{"10.0.0.1:26"}, "RemoteIPRanges": []any{"1.2.3.4"}})
	sh.must("New-ReceiveConnector", args{"Name": "Net", "Internet": true, "Bindings": []any{"10.0.0.1:27"}, "Server": "WIN20083"})
	sh.must("New-ReceiveConnector", args{"Name": "Partners", "Partner": true, "Bindings": []any{"10.0.0.2:26"}, "RemoteIPRanges": []any{"1.2.3.4"}, "Server": "WIN20083"})
	sh.must("Set-ReceiveConnector", args{"Identity": `WIN20081\Partners`, "RemoteIPRanges": &ps.Hashtable{Keys: []string{"Add"}, Values: map[string]any{"add": "5.6.7.0/24"}}})
	cases := []struct {
		name, identity, property, want, reason string
	}{
		{"client perms", `WIN20081\Clients`, "PermissionGroups", "ExchangeUsers", "item 11 table"},
		{"client auth", `WIN20081\Clients`, "AuthMechanism", "Tls, Integrated, BasicAuth, BasicAuthRequireTLS", "item 11 table"},
		{"client binding", `WIN20081\Clients`, "Bindings", "{0.0.0.0:587}", "default binding"},
		{"partner secure", `WIN20081\Partners`, "DomainSecureEnabled", "True", "[DECOMP] Partner"},
		{"partner add range", `WIN20081\Partners`, "RemoteIPRanges", "{1.2.3.4, 5.6.7.0/24}", "@{Add=...}"},
		{"internet range", `WIN20083\Net`, "RemoteIPRanges", "{0.0.0.0-255.255.255.255}", "item 11 table"},
		{"internet perms", `WIN20083\Net`, "PermissionGroups", "AnonymousUsers", "item 11 table"},
		{"other server fqdn", `WIN20083\Net`, "Fqdn", "win20083.work.com", "Fqdn defaults to the server's"},
		{"identity", `WIN20083\Net`, "Identity", `WIN20083\Net`, "Server\\Name"},
		{"role", `WIN20083\Net`, "TransportRole", "HubTransport", "[DECOMP] default role"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := sh.must("Get-ReceiveConnector", args{"Identity": tc.identity})
			if got := prop(t, out[0], tc.property); got != tc.want {
				t.Errorf("%s: %s = %q, want %q", tc.reason, tc.property, got, tc.want)
			}
		})
	}
	if out := sh.must("Get-ReceiveConnector", args{"Identity": "Partners"}); len(out) != 2 {
		t.Errorf("a name without server matches every server's connector, got %d", len(out))
	}
	_, err := sh.run(setRecv("Partners", args{"Enabled": false}))
	if err == nil || !strings.Contains(err.Error(), "matches multiple entries") {
		t.Errorf("Set on an ambiguous name must fail: %v", err)
	}
	if out := sh.must("Get-ReceiveConnector", args{"Server": "WIN20083"}); len(out) != 7 {
		t.Errorf("-Server WIN20083 returns %d connectors, want 5 defaults + 2", len(out))
	}
	if _, err := sh.run(call{name: "Get-ReceiveConnector", args: args{"Server": "NOPE"}}); err == nil {
		t.Errorf("an unknown -Server must fail")
	}
}
