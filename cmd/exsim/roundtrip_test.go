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
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/masterzen/winrm"
)

// dataBootstrap is issue 12's bootstrap: the script and the secrets
// arrive on stdin as data, never as code.
const dataBootstrap = `$ErrorActionPreference='Stop';$ProgressPreference='SilentlyContinue';$f=@($input);$secrets=@($f[1].Split(',')|Select-Object -Skip 1);$s=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($f[0]));& ([ScriptBlock]::Create($s))`

// canaryPassword has both single quotes PowerShell knows and $().
const canaryPassword = "Adm'in\u2019$(pw)-1"

// startExsim serves one 2019 server over plain HTTP with NTLM, as the
// exsim binary does with these flags, and returns a masterzen client.
func startExsim(t *testing.T, extra ...string) (*winrm.Client, string) {
	t.Helper()
	dir := t.TempDir()
	logPath := filepath.Join(dir, "log.jsonl")
	args := append([]string{"--org", "work.com", "--user", `WORK\admin`, "--password-env", "PW",
		"--server", "WIN20081=127.0.0.1:0", "--allow-unencrypted", "--log", logPath}, extra...)
	o, err := parseOptions(args, env(map[string]string{"PW": canaryPassword}), io.Discard)
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
	t.Cleanup(func() { stopServe(t, cancel, done) })
	host, portText, _ := net.SplitHostPort(m[3])
	port, _ := strconv.Atoi(portText)
	params := winrm.NewParameters("PT60S", "en-US", 153600)
	params.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
	client, err := winrm.NewClientWithParameters(&winrm.Endpoint{Host: host, Port: port, Timeout: 30 * time.Second}, `WORK\admin`, canaryPassword, params)
	if err != nil {
		t.Fatal(err)
	}
	return client, logPath
}

// runData runs script through the data bootstrap with the given secrets.
func runData(t *testing.T, client *winrm.Client, script string, secrets ...string) (string, string, int, int) {
	t.Helper()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	stdin := b64(script) + "\r\nsecrets"
	for _, s := range secrets {
		stdin += "," + b64(s)
	}
	stdin += "\r\n"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand " + encodeUTF16(dataBootstrap)
	stdout, stderr, code, err := client.RunWithContextWithString(ctx, cmd, stdin)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return stdout, stderr, code, len(stdin)
}

const sessionOpen = "$c = New-Object System.Management.Automation.PSCredential('WORK\\admin', (ConvertTo-SecureString -String ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($secrets[0]))) -AsPlainText -Force))\r\n" +
	"$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri 'http://win20081.work.com/PowerShell/' -Authentication Kerberos -Credential $c\r\n"

// logEntries reads the command log as generic JSON.
func logEntries(t *testing.T, path string) ([]map[string]any, string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out = append(out, e)
	}
	return out, string(data)
}

// TestRoundTripObserveWithSecretsAsData runs, over WinRM with masterzen,
// a script that opens an Exchange session with a password from the data
// frame, changes a Comment to control characters, observes with
// Export-Clixml inside try/finally and removes the session; then checks
// the frame and the command log (Script Block Logging fields, no secret).
func TestRoundTripObserveWithSecretsAsData(t *testing.T) {
	client, logPath := startExsim(t, "--powershell-max-concurrency", "3")
	script := "# observe, as exreconcile sends it\r\n\r\n" + sessionOpen +
		"try {\r\n  $null = Import-PSSession $s -CommandName Get-SendConnector,New-SendConnector,Set-SendConnector -AllowClobber\r\n" +
		"  $null = New-SendConnector -Name 'To-canoe.com' -Usage 'Internet' -AddressSpaces 'SMTP:canoe.com;1' -DNSRoutingEnabled $true -SourceTransportServers 'WIN20081'\r\n" +
		"  Set-SendConnector -Identity 'To-canoe.com' -Comment \"nul`0esc\x1b[0m\"\r\n" +
		"  $f = [IO.Path]::GetTempFileName()\r\n  try {\r\n" +
		"    Get-SendConnector -ErrorAction 'Stop' | Select-Object -Property 'Name','Comment','AddressSpaces' | Export-Clixml -LiteralPath $f -Depth 2\r\n" +
		"    '<<EXR-BEGIN sendconnectors>>'\r\n    [Convert]::ToBase64String([IO.File]::ReadAllBytes($f))\r\n    '<<EXR-END sendconnectors>>'\r\n" +
		"  } finally {\r\n    Remove-Item -LiteralPath $f\r\n  }\r\n} finally {\r\n  Remove-PSSession $s\r\n}\r\n"
	stdout, stderr, code, stdinLen := runData(t, client, script, canaryPassword)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	i, j := strings.Index(stdout, "<<EXR-BEGIN sendconnectors>>\r\n"), strings.Index(stdout, "\r\n<<EXR-END sendconnectors>>")
	if i < 0 || j < i {
		t.Fatalf("no frame: %q", stdout)
	}
	raw, err := base64.StdEncoding.DecodeString(stdout[i+len("<<EXR-BEGIN sendconnectors>>\r\n") : j])
	if err != nil || len(raw) < 2 || raw[0] != 0xFF || raw[1] != 0xFE {
		t.Fatalf("frame is not UTF-16LE with a BOM: %v", err)
	}
	u := make([]uint16, (len(raw)-2)/2)
	for k := range u {
		u[k] = uint16(raw[2+2*k]) | uint16(raw[3+2*k])<<8
	}
	doc := string(utf16.Decode(u))
	for _, want := range []string{`<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">`,
		"<T>Selected.System.Management.Automation.PSCustomObject</T>", `<S N="Comment">nul_x0000_esc_x001B_[0m</S>`, "<S>SMTP:canoe.com;1</S>"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the CLIXML lacks %q:\n%s", want, doc)
		}
	}

	// A second command puts the password into code, as a client must not.
	leak := "$p = ConvertTo-SecureString -String 'Adm''in\u2019\u2019$(pw)-1' -AsPlainText -Force\r\n'leaked'"
	if _, stderr, code, _ := runData(t, client, leak); code != 0 {
		t.Fatalf("leak script: %s", stderr)
	}
	entries, text := logEntries(t, logPath)
	if len(entries) != 2 {
		t.Fatalf("%d log lines", len(entries))
	}
	for _, piece := range []string{"Adm'in", "Adm''in", "\u2019$(pw)", "\u2019\u2019$(pw)", base64.StdEncoding.EncodeToString([]byte(canaryPassword))} {
		if strings.Contains(text, piece) {
			t.Errorf("the log holds the secret as %q", piece)
		}
	}
	first, second := entries[0], entries[1]
	if blocks, _ := first["scriptBlocks"].([]any); len(blocks) != 2 || blocks[0] != dataBootstrap || blocks[1] != script {
		t.Errorf("scriptBlocks %q", first["scriptBlocks"])
	}
	if got := first["stdinBytes"]; got != float64(stdinLen) {
		t.Errorf("stdinBytes %v, want %d", got, stdinLen)
	}
	if got := first["redactedSecretLiterals"]; got != float64(0) {
		t.Errorf("the data-frame script counts %v secret literals", got)
	}
	if got := second["redactedSecretLiterals"]; got != float64(1) {
		t.Errorf("the leaking script counts %v secret literals, want 1", got)
	}
	if blocks, _ := second["scriptBlocks"].([]any); len(blocks) != 2 || !strings.Contains(blocks[1].(string), "-String <redacted> -AsPlainText") {
		t.Errorf("leaking block logged as %q", second["scriptBlocks"])
	}

	// try/finally frees the session even when the work fails: with a
	// limit of 3, ten failing runs still leave room for the next one.
	failing := sessionOpen + "try { throw 'boom' } finally { Remove-PSSession $s }"
	for k := 0; k < 10; k++ {
		_, stderr, code, _ := runData(t, client, failing, canaryPassword)
		if code != 1 || !strings.Contains(stderr, "boom") {
			t.Fatalf("run %d: exit %d, stderr %s", k+1, code, stderr)
		}
	}
	// Without the finally, the fourth session is refused (throttling).
	leaky := sessionOpen + "'kept'"
	var last string
	for k := 0; k < 4; k++ {
		_, last, _, _ = runData(t, client, leaky, canaryPassword)
	}
	if !strings.Contains(last, "MaxConcurrency") {
		t.Errorf("the 4th leaked session was not throttled: %s", last)
	}
}
