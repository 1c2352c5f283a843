package ps

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFindSecretLiterals(t *testing.T) {
	cases := []struct {
		name, reason, script string
		want                 []secretLiteral
	}{
		{"named single quoted", "doubled quotes are the literal's source, the value undoubled",
			"$p = ConvertTo-SecureString -String 'pa''ss\u2019\u2019$(x)' -AsPlainText -Force",
			[]secretLiteral{{"pa'ss\u2019$(x)", "'pa''ss\u2019\u2019$(x)'"}}},
		{"positional double quoted", "backtick escapes in a double-quoted literal without variables",
			"ConvertTo-SecureString \"a`$b`\"c\" -AsPlainText -Force", []secretLiteral{{"a$b\"c", "\"a`$b`\"c\""}}},
		{"prefixes", "-St and -as are enough for the binder", "ConvertTo-SecureString -st 'x1' -as -f", []secretLiteral{{"x1", "'x1'"}}},
		{"nested in a credential", "inside New-Object's argument list",
			"$c = New-Object System.Management.Automation.PSCredential('u', (ConvertTo-SecureString 'x2' -AsPlainText -Force))", []secretLiteral{{"x2", "'x2'"}}},
		{"inside try and catch", "every compiled block's text counts, run or not",
			"try { Get-X } catch { $s = ConvertTo-SecureString -AsPlainText -Force -String 'x3' }", []secretLiteral{{"x3", "'x3'"}}},
		{"colon form", "-String:'x'", "ConvertTo-SecureString -String:'x4' -AsPlainText -Force", []secretLiteral{{"x4", "'x4'"}}},
		{"a variable is data", "the secret comes from the data frame", "ConvertTo-SecureString -String $p -AsPlainText -Force", nil},
		{"no AsPlainText", "an encrypted standard string is not plain text", "ConvertTo-SecureString '01000000d08c9ddf'", nil},
		{"other command", "only ConvertTo-SecureString", "Write-Output 'secret' -AsPlainText", nil},
		{"value of another parameter", "-ErrorAction's value is not the string", "ConvertTo-SecureString -ErrorAction 'Stop' -String $p -AsPlainText", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parseScript(tc.script)
			if err != nil {
				t.Fatalf("%s: %s", tc.reason, err.Message)
			}
			if diff := cmp.Diff(tc.want, findSecretLiterals(s), cmp.AllowUnexported(secretLiteral{})); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestSecretLiteralHook(t *testing.T) {
	h := testHost("5.1", 120)
	var got []string
	h.OnSecretLiteral = func(v, src string) { got = append(got, v+"|"+src) }
	r := run(t, h, "powershell -EncodedCommand "+encodeCommand("& ([ScriptBlock]::Create(\"`$x = ConvertTo-SecureString 'in''block' -AsPlainText -Force\")); $y = ConvertTo-SecureString 'top' -AsPlainText -Force"), "")
	if r.code != 0 {
		t.Fatalf("%s", r.stderr)
	}
	if diff := cmp.Diff([]string{"top|'top'", "in'block|'in''block'"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
