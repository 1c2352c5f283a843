package ps

import (
	"fmt"
	"strings"
)

// member reads $x.Name. Missing members are $null (no strict mode).
func (in *interp) member(t any, name string) any {
	lname := strings.ToLower(name)
	switch x := t.(type) {
	case nil:
		if lname == "count" || lname == "length" {
			if in.psv2 {
				return nil
			}
			return 0
		}
		return nil
	case *Hashtable:
		switch lname {
		case "count":
			return len(x.Keys)
		case "keys":
			out := make([]any, len(x.Keys))
			for i, k := range x.Keys {
				out[i] = k
			}
			return out
		case "values":
			out := make([]any, len(x.Keys))
			for i, k := range x.Keys {
				out[i], _ = x.Lookup(k)
			}
			return out
		}
		v, _ := x.Lookup(name)
		return v
	case string:
		if lname == "length" {
			return strLen(x)
		}
	case []any, *Collection, []byte:
		items, _ := indexable(x)
		if lname == "count" || lname == "length" {
			return len(items)
		}
		if in.psv2 {
			return nil // member enumeration came with PowerShell 3.0
		}
		var out []any
		for _, it := range items {
			v := in.member(it, name)
			if v != nil {
				out = append(out, enumerate(v)...)
			}
		}
		return collect(out)
	case *SecureString:
		if lname == "length" {
			return strLen(x.plain)
		}
	case *ErrorRecord:
		if v, ok := in.errorRecordMember(x, lname); ok {
			return v
		}
	case *exceptionValue:
		switch lname {
		case "message":
			return x.message(in.psv2)
		case "errorrecord":
			return x.rec
		case "innerexception":
			return nil
		}
	case *x509Store:
		return in.storeMember(x, lname)
	case *typeInfo:
		switch lname {
		case "fullname":
			return x.full
		case "name":
			return x.full[strings.LastIndexByte(x.full, '.')+1:]
		}
	}
	if o, ok := asObject(t); ok {
		if p := o.Get(name); p != nil {
			return p.Value
		}
	}
	if !in.psv2 && (lname == "count" || lname == "length") {
		return 1
	}
	return nil
}

// setMember assigns $x.Name = v and [Console]::OutputEncoding = v.
func (in *interp) setMember(m *memberExpr, v any, sc *scope) error {
	if m.static {
		t := m.target.(*typeExpr)
		if canonicalType(t.name) == "console" && strings.EqualFold(m.name, "OutputEncoding") {
			enc, ok := v.(*textEncoding)
			if !ok {
				return in.runtimeError(fmt.Sprintf(`Exception setting "OutputEncoding": "Cannot convert the "%s" value of type "%s" to type "System.Text.Encoding"."`, toStringPS(v), typeName(v)), "NotSpecified", "ExceptionWhenSetting", m.extent, sc)
			}
			in.stdout.codepage = enc.codepage
			in.errs.setCodepage(enc.codepage)
			return nil
		}
		return in.notSupported("setting ["+t.name+"]::"+m.name, m.extent, sc)
	}
	target, err := in.eval(m.target, sc)
	if err != nil {
		return err
	}
	switch x := target.(type) {
	case *Hashtable:
		x.Set(m.name, v)
		return nil
	case *Object:
		if p := x.Get(m.name); p != nil {
			p.Value = v
			return nil
		}
	case nil:
		return in.runtimeError("The property '"+m.name+"' cannot be found on this object. Verify that the property exists and can be set.", "InvalidOperation", "PropertyNotFound", m.extent, sc)
	}
	return in.runtimeError("The property '"+m.name+"' cannot be found on this object. Verify that the property exists and can be set.", "InvalidOperation", "PropertyNotFound", m.extent, sc)
}

// canonicalType maps the type names of the subset's static members.
func canonicalType(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "system.")
	switch n {
	case "convert":
		return "convert"
	case "text.encoding":
		return "encoding"
	case "string":
		return "string"
	case "scriptblock", "management.automation.scriptblock":
		return "scriptblock"
	case "console":
		return "console"
	case "io.path":
		return "path"
	case "io.file":
		return "file"
	}
	return ""
}

// staticMember reads [Type]::Member for the members of the subset.
func (in *interp) staticMember(m *memberExpr, sc *scope) (any, error) {
	t := m.target.(*typeExpr)
	name := strings.ToLower(m.name)
	switch canonicalType(t.name) {
	case "encoding":
		if name == "utf8" {
			return &textEncoding{codepage: 65001}, nil
		}
	case "console":
		switch name {
		case "in":
			return &consoleIn{r: in.stdin}, nil
		case "outputencoding":
			return &textEncoding{codepage: in.stdout.codepage}, nil
		}
	}
	return nil, in.notSupported("["+t.name+"]::"+m.name, m.extent, sc)
}

// methodException is a .NET exception thrown by a method, as PowerShell
// reports it: MethodInvocationException, FullyQualifiedErrorId = the
// inner exception's type name.
func (in *interp) methodException(method string, nargs int, inner, innerType string, at extent, sc *scope) error {
	msg := fmt.Sprintf(`Exception calling "%s" with "%d" argument(s): "%s"`, method, nargs, inner)
	return &stmtTerm{rec: newError(msg, "NotSpecified", "MethodInvocationException", innerType, &invocation{src: sc.src, pos: at})}
}

func (in *interp) overloadError(method string, nargs int, at extent, sc *scope) error {
	msg := fmt.Sprintf(`Cannot find an overload for "%s" and the argument count: "%d".`, method, nargs)
	return &stmtTerm{rec: newError(msg, "NotSpecified", "MethodException", "MethodCountCouldNotFindBest", &invocation{src: sc.src, pos: at})}
}

// invokeMember calls $x.Method(...) or [Type]::Method(...).
func (in *interp) invokeMember(x *invokeMemberExpr, sc *scope) (any, error) {
	args := make([]any, len(x.args))
	for i, a := range x.args {
		v, err := in.eval(a, sc)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	if x.static {
		return in.invokeStatic(x, args, sc)
	}
	target, err := in.eval(x.target, sc)
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(x.name)
	if target == nil {
		return nil, in.runtimeError("You cannot call a method on a null-valued expression.", "InvalidOperation", "InvokeMethodOnNull", x.extent, sc)
	}
	if name == "tostring" && len(args) == 0 {
		switch target.(type) {
		case []any:
			return "System.Object[]", nil
		case *Collection, *Hashtable, *inputEnum, *consoleIn, *moduleInfo:
			return typeName(target), nil
		}
		return toStringPS(target), nil
	}
	if name == "gettype" && len(args) == 0 {
		full := typeName(target)
		if e, ok := target.(*exceptionValue); ok {
			full = e.typeName(in.psv2)
		}
		return &typeInfo{full: full}, nil
	}
	if s, ok := target.(string); ok {
		if v, handled, err := in.stringMethod(s, x, args, sc); handled {
			return v, err
		}
	}
	if st, ok := target.(*x509Store); ok {
		if v, handled, err := in.storeMethod(st, x, args, sc); handled {
			return v, err
		}
	}
	if c, ok := target.(*X509Certificate); ok {
		if v, handled, err := in.certMethod(c, x, args, sc); handled {
			return v, err
		}
	}
	switch t := target.(type) {
	case *textEncoding:
		switch name {
		case "getbytes":
			if len(args) != 1 {
				return nil, in.overloadError(x.name, len(args), x.extent, sc)
			}
			return t.encode(toStringPS(args[0])), nil
		case "getstring":
			if len(args) != 1 {
				return nil, in.overloadError(x.name, len(args), x.extent, sc)
			}
			if args[0] == nil {
				return nil, in.methodException(x.name, 1, "Value cannot be null.\r\nParameter name: bytes", "ArgumentNullException", x.extent, sc)
			}
			b, err := in.toBytes(args[0], "bytes", x.name, x.extent, sc)
			if err != nil {
				return nil, err
			}
			return t.decode(b), nil
		}
	case *consoleIn:
		switch name {
		case "readtoend":
			if len(args) != 0 {
				return nil, in.overloadError(x.name, len(args), x.extent, sc)
			}
			return t.r.readAll(), nil
		case "readline":
			if len(args) != 0 {
				return nil, in.overloadError(x.name, len(args), x.extent, sc)
			}
			l, ok := t.r.readLine()
			if !ok {
				return nil, nil
			}
			return l, nil
		}
	}
	return nil, in.notSupported(fmt.Sprintf("the method '%s' of [%s]", x.name, typeName(target)), x.extent, sc)
}

// toBytes converts a method argument to byte[].
func (in *interp) toBytes(v any, param, method string, at extent, sc *scope) ([]byte, error) {
	switch b := v.(type) {
	case []byte:
		return b, nil
	case []any:
		out := make([]byte, len(b))
		for i, e := range b {
			n, ok := byteOf(e)
			if !ok {
				inner := fmt.Sprintf(`Cannot convert value "%s" to type "System.Byte". Error: "Input string was not in a correct format."`, toStringPS(e))
				if isNumber(e) {
					inner = fmt.Sprintf(`Cannot convert value "%s" to type "System.Byte". Error: "Value was either too large or too small for an unsigned byte."`, toStringPS(e))
				}
				return nil, in.argConversionError(param, v, method, "System.Byte[]", inner, at, sc)
			}
			out[i] = n
		}
		return out, nil
	}
	if n, ok := byteOf(v); ok {
		return []byte{n}, nil
	}
	inner := fmt.Sprintf(`Cannot convert value "%s" to type "System.Byte[]". Error: "Cannot convert value "%s" to type "System.Byte". Error: "Input string was not in a correct format.""`, toStringPS(v), toStringPS(v))
	return nil, in.argConversionError(param, v, method, "System.Byte[]", inner, at, sc)
}

func byteOf(e any) (byte, bool) {
	switch n := e.(type) {
	case int:
		if n >= 0 && n <= 255 {
			return byte(n), true
		}
	case int64:
		if n >= 0 && n <= 255 {
			return byte(n), true
		}
	case string:
		if v, ok := parseNumber(strings.TrimSpace(n)); ok {
			return byteOf(v)
		}
	}
	return 0, false
}

func (in *interp) argConversionError(param string, v any, method, to, inner string, at extent, sc *scope) error {
	msg := fmt.Sprintf(`Cannot convert argument "%s", with value: "%s", for "%s" to type "%s": "%s"`, param, displayArg(v), method, to, inner)
	return &stmtTerm{rec: newError(msg, "NotSpecified", "MethodException", "MethodArgumentConversionInvalidCastArgument", &invocation{src: sc.src, pos: at})}
}

// displayArg is how an argument value appears in binding messages.
func displayArg(v any) string {
	switch v.(type) {
	case []any:
		return "System.Object[]"
	case *Hashtable:
		return "System.Collections.Hashtable"
	}
	return toStringPS(v)
}
