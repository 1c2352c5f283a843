package ps

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// describe prints a parsed statement compactly for comparisons.
func describe(n node) string {
	switch x := n.(type) {
	case *pipeline:
		parts := make([]string, len(x.elems))
		for i, e := range x.elems {
			parts[i] = describe(e)
		}
		return strings.Join(parts, " | ")
	case *command:
		var b strings.Builder
		if x.invoke != nil {
			b.WriteString("& " + describe(x.invoke))
		} else {
			b.WriteString(x.name)
		}
		for _, a := range x.args {
			b.WriteString(" ")
			if a.param != "" {
				b.WriteString("-" + a.param)
				if a.colon {
					b.WriteString(":")
				}
				if a.value != nil && a.colon {
					b.WriteString(describe(a.value))
				}
				continue
			}
			b.WriteString(describe(a.value))
		}
		return b.String()
	case *assignment:
		return describe(x.target) + " " + x.op + " " + describe(x.value)
	case *constExpr:
		return fmt.Sprintf("%#v", x.v)
	case *expandExpr:
		var b strings.Builder
		b.WriteString(`expand(`)
		for _, p := range x.parts {
			if p.isVar {
				b.WriteString("$" + p.name)
			} else {
				b.WriteString(fmt.Sprintf("%q", p.lit))
			}
		}
		return b.String() + ")"
	case *varExpr:
		if x.scope != "" {
			return "$" + x.scope + ":" + x.name
		}
		return "$" + x.name
	case *arrayExpr:
		parts := make([]string, len(x.items))
		for i, e := range x.items {
			parts[i] = describe(e)
		}
		return "array(" + strings.Join(parts, ", ") + ")"
	case *arraySubExpr:
		return "@(" + describeAll(x.body) + ")"
	case *subExpr:
		return "$(" + describeAll(x.body) + ")"
	case *parenExpr:
		return "(" + describe(x.body) + ")"
	case *hashExpr:
		parts := make([]string, len(x.keys))
		for i, k := range x.keys {
			parts[i] = k + "=" + describe(x.values[i])
		}
		return "@{" + strings.Join(parts, "; ") + "}"
	case *typeExpr:
		return "[" + x.name + "]"
	case *memberExpr:
		op := "."
		if x.static {
			op = "::"
		}
		return describe(x.target) + op + x.name
	case *invokeMemberExpr:
		op := "."
		if x.static {
			op = "::"
		}
		args := make([]string, len(x.args))
		for i, a := range x.args {
			args[i] = describe(a)
		}
		return describe(x.target) + op + x.name + "(" + strings.Join(args, ", ") + ")"
	case *indexExpr:
		return describe(x.target) + "[" + describe(x.index) + "]"
	case *binaryExpr:
		return "(" + describe(x.left) + " " + x.op + " " + describe(x.right) + ")"
	case *unaryExpr:
		return x.op + describe(x.x)
	case *exitStmt:
		if x.value == nil {
			return "exit"
		}
		return "exit " + describe(x.value)
	case *throwStmt:
		if x.value == nil {
			return "throw"
		}
		return "throw " + describe(x.value)
	case *tryStmt:
		out := "try{" + describeAll(x.body) + "}"
		for _, c := range x.catches {
			out += " catch{" + describeAll(c.body) + "}"
		}
		if x.hasFinally {
			out += " finally{" + describeAll(x.finally) + "}"
		}
		return out
	}
	return fmt.Sprintf("%T", n)
}

func describeAll(stmts []node) string {
	parts := make([]string, len(stmts))
	for i, s := range stmts {
		parts[i] = describe(s)
	}
	return strings.Join(parts, "; ")
}

func TestParseSeedCommandLines(t *testing.T) {
	cases := []struct {
		name, reason, src, want string
	}{
		{"new send connector, quoted", "seed 001 line verbatim: single-quoted values, two blanks before a parameter",
			`new-SendConnector -Name 'To-canoe.com' -Usage 'Internet' -AddressSpaces 'SMTP:canoe.com;1' -DNSRoutingEnabled $true  -SourceTransportServers 'WIN20081'`,
			`new-SendConnector -Name "To-canoe.com" -Usage "Internet" -AddressSpaces "SMTP:canoe.com;1" -DNSRoutingEnabled $true -SourceTransportServers "WIN20081"`},
		{"new send connector, barewords", "the brief's one-liner: barewords canoe.com and WIN20081, a double-quoted name",
			`New-SendConnector -Name "to canoe.com" -Usage Internet -AddressSpaces canoe.com -DNSRoutingEnabled $true -SourceTransportServers WIN20081`,
			`New-SendConnector -Name "to canoe.com" -Usage "Internet" -AddressSpaces "canoe.com" -DNSRoutingEnabled $true -SourceTransportServers "WIN20081"`},
		{"set port positional identity", "positional identity then a number",
			`set-SendConnector 'To-canoe.com' -port 26`, `set-SendConnector "To-canoe.com" -port 26`},
		{"binding bareword", "an IP:port stays one string",
			`new-ReceiveConnector -Name 'From-canoe.com' -Usage 'Internet' -Bindings '191.121.0.200:26' -Fqdn 'win20081.work.com' -Server 'WIN20081'`,
			`new-ReceiveConnector -Name "From-canoe.com" -Usage "Internet" -Bindings "191.121.0.200:26" -Fqdn "win20081.work.com" -Server "WIN20081"`},
		{"en dash parameter", "seed 001 types –targetEmailAddress with U+2013, which PowerShell reads as a dash",
			"Test-mailflow \u2013targetEmailAddress ctom@canoe.com", `Test-mailflow -targetEmailAddress "ctom@canoe.com"`},
		{"fl with wildcard list", "a bareword comma list is one array argument",
			`Get-SendConnector to-canoe.com | fl name,add*,port,dnsR*,domain*`,
			`Get-SendConnector "to-canoe.com" | fl array("name", "add*", "port", "dnsR*", "domain*")`},
		{"fl with quoted name", "the brief's Get-SendConnector line",
			`Get-SendConnector "to canoe.com" | fl name,add*,port,dnsR*,domain*`,
			`Get-SendConnector "to canoe.com" | fl array("name", "add*", "port", "dnsR*", "domain*")`},
		{"list with blanks after commas", "PermissionGroups AnonymousUsers, ExchangeUsers, ...",
			`Set-ReceiveConnector -id "Win20081\Default Win20081" -PermissionGroups AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers`,
			`Set-ReceiveConnector -id "Win20081\\Default Win20081" -PermissionGroups array("AnonymousUsers", "ExchangeUsers", "ExchangeServers", "ExchangeLegacyServers")`},
		{"colon switch value", "-DomainSecureEnabled:$true binds the value to the parameter",
			`Set-SendConnector to-canoe.com -DomainSecureEnabled:$true`, `Set-SendConnector "to-canoe.com" -DomainSecureEnabled:$true`},
		{"certificate request", "a path, a DN in quotes, a domain list",
			`New-ExchangeCertificate -GenerateRequest -FriendlyName "Win20081 certificate" -Path c:\win20081cer.p7c -SubjectName "DC=com,DC=work,CN=win20081.work.com"  -DomainName win20081.work.com,work.com,win20081`,
			`New-ExchangeCertificate -GenerateRequest -FriendlyName "Win20081 certificate" -Path "c:\\win20081cer.p7c" -SubjectName "DC=com,DC=work,CN=win20081.work.com" -DomainName array("win20081.work.com", "work.com", "win20081")`},
		{"pipeline of two cmdlets", "Import | Enable",
			`Import-ExchangeCertificate -Path c:\certnew.p7b | Enable-ExchangeCertificate -Services smtp`,
			`Import-ExchangeCertificate -Path "c:\\certnew.p7b" | Enable-ExchangeCertificate -Services "smtp"`},
		{"remove with id alias", "-id is a prefix of -Identity",
			`Remove-SendConnector -id 'to-work.com'`, `Remove-SendConnector -id "to-work.com"`},
		{"remote ip range", "a range is a bareword-like string in quotes",
			`new-ReceiveConnector -Name 'From-work.com' -Usage 'Partner' -Bindings '191.121.111.200:26' -RemoteIPRanges '191.121.0.200-191.121.0.200' -Server 'WIN20082'`,
			`new-ReceiveConnector -Name "From-work.com" -Usage "Partner" -Bindings "191.121.111.200:26" -RemoteIPRanges "191.121.0.200-191.121.0.200" -Server "WIN20082"`},
		{"transport config lists", "two bareword domains",
			`Set-TransportConfig -TLSSendDomainSecureList canoe.com -TLSReceiveDomainSecureList work.com`,
			`Set-TransportConfig -TLSSendDomainSecureList "canoe.com" -TLSReceiveDomainSecureList "work.com"`},
		{"bootstrap", "exreconcile's bootstrap (docs/winrm.md#the-bootstrap)", bootstrap,
			`$ErrorActionPreference = "Stop"; $ProgressPreference = "SilentlyContinue"; $b = [string]::Join("", @($input)); $s = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b)); & ([ScriptBlock]::Create($s))`},
		{"credential positional form", "New-Object with the (...) argument list",
			`$c = New-Object System.Management.Automation.PSCredential('WORK\admin',$ss)`,
			`$c = New-Object "System.Management.Automation.PSCredential" (array("WORK\\admin", $ss))`},
		{"hashtable add remove", "@{Add=..;Remove=..} for multi-valued properties",
			`Set-SendConnector x -AddressSpaces @{Add='a.com','b.com';Remove="c.com"}`,
			`Set-SendConnector "x" -AddressSpaces @{Add=array("a.com", "b.com"); Remove="c.com"}`},
		{"global variable", "$global: scope", `$global:FormatEnumerationLimit = -1`, `$global:FormatEnumerationLimit = -1`},
		{"string plus", "string + and member access", `'<<B>>' + $x.Name + "-$y"`, `(("<<B>>" + $x.Name) + expand("-"$y))`},
		{"comments", "line and block comments", "Get-X # trailing\n<# block\n comment #> Get-Y", `Get-X; Get-Y`},
		{"line continuation", "backtick at end of line", "Get-X -A 1 `\n  -B 2", `Get-X -A 1 -B 2`},
		{"here-string", "a verbatim here-string keeps its lines", "$x = @'\nline1\n'line2'\n'@", `$x = "line1\n'line2'"`},
		{"exit code", "exit with a number", "exit 3", `exit 3`},
		{"size suffix", "10MB is a number", `Set-X -MaxMessageSize 10MB`, `Set-X -MaxMessageSize 10485760`},
		{"index and count", "indexing and .Count", `$a[0].Count`, `$a[0].Count`},
		{"blank lines", "empty lines between and around statements", "\r\n\r\nGet-X\r\n\r\n\r\nGet-Y\r\n\r\n", `Get-X; Get-Y`},
		{"comment lines", "whole-line comments, indented too, and a block comment on its own lines", "# first\nGet-X\n  # indented\n<#\n block\n#>\n\nGet-Y # trailing\n# last", `Get-X; Get-Y`},
		{"comment only", "a script of comments and blank lines has no statements", "# a\r\n\r\n<# b #>\r\n", ``},
		{"try catch finally", "the three blocks, newlines between them", "try {\n  Get-X\n}\ncatch {\n  Get-Y\n}\nfinally { Get-Z }\nGet-W", `try{Get-X} catch{Get-Y} finally{Get-Z}; Get-W`},
		{"try finally one line", "no catch", "try { Get-X; Get-Y } finally { Remove-PSSession $s }", `try{Get-X; Get-Y} finally{Remove-PSSession $s}`},
		{"try catch semicolons", "the bootstrap style on one line", "try{Get-X}catch{throw};Get-Y", `try{Get-X} catch{throw}; Get-Y`},
		{"unary comma", "the PowerShell 2.0 way to pass a byte[] as one argument", "New-Object X -ArgumentList (,[Convert]::FromBase64String('AA=='))", `New-Object "X" -ArgumentList (array([Convert]::FromBase64String("AA==")))`},
		{"method on index", "the bootstrap's secret frame", "$s = @($f[1].Split(',') | Select-Object -Skip 1)", `$s = @($f[1].Split(",") | Select-Object -Skip 1)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parseScript(tc.src)
			if err != nil {
				t.Fatalf("%s: parse error %s: %s", tc.reason, err.ErrorID, err.Message)
			}
			if diff := cmp.Diff(tc.want, describeAll(s.stmts)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, reason, src, id, msg string
		incomplete                 bool
	}{
		{"unterminated single", "PowerShell's TerminatorExpectedAtEndOfString", `$x = 'abc`, "TerminatorExpectedAtEndOfString", "The string is missing the terminator: '.", true},
		{"unterminated in a bareword", "a quote inside a bareword opens a string", "Write-Output a'bc", "TerminatorExpectedAtEndOfString", "The string is missing the terminator: '.", true},
		{"unterminated double", "same for double quotes", `Write-Output "abc`, "TerminatorExpectedAtEndOfString", `The string is missing the terminator: ".`, true},
		{"missing paren", "incomplete expression", `$x = (1 + 2`, "MissingEndParenthesisInExpression", "Missing closing ')' in expression.", true},
		{"missing subexpression paren", "$( without )", `$x = $(Get-X`, "MissingEndParenthesisInSubexpression", "Missing closing ')' in subexpression.", true},
		{"incomplete hash", "@{ without }", `$h = @{a=1`, "IncompleteHashLiteral", "The hash literal was incomplete.", true},
		{"missing equals in hash", "a key without =", `$h = @{a 1}`, "MissingEqualsInHashLiteral", "Missing '=' operator after key in hash literal.", false},
		{"unexpected token", "a stray )", `Get-X )`, "UnexpectedToken", "Unexpected token ')' in expression or statement.", false},
		{"empty pipe", "a pipe with nothing after it", `Get-X | | Get-Y`, "EmptyPipeElement", "An empty pipe element is not allowed.", false},
		{"expression after pipe", "expressions only first", `Get-X | 'a'`, "ExpressionsMustBeFirstInPipeline", "Expressions are only allowed as the first element of a pipeline.", false},
		{"missing argument", "a trailing comma in an argument list", `Get-X -A a,`, "MissingArgument", "Missing argument in parameter list.", false},
		{"ampersand", "& in the middle of a command", `Get-X a & b`, "AmpersandNotAllowed", `The ampersand (&) character is not allowed. The & operator is reserved for future use; wrap an ampersand in double quotation marks ("&") to pass it as part of a string.`, false},
		{"and and", "&& is PowerShell 7", `Get-X && Get-Y`, "InvalidEndOfLine", "The token '&&' is not a valid statement separator in this version.", false},
		{"less than", "< is reserved", `Get-X < file`, "RedirectionNotSupported", "The '<' operator is reserved for future use.", false},
		{"plus without value", "a dangling +", `$x = 'a' +`, "ExpectedValueExpression", "You must provide a value expression following the '+' operator.", true},
		{"plus before a bracket", "not at the end of the input, so not incomplete", "$x = 'a' +\n)", "ExpectedValueExpression", "You must provide a value expression following the '+' operator.", false},
		{"invalid assignment", "assigning to a constant", `'a' = 1`, "InvalidLeftHandSide", "The assignment expression is not valid. The input to an assignment operator must be an object that is able to accept assignments, such as a variable or a property.", false},
		{"missing method paren", "a call without )", `[Convert]::FromBase64String($b`, "MissingEndParenthesisInMethodCall", "Missing ')' in method call.", true},
		{"if", "statements outside the subset", `if ($x) { 1 }`, errNotSupported, "The 'if' statement is not supported by exsim's PowerShell subset.", false},
		{"foreach", "loops", `foreach ($a in $b) { $a }`, errNotSupported, "The 'foreach' statement is not supported by exsim's PowerShell subset.", false},
		{"typed catch", "only untyped catch blocks", `try { Get-X } catch [System.Exception] { }`, errNotSupported, "A catch block with exception types is not supported by exsim's PowerShell subset.", false},
		{"try without catch", "ParserStrings.MissingCatchOrFinally", "try { Get-X }\nGet-Y", "MissingCatchOrFinally", "The Try statement is missing its Catch or Finally block.", false},
		{"try at the end", "incomplete: a catch may follow", "try { Get-X }", "MissingCatchOrFinally", "The Try statement is missing its Catch or Finally block.", true},
		{"try without block", "ParserStrings.MissingTryStatementBlock", "try Get-X", "MissingTryStatementBlock", "The Try statement is missing its statement block.", false},
		{"catch without block", "ParserStrings.MissingCatchHandlerBlock", "try { } catch Get-X", "MissingCatchHandlerBlock", "The Catch block is missing its statement block.", false},
		{"finally without block", "ParserStrings.MissingFinallyStatementBlock", "try { } finally", "MissingFinallyStatementBlock", "The Finally block is missing its statement block.", true},
		{"unclosed try block", "ParserStrings.MissingEndCurlyBrace", "try { Get-X", "MissingEndCurlyBrace", "Missing closing '}' in statement block or type definition.", true},
		{"unary comma without value", "ParserStrings.MissingExpressionAfterOperator", "$x = (,)", "MissingExpressionAfterOperator", "Missing expression after unary operator ','.", false},
		{"function", "functions", `function f { }`, errNotSupported, "The 'function' statement is not supported by exsim's PowerShell subset.", false},
		{"format operator", "-f", `'{0}' -f 1`, errNotSupported, "The '-f' operator is not supported by exsim's PowerShell subset.", false},
		{"comparison", "-eq", `$a -eq 1`, errNotSupported, "The '-eq' operator is not supported by exsim's PowerShell subset.", false},
		{"cast", "type casts", `[int]'5'`, errNotSupported, "The type literal or cast [int] is not supported by exsim's PowerShell subset.", false},
		{"script block", "script block literals", `& { Get-X }`, errNotSupported, "A script block literal ({ }) is not supported by exsim's PowerShell subset.", false},
		{"subexpression in string", "only $var expands", `"a $(Get-X) b"`, errNotSupported, "A $( ) subexpression inside a string is not supported by exsim's PowerShell subset.", false},
		{"redirection", "2>&1", `Get-X 2>&1`, errNotSupported, "Redirection ('2>&1') is not supported by exsim's PowerShell subset.", false},
		{"splat", "@params", `Get-X @p`, errNotSupported, "Splatting (@p) is not supported by exsim's PowerShell subset.", false},
		{"drive variable", "$x: followed by nothing", `"$name: ok"`, "InvalidVariableReferenceWithDrive", "Variable reference is not valid. ':' was not followed by a valid variable name character. Consider using ${} to delimit the name.", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseScript(tc.src)
			if err == nil {
				t.Fatalf("%s: parsed without error", tc.reason)
			}
			if tc.id == "" {
				return // any error will do
			}
			got := fmt.Sprintf("%s|%s|%v", err.ErrorID, err.Message, err.Incomplete)
			want := fmt.Sprintf("%s|%s|%v", tc.id, tc.msg, tc.incomplete)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}
