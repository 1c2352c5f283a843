package ps

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const snapin = "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\n"

// TestSeedTranscripts replays seed 001's administrator commands and
// compares the Format-List output with the transcripts in the seed
// (an Exchange Management Shell window of width 120).
func TestSeedTranscripts(t *testing.T) {
	setup := snapin +
		"new-SendConnector -Name 'To-Canoe.com' -Usage 'Internet' -AddressSpaces 'smtp:canoe.com;1' -DNSRoutingEnabled $true  -SourceTransportServers 'WIN20081' | Out-Null\n" +
		"set-SendConnector 'To-canoe.com' -port 26\n"
	cases := []struct {
		name, reason, script string
		want                 []string
	}{
		{"send connector", "seed 001: Get-SendConnector to-canoe.com | fl name,add*,port,dnsR*,domain*",
			setup + "Get-SendConnector to-canoe.com | fl name,add*,port,dnsR*,domain*", []string{
				"Name                : To-Canoe.com",
				"AddressSpaces       : {smtp:canoe.com;1}",
				"Port                : 26",
				"DNSRoutingEnabled   : True",
				"DomainSecureEnabled : False",
			}},
		{"transport config before", "seed 001: Get-TransportConfig | fl tls* on a fresh org",
			snapin + "Get-TransportConfig | fl tls*", []string{
				"TLSReceiveDomainSecureList : {}",
				"TLSSendDomainSecureList    : {}",
			}},
		{"transport config after", "seed 001: the lists after Set-TransportConfig with bareword domains",
			snapin + "Set-TransportConfig -TLSSendDomainSecureList canoe.com -TLSReceiveDomainSecureList work.com\nGet-TransportConfig | fl tls*", []string{
				"TLSReceiveDomainSecureList : {work.com}",
				"TLSSendDomainSecureList    : {canoe.com}",
			}},
		{"domain secure colon switch", "seed 001: Set-SendConnector to-canoe.com -DomainSecureEnabled:$true",
			setup + "Set-SendConnector to-canoe.com -DomainSecureEnabled:$true\nGet-SendConnector to-canoe.com | fl name,dns*,port,dom*", []string{
				"Name                : To-Canoe.com",
				"DNSRoutingEnabled   : True",
				"Port                : 26",
				"DomainSecureEnabled : True",
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runEncoded(t, testHost("5.1", 120), tc.script)
			want := "\r\n\r\n" + strings.Join(tc.want, "\r\n") + "\r\n\r\n\r\n\r\n"
			if !strings.HasSuffix(r.stdout, want) {
				t.Errorf("%s: stdout %q does not end with %q\nstderr: %s", tc.reason, r.stdout, want, r.stderr)
			}
		})
	}
}

// TestBootstrapRemoteSession runs the kind of script exreconcile sends:
// through the bootstrap, a remote session with a credential, framed output.
func TestBootstrapRemoteSession(t *testing.T) {
	h := testHost("5.1", 80)
	script := strings.Join([]string{
		"$pw = ConvertTo-SecureString -String 'P@ss''w0rd' -AsPlainText -Force",
		"$cred = New-Object System.Management.Automation.PSCredential -ArgumentList 'WORK\\admin',$pw",
		"$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://win20081.work.com/PowerShell/ -Authentication Kerberos -Credential $cred",
		"Import-PSSession $s -CommandName Get-SendConnector,New-SendConnector -DisableNameChecking | Out-Null",
		"New-SendConnector -Name 'to canoe.com' -Usage Internet -AddressSpaces canoe.com -DNSRoutingEnabled $true -SourceTransportServers WIN20081 | Out-Null",
		"$x = Get-SendConnector | ConvertTo-Xml -As String -Depth 1 -NoTypeInformation",
		"'<<EXR-BEGIN>>' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($x)) + '<<EXR-END>>'",
		"Remove-PSSession $s",
	}, "\n")
	r := runScript(t, h, script)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	frame := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(r.stdout), "<<EXR-BEGIN>>"), "<<EXR-END>>")
	raw, err := base64.StdEncoding.DecodeString(frame)
	if err != nil {
		t.Fatalf("stdout %q is not one frame: %v", r.stdout, err)
	}
	xml := string(raw)
	for _, want := range []string{"<?xml version=\"1.0\"?>\r\n<Objects>\r\n  <Object>\r\n", `<Property Name="Name">to canoe.com</Property>`,
		"<Property Name=\"AddressSpaces\">\r\n      <Property>canoe.com</Property>\r\n    </Property>", `<Property Name="TlsDomain" />`} {
		if !strings.Contains(xml, want) {
			t.Errorf("the serialised connector lacks %q:\n%s", want, xml)
		}
	}
	if diff := cmp.Diff([]string{bootstrap, script}, r.scripts); diff != "" {
		t.Errorf("scripts told to OnScript (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"P@ss'w0rd", "P@ss'w0rd"}, r.secrets); diff != "" {
		t.Errorf("secrets (-want +got):\n%s", diff)
	}
	var names []string
	for _, c := range r.cmdlets {
		names = append(names, c.Name+" "+strings.Join(c.Parameters, ","))
	}
	want := []string{
		"ConvertTo-SecureString String,AsPlainText,Force",
		"New-Object TypeName,ArgumentList",
		"New-PSSession ConfigurationName,ConnectionUri,Authentication,Credential",
		"Import-PSSession Session,CommandName,DisableNameChecking",
		"Out-Null ",
		"New-SendConnector Name,Usage,AddressSpaces,DNSRoutingEnabled,SourceTransportServers",
		"Out-Null ",
		"Get-SendConnector ",
		"ConvertTo-Xml As,Depth,NoTypeInformation",
		"Remove-PSSession Session",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("cmdlets told to OnCmdlet (-want +got):\n%s", diff)
	}
}

func TestExitCodes(t *testing.T) {
	cases := []struct {
		name, reason, script string
		encoded              bool
		code                 int
	}{
		{"exit n", "exit N is the exit code", "exit 3", true, 3},
		{"exit in script block", "exit inside the bootstrap's script block ends the process", "'x'\nexit 7", false, 7},
		{"error then success", "docs/exchange.md#exit-codes: a non-terminating error followed by a successful statement gives 0", snapin + "Get-SendConnector nope\n'done'", true, 0},
		{"success then error", "docs/exchange.md#exit-codes: a failing last statement gives 1", snapin + "'x'\nGet-SendConnector nope", true, 1},
		{"write-error last", "docs/exchange.md#exit-codes: a script ending in Write-Error gives 1", "Write-Error 'x'", true, 1},
		{"throw", "throw is script-terminating", "throw 'boom'\n'not reached'", true, 1},
		{"parse error", "a parse error runs nothing", "'a'\n$x = (", true, 1},
		{"stop preference", "the bootstrap's $ErrorActionPreference = 'Stop' makes the first error terminating", snapin + "Get-SendConnector nope\nexit 0", false, 1},
		{"error action stop", "-ErrorAction Stop is script-terminating", snapin + "Get-SendConnector nope -ErrorAction Stop\nexit 0", true, 1},
		{"silently continue", "-ErrorAction SilentlyContinue hides the error but $? is false", snapin + "Get-SendConnector nope -ErrorAction SilentlyContinue", true, 1},
		{"binding error", "a binding error stops the statement, the next runs", snapin + "Get-SendConnector -Bogus 1\n'after'", true, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r result
			if tc.encoded {
				r = runEncoded(t, testHost("5.1", 80), tc.script)
			} else {
				r = runScript(t, testHost("5.1", 80), tc.script)
			}
			if r.code != tc.code {
				t.Errorf("%s: exit %d, want %d\nstdout: %q\nstderr: %q", tc.reason, r.code, tc.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout, "not reached") {
				t.Errorf("%s: the script went on after a terminating error", tc.reason)
			}
		})
	}
}

func TestRemoteErrorUnderBootstrap(t *testing.T) {
	h := testHost("5.1", 120)
	script := strings.Join([]string{
		"$pw = ConvertTo-SecureString -String 'pw' -AsPlainText -Force",
		"$cred = New-Object System.Management.Automation.PSCredential('WORK\\admin',$pw)",
		"$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://win20081.work.com/PowerShell/ -Authentication Kerberos -Credential $cred",
		"Import-PSSession $s -DisableNameChecking | Out-Null",
		"'<<BEFORE>>'",
		"Get-SendConnector 'to nowhere'",
		"'<<AFTER>>'",
	}, "\n")
	r := runScript(t, h, script)
	if r.code != 1 || !strings.Contains(r.stdout, "<<BEFORE>>") || strings.Contains(r.stdout, "<<AFTER>>") {
		t.Fatalf("exit %d, stdout %q: want 1, the marker before the failure and not after", r.code, r.stdout)
	}
	want := []string{
		"The operation couldn't be performed because object 'to nowhere' couldn't be found on 'dc1.work.com'.",
		"    + CategoryInfo          : NotSpecified: (to nowhere:String) [Get-SendConnector], ManagementObjectNotFoundException",
		// The 114-character chunk ends in "Cmdlet-Man", the next starts with four
		// blanks: the word wrap keeps one blank on the first line.
		"    + FullyQualifiedErrorId : [Server=WIN20081,RequestId=0,TimeStamp=1/1/2024 12:00:00 AM] [FailureCategory=Cmdlet-Man ",
		"   agementObjectNotFoundException] B5AB3A4D,Microsoft.Exchange.Management.SystemConfigurationTasks.GetSendConnector",
		"    + PSComputerName        : win20081.work.com",
		" ",
	}
	if diff := cmp.Diff(want, clixmlErrorLines(r.stderr)); diff != "" {
		t.Errorf("remote error (-want +got):\n%s", diff)
	}
}

func TestCommandLine(t *testing.T) {
	cases := []struct {
		name, reason, line, stdin, stdout, stderr string
		code                                      int
	}{
		{"not powershell", "cmd.exe's message for an unknown program", "ipconfigx /all", "", "",
			"'ipconfigx' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", 1},
		{"echo", "cmd's echo", "echo hello world", "", "hello world\r\n", "", 0},
		{"cmd /c", "cmd /c runs the rest", `cmd /c echo hi`, "", "hi\r\n", "", 0},
		{"full path", "powershell.exe by its full path, -Command text joined by blanks", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -NoProfile -Command 'a' + 'b'`, "", "ab\r\n", "", 0},
		{"quotes lost", "CommandLineToArgvW removes double quotes before PowerShell sees the text", `powershell -Command Write-Output "a b"`, "", "a\r\nb\r\n", "", 0},
		{"command from stdin", "-Command - reads the script from stdin", "powershell -NonInteractive -Command -", "'x'\r\n'y'\r\n", "x\r\ny\r\n", "", 0},
		{"input lines", "$input enumerates stdin lines", "powershell -Command @($input).Count", "a\r\nb\r\nc\r\n", "3\r\n", "", 0},
		{"read to end", "[Console]::In.ReadToEnd() reads all of stdin", "powershell -Command [Console]::In.ReadToEnd().Length", "abc\r\n", "5\r\n", "", 0},
		{"missing command", "the parser's own message and 0xFFFD0000", "powershell -Command", "", "",
			"Cannot process the command because of a missing parameter. A command must follow -Command.\r\n", exitBadCommandLine},
		{"bad encoded", "not base64", "powershell -EncodedCommand ***", "", "",
			"Cannot process the command because the value specified with -EncodedCommand is not properly encoded. The value must be Base64 encoded.\r\n", exitBadCommandLine},
		{"bad format", "only Text, XML and None", "powershell -OutputFormat Foo -Command 1", "", "",
			"Cannot process the command because of an incorrect parameter value. \"Foo\" is not a valid format.  Valid formats are:\nText\r\nXML\r\nNone\r\n\r\n", exitBadCommandLine},
		{"file", "no script file exists in exsim", "powershell -File c:\\x.ps1", "", "Windows PowerShell\r\nCopyright (C) 2016 Microsoft Corporation. All rights reserved.\r\n\r\n",
			"The argument 'c:\\x.ps1' to the -File parameter does not exist. Provide the path to an existing '.ps1' file as an argument to the -File parameter.\r\n", exitBadCommandLine},
		{"prefix switches", "-nop -noni -ep and -enc prefixes", "powershell -nop -noni -ep bypass -enc " + encodeCommand("'ok'"), "", "ok\r\n", "", 0},
		{"unknown switch starts the command", "PowerShell 5.1 runs the first unrecognised argument as the command", "powershell -Foo", "", "",
			"-Foo : The term '-Foo' is not recognized as the name of a cmdlet, function, script file, or operable program. Check \r\nthe spelling of the name, or if a path was included, verify that the path is correct and try again.\r\nAt line:1 char:1\r\n+ -Foo\r\n+ ~~~~\r\n    + CategoryInfo          : ObjectNotFound: (-Foo:String) [], CommandNotFoundException\r\n    + FullyQualifiedErrorId : CommandNotFoundException\r\n \r\n", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, testHost("5.1", 120), tc.line, tc.stdin)
			got := []any{r.stdout, r.stderr, r.code}
			want := []any{tc.stdout, tc.stderr, tc.code}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestHostCommands(t *testing.T) {
	h := testHost("5.1", 80)
	h.Commands = []Command{&fakeCmd{name: "Restart-Service", class: "Microsoft.PowerShell.Commands.RestartServiceCommand",
		params: []ParamSpec{{Name: "Name", Type: "String[]", Position: 0, FromPipeline: true}},
		fn:     func(c *Call) ([]any, error) { return []any{"restarted " + toStringPS(c.Args["Name"])}, nil }}}
	r := runEncoded(t, h, "Restart-Service MSExchangeTransport")
	if r.stdout != "restarted MSExchangeTransport\r\n" || r.code != 0 {
		t.Errorf("a host command replaces the refusal of a real cmdlet: stdout %q, stderr %q", r.stdout, r.stderr)
	}
}
