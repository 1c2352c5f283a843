package ps

import (
	"strings"
)

// parser builds the AST of a script. It stops at the first error: the
// script does not run when it has one, as in PowerShell.
type parser struct {
	s *scanner
}

// parseScript parses a whole script.
func parseScript(text string) (*script, *ParseError) {
	p := &parser{s: &scanner{src: []rune(text)}}
	stmts, err := p.statements(tkEOF)
	if err != nil {
		return nil, err
	}
	return &script{src: p.s.src, stmts: stmts}, nil
}

// peekExpr returns the next expression-mode token without consuming it.
func (p *parser) peekExpr(newlines bool) (Token, *ParseError) {
	save := p.s.pos
	t, err := p.s.scanExpr(newlines)
	p.s.pos = save
	return t, err
}

func (p *parser) nextExpr(newlines bool) (Token, *ParseError) { return p.s.scanExpr(newlines) }

func (p *parser) unexpected(t Token) *ParseError {
	text := t.Text
	if t.Kind == tkNewline {
		text = "\n"
	}
	return &ParseError{ErrorID: "UnexpectedToken", Message: "Unexpected token '" + text + "' in expression or statement.", Start: t.Start, End: t.End}
}

func isStatementEnd(k tokKind) bool {
	return k == tkEOF || k == tkNewline || k == tkSemi || k == tkRParen || k == tkRBrace
}

// statements parses statements up to (not including) the closing token.
func (p *parser) statements(closer tokKind) ([]node, *ParseError) {
	var out []node
	for {
		t, err := p.peekExpr(true)
		if err != nil {
			return nil, err
		}
		switch t.Kind {
		case tkSemi:
			p.nextExpr(true)
			continue
		case tkEOF, tkRParen, tkRBrace:
			if t.Kind != closer {
				if t.Kind == tkEOF {
					return out, nil // the caller reports the missing closer
				}
				return nil, p.unexpected(t)
			}
			return out, nil
		}
		// Blank lines and comment lines before a statement: the peek above
		// skipped them, the statement starts after them.
		if err := p.s.skipSpace(true); err != nil {
			return nil, err
		}
		st, err := p.statement()
		if err != nil {
			return nil, err
		}
		out = append(out, st)
		t, err = p.peekExpr(false)
		if err != nil {
			return nil, err
		}
		switch t.Kind {
		case tkNewline, tkSemi:
			p.nextExpr(false)
		case tkEOF, tkRParen, tkRBrace:
		case tkAmp:
			if p.s.at(t.Start+1) == '&' {
				return nil, &ParseError{ErrorID: "InvalidEndOfLine", Message: "The token '&&' is not a valid statement separator in this version.", Start: t.Start, End: t.Start + 2}
			}
			return nil, ampersandError(t)
		case tkPipe:
			if p.s.at(t.Start+1) == '|' {
				return nil, &ParseError{ErrorID: "InvalidEndOfLine", Message: "The token '||' is not a valid statement separator in this version.", Start: t.Start, End: t.Start + 2}
			}
			return nil, p.unexpected(t)
		default:
			return nil, p.unexpected(t)
		}
	}
}

func ampersandError(t Token) *ParseError {
	return &ParseError{ErrorID: "AmpersandNotAllowed", Message: `The ampersand (&) character is not allowed. The & operator is reserved for future use; wrap an ampersand in double quotation marks ("&") to pass it as part of a string.`, Start: t.Start, End: t.End}
}

var unsupportedKeywords = map[string]bool{
	"if": true, "elseif": true, "else": true, "switch": true, "foreach": true, "for": true, "while": true,
	"do": true, "until": true, "function": true, "filter": true, "workflow": true, "param": true,
	"begin": true, "process": true, "end": true, "try": true, "catch": true, "finally": true,
	"trap": true, "return": true, "break": true, "continue": true, "class": true, "enum": true,
	"using": true, "data": true, "dynamicparam": true, "configuration": true, "inlinescript": true,
	"parallel": true, "sequence": true,
}

// statement parses one statement at the current position.
func (p *parser) statement() (node, *ParseError) {
	if err := p.s.skipSpace(false); err != nil {
		return nil, err
	}
	start := p.s.pos
	c := p.s.at(start)
	if isCommandStart(c, p.s.at(start+1)) {
		save := p.s.pos
		t, err := p.s.generic(false)
		if err != nil {
			return nil, err
		}
		kw := strings.ToLower(t.Text)
		if t.quotes == 0 {
			switch {
			case kw == "exit" || kw == "throw":
				return p.exitOrThrow(kw, t)
			case kw == "try":
				return p.tryStatement(t)
			case kw == "define" || kw == "from" || kw == "var":
				return nil, &ParseError{ErrorID: "ReservedKeywordNotAllowed", Message: "The '" + kw + "' keyword is not supported in this version of the language.", Start: t.Start, End: t.End}
			case unsupportedKeywords[kw]:
				return nil, &ParseError{ErrorID: errNotSupported, Message: keywordNotSupported(kw), Start: t.Start, End: t.End}
			}
		}
		p.s.pos = save
		return p.pipeline(nil)
	}
	if c == '&' {
		return p.pipeline(nil)
	}
	if c == '.' && (isSpace(p.s.at(start+1)) || p.s.at(start+1) == '$' || isSingleQuote(p.s.at(start+1)) || isDoubleQuote(p.s.at(start+1))) {
		return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("dot-sourcing"), Start: start, End: start + 1}
	}
	x, err := p.expression()
	if err != nil {
		return nil, err
	}
	t, err := p.peekExpr(false)
	if err != nil {
		return nil, err
	}
	if t.Kind == tkAssign {
		return p.assignment(x, t)
	}
	return p.pipeline(x)
}

// isCommandStart reports whether a statement starting with c (then n) is a
// command name rather than an expression.
func isCommandStart(c, n rune) bool {
	switch {
	case c == eofRune, c == '$', c == '@', c == '(', c == '[', c == '{', c == '&', c == ',',
		isSingleQuote(c), isDoubleQuote(c), unicodeDigit(c), isNewline(c):
		return false
	case c == '.':
		return !unicodeDigit(n) && !isSpace(n) && n != '$' && !isSingleQuote(n) && !isDoubleQuote(n)
	case isDash(c):
		return !unicodeDigit(n) && n != '.'
	case c == '+' || c == '!' || c == '*' || c == '/' || c == '%' || c == '=' || c == ')' || c == '}' || c == ']' || c == ';' || c == '|' || c == '>' || c == '<':
		return false
	}
	return true
}

func (p *parser) exitOrThrow(kw string, t Token) (node, *ParseError) {
	n, err := p.peekExpr(false)
	if err != nil {
		return nil, err
	}
	var value node
	end := t.End
	if !isStatementEnd(n.Kind) && n.Kind != tkPipe {
		v, err := p.statement()
		if err != nil {
			return nil, err
		}
		value, end = v, v.ext().end
	}
	if kw == "exit" {
		return &exitStmt{extent: extent{t.Start, end}, value: value}, nil
	}
	return &throwStmt{extent: extent{t.Start, end}, value: value}, nil
}

func (p *parser) assignment(target node, op Token) (node, *ParseError) {
	switch x := target.(type) {
	case *varExpr, *memberExpr, *indexExpr:
	case *parenExpr:
		_ = x
		return nil, &ParseError{ErrorID: "InvalidLeftHandSide", Message: "The assignment expression is not valid. The input to an assignment operator must be an object that is able to accept assignments, such as a variable or a property.", Start: target.ext().start, End: target.ext().end}
	default:
		return nil, &ParseError{ErrorID: "InvalidLeftHandSide", Message: "The assignment expression is not valid. The input to an assignment operator must be an object that is able to accept assignments, such as a variable or a property.", Start: target.ext().start, End: target.ext().end}
	}
	if op.Text != "=" && op.Text != "+=" {
		return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("the '" + op.Text + "' operator"), Start: op.Start, End: op.End}
	}
	p.nextExpr(false)
	n, err := p.peekExpr(true)
	if err != nil {
		return nil, err
	}
	if isStatementEnd(n.Kind) {
		return nil, &ParseError{ErrorID: "ExpectedValueExpression", Message: "You must provide a value expression following the '" + op.Text + "' operator.", Start: op.End, End: op.End, Incomplete: n.Kind == tkEOF}
	}
	if err := p.s.skipSpace(true); err != nil {
		return nil, err
	}
	value, err := p.statement()
	if err != nil {
		return nil, err
	}
	return &assignment{extent: extent{target.ext().start, value.ext().end}, target: target, op: op.Text, value: value}, nil
}

// pipeline parses a pipeline whose first element is first (an expression
// already parsed) or, when first is nil, a command at the current position.
func (p *parser) pipeline(first node) (node, *ParseError) {
	var elems []node
	start := p.s.pos
	if first != nil {
		elems = append(elems, first)
		start = first.ext().start
	} else {
		c, err := p.command()
		if err != nil {
			return nil, err
		}
		elems = append(elems, c)
		start = c.start
	}
	for {
		t, err := p.peekExpr(false)
		if err != nil {
			return nil, err
		}
		if t.Kind != tkPipe || p.s.at(t.Start+1) == '|' {
			break
		}
		p.nextExpr(false)
		if err := p.s.skipSpace(true); err != nil {
			return nil, err
		}
		n := p.s.at(p.s.pos)
		if n == '|' || n == eofRune || n == ';' || n == ')' || n == '}' {
			return nil, &ParseError{ErrorID: "EmptyPipeElement", Message: "An empty pipe element is not allowed.", Start: t.Start, End: t.End, Incomplete: n == eofRune}
		}
		if !isCommandStart(n, p.s.at(p.s.pos+1)) && n != '&' {
			x, err := p.expression()
			if err != nil {
				return nil, err
			}
			return nil, &ParseError{ErrorID: "ExpressionsMustBeFirstInPipeline", Message: "Expressions are only allowed as the first element of a pipeline.", Start: x.ext().start, End: x.ext().end}
		}
		c, err := p.command()
		if err != nil {
			return nil, err
		}
		elems = append(elems, c)
	}
	return &pipeline{extent: extent{start, elems[len(elems)-1].ext().end}, elems: elems}, nil
}

// tryStatement parses try { } followed by catch { } blocks and/or a
// finally { } block (the TryStatementRule of PowerShell's parser: newlines
// may separate the blocks).
func (p *parser) tryStatement(kw Token) (node, *ParseError) {
	body, bodyExt, err := p.statementBlock(kw, "MissingTryStatementBlock", "The Try statement is missing its statement block.")
	if err != nil {
		return nil, err
	}
	st := &tryStmt{extent: extent{kw.Start, bodyExt.end}, body: body}
	for {
		save := p.s.pos
		if err := p.s.skipSpace(true); err != nil {
			return nil, err
		}
		next := p.s.pos
		word := ""
		if isCommandStart(p.s.at(next), p.s.at(next+1)) {
			t, err := p.s.generic(false)
			if err != nil {
				return nil, err
			}
			if t.quotes == 0 {
				word = strings.ToLower(t.Text)
			}
			if word == "catch" || word == "finally" {
				kw = t
			}
		}
		switch {
		case word == "catch" && !st.hasFinally:
			if err := p.s.skipSpace(false); err != nil {
				return nil, err
			}
			if p.s.at(p.s.pos) == '[' {
				return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("a catch block with exception types"), Start: p.s.pos, End: p.s.pos + 1}
			}
			cb, cext, err := p.statementBlock(kw, "MissingCatchHandlerBlock", "The Catch block is missing its statement block.")
			if err != nil {
				return nil, err
			}
			st.catches = append(st.catches, catchClause{extent: extent{kw.Start, cext.end}, body: cb})
			st.end = cext.end
			continue
		case word == "finally" && !st.hasFinally:
			fb, fext, err := p.statementBlock(kw, "MissingFinallyStatementBlock", "The Finally block is missing its statement block.")
			if err != nil {
				return nil, err
			}
			st.finally, st.hasFinally, st.end = fb, true, fext.end
			continue
		}
		p.s.pos = save
		if len(st.catches) == 0 && !st.hasFinally {
			return nil, &ParseError{ErrorID: "MissingCatchOrFinally", Message: "The Try statement is missing its Catch or Finally block.",
				Start: bodyExt.end, End: bodyExt.end, Incomplete: p.s.at(next) == eofRune}
		}
		return st, nil
	}
}

// statementBlock parses { statements } after the keyword kw; id and msg
// report a missing opening brace.
func (p *parser) statementBlock(kw Token, id, msg string) ([]node, extent, *ParseError) {
	open, err := p.peekExpr(true)
	if err != nil {
		return nil, extent{}, err
	}
	if open.Kind != tkLBrace {
		return nil, extent{}, &ParseError{ErrorID: id, Message: msg, Start: kw.End, End: kw.End, Incomplete: open.Kind == tkEOF}
	}
	p.nextExpr(true)
	body, err := p.statements(tkRBrace)
	if err != nil {
		return nil, extent{}, err
	}
	closeTok, err := p.nextExpr(true)
	if err != nil {
		return nil, extent{}, err
	}
	if closeTok.Kind != tkRBrace {
		return nil, extent{}, p.s.incomplete(open.Start, open.End, "MissingEndCurlyBrace", "Missing closing '}' in statement block or type definition.")
	}
	return body, extent{open.Start, closeTok.End}, nil
}
