package ps

import "fmt"

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
// PowerShell string literal: single-quoted (with '' and the curly single
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
