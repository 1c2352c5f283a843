package exchange

import (
	"strconv"
	"strings"
)

// singleQuotes are the characters PowerShell's tokenizer accepts as a single
// quote: the ASCII apostrophe and the four typographic quotes that
// System.Management.Automation.Language.CharExtensions.IsSingleQuote lists.
// A value containing any of them would end a literal early if it were not
// doubled, which is how a comment or a connector name becomes code.
const singleQuotes = "'\u2018\u2019\u201A\u201B"

// quote returns s as a PowerShell single-quoted string literal. Every single
// quote character (see singleQuotes) is doubled, which is exactly what
// CodeGeneration.EscapeSingleQuotedStringContent does; nothing else is special
// inside single quotes (no $ expansion, no backtick escapes), so the literal
// always evaluates to s. It is the only place that turns a value into code.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for _, r := range s {
		if strings.ContainsRune(singleQuotes, r) {
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// quoteList returns ss as a comma-separated list of single-quoted literals
// ('a','b'), the array syntax every multi-valued parameter accepts. An empty
// list is $null, which is how Exchange clears a MultiValuedProperty. Bare
// words are never used: tree-sitter-powershell rejects `a, b` lists and a bare
// word is parsed differently from a string when it starts with a digit or $.
func quoteList(ss []string) string {
	if len(ss) == 0 {
		return "$null"
	}
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return strings.Join(q, ",")
}

// boolLiteral returns $true or $false.
func boolLiteral(b bool) string {
	if b {
		return "$true"
	}
	return "$false"
}

// intLiteral returns n as a PowerShell number literal.
func intLiteral(n int64) string { return strconv.FormatInt(n, 10) }
