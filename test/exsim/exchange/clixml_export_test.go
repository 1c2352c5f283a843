package exchange

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

// observeBootstrap is the data-frame bootstrap of issue 12.
const observeBootstrap = `$ErrorActionPreference='Stop';$ProgressPreference='SilentlyContinue';$f=@($input);$secrets=@($f[1].Split(',')|Select-Object -Skip 1);$s=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($f[0]));& ([ScriptBlock]::Create($s))`

// observeSets are the object sets an observe reads, with the properties
// selected (the client's choice; these cover every value form).
var observeSets = []struct{ frame, cmd, props string }{
	{"exchangeservers", "Get-ExchangeServer", "'Name','Fqdn','AdminDisplayVersion','ServerRole','Edition','IsEdgeServer','WhenCreated','WhenChangedUTC'"},
	{"receiveconnectors", "Get-ReceiveConnector -Server 'WIN20081'", "'Identity','Name','Bindings','RemoteIPRanges','AuthMechanism','PermissionGroups','Fqdn','Banner','Enabled','MaxMessageSize','TlsCertificateName','TransportRole','ConnectionTimeout','RequireTLS','Comment'"},
	{"sendconnectors", "Get-SendConnector", "'Identity','Name','AddressSpaces','SmartHosts','DNSRoutingEnabled','Port','RequireTLS','TlsAuthLevel','TlsDomain','TlsCertificateName','SourceTransportServers','Enabled','Comment','MaxMessageSize'"},
	{"transportconfig", "Get-TransportConfig", "'TLSSendDomainSecureList','TLSReceiveDomainSecureList','MaxSendSize','MaxReceiveSize'"},
	{"certificates", "Get-ExchangeCertificate -Server 'WIN20081'", "'Thumbprint','Subject','Issuer','NotBefore','NotAfter','Services','CertificateDomains','HasPrivateKey','FriendlyName','Status'"},
}

func observeScript(extra string) string {
	var b strings.Builder
	b.WriteString("$c = New-Object System.Management.Automation.PSCredential('WORK\\admin', (ConvertTo-SecureString -String ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($secrets[0]))) -AsPlainText -Force))\r\n")
	b.WriteString("$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri 'http://win20081.work.com/PowerShell/' -Authentication Kerberos -Credential $c\r\n")
	b.WriteString("try {\r\n  $null = Import-PSSession $s -DisableNameChecking -AllowClobber\r\n" + extra)
	for _, set := range observeSets {
		b.WriteString("  $f = [IO.Path]::GetTempFileName()\r\n  try {\r\n")
		b.WriteString("    " + set.cmd + " -ErrorAction 'Stop' | Select-Object -Property " + set.props + " | Export-Clixml -LiteralPath $f -Depth 2\r\n")
		b.WriteString("    '<<EXR-BEGIN " + set.frame + ">>'\r\n    [Convert]::ToBase64String([IO.File]::ReadAllBytes($f))\r\n    '<<EXR-END " + set.frame + ">>'\r\n")
		b.WriteString("  } finally {\r\n    Remove-Item -LiteralPath $f\r\n  }\r\n")
	}
	b.WriteString("} finally {\r\n  Remove-PSSession $s\r\n}\r\n")
	return b.String()
}

func runObserve(t *testing.T, o *Org, script string) (string, string, int) {
	t.Helper()
	l, err := o.Loader("WIN20081", testUser, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := o.Server("WIN20081")
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	u := utf16.Encode([]rune(observeBootstrap))
	enc := make([]byte, 2*len(u))
	for i, c := range u {
		enc[2*i], enc[2*i+1] = byte(c), byte(c>>8)
	}
	h := &ps.Host{ServerName: "WIN20081", UserName: testUser, PSVersion: srv.PSVersion(), BufferWidth: 80, Modules: l, Codepage: 65001}
	var out, errOut bytes.Buffer
	code := ps.Run(context.Background(), h, "powershell.exe -NoProfile -NonInteractive -EncodedCommand "+base64.StdEncoding.EncodeToString(enc),
		strings.NewReader(b64(script)+"\r\nsecrets,"+b64(testPassword)+"\r\n"), &out, &errOut)
	return out.String(), errOut.String(), code
}

var (
	guidPattern       = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	thumbprintPattern = regexp.MustCompile(`\b[0-9A-F]{40}\b`)
	serialPattern     = regexp.MustCompile(`CN=WMSvc-SHA2-[0-9A-Za-z-]+|\b[0-9A-F]{32}\b`)
)

func TestObserveExportClixmlGoldens(t *testing.T) {
	for _, version := range []Version{V2010, V2019} {
		t.Run(version.String(), func(t *testing.T) {
			o := newTestOrg(t, ServerSpec{Name: "WIN20081", Version: version})
			// An administrator typed control characters into a Comment.
			setComment := "  Set-SendConnector -Identity 'To-canoe.com' -Comment \"nul`0esc\x1b[1mbell\x07 tab`t cr`r lf`n _x0041_ done\"\r\n"
			create := "  New-SendConnector -Name 'To-canoe.com' -Usage 'Internet' -AddressSpaces 'SMTP:canoe.com;1' -DNSRoutingEnabled $true -SourceTransportServers 'WIN20081'\r\n"
			stdout, stderr, code := runObserve(t, o, observeScript(create+setComment))
			if code != 0 {
				t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
			}
			for _, set := range observeSets {
				begin, end := "<<EXR-BEGIN "+set.frame+">>\r\n", "\r\n<<EXR-END "+set.frame+">>"
				i, j := strings.Index(stdout, begin), strings.Index(stdout, end)
				if i < 0 || j < i {
					t.Fatalf("no frame %s in %q", set.frame, stdout)
				}
				raw, err := base64.StdEncoding.DecodeString(stdout[i+len(begin) : j])
				if err != nil || len(raw) < 2 || raw[0] != 0xFF || raw[1] != 0xFE {
					t.Fatalf("%s: not UTF-16LE with BOM (%v)", set.frame, err)
				}
				w := make([]uint16, (len(raw)-2)/2)
				for k := range w {
					w[k] = uint16(raw[2+2*k]) | uint16(raw[3+2*k])<<8
				}
				text := string(utf16.Decode(w))
				text = thumbprintPattern.ReplaceAllString(guidPattern.ReplaceAllString(text, "<guid>"), "<thumbprint>")
				text = serialPattern.ReplaceAllString(text, "<random>")
				exportGolden(t, filepath.Join("clixml", version.String(), set.frame+".xml"), text)
			}
		})
	}
}

func exportGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}
