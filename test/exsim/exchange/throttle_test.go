package exchange

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// fakeClock is a settable clock for the idle timeout.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// psRun runs one powershell.exe command (-EncodedCommand) on WIN20081.
func psRun(t *testing.T, o *Org, script string) (string, string, int) {
	t.Helper()
	l, err := o.Loader("WIN20081", testUser, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := o.Server("WIN20081")
	u := utf16.Encode([]rune(script))
	enc := make([]byte, 2*len(u))
	for i, c := range u {
		enc[2*i], enc[2*i+1] = byte(c), byte(c>>8)
	}
	var out, errOut bytes.Buffer
	h := &ps.Host{ServerName: "WIN20081", UserName: testUser, PSVersion: srv.PSVersion(), BufferWidth: 1000, Modules: l, Codepage: 65001}
	code := ps.Run(context.Background(), h, "powershell.exe -NonInteractive -EncodedCommand "+base64.StdEncoding.EncodeToString(enc), strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}

const openSession = `$c = New-Object System.Management.Automation.PSCredential('WORK\admin', (ConvertTo-SecureString 'P@ssw0rd!' -AsPlainText -Force)); ` +
	`$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://win20081.work.com/PowerShell/ -Authentication Kerberos -Credential $c -ErrorAction Stop; `

func TestSessionThrottling(t *testing.T) {
	for _, tc := range []struct {
		version Version
		want    string
	}{
		{V2019, "Processing data from remote server win20081.work.com failed with the following error message: [ClientAccessServer=WIN20081,BackEndServer=win20081.work.com,"},
		{V2010, "Connecting to remote server win20081.work.com failed with the following error message : The WS-Management service cannot process the request. This user is allowed a maximum of 18 concurrent shells, which has been exceeded."},
	} {
		t.Run(tc.version.String(), func(t *testing.T) {
			clock := &fakeClock{now: testClock}
			o, err := NewOrg(Options{Domain: "work.com", Servers: []ServerSpec{{Name: "WIN20081", Version: tc.version}}, Clock: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			// 18 commands that fail to remove their session (no finally).
			for i := 0; i < 18; i++ {
				if _, stderr, code := psRun(t, o, openSession+"'opened'"); code != 0 {
					t.Fatalf("session %d: %s", i+1, stderr)
				}
			}
			if n := o.OpenSessions(`WORK\admin`); n != 18 {
				t.Fatalf("open sessions %d, want 18", n)
			}
			_, stderr, code := psRun(t, o, openSession+"'opened'")
			if code == 0 || !strings.Contains(stderr, "exceeded") {
				t.Fatalf("the 19th session did not fail: %d %s", code, stderr)
			}
			text := strings.ReplaceAll(strings.ReplaceAll(stderr, "_x000D__x000A_", "\n"), "</S><S S=\"Error\">", "")
			if !strings.Contains(text, tc.want) {
				t.Errorf("error text:\n%s\nwant it to contain %q", text, tc.want)
			}
			if tc.version != V2010 && !strings.Contains(text, "Fail to create a runspace because you have exceeded the maximum number of connections allowed : 18 for the policy party : MaxConcurrency.") {
				t.Errorf("no MaxConcurrency sentence:\n%s", text)
			}
			for _, piece := range []string{"New-PSSession : ", "PSRemotingTransportException", "PSSessionOpenFailed"} {
				if !strings.Contains(text, piece) {
					t.Errorf("error lacks %q:\n%s", piece, text)
				}
			}
			// A command that removes its session in finally does not add up.
			clock.Add(14 * time.Minute)
			if _, stderr, _ := psRun(t, o, openSession); !strings.Contains(stderr, "exceeded") {
				t.Fatalf("still 18 after 14 minutes: %s", stderr)
			}
			clock.Add(time.Minute)
			// 15 minutes idle: the orphans are gone.
			if n := o.OpenSessions(`work\ADMIN`); n != 0 {
				t.Fatalf("after the idle timeout %d sessions still count", n)
			}
			for i := 0; i < 30; i++ {
				if _, stderr, code := psRun(t, o, openSession+"try { 'work' } finally { Remove-PSSession $s }"); code != 0 {
					t.Fatalf("run %d with Remove-PSSession: %s", i+1, stderr)
				}
			}
			if n := o.OpenSessions(`WORK\admin`); n != 0 {
				t.Errorf("removed sessions still count: %d", n)
			}
		})
	}
}

func TestSessionThrottlingWithinOneProcess(t *testing.T) {
	o, err := NewOrg(Options{Domain: "work.com", Servers: []ServerSpec{{Name: "WIN20081"}}, MaxSessionsPerUser: 2, Clock: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	// Remove-PSSession frees a slot for the next New-PSSession at once.
	script := openSession + "$t = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://win20081.work.com/PowerShell/ -Authentication Kerberos -Credential $c; " +
		"try { $u = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://win20081.work.com/PowerShell/ -Authentication Kerberos -Credential $c -ErrorAction Stop } catch { 'third refused' }; " +
		"Remove-PSSession $s; $u = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://win20081.work.com/PowerShell/ -Authentication Kerberos -Credential $c -ErrorAction Stop; 'third opened'; Remove-PSSession $t; Remove-PSSession $u"
	stdout, stderr, code := psRun(t, o, script)
	if code != 0 || stdout != "third refused\r\nthird opened\r\n" {
		t.Fatalf("code %d stdout %q stderr %s", code, stdout, stderr)
	}
	if n := o.OpenSessions(`WORK\admin`); n != 0 {
		t.Errorf("%d sessions left", n)
	}
}

func TestCountFault(t *testing.T) {
	o, err := NewOrg(Options{Domain: "work.com", Servers: []ServerSpec{{Name: "WIN20081"}, {Name: "WIN20082"}},
		Faults: map[string]string{"Get-TransportConfig": "error:3"}, Clock: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	var results []bool
	for i := 0; i < 5; i++ {
		server := []string{"WIN20081", "WIN20082"}[i%2]
		sh := remoteShell(t, o, server)
		_, err := sh.run(call{name: "Get-TransportConfig"})
		results = append(results, err == nil)
	}
	if want := []bool{false, false, false, true, true}; !equalBools(results, want) {
		t.Errorf("succeeded %v, want %v (the first 3 calls on any server fail)", results, want)
	}
	if err := o.SetFault("Get-TransportConfig", "error:x"); err == nil {
		t.Error("a count that is no number was accepted")
	}
	if err := o.SetFault("Get-TransportConfig", "error:1"); err != nil {
		t.Fatal(err)
	}
	sh := remoteShell(t, o, "WIN20081")
	if _, err := sh.run(call{name: "Get-TransportConfig"}); err == nil {
		t.Error("SetFault with a new count did not restart the count")
	}
	if _, err := sh.run(call{name: "Get-TransportConfig"}); err != nil {
		t.Errorf("second call after error:1 failed: %v", err)
	}
	// Without a count the fault stays.
	if err := o.SetFault("Get-TransportConfig", "error"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := sh.run(call{name: "Get-TransportConfig"}); err == nil {
			t.Error("the plain error fault stopped failing")
		}
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSessionAndImportLatency(t *testing.T) {
	cases := []struct {
		name, reason string
		opts         Options
		names        []string
		atLeast      time.Duration
	}{
		{"pssession", "--latency pssession= delays every New-PSSession", Options{SessionLatency: 40 * time.Millisecond}, nil, 40 * time.Millisecond},
		{"import per cmdlet", "--latency import= is paid once per imported cmdlet", Options{ImportLatency: 10 * time.Millisecond},
			[]string{"Get-SendConnector", "Get-ReceiveConnector", "Get-TransportConfig", "Get-ExchangeServer", "Get-ExchangeCertificate"}, 50 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Domain, tc.opts.Servers, tc.opts.Clock = "work.com", []ServerSpec{{Name: "WIN20081"}}, func() time.Time { return testClock }
			o, err := NewOrg(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			script := openSession + "$null = Import-PSSession $s"
			if tc.names != nil {
				script += " -CommandName " + strings.Join(tc.names, ",")
			}
			start := time.Now()
			if _, stderr, code := psRun(t, o, script+"; Remove-PSSession $s"); code != 0 {
				t.Fatalf("%s", stderr)
			}
			if d := time.Since(start); d < tc.atLeast {
				t.Errorf("%s: took %v, want at least %v", tc.reason, d, tc.atLeast)
			}
		})
	}
	// Without latency the same import is fast (the knob is what costs).
	o := newTestOrg(t)
	start := time.Now()
	psRun(t, o, openSession+"$null = Import-PSSession $s -CommandName Get-SendConnector,Get-ReceiveConnector,Get-TransportConfig,Get-ExchangeServer,Get-ExchangeCertificate; Remove-PSSession $s")
	if d := time.Since(start); d >= 50*time.Millisecond {
		t.Logf("an import without latency took %v (a loaded machine)", d)
	}
}

func TestSessionThrottlingPerServer(t *testing.T) {
	o, err := NewOrg(Options{Domain: "work.com", Servers: []ServerSpec{{Name: "WIN20081"}, {Name: "WIN20082"}}, MaxSessionsPerUser: 1, Clock: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	// One session to each server's /PowerShell: each has its own budget.
	other := strings.Replace(openSession, "win20081", "win20082", 1)
	for _, script := range []string{openSession, other} {
		if _, stderr, code := psRun(t, o, script); code != 0 {
			t.Fatalf("%s", stderr)
		}
	}
	if n := o.OpenSessions(`WORK\admin`); n != 2 {
		t.Errorf("%d sessions, want 2", n)
	}
	if _, stderr, _ := psRun(t, o, other); !strings.Contains(stderr, "MaxConcurrency") {
		t.Errorf("the second session to WIN20082 was not throttled: %s", stderr)
	}
}
