package ps

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// stdinReader reads the process's stdin as text in the console input code page.
type stdinReader struct {
	r        *bufio.Reader
	codepage int
}

func newStdinReader(r io.Reader, codepage int) *stdinReader {
	if r == nil {
		r = strings.NewReader("")
	}
	return &stdinReader{r: bufio.NewReader(r), codepage: codepage}
}

func (s *stdinReader) decode(b []byte) string {
	if s.codepage == 65001 {
		if utf8.Valid(b) {
			return string(b)
		}
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return decodeOEM(b)
}

// readLine returns the next line without its line break (Console.In.ReadLine).
func (s *stdinReader) readLine() (string, bool) {
	b, err := s.r.ReadBytes('\n')
	if len(b) == 0 && err != nil {
		return "", false
	}
	line := strings.TrimSuffix(strings.TrimSuffix(s.decode(b), "\n"), "\r")
	return line, true
}

// readAll returns the rest of stdin (Console.In.ReadToEnd).
func (s *stdinReader) readAll() string {
	b, _ := io.ReadAll(s.r)
	return s.decode(b)
}

// textOut writes text lines to stdout with CRLF endings, encoded in the
// console output code page.
type textOut struct {
	w        io.Writer
	codepage int
	psv2     bool
	width    int
}

// line writes one line. Windows PowerShell 2.0 broke raw text every 80
// characters over WinRS (pywinrm issue #216); later versions do not.
func (t *textOut) line(s string) {
	if t.psv2 && t.width > 0 {
		for _, piece := range strings.Split(s, "\n") {
			r := []rune(piece)
			for len(r) > t.width {
				t.write(string(r[:t.width]) + "\r\n")
				r = r[t.width:]
			}
			t.write(string(r) + "\r\n")
		}
		return
	}
	t.write(s + "\r\n")
}

func (t *textOut) write(s string) {
	if t.codepage == 65001 {
		io.WriteString(t.w, s)
		return
	}
	t.w.Write(encodeOEM(s))
}

// errorSink is where error, warning and progress records go: CLIXML on
// stderr for -EncodedCommand, plain text otherwise.
type errorSink interface {
	errorLines(lines []string)
	warning(msg string)
	progressPreparingModules()
	setCodepage(cp int)
	close()
}

// plainErrors writes errors as text lines on stderr and warnings as
// "WARNING: " lines on stdout, as the console host does without CLIXML.
type plainErrors struct {
	stderr *textOut
	stdout *textOut
}

func (p *plainErrors) errorLines(lines []string) {
	for _, l := range lines {
		p.stderr.write(l + "\r\n")
	}
}
func (p *plainErrors) warning(msg string)        { p.stdout.write("WARNING: " + msg + "\r\n") }
func (p *plainErrors) progressPreparingModules() {}
func (p *plainErrors) setCodepage(cp int)        { p.stderr.codepage = cp }
func (p *plainErrors) close()                    {}

// clixmlErrors writes the #< CLIXML stream of a non-interactive
// powershell.exe started with -EncodedCommand (docs/exchange.md "CLIXML on stderr").
type clixmlErrors struct {
	out     *textOut
	started bool
	refID   int
	tnRef   int // RefId of the progress type names, -1 until written
}

const clixmlHeader = "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">"

func newClixmlErrors(out *textOut) *clixmlErrors { return &clixmlErrors{out: out, tnRef: -1} }

func (c *clixmlErrors) start() {
	if !c.started {
		c.started = true
		c.out.write(clixmlHeader)
	}
}

func (c *clixmlErrors) errorLines(lines []string) {
	c.start()
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(`<S S="Error">` + clixmlEncode(l+"\r\n") + `</S>`)
	}
	c.out.write(b.String())
}

func (c *clixmlErrors) warning(msg string) {
	c.start()
	c.out.write(`<S S="warning">` + clixmlEncode(msg) + `</S>`)
}

// progressPreparingModules writes the "Preparing modules for first use."
// record PowerShell 3.0+ emits while it scans modules for a command.
func (c *clixmlErrors) progressPreparingModules() {
	c.start()
	tn := ""
	if c.tnRef < 0 {
		c.tnRef = 0
		tn = `<TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>`
	} else {
		tn = fmt.Sprintf(`<TNRef RefId="%d" />`, c.tnRef)
	}
	c.out.write(fmt.Sprintf(`<Obj S="progress" RefId="%d">%s<MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>`, c.refID, tn))
	c.refID++
}

func (c *clixmlErrors) setCodepage(cp int) { c.out.codepage = cp }

func (c *clixmlErrors) close() {
	if c.started {
		c.out.write("</Objs>")
	}
}

// Code page 437 (the OEM code page of an en-US Windows, and WinRS's
// default): bytes 0x80-0xFF. Characters it cannot hold are written as '?',
// as Windows' best-fit-free encoder does.
var cp437High = [128]rune{
	'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å',
	'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ',
	'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»',
	'░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐',
	'└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧',
	'╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐', '▀',
	'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩',
	'≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u00a0',
}

var cp437Rev = func() map[rune]byte {
	m := make(map[rune]byte, 128)
	for i, r := range cp437High {
		m[r] = byte(0x80 + i)
	}
	return m
}()

// encodeOEM encodes text in code page 437.
func encodeOEM(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x80:
			out = append(out, byte(r))
		default:
			if b, ok := cp437Rev[r]; ok {
				out = append(out, b)
			} else {
				out = append(out, '?')
			}
		}
	}
	return out
}

// decodeOEM decodes code page 437 bytes.
func decodeOEM(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		if c < 0x80 {
			r[i] = rune(c)
		} else {
			r[i] = cp437High[c-0x80]
		}
	}
	return string(r)
}
