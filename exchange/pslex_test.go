package exchange

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// psToken is one token of the small PowerShell lexer the script tests use:
// enough of PowerShell to find commands, parameters and constructs a
// straight-line PowerShell 2.0 script must not contain. String contents are
// never inspected, so values cannot trigger the lint.
type psToken struct {
	kind string // word, param, string, var, type, op, sep, pipe, open, close, hash, eof
	text string
}

func lexPS(src string) ([]psToken, error) {
	var out []psToken
	i := 0
	for i < len(src) {
		r, n := utf8.DecodeRuneInString(src[i:])
		switch {
		case r == '\n' || r == ';':
			out = append(out, psToken{"sep", string(r)})
			i += n
		case r == ' ' || r == '\t' || r == '\r':
			i += n
		case strings.ContainsRune(singleQuotes, r):
			v, rest, err := decodeSingleQuoted(src[i:])
			if err != nil {
				return nil, fmt.Errorf("offset %d: %v", i, err)
			}
			out = append(out, psToken{"string", v})
			i = len(src) - len(rest)
		case r == '"':
			return nil, fmt.Errorf("offset %d: double-quoted strings expand variables; generate single quotes", i)
		case r == '$':
			j := i + 1
			for j < len(src) && (isIdent(src[j]) || src[j] == ':') {
				j++
			}
			out = append(out, psToken{"var", src[i:j]})
			i = j
		case r == '[':
			j := strings.IndexByte(src[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("offset %d: unclosed [", i)
			}
			out = append(out, psToken{"type", src[i : i+j+1]})
			i += j + 1
		case r == '@' && i+1 < len(src) && (src[i+1] == '{' || src[i+1] == '('):
			out = append(out, psToken{"open", src[i : i+2]})
			i += 2
		case r == '(' || r == '{':
			out = append(out, psToken{"open", string(r)})
			i += n
		case r == ')' || r == '}':
			out = append(out, psToken{"close", string(r)})
			i += n
		case r == '|':
			out = append(out, psToken{"pipe", "|"})
			i += n
		case r == '-' && i+1 < len(src) && unicode.IsLetter(rune(src[i+1])):
			j := i + 1
			for j < len(src) && isIdent(src[j]) {
				j++
			}
			name := src[i+1 : j]
			if j < len(src) && src[j] == ':' {
				j++
			}
			out = append(out, psToken{"param", name})
			i = j
		case r == ':' && strings.HasPrefix(src[i:], "::"):
			out = append(out, psToken{"op", "::"})
			i += 2
		case strings.ContainsRune(",=+&.", r):
			out = append(out, psToken{"op", string(r)})
			i += n
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i
			for j < len(src) {
				c, m := utf8.DecodeRuneInString(src[j:])
				if !(unicode.IsLetter(c) || unicode.IsDigit(c) || c == '-' || c == '_' || c == '.' || c == '\\') {
					break
				}
				j += m
			}
			out = append(out, psToken{"word", src[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("offset %d: unexpected %q", i, r)
		}
	}
	return out, nil
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// lexCommands returns every command call in src with the parameters given by
// name. A command starts with a Verb-Noun word where a command may stand (at
// the start of a statement, after |, ( or =) and ends at the end of its
// statement, pipeline element or parentheses.
func lexCommands(t *testing.T, src string) []Call {
	t.Helper()
	toks, err := lexPS(src)
	if err != nil {
		t.Fatalf("lex: %v", err)
	}
	var out []Call
	type open struct {
		call  *Call
		depth int
	}
	var stack []open
	depth := 0
	cmdPos := true
	closeAt := func(d int) {
		for len(stack) > 0 && stack[len(stack)-1].depth >= d {
			out = append(out, *stack[len(stack)-1].call)
			stack = stack[:len(stack)-1]
		}
	}
	for i, tk := range toks {
		afterStaticMember := i > 0 && toks[i-1].text == "::"
		switch {
		case tk.kind == "word" && cmdPos && strings.Contains(tk.text, "-") && !afterStaticMember:
			stack = append(stack, open{call: &Call{Cmdlet: tk.text}, depth: depth})
		case tk.kind == "param" && len(stack) > 0 && stack[len(stack)-1].depth == depth:
			stack[len(stack)-1].call.Params = append(stack[len(stack)-1].call.Params, Param{Name: tk.text})
		case tk.kind == "open":
			depth++
		case tk.kind == "close":
			closeAt(depth)
			depth--
		case tk.kind == "sep" || tk.kind == "pipe":
			closeAt(depth)
		}
		cmdPos = tk.kind == "sep" || tk.kind == "pipe" || tk.text == "(" || tk.text == "="
	}
	closeAt(0)
	return out
}

// Allowed constructs of the straight-line subset that both PowerShell 2.0
// and exsim run (docs/winrm.md "The remote contract").
var (
	allowedTypes = map[string]bool{"[Convert]": true, "[Text.Encoding]": true, "[string]": true, "[ScriptBlock]": true,
		"[Console]": true, "[IO.Path]": true, "[IO.File]": true}
	// allowedMembers are the .NET members PowerShell 2.0 has and exsim runs:
	// the encoding helpers, String.Split (the data frame), the temp file
	// of Export-Clixml, and the ErrorRecord members a catch block reads.
	allowedMembers = map[string]bool{"FromBase64String": true, "ToBase64String": true, "UTF8": true, "GetBytes": true,
		"GetString": true, "Join": true, "Create": true, "In": true, "ReadToEnd": true, "Split": true,
		"GetTempFileName": true, "ReadAllBytes": true, "Exception": true, "Message": true,
		"FullyQualifiedErrorId": true, "CategoryInfo": true, "Category": true, "Reason": true,
		// X509Store methods (.NET 2.0) of the Root store calls.
		"Open": true, "Add": true, "Remove": true, "Close": true}
	// blockWords may open a { } block: try/catch/finally (PowerShell 2.0,
	// about_Try_Catch_Finally), the only blocks the remote contract allows.
	blockWords   = map[string]bool{"try": true, "catch": true, "finally": true}
	indexPattern = regexp.MustCompile(`^\[\d+\]$`)
	// forbiddenWords are keywords (not straight-line) and PowerShell 3.0+
	// commands.
	forbiddenWords = map[string]string{
		"if": "a branch", "else": "a branch", "elseif": "a branch", "switch": "a branch", "foreach": "a loop",
		"for": "a loop", "while": "a loop", "do": "a loop", "trap": "trap", "function": "a function", "filter": "a function",
		"param": "a param block", "class": "a class (PS 5)", "using": "using (PS 5)",
		"ConvertTo-Json": "PS 3.0", "ConvertFrom-Json": "PS 3.0", "Where-Object": "a script block",
		"ForEach-Object": "a script block",
	}
	forbiddenParams = map[string]string{"Raw": "Get-Content -Raw is PS 3.0", "in": "-in is PS 3.0",
		"notin": "-notin is PS 3.0", "f": "the -f operator is not in exsim's subset"}
)

// lintScript returns the constructs of src that a PowerShell 2.0 server or
// exsim would refuse.
func lintScript(src string) []string {
	toks, err := lexPS(src)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for i, tk := range toks {
		prev := psToken{}
		if i > 0 {
			prev = toks[i-1]
		}
		switch tk.kind {
		case "type":
			if !allowedTypes[tk.text] && !indexPattern.MatchString(tk.text) {
				problems = append(problems, fmt.Sprintf("type %s is not allowed ([ordered], [pscustomobject] and casts are PS 3.0 or outside exsim's subset)", tk.text))
			}
		case "word":
			if why, bad := forbiddenWords[strings.ToLower(tk.text)]; bad {
				problems = append(problems, fmt.Sprintf("%s is %s", tk.text, why))
			}
			if why, bad := forbiddenWords[tk.text]; bad {
				problems = append(problems, fmt.Sprintf("%s is %s", tk.text, why))
			}
			if prev.text == "::" || prev.text == "." {
				// The lexer keeps a.b.c together; every part is a member.
				for _, m := range strings.Split(tk.text, ".") {
					if !allowedMembers[m] {
						problems = append(problems, fmt.Sprintf("member %s is not in the allowed list (::new, .ForEach, .Where are PS 4/5)", m))
					}
				}
			}
		case "param":
			if why, bad := forbiddenParams[tk.text]; bad {
				problems = append(problems, why)
			}
		case "var":
			if strings.EqualFold(tk.text, "$PSItem") {
				problems = append(problems, "$PSItem is PS 3.0")
			}
		case "open":
			if tk.text == "{" && !(prev.kind == "word" && blockWords[strings.ToLower(prev.text)]) {
				problems = append(problems, "a script block { } (only @{ } hashtables are straight-line)")
			}
		case "string":
			if prev.kind == "param" && prev.text == "ErrorAction" && strings.EqualFold(tk.text, "Ignore") {
				problems = append(problems, "-ErrorAction Ignore is PS 3.0")
			}
		}
	}
	return problems
}

func TestLintScript(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		bad    bool
		reason string
	}{
		{name: "bootstrap", src: bootstrap, reason: "the stdin bootstrap is PS 2.0 and in exsim's subset"},
		{name: "quoted forbidden words", src: "Set-SendConnector -Comment 'if foreach ConvertTo-Json [ordered] -in'", reason: "string contents are values, not code"},
		{name: "hashtable", src: "Set-TransportConfig -TLSSendDomainSecureList @{Add='a'; Remove='b'}", reason: "@{} is allowed"},
		{name: "ConvertTo-Json", src: "Get-SendConnector | ConvertTo-Json", bad: true, reason: "PS 3.0"},
		{name: "ordered", src: "$x = [ordered]@{a=1}", bad: true, reason: "PS 3.0"},
		{name: "pscustomobject", src: "[pscustomobject]@{a=1}", bad: true, reason: "PS 3.0"},
		{name: "raw", src: "Get-Content -Raw 'x'", bad: true, reason: "PS 3.0"},
		{name: "new", src: "[Text.Encoding]::new()", bad: true, reason: "PS 5"},
		{name: "ForEach method", src: "$x.ForEach('a')", bad: true, reason: "PS 4"},
		{name: "in operator", src: "$x = 'a' -in 'b'", bad: true, reason: "PS 3.0"},
		{name: "script block", src: "Get-SendConnector | Where-Object { $_.Name }", bad: true, reason: "not straight-line"},
		{name: "if", src: "if ($x) { 'a' }", bad: true, reason: "not straight-line"},
		{name: "try finally", src: "try {\n  Get-SendConnector\n} catch {\n  $_.Exception.Message\n} finally {\n  Remove-PSSession $session\n}", reason: "try/catch/finally is PowerShell 2.0 and the remote contract"},
		{name: "data frame", src: "$c = ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($secrets[0])))", reason: "an index is not a type"},
		{name: "double quotes", src: `Set-SendConnector -Comment "x"`, bad: true, reason: "expansion"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := lintScript(tt.src)
			if (len(problems) > 0) != tt.bad {
				t.Errorf("lintScript(%q) = %q; want bad=%v (%s)", tt.src, problems, tt.bad, tt.reason)
			}
		})
	}
}

func TestLexCommands(t *testing.T) {
	src := "$cred = New-Object System.Management.Automation.PSCredential -ArgumentList 'u', (ConvertTo-SecureString -String 'p' -AsPlainText -Force)\n" +
		"$x = Get-SendConnector -ErrorAction 'Stop' | Select-Object -Property 'A','B' | ConvertTo-Xml -As 'String'\n" +
		"[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('' + $x))\n"
	var got []string
	for _, c := range lexCommands(t, src) {
		s := c.Cmdlet
		for _, p := range c.Params {
			s += " -" + p.Name
		}
		got = append(got, s)
	}
	want := []string{
		"ConvertTo-SecureString -String -AsPlainText -Force",
		"New-Object -ArgumentList",
		"Get-SendConnector -ErrorAction",
		"Select-Object -Property",
		"ConvertTo-Xml -As",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lexCommands:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
