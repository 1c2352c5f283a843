package ps

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// fullTypeName maps the short type names of params.tsv to .NET full names
// for the binder's messages; others are left as given.
func fullTypeName(t string) string {
	switch strings.ToLower(t) {
	case "string":
		return "System.String"
	case "string[]":
		return "System.String[]"
	case "boolean", "bool":
		return "System.Boolean"
	case "int32", "int":
		return "System.Int32"
	case "uint32":
		return "System.UInt32"
	case "int64":
		return "System.Int64"
	case "switchparameter":
		return "System.Management.Automation.SwitchParameter"
	case "pscredential":
		return "System.Management.Automation.PSCredential"
	case "securestring":
		return "System.Security.SecureString"
	case "byte[]":
		return "System.Byte[]"
	case "object":
		return "System.Object"
	case "psobject":
		return "System.Management.Automation.PSObject"
	case "actionpreference":
		return "System.Management.Automation.ActionPreference"
	case "pssession":
		return "System.Management.Automation.Runspaces.PSSession"
	case "pssession[]":
		return "System.Management.Automation.Runspaces.PSSession[]"
	}
	return t
}

// convErr builds a conversion failure: cmdlets report "Cannot bind
// parameter 'X'. ..." (CannotConvertArgumentNoMessage), functions "Cannot
// process argument transformation on parameter 'X'. ..."
// (ParameterArgumentTransformationError).
func (bd *binder) convErr(e *paramEntry, inner string) *bindError {
	if bd.isFunction && !e.common {
		return &bindError{id: "ParameterArgumentTransformationError", category: "InvalidData", reason: "ParameterBindingArgumentTransformationException",
			msg: fmt.Sprintf("Cannot process argument transformation on parameter '%s'. %s", e.spec.Name, inner)}
	}
	return &bindError{id: "CannotConvertArgumentNoMessage", msg: fmt.Sprintf("Cannot bind parameter '%s'. %s", e.spec.Name, inner)}
}

func invalidCast(v any, to string) string {
	return fmt.Sprintf(`Cannot convert the "%s" value of type "%s" to type "%s".`, displayArg(v), typeName(v), to)
}

func boolOnly(v any, to string) string {
	return fmt.Sprintf(`Cannot convert value "%s" to type "%s". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`, typeName(v), to)
}

// convert converts an argument to the parameter's declared type.
func (bd *binder) convert(e *paramEntry, v any, nonInteractive bool) (any, *bindError) {
	t := strings.ToLower(e.spec.Type)
	if len(e.spec.Enum) > 0 {
		return bd.convertEnum(e, v, e.spec.Type, e.spec.Enum)
	}
	switch t {
	case "switchparameter", "boolean", "bool", "system.boolean":
		to := "System.Boolean"
		if t == "switchparameter" {
			to = "System.Management.Automation.SwitchParameter"
		}
		switch x := v.(type) {
		case bool:
			return x, nil
		case nil:
			return false, nil
		case int, int64, float64:
			return toFloat(x) != 0, nil
		}
		return nil, bd.convErr(e, boolOnly(v, to))
	case "int32", "int", "system.int32":
		n, msg := toInt32(v)
		if msg != "" {
			return nil, bd.convErr(e, msg)
		}
		return n, nil
	case "string", "system.string":
		switch x := v.(type) {
		case nil:
			return nil, nil
		case string:
			return x, nil
		}
		return toStringPS(v), nil
	case "actionpreference":
		return bd.convertEnum(e, v, "System.Management.Automation.ActionPreference", bd.actionPreferences())
	case "pscredential", "system.management.automation.pscredential":
		switch v.(type) {
		case *Credential, nil:
			return v, nil
		case string:
			if nonInteractive {
				return nil, &bindError{id: "ParameterArgumentTransformationError", category: "InvalidData", reason: "ParameterBindingArgumentTransformationException",
					msg: fmt.Sprintf("Cannot process argument transformation on parameter '%s'. %s", e.spec.Name, msgNonInteractive)}
			}
			return nil, &bindError{id: errNotSupported, msg: notSupportedMsg("prompting for a credential")}
		}
		return nil, &bindError{id: "ParameterArgumentTransformationError", category: "InvalidData", reason: "ParameterBindingArgumentTransformationException",
			msg: fmt.Sprintf("Cannot process argument transformation on parameter '%s'. %s", e.spec.Name, invalidCast(v, "System.Management.Automation.PSCredential"))}
	case "securestring", "system.security.securestring":
		switch v.(type) {
		case *SecureString, nil:
			return v, nil
		}
		return nil, bd.convErr(e, invalidCast(v, "System.Security.SecureString"))
	case "byte[]", "system.byte[]":
		switch x := v.(type) {
		case []byte, nil:
			return v, nil
		case []any:
			out := make([]byte, len(x))
			for i, it := range x {
				b, ok := byteOf(it)
				if !ok {
					return nil, bd.convErr(e, fmt.Sprintf(`Cannot convert value "%s" to type "System.Byte". Error: "Value was either too large or too small for an unsigned byte."`, toStringPS(it)))
				}
				out[i] = b
			}
			return out, nil
		}
		return nil, bd.convErr(e, invalidCast(v, "System.Byte[]"))
	case "pssession":
		switch v.(type) {
		case *RemoteSession, nil:
			return v, nil
		}
		return nil, bd.convErr(e, invalidCast(v, "System.Management.Automation.Runspaces.PSSession"))
	}
	if elem, ok := typedElement(t); ok {
		// A typed array: each element converted to the element type.
		items := enumerate(v)
		if v == nil {
			return nil, nil
		}
		if _, isHash := v.(*Hashtable); isHash {
			items = []any{v}
		}
		es := paramEntry{spec: ParamSpec{Name: e.spec.Name, Type: elem}, common: e.common}
		out := make([]any, len(items))
		for i, it := range items {
			cv, err := bd.convert(&es, it, nonInteractive)
			if err != nil {
				return nil, err
			}
			out[i] = cv
		}
		return out, nil
	}
	if strings.HasSuffix(t, "[]") || strings.Contains(t, "multivaluedproperty") {
		if b, isBytes := v.([]byte); isBytes {
			// An array converts element by element: a byte[] bound to
			// Object[] (New-Object -ArgumentList $bytes) is one element
			// per byte, which is why PowerShell 2.0 scripts write (,$bytes).
			v = enumerate(b)
		}
		switch x := v.(type) {
		case nil, *Hashtable:
			return v, nil
		case []any:
			if t == "string[]" {
				out := make([]any, len(x))
				for i, it := range x {
					out[i] = toStringPS(it)
				}
				return out, nil
			}
			return x, nil
		case *Collection:
			return append([]any{}, x.Items...), nil
		}
		if t == "string[]" {
			return []any{toStringPS(v)}, nil
		}
		return []any{v}, nil
	}
	return v, nil
}

func (bd *binder) actionPreferences() []string {
	for _, e := range bd.table {
		if strings.EqualFold(e.spec.Name, "InformationAction") {
			return actionPreferences
		}
	}
	return actionPreferences[:4]
}

// convertEnum accepts an enum name (case-insensitive) or its index.
func (bd *binder) convertEnum(e *paramEntry, v any, typ string, names []string) (any, *bindError) {
	s := strings.TrimSpace(toStringPS(v))
	for _, n := range names {
		if strings.EqualFold(n, s) {
			return n, nil
		}
	}
	if n, ok := v.(int); ok && n >= 0 && n < len(names) {
		return names[n], nil
	}
	inner := fmt.Sprintf(`Cannot convert value "%s" to type "%s". Error: "Unable to match the identifier name %s to a valid enumerator name.  Specify one of the following enumerator names and try again: %s"`,
		toStringPS(v), typ, toStringPS(v), strings.Join(names, ", "))
	return nil, bd.convErr(e, inner)
}

// toInt32 converts as LanguagePrimitives does to [int]; the message is the
// conversion error's inner text.
func toInt32(v any) (int, string) {
	switch x := v.(type) {
	case nil:
		return 0, ""
	case int:
		return x, ""
	case bool:
		if x {
			return 1, ""
		}
		return 0, ""
	case int64:
		if x < math.MinInt32 || x > math.MaxInt32 {
			return 0, fmt.Sprintf(`Cannot convert value "%d" to type "System.Int32". Error: "Value was either too large or too small for an Int32."`, x)
		}
		return int(x), ""
	case float64:
		r := math.RoundToEven(x)
		if r < math.MinInt32 || r > math.MaxInt32 || math.IsNaN(r) {
			return 0, fmt.Sprintf(`Cannot convert value "%s" to type "System.Int32". Error: "Value was either too large or too small for an Int32."`, formatDouble(x))
		}
		return int(r), ""
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return 0, ""
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return toInt32(n)
		}
		if n, ok := parseNumber(s); ok {
			return toInt32(n)
		}
		return 0, fmt.Sprintf(`Cannot convert value "%s" to type "System.Int32". Error: "Input string was not in a correct format."`, x)
	}
	return 0, invalidCast(v, "System.Int32")
}

// typedElement returns the element type of the array types the binder
// converts element by element.
func typedElement(t string) (string, bool) {
	switch t {
	case "int32[]", "system.int32[]":
		return "Int32", true
	case "pssession[]":
		return "PSSession", true
	case "boolean[]":
		return "Boolean", true
	}
	return "", false
}
