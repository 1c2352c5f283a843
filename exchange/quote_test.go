package exchange

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestQuote(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   string
		reason string
	}{
		{name: "plain", in: "To-canoe.com", want: "'To-canoe.com'", reason: "nothing to escape"},
		{name: "empty", in: "", want: "''", reason: "an empty string is a valid literal"},
		{name: "apostrophe", in: "O'Brien", want: "'O''Brien'", reason: "PowerShell escapes ' by doubling it"},
		{name: "left single quotation mark", in: "a\u2018b", want: "'a\u2018\u2018b'", reason: "U+2018 also ends a single-quoted string"},
		{name: "right single quotation mark", in: "it\u2019s", want: "'it\u2019\u2019s'", reason: "U+2019 is what word processors type for '"},
		{name: "low-9 quotation mark", in: "\u201a", want: "'\u201a\u201a'", reason: "U+201A is a single quote to the tokenizer"},
		{name: "reversed-9 quotation mark", in: "\u201b", want: "'\u201b\u201b'", reason: "U+201B is a single quote to the tokenizer"},
		{name: "dollar and backtick", in: "$env:x `n", want: "'$env:x `n'", reason: "single quotes do not expand or escape"},
		{name: "double quotes", in: `say "hi"`, want: `'say "hi"'`, reason: "double quotes are plain text inside single quotes"},
		{name: "newline", in: "a\nb", want: "'a\nb'", reason: "a single-quoted string may span lines"},
		{name: "only quotes", in: "''", want: "''''''", reason: "each quote doubled"},
		{name: "backslash domain user", in: `WORK\svc`, want: `'WORK\svc'`, reason: "backslash is not an escape in PowerShell"},
		{name: "non-ASCII", in: "Zürich Ñ 東京", want: "'Zürich Ñ 東京'", reason: "the script travels as UTF-8, so any text is fine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := quote(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("quote(%q) (-want +got):\n%s\nreason: %s", tt.in, diff, tt.reason)
			}
			dec, rest, err := decodeSingleQuoted(got)
			if err != nil || rest != "" || dec != tt.in {
				t.Errorf("decodeSingleQuoted(%q) = %q, rest %q, %v; want %q", got, dec, rest, err, tt.in)
			}
		})
	}
}

func TestQuoteList(t *testing.T) {
	tests := []struct {
		name   string
		in     []string
		want   string
		reason string
	}{
		{name: "nil", in: nil, want: "$null", reason: "an empty list clears a MultiValuedProperty"},
		{name: "empty", in: []string{}, want: "$null", reason: "same as nil"},
		{name: "one", in: []string{"canoe.com"}, want: "'canoe.com'", reason: "a scalar binds to a multi-valued parameter"},
		{name: "two", in: []string{"a", "b'c"}, want: "'a','b''c'", reason: "comma list of quoted literals, no bare words"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, quoteList(tt.in)); diff != "" {
				t.Errorf("quoteList(%q) (-want +got):\n%s\nreason: %s", tt.in, diff, tt.reason)
			}
		})
	}
}

// FuzzQuote checks that every valid UTF-8 string, quoted, is read back by a
// PowerShell tokenizer as exactly one string token holding that string.
// The tokenizer is decodeSingleQuoted, a re-implementation of PowerShell's
// ScanStringLiteral; FuzzQuoteExsim checks the same through exsim.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "'", "''", "a'b", "\u2018\u2019\u201a\u201b", "'\u2019", "x\n'y", "$(evil)", "`'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip("scripts are UTF-8 text")
		}
		q := quote(s)
		got, rest, err := decodeSingleQuoted(q)
		if err != nil {
			t.Fatalf("quote(%q) = %q does not tokenize: %v", s, q, err)
		}
		if rest != "" {
			t.Fatalf("quote(%q) = %q: the literal ends early, %q is left over as code", s, q, rest)
		}
		if got != s {
			t.Fatalf("quote(%q) = %q reads back as %q", s, q, got)
		}
		// Followed by more code, the literal must still end where it should.
		got, rest, err = decodeSingleQuoted(q + " -Next 'x'")
		if err != nil || got != s || rest != " -Next 'x'" {
			t.Fatalf("quote(%q) followed by code reads back as %q, rest %q, %v", s, got, rest, err)
		}
	})
}

// decodeSingleQuoted reads one single-quoted literal at the start of src the
// way PowerShell's tokenizer does (Tokenizer.ScanStringLiteral): any of the
// five single-quote characters opens and closes it, and a quote character
// followed by another one stands for the second. It returns the value and
// the text after the literal.
func decodeSingleQuoted(src string) (string, string, error) {
	isQuote := func(r rune) bool { return strings.ContainsRune(singleQuotes, r) }
	r, n := utf8.DecodeRuneInString(src)
	if n == 0 || !isQuote(r) {
		return "", src, errNotLiteral
	}
	var b strings.Builder
	i := n
	for i < len(src) {
		r, n := utf8.DecodeRuneInString(src[i:])
		i += n
		if isQuote(r) {
			next, m := utf8.DecodeRuneInString(src[i:])
			if m > 0 && isQuote(next) {
				b.WriteRune(next)
				i += m
				continue
			}
			return b.String(), src[i:], nil
		}
		b.WriteRune(r)
	}
	return "", "", errUnterminated
}

type lexError string

func (e lexError) Error() string { return string(e) }

const (
	errNotLiteral   = lexError("not a single-quoted literal")
	errUnterminated = lexError("the string is missing the terminator: '")
)
