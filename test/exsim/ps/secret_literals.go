package ps

import "strings"

// secretLiteral is a string literal a script passes to
// ConvertTo-SecureString -AsPlainText.
type secretLiteral struct{ value, source string }

// reportCompiled tells the host about a script block PowerShell compiled
// (what Script Block Logging, event 4104, records): its text, then the
// secret literals in it.
func (in *interp) reportCompiled(text string, parsed *script) {
	if in.host.OnScript != nil {
		in.host.OnScript(text)
	}
	if in.host.OnSecretLiteral == nil || parsed == nil {
		return
	}
	for _, l := range findSecretLiterals(parsed) {
		in.host.OnSecretLiteral(l.value, l.source)
	}
}

// findSecretLiterals walks a parsed script for ConvertTo-SecureString
// commands with -AsPlainText and returns their literal -String arguments.
func findSecretLiterals(s *script) []secretLiteral {
	var out []secretLiteral
	var walk func(n node)
	walkAll := func(ns []node) {
		for _, n := range ns {
			walk(n)
		}
	}
	walk = func(n node) {
		switch x := n.(type) {
		case nil:
		case *pipeline:
			walkAll(x.elems)
		case *command:
			if x.invoke != nil {
				walk(x.invoke)
			}
			for _, a := range x.args {
				if a.value != nil {
					walk(a.value)
				}
			}
			if strings.EqualFold(x.name, "ConvertTo-SecureString") {
				if l, ok := plainTextLiteral(s, x); ok {
					out = append(out, l)
				}
			}
		case *assignment:
			walk(x.target)
			walk(x.value)
		case *exitStmt:
			walk(x.value)
		case *throwStmt:
			walk(x.value)
		case *tryStmt:
			walkAll(x.body)
			for _, c := range x.catches {
				walkAll(c.body)
			}
			walkAll(x.finally)
		case *arrayExpr:
			walkAll(x.items)
		case *arraySubExpr:
			walkAll(x.body)
		case *subExpr:
			walkAll(x.body)
		case *parenExpr:
			walk(x.body)
		case *hashExpr:
			walkAll(x.values)
		case *memberExpr:
			walk(x.target)
		case *invokeMemberExpr:
			walk(x.target)
			walkAll(x.args)
		case *indexExpr:
			walk(x.target)
			walk(x.index)
		case *binaryExpr:
			walk(x.left)
			walk(x.right)
		case *unaryExpr:
			walk(x.x)
		}
	}
	walkAll(s.stmts)
	return out
}

// plainTextLiteral finds the -String argument of a ConvertTo-SecureString
// command that has -AsPlainText, when it is a literal. Parameter names
// match by prefix as the binder does (-AsPlainText: no other parameter of
// the cmdlet starts with A; -String needs "St").
func plainTextLiteral(s *script, c *command) (secretLiteral, bool) {
	prefixOf := func(p, full string, min int) bool {
		return len(p) >= min && len(p) <= len(full) && strings.EqualFold(p, full[:len(p)])
	}
	switches := []string{"AsPlainText", "Force", "Verbose", "Debug"}
	plain := false
	var str node
	var positional []node
	for i := 0; i < len(c.args); i++ {
		a := c.args[i]
		if a.param == "" {
			positional = append(positional, a.value)
			continue
		}
		if prefixOf(a.param, "AsPlainText", 1) {
			plain = true
			continue
		}
		isSwitch := false
		for _, sw := range switches {
			if prefixOf(a.param, sw, 1) {
				isSwitch = true
			}
		}
		if a.colon || isSwitch {
			if a.colon && prefixOf(a.param, "String", 2) {
				str = a.value
			}
			continue
		}
		// A parameter that takes a value takes the next argument.
		if i+1 < len(c.args) && c.args[i+1].param == "" {
			if prefixOf(a.param, "String", 2) {
				str = c.args[i+1].value
			}
			i++
		}
	}
	if str == nil && len(positional) > 0 {
		str = positional[0]
	}
	k, ok := str.(*constExpr)
	if !plain || !ok {
		return secretLiteral{}, false
	}
	v, isStr := k.v.(string)
	if !isStr || v == "" {
		return secretLiteral{}, false
	}
	return secretLiteral{value: v, source: string(s.src[k.start:k.end])}, true
}
