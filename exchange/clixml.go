package exchange

import (
	"encoding/xml"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// clixmlHeader starts every CLIXML block powershell.exe writes to a
// redirected stderr when it runs -EncodedCommand (docs/exchange.md "CLIXML on stderr").
const clixmlHeader = "#< CLIXML"

// Stderr is powershell.exe's stderr decoded: the error records as PowerShell
// would have printed them, and the other streams' messages.
type Stderr struct {
	Errors   []ErrorRecord
	Warnings []string
	Verbose  []string
	Debug    []string
	// Text is stderr that was not CLIXML (cmd.exe's own messages, a
	// powershell.exe that could not start), trimmed.
	Text string
}

// ErrorRecord is one PowerShell error as the console host formats it, split
// into its parts.
type ErrorRecord struct {
	// Message is the exception message (or ErrorDetails), without the
	// "Cmdlet : " prefix and the position lines.
	Message string `json:"message"`
	// Command is the cmdlet named in the prefix or in CategoryInfo's activity.
	Command string `json:"command,omitempty"`
	// Category, Activity and Reason are CategoryInfo's parts:
	// "ObjectNotFound: (x:String) [Get-Item], ItemNotFoundException".
	Category     string `json:"category,omitempty"`
	Reason       string `json:"reason,omitempty"`
	CategoryInfo string `json:"categoryInfo,omitempty"`
	// FullyQualifiedErrorId as printed; Exchange's carry a [Server=...] prefix.
	FullyQualifiedErrorId string `json:"fullyQualifiedErrorId,omitempty"`
	PSComputerName        string `json:"psComputerName,omitempty"`
	// Position is the "At line:1 char:1" block, when there is one.
	Position string `json:"position,omitempty"`
}

// String is the message with its id, as one line for logs and reports.
func (r ErrorRecord) String() string {
	s := r.Message
	if r.FullyQualifiedErrorId != "" {
		s += " (" + r.FullyQualifiedErrorId + ")"
	}
	return s
}

// DecodeStderr decodes powershell.exe's stderr. It accepts several CLIXML
// blocks one after another (a nested powershell.exe passes its own through),
// a block cut short by a killed process, and plain text.
func DecodeStderr(stderr string) Stderr {
	var out Stderr
	var errLines []string
	var text []string
	rest := stderr
	for {
		i := strings.Index(rest, clixmlHeader)
		if i < 0 {
			text = append(text, rest)
			break
		}
		text = append(text, rest[:i])
		rest = rest[i+len(clixmlHeader):]
		// The XML runs up to the next header or the end.
		j := strings.Index(rest, clixmlHeader)
		block := rest
		if j >= 0 {
			block, rest = rest[:j], rest[j:]
		} else {
			rest = ""
		}
		decodeCLIXMLBlock(block, &out, &errLines)
		if rest == "" {
			break
		}
	}
	out.Text = strings.TrimSpace(strings.Join(text, ""))
	out.Errors = parseErrorLines(errLines)
	return out
}

// decodeCLIXMLBlock reads the <S S="..."> strings of one block. Progress and
// information records are skipped: progress is noise, and Write-Host text
// also reaches stdout.
func decodeCLIXMLBlock(block string, out *Stderr, errLines *[]string) {
	d := xml.NewDecoder(strings.NewReader(block))
	d.Strict = false
	depth := 0
	for {
		tok, err := d.Token()
		if err != nil {
			// io.EOF, or a block cut short: keep what was read.
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if t.Name.Local != "S" || depth != 2 {
				continue
			}
			stream := attr(t, "S")
			var s string
			if err := d.DecodeElement(&s, &t); err != nil && err != io.EOF {
				return
			}
			depth--
			s = decodeCLIXMLString(s)
			switch strings.ToLower(stream) {
			case "error":
				*errLines = append(*errLines, strings.TrimSuffix(s, "\r\n"))
			case "warning":
				out.Warnings = append(out.Warnings, s)
			case "verbose":
				out.Verbose = append(out.Verbose, s)
			case "debug":
				out.Debug = append(out.Debug, s)
			}
		case xml.EndElement:
			depth--
		}
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

var clixmlEscape = regexp.MustCompile(`_x([0-9A-Fa-f]{4})_`)

// decodeCLIXMLString undoes PowerShell's EncodeString: _xHHHH_ is one UTF-16
// code unit (control characters, surrogates, and _x005F_ for an underscore
// that precedes an x). Surrogate pairs are joined.
func decodeCLIXMLString(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var units []uint16
	last := 0
	for _, m := range clixmlEscape.FindAllStringSubmatchIndex(s, -1) {
		units = append(units, utf16.Encode([]rune(s[last:m[0]]))...)
		n, _ := strconv.ParseUint(s[m[2]:m[3]], 16, 16)
		units = append(units, uint16(n))
		last = m[1]
	}
	units = append(units, utf16.Encode([]rune(s[last:]))...)
	return string(utf16.Decode(units))
}

// Field lines of a formatted error record (the ErrorInstance view).
const (
	fieldCategory = "+ CategoryInfo          : "
	fieldFQID     = "+ FullyQualifiedErrorId : "
	fieldComputer = "+ PSComputerName        : "
)

// parseErrorLines splits the console lines of the error stream into records.
// Each record ends with the line " " the view appends; the lines between are
// the message (word-wrapped), an optional position block and the field lines
// (chunked and wrapped, docs/exchange.md "CLIXML on stderr").
func parseErrorLines(lines []string) []ErrorRecord {
	var out []ErrorRecord
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, parseErrorRecord(cur))
			cur = nil
		}
	}
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			flush()
			continue
		}
		cur = append(cur, l)
	}
	flush()
	return out
}

func parseErrorRecord(lines []string) ErrorRecord {
	var rec ErrorRecord
	var msg, pos []string
	field := ""
	fields := map[string][]string{}
	for _, l := range lines {
		t := strings.TrimLeft(l, " ")
		switch {
		case strings.HasPrefix(t, fieldCategory):
			field = fieldCategory
			fields[field] = []string{strings.TrimPrefix(t, fieldCategory)}
		case strings.HasPrefix(t, fieldFQID):
			field = fieldFQID
			fields[field] = []string{strings.TrimPrefix(t, fieldFQID)}
		case strings.HasPrefix(t, fieldComputer):
			field = fieldComputer
			fields[field] = []string{strings.TrimPrefix(t, fieldComputer)}
		case field != "":
			fields[field] = append(fields[field], l)
		case strings.HasPrefix(l, "At line:") || strings.HasPrefix(l, "At ") && strings.Contains(l, " char:"):
			pos = append(pos, l)
		case len(pos) > 0 && (strings.HasPrefix(l, "+") || continues(pos[len(pos)-1])):
			// The quoted source line may itself be wrapped.
			pos = append(pos, l)
		default:
			msg = append(msg, l)
		}
	}
	rec.Message = joinWrapped(msg)
	rec.Position = strings.Join(pos, "\n")
	rec.CategoryInfo = joinChunked(fields[fieldCategory])
	rec.FullyQualifiedErrorId = joinChunked(fields[fieldFQID])
	rec.PSComputerName = joinChunked(fields[fieldComputer])
	rec.Category, rec.Command, rec.Reason = splitCategoryInfo(rec.CategoryInfo)
	if cmd, m, ok := strings.Cut(rec.Message, " : "); ok && isCommandName(cmd) {
		rec.Command, rec.Message = cmd, m
	}
	return rec
}

// joinWrapped rejoins a word-wrapped message. Word wrap keeps the space at
// the break on the first line, and character wrap fills the line to the
// console width (79 or 119), so such lines continue; any other line break was
// in the message.
func joinWrapped(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 && !continues(lines[i-1]) {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return strings.TrimSpace(b.String())
}

// continues reports whether a console line was broken by wrapping rather
// than ended: word wrap leaves the space at the break on the line, and
// character wrap fills it to the console width (80 or 120 columns, less one).
func continues(line string) bool {
	return strings.HasSuffix(line, " ") || len([]rune(line)) >= 79
}

// joinChunked undoes the view's chunking of a field value: it cut the text
// into pieces of (width-6) characters, each preceded by four spaces, and word
// wrap then broke the line among those spaces. Joining the lines as they are
// and removing every run of four spaces restores the text.
func joinChunked(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	s := strings.Join(lines, "")
	s = strings.ReplaceAll(s, "    ", "")
	return strings.TrimSpace(s)
}

var categoryInfoPattern = regexp.MustCompile(`^(\w+): \(.*\) \[([^\]]*)\], (.*)$`)

// splitCategoryInfo reads "Category: (target:type) [Activity], Reason".
func splitCategoryInfo(s string) (category, activity, reason string) {
	m := categoryInfoPattern.FindStringSubmatch(s)
	if m == nil {
		if c, _, ok := strings.Cut(s, ":"); ok {
			return c, "", ""
		}
		return "", "", ""
	}
	return m[1], m[2], m[3]
}

// commandNamePattern matches the InvocationName the view puts before " : "
// (a cmdlet, or the unknown word of a CommandNotFoundException).
var commandNamePattern = regexp.MustCompile(`^[\w.-]+$`)

func isCommandName(s string) bool { return commandNamePattern.MatchString(s) }
