package ps

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
)

const psCustomObject = "System.Management.Automation.PSCustomObject"

// typeName returns GetType().ToString() of a value: what ConvertTo-Xml
// writes in Type= and what conversion errors name.
func typeName(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return "System.String"
	case bool:
		return "System.Boolean"
	case int:
		return "System.Int32"
	case int64:
		return "System.Int64"
	case float64:
		return "System.Double"
	case []any:
		return "System.Object[]"
	case []byte:
		return "System.Byte[]"
	case *Hashtable:
		return "System.Collections.Hashtable"
	case *Object:
		return objectBaseType(x)
	case *Collection:
		return x.TypeName
	case *SecureString:
		return "System.Security.SecureString"
	case *Credential:
		return "System.Management.Automation.PSCredential"
	case *ScriptBlock:
		return "System.Management.Automation.ScriptBlock"
	case *RemoteSession:
		return "System.Management.Automation.Runspaces.PSSession"
	case *inputEnum:
		return "System.Collections.ArrayList+ArrayListEnumeratorSimple"
	case *textEncoding:
		return x.typeName()
	case *consoleIn:
		return "System.IO.SyncTextReader"
	case *moduleInfo:
		return "System.Management.Automation.PSModuleInfo"
	case *xmlDocument:
		return "System.Xml.XmlDocument"
	case *formatOutput:
		return x.typeName()
	case *ErrorRecord:
		return "System.Management.Automation.ErrorRecord"
	case *exceptionValue:
		return x.typeName(false)
	case *typeInfo:
		return "System.RuntimeType"
	case *X509Certificate:
		return typeX509Cert2
	case *x509Store:
		return typeX509Store
	case Scalar:
		return x.TypeName()
	}
	return "System.Object"
}

// objectBaseType is the .NET type behind a PSObject: the first type name,
// except for objects that are property bags (Select-Object output,
// deserialized objects), whose base object is a PSCustomObject.
func objectBaseType(o *Object) string {
	if len(o.TypeNames) == 0 {
		return psCustomObject
	}
	t := o.TypeNames[0]
	if strings.HasPrefix(t, "Deserialized.") || strings.HasPrefix(t, "Selected.") {
		return psCustomObject
	}
	return t
}

// toStringPS converts a value to string as PowerShell does for "$x",
// string + and [string] parameters (LanguagePrimitives.ConvertTo): arrays
// and other enumerables are joined with a blank ($OFS unset).
func toStringPS(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatDouble(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = toStringPS(e)
		}
		return strings.Join(parts, " ")
	case []byte:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = strconv.Itoa(int(e))
		}
		return strings.Join(parts, " ")
	case *Collection:
		parts := make([]string, len(x.Items))
		for i, e := range x.Items {
			parts[i] = toStringPS(e)
		}
		return strings.Join(parts, " ")
	case *Object:
		return objectText(x)
	case *Hashtable:
		return "System.Collections.Hashtable"
	case *ErrorRecord:
		// ErrorRecord.ToString() is the exception's message.
		return x.Message
	case interface{ String() string }:
		return x.String()
	}
	return typeName(v)
}

// objectText is a PSObject's ToString(): Text, or the PSCustomObject form.
func objectText(o *Object) string {
	if o.Text != "" {
		return o.Text
	}
	parts := make([]string, len(o.Props))
	for i, p := range o.Props {
		v := toStringPS(p.Value)
		if n, ok := p.Value.(*Object); ok {
			// A nested property bag's base object is a PSCustomObject,
			// whose own ToString() is empty.
			v = n.Text
		}
		parts[i] = p.Name + "=" + v
	}
	return "@{" + strings.Join(parts, "; ") + "}"
}

// formatDouble is Double.ToString() (15 significant digits, "R" not used).
func formatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	s := strconv.FormatFloat(f, 'G', 15, 64)
	if strings.Contains(s, "E") {
		mant, exp, _ := strings.Cut(s, "E")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		for len(exp) < 2 {
			exp = "0" + exp
		}
		return mant + "E" + string(sign) + exp
	}
	return s
}

// enumerate returns the items a value turns into in a pipeline: arrays and
// collections are unrolled, hashtables and strings are not.
func enumerate(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case *Collection:
		return x.Items
	case []byte:
		out := make([]any, len(x))
		for i, b := range x {
			out[i] = int(b)
		}
		return out
	case *inputEnum:
		return x.drain()
	}
	return []any{v}
}

// collect turns pipeline output into a value: nothing is $null, one item
// is that item, more are an array.
func collect(items []any) any {
	switch len(items) {
	case 0:
		return nil
	case 1:
		return items[0]
	}
	return items
}

// strLen is String.Length: UTF-16 code units.
func strLen(s string) int { return len(utf16.Encode([]rune(s))) }

// newHashtable returns an empty hashtable.
func newHashtable() *Hashtable { return &Hashtable{Values: map[string]any{}} }

// Set adds or replaces a key, keeping the first spelling and position.
func (h *Hashtable) Set(key string, v any) {
	if h.Values == nil {
		h.Values = map[string]any{}
	}
	k := strings.ToLower(key)
	if _, ok := h.Values[k]; !ok {
		h.Keys = append(h.Keys, key)
	}
	h.Values[k] = v
}

// Lookup returns the value of key (case-insensitive).
func (h *Hashtable) Lookup(key string) (any, bool) {
	v, ok := h.Values[strings.ToLower(key)]
	return v, ok
}

// isNumber reports the numeric value kinds.
func isNumber(v any) bool {
	switch v.(type) {
	case int, int64, float64:
		return true
	}
	return false
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case float64:
		return x
	case bool:
		if x {
			return 1
		}
	}
	return 0
}
