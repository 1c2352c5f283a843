package exchange

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
)

// redacted is what every human rendering prints in place of a secret.
const redacted = "<redacted>"

// Secret is a password, a PFX password or key material. It prints as
// <redacted> through fmt, JSON, text marshalling and slog, so a secret that
// reaches a log line, a plan or an error by accident stays hidden; Reveal is
// the one way to read it, and only script rendering for the wire calls it.
type Secret string

// String returns <redacted>.
func (Secret) String() string { return redacted }

// GoString returns <redacted>, so %#v hides the secret too.
func (Secret) GoString() string { return redacted }

// MarshalJSON returns "<redacted>".
func (Secret) MarshalJSON() ([]byte, error) { return json.Marshal(redacted) }

// MarshalText returns <redacted> (YAML and other text encoders use it).
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue returns <redacted> for slog and logr's slog bridge.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// Reveal returns the secret text.
func (s Secret) Reveal() string { return string(s) }

// part is one piece of script text. A secret part prints as shown in every
// human rendering; only Script.Plaintext writes its text.
type part struct {
	text   string
	secret bool
	shown  string
}

// Code is a fragment of PowerShell: literal values, expressions and keywords
// built only through this package's constructors, so every value in it went
// through Quote and every secret in it is marked.
type Code struct{ parts []part }

// Raw is code text written by this package (never a value from outside).
func Raw(text string) Code { return Code{parts: []part{{text: text}}} }

// Lit is a single-quoted literal of s.
func Lit(s string) Code { return Raw(Quote(s)) }

// Lits is a list of single-quoted literals ('a','b'); an empty list is $null.
func Lits(ss []string) Code { return Raw(QuoteList(ss)) }

// Bool is $true or $false.
func Bool(b bool) Code { return Raw(BoolLiteral(b)) }

// Int is a number literal.
func Int(n int64) Code { return Raw(IntLiteral(n)) }

// Null is $null, which clears a property in Set-* cmdlets.
func Null() Code { return Raw("$null") }

// SecretLit is a single-quoted literal of a secret; human renderings print
// '<redacted>' so the redacted script still parses.
func SecretLit(s Secret) Code {
	return Code{parts: []part{{text: Quote(s.Reveal()), secret: true, shown: Quote(redacted)}}}
}

// SecureString is (ConvertTo-SecureString -String '<secret>' -AsPlainText
// -Force): the only way a straight-line script can make a SecureString, for
// -Password and PSCredential.
func SecureString(s Secret) Code {
	return Concat(Raw("(ConvertTo-SecureString -String "), SecretLit(s), Raw(" -AsPlainText -Force)"))
}

// Credential is a PSCredential built from literals:
// (New-Object System.Management.Automation.PSCredential -ArgumentList 'user', (ConvertTo-SecureString ...)).
func Credential(user string, password Secret) Code {
	return Concat(Raw("(New-Object System.Management.Automation.PSCredential -ArgumentList "),
		Lit(user), Raw(", "), SecureString(password), Raw(")"))
}

// Bytes is ([Convert]::FromBase64String('<base64>')), a byte[] argument such
// as Import-ExchangeCertificate -FileData. Key material is secret: a PFX
// holds the private key, so human renderings show only its size.
func Bytes(data []byte, secret bool) Code {
	b64 := Quote(base64.StdEncoding.EncodeToString(data))
	p := part{text: b64}
	if secret {
		p.secret = true
		p.shown = Quote(fmt.Sprintf("<redacted %d bytes>", len(data)))
	}
	return Concat(Raw("([Convert]::FromBase64String("), Code{parts: []part{p}}, Raw("))"))
}

// AddRemove is @{Add='a','b'; Remove='c'}: the form that changes a
// MultiValuedProperty without touching the entries not named. Empty sides are
// left out; both empty is $null.
func AddRemove(add, remove []string) Code {
	var items []string
	if len(add) > 0 {
		items = append(items, "Add="+QuoteList(add))
	}
	if len(remove) > 0 {
		items = append(items, "Remove="+QuoteList(remove))
	}
	if len(items) == 0 {
		return Null()
	}
	return Raw("@{" + strings.Join(items, "; ") + "}")
}

// Concat joins fragments without separators.
func Concat(cs ...Code) Code {
	var out Code
	for _, c := range cs {
		out.parts = append(out.parts, c.parts...)
	}
	return out
}

// Plaintext is the code as PowerShell must receive it, secrets included.
func (c Code) Plaintext() string { return c.render(false) }

// Redacted is the code with every secret replaced, for people and logs.
func (c Code) Redacted() string { return c.render(true) }

// String is Redacted, so printing Code by accident leaks nothing.
func (c Code) String() string { return c.Redacted() }

// HasSecret reports whether any part is secret.
func (c Code) HasSecret() bool {
	for _, p := range c.parts {
		if p.secret {
			return true
		}
	}
	return false
}

func (c Code) render(redact bool) string {
	var b strings.Builder
	for _, p := range c.parts {
		if redact && p.secret {
			b.WriteString(p.shown)
			continue
		}
		b.WriteString(p.text)
	}
	return b.String()
}

// Script is a whole PowerShell script: one statement per line, plus the
// calls it makes (for Import-PSSession -CommandName and the parameter check).
// Its String, MarshalJSON and log forms are redacted; Plaintext is what goes
// to the server over stdin.
type Script struct {
	// Name says what the script is for (observe, apply) in logs and errors.
	Name  string
	lines []Code
	calls []Call
}

// Line appends one statement.
func (s *Script) Line(c Code) { s.lines = append(s.lines, c) }

// Linef appends one statement of trusted code text (no values).
func (s *Script) Linef(format string, args ...any) { s.Line(Raw(fmt.Sprintf(format, args...))) }

// record notes a call the script makes.
func (s *Script) record(c Call) { s.calls = append(s.calls, c) }

// Calls returns the cmdlet calls the script makes, session set-up included.
func (s *Script) Calls() []Call { return append([]Call(nil), s.calls...) }

// Plaintext is the script text with secrets, CRLF-free, ending in a newline.
func (s *Script) Plaintext() string { return s.render(false) }

// Redacted is the script text with every secret replaced.
func (s *Script) Redacted() string { return s.render(true) }

// String is Redacted.
func (s *Script) String() string { return s.Redacted() }

// MarshalJSON is the redacted text.
func (s *Script) MarshalJSON() ([]byte, error) { return json.Marshal(s.Redacted()) }

// LogValue is the redacted text.
func (s *Script) LogValue() slog.Value { return slog.StringValue(s.Redacted()) }

func (s *Script) render(redact bool) string {
	var b strings.Builder
	for _, l := range s.lines {
		b.WriteString(l.render(redact))
		b.WriteByte('\n')
	}
	return b.String()
}
