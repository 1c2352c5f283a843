package ps

import (
	"fmt"
	"math"
	"strings"
)

// eval evaluates an expression.
func (in *interp) eval(n node, sc *scope) (any, error) {
	switch x := n.(type) {
	case *constExpr:
		return x.v, nil
	case *expandExpr:
		var b strings.Builder
		for _, p := range x.parts {
			if !p.isVar {
				b.WriteString(p.lit)
				continue
			}
			v, err := in.variable(p.scope, p.name, x.extent, sc)
			if err != nil {
				return nil, err
			}
			b.WriteString(toStringPS(v))
		}
		return b.String(), nil
	case *varExpr:
		return in.variable(x.scope, x.name, x.extent, sc)
	case *arrayExpr:
		out := make([]any, len(x.items))
		for i, it := range x.items {
			v, err := in.eval(it, sc)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case *arraySubExpr:
		out := []any{}
		err := in.runStatements(x.body, sc, func(v any) { out = append(out, v) })
		return out, err
	case *subExpr:
		var out []any
		err := in.runStatements(x.body, sc, func(v any) { out = append(out, v) })
		return collect(out), err
	case *parenExpr:
		return in.statementValue(x.body, sc)
	case *hashExpr:
		h := newHashtable()
		for i, k := range x.keys {
			v, err := in.statementValue(x.values[i], sc)
			if err != nil {
				return nil, err
			}
			h.Set(k, v)
		}
		return h, nil
	case *binaryExpr:
		l, err := in.eval(x.left, sc)
		if err != nil {
			return nil, err
		}
		r, err := in.eval(x.right, sc)
		if err != nil {
			return nil, err
		}
		return in.add(l, r, x.extent, sc)
	case *unaryExpr:
		v, err := in.eval(x.x, sc)
		if err != nil {
			return nil, err
		}
		switch n := v.(type) {
		case int:
			if n == math.MinInt32 {
				return -int64(n), nil
			}
			return -n, nil
		case int64:
			return -n, nil
		case float64:
			return -n, nil
		}
		return nil, in.notSupported("the unary '-' operator on a "+typeName(v), x.extent, sc)
	case *memberExpr:
		if x.static {
			return in.staticMember(x, sc)
		}
		t, err := in.eval(x.target, sc)
		if err != nil {
			return nil, err
		}
		return in.member(t, x.name), nil
	case *invokeMemberExpr:
		return in.invokeMember(x, sc)
	case *indexExpr:
		t, err := in.eval(x.target, sc)
		if err != nil {
			return nil, err
		}
		i, err := in.eval(x.index, sc)
		if err != nil {
			return nil, err
		}
		return in.index(t, i, x.extent, sc)
	case *pipeline, *assignment:
		return in.statementValue(x, sc)
	}
	return nil, in.notSupported(fmt.Sprintf("the expression %T", n), n.ext(), sc)
}

// variable reads $name (with an optional scope or env: drive).
func (in *interp) variable(scopeName, name string, at extent, sc *scope) (any, error) {
	lname := strings.ToLower(name)
	if scopeName == "env" {
		switch lname {
		case "computername":
			return in.host.ServerName, nil
		case "username":
			_, u, _ := strings.Cut(in.host.UserName, `\`)
			if u == "" {
				u = in.host.UserName
			}
			return u, nil
		case "userdomain":
			d, _, ok := strings.Cut(in.host.UserName, `\`)
			if !ok {
				return in.host.ServerName, nil
			}
			return d, nil
		}
		return nil, in.notSupported("the environment variable $env:"+name, at, sc)
	}
	switch lname {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	case "?":
		return in.lastOK, nil
	case "input":
		if sc.input == nil {
			return &inputEnum{}, nil
		}
		return sc.input, nil
	}
	if scopeName != "" && scopeName != "global" && scopeName != "script" && scopeName != "local" && scopeName != "private" {
		return nil, in.notSupported("the variable drive '"+scopeName+":'", at, sc)
	}
	if scopeName == "local" || scopeName == "private" {
		return sc.vars[lname], nil
	}
	v, _ := sc.target(scopeName).lookup(name)
	return v, nil
}

// add is PowerShell's '+': numbers add, strings concatenate, arrays append,
// hashtables merge; the left operand decides.
func (in *interp) add(l, r any, at extent, sc *scope) (any, error) {
	switch x := l.(type) {
	case nil:
		if r == nil {
			return nil, nil
		}
		return r, nil
	case string:
		return x + toStringPS(r), nil
	case []any:
		out := append([]any{}, x...)
		if ra, ok := r.([]any); ok {
			return append(out, ra...), nil
		}
		if c, ok := r.(*Collection); ok {
			return append(out, c.Items...), nil
		}
		return append(out, r), nil
	case *Collection:
		out := append([]any{}, x.Items...)
		return append(out, enumerate(r)...), nil
	case *Hashtable:
		rh, ok := r.(*Hashtable)
		if !ok {
			return nil, in.runtimeError("A hash table can only be added to another hash table.", "InvalidOperation", "AddHashTableToNonHashTable", at, sc)
		}
		out := newHashtable()
		for _, k := range x.Keys {
			v, _ := x.Lookup(k)
			out.Set(k, v)
		}
		for _, k := range rh.Keys {
			if _, dup := out.Lookup(k); dup {
				return nil, in.runtimeError(fmt.Sprintf("Item has already been added. Key in dictionary: '%s'  Key being added: '%s'", k, k), "NotSpecified", "System.ArgumentException", at, sc)
			}
			v, _ := rh.Lookup(k)
			out.Set(k, v)
		}
		return out, nil
	case int, int64, float64, bool:
		rn, err := in.toNumber(r, at, sc)
		if err != nil {
			return nil, err
		}
		return addNumbers(x, rn), nil
	}
	return nil, in.runtimeError(fmt.Sprintf("Method invocation failed because [%s] does not contain a method named 'op_Addition'.", typeName(l)), "InvalidOperation", "MethodNotFound", at, sc)
}

func (in *interp) toNumber(v any, at extent, sc *scope) (any, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case int, int64, float64:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case string:
		if strings.TrimSpace(x) == "" {
			return 0, nil
		}
		if n, ok := parseNumber(strings.TrimSpace(x)); ok {
			return n, nil
		}
		return nil, in.runtimeError(fmt.Sprintf(`Cannot convert value "%s" to type "System.Int32". Error: "Input string was not in a correct format."`, x), "InvalidArgument", "InvalidCastFromStringToInteger", at, sc)
	}
	return nil, in.runtimeError(fmt.Sprintf(`Cannot convert the "%s" value of type "%s" to type "System.Int32".`, toStringPS(v), typeName(v)), "InvalidArgument", "ConvertToFinalInvalidCastException", at, sc)
}

func addNumbers(l, r any) any {
	if b, ok := l.(bool); ok {
		l = 0
		if b {
			l = 1
		}
	}
	switch a := l.(type) {
	case int:
		switch b := r.(type) {
		case int:
			s := int64(a) + int64(b)
			if s >= math.MinInt32 && s <= math.MaxInt32 {
				return int(s)
			}
			return float64(s)
		case int64:
			return float64(a) + float64(b)
		}
	case int64:
		switch b := r.(type) {
		case int:
			return a + int64(b)
		case int64:
			return a + b
		}
	}
	return toFloat(l) + toFloat(r)
}

// index is $x[i].
func (in *interp) index(t, i any, at extent, sc *scope) (any, error) {
	switch x := t.(type) {
	case nil:
		return nil, in.runtimeError("Cannot index into a null array.", "InvalidOperation", "NullArray", at, sc)
	case *Hashtable:
		v, _ := x.Lookup(toStringPS(i))
		return v, nil
	case *Object:
		if p := x.Get(toStringPS(i)); p != nil {
			return p.Value, nil
		}
		return nil, nil
	}
	items, ok := indexable(t)
	if !ok {
		return nil, in.runtimeError(fmt.Sprintf(`Unable to index into an object of type %s.`, typeName(t)), "InvalidOperation", "CannotIndex", at, sc)
	}
	n, err := in.toNumber(i, at, sc)
	if err != nil {
		return nil, err
	}
	k := int(toFloat(n))
	if k < 0 {
		k += len(items)
	}
	if k < 0 || k >= len(items) {
		return nil, nil
	}
	return items[k], nil
}

func indexable(t any) ([]any, bool) {
	switch x := t.(type) {
	case []any:
		return x, true
	case *Collection:
		return x.Items, true
	case []byte:
		return enumerate(x), true
	case string:
		r := []rune(x)
		out := make([]any, len(r))
		for i, c := range r {
			out[i] = string(c)
		}
		return out, true
	}
	return nil, false
}

func (in *interp) setIndex(t *indexExpr, v any, sc *scope) error {
	target, err := in.eval(t.target, sc)
	if err != nil {
		return err
	}
	i, err := in.eval(t.index, sc)
	if err != nil {
		return err
	}
	switch x := target.(type) {
	case *Hashtable:
		x.Set(toStringPS(i), v)
		return nil
	case []any:
		n, err := in.toNumber(i, t.extent, sc)
		if err != nil {
			return err
		}
		k := int(toFloat(n))
		if k < 0 {
			k += len(x)
		}
		if k < 0 || k >= len(x) {
			return in.runtimeError(fmt.Sprintf("Index was outside the bounds of the array."), "OperationStopped", "System.IndexOutOfRangeException", t.extent, sc)
		}
		x[k] = v
		return nil
	case nil:
		return in.runtimeError("Cannot index into a null array.", "InvalidOperation", "NullArray", t.extent, sc)
	}
	return in.notSupported("assigning to an index of a "+typeName(target), t.extent, sc)
}

func roundHalfEven(f float64) float64 { return math.RoundToEven(f) }
