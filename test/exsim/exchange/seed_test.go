package exchange

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The seed 001 lab, replayed through the cmdlets: every Format-List block
// of the transcript must come out verbatim. The lab ran Exchange 2007; the
// 2013 model is used because 2016+ adds AuthTarpitInterval, which `auth*`
// would also list.

// workComLab is the work.com lab as the first transcript saw it: the Send
// connector had been created as "To-Canoe.com" with a lower-case address
// space type (the seed's own New-SendConnector line differs from its
// output, so the lab state is loaded as a brownfield state).
const workComLab = `
domain: work.com
servers:
- name: WIN20081
  version: "2013"
  receiveConnectors: null
  certificates: null
sendConnectors:
- name: To-Canoe.com
  usage: Internet
  properties:
    AddressSpaces: ["smtp:canoe.com;1"]
    Port: 26
    SourceTransportServers: [WIN20081]
`

func loadLab(t *testing.T, text string) *Org {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := LoadFile(path, Options{Clock: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func block(lines ...string) string { return strings.Join(lines, "\n") + "\n\n" }

func TestSeed001WorkCom(t *testing.T) {
	o := loadLab(t, workComLab)
	sh := remoteShell(t, o, "WIN20081")
	sh.must("New-ReceiveConnector", args{"Name": "From-Canoe.com", "Usage": "Internet", "Bindings": []any{"191.121.0.200:26"}, "Fqdn": "win20081.work.com", "Server": "WIN20081"})
	sh.must("Set-ReceiveConnector", args{"Identity": `Win20081\Default Win20081`, "PermissionGroups": []any{"AnonymousUsers", "ExchangeUsers", "ExchangeServers", "ExchangeLegacyServers"}})
	sh.must("Set-ReceiveConnector", args{"Identity": "From-Canoe.com", "PermissionGroups": []any{"AnonymousUsers", "ExchangeUsers", "ExchangeServers", "ExchangeLegacyServers"}})

	steps := []struct {
		name string
		run  func() []any
		fl   []string
		want string
	}{
		{"Get-TransportConfig | fl tls*", func() []any { return sh.must("Get-TransportConfig", nil) }, []string{"tls*"},
			block("TLSReceiveDomainSecureList : {}", "TLSSendDomainSecureList    : {}")},
		{"Get-SendConnector to-canoe.com | fl name,add*,port,dnsR*,domain*", func() []any { return sh.must("Get-SendConnector", args{"Identity": "to-canoe.com"}) },
			[]string{"name", "add*", "port", "dnsR*", "domain*"},
			block("Name                : To-Canoe.com", "AddressSpaces       : {smtp:canoe.com;1}", "Port                : 26",
				"DNSRoutingEnabled   : True", "DomainSecureEnabled : False")},
		{"Get-ReceiveConnector from-canoe.com | fl name,bind*,auth*,domain*,per*", func() []any { return sh.must("Get-ReceiveConnector", args{"Identity": "from-canoe.com"}) },
			[]string{"name", "bind*", "auth*", "domain*", "per*"},
			block("Name                : From-Canoe.com", "Bindings            : {191.121.0.200:26}", "AuthMechanism       : Tls",
				"DomainSecureEnabled : False", "PermissionGroups    : AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers")},
		{"after domain security", func() []any {
			sh.must("Set-TransportConfig", args{"TLSSendDomainSecureList": "canoe.com", "TLSReceiveDomainSecureList": "work.com"})
			sh.must("Set-SendConnector", args{"Identity": "to-canoe.com", "DomainSecureEnabled": true})
			sh.must("Set-ReceiveConnector", args{"Identity": "from-canoe.com", "DomainSecureEnabled": true})
			return sh.must("Get-TransportConfig", nil)
		}, []string{"tls*"}, block("TLSReceiveDomainSecureList : {work.com}", "TLSSendDomainSecureList    : {canoe.com}")},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if diff := cmp.Diff(st.want, formatList(st.run(), st.fl...)); diff != "" {
				t.Errorf("seed 001 transcript (-seed +exsim):\n%s", diff)
			}
		})
	}
}

func TestSeed001CanoeComPartner(t *testing.T) {
	o, err := NewOrg(Options{Domain: "canoe.com", Servers: []ServerSpec{{Name: "WIN20082", Version: V2013}}, Clock: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	sh := remoteShell(t, o, "WIN20082")
	// The seed's lines, in order (its Remove lines ran interactively).
	sh.must("New-SendConnector", args{"Name": "to-work.com", "Usage": "Internet", "AddressSpaces": "SMTP:work.com;1", "DNSRoutingEnabled": true, "SourceTransportServers": "WIN20082"})
	sh.must("Set-SendConnector", args{"Identity": "To-work.com", "Port": 26})
	sh.must("New-ReceiveConnector", args{"Name": "From-work.com", "Usage": "Internet", "Bindings": "191.121.111.200:26", "Fqdn": "win20082.canoe.com", "Server": "WIN20082"})
	if _, err := sh.run(call{name: "Remove-SendConnector", args: args{"Identity": "to-work.com"}}); err == nil ||
		!strings.Contains(err.Error(), "NonInteractive") {
		t.Fatalf("the seed's Remove-SendConnector -id without -Confirm:$false prompts: %v", err)
	}
	if err := sh.remove("Remove-SendConnector", args{"Identity": "to-work.com"}); err != nil {
		t.Fatal(err)
	}
	if err := sh.remove("Remove-ReceiveConnector", args{"Identity": "From-work.com"}); err != nil {
		t.Fatal(err)
	}
	sh.must("New-SendConnector", args{"Name": "to-work.com", "Usage": "Partner", "AddressSpaces": "SMTP:work.com;1", "DNSRoutingEnabled": true, "SourceTransportServers": "WIN20082"})
	sh.must("Set-SendConnector", args{"Identity": "To-work.com", "Port": 26})
	sh.must("New-ReceiveConnector", args{"Name": "From-work.com", "Usage": "Partner", "Bindings": "191.121.111.200:26", "RemoteIPRanges": "191.121.0.200-191.121.0.200", "Server": "WIN20082"})

	got := formatList(sh.must("Get-SendConnector", args{"Identity": "to-work.com"}), "name", "dns*", "port", "dom*")
	want := block("Name                : to-work.com", "DNSRoutingEnabled   : True", "Port                : 26", "DomainSecureEnabled : True")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get-SendConnector to-work.com | fl name,dns*,port,dom* (-seed +exsim):\n%s", diff)
	}
	got = formatList(sh.must("Get-ReceiveConnector", args{"Identity": "From-work.com"}), "name", "bind*", "doma*")
	want = block("Name                : From-work.com", "Bindings            : {191.121.111.200:26}", "DomainSecureEnabled : True")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get-ReceiveConnector From-work.com | fl name,bind*,doma* (-seed +exsim):\n%s", diff)
	}
}
