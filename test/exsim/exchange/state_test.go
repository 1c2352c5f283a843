package exchange

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

func TestStateRoundTrip(t *testing.T) {
	o := newTestOrg(t, ServerSpec{Name: "WIN20081"}, ServerSpec{Name: "EX10", Version: V2010}, ServerSpec{Name: "EDGE1", Role: Edge})
	sh := remoteShell(t, o, "WIN20081")
	sh.must("New-SendConnector", args{"Name": "Smart", "AddressSpaces": []any{"*"}, "DNSRoutingEnabled": false, "SmartHosts": []any{"relay.work.com"},
		"SmartHostAuthMechanism": "BasicAuth", "AuthenticationCredential": cred("svc", "pw")})
	sh.must("New-ReceiveConnector", args{"Name": "P", "Partner": true, "Bindings": []any{"10.0.0.1:26"}, "RemoteIPRanges": []any{"1.2.3.4"}})
	sh.must("Set-TransportConfig", args{"TLSSendDomainSecureList": []any{"canoe.com", "fabrikam.com"}})
	sh.must("New-ExchangeCertificate", args{"GenerateRequest": true, "SubjectName": "CN=mail.work.com", "KeySize": 1024})
	sh.must("Restart-Service", args{"Name": "MSExchangeTransport"})

	path := filepath.Join(t.TempDir(), "state.yaml")
	if err := o.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadFile(path, Options{Clock: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(o.Snapshot(), loaded.Snapshot()); diff != "" {
		t.Errorf("save/load is lossless (-saved +loaded):\n%s", diff)
	}
	after := remoteShell(t, loaded, "WIN20081")
	if got := prop(t, after.must("Get-SendConnector", args{"Identity": "Smart"})[0], "AuthenticationCredential"); got != "System.Management.Automation.PSCredential" {
		t.Errorf("credential kept: %s", got)
	}
	if got := prop(t, after.must("Get-TransportConfig", nil)[0], "TLSSendDomainSecureList"); got != "{canoe.com, fabrikam.com}" {
		t.Errorf("TransportConfig kept: %s", got)
	}
}

func TestStateBrownfield(t *testing.T) {
	cases := []struct {
		name    string
		yaml    string
		wantErr string
		check   func(t *testing.T, o *Org)
		reason  string
	}{
		{"defaults when null", "domain: work.com\nservers: [{name: WIN20081}]\nsendConnectors: []\n", "", func(t *testing.T, o *Org) {
			if n := len(o.Snapshot().Servers[0].ReceiveConnectors); n != 5 {
				t.Errorf("%d receive connectors", n)
			}
		}, "a server without lists is a fresh install"},
		{"empty lists", "domain: work.com\nservers: [{name: WIN20081, receiveConnectors: [], certificates: []}]\nsendConnectors: []\n", "", func(t *testing.T, o *Org) {
			st := o.Snapshot().Servers[0]
			if len(st.ReceiveConnectors) != 0 || len(st.Certificates) != 0 {
				t.Errorf("[] means none")
			}
		}, "[] means none"},
		{"partial connector", `
domain: work.com
servers:
- name: WIN20081
  version: "2016"
  receiveConnectors:
  - name: From ONE Mail
    usage: Custom
    properties:
      Bindings: ["0.0.0.0:25"]
      RemoteIPRanges: [76.75.133.96, 76.75.164.96]
      AuthMechanism: Tls, BasicAuth, Integrated
      TransportRole: FrontendTransport
sendConnectors: []
`, "", func(t *testing.T, o *Org) {
			c := remoteShell(t, o, "WIN20081").must("Get-ReceiveConnector", args{"Identity": "From ONE Mail"})[0]
			if got := prop(t, c, "AuthMechanism") + " / " + prop(t, c, "PermissionGroups") + " / " + prop(t, c, "MaxMessageSize"); got != "Tls, Integrated, BasicAuth / None / 36 MB (37,748,736 bytes)" {
				t.Errorf("got %s", got)
			}
		}, "seed 000's connector, other values from the usage and version defaults"},
		{"bad value", "domain: work.com\nservers: [{name: WIN20081}]\nsendConnectors: [{name: S, properties: {AddressSpaces: ['*x.com']}}]\n", "send connector S: property AddressSpaces", nil, "values are parsed with Exchange's syntax"},
		{"unknown property", "domain: work.com\nservers: [{name: WIN20081}]\nsendConnectors: [{name: S, properties: {Colour: red}}]\n", `unknown property "Colour"`, nil, "strict"},
		{"unknown field", "domain: work.com\nservers: [{name: WIN20081, colour: red}]\n", "unknown field", nil, "strict YAML"},
		{"bad version", "domain: work.com\nservers: [{name: WIN20081, version: '2007'}]\n", "unknown Exchange version", nil, "2010..SE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.yaml")
			os.WriteFile(path, []byte(tc.yaml), 0o600)
			o, err := LoadFile(path, Options{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: error %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			tc.check(t, o)
		})
	}
}

func TestStateAutoSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auto.yaml")
	o, err := NewOrg(Options{Domain: "work.com", Servers: []ServerSpec{{Name: "WIN20081"}}, StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	remoteShell(t, o, "WIN20081").must("Set-TransportConfig", args{"TLSReceiveDomainSecureList": "canoe.com"})
	data, err := os.ReadFile(path)
	if err != nil || o.SaveError() != nil {
		t.Fatalf("state written after a change: %v %v", err, o.SaveError())
	}
	var st State
	if err := yaml.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	if got := st.TransportConfig["TLSReceiveDomainSecureList"]; !cmp.Equal(got, []any{"canoe.com"}) {
		t.Errorf("saved TLSReceiveDomainSecureList = %v", got)
	}
}

func TestTransportConfig(t *testing.T) {
	cases := []struct {
		name    string
		v       Version
		a       args
		want    string
		wantErr string
		reason  string
	}{
		{"lists", V2019, args{"TLSSendDomainSecureList": []any{"canoe.com", "fabrikam.com"}}, "{canoe.com, fabrikam.com}", "", "item 30"},
		{"wildcard refused", V2019, args{"TLSSendDomainSecureList": "*.canoe.com"}, "", "Cannot process argument transformation on parameter 'TLSSendDomainSecureList'", "no wildcards (item 30)"},
		{"add", V2019, args{"TLSSendDomainSecureList": &psHashtable{"Add": []any{"b.com"}}}, "{a.com, b.com}", "", "@{Add=...}"},
		{"remove", V2019, args{"TLSSendDomainSecureList": &psHashtable{"Remove": "a.com"}}, "{}", "", "@{Remove=...}"},
		{"exo only", V2019, args{"SmtpClientAuthenticationDisabled": true}, "", "A parameter cannot be found that matches parameter name 'SmtpClientAuthenticationDisabled'", "item 31"},
		{"2010 gate", V2010, args{"SafetyNetHoldTime": "2.00:00:00"}, "", "A parameter cannot be found", "2013+"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := newTestOrg(t, ServerSpec{Name: "EX1", Version: tc.v})
			sh := remoteShell(t, o, "EX1")
			sh.must("Set-TransportConfig", args{"TLSSendDomainSecureList": "a.com"})
			a := args{}
			for k, v := range tc.a {
				if h, ok := v.(*psHashtable); ok {
					v = h.ps()
				}
				a[k] = v
			}
			_, err := sh.run(call{name: "Set-TransportConfig", args: a})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: error %q", tc.reason, errText(err))
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if got := prop(t, sh.must("Get-TransportConfig", nil)[0], "TLSSendDomainSecureList"); got != tc.want {
				t.Errorf("%s: got %s, want %s", tc.reason, got, tc.want)
			}
		})
	}
	// The org object is shared; an unsubscribed Edge has its own.
	o := newTestOrg(t, ServerSpec{Name: "A"}, ServerSpec{Name: "B"}, ServerSpec{Name: "EDGE1", Role: Edge})
	remoteShell(t, o, "A").must("Set-TransportConfig", args{"TLSReceiveDomainSecureList": "canoe.com"})
	if got := prop(t, remoteShell(t, o, "B").must("Get-TransportConfig", nil)[0], "TLSReceiveDomainSecureList"); got != "{canoe.com}" {
		t.Errorf("TransportConfig is org-wide: %s", got)
	}
	if got := prop(t, snapinShell(t, o, "EDGE1").must("Get-TransportConfig", nil)[0], "TLSReceiveDomainSecureList"); got != "{}" {
		t.Errorf("an unsubscribed Edge keeps its own settings: %s", got)
	}
}

// psHashtable builds @{...} literals for tests.
type psHashtable map[string]any

func TestConcurrentServers(t *testing.T) {
	o := newTestOrg(t, ServerSpec{Name: "A"}, ServerSpec{Name: "B"})
	shells := []*shell{remoteShell(t, o, "A"), remoteShell(t, o, "B")}
	done := make(chan error)
	for i := 0; i < 8; i++ {
		go func(i int) {
			sh := shells[i%2]
			_, err := sh.run(call{name: "New-SendConnector", args: args{"Name": "S" + string(rune('a'+i)), "AddressSpaces": []any{"*"}}})
			if err == nil {
				_, err = sh.run(call{name: "Get-SendConnector", args: nil})
			}
			done <- err
		}(i)
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if n := len(o.Snapshot().SendConnectors); n != 8 {
		t.Errorf("%d connectors, want 8 (org-wide, created from two servers)", n)
	}
}
