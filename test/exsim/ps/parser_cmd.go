package ps

// command parses a command: a name (or & and what to invoke) and its
// arguments, scanned in argument mode.
func (p *parser) command() (*command, *ParseError) {
	if err := p.s.skipSpace(false); err != nil {
		return nil, err
	}
	start := p.s.pos
	c := &command{extent: extent{start, start}}
	if p.s.at(start) == '&' {
		p.s.pos++
		if err := p.s.skipSpace(false); err != nil {
			return nil, err
		}
		n := p.s.at(p.s.pos)
		if n == '{' {
			return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("a script block literal ({ })"), Start: p.s.pos, End: p.s.pos + 1}
		}
		if isArgTerminator(n) && n != '(' || n == eofRune {
			return nil, &ParseError{ErrorID: "MissingExpression", Message: "Missing expression after '&' in pipeline element.", Start: start, End: start + 1}
		}
		target, err := p.argument()
		if err != nil {
			return nil, err
		}
		c.invoke = target
		c.nameExt = extent{start, target.ext().end}
	} else {
		t, err := p.s.generic(false)
		if err != nil {
			return nil, err
		}
		if t.Value == nil {
			return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("a command name built from variables"), Start: t.Start, End: t.End}
		}
		c.name = t.Value.(string)
		c.nameExt = extent{t.Start, t.End}
	}
	c.end = c.nameExt.end
	for {
		if err := p.s.skipSpace(false); err != nil {
			return nil, err
		}
		save := p.s.pos
		t, err := p.s.scanArg()
		if err != nil {
			return nil, err
		}
		switch t.Kind {
		case tkEOF, tkNewline, tkSemi, tkPipe, tkRParen, tkRBrace:
			p.s.pos = save
			return c, nil
		case tkAmp:
			p.s.pos = save
			if p.s.at(save+1) == '&' {
				return c, nil // the statement loop reports &&
			}
			return nil, ampersandError(t)
		case tkRedirect:
			return nil, redirectionError(t)
		case tkComma:
			return nil, &ParseError{ErrorID: "MissingArgument", Message: "Missing argument in parameter list.", Start: t.Start, End: t.End}
		case tkParameter:
			a := cmdArg{param: t.Value.(string), colon: t.colon, ext: extent{t.Start, t.End}}
			if t.colon {
				n := p.s.at(p.s.pos)
				if isArgTerminator(n) && n != '(' || n == eofRune {
					return nil, &ParseError{ErrorID: "ParameterRequiresArgument", Message: "Parameter -" + a.param + ": requires an argument.", Start: t.Start, End: t.End}
				}
				v, err := p.argumentList()
				if err != nil {
					return nil, err
				}
				a.value, a.valExt = v, v.ext()
			}
			c.args = append(c.args, a)
			c.end = p.s.pos
		default:
			p.s.pos = save
			v, err := p.argumentList()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, cmdArg{value: v, ext: v.ext(), valExt: v.ext()})
			c.end = v.ext().end
		}
	}
}

// argumentList parses an argument that may be a comma list (name,add*,port).
func (p *parser) argumentList() (node, *ParseError) {
	first, err := p.argument()
	if err != nil {
		return nil, err
	}
	items := []node{first}
	for {
		save := p.s.pos
		if err := p.s.skipSpace(false); err != nil {
			return nil, err
		}
		if p.s.at(p.s.pos) != ',' {
			p.s.pos = save
			break
		}
		comma := p.s.pos
		p.s.pos++
		if err := p.s.skipSpace(true); err != nil {
			return nil, err
		}
		n := p.s.at(p.s.pos)
		if n == eofRune || isArgTerminator(n) && n != '(' || isDash(n) && isIdentStartAfterDash(p.s.at(p.s.pos+1)) {
			return nil, &ParseError{ErrorID: "MissingArgument", Message: "Missing argument in parameter list.", Start: comma, End: comma + 1}
		}
		v, err := p.argument()
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

func isIdentStartAfterDash(c rune) bool {
	return c == '_' || c == '?' || (c > ' ' && isVarStart(c) && !unicodeDigit(c))
}

// argument parses one argument value in argument mode.
func (p *parser) argument() (node, *ParseError) {
	t, err := p.s.scanArg()
	if err != nil {
		return nil, err
	}
	var x node
	switch t.Kind {
	case tkNumber, tkString:
		x = &constExpr{extent: extent{t.Start, t.End}, v: t.Value}
	case tkExpand, tkGeneric:
		x = literalOrExpand(t)
	case tkParameter:
		// -x after a comma or as a value: a bareword string
		x = &constExpr{extent: extent{t.Start, t.End}, v: t.Text}
	case tkVariable:
		x = &varExpr{extent: extent{t.Start, t.End}, scope: t.scope, name: t.Value.(string)}
	case tkLParen, tkDollarParen, tkAtParen, tkAtBrace:
		p.s.pos = t.Start
		x, err = p.primary()
		if err != nil {
			return nil, err
		}
	case tkLBrace:
		return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("a script block literal ({ })"), Start: t.Start, End: t.End}
	case tkSplat:
		return nil, &ParseError{ErrorID: errNotSupported, Message: notSupportedMsg("splatting (@" + t.Value.(string) + ")"), Start: t.Start, End: t.End}
	case tkRedirect:
		return nil, redirectionError(t)
	default:
		return nil, &ParseError{ErrorID: "MissingArgument", Message: "Missing argument in parameter list.", Start: t.Start, End: t.End}
	}
	return p.postfix(x, false)
}

// literalOrExpand turns a string or bareword token into a constant or, when
// it holds $variables, an expandable string.
func literalOrExpand(t Token) node {
	hasVar := false
	for _, part := range t.parts {
		if part.isVar {
			hasVar = true
		}
	}
	if !hasVar {
		s := ""
		if v, ok := t.Value.(string); ok {
			s = v
		}
		return &constExpr{extent: extent{t.Start, t.End}, v: s}
	}
	return &expandExpr{extent: extent{t.Start, t.End}, parts: t.parts}
}
