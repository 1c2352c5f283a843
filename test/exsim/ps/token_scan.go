package ps

import (
	"strings"
	"unicode"
)

// shared scans the tokens both modes read alike: punctuation, variables,
// here-strings and @splats; ok is false for anything else.
func (s *scanner) shared() (Token, bool, *ParseError) {
	if t, ok := s.punct(); ok {
		return t, true, nil
	}
	switch c, n := s.at(s.pos), s.at(s.pos+1); {
	case c == '$':
		t, err := s.variable()
		return t, true, err
	case c == '@' && (isSingleQuote(n) || isDoubleQuote(n)):
		t, err := s.hereString()
		return t, true, err
	case c == '@' && isIdentChar(n):
		t, err := s.variable()
		t.Kind = tkSplat
		return t, true, err
	}
	return Token{}, false, nil
}

// scanExpr scans one token in expression mode (after skipping blanks and,
// when newlines is set, line breaks).
func (s *scanner) scanExpr(newlines bool) (Token, *ParseError) {
	if err := s.skipSpace(newlines); err != nil {
		return Token{}, err
	}
	if t, ok, err := s.shared(); ok || err != nil {
		return t, err
	}
	start := s.pos
	c := s.at(s.pos)
	switch {
	case c == '@':
		s.pos++
		return Token{Kind: tkOp, Text: "@", Start: start, End: s.pos}, nil
	case isSingleQuote(c):
		return s.singleQuoted()
	case isDoubleQuote(c):
		return s.doubleQuoted()
	case c == '[':
		s.pos++
		return Token{Kind: tkLBracket, Text: "[", Start: start, End: s.pos}, nil
	case c == ']':
		s.pos++
		return Token{Kind: tkRBracket, Text: "]", Start: start, End: s.pos}, nil
	case c == ':' && s.at(s.pos+1) == ':':
		s.pos += 2
		return Token{Kind: tkColonColon, Text: "::", Start: start, End: s.pos}, nil
	case c == '.' && !unicodeDigit(s.at(s.pos+1)):
		s.pos++
		if s.at(s.pos) == '.' {
			s.pos++
			return Token{Kind: tkOp, Text: "..", Start: start, End: s.pos}, nil
		}
		return Token{Kind: tkDot, Text: ".", Start: start, End: s.pos}, nil
	case unicodeDigit(c) || c == '.':
		if t, ok := s.number(); ok {
			return t, nil
		}
	case isDash(c):
		n := s.at(s.pos + 1)
		s.pos++
		switch {
		case n == '=' || isDash(n):
			s.pos++
			kind := tkOp
			if n == '=' {
				kind = tkAssign
			}
			return Token{Kind: kind, Text: "-" + string(n), Start: start, End: s.pos}, nil
		case unicode.IsLetter(n):
			for unicode.IsLetter(s.at(s.pos)) {
				s.pos++
			}
			return Token{Kind: tkOp, Text: "-" + strings.ToLower(s.text(start+1, s.pos)), Start: start, End: s.pos}, nil
		}
		return Token{Kind: tkOp, Text: "-", Start: start, End: s.pos}, nil
	case c == '+' || c == '*' || c == '/' || c == '%':
		s.pos++
		if s.at(s.pos) == '=' {
			s.pos++
			return Token{Kind: tkAssign, Text: s.text(start, s.pos), Start: start, End: s.pos}, nil
		}
		if c == '+' && s.at(s.pos) == '+' {
			s.pos++
		}
		return Token{Kind: tkOp, Text: s.text(start, s.pos), Start: start, End: s.pos}, nil
	case c == '=':
		s.pos++
		return Token{Kind: tkAssign, Text: "=", Start: start, End: s.pos}, nil
	case c == '!':
		s.pos++
		return Token{Kind: tkOp, Text: "!", Start: start, End: s.pos}, nil
	case c == '>' || c == '<' || (c >= '1' && c <= '6' || c == '*') && s.at(s.pos+1) == '>':
		t, _ := s.redirection()
		return t, nil
	}
	return s.generic(true)
}

func unicodeDigit(c rune) bool { return c >= '0' && c <= '9' }

// number scans a numeric literal in expression mode; it must be followed by
// a character that can end a token, else it is not a number (7zip).
func (s *scanner) number() (Token, bool) {
	start := s.pos
	i := s.pos
	for {
		c := s.at(i)
		if c == eofRune || !(unicode.IsLetter(c) || unicodeDigit(c) || c == '.' ||
			(c == '+' || c == '-') && i > start && (s.at(i-1) == 'e' || s.at(i-1) == 'E')) {
			break
		}
		if c == '.' && s.at(i+1) == '.' {
			break
		}
		i++
	}
	v, ok := parseNumber(s.text(start, i))
	if !ok {
		return Token{}, false
	}
	s.pos = i
	return Token{Kind: tkNumber, Text: s.text(start, i), Value: v, Start: start, End: i}, true
}

// scanArg scans one command argument in argument mode.
func (s *scanner) scanArg() (Token, *ParseError) {
	if err := s.skipSpace(false); err != nil {
		return Token{}, err
	}
	if t, ok, err := s.shared(); ok || err != nil {
		return t, err
	}
	start := s.pos
	c := s.at(s.pos)
	switch {
	case isSingleQuote(c), isDoubleQuote(c):
		t, err := s.quoted()
		if err != nil || isArgTerminator(s.at(s.pos)) || s.at(s.pos) == eofRune {
			return t, err
		}
		s.pos = start // 'a'b: one bareword joining the quoted piece
		return s.generic(false)
	case isDash(c):
		if t, ok := s.parameter(); ok {
			return t, nil
		}
	case c == '>' || c == '<' || (c >= '1' && c <= '6' || c == '*') && s.at(s.pos+1) == '>':
		t, _ := s.redirection()
		return t, nil
	}
	t, err := s.generic(false)
	if err != nil {
		return t, err
	}
	if len(t.parts) == 1 && !t.parts[0].isVar && t.quotes == 0 && t.parts[0].lit == t.Text {
		if v, ok := parseNumber(t.Text); ok {
			return Token{Kind: tkNumber, Text: t.Text, Value: v, Start: start, End: t.End}, nil
		}
	}
	return t, nil
}

// parameter scans -Name or -Name: at s.pos. A dash that is not followed by
// a name, or a name that runs into characters a parameter cannot contain
// (-a.b), is a bareword instead.
func (s *scanner) parameter() (Token, bool) {
	start := s.pos
	i := s.pos + 1
	c := s.at(i)
	if !(unicode.IsLetter(c) || c == '_' || c == '?') {
		return Token{}, false
	}
	for isIdentChar(s.at(i)) || isDash(s.at(i)) {
		i++
	}
	colon := false
	end := i
	if s.at(i) == ':' {
		colon = true
		i++
	} else if !isArgTerminator(s.at(i)) && s.at(i) != eofRune {
		return Token{}, false
	}
	s.pos = i
	return Token{Kind: tkParameter, Text: s.text(start, i), Value: s.text(start+1, end), colon: colon, Start: start, End: i}, true
}

// generic scans a bareword: a command name or an argument such as
// canoe.com, 191.121.0.200:26 or add*. Quoted pieces and $variables inside
// it are joined, backticks escape the next character.
func (s *scanner) generic(exprMode bool) (Token, *ParseError) {
	start := s.pos
	var pb partsBuilder
	quotes := 0
	for {
		c := s.at(s.pos)
		if c == eofRune || isArgTerminator(c) || c == '>' || c == '<' && s.pos > start {
			break
		}
		if exprMode && (c == '=' || c == '[' && s.pos == start || c == ']') {
			break
		}
		switch {
		case c == '`':
			if n := s.at(s.pos + 1); n != eofRune && !isNewline(n) {
				pb.char(n)
				s.pos += 2
				continue
			}
			s.pos++
			continue
		case isSingleQuote(c), isDoubleQuote(c):
			t, err := s.quoted()
			if err != nil {
				return Token{}, err
			}
			if t.Kind == tkString {
				t.parts = []strPart{{lit: t.Value.(string)}}
			}
			for _, p := range t.parts {
				pb.add(p)
			}
			quotes++
			continue
		case c == '$' && s.pos > start:
			v, ok, err := s.stringVariable()
			if err != nil {
				return Token{}, err
			}
			if ok {
				pb.add(v)
				continue
			}
		}
		pb.char(c)
		s.pos++
	}
	if s.pos == start && s.at(s.pos) != eofRune {
		// A character no token starts with: take it alone, so that the
		// parser reports it instead of looping.
		pb.char(s.at(s.pos))
		s.pos++
	}
	t := pb.token(tkGeneric, s.text(start, s.pos), start, s.pos)
	t.quotes = quotes
	return t, nil
}

// quoted scans the single- or double-quoted string at s.pos.
func (s *scanner) quoted() (Token, *ParseError) {
	if isSingleQuote(s.at(s.pos)) {
		return s.singleQuoted()
	}
	return s.doubleQuoted()
}
