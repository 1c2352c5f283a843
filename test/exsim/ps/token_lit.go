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

// expandParts scans the body of an expandable string up to a closing quote
// (double-quoted) or to end (here-string body given as a slice).
func (s *scanner) doubleQuoted() (Token, *ParseError) {
	start := s.pos
	s.pos++
	var parts []strPart
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			parts = append(parts, strPart{lit: b.String()})
			b.Reset()
		}
	}
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
			b.WriteRune(s.at(s.pos))
			s.pos++
			continue
		}
		if c == '`' && s.at(s.pos+1) != eofRune {
			b.WriteRune(escapeRune(s.at(s.pos + 1)))
			s.pos += 2
			continue
		}
		if c == '$' {
			p, handled, err := s.stringVariable()
			if err != nil {
				return Token{}, err
			}
			if handled {
				flush()
				parts = append(parts, p)
				continue
			}
		}
		b.WriteRune(c)
		s.pos++
	}
	flush()
	return Token{Kind: tkExpand, Text: s.text(start, s.pos), parts: parts, Value: joinLiteralParts(parts), Start: start, End: s.pos}, nil
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
	var parts []strPart
	var b strings.Builder
	for sub.pos < len(sub.src) {
		c := sub.src[sub.pos]
		if c == '`' && sub.at(sub.pos+1) != eofRune {
			b.WriteRune(escapeRune(sub.at(sub.pos + 1)))
			sub.pos += 2
			continue
		}
		if c == '$' {
			p, ok, err := sub.stringVariable()
			if err != nil {
				err.Start, err.End = start, s.pos
				return Token{}, err
			}
			if ok {
				if b.Len() > 0 {
					parts = append(parts, strPart{lit: b.String()})
					b.Reset()
				}
				parts = append(parts, p)
				continue
			}
		}
		b.WriteRune(c)
		sub.pos++
	}
	if b.Len() > 0 {
		parts = append(parts, strPart{lit: b.String()})
	}
	return Token{Kind: tkExpand, Text: s.text(start, s.pos), parts: parts, Value: joinLiteralParts(parts), Start: start, End: s.pos}, nil
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
	long := false
	if strings.HasSuffix(lower, "l") && !strings.HasPrefix(lower, "0x") || strings.HasPrefix(lower, "0x") && strings.HasSuffix(lower, "l") {
		long = true
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
