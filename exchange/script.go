package exchange

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
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
	// data, when dataRef is set, travels in the script's data frame (see
	// Stdin), never in code: inside a Script the part renders as
	// dataRef(index), elsewhere (a plan line) as shown.
	data    []byte
	dataRef string
}

// Code is a fragment of PowerShell: literal values, expressions and keywords
// built only through this package's constructors, so every value in it went
// through quote and every secret in it is marked.
type Code struct{ parts []part }

// constant is the parameter type of raw: only an untyped string constant
// converts to it implicitly, so a value read from a manifest or from Exchange
// (a string variable) cannot become code through raw without a conversion
// to constant, which no code here makes and a reviewer would see.
type constant string

// raw is code text written in the source (keywords, operators, variable
// names), never a value: values go through lit, lits, boolean, integer or the
// secret constructors; names of cmdlets and parameters through ident.
func raw(text constant) Code { return code(string(text)) }

// code is text this package has already made safe: quoted literals,
// number literals, checked identifiers.
func code(text string) Code { return Code{parts: []part{{text: text}}} }

// identifier is what a cmdlet or parameter name may be: a verb-noun or a
// word, letters, digits and hyphens.
var identifier = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$`)

// ident is the name of a cmdlet or a parameter. Names come from this
// program's own tables, so one that is not an identifier is a bug, and ident
// panics rather than write it into a script.
func ident(name string) Code {
	if !identifier.MatchString(name) {
		panic(fmt.Sprintf("exchange: %q is not a cmdlet or parameter name", name))
	}
	return code(name)
}

// lit is a single-quoted literal of s.
func lit(s string) Code { return code(quote(s)) }

// lits is a list of single-quoted literals ('a','b'); an empty list is $null.
func lits(ss []string) Code { return code(quoteList(ss)) }

// boolean is $true or $false.
func boolean(b bool) Code { return code(boolLiteral(b)) }

// integer is a number literal.
func integer(n int64) Code { return code(intLiteral(n)) }

// null is $null, which clears a property in Set-* cmdlets.
func null() Code { return raw("$null") }

// secretLit is a single-quoted literal of a secret; human renderings print
// '<redacted>'. Scripts exreconcile sends never use it (secrets travel as
// data, see secretString); it remains for transport tests only.
func secretLit(s Secret) Code {
	return Code{parts: []part{{text: quote(s.Reveal()), secret: true, shown: quote(redacted)}}}
}

// secretStringRef is how script text reads secret N of the data frame as a
// string: the frame holds base64 of its UTF-8 bytes (docs/winrm.md "The
// bootstrap").
const secretStringRef = "([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($secrets[%d])))"

// secretBytesRef reads secret N of the data frame as a byte[].
const secretBytesRef = "([Convert]::FromBase64String($secrets[%d]))"

// secretString is the text of a secret as a PowerShell expression that reads
// it from the data frame: no quoting or encoding of the secret is ever part
// of the script, so Script Block Logging (event 4104) records only the
// variable. Outside a script (a plan line) it prints as '<redacted>'.
func secretString(s Secret) Code {
	return Code{parts: []part{{secret: true, shown: quote(redacted), data: []byte(s.Reveal()), dataRef: secretStringRef}}}
}

// secureString is (ConvertTo-SecureString -String <secret from the data
// frame> -AsPlainText -Force): the only way a straight-line script can make
// a SecureString, for -Password and PSCredential.
func secureString(s Secret) Code {
	return concat(raw("(ConvertTo-SecureString -String "), secretString(s), raw(" -AsPlainText -Force)"))
}

// credential is a PSCredential built from literals:
// (New-Object System.Management.Automation.PSCredential -ArgumentList 'user', (ConvertTo-SecureString ...)).
func credential(user string, password Secret) Code {
	return concat(raw("(New-Object System.Management.Automation.PSCredential -ArgumentList "),
		lit(user), raw(", "), secureString(password), raw(")"))
}

// byteArray is ([Convert]::FromBase64String('<base64>')), a byte[] argument such
// as Import-ExchangeCertificate -FileData. Key material is secret: a PFX
// holds the private key, so human renderings show only its size.
//
// The bytes travel in the data frame, never in code, whether secret or not
// (a certificate file is data, and keeps the script small); outside a
// script the part prints only the size.
func byteArray(data []byte, secret bool) Code {
	shown := fmt.Sprintf("([Convert]::FromBase64String(%s))", quote(fmt.Sprintf("<%d bytes>", len(data))))
	if secret {
		shown = fmt.Sprintf("([Convert]::FromBase64String(%s))", quote(fmt.Sprintf("<redacted %d bytes>", len(data))))
	}
	return Code{parts: []part{{secret: secret, shown: shown, data: append([]byte(nil), data...), dataRef: secretBytesRef}}}
}

// addRemove is @{Add='a','b'; Remove='c'}: the form that changes a
// MultiValuedProperty without touching the entries not named. Empty sides are
// left out; both empty is $null.
func addRemove(add, remove []string) Code {
	var items []string
	if len(add) > 0 {
		items = append(items, "Add="+quoteList(add))
	}
	if len(remove) > 0 {
		items = append(items, "Remove="+quoteList(remove))
	}
	if len(items) == 0 {
		return null()
	}
	return code("@{" + strings.Join(items, "; ") + "}")
}

// concat joins fragments without separators.
func concat(cs ...Code) Code {
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
		if p.dataRef != "" || redact && p.secret {
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
	// data is the data frame: secrets and byte arrays the script reads as
	// $secrets[i], in order.
	data [][]byte
	// indent is the current block depth (try/catch/finally).
	indent int
}

// Line appends one statement. Data parts are moved into the data frame and
// replaced by the expression that reads them, so the script text holds no
// secret in any form.
func (s *Script) Line(c Code) {
	out := Code{parts: []part{{text: strings.Repeat("  ", s.indent)}}}
	for _, p := range c.parts {
		if p.dataRef == "" {
			out.parts = append(out.parts, p)
			continue
		}
		out.parts = append(out.parts, part{text: fmt.Sprintf(p.dataRef, s.dataIndex(p.data))})
	}
	s.lines = append(s.lines, out)
}

// dataIndex returns the index of b in the data frame, adding it once.
func (s *Script) dataIndex(b []byte) int {
	for i, d := range s.data {
		if string(d) == string(b) {
			return i
		}
	}
	s.data = append(s.data, b)
	return len(s.data) - 1
}

// open starts a block: the line (e.g. "try {") and one indent deeper.
func (s *Script) open(line constant) {
	s.Line(raw(line))
	s.indent++
}

// close ends a block with the line (e.g. "} finally {" or "}").
func (s *Script) close(line constant) {
	s.indent--
	s.Line(raw(line))
}

// reopen ends a block and starts the next at the same depth ("} catch {").
func (s *Script) reopen(line constant) {
	s.indent--
	s.open(line)
}

// DataFrame is the second stdin line: "secrets" then ",<base64>" per item.
func (s *Script) DataFrame() string {
	var b strings.Builder
	b.WriteString("secrets")
	for _, d := range s.data {
		b.WriteByte(',')
		b.WriteString(base64.StdEncoding.EncodeToString(d))
	}
	return b.String()
}

// DataItems counts the data frame's items.
func (s *Script) DataItems() int { return len(s.data) }

// record notes a call the script makes.
func (s *Script) record(c Call) { s.calls = append(s.calls, c) }

// Calls returns the cmdlet calls the script makes, session set-up included.
func (s *Script) Calls() []Call { return append([]Call(nil), s.calls...) }

// Plaintext is the script text, CRLF-free, ending in a newline. It holds
// no secret: those are in the data frame.
func (s *Script) Plaintext() string { return s.render(false) }

// Redacted is the script text; the same as Plaintext now that secrets travel
// as data (kept for the renderings that ask for it).
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
