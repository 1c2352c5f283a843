package ps

import (
	"strings"
)

// expression parses an expression in expression mode: additive over comma
// lists over unary over postfix (PowerShell's ',' binds tighter than '+').
func (p *parser) expression() (node, *ParseError) { return p.additive(p.arrayLiteral) }

// binaryNoComma parses an expression in which ',' separates (method arguments).
func (p *parser) binaryNoComma() (node, *ParseError) { return p.additive(p.unary) }

// additive parses operand ('+' operand)*; '+' is the only binary operator
// of the subset, the others are refused by name.
func (p *parser) additive(operand func() (node, *ParseError)) (node, *ParseError) {
	left, err := operand()
	if err != nil {
		return nil, err
	}
	for {
		t, err := p.peekExpr(false)
		if err != nil {
			return nil, err
		}
		if t.Kind == tkRedirect {
			return nil, redirectionError(t)
		}
		if t.Kind != tkOp || t.Text == "!" || t.Text == "@" {
			return left, nil
		}
		if t.Text != "+" {
			return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("the '" + t.Text + "' operator"), Start: t.Start, End: t.End}
		}
		p.nextExpr(false)
		n, err := p.peekExpr(true)
		if err != nil {
			return nil, err
		}
		if !startsValue(n) {
			return nil, &ParseError{ErrorID: "ExpectedValueExpression", Message: "You must provide a value expression following the '+' operator.", Start: t.End, End: t.End, Incomplete: n.Kind == tkEOF}
		}
		if err := p.s.skipSpace(true); err != nil {
			return nil, err
		}
		right, err := operand()
		if err != nil {
			return nil, err
		}
		left = &binaryExpr{extent: extent{left.ext().start, right.ext().end}, op: "+", left: left, right: right}
	}
}

// redirectionError refuses > >> 2>&1 ... and reports '<' as PowerShell does.
func redirectionError(t Token) *ParseError {
	if t.Text == "<" {
		return &ParseError{ErrorID: "RedirectionNotSupported", Message: "The '<' operator is reserved for future use.", Start: t.Start, End: t.End}
	}
	return &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("redirection ('" + t.Text + "')"), Start: t.Start, End: t.End}
}

// startsValue reports whether a token can start a value expression.
func startsValue(t Token) bool {
	switch t.Kind {
	case tkNumber, tkString, tkExpand, tkVariable, tkLParen, tkDollarParen, tkAtParen, tkAtBrace, tkLBracket, tkLBrace:
		return true
	case tkOp:
		return t.Text == "-" || t.Text == "!" || strings.HasPrefix(t.Text, "-")
	}
	return false
}

func (p *parser) arrayLiteral() (node, *ParseError) {
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	items := []node{first}
	for {
		t, err := p.peekExpr(false)
		if err != nil {
			return nil, err
		}
		if t.Kind != tkComma {
			break
		}
		p.nextExpr(false)
		n, err := p.peekExpr(true)
		if err != nil {
			return nil, err
		}
		if !startsValue(n) {
			return nil, &ParseError{ErrorID: "MissingExpressionAfterToken", Message: "Missing expression after ','.", Start: t.End, End: t.End, Incomplete: n.Kind == tkEOF}
		}
		if err := p.s.skipSpace(true); err != nil {
			return nil, err
		}
		v, err := p.unary()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
	if len(items) == 1 {
		return first, nil
	}
	return &arrayExpr{extent: extent{first.ext().start, items[len(items)-1].ext().end}, items: items}, nil
}

func (p *parser) unary() (node, *ParseError) {
	t, err := p.peekExpr(false)
	if err != nil {
		return nil, err
	}
	if t.Kind == tkOp && t.Text == "-" {
		p.nextExpr(false)
		n, err := p.peekExpr(false)
		if err != nil {
			return nil, err
		}
		if !startsValue(n) {
			return nil, &ParseError{ErrorID: "MissingExpressionAfterOperator", Message: "Missing expression after unary operator '-'.", Start: t.Start, End: t.End}
		}
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &unaryExpr{extent: extent{t.Start, x.ext().end}, op: "-", x: x}, nil
	}
	if t.Kind == tkComma {
		// The unary comma: ,$b is an array holding $b (how PowerShell 2.0
		// scripts pass a byte[] as one constructor argument).
		p.nextExpr(false)
		n, err := p.peekExpr(false)
		if err != nil {
			return nil, err
		}
		if !startsValue(n) {
			return nil, &ParseError{ErrorID: "MissingExpressionAfterOperator", Message: "Missing expression after unary operator ','.", Start: t.Start, End: t.End, Incomplete: n.Kind == tkEOF}
		}
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &arrayExpr{extent: extent{t.Start, x.ext().end}, items: []node{x}}, nil
	}
	if t.Kind == tkOp && (t.Text == "!" || t.Text == "++" || t.Text == "--" || strings.HasPrefix(t.Text, "-")) {
		return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("the '" + t.Text + "' operator"), Start: t.Start, End: t.End}
	}
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	return p.postfix(x, true)
}

// primary parses a primary expression in expression mode.
func (p *parser) primary() (node, *ParseError) {
	t, err := p.nextExpr(false)
	if err != nil {
		return nil, err
	}
	ext := extent{t.Start, t.End}
	switch t.Kind {
	case tkNumber, tkString:
		return &constExpr{extent: ext, v: t.Value}, nil
	case tkExpand:
		return literalOrExpand(t), nil
	case tkVariable:
		return &varExpr{extent: ext, scope: t.scope, name: t.Value.(string)}, nil
	case tkLParen:
		if err := p.s.skipSpace(true); err != nil {
			return nil, err
		}
		if c := p.s.at(p.s.pos); c == ')' || c == eofRune {
			if c == eofRune {
				return nil, p.s.incomplete(t.Start, t.End, "MissingEndParenthesisInExpression", "Missing closing ')' in expression.")
			}
			return nil, &ParseError{ErrorID: "ExpectedExpression", Message: "An expression was expected after '('.", Start: t.End, End: t.End}
		}
		body, err := p.statement()
		if err != nil {
			return nil, err
		}
		closeTok, err := p.nextExpr(true)
		if err != nil {
			return nil, err
		}
		if closeTok.Kind != tkRParen {
			if closeTok.Kind == tkEOF {
				return nil, p.s.incomplete(closeTok.Start, closeTok.End, "MissingEndParenthesisInExpression", "Missing closing ')' in expression.")
			}
			return nil, &ParseError{ErrorID: "MissingEndParenthesisInExpression", Message: "Missing closing ')' in expression.", Start: closeTok.Start, End: closeTok.Start}
		}
		return &parenExpr{extent: extent{t.Start, closeTok.End}, body: body}, nil
	case tkDollarParen, tkAtParen:
		body, err := p.statements(tkRParen)
		if err != nil {
			return nil, err
		}
		closeTok, err := p.nextExpr(true)
		if err != nil {
			return nil, err
		}
		if closeTok.Kind != tkRParen {
			return nil, p.s.incomplete(closeTok.Start, closeTok.End, "MissingEndParenthesisInSubexpression", "Missing closing ')' in subexpression.")
		}
		ext = extent{t.Start, closeTok.End}
		if t.Kind == tkAtParen {
			return &arraySubExpr{extent: ext, body: body}, nil
		}
		return &subExpr{extent: ext, body: body}, nil
	case tkAtBrace:
		return p.hashLiteral(t)
	case tkLBracket:
		return p.typeLiteral(t)
	case tkLBrace:
		return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("a script block literal ({ })"), Start: t.Start, End: t.End}
	case tkSplat:
		return nil, &ParseError{ErrorID: "SplattingNotPermitted", Message: "The splatting operator '@' cannot be used to reference variables in an expression. '@" + t.Value.(string) + "' can be used only as an argument to a command. To reference variables in an expression use '$" + t.Value.(string) + "'.", Start: t.Start, End: t.End}
	case tkEOF:
		return nil, p.s.incomplete(t.Start, t.End, "ExpectedExpression", "An expression was expected.")
	}
	return nil, p.unexpected(t)
}

// typeLiteral parses [Type] after the '['; only [Type]::Member is in the subset.
func (p *parser) typeLiteral(open Token) (node, *ParseError) {
	start := p.s.pos
	depth := 1
	for {
		c := p.s.at(p.s.pos)
		if c == eofRune || isNewline(c) {
			return nil, p.s.incomplete(open.Start, p.s.pos, "EndSquareBracketExpectedAtEndOfAttribute", "Missing ] at end of attribute or type literal.")
		}
		if c == '[' {
			depth++
		} else if c == ']' {
			depth--
			if depth == 0 {
				break
			}
		}
		p.s.pos++
	}
	name := strings.TrimSpace(p.s.text(start, p.s.pos))
	p.s.pos++
	ext := extent{open.Start, p.s.pos}
	if name == "" {
		return nil, &ParseError{ErrorID: "MissingTypename", Message: "Missing type name after '['.", Start: open.End, End: open.End}
	}
	if p.s.at(p.s.pos) == ':' && p.s.at(p.s.pos+1) == ':' {
		return &typeExpr{extent: ext, name: name}, nil
	}
	return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("the type literal or cast [" + name + "]"), Start: ext.start, End: ext.end}
}

// hashLiteral parses @{ key = statement; ... } after the '@{'.
func (p *parser) hashLiteral(open Token) (node, *ParseError) {
	h := &hashExpr{}
	seen := map[string]bool{}
	for {
		if err := p.s.skipSpace(true); err != nil {
			return nil, err
		}
		c := p.s.at(p.s.pos)
		if c == ';' {
			p.s.pos++
			continue
		}
		if c == '}' {
			p.s.pos++
			h.extent = extent{open.Start, p.s.pos}
			return h, nil
		}
		if c == eofRune {
			return nil, p.s.incomplete(p.s.pos, p.s.pos, "IncompleteHashLiteral", "The hash literal was incomplete.")
		}
		kt, err := p.nextExpr(false)
		if err != nil {
			return nil, err
		}
		var key string
		switch kt.Kind {
		case tkString, tkGeneric:
			key, _ = kt.Value.(string)
		case tkExpand:
			if len(kt.parts) > 0 && kt.Value == "" {
				return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("a hash key built from variables"), Start: kt.Start, End: kt.End}
			}
			key, _ = kt.Value.(string)
		case tkNumber:
			key = kt.Text
		default:
			return nil, &ParseError{ErrorID: "MissingEqualsInHashLiteral", Message: "Missing '=' operator after key in hash literal.", Start: kt.Start, End: kt.Start}
		}
		eq, err := p.nextExpr(false)
		if err != nil {
			return nil, err
		}
		if eq.Kind != tkAssign || eq.Text != "=" {
			if eq.Kind == tkEOF {
				return nil, p.s.incomplete(eq.Start, eq.Start, "IncompleteHashLiteral", "The hash literal was incomplete.")
			}
			return nil, &ParseError{ErrorID: "MissingEqualsInHashLiteral", Message: "Missing '=' operator after key in hash literal.", Start: kt.End, End: kt.End}
		}
		if err := p.s.skipSpace(true); err != nil {
			return nil, err
		}
		if n := p.s.at(p.s.pos); n == '}' || n == ';' || n == eofRune {
			return nil, &ParseError{ErrorID: "MissingStatementInHashLiteral", Message: "Missing statement after '=' in hash literal.", Start: eq.End, End: eq.End, Incomplete: n == eofRune}
		}
		v, err := p.statement()
		if err != nil {
			return nil, err
		}
		if seen[strings.ToLower(key)] {
			return nil, &ParseError{ErrorID: "DuplicateKeyInHashLiteral", Message: "Duplicate keys '" + key + "' are not allowed in hash literals.", Start: kt.Start, End: kt.End}
		}
		seen[strings.ToLower(key)] = true
		h.keys = append(h.keys, key)
		h.values = append(h.values, v)
		t, err := p.peekExpr(false)
		if err != nil {
			return nil, err
		}
		switch t.Kind {
		case tkNewline, tkSemi, tkRBrace:
		case tkEOF:
			return nil, p.s.incomplete(t.Start, t.Start, "IncompleteHashLiteral", "The hash literal was incomplete.")
		default:
			return nil, p.unexpected(t)
		}
	}
}

// postfix parses member access, static members, indexes and method calls
// directly after a primary (no blank in between).
func (p *parser) postfix(x node, exprMode bool) (node, *ParseError) {
	for {
		c := p.s.at(p.s.pos)
		switch {
		case c == '.' && p.s.at(p.s.pos+1) != '.' || c == ':' && p.s.at(p.s.pos+1) == ':':
			static := c == ':'
			opStart := p.s.pos
			if static {
				p.s.pos += 2
			} else {
				p.s.pos++
			}
			nameStart := p.s.pos
			for isIdentChar(p.s.at(p.s.pos)) && p.s.at(p.s.pos) != '?' {
				p.s.pos++
			}
			if p.s.pos == nameStart {
				n := p.s.at(p.s.pos)
				if n == '$' || n == '(' || isSingleQuote(n) || isDoubleQuote(n) {
					return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("a member name built from an expression"), Start: opStart, End: p.s.pos + 1}
				}
				return nil, &ParseError{ErrorID: "MissingPropertyName", Message: "Missing property name after reference operator.", Start: opStart, End: p.s.pos}
			}
			name := p.s.text(nameStart, p.s.pos)
			if static {
				if _, ok := x.(*typeExpr); !ok {
					return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("'::' on a value"), Start: opStart, End: p.s.pos}
				}
			}
			if p.s.at(p.s.pos) == '(' {
				args, end, err := p.methodArgs()
				if err != nil {
					return nil, err
				}
				x = &invokeMemberExpr{extent: extent{x.ext().start, end}, target: x, name: name, static: static, args: args}
				continue
			}
			x = &memberExpr{extent: extent{x.ext().start, p.s.pos}, target: x, name: name, static: static}
		case c == '[':
			if _, ok := x.(*typeExpr); ok {
				return x, nil
			}
			open := p.s.pos
			p.s.pos++
			if err := p.s.skipSpace(true); err != nil {
				return nil, err
			}
			if p.s.at(p.s.pos) == ']' {
				return nil, &ParseError{ErrorID: "MissingArrayIndexExpression", Message: "Array index expression is missing or not valid.", Start: open, End: p.s.pos + 1}
			}
			idx, err := p.expression()
			if err != nil {
				return nil, err
			}
			closeTok, err := p.nextExpr(true)
			if err != nil {
				return nil, err
			}
			if closeTok.Kind != tkRBracket {
				if closeTok.Kind == tkEOF {
					return nil, p.s.incomplete(open, open+1, "MissingEndSquareBracket", "Missing ']' after array index expression.")
				}
				return nil, &ParseError{ErrorID: "MissingEndSquareBracket", Message: "Missing ']' after array index expression.", Start: closeTok.Start, End: closeTok.Start}
			}
			x = &indexExpr{extent: extent{x.ext().start, closeTok.End}, target: x, index: idx}
		default:
			if t, ok := x.(*typeExpr); ok {
				return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("the type literal or cast [" + t.name + "]"), Start: t.start, End: t.end}
			}
			return x, nil
		}
	}
}

// methodArgs parses ( arg, arg ) after a method name.
func (p *parser) methodArgs() ([]node, int, *ParseError) {
	open := p.s.pos
	p.s.pos++
	var args []node
	for {
		t, err := p.peekExpr(true)
		if err != nil {
			return nil, 0, err
		}
		if t.Kind == tkRParen {
			p.nextExpr(true)
			return args, t.End, nil
		}
		if t.Kind == tkEOF {
			return nil, 0, p.s.incomplete(open, open+1, "MissingEndParenthesisInMethodCall", "Missing ')' in method call.")
		}
		if len(args) > 0 {
			if t.Kind != tkComma {
				return nil, 0, &ParseError{ErrorID: "MissingEndParenthesisInMethodCall", Message: "Missing ')' in method call.", Start: t.Start, End: t.Start}
			}
			p.nextExpr(true)
		}
		if err := p.s.skipSpace(true); err != nil {
			return nil, 0, err
		}
		n, err := p.peekExpr(true)
		if err != nil {
			return nil, 0, err
		}
		if !startsValue(n) {
			if n.Kind == tkEOF {
				return nil, 0, p.s.incomplete(open, open+1, "MissingEndParenthesisInMethodCall", "Missing ')' in method call.")
			}
			if n.Kind == tkGeneric {
				return nil, 0, p.unexpected(n)
			}
			return nil, 0, &ParseError{ErrorID: "MissingExpressionAfterToken", Message: "Missing expression after ','.", Start: n.Start, End: n.Start}
		}
		a, err := p.binaryNoComma()
		if err != nil {
			return nil, 0, err
		}
		args = append(args, a)
	}
}
