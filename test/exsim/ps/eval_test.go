package ps

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEvaluation(t *testing.T) {
	cases := []struct {
		name, reason, script, want string
	}{
		{"array append", "+= on an array appends", "$a = 1,2; $a += 3; $a.Count", "3"},
		{"comma binds tighter", "'a' + 'b','c' is 'a' + ('b','c')", "'a' + 'b','c'", "ab c"},
		{"string expansion", "only $var expands; .Name stays text", "$n = 'x'; \"[$n.Name] ${n}y `$n\"", "[x.Name] xy $n"},
		{"hashtable access", "keys as members and indexes", "$h = @{Add='a';Remove='b'}; $h.add + $h['REMOVE'] + $h.Count", "ab2"},
		{"array subexpression of null", "@($null) holds one $null", "$x = $null; @($x).Count", "1"},
		{"array subexpression of nothing", "a command with no output gives @()", "@(Out-Null).Count", "0"},
		{"subexpression", "$( ) collects", "$(1; 2).Count", "2"},
		{"index", "negative indexes count from the end", "$a = 'x','y','z'; $a[-1] + $a[0]", "zx"},
		{"length", "String.Length counts UTF-16 units", "('h\U0001F600').Length", "3"},
		{"scalar count", "PowerShell 3+ gives .Count 1 on a scalar", "$x = 'a'; $x.Count", "1"},
		{"member enumeration", "PowerShell 3+ enumerates members of arrays", "$h = @{N='a'}, @{N='b'}; [string]::Join(',', $h.N)", "a,b"},
		{"base64 round trip", "UTF-8 bytes through base64", "[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String([Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes('h\u00e9'))))", "h\u00e9"},
		{"join", "[string]::Join with a separator and an array", "[string]::Join('-', @('a','b'))", "a-b"},
		{"join params", "and with separate arguments", "[string]::Join('-', 'a', 'b', 'c')", "a-b-c"},
		{"script block", "& runs a created script block in a child scope", "$v = 'outer'; & ([ScriptBlock]::Create('$v = ''inner''; $v')); $v", "inner\r\nouter"},
		{"global from script block", "$global: reaches the top", "& ([ScriptBlock]::Create('$global:g = 5')); $g", "5"},
		{"env", "the computer name", "$env:COMPUTERNAME", "WIN20081"},
		{"credential", "a PSCredential's user name", "(New-Object System.Management.Automation.PSCredential('u', (ConvertTo-SecureString 'p' -AsPlainText -Force))).UserName", "u"},
		{"select expand", "Select-Object -ExpandProperty", "New-Object System.Management.Automation.PSCredential('u', (ConvertTo-SecureString 'p' -AsPlainText -Force)) | Select-Object -ExpandProperty UserName", "u"},
		{"select first", "Select-Object -First", "1,2,3 | select -First 2", "1\r\n2"},
		{"write-output unrolls", "Write-Output a b c writes three strings", "(Write-Output a b c).Count", "3"},
		{"console output encoding", "WINRS_CODEPAGE 437", "[Console]::OutputEncoding.WebName", "IBM437"},
		{"question mark", "$? after a successful statement", "'x' | Out-Null; $?", "True"},
		{"assign to null", "$null = ... discards output", "$null = Write-Output 'gone'; 'kept'", "kept"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runEncoded(t, testHost("5.1", 120), tc.script)
			// stdout is in the console code page (437).
			if diff := cmp.Diff(tc.want+"\r\n", decodeOEM([]byte(r.stdout))); diff != "" {
				t.Errorf("%s (-want +got):\n%s\nstderr: %s", tc.reason, diff, r.stderr)
			}
		})
	}
}

func TestRuntimeErrors(t *testing.T) {
	cases := []struct {
		name, reason, script string
		want                 []string // first lines of the error
		fqid                 string
	}{
		{"method on null", "a classic 5.1 runtime error: no prefix, the expression underlined", "$x = $null\n$x.Foo()",
			[]string{"You cannot call a method on a null-valued expression.", "At line:2 char:1", "+ $x.Foo()", "+ ~~~~~~~~"}, "InvokeMethodOnNull"},
		{"bad base64", "a .NET exception inside a method call", "[Convert]::FromBase64String('***')",
			[]string{`Exception calling "FromBase64String" with "1" argument(s): "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters. "`,
				"At line:1 char:1", "+ [Convert]::FromBase64String('***')", "+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"}, "FormatException"},
		{"create with parse error", "[ScriptBlock]::Create of an incomplete script", "[ScriptBlock]::Create(\"'abc\")",
			[]string{`Exception calling "Create" with "1" argument(s): "The string is missing the terminator: '."`}, "IncompleteParseException"},
		{"new", "::new() is outside the subset", "[System.Text.UTF8Encoding]::new($false)",
			[]string{"[System.Text.UTF8Encoding]::new() is not supported by exsim's PowerShell subset."}, errNotSupported},
		{"file", "only the [IO.File] methods of the subset", "[System.IO.File]::ReadAllText('c:\\x.txt')",
			[]string{"[System.IO.File]::ReadAllText() is not supported by exsim's PowerShell subset."}, errNotSupported},
		{"missing file", "the process's file system holds only what the script created", "[System.IO.File]::ReadAllBytes('c:\\x.pfx')",
			[]string{`Exception calling "ReadAllBytes" with "1" argument(s): "Could not find file 'C:\x.pfx'."`}, "FileNotFoundException"},
		{"known cmdlet", "a real cmdlet exsim does not run", "Get-Date",
			[]string{"Get-Date : The command 'Get-Date' is not supported by exsim's PowerShell subset."}, errNotSupported},
		{"overload", "a wrong argument count", "[Convert]::FromBase64String('a', 'b')",
			[]string{`Cannot find an overload for "FromBase64String" and the argument count: "2".`}, "MethodCountCouldNotFindBest"},
		{"read-only", "$true cannot be assigned", "$true = 1",
			[]string{"Cannot overwrite variable true because it is read-only or constant."}, "VariableNotWritable"},
		{"secure string without force", "ConvertTo-SecureString -AsPlainText needs -Force in 5.1", "ConvertTo-SecureString 'x' -AsPlainText",
			[]string{"ConvertTo-SecureString : The system cannot protect plain text input. To suppress this warning and convert the plain text to a SecureString, reissue the command specifying the Force parameter. For more information ,type: get-help ConvertTo-SecureString."},
			"ImportSecureString_ForceRequired,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runEncoded(t, testHost("5.1", 1000), tc.script)
			lines := clixmlErrorLines(strings.ReplaceAll(r.stderr, "&lt;", "<"))
			if len(lines) < len(tc.want)+2 {
				t.Fatalf("%s: lines %q", tc.reason, lines)
			}
			if diff := cmp.Diff(tc.want, lines[:len(tc.want)]); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
			if got := lines[len(lines)-2]; got != "    + FullyQualifiedErrorId : "+tc.fqid {
				t.Errorf("%s: %q", tc.reason, got)
			}
		})
	}
}
