package ps

import (
	"math"
	"strconv"
	"strings"
)

// singleQuoted scans a single-quoted string at s.pos. Any of the five
// single-quote characters opens and closes it; two in a row stand for the
// second one (Tokenizer.ScanStringLiteral).
func (s *scanner) singleQuoted() (Token, *ParseError) {
	start := s.pos
	s.pos++
	var b strings.Builder
	for {
		c := s.at(s.pos)
		if c == eofRune {
			return Token{}, s.incomplete(start, s.pos, "TerminatorExpectedAtEndOfString", "The string is missing the terminator: '.")
		}
		s.pos++
		if isSingleQuote(c) {
			if !isSingleQuote(s.at(s.pos)) {
				break
			}
			c = s.at(s.pos)
			s.pos++
		}
		b.WriteRune(c)
	}
	return Token{Kind: tkString, Text: s.text(start, s.pos), Value: b.String(), Start: start, End: s.pos}, nil
}

// escapeRune is what `c means in a double-quoted string.
func escapeRune(c rune) rune {
	switch c {
	case '0':
		return 0
	case 'a':
		return 7
	case 'b':
		return 8
	case 'f':
		return 12
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'v':
		return 11
	}
	return c
}

// partsBuilder collects the literal text and $variables of an expandable
// string or bareword.
type partsBuilder struct {
	parts  []strPart
	lit    strings.Builder
	hasVar bool
}

func (p *partsBuilder) text(t string) { p.lit.WriteString(t) }
func (p *partsBuilder) char(c rune)   { p.lit.WriteRune(c) }

func (p *partsBuilder) add(part strPart) {
	if !part.isVar {
		p.text(part.lit)
		return
	}
	p.flush()
	p.parts = append(p.parts, part)
	p.hasVar = true
}

func (p *partsBuilder) flush() {
	if p.lit.Len() > 0 {
		p.parts = append(p.parts, strPart{lit: p.lit.String()})
		p.lit.Reset()
	}
}

// token returns an expandable token over [start, end) of src.
func (p *partsBuilder) token(kind tokKind, src string, start, end int) Token {
	p.flush()
	t := Token{Kind: kind, Text: src, parts: p.parts, Start: start, End: end}
	if !p.hasVar || kind == tkExpand {
		t.Value = joinLiteralParts(p.parts)
	}
	return t
}

// expandChar reads a backtick escape or a $variable at s.pos into p; it
// reports false for any other character.
func (s *scanner) expandChar(p *partsBuilder) (bool, *ParseError) {
	switch c := s.at(s.pos); {
	case c == '`' && s.at(s.pos+1) != eofRune:
		p.char(escapeRune(s.at(s.pos + 1)))
		s.pos += 2
		return true, nil
	case c == '$':
		v, ok, err := s.stringVariable()
		if ok {
			p.add(v)
		}
		return ok, err
	}
	return false, nil
}

// doubleQuoted scans a double-quoted string at s.pos: any of the double
// quotes opens and closes it, two in a row stand for the second.
func (s *scanner) doubleQuoted() (Token, *ParseError) {
	start := s.pos
	s.pos++
	var pb partsBuilder
	for {
		c := s.at(s.pos)
		if c == eofRune {
			return Token{}, s.incomplete(start, s.pos, "TerminatorExpectedAtEndOfString", "The string is missing the terminator: \".")
		}
		if isDoubleQuote(c) {
			s.pos++
			if !isDoubleQuote(s.at(s.pos)) {
				break
			}
			pb.char(s.at(s.pos))
			s.pos++
			continue
		}
		if ok, err := s.expandChar(&pb); err != nil || ok {
			if err != nil {
				return Token{}, err
			}
			continue
		}
		pb.char(c)
		s.pos++
	}
	return pb.token(tkExpand, s.text(start, s.pos), start, s.pos), nil
}

// stringVariable scans $name inside an expandable string. $( is refused: the
// subset expands variables only.
func (s *scanner) stringVariable() (strPart, bool, *ParseError) {
	n := s.at(s.pos + 1)
	switch {
	case n == '(':
		return strPart{}, false, s.errAt(s.pos, s.pos+2, errNotSupported, notSupportedMsg("a $( ) subexpression inside a string"))
	case n == '{' || n == '$' || n == '^' || (n == '?' && !isIdentChar(s.at(s.pos+2))) || isVarStart(n):
		t, err := s.variable()
		if err != nil {
			return strPart{}, false, err
		}
		return strPart{isVar: true, scope: t.scope, name: t.Value.(string)}, true, nil
	}
	return strPart{}, false, nil
}

func joinLiteralParts(parts []strPart) string {
	var b strings.Builder
	for _, p := range parts {
		if p.isVar {
			return ""
		}
		b.WriteString(p.lit)
	}
	return b.String()
}

// hereString scans @'...'@ or @"..."@ at s.pos (the '@').
func (s *scanner) hereString() (Token, *ParseError) {
	start := s.pos
	q := s.at(s.pos + 1)
	single := isSingleQuote(q)
	s.pos += 2
	for isSpace(s.at(s.pos)) {
		s.pos++
	}
	if !isNewline(s.at(s.pos)) {
		if s.at(s.pos) == eofRune {
			return Token{}, s.incomplete(start, s.pos, "TerminatorExpectedAtEndOfString", "The string is missing the terminator: "+string(q)+"@.")
		}
		return Token{}, s.errAt(s.pos, s.pos+1, "UnexpectedCharactersAfterHereStringHeader", "No characters are allowed after a here-string header but before the end of the line.")
	}
	if s.at(s.pos) == '\r' && s.at(s.pos+1) == '\n' {
		s.pos++
	}
	s.pos++
	bodyStart := s.pos
	// The footer is a quote and '@' at the start of a line.
	for {
		if s.pos >= len(s.src) {
			return Token{}, s.incomplete(start, s.pos, "TerminatorExpectedAtEndOfString", "The string is missing the terminator: "+string(q)+"@.")
		}
		c := s.src[s.pos]
		if isNewline(c) {
			nl := s.pos
			j := s.pos + 1
			if c == '\r' && s.at(j) == '\n' {
				j++
			}
			if ((single && isSingleQuote(s.at(j))) || (!single && isDoubleQuote(s.at(j)))) && s.at(j+1) == '@' {
				body := s.src[bodyStart:nl]
				s.pos = j + 2
				return s.hereBody(start, body, single)
			}
			k := j
			for isSpace(s.at(k)) {
				k++
			}
			if k > j && ((single && isSingleQuote(s.at(k))) || (!single && isDoubleQuote(s.at(k)))) && s.at(k+1) == '@' {
				return Token{}, s.errAt(j, k, "WhitespaceBeforeHereStringFooter", "White space is not allowed before the string terminator.")
			}
		}
		// An empty here-string: the footer right after the header line.
		if s.pos == bodyStart && ((single && isSingleQuote(c)) || (!single && isDoubleQuote(c))) && s.at(s.pos+1) == '@' {
			s.pos += 2
			return s.hereBody(start, nil, single)
		}
		s.pos++
	}
}

func (s *scanner) hereBody(start int, body []rune, single bool) (Token, *ParseError) {
	text := strings.ReplaceAll(string(body), "\r\n", "\n")
	if single {
		return Token{Kind: tkString, Text: s.text(start, s.pos), Value: text, Start: start, End: s.pos}, nil
	}
	sub := &scanner{src: []rune(text)}
	var pb partsBuilder
	for sub.pos < len(sub.src) {
		ok, err := sub.expandChar(&pb)
		if err != nil {
			err.Start, err.End = start, s.pos
			return Token{}, err
		}
		if !ok {
			pb.char(sub.src[sub.pos])
			sub.pos++
		}
	}
	return pb.token(tkExpand, s.text(start, s.pos), start, s.pos), nil
}

// parseNumber converts a PowerShell numeric literal: decimal or 0x hex
// integers, reals, an optional l (long) suffix and a kb/mb/gb/tb/pb
// multiplier. Integers that fit are int (Int32), else int64, else float64.
func parseNumber(t string) (any, bool) {
	if t == "" {
		return nil, false
	}
	lower := strings.ToLower(t)
	mult := int64(1)
	for i, suf := range []string{"kb", "mb", "gb", "tb", "pb"} {
		if strings.HasSuffix(lower, suf) {
			mult = int64(1) << (10 * (i + 1))
			lower = lower[:len(lower)-2]
			break
		}
	}
	// An l suffix makes an Int64 ('l' is no hex digit, so 0x1Fl is fine).
	long := strings.HasSuffix(lower, "l")
	if long {
		lower = lower[:len(lower)-1]
	}
	if lower == "" || lower[0] == '+' || lower[0] == '-' && len(lower) == 1 {
		return nil, false
	}
	neg := false
	body := lower
	if body[0] == '-' {
		neg, body = true, body[1:]
	}
	if strings.HasPrefix(body, "0x") {
		h := body[2:]
		if h == "" || len(h) > 16 {
			return nil, false
		}
		u, err := strconv.ParseUint(h, 16, 64)
		if err != nil {
			return nil, false
		}
		var v int64
		if len(h) <= 8 && !long {
			v = int64(int32(uint32(u)))
		} else {
			v = int64(u)
		}
		if neg {
			v = -v
		}
		return intValue(v*mult, long), true
	}
	for _, c := range body {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == '+' || c == '-') {
			return nil, false
		}
	}
	if !strings.ContainsAny(body, ".e") {
		v, err := strconv.ParseInt(body, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(body, 64)
			if ferr != nil || long {
				return nil, false
			}
			if neg {
				f = -f
			}
			return f * float64(mult), true
		}
		if neg {
			v = -v
		}
		if mult > 1 && (v > math.MaxInt64/mult || v < math.MinInt64/mult) {
			return float64(v) * float64(mult), true
		}
		return intValue(v*mult, long), true
	}
	if long || body[0] == 'e' || strings.Count(body, ".") > 1 {
		return nil, false
	}
	f, err := strconv.ParseFloat(body, 64)
	if err != nil {
		return nil, false
	}
	if neg {
		f = -f
	}
	return f * float64(mult), true
}

func intValue(v int64, long bool) any {
	if !long && v >= math.MinInt32 && v <= math.MaxInt32 {
		return int(v)
	}
	return v
}
