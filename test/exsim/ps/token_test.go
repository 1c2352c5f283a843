package ps

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func tokenSummary(toks []Token) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		switch t.Kind {
		case tkNewline, tkComma, tkSemi, tkPipe:
			parts[i] = t.KindName()
		case tkParameter:
			parts[i] = fmt.Sprintf("Parameter(%s,colon=%v)", t.Value, t.colon)
		case tkVariable:
			parts[i] = fmt.Sprintf("Variable(%s:%s)", t.scope, t.Value)
		default:
			parts[i] = fmt.Sprintf("%s(%#v)", t.KindName(), t.Value)
		}
	}
	return strings.Join(parts, " ")
}

func TestTokenizeArguments(t *testing.T) {
	cases := []struct {
		name, reason, src, want string
	}{
		{"bareword domain", "canoe.com is one bareword", `canoe.com`, `Generic("canoe.com")`},
		{"binding", "an IP:port is a bareword, not a number", `191.121.0.200:26`, `Generic("191.121.0.200:26")`},
		{"number", "26 is Int32", `26`, `Number(26)`},
		{"size", "10MB is a number", `10MB`, `Number(10485760)`},
		{"negative", "-1 is a number in argument mode", `-1`, `Number(-1)`},
		{"double", "1.5 is a Double", `1.5`, `Number(1.5)`},
		{"list", "commas separate", `name,add*,port`, `Generic("name") Comma Generic("add*") Comma Generic("port")`},
		{"parameter", "a dash and a name", `-Port 26`, `Parameter(Port,colon=false) Number(26)`},
		{"colon parameter", "-P:$v", `-DomainSecureEnabled:$true`, `Parameter(DomainSecureEnabled,colon=true) Variable(:true)`},
		{"en dash", "U+2013 starts a parameter", "\u2013targetEmailAddress x", `Parameter(targetEmailAddress,colon=false) Generic("x")`},
		{"em dash", "U+2014 too", "\u2014Force", `Parameter(Force,colon=false)`},
		{"dash word", "-a.b is a bareword", `-a.b`, `Generic("-a.b")`},
		{"single quoted", "'' is one quote", `'it''s'`, `String("it's")`},
		{"curly quotes", "U+2018/U+2019 open and close", "\u2018it\u2019\u2019s\u2019", "String(\"it\u2019s\")"},
		{"mixed quotes", "any single quote closes", "'a\u201b", `String("a")`},
		{"double quoted", "backtick escapes and doubled quotes", "\"a`tb\"\"c\"", "ExpandableString(\"a\\tb\\\"c\")"},
		{"expandable", "$var inside a string", `"x$y"`, `ExpandableString("")`},
		{"global variable", "scoped variable", `$global:x`, `Variable(global:x)`},
		{"joined bareword", "'a'b joins into one argument", `'a'b`, `Generic("ab")`},
		{"backtick", "backtick escapes a blank in a bareword", "a` b", `Generic("a b")`},
		{"path", "backslashes are literal", `c:\certnew.p7b`, `Generic("c:\\certnew.p7b")`},
		{"newline", "a newline ends the command", "a\nb", `Generic("a") Newline Generic("b")`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			toks, err := TokenizeForTest(tc.src)
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, tokenSummary(toks)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

// quoteForTest is the quoting rule of the remote contract: single quotes,
// doubling ' and U+2018..U+201B.
func quoteForTest(v string) string {
	var b strings.Builder
	b.WriteRune('\'')
	for _, c := range v {
		if isSingleQuote(c) {
			b.WriteRune(c)
		}
		b.WriteRune(c)
	}
	b.WriteRune('\'')
	return b.String()
}

func TestSingleQuotedRoundTrip(t *testing.T) {
	cases := []struct{ name, reason, value string }{
		{"plain", "no quotes", "canoe.com"},
		{"apostrophe", "O'Brien doubles the quote", "O'Brien"},
		{"all curly quotes", "U+2018..U+201B are single quotes to PowerShell", "a\u2018b\u2019c\u201ad\u201be"},
		{"quotes only", "a value of quotes", "''\u2019'"},
		{"dollar", "no expansion in single quotes", "$x $(y) `n"},
		{"newlines", "line breaks survive", "a\r\nb\nc"},
		{"empty", "the empty string", ""},
		{"double quotes", "double quotes are plain", `"x" “y”`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := quoteForTest(tc.value)
			got, err := ParseStringLiteral(q)
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if got != tc.value {
				t.Errorf("%s: got %q, want %q", tc.reason, got, tc.value)
			}
			toks, err := TokenizeForTest(q)
			if err != nil || len(toks) != 1 || toks[0].Kind != tkString || toks[0].Value != tc.value {
				t.Errorf("%s: tokens %s, err %v; want one String token", tc.reason, tokenSummary(toks), err)
			}
		})
	}
}

func TestParseStringLiteralRejects(t *testing.T) {
	cases := []struct{ name, reason, src string }{
		{"undoubled quote", "O'Brien unquoted ends early", `'O'Brien'`},
		{"unterminated", "no closing quote", `'abc`},
		{"variable", "double quotes would expand", `"$x"`},
		{"two literals", "trailing text", `'a' 'b'`},
		{"bareword", "not a literal", `abc`},
		{"curly unescaped", "a lone U+2019 inside ends the string", "'it\u2019s'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if v, err := ParseStringLiteral(tc.src); err == nil {
				t.Errorf("%s: accepted as %q", tc.reason, v)
			}
		})
	}
}
