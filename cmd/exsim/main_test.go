package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/masterzen/winrm"

	"github.com/exreconcile/exreconcile/test/exsim/exchange"
	"github.com/exreconcile/exreconcile/test/exsim/wsman"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseOptions(t *testing.T) {
	base := []string{"--org", "work.com", "--user", `WORK\admin`, "--password-env", "PW"}
	pw := env(map[string]string{"PW": "secret"})
	cases := []struct {
		name, reason string
		args         []string
		getenv       func(string) string
		want         *options
		wantErr      string
	}{
		{
			name: "minimal", reason: "defaults: Mailbox 2019, both schemes, quota 30",
			args: append(base, "--server", "WIN20081=127.0.0.1:0"), getenv: pw,
			want: &options{Org: "work.com", User: `WORK\admin`, Password: "secret",
				Servers: []serverOption{{Name: "WIN20081", Addr: "127.0.0.1:0", Role: exchange.Mailbox, Version: exchange.V2019}},
				Auth:    []wsman.AuthScheme{wsman.AuthBasic, wsman.AuthNTLM}, Realm: "WORK.COM", MaxShellsPerUser: 30,
				MaxSessionsPerUser: 18, SessionIdleTimeout: 15 * time.Minute},
		},
		{
			name: "everything", reason: "every flag of the usage in cmd/exsim/main.go",
			args: append(base, "--server", "WIN20081=127.0.0.1:15985", "--server", "WIN20083=127.0.0.1:15986,role=Edge,version=2010",
				"--auth", "ntlm", "--https", "--cert-dir", "/tmp/c", "--allow-unencrypted", "--state", "s.yaml", "--log", "c.jsonl",
				"--latency", "session=2s,cmdlet=20ms,pssession=3s,import=50ms", "--fault", "drop-after:3", "--fault", "Set-SendConnector:error",
				"--fault", "Import-ExchangeCertificate:error:25", "--max-shells-per-user", "5",
				"--powershell-max-concurrency", "4", "--session-idle-timeout", "90s"),
			getenv: pw,
			want: &options{Org: "work.com", User: `WORK\admin`, Password: "secret",
				Servers: []serverOption{
					{Name: "WIN20081", Addr: "127.0.0.1:15985", Role: exchange.Mailbox, Version: exchange.V2019},
					{Name: "WIN20083", Addr: "127.0.0.1:15986", Role: exchange.Edge, Version: exchange.V2010},
				},
				Auth: []wsman.AuthScheme{wsman.AuthNTLM}, Realm: "WORK.COM", HTTPS: true, CertDir: "/tmp/c", AllowUnencrypted: true,
				StateFile: "s.yaml", LogFile: "c.jsonl",
				Latency: wsman.Latency{Session: 2 * time.Second, Cmdlet: 20 * time.Millisecond},
				Faults: wsman.Faults{Drop: true, DropAfter: 3, Cmdlets: []wsman.CmdletFault{{Cmdlet: "Set-SendConnector", Kind: "error"},
					{Cmdlet: "Import-ExchangeCertificate", Kind: "error:25"}}},
				MaxShellsPerUser: 5, PSSessionLatency: 3 * time.Second, ImportLatency: 50 * time.Millisecond,
				MaxSessionsPerUser: 4, SessionIdleTimeout: 90 * time.Second},
		},
		{
			name: "kerberos", reason: "--auth kerberos with its keytab and realm",
			args:   append(base, "--server", "WIN20081=127.0.0.1:0", "--auth", "ntlm,kerberos", "--keytab", "/tmp/k.keytab", "--realm", "EXAMPLE.TEST"),
			getenv: pw,
			want: &options{Org: "work.com", User: `WORK\admin`, Password: "secret",
				Servers: []serverOption{{Name: "WIN20081", Addr: "127.0.0.1:0", Role: exchange.Mailbox, Version: exchange.V2019}},
				Auth:    []wsman.AuthScheme{wsman.AuthNTLM, wsman.AuthKerberos}, Keytab: "/tmp/k.keytab", Realm: "EXAMPLE.TEST", MaxShellsPerUser: 30,
				MaxSessionsPerUser: 18, SessionIdleTimeout: 15 * time.Minute},
		},
		{name: "kerberos without keytab", reason: "the service keys are required",
			args: append(base, "--server", "A=127.0.0.1:0", "--auth", "kerberos"), getenv: pw, wantErr: "--auth kerberos needs --keytab"},
		{name: "no password", reason: "an empty variable is an error", args: append(base, "--server", "A=127.0.0.1:0"),
			getenv: env(nil), wantErr: "PW named by --password-env is empty"},
		{name: "missing", reason: "all problems at once", args: nil, getenv: pw,
			wantErr: "--org is required; at least one --server is required; --user is required; --password-env is required"},
		{name: "bad server", reason: "the address needs a port", args: append(base, "--server", "A=127.0.0.1"), getenv: pw,
			wantErr: "missing port"},
		{name: "bad role", reason: "roles are Mailbox and Edge", args: append(base, "--server", "A=127.0.0.1:0,role=Hub"), getenv: pw,
			wantErr: "unknown server role"},
		{name: "twice", reason: "names are unique", args: append(base, "--server", "A=127.0.0.1:0", "--server", "a=127.0.0.1:0"),
			getenv: pw, wantErr: "--server a is given twice"},
		{name: "https", reason: "https needs a directory", args: append(base, "--server", "A=127.0.0.1:0", "--https"), getenv: pw,
			wantErr: "--https needs --cert-dir"},
		{name: "fault", reason: "fault syntax", args: append(base, "--server", "A=127.0.0.1:0", "--fault", "boom"), getenv: pw,
			wantErr: "want drop-after:N"},
		{name: "latency kind", reason: "the kinds are named", args: append(base, "--server", "A=127.0.0.1:0", "--latency", "shell=1s"), getenv: pw,
			wantErr: "want session, cmdlet, pssession, import"},
		{name: "import latency", reason: "a duration", args: append(base, "--server", "A=127.0.0.1:0", "--latency", "import=fast"), getenv: pw,
			wantErr: `bad duration "fast"`},
		{name: "concurrency", reason: "at least one session", args: append(base, "--server", "A=127.0.0.1:0", "--powershell-max-concurrency", "0"), getenv: pw,
			wantErr: "--powershell-max-concurrency must be at least 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseOptions(tc.args, tc.getenv, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: error = %v, want it to contain %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

var readyLine = regexp.MustCompile(`^exsim: (\S+) ready at (https?://(\S+)/wsman) \(fqdn (\S+), version (\S+), role (\S+)\)$`)

// TestServeHTTPS starts exsim in-process with two servers on free ports,
// opens a shell on each over HTTPS with the written CA pinned, and stops it
// as a signal would.
func TestServeHTTPS(t *testing.T) {
	dir := t.TempDir()
	o, err := parseOptions([]string{"--org", "work.com", "--user", `WORK\admin`, "--password-env", "PW",
		"--server", "WIN20081=127.0.0.1:0", "--server", "WIN20083=127.0.0.1:0,role=Edge,version=2010",
		"--https", "--cert-dir", dir, "--log", filepath.Join(dir, "log.jsonl")},
		env(map[string]string{"PW": "pw"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, o, outW, io.Discard); _ = outW.Close() }()

	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "exsim: CA certificate at ") {
		t.Fatalf("first line %q, want the CA path", sc.Text())
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"WIN20081", "win20081.work.com", "2019", "Mailbox"}, {"WIN20083", "win20083.work.com", "2010", "Edge"}}
	for _, w := range want {
		if !sc.Scan() {
			t.Fatalf("no ready line for %s", w[0])
		}
		m := readyLine.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("ready line %q does not match %s", sc.Text(), readyLine)
		}
		if diff := cmp.Diff(w, []string{m[1], m[4], m[5], m[6]}); diff != "" {
			t.Errorf("ready line (-want +got):\n%s", diff)
		}
		host, portText, _ := net.SplitHostPort(m[3])
		port, _ := strconv.Atoi(portText)
		client, err := winrm.NewClientWithParameters(&winrm.Endpoint{Host: host, Port: port, HTTPS: true, CACert: caPEM, Timeout: 30 * time.Second},
			`WORK\admin`, "pw", winrm.NewParameters("PT60S", "en-US", 153600))
		if err != nil {
			t.Fatal(err)
		}
		shell, err := client.CreateShell()
		if err != nil {
			t.Fatalf("%s: %v", w[0], err)
		}
		if err := shell.Close(); err != nil {
			t.Fatalf("%s: %v", w[0], err)
		}
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	stopServe(t, cancel, done)
}

// stopServe cancels serve as a signal would and waits for it to return.
func stopServe(t *testing.T, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after cancellation")
	}
}

// TestServeRunsPowerShell sends a script the way exreconcile does (base64 on
// stdin behind an -EncodedCommand bootstrap) and checks the output and the
// command log: the real script, the cmdlets, and no secret.
func TestServeRunsPowerShell(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "log.jsonl")
	o, err := parseOptions([]string{"--org", "work.com", "--user", `WORK\admin`, "--password-env", "PW",
		"--server", "WIN20081=127.0.0.1:0", "--allow-unencrypted", "--log", logPath, "--state", filepath.Join(dir, "state.yaml")},
		env(map[string]string{"PW": "Admin-Pw-1"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, o, outW, io.Discard); _ = outW.Close() }()
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		t.Fatal("no ready line")
	}
	m := readyLine.FindStringSubmatch(sc.Text())
	if m == nil {
		t.Fatalf("ready line %q", sc.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	defer stopServe(t, cancel, done)

	host, portText, _ := net.SplitHostPort(m[3])
	port, _ := strconv.Atoi(portText)
	params := winrm.NewParameters("PT60S", "en-US", 153600)
	params.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
	client, err := winrm.NewClientWithParameters(&winrm.Endpoint{Host: host, Port: port, Timeout: 30 * time.Second},
		`WORK\admin`, "Admin-Pw-1", params)
	if err != nil {
		t.Fatal(err)
	}
	const bootstrap = "$ErrorActionPreference='Stop';$b=[string]::Join('',@($input));" +
		"$s=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b));& ([ScriptBlock]::Create($s))"
	script := "$p = ConvertTo-SecureString 'Pfx-Secret-123' -AsPlainText -Force\nWrite-Output ('a' + 'b')"
	cmdLine := "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand " + encodeUTF16(bootstrap)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel2()
	stdout, stderr, code, err := client.RunWithContextWithString(ctx2, cmdLine, base64.StdEncoding.EncodeToString([]byte(script)))
	if err != nil || code != 0 {
		t.Fatalf("code %d, err %v, stderr %q", code, err, stderr)
	}
	if stdout != "ab\r\n" {
		t.Errorf("stdout = %q, want %q", stdout, "ab\r\n")
	}

	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Pfx-Secret-123", "Admin-Pw-1"} {
		if strings.Contains(string(data), secret) {
			t.Errorf("the log contains the secret %q:\n%s", secret, data)
		}
	}
	var entry wsman.LogEntry
	if err := json.Unmarshal(data, &entry); err != nil {
		t.Fatalf("log line %q: %v", data, err)
	}
	if !strings.Contains(entry.Script, "Write-Output ('a' + 'b')") {
		t.Errorf("log script %q lacks the script read from stdin", entry.Script)
	}
	var names []string
	for _, c := range entry.Cmdlets {
		names = append(names, c.Name)
	}
	if diff := cmp.Diff([]string{"ConvertTo-SecureString", "Write-Output"}, names); diff != "" {
		t.Errorf("logged cmdlets (-want +got):\n%s", diff)
	}
	if entry.Server != "WIN20081" || entry.User != `WORK\admin` || entry.ExitCode != 0 {
		t.Errorf("log entry %+v", entry)
	}
}

func encodeUTF16(s string) string {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return base64.StdEncoding.EncodeToString(b)
}
