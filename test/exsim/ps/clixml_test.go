package ps

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pywinrmFakeCmdlet is winrm/tests/test_session.py::test_decode_clixml_error
// (docs/exchange.md "CLIXML on stderr"): `fake cmdlet` through run_ps, buffer width 120.
const pywinrmFakeCmdlet = "#< CLIXML\r\n" +
	`<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj><Obj S="progress" RefId="1"><TNRef RefId="0" /><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj><S S="Error">fake : The term 'fake' is not recognized as the name of a cmdlet, function, script file, or operable program. Check _x000D__x000A_</S><S S="Error">the spelling of the name, or if a path was included, verify that the path is correct and try again._x000D__x000A_</S><S S="Error">At line:1 char:1_x000D__x000A_</S><S S="Error">+ fake cmdlet_x000D__x000A_</S><S S="Error">+ ~~~~_x000D__x000A_</S><S S="Error">    + CategoryInfo          : ObjectNotFound: (fake:String) [], CommandNotFoundException_x000D__x000A_</S><S S="Error">    + FullyQualifiedErrorId : CommandNotFoundException_x000D__x000A_</S><S S="Error"> _x000D__x000A_</S></Objs>`

func TestClixmlPywinrmSample(t *testing.T) {
	r := runEncoded(t, testHost("5.1", 120), "fake cmdlet")
	if diff := cmp.Diff(pywinrmFakeCmdlet, r.stderr); diff != "" {
		t.Errorf("stderr of `fake cmdlet` (-want +got):\n%s", diff)
	}
	if r.code != 1 || r.stdout != "" {
		t.Errorf("exit %d, stdout %q; want 1 and nothing", r.code, r.stdout)
	}
}

func trimRight(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if l = strings.TrimRight(l, " "); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestErrorRendering(t *testing.T) {
	q := strings.Repeat("?", 30)
	cases := []struct {
		name, reason string
		lines        func(t *testing.T) []string
		want         []string
		trimmed      bool // the source lost trailing blanks: compare without them
	}{
		{"exchange remote error", "docs/exchange.md#exchange-error-records: Exchange 2016 remote error at width 120: no prefix, no position, chunked FQID, PSComputerName",
			func(t *testing.T) []string {
				rec := &ErrorRecord{Message: `Couldn't find database "0181915290". Make sure you have typed it correctly.`, Category: "NotSpecified",
					Reason: "ManagementObjectNotFoundException", Remote: true, PSComputerName: "sivermail.siverlaw.local",
					FullyQualifiedErrorId: "[Server=SIVERMAIL,RequestId=d8e96c8b-bd5f-4522-88e3-b1c13c069c41,TimeStamp=9/9/2022 3:17:40 PM] [FailureCategory=Cmdlet-ManagementObjectNotFoundException] E3DE7D95,Microsoft.Exchange.Management.RecipientTasks.GetMailbox",
					activity:              "Get-Mailbox", inv: &invocation{name: "Get-Mailbox", src: []rune("Get-Mailbox -Database 0181915290 -Archive"), pos: extent{0, 41}}}
				return renderError(rec, 120, false)
			},
			[]string{
				`Couldn't find database "0181915290". Make sure you have typed it correctly.`,
				`    + CategoryInfo          : NotSpecified: (:) [Get-Mailbox], ManagementObjectNotFoundException`,
				`    + FullyQualifiedErrorId : [Server=SIVERMAIL,RequestId=d8e96c8b-bd5f-4522-88e3-b1c13c069c41,TimeStamp=9/9/2022 3:17`,
				`   :40 PM] [FailureCategory=Cmdlet-ManagementObjectNotFoundException] E3DE7D95,Microsoft.Exchange.Management.Recipien`,
				`  tTasks.GetMailbox`,
				`    + PSComputerName        : sivermail.siverlaw.local`,
			}, true},
		{"powershell 2.0 command not found", "docs/winrm.md#powershell-20: no prefix, character wrap at 79, <<<< after the token",
			func(t *testing.T) []string {
				r := runEncoded(t, testHost("2.0", 80), q)
				lines := clixmlErrorLines(r.stderr)
				for i, l := range lines {
					lines[i] = strings.ReplaceAll(l, "&lt;", "<") // compare with the console text
				}
				return lines
			},
			[]string{
				"The term '" + q + "' is not recognized as the name of a cm",
				"dlet, function, script file, or operable program. Check the spelling of the nam",
				"e, or if a path was included, verify that the path is correct and try again.",
				"At line:1 char:31",
				"+ " + q + " <<<<",
				"    + CategoryInfo          : ObjectNotFound: (" + q + ":",
				"   String) [], CommandNotFoundException",
				"    + FullyQualifiedErrorId : CommandNotFoundException",
			}, true},
		{"write-error at script level", "docs/exchange.md#clixml-on-stderr: the prefix is the whole script text, no position",
			func(t *testing.T) []string {
				r := runEncoded(t, testHost("5.1", 120), "Write-Error 'plain error test'")
				return clixmlErrorLines(r.stderr)
			},
			[]string{
				"Write-Error 'plain error test' : plain error test",
				"    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException",
				"    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException",
				" ",
			}, false},
		{"write-error in a multi-line script", "docs/exchange.md#clixml-on-stderr: each script line is its own record, CLIXML escapes &",
			func(t *testing.T) []string {
				r := runEncoded(t, testHost("5.1", 120), "$ProgressPreference = 'SilentlyContinue'\nWrite-Error 'the thing is not there & more'\nexit 0\n")
				if r.code != 0 {
					t.Errorf("exit 0 gave %d", r.code)
				}
				return clixmlErrorLines(r.stderr)
			},
			[]string{
				"$ProgressPreference = 'SilentlyContinue'",
				"Write-Error 'the thing is not there &amp; more'",
				"exit 0",
				" : the thing is not there &amp; more",
				"    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException",
				"    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException",
				" ",
			}, false},
		{"tf-ad chunk wrap", "docs/exchange.md#clixml-on-stderr: terraform-provider-ad at width 80: the CategoryInfo and FQID chunks re-wrapped at 79 (the sample's source line was anonymised, so its position lines are not compared)",
			func(t *testing.T) []string {
				rec := &ErrorRecord{Message: "A parameter cannot be found that matches parameter name 'Path'.", Category: "InvalidArgument", Reason: "ParameterBindingException",
					FullyQualifiedErrorId: "NamedParameterNotFound,Microsoft.ActiveDirectory.Management.Commands.SetADOrganizationalUnit", activity: "Set-ADOrganizationalUnit",
					inv: &invocation{name: "Set-ADOrganizationalUnit"}}
				return renderError(rec, 80, false)
			},
			[]string{
				"Set-ADOrganizationalUnit : A parameter cannot be found that matches parameter ",
				"name 'Path'.",
				"    + CategoryInfo          : InvalidArgument: (:) [Set-ADOrganizationalUnit], ",
				"    ParameterBindingException",
				"    + FullyQualifiedErrorId : NamedParameterNotFound,Microsoft.ActiveDirectory ",
				"   .Management.Commands.SetADOrganizationalUnit",
				" ",
			}, false},
		{"long line position", "a source line over 69 characters is cut around the error with ... markers",
			func(t *testing.T) []string {
				line := "Set-SendConnector -Identity 'a-very-long-connector-name-for-testing' -Comment 'x' -Bogus 1 -Port 25 -RequireTLS $true"
				start := strings.Index(line, "-Bogus")
				return strings.Split(positionMessage([]rune(line), extent{start, start + 6}, false), "\n")
			},
			[]string{
				// 55 characters of left context fill the 69 (PositionUtilities.VerboseMessage).
				"At line:1 char:83",
				"+ ...  'a-very-long-connector-name-for-testing' -Comment 'x' -Bogus 1 -Port ...",
				"+ " + strings.Repeat(" ", 59) + "~~~~~~",
			}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.lines(t)
			want := tc.want
			if tc.trimmed {
				got, want = trimRight(got), trimRight(want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestClixmlEncode(t *testing.T) {
	cases := []struct{ name, reason, in, want string }{
		{"crlf", "control characters become _xHHHH_", "a\r\nb", "a_x000D__x000A_b"},
		{"underscore x", "a '_' before x is escaped", "_x000D_ and _X", "_x005F_x000D_ and _x005F_X"},
		{"xml", "then XML escaping", `<a & "b">`, `&lt;a &amp; "b"&gt;`},
		{"astral", "a character outside the BMP is a surrogate pair, both halves escaped", "\U0001F600", "_xD83D__xDE00_"},
		{"c1", "C1 controls too", "\u0085", "_x0085_"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := clixmlEncode(tc.in); got != tc.want {
				t.Errorf("%s: got %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}
