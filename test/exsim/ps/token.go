package ps

import (
	"fmt"
	"strings"
	"unicode"
)

// tokKind classifies a token. PowerShell tokenizes differently in
// expression mode and in argument (command) mode, so the scanner is driven
// by the parser, which says which mode it is in.
type tokKind int

const (
	tkEOF tokKind = iota
	tkNewline
	tkSemi
	tkPipe
	tkAmp
	tkComma
	tkLParen
	tkRParen
	tkLBrace
	tkRBrace
	tkLBracket
	tkRBracket
	tkDollarParen // $(
	tkAtParen     // @(
	tkAtBrace     // @{
	tkAssign      // = += -= ...
	tkOp          // + - * / % ! -eq -f ... (text lower-cased)
	tkDot         // .
	tkColonColon  // ::
	tkNumber
	tkString    // a single-quoted (verbatim) string or here-string
	tkExpand    // a double-quoted string or here-string with $var parts
	tkVariable  // $name, $scope:name, ${name}
	tkParameter // -Name or -Name:
	tkGeneric   // a bareword: command name or argument
	tkRedirect  // > >> 2> 2>&1 < (not supported)
	tkSplat     // @name (not supported)
	tkScriptOpen
)

// Token is one token of a script, as TokenizeForTest returns it.
type Token struct {
	Kind tokKind
	// Text is the token's source text.
	Text string
	// Value is the decoded value: the string of a string literal or
	// bareword, the number of a number, the name of a variable or parameter.
	Value any
	// Start and End are rune offsets into the script.
	Start, End int

	parts  []strPart // expandable strings and barewords with $var
	colon  bool      // parameter written -Name:
	scope  string    // variable scope (global, script, local, env, ...)
	quotes int       // quoted pieces joined into a bareword ('a'b)
}

// strPart is a piece of an expandable string: literal text or a variable.
type strPart struct {
	lit   string
	isVar bool
	scope string
	name  string
}

// isDash reports the characters PowerShell treats as '-' (SpecialCharacters.IsDash).
func isDash(c rune) bool { return c == '-' || c == '\u2013' || c == '\u2014' || c == '\u2015' }

// isSingleQuote reports the characters PowerShell treats as "'".
func isSingleQuote(c rune) bool {
	return c == '\'' || c == '\u2018' || c == '\u2019' || c == '\u201a' || c == '\u201b'
}

// isDoubleQuote reports the characters PowerShell treats as '"'.
func isDoubleQuote(c rune) bool { return c == '"' || c == '\u201c' || c == '\u201d' || c == '\u201e' }

func isSpace(c rune) bool {
	return c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\u00a0' || c == '\u0085' ||
		(c > 127 && c != '\u2028' && c != '\u2029' && unicode.IsSpace(c) && c != '\n' && c != '\r')
}

func isNewline(c rune) bool { return c == '\n' || c == '\r' }

func isIdentChar(c rune) bool {
	return c == '_' || c == '?' || unicode.IsLetter(c) || unicode.IsDigit(c)
}

func isVarStart(c rune) bool {
	return c == '_' || c == '?' || unicode.IsLetter(c) || unicode.IsDigit(c)
}

// isArgTerminator reports the characters that end a bareword in argument mode.
func isArgTerminator(c rune) bool {
	switch c {
	case ';', ',', '|', '&', '(', ')', '{', '}', '\n', '\r':
		return true
	}
	return isSpace(c)
}

// scanner reads tokens from a script. Errors are reported as *ParseError.
type scanner struct {
	src []rune
	pos int
}

const eofRune rune = -1

func (s *scanner) at(i int) rune {
	if i < 0 || i >= len(s.src) {
		return eofRune
	}
	return s.src[i]
}

func (s *scanner) text(a, b int) string { return string(s.src[a:b]) }

// skipSpace skips blanks, comments and line continuations (backtick at end
// of line). With newlines set it also skips line breaks.
func (s *scanner) skipSpace(newlines bool) *ParseError {
	for {
		c := s.at(s.pos)
		switch {
		case c == eofRune:
			return nil
		case isSpace(c):
			s.pos++
		case newlines && isNewline(c):
			s.pos++
		case c == '`' && isNewline(s.at(s.pos+1)):
			s.pos += 2
			if s.at(s.pos-1) == '\r' && s.at(s.pos) == '\n' {
				s.pos++
			}
		case c == '#':
			for s.pos < len(s.src) && !isNewline(s.src[s.pos]) {
				s.pos++
			}
		case c == '<' && s.at(s.pos+1) == '#':
			start := s.pos
			s.pos += 2
			for {
				if s.pos >= len(s.src) {
					return s.incomplete(start, start+2, "MissingEndMultiLineComment", "The terminator '#>' is missing from the multiline comment.")
				}
				if s.src[s.pos] == '#' && s.at(s.pos+1) == '>' {
					s.pos += 2
					break
				}
				s.pos++
			}
		default:
			return nil
		}
	}
}

// punct scans the tokens both modes share; ok is false when the character
// does not start one.
func (s *scanner) punct() (Token, bool) {
	start := s.pos
	c := s.at(s.pos)
	one := func(k tokKind) (Token, bool) {
		s.pos++
		return Token{Kind: k, Text: string(c), Start: start, End: s.pos}, true
	}
	switch c {
	case eofRune:
		return Token{Kind: tkEOF, Start: start, End: start}, true
	case '\n':
		return one(tkNewline)
	case '\r':
		s.pos++
		if s.at(s.pos) == '\n' {
			s.pos++
		}
		return Token{Kind: tkNewline, Text: "\n", Start: start, End: s.pos}, true
	case ';':
		return one(tkSemi)
	case '|':
		return one(tkPipe)
	case '&':
		return one(tkAmp)
	case ',':
		return one(tkComma)
	case '(':
		return one(tkLParen)
	case ')':
		return one(tkRParen)
	case '{':
		return one(tkLBrace)
	case '}':
		return one(tkRBrace)
	case '$':
		if s.at(s.pos+1) == '(' {
			s.pos += 2
			return Token{Kind: tkDollarParen, Text: "$(", Start: start, End: s.pos}, true
		}
	case '@':
		switch s.at(s.pos + 1) {
		case '(':
			s.pos += 2
			return Token{Kind: tkAtParen, Text: "@(", Start: start, End: s.pos}, true
		case '{':
			s.pos += 2
			return Token{Kind: tkAtBrace, Text: "@{", Start: start, End: s.pos}, true
		}
	}
	return Token{}, false
}

// redirection scans > >> 2> 2>&1 *> and <, which the subset does not run.
func (s *scanner) redirection() (Token, bool) {
	start := s.pos
	c := s.at(s.pos)
	i := s.pos
	if (c >= '1' && c <= '6' || c == '*') && s.at(i+1) == '>' {
		i++
	} else if c != '>' && c != '<' {
		return Token{}, false
	}
	if s.at(i) == '<' {
		s.pos = i + 1
		return Token{Kind: tkRedirect, Text: "<", Start: start, End: s.pos}, true
	}
	i++
	if s.at(i) == '>' {
		i++
	} else if s.at(i) == '&' && s.at(i+1) >= '1' && s.at(i+1) <= '6' {
		i += 2
	}
	s.pos = i
	return Token{Kind: tkRedirect, Text: s.text(start, i), Start: start, End: i}, true
}

// variable scans $name, $scope:name, ${name}, $$, $?, $^ and $_ at s.pos (the '$').
func (s *scanner) variable() (Token, *ParseError) {
	start := s.pos
	s.pos++
	c := s.at(s.pos)
	if c == '{' {
		s.pos++
		b := strings.Builder{}
		for {
			c := s.at(s.pos)
			if c == eofRune {
				return Token{}, s.incomplete(start, s.pos, "IncompleteDollarVariableReference", "${variable} reference starting is missing the closing '}'.")
			}
			s.pos++
			if c == '}' {
				break
			}
			if c == '`' && s.at(s.pos) != eofRune {
				c = s.at(s.pos)
				s.pos++
			}
			b.WriteRune(c)
		}
		if b.Len() == 0 {
			return Token{}, s.errAt(start, s.pos, "EmptyVariableReference", "An empty ${} variable reference was found. A name is required inside the braces.")
		}
		scope, name := splitScope(b.String())
		return Token{Kind: tkVariable, Text: s.text(start, s.pos), Value: name, scope: scope, Start: start, End: s.pos}, nil
	}
	if c == '$' || c == '^' || c == '?' && !isIdentChar(s.at(s.pos+1)) {
		s.pos++
		return Token{Kind: tkVariable, Text: s.text(start, s.pos), Value: string(c), Start: start, End: s.pos}, nil
	}
	nameStart := s.pos
	for isIdentChar(s.at(s.pos)) {
		s.pos++
	}
	scope := ""
	if s.pos > nameStart && s.at(s.pos) == ':' && s.at(s.pos+1) != ':' {
		scope = s.text(nameStart, s.pos)
		s.pos++
		if !isIdentChar(s.at(s.pos)) {
			return Token{}, s.errAt(start, s.pos, "InvalidVariableReferenceWithDrive",
				"Variable reference is not valid. ':' was not followed by a valid variable name character. Consider using ${} to delimit the name.")
		}
		nameStart = s.pos
		for isIdentChar(s.at(s.pos)) {
			s.pos++
		}
	}
	if s.pos == nameStart {
		return Token{}, s.errAt(start, s.pos, "InvalidVariableReference",
			"Variable reference is not valid. '$' was not followed by a valid variable name character. Consider using ${} to delimit the name.")
	}
	return Token{Kind: tkVariable, Text: s.text(start, s.pos), Value: s.text(nameStart, s.pos), scope: strings.ToLower(scope), Start: start, End: s.pos}, nil
}

func splitScope(n string) (scope, name string) {
	if i := strings.IndexByte(n, ':'); i > 0 {
		return strings.ToLower(n[:i]), n[i+1:]
	}
	return "", n
}

// errAt builds a parse error for the runes [a,b).
func (s *scanner) errAt(a, b int, id, msg string) *ParseError {
	return &ParseError{ErrorID: id, Message: msg, Start: a, End: b}
}

// incomplete builds a parse error caused by the input ending too early
// (PowerShell's IncompleteParseException: reported without a position).
func (s *scanner) incomplete(a, b int, id, msg string) *ParseError {
	e := s.errAt(a, b, id, msg)
	e.Incomplete = true
	return e
}

// String names a token kind for tests and messages.
func (k tokKind) String() string {
	names := map[tokKind]string{
		tkEOF: "EOF", tkNewline: "Newline", tkSemi: "Semicolon", tkPipe: "Pipe", tkAmp: "Ampersand",
		tkComma: "Comma", tkLParen: "LParen", tkRParen: "RParen", tkLBrace: "LBrace", tkRBrace: "RBrace",
		tkLBracket: "LBracket", tkRBracket: "RBracket", tkDollarParen: "DollarParen", tkAtParen: "AtParen",
		tkAtBrace: "AtBrace", tkAssign: "Assign", tkOp: "Operator", tkDot: "Dot", tkColonColon: "ColonColon",
		tkNumber: "Number", tkString: "String", tkExpand: "ExpandableString", tkVariable: "Variable",
		tkParameter: "Parameter", tkGeneric: "Generic", tkRedirect: "Redirection", tkSplat: "Splat",
	}
	if n, ok := names[k]; ok {
		return n
	}
	return fmt.Sprintf("tokKind(%d)", int(k))
}

// KindName returns the token's kind: String, ExpandableString, Generic
// (a bareword), Parameter, Number, Variable, Comma, Newline ...
func (t Token) KindName() string { return t.Kind.String() }

// TokenizeForTest tokenizes src the way exsim reads the arguments of a
// command (argument mode), up to the end of the text. It exists for tests,
// including the client's quoting tests: a value quoted for PowerShell must
// come back as exactly one String token holding the value.
func TokenizeForTest(src string) ([]Token, error) {
	s := &scanner{src: []rune(src)}
	var out []Token
	for {
		t, err := s.scanArg()
		if err != nil {
			return out, err
		}
		if t.Kind == tkEOF {
			return out, nil
		}
		out = append(out, t)
	}
}

// ParseStringLiteral returns the value of src, which must be exactly one
// PowerShell string literal: single-quoted (with ” and the curly single
// quotes U+2018..U+201B doubled), a verbatim here-string, or a double-quoted
// string without variables. Anything else is an error, so a quoting
// function can be checked for round trips: ParseStringLiteral(quote(v)) == v.
func ParseStringLiteral(src string) (string, error) {
	s := &scanner{src: []rune(src)}
	var t Token
	var perr *ParseError
	switch c := s.at(0); {
	case isSingleQuote(c):
		t, perr = s.singleQuoted()
	case isDoubleQuote(c):
		t, perr = s.doubleQuoted()
	case c == '@':
		t, perr = s.hereString()
	default:
		return "", fmt.Errorf("not a string literal: %q", src)
	}
	if perr != nil {
		return "", perr
	}
	if s.pos != len(s.src) {
		return "", fmt.Errorf("text after the string literal at offset %d: %q", s.pos, string(s.src[s.pos:]))
	}
	if t.Kind == tkExpand {
		for _, p := range t.parts {
			if p.isVar {
				return "", fmt.Errorf("the string expands the variable $%s", p.name)
			}
		}
	}
	v, _ := t.Value.(string)
	return v, nil
}
