package ps

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf16"
)

// encodeCommand is what a client passes to -EncodedCommand: base64 of UTF-16LE.
func encodeCommand(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// bootstrap is exreconcile's bootstrap (docs/winrm.md "The bootstrap").
const bootstrap = `$ErrorActionPreference='Stop';$ProgressPreference='SilentlyContinue';$b=[string]::Join('',@($input));$s=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b));& ([ScriptBlock]::Create($s))`

// bootstrapLine is the command line exreconcile sends.
func bootstrapLine() string {
	return "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand " + encodeCommand(bootstrap)
}

// result is what one Run produced.
type result struct {
	stdout, stderr string
	code           int
	scripts        []string
	cmdlets        []CmdletEvent
	secrets        []string
}

// testHost returns a host with the fake Exchange module.
func testHost(version string, width int) *Host {
	return &Host{ServerName: "WIN20081", UserName: `WORK\admin`, PSVersion: version, BufferWidth: width, Modules: newFakeExchange()}
}

// objectsHost returns a host whose Get-TestObject (after Add-PSSnapin)
// writes objs.
func objectsHost(version string, width int, objs ...any) *Host {
	h := testHost(version, width)
	h.Modules.(*fakeExchange).objects = objs
	return h
}

func run(t *testing.T, h *Host, cmdline, stdin string) result {
	t.Helper()
	var r result
	h.OnScript = func(s string) { r.scripts = append(r.scripts, s) }
	h.OnCmdlet = func(e CmdletEvent) { r.cmdlets = append(r.cmdlets, e) }
	h.Secrets = func(s string) { r.secrets = append(r.secrets, s) }
	var o, e bytes.Buffer
	r.code = Run(context.Background(), h, cmdline, strings.NewReader(stdin), &o, &e)
	r.stdout, r.stderr = o.String(), e.String()
	return r
}

// runScript runs a script through the bootstrap, as exreconcile does.
func runScript(t *testing.T, h *Host, script string) result {
	t.Helper()
	return run(t, h, bootstrapLine(), base64.StdEncoding.EncodeToString([]byte(script))+"\r\n")
}

// runEncoded runs a script as pywinrm's run_ps does.
func runEncoded(t *testing.T, h *Host, script string) result {
	t.Helper()
	return run(t, h, "powershell -encodedcommand "+encodeCommand(script), "")
}

// clixmlErrorLines extracts the text of the <S S="Error"> records.
func clixmlErrorLines(stderr string) []string {
	var out []string
	for _, part := range strings.Split(stderr, `<S S="Error">`)[1:] {
		out = append(out, strings.TrimSuffix(part[:strings.Index(part, "</S>")], "_x000D__x000A_"))
	}
	return out
}
