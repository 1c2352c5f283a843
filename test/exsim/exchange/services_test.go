package exchange

import (
	"strings"
	"testing"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// clockedOrg is work.com with one 2019 Mailbox server and an Edge 2010 on a
// clock the test moves.
func clockedOrg(t *testing.T) (*Org, *time.Time) {
	t.Helper()
	now := testClock.Add(250 * time.Millisecond)
	o, err := NewOrg(Options{Domain: "work.com", Servers: []ServerSpec{{Name: "WIN20081"}, {Name: "EDGE1", Role: Edge, Version: V2010}},
		Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return o, &now
}

func wmi(t *testing.T, sh *shell, class, filter string) []*ps.Object {
	t.Helper()
	a := args{"Class": class}
	if filter != "" {
		a["Filter"] = filter
	}
	var out []*ps.Object
	for _, v := range sh.must("Get-WmiObject", a) {
		out = append(out, v.(*ps.Object))
	}
	return out
}

func TestWmiTransportServices(t *testing.T) {
	o, _ := clockedOrg(t)
	sh := remoteShell(t, o, "WIN20081")
	svcs := wmi(t, sh, "Win32_Service", "Name='MSExchangeTransport' OR name = 'msexchangefrontendtransport'")
	if len(svcs) != 2 {
		t.Fatalf("2019 Mailbox: %d transport services, want 2 (WQL compares strings case-insensitively)", len(svcs))
	}
	pid := prop(t, svcs[0], "ProcessId")
	if got := prop(t, svcs[0], "State"); got != "Running" {
		t.Errorf("State = %q, want Running", got)
	}
	procs := wmi(t, sh, "Win32_Process", "ProcessId = "+pid)
	if len(procs) != 1 || prop(t, procs[0], "Name") != "MSExchangeTransport.exe" {
		t.Fatalf("process %s: %v, want MSExchangeTransport.exe", pid, procs)
	}
	if got, want := prop(t, procs[0], "CreationDate"), "20240305140709.250000+000"; got != want {
		t.Errorf("CreationDate = %q, want %q (the boot, CIM_DATETIME)", got, want)
	}
	edge := snapinShell(t, o, "EDGE1")
	if got := wmi(t, edge, "Win32_Service", "Name='MSExchangeTransport' OR Name='MSExchangeFrontEndTransport'"); len(got) != 1 {
		t.Errorf("Edge 2010: %d transport services, want 1 (no Front End)", len(got))
	}
	if got := wmi(t, sh, "Win32_Service", ""); len(got) < 5 {
		t.Errorf("no filter: %d services, want every service", len(got))
	}
	only := sh.must("Get-WmiObject", args{"Class": "Win32_Process", "Property": []any{"ProcessId", "CreationDate"}, "Filter": "Name='MSExchangeTransport.exe'"})
	if len(only) != 1 || len(only[0].(*ps.Object).Props) != 2 {
		t.Errorf("-Property ProcessId,CreationDate: %v, want one object with those two properties", only)
	}
}

func TestWmiErrors(t *testing.T) {
	o, _ := clockedOrg(t)
	sh := remoteShell(t, o, "WIN20081")
	tests := []struct{ name, class, filter, want string }{
		{"UnknownClass", "Win32_Nope", "", `Invalid class "Win32_Nope"`},
		{"UnknownProperty", "Win32_Service", "Nmae='x'", `Invalid query "select * from Win32_Service where Nmae='x'"`},
		{"Unterminated", "Win32_Service", "Name='x", `Invalid query`},
		{"NoOperator", "Win32_Service", "Name 'x'", `Invalid query`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := args{"Class": tt.class}
			if tt.filter != "" {
				a["Filter"] = tt.filter
			}
			_, err := sh.run(call{name: "Get-WmiObject", args: a})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if id := asRecord(t, err).FullyQualifiedErrorId; id != "GetWMIManagementException,Microsoft.PowerShell.Commands.GetWmiObjectCommand" {
				t.Errorf("FullyQualifiedErrorId = %q", id)
			}
		})
	}
}

// TestRestartGivesNewProcess: a restart is what moves the service's start
// past the connectors' WhenChanged; a failed restart leaves it where it was.
func TestRestartGivesNewProcess(t *testing.T) {
	o, now := clockedOrg(t)
	sh := remoteShell(t, o, "WIN20081")
	srv, _ := o.Server("WIN20081")
	boot := srv.ProcessStarted("MSExchangeTransport")
	*now = now.Add(time.Minute)
	sh.must("Set-ReceiveConnector", args{"Identity": `WIN20081\Default WIN20081`, "Banner": "220 hello"})
	rc := sh.must("Get-ReceiveConnector", args{"Identity": `WIN20081\Default WIN20081`})
	changed := rc[0].(*ps.Object).Get("WhenChangedUTC").Value.(ps.DateTime).Time
	if !changed.After(boot) {
		t.Fatalf("WhenChangedUTC %v is not after the boot %v: Set-ReceiveConnector must move it", changed, boot)
	}

	if err := o.SetFault("Restart-Service", "error:1"); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Minute)
	_, err := sh.run(call{name: "Restart-Service", args: args{"Name": []any{"MSExchangeFrontEndTransport"}, "Force": true}})
	if err == nil || !strings.Contains(err.Error(), "Cannot start service MSExchangeFrontEndTransport") {
		t.Fatalf("faulted restart: %v, want the start failure naming the service", err)
	}
	if got := srv.ProcessStarted("MSExchangeFrontEndTransport"); !got.Equal(boot) {
		t.Errorf("after a failed restart the process started at %v, want the boot %v", got, boot)
	}
	before := prop(t, wmi(t, sh, "Win32_Service", "Name='MSExchangeTransport'")[0], "ProcessId")
	sh.must("Restart-Service", args{"Name": []any{"MSExchangeTransport"}, "Force": true})
	if got := srv.ProcessStarted("MSExchangeTransport"); !got.Equal(*now) {
		t.Errorf("after a restart the process started at %v, want now %v", got, *now)
	}
	if got := srv.ProcessStarted("MSExchangeFrontEndTransport"); !got.Equal(boot) {
		t.Errorf("restarting MSExchangeTransport moved the Front End's process to %v", got)
	}
	after := prop(t, wmi(t, sh, "Win32_Service", "Name='MSExchangeTransport'")[0], "ProcessId")
	if after == before {
		t.Errorf("ProcessId %s unchanged by the restart", after)
	}
	procs := wmi(t, sh, "Win32_Process", "ProcessId="+after)
	if len(procs) != 1 || prop(t, procs[0], "CreationDate") != cimDateTime(*now) {
		t.Errorf("the new process: %v, want CreationDate %s", procs, cimDateTime(*now))
	}
}

func TestCIMDateTime(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	if got, want := cimDateTime(time.Date(2026, 12, 2, 17, 29, 27, 123456789, loc)), "20261202172927.123456+060"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := cimDateTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", -5*3600))), "20260102030405.000000-300"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
