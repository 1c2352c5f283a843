package exchange

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

func TestNewPSSession(t *testing.T) {
	good := func() args {
		return args{"ConfigurationName": "Microsoft.Exchange", "ConnectionUri": "http://win20081.work.com/PowerShell/",
			"Authentication": "Kerberos", "Credential": cred(testUser, testPassword)}
	}
	with := func(k string, v any) args {
		a := good()
		if v == nil {
			delete(a, k)
		} else {
			a[k] = v
		}
		return a
	}
	cases := []struct {
		name    string
		from    string
		args    args
		wantErr string
		reason  string
	}{
		{"documented form", "WIN20081", good(), "", "docs/exchange.md#loading-the-cmdlets"},
		{"another server", "WIN20083", good(), "", "a session to another server of the org"},
		{"uri case", "WIN20081", with("ConnectionUri", "HTTP://WIN20081.WORK.COM/powershell"), "", "scheme, host and path are case-insensitive"},
		{"upn credential", "WIN20081", with("Credential", cred("admin@work.com", testPassword)), "", "UPN form of the same user"},
		{"default auth", "WIN20081", with("Authentication", nil), "", "Default negotiates Kerberos"},
		{"https", "WIN20081", with("ConnectionUri", "https://win20081.work.com/PowerShell/"), "The SSL certificate is signed by an unknown certificate authority", "[INFER] https"},
		{"wrong path", "WIN20081", with("ConnectionUri", "http://win20081.work.com/wsman"), "the requested HTTP URL was not available", "[INFER] wrong path"},
		{"unknown host", "WIN20081", with("ConnectionUri", "http://win20099.work.com/PowerShell/"), "Cannot find the computer win20099.work.com", "[INFER]"},
		{"wrong configuration", "WIN20081", with("ConfigurationName", "Microsoft.PowerShell"), "Cannot find the Microsoft.PowerShell session configuration", "[INFER]"},
		{"no configuration", "WIN20081", with("ConfigurationName", nil), "Cannot find the Microsoft.PowerShell session configuration", "default configuration"},
		{"wrong password", "WIN20081", with("Credential", cred(testUser, "nope")), "Connecting to remote server win20081.work.com failed with the following error message : Access is denied.", "credential checked"},
		{"wrong user", "WIN20081", with("Credential", cred(`WORK\other`, testPassword)), "Access is denied.", "credential checked"},
		{"no credential", "WIN20081", with("Credential", nil), "A specified logon session does not exist", "double hop"},
		{"basic", "WIN20081", with("Authentication", "Basic"), "Unencrypted traffic is currently disabled", "Basic over http"},
		{"to edge", "WIN20081", with("ConnectionUri", "http://edge1.work.com/PowerShell/"), "WinRM cannot complete the operation", "Edge has no remote PowerShell"},
	}
	o := newTestOrg(t, ServerSpec{Name: "WIN20081"}, ServerSpec{Name: "WIN20083", Version: V2016}, ServerSpec{Name: "EDGE1", Role: Edge})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := o.Loader(tc.from, testUser, testPassword)
			if err != nil {
				t.Fatal(err)
			}
			s, err := l.NewPSSession(&ps.Call{Args: tc.args, Host: &ps.Host{PSVersion: "5.1"}})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("%s: %v", tc.reason, err)
				}
				if s.ConfigurationName != "Microsoft.Exchange" || s.State != "Opened" || !strings.HasPrefix(s.Name, "WinRM") {
					t.Errorf("session %+v", s)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("%s: error = %q, want %q", tc.reason, errText(err), tc.wantErr)
			}
			if rec := asRecord(t, err); rec.Remote || rec.Category != "OpenError" || !strings.HasSuffix(rec.FullyQualifiedErrorId, ",PSSessionOpenFailed") {
				t.Errorf("New-PSSession errors are local OpenError records: %+v", rec)
			}
		})
	}
}

func TestImportAndSnapin(t *testing.T) {
	o := newTestOrg(t, ServerSpec{Name: "WIN20081"}, ServerSpec{Name: "EX10", Version: V2010})
	l, _ := o.Loader("WIN20081", testUser, testPassword)
	rs, err := l.NewPSSession(&ps.Call{Args: args{"ConfigurationName": "Microsoft.Exchange", "ConnectionUri": "http://win20081.work.com/PowerShell/",
		"Authentication": "Kerberos", "Credential": cred(testUser, testPassword)}})
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := l.ImportPSSession(rs, []string{"Get-SendConnector", "set-receiveconnector", "Get-Mailbox", "*-TransportConfig"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cmds {
		names = append(names, c.Name())
		if c.ClassName() != c.Name() {
			t.Errorf("imported commands are proxy functions (ClassName == Name)")
		}
	}
	if got := strings.Join(names, ","); got != "Get-SendConnector,Set-ReceiveConnector,Get-TransportConfig,Set-TransportConfig" {
		t.Errorf("Import-PSSession -CommandName gives only the named commands, unknown names ignored: %s", got)
	}
	if err := l.RemovePSSession(rs); err != nil || rs.State != "Closed" {
		t.Fatalf("Remove-PSSession: %v %s", err, rs.State)
	}
	if _, err := cmds[0].Invoke(&ps.Call{Args: args{}}); err == nil {
		t.Errorf("commands of a removed session fail")
	}

	snapins := []struct {
		name, server, snapin string
		ok                   bool
		reason               string
	}{
		{"2013+ snapin", "WIN20081", "Microsoft.Exchange.Management.PowerShell.SnapIn", true, "docs/exchange.md#loading-the-cmdlets"},
		{"2010 name on 2019", "WIN20081", "Microsoft.Exchange.Management.PowerShell.E2010", false, "E2010 is 2010 only"},
		{"2010 snapin", "EX10", "Microsoft.Exchange.Management.PowerShell.E2010", true, "docs/exchange.md#loading-the-cmdlets"},
		{"2013 name on 2010", "EX10", "Microsoft.Exchange.Management.PowerShell.SnapIn", false, "not installed on 2010"},
	}
	for _, tc := range snapins {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := o.Loader(tc.server, testUser, testPassword)
			cmds, err := l.AddPSSnapin(tc.snapin)
			if tc.ok {
				if err != nil || len(cmds) == 0 || cmds[0].ClassName() == cmds[0].Name() {
					t.Fatalf("%s: %v", tc.reason, err)
				}
				return
			}
			want := "The Windows PowerShell snap-in '" + tc.snapin + "' is not installed on this computer."
			if err == nil || err.Error() != want {
				t.Fatalf("%s: error %q, want %q", tc.reason, errText(err), want)
			}
		})
	}
}

var fqidRemote = regexp.MustCompile(`^\[Server=WIN20081,RequestId=[0-9a-f-]{36},TimeStamp=3/5/2024 2:07:09 PM\] \[FailureCategory=Cmdlet-ManagementObjectNotFoundException\] [0-9A-F]{8},Microsoft\.Exchange\.Management\.SystemConfigurationTasks\.GetSendConnector$`)

func TestErrorRecordForms(t *testing.T) {
	o := newTestOrg(t, ServerSpec{Name: "WIN20081"}, ServerSpec{Name: "EX10", Version: V2010})
	cases := []struct {
		name   string
		sh     *shell
		check  func(rec *ps.ErrorRecord) bool
		reason string
	}{
		{"remote 2013+", remoteShell(t, o, "WIN20081"), func(r *ps.ErrorRecord) bool {
			return r.Remote && r.PSComputerName == "win20081.work.com" && fqidRemote.MatchString(r.FullyQualifiedErrorId)
		}, "docs/exchange.md#exchange-error-records"},
		{"remote 2010", remoteShell(t, o, "EX10"), func(r *ps.ErrorRecord) bool {
			return r.Remote && regexp.MustCompile(`^[0-9A-F]{8},Microsoft\.Exchange\.Management\.SystemConfigurationTasks\.GetSendConnector$`).MatchString(r.FullyQualifiedErrorId)
		}, "2010 has no [Server=...] prefix (docs/exchange.md#exchange-error-records)"},
		{"snap-in", snapinShell(t, o, "WIN20081"), func(r *ps.ErrorRecord) bool {
			return !r.Remote && r.PSComputerName == "" && !strings.HasPrefix(r.FullyQualifiedErrorId, "[")
		}, "local runspace"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.sh.run(call{name: "Get-SendConnector", args: args{"Identity": "to-canoe.com"}})
			rec := asRecord(t, err)
			if rec.Message != "The operation couldn't be performed because object 'to-canoe.com' couldn't be found on 'DC01.work.com'." ||
				rec.Category != "NotSpecified" || rec.Reason != "ManagementObjectNotFoundException" || !tc.check(rec) {
				t.Errorf("%s: %+v", tc.reason, rec)
			}
		})
	}
}

func TestFaultsAndLatency(t *testing.T) {
	o, err := NewOrg(Options{Domain: "work.com", Servers: []ServerSpec{{Name: "WIN20081"}},
		Faults: map[string]string{"Set-SendConnector": "error"}, CmdletLatencies: map[string]time.Duration{"Get-TransportConfig": 30 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	sh := remoteShell(t, o, "WIN20081")
	sh.must("New-SendConnector", args{"Name": "S", "AddressSpaces": []any{"*"}})
	_, err = sh.run(setSend("S", args{"Port": 26}))
	if rec := asRecord(t, err); !strings.HasPrefix(rec.Message, "Active Directory operation failed on DC01.work.com.") {
		t.Errorf("injected fault: %v", err)
	}
	if err := o.SetFault("Set-SendConnector", ""); err != nil {
		t.Fatal(err)
	}
	sh.must("Set-SendConnector", args{"Identity": "S", "Port": 26})
	if err := o.SetFault("Get-Mailbox", "error"); err == nil {
		t.Errorf("faults on cmdlets exsim does not simulate are refused")
	}
	start := time.Now()
	sh.must("Get-TransportConfig", nil)
	if time.Since(start) < 30*time.Millisecond {
		t.Errorf("per-cmdlet latency not applied")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cmd := sh.cmds["get-transportconfig"]
	if _, err := cmd.Invoke(&ps.Call{Ctx: ctx, Args: args{}}); err == nil {
		t.Errorf("a cancelled context ends the latency wait")
	}
}

func TestRestartService(t *testing.T) {
	o := newTestOrg(t)
	sh := remoteShell(t, o, "WIN20081")
	cases := []struct {
		name    string
		a       args
		wantErr string
		reason  string
	}{
		{"transport", args{"Name": []any{"MSExchangeTransport"}}, "", "README.md, ExchangeOrganization: restartTransportService"},
		{"case", args{"Name": "msexchangetransport"}, "", "service names are case-insensitive"},
		{"display name", args{"DisplayName": []any{"Microsoft Exchange Transport"}}, "", "by display name"},
		{"unknown", args{"Name": []any{"MSExchangeNope"}}, "Cannot find any service with service name 'MSExchangeNope'.", "PowerShell's text"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sh.run(call{name: "Restart-Service", args: tc.a})
			if (tc.wantErr == "") != (err == nil) || (err != nil && err.Error() != tc.wantErr) {
				t.Fatalf("%s: %v", tc.reason, err)
			}
		})
	}
	s, _ := o.Server("WIN20081")
	if n := s.TransportRestarts(); n != 3 {
		t.Errorf("TransportRestarts = %d, want 3", n)
	}
}
