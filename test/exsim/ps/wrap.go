package ps

import "strings"

// cellWidth is the number of console cells a character takes: two for East
// Asian wide characters (ConsoleHostRawUserInterface.LengthInBufferCells).
func cellWidth(c rune) int {
	switch {
	case c >= 0x1100 && c <= 0x115f, c >= 0x2e80 && c <= 0xa4cf && c != 0x303f,
		c >= 0xac00 && c <= 0xd7a3, c >= 0xf900 && c <= 0xfaff, c >= 0xfe30 && c <= 0xfe4f,
		c >= 0xff00 && c <= 0xff60, c >= 0xffe0 && c <= 0xffe6:
		return 2
	}
	return 1
}

func cells(s string) int {
	n := 0
	for _, c := range s {
		n += cellWidth(c)
	}
	return n
}

// headSplit returns how many runes of s fit into n cells (DisplayCells.GetHeadSplitLength).
func headSplit(s []rune, n int) int {
	used := 0
	for i, c := range s {
		used += cellWidth(c)
		if used > n {
			return i
		}
	}
	return len(s)
}

// tailSplit returns how many runes at the end of s fit into n cells.
func tailSplit(s []rune, n int) int {
	used := 0
	for i := len(s) - 1; i >= 0; i-- {
		used += cellWidth(s[i])
		if used > n {
			return len(s) - 1 - i
		}
	}
	return len(s)
}

const (
	softHyphen = '\u00ad'
	hardHyphen = '\u2011'
	nbsp       = '\u00a0'
)

// generateLines ports StringManipulationHelper.GenerateLines: the value is
// split at newlines ('\r' removed) and each piece longer than the field is
// word-wrapped (en-US cultures) or cut every firstLen/followLen cells.
func generateLines(val string, firstLen, followLen int, wordWrap bool) []string {
	if val == "" {
		return []string{val}
	}
	lines := strings.Split(strings.ReplaceAll(val, "\r", ""), "\n")
	var out []string
	for _, line := range lines {
		if cells(line) <= firstLen {
			out = append(out, line)
			continue
		}
		if wordWrap {
			out = append(out, wrapWords(line, firstLen, followLen)...)
		} else {
			out = append(out, wrapChars(line, firstLen, followLen)...)
		}
	}
	return out
}

func wrapChars(line string, firstLen, followLen int) []string {
	var out []string
	r := []rune(line)
	active := firstLen
	for {
		if cellsOf(r) <= active {
			break
		}
		n := headSplit(r, active)
		if n <= 0 {
			out = append(out, "?")
			n = 1
		} else {
			out = append(out, string(r[:n]))
		}
		r = r[n:]
		active = followLen
	}
	return append(out, string(r))
}

func cellsOf(r []rune) int {
	n := 0
	for _, c := range r {
		n += cellWidth(c)
	}
	return n
}

type wordDelim struct {
	word, delim string
}

// getWords splits at blanks, tabs and soft hyphens (the delimiter stays with
// the word); hard hyphens and no-break spaces end a word and are dropped.
func getWords(s string) []wordDelim {
	var out []wordDelim
	var b strings.Builder
	for _, c := range s {
		switch c {
		case ' ', '\t', softHyphen:
			out = append(out, wordDelim{b.String(), string(c)})
			b.Reset()
		case hardHyphen, nbsp:
			out = append(out, wordDelim{b.String(), ""})
			b.Reset()
		default:
			b.WriteRune(c)
		}
	}
	return append(out, wordDelim{b.String(), ""})
}

func wrapWords(line string, firstLen, followLen int) []string {
	var out []string
	spaceLeft, lineWidth := firstLen, firstLen
	first := true
	var b strings.Builder
	for _, wd := range getWords(line) {
		word := wd.word
		if wd.delim == string(softHyphen) {
			if cells(word)+1 == spaceLeft {
				word += "-"
			}
		} else {
			word += wd.delim
		}
		wordWidth := cells(word)
		if lineWidth == 0 {
			if first {
				first = false
				lineWidth = followLen
			}
			if lineWidth == 0 {
				break
			}
			spaceLeft = lineWidth
		}
		switch {
		case wordWidth > lineWidth:
			for _, c := range word {
				cw := cellWidth(c)
				if cw > lineWidth {
					c, cw = '?', 1
				}
				if cw > spaceLeft {
					out = append(out, b.String())
					b.Reset()
					b.WriteRune(c)
					if first {
						first = false
						lineWidth = followLen
					}
					spaceLeft = lineWidth - cw
				} else {
					b.WriteRune(c)
					spaceLeft -= cw
				}
			}
		case wordWidth > spaceLeft:
			out = append(out, b.String())
			b.Reset()
			b.WriteString(word)
			if first {
				first = false
				lineWidth = followLen
			}
			spaceLeft = lineWidth - wordWidth
		default:
			b.WriteString(word)
			spaceLeft -= wordWidth
		}
	}
	return append(out, b.String())
}
