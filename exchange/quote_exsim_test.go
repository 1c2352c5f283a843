package exchange

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// FuzzQuoteExsim sends every string, quoted, through exsim's PowerShell
// (ps.Run, the documented entry point of its interpreter): the fixed
// command line, the bootstrap reading stdin, the tokenizer and the
// evaluator. The script assigns the literal and prints it as base64 of
// UTF-8, so the value must come back byte for byte: one string token,
// nothing more, nothing less.
func FuzzQuoteExsim(f *testing.F) {
	for _, s := range []string{"", "O'Brien", "\u2018\u2019\u201a\u201b", "'\u2019", "x\n'y", "$(evil) `n \"q\"", "Zürich 東京 \U0001F600", "';Remove-Item x;'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if !utf8.ValidString(in) {
			t.Skip("scripts are UTF-8 text")
		}
		s := &Script{Name: "quote"}
		s.Line(concat(raw("$v = "), lit(in)))
		s.Line(raw("[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($v))"))
		var stdout, stderr bytes.Buffer
		code := ps.Run(context.Background(), &ps.Host{ServerName: "WIN20081", PSVersion: "5.1", BufferWidth: 80},
			CommandLine(), bytes.NewReader(Stdin(s)), &stdout, &stderr)
		if code != 0 {
			t.Fatalf("quote(%q) = %s: exit %d, stderr %s", in, quote(in), code, DecodeStderr(stderr.String()).Errors)
		}
		got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(stdout.String()))
		if err != nil || string(got) != in {
			t.Fatalf("quote(%q) = %s comes back as %q (%v)", in, quote(in), got, err)
		}
	})
}
