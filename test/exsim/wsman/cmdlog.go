package wsman

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Redacted replaces every secret in the command log.
const Redacted = "<redacted>"

// LogEntry is one line of the command log: one WinRM command (not one HTTP
// request), written when the command has finished.
type LogEntry struct {
	Time        time.Time     `json:"time"`
	Server      string        `json:"server"`
	User        string        `json:"user"`
	CommandLine string        `json:"commandLine"`
	Script      string        `json:"script"`
	Cmdlets     []CmdletEntry `json:"cmdlets"`
	ExitCode    int           `json:"exitCode"`
	DurationMs  int64         `json:"durationMs"`
	// ScriptBlocks is every script block the command compiled, in order,
	// as Script Block Logging (event 4104) records them: the
	// -EncodedCommand / -Command text, then each [ScriptBlock]::Create'd
	// script; redacted like the other fields.
	ScriptBlocks []string `json:"scriptBlocks"`
	// StdinBytes is the size of the command's stdin (its content is data:
	// never logged).
	StdinBytes int64 `json:"stdinBytes"`
	// RedactedSecretLiterals counts the string literals passed to
	// ConvertTo-SecureString -AsPlainText in the compiled blocks whose
	// value is a known secret (a configured password, or a secret the
	// command handled). A client that keeps secrets out of code has 0.
	RedactedSecretLiterals int `json:"redactedSecretLiterals"`

	// secretLiterals are the literals behind RedactedSecretLiterals, as
	// reported: every one is redacted, known secret or not.
	secretLiterals []SecretLiteral
}

// SecretLiteral is a literal a compiled block passes to
// ConvertTo-SecureString -AsPlainText: its value and its source text.
type SecretLiteral struct{ Value, Source string }

// CmdletEntry is one cmdlet invocation within a command.
type CmdletEntry struct {
	Name       string   `json:"name"`
	Parameters []string `json:"parameters"`
	// Error is the error message when the invocation failed.
	Error string `json:"error,omitempty"`
}

// CommandLog writes LogEntry values as JSON lines. It is safe for concurrent
// use by all servers of a process; each line is flushed as it is written so
// that a test reading the file sees complete lines only.
type CommandLog struct {
	mu      sync.Mutex
	w       *bufio.Writer
	closer  io.Closer
	secrets []string
}

// NewCommandLog logs to w. secrets (typically the configured passwords) are
// redacted from every line, in addition to those a command's Trace reports.
func NewCommandLog(w io.Writer, secrets ...string) *CommandLog {
	l := &CommandLog{w: bufio.NewWriter(w)}
	if c, ok := w.(io.Closer); ok {
		l.closer = c
	}
	l.AddSecrets(secrets...)
	return l
}

// OpenCommandLog appends to the file at path, creating it when needed.
func OpenCommandLog(path string, secrets ...string) (*CommandLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the command log: %w", err)
	}
	return NewCommandLog(f, secrets...), nil
}

// AddSecrets adds values to redact from every later line.
func (l *CommandLog) AddSecrets(secrets ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range secrets {
		if s != "" {
			l.secrets = append(l.secrets, s)
		}
	}
}

// Write redacts e with the log's secrets and extra, then appends it.
func (l *CommandLog) Write(e LogEntry, extra ...string) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	known := append(append([]string{}, extra...), l.secrets...)
	e.RedactedSecretLiterals = 0
	var literals []string
	for _, lit := range e.secretLiterals {
		for _, k := range known {
			if k != "" && lit.Value == k {
				e.RedactedSecretLiterals++
				break
			}
		}
		literals = append(literals, lit.Value, lit.Source)
	}
	r := newRedactor(append(known, literals...))
	e.CommandLine = r.Replace(e.CommandLine)
	e.Script = r.Replace(e.Script)
	blocks := make([]string, len(e.ScriptBlocks))
	for i, b := range e.ScriptBlocks {
		blocks[i] = r.Replace(b)
	}
	e.ScriptBlocks = blocks
	e.User = r.Replace(e.User)
	cmdlets := make([]CmdletEntry, len(e.Cmdlets))
	for i, c := range e.Cmdlets {
		params := make([]string, len(c.Parameters))
		for j, p := range c.Parameters {
			params[j] = r.Replace(p)
		}
		cmdlets[i] = CmdletEntry{Name: r.Replace(c.Name), Parameters: params, Error: r.Replace(c.Error)}
	}
	e.Cmdlets = cmdlets
	// HTML escaping off: "<redacted>" must read as such, not as \u003c...
	var line bytes.Buffer
	enc := json.NewEncoder(&line)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return fmt.Errorf("cannot encode a command log entry: %w", err)
	}
	if _, err := l.w.Write(line.Bytes()); err != nil {
		return fmt.Errorf("cannot write the command log: %w", err)
	}
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("cannot flush the command log: %w", err)
	}
	return nil
}

// Close flushes the log and closes the underlying file.
func (l *CommandLog) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.w.Flush()
	if l.closer != nil {
		if cerr := l.closer.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("cannot close the command log: %w", err)
	}
	return nil
}

// newRedactor replaces every form a secret can take in a log line (see
// secretForms), longer ones first, so that a secret containing another is
// not half-replaced.
func newRedactor(secrets []string) *strings.Replacer {
	uniq := map[string]bool{}
	var list []string
	for _, secret := range secrets {
		for _, s := range secretForms(secret) {
			if s != "" && !uniq[s] {
				uniq[s] = true
				list = append(list, s)
			}
		}
	}
	sort.Slice(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	pairs := make([]string, 0, 2*len(list))
	for _, s := range list {
		pairs = append(pairs, s, Redacted)
	}
	return strings.NewReplacer(pairs...)
}

// Trace collects, while a command runs, what the interpreter tells about it
// for the log: the script text, the cmdlets invoked, the secrets handled
// and the secret literals of the compiled blocks.
// Its methods are safe for concurrent use.
type Trace struct {
	mu       sync.Mutex
	scripts  []string
	cmdlets  []CmdletEntry
	secrets  []string
	literals []SecretLiteral
}

// SecretLiteral records a literal a compiled block passes to
// ConvertTo-SecureString -AsPlainText (value and source text): both are
// redacted, and the log counts it when the value is a known secret.
func (t *Trace) SecretLiteral(value, source string) {
	t.mu.Lock()
	t.literals = append(t.literals, SecretLiteral{Value: value, Source: source})
	t.mu.Unlock()
}

// Blocks returns the scripts reported so far (the compiled blocks) and the
// secret literals; the server fills the log entry's new fields with them.
func (t *Trace) blocks() ([]string, []SecretLiteral) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string{}, t.scripts...), append([]SecretLiteral{}, t.literals...)
}

// AddScript records a script the command ran (decoded PowerShell text). An
// exreconcile command reports two: the -EncodedCommand bootstrap, then the
// script it reads from stdin; the log joins them with newlines, in order.
func (t *Trace) AddScript(script string) {
	t.mu.Lock()
	t.scripts = append(t.scripts, script)
	t.mu.Unlock()
}

// Cmdlet records one cmdlet invocation; errText is empty on success.
func (t *Trace) Cmdlet(name string, parameters []string, errText string) {
	t.mu.Lock()
	t.cmdlets = append(t.cmdlets, CmdletEntry{Name: name, Parameters: append([]string{}, parameters...), Error: errText})
	t.mu.Unlock()
}

// Secret records a value to redact from this command's log line.
func (t *Trace) Secret(s string) {
	t.mu.Lock()
	t.secrets = append(t.secrets, s)
	t.mu.Unlock()
}

func (t *Trace) snapshot() (script string, hasScript bool, cmdlets []CmdletEntry, secrets []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.scripts, "\n"), len(t.scripts) > 0, append([]CmdletEntry{}, t.cmdlets...), append([]string{}, t.secrets...)
}

// GuessScript derives the script text of a command for the log when the
// launcher reported none: the stdin payload when it is base64 of UTF-8 text
// (exreconcile's bootstrap reads its script so), otherwise the decoded
// -EncodedCommand argument, otherwise "".
func GuessScript(commandLine string, stdin []byte) string {
	if s := strings.TrimSpace(string(stdin)); s != "" {
		if raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), "")); err == nil && utf8.Valid(raw) {
			return string(raw)
		}
	}
	fields := strings.Fields(commandLine)
	for i := 0; i+1 < len(fields); i++ {
		switch strings.ToLower(strings.TrimLeft(fields[i], "-/")) {
		case "encodedcommand", "enc", "e", "ec":
			if script, ok := DecodeEncodedCommand(fields[i+1]); ok {
				return script
			}
		}
	}
	return ""
}

// DecodeEncodedCommand decodes a powershell.exe -EncodedCommand value
// (base64 of UTF-16LE).
func DecodeEncodedCommand(b64 string) (string, bool) {
	raw, err := base64.StdEncoding.DecodeString(strings.Trim(b64, `"`))
	if err != nil || len(raw)%2 != 0 {
		return "", false
	}
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(raw[2*i:])
	}
	return string(utf16.Decode(u)), true
}

// secretForms are the ways a secret appears in script text and in the
// other fields: as is; inside a single-quoted PowerShell string, where
// each of ' ‘ ’ ‚ ‛ is written twice (doubled with itself, or preceded by
// an ASCII '); inside a double-quoted string, with ` " $ escaped by a
// backtick (or " doubled); base64 of its UTF-8 and of its UTF-16LE bytes
// (-EncodedCommand). See about_Quoting_Rules:
// https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_quoting_rules
func secretForms(s string) []string {
	if s == "" {
		return nil
	}
	isSingle := func(r rune) bool { return strings.ContainsRune("'\u2018\u2019\u201a\u201b", r) }
	isDouble := func(r rune) bool { return strings.ContainsRune("\"\u201c\u201d\u201e", r) }
	var same, asciiPrefixed, tick, doubled strings.Builder
	for _, r := range s {
		if isSingle(r) {
			same.WriteRune(r)
			asciiPrefixed.WriteRune('\'')
		}
		same.WriteRune(r)
		asciiPrefixed.WriteRune(r)
		switch {
		case isDouble(r):
			tick.WriteString("`" + string(r))
			doubled.WriteString(string(r) + string(r))
		case r == '`' || r == '$':
			tick.WriteString("`" + string(r))
			doubled.WriteString("`" + string(r))
		default:
			tick.WriteRune(r)
			doubled.WriteRune(r)
		}
	}
	u := utf16.Encode([]rune(s))
	le := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(le[2*i:], c)
	}
	return []string{s, same.String(), asciiPrefixed.String(), tick.String(), doubled.String(),
		base64.StdEncoding.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString(le)}
}

// WriteTraceForTest writes e completed from t as the server does when a
// command ends (for tests of the log outside a server).
func WriteTraceForTest(l *CommandLog, t *Trace, e LogEntry) error {
	script, _, cmdlets, secrets := t.snapshot()
	e.Script, e.Cmdlets = script, cmdlets
	e.ScriptBlocks, e.secretLiterals = t.blocks()
	return l.Write(e, secrets...)
}
