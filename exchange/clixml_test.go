package exchange

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const objsOpen = `<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">`

// errorLines writes console lines as the <S S="Error"> records of CLIXML.
func errorLines(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		l = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(l)
		b.WriteString(`<S S="Error">` + l + `_x000D__x000A_</S>`)
	}
	return b.String()
}

const progress = `<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>`

func TestDecodeStderr(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   Stderr
		reason string
	}{
		{
			name:   "empty",
			in:     "",
			want:   Stderr{},
			reason: "a clean run writes nothing to stderr",
		},
		{
			name:   "progress only",
			in:     "#< CLIXML\r\n" + objsOpen + progress + "</Objs>",
			want:   Stderr{},
			reason: "ansible test_parse_clixml_with_progress: progress records are noise",
		},
		{
			name: "pywinrm command not found",
			// pywinrm test_decode_clixml_error, verbatim (buffer width 120).
			in: "#< CLIXML\r\n" + objsOpen + progress + `<S S="Error">fake : The term 'fake' is not recognized as the name of a cmdlet, function, script file, or operable program. Check _x000D__x000A_</S><S S="Error">the spelling of the name, or if a path was included, verify that the path is correct and try again._x000D__x000A_</S><S S="Error">At line:1 char:1_x000D__x000A_</S><S S="Error">+ fake cmdlet_x000D__x000A_</S><S S="Error">+ ~~~~_x000D__x000A_</S><S S="Error">    + CategoryInfo          : ObjectNotFound: (fake:String) [], CommandNotFoundException_x000D__x000A_</S><S S="Error">    + FullyQualifiedErrorId : CommandNotFoundException_x000D__x000A_</S><S S="Error"> _x000D__x000A_</S></Objs>`,
			want: Stderr{Errors: []ErrorRecord{{
				Message:               "The term 'fake' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.",
				Command:               "fake",
				Category:              "ObjectNotFound",
				Reason:                "CommandNotFoundException",
				CategoryInfo:          "ObjectNotFound: (fake:String) [], CommandNotFoundException",
				FullyQualifiedErrorId: "CommandNotFoundException",
				Position:              "At line:1 char:1\n+ fake cmdlet\n+ ~~~~",
			}}},
			reason: "word-wrapped message rejoined at the kept space; prefix and position split off",
		},
		{
			name: "terraform-provider-ad parameter binding",
			// tf-ad winrm_helper_test.go clixmlError (buffer width 80), with
			// its leading stray space and the elements joined as captured.
			in: " #< CLIXML\r\n" + objsOpen + errorLines(
				"Set-ADOrganizationalUnit : A parameter cannot be found that matches parameter ",
				"name 'Path'.",
				"At line:1 char:101",
				`+ ... e description" -Path "DC=yourdomain,DC=com" `,
				"-ProtectedFromAccidentalDeletion $tr ...",
				"+                    ~~~~~",
				"    + CategoryInfo          : InvalidArgument: (:) [Set-ADOrganizationalUnit], ",
				"    ParameterBindingException",
				"    + FullyQualifiedErrorId : NamedParameterNotFound,Microsoft.ActiveDirectory ",
				"   .Management.Commands.SetADOrganizationalUnit",
				" ") + "</Objs>",
			want: Stderr{Errors: []ErrorRecord{{
				Message:               "A parameter cannot be found that matches parameter name 'Path'.",
				Command:               "Set-ADOrganizationalUnit",
				Category:              "InvalidArgument",
				Reason:                "ParameterBindingException",
				CategoryInfo:          "InvalidArgument: (:) [Set-ADOrganizationalUnit], ParameterBindingException",
				FullyQualifiedErrorId: "NamedParameterNotFound,Microsoft.ActiveDirectory.Management.Commands.SetADOrganizationalUnit",
				Position:              "At line:1 char:101\n+ ... e description\" -Path \"DC=yourdomain,DC=com\" \n-ProtectedFromAccidentalDeletion $tr ...\n+                    ~~~~~",
			}}},
			reason: "chunked and wrapped field values are rejoined; the wrapped source line stays in the position",
		},
		{
			name: "Exchange remote error",
			// docs/exchange.md "Exchange error records" (Exchange 2016, buffer width 120),
			// lines as the ErrorInstance view produces them.
			in: "#< CLIXML\r\n" + objsOpen + errorLines(
				`Couldn't find database "0181915290". Make sure you have typed it correctly.`,
				"    + CategoryInfo          : NotSpecified: (:) [Get-Mailbox], ManagementObjectNotFoundException",
				"    + FullyQualifiedErrorId : [Server=SIVERMAIL,RequestId=d8e96c8b-bd5f-4522-88e3-b1c13c069c41,TimeStamp=9/9/2022 3:17 ",
				"   :40 PM] [FailureCategory=Cmdlet-ManagementObjectNotFoundException] E3DE7D95,Microsoft.Exchange.Management.Recipien  ",
				"  tTasks.GetMailbox",
				"    + PSComputerName        : sivermail.siverlaw.local",
				" ") + "</Objs>",
			want: Stderr{Errors: []ErrorRecord{{
				Message:               `Couldn't find database "0181915290". Make sure you have typed it correctly.`,
				Command:               "Get-Mailbox",
				Category:              "NotSpecified",
				Reason:                "ManagementObjectNotFoundException",
				CategoryInfo:          "NotSpecified: (:) [Get-Mailbox], ManagementObjectNotFoundException",
				FullyQualifiedErrorId: "[Server=SIVERMAIL,RequestId=d8e96c8b-bd5f-4522-88e3-b1c13c069c41,TimeStamp=9/9/2022 3:17:40 PM] [FailureCategory=Cmdlet-ManagementObjectNotFoundException] E3DE7D95,Microsoft.Exchange.Management.RecipientTasks.GetMailbox",
				PSComputerName:        "sivermail.siverlaw.local",
			}}},
			reason: "the Q&A sample's odd breaks (3:17 / :40 PM, Recipien / tTasks) come back together",
		},
		{
			name: "warning, verbose, escapes and two blocks",
			in: "#< CLIXML\r\n#< CLIXML\r\n" + objsOpen + `<S S="warning">The command completed successfully but no settings of 'To-canoe.com' have been modified.</S>` +
				`<S S="verbose">tab_x0009_here and _x005F_x literal and emoji _xD83D__xDE00_</S></Objs>` + objsOpen + `<S S="warning">second</S></Objs>`,
			want: Stderr{
				Warnings: []string{"The command completed successfully but no settings of 'To-canoe.com' have been modified.", "second"},
				Verbose:  []string{"tab\there and _x literal and emoji \U0001F600"},
			},
			reason: "ansible #69550: concatenated blocks; _xHHHH_ and surrogate pairs decoded",
		},
		{
			name:   "cut short",
			in:     "#< CLIXML\r\n" + objsOpen + `<S S="warning">first</S><S S="Err`,
			want:   Stderr{Warnings: []string{"first"}},
			reason: "a killed process leaves no </Objs>; what was read is kept",
		},
		{
			name:   "plain text",
			in:     "'powershell.exe' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n",
			want:   Stderr{Text: "'powershell.exe' is not recognized as an internal or external command,\r\noperable program or batch file."},
			reason: "cmd.exe's own messages are not CLIXML",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecodeStderr(tt.in)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("DecodeStderr (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

// TestDecodeStderrRendered checks a record rendered by the view model of
// docs/exchange.md "CLIXML on stderr" at buffer width 80 (a local cmdlet error).
func TestDecodeStderrRendered(t *testing.T) {
	in := "#< CLIXML\r\n" + objsOpen + errorLines(
		`Set-SendConnector : Cannot bind parameter 'Port'. Cannot convert value "abc" `,
		`to type "System.Int32". Error: "Input string was not in a correct format."`,
		"At line:3 char:45",
		"+ Set-SendConnector -Identity 'To-canoe.com' -Port 'abc' -ErrorAction 'Stop' | ",
		"Out-Null",
		"+                                             ~~~~~",
		"    + CategoryInfo          : InvalidArgument: (:) [Set-SendConnector], Parame ",
		"   terBindingException",
		"    + FullyQualifiedErrorId : CannotConvertArgumentNoMessage,Set-SendConnector",
		" ") + "</Objs>"
	got := DecodeStderr(in).Errors
	want := []ErrorRecord{{
		Message:               `Cannot bind parameter 'Port'. Cannot convert value "abc" to type "System.Int32". Error: "Input string was not in a correct format."`,
		Command:               "Set-SendConnector",
		Category:              "InvalidArgument",
		Reason:                "ParameterBindingException",
		CategoryInfo:          "InvalidArgument: (:) [Set-SendConnector], ParameterBindingException",
		FullyQualifiedErrorId: "CannotConvertArgumentNoMessage,Set-SendConnector",
		Position:              "At line:3 char:45\n+ Set-SendConnector -Identity 'To-canoe.com' -Port 'abc' -ErrorAction 'Stop' | \nOut-Null\n+                                             ~~~~~",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if c := Classify(got[0]); c != ClassInvalid {
		t.Errorf("Classify = %s, want %s", c, ClassInvalid)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		rec    ErrorRecord
		want   Class
		reason string
	}{
		{name: "exchange not found", rec: ErrorRecord{Message: "The operation couldn't be performed because object 'X' couldn't be found on 'dc'.",
			Reason: "ManagementObjectNotFoundException", FullyQualifiedErrorId: "[Server=S] [FailureCategory=Cmdlet-ManagementObjectNotFoundException] 1082ECE3,Microsoft.Exchange.X"},
			want: ClassNotFound, reason: "docs/exchange.md#error-texts"},
		{name: "certificate not found", rec: ErrorRecord{Message: "A special Rpc error occurs on server S: The certificate with thumbprint AB was not found."},
			want: ClassNotFound, reason: "the Rpc wording has no exception name"},
		{name: "cmdlet missing", rec: ErrorRecord{Message: "The term 'Get-SendConnector' is not recognized ...", Category: "ObjectNotFound",
			Reason: "CommandNotFoundException", FullyQualifiedErrorId: "CommandNotFoundException"},
			want: ClassSession, reason: "a missing Exchange cmdlet means the session or snap-in did not load, not a missing object"},
		{name: "remote session failed", rec: ErrorRecord{Message: "[win20081.work.com] Connecting to remote server win20081.work.com failed with the following error message : The WinRM client cannot process the request.",
			FullyQualifiedErrorId: "PSSessionOpenFailed"}, want: ClassSession, reason: "New-PSSession failure"},
		{name: "snap-in missing", rec: ErrorRecord{Message: "The Windows PowerShell snap-in 'Microsoft.Exchange.Management.PowerShell.SnapIn' is not installed on this machine.",
			FullyQualifiedErrorId: "AddPSSnapInRead,Microsoft.PowerShell.Commands.AddPSSnapinCommand"}, want: ClassSession, reason: "wrong snap-in name"},
		{name: "access denied", rec: ErrorRecord{Message: "Access is denied.", Reason: "UnauthorizedAccessException"},
			want: ClassAccessDenied, reason: "RBAC or local rights"},
		{name: "parameter not found", rec: ErrorRecord{Message: "A parameter cannot be found that matches parameter name 'TlsCertificateName'.",
			Category: "InvalidArgument", FullyQualifiedErrorId: "NamedParameterNotFound,Set-SendConnector"},
			want: ClassInvalid, reason: "what exsim says for a parameter the version lacks"},
		{name: "private key missing", rec: ErrorRecord{Message: "The certificate with thumbprint AB was found but is not valid for use with Exchange Server (reason: PrivateKeyMissing).",
			FullyQualifiedErrorId: "[Server=S] [FailureCategory=Cmdlet-CertificateNotValidForExchangeException] 9,Microsoft.Exchange.Management.SystemConfigurationTasks.EnableExchangeCertificate"},
			want: ClassInvalid, reason: "a refusal that repeats until someone repairs the certificate"},
		{name: "unknown", rec: ErrorRecord{Message: "The Microsoft Exchange Transport service is stopping."}, want: ClassOther, reason: "no known marker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.rec); got != tt.want {
				t.Errorf("Classify = %s, want %s (%s)", got, tt.want, tt.reason)
			}
			err := error(&RemoteError{Class: tt.want, Record: tt.rec})
			if !errors.Is(err, tt.want.Sentinel()) {
				t.Errorf("errors.Is(RemoteError, %v) = false", tt.want.Sentinel())
			}
		})
	}
}
