package ps

import (
	"strconv"
	"strings"
	"unicode"
)

// typeInfo is the System.Type that GetType() returns (FullName, Name).
type typeInfo struct{ full string }

func (t *typeInfo) String() string { return t.full }

// stringMethod runs the System.String instance methods of the subset, with
// .NET Framework's overloads (what Windows PowerShell 2.0 and 5.1 call): a
// string argument to Split converts to char[], so every one of its
// characters separates. handled is false for other methods.
// https://learn.microsoft.com/dotnet/api/system.string.split?view=netframework-4.8
func (in *interp) stringMethod(s string, x *invokeMemberExpr, args []any, sc *scope) (any, bool, error) {
	name := strings.ToLower(x.name)
	argc := len(args)
	bad := func() (any, bool, error) { return nil, true, in.overloadError(x.name, argc, x.extent, sc) }
	str := func(i int) string { return toStringPS(args[i]) }
	switch name {
	case "split":
		switch argc {
		case 0:
			return splitAny(s, unicode.IsSpace), true, nil
		case 1:
			seps := charSet(args[0])
			if len(seps) == 0 {
				return splitAny(s, unicode.IsSpace), true, nil
			}
			return splitAny(s, func(r rune) bool { return strings.ContainsRune(seps, r) }), true, nil
		}
		return nil, true, in.notSupported("String.Split with "+strconv.Itoa(argc)+" arguments", x.extent, sc)
	case "trim", "trimstart", "trimend":
		var cut func(rune) bool = unicode.IsSpace
		if argc > 0 {
			set := ""
			for _, a := range args {
				set += charSet(a)
			}
			cut = func(r rune) bool { return strings.ContainsRune(set, r) }
		}
		switch name {
		case "trim":
			return strings.TrimFunc(s, cut), true, nil
		case "trimstart":
			return strings.TrimLeftFunc(s, cut), true, nil
		}
		return strings.TrimRightFunc(s, cut), true, nil
	case "toupper", "toupperinvariant":
		if argc != 0 {
			return bad()
		}
		return strings.ToUpper(s), true, nil
	case "tolower", "tolowerinvariant":
		if argc != 0 {
			return bad()
		}
		return strings.ToLower(s), true, nil
	case "startswith", "endswith", "contains":
		if argc != 1 {
			return bad()
		}
		if args[0] == nil {
			return nil, true, in.methodException(x.name, 1, "Value cannot be null.\r\nParameter name: value", "ArgumentNullException", x.extent, sc)
		}
		v := str(0)
		switch name {
		case "startswith":
			return strings.HasPrefix(s, v), true, nil
		case "endswith":
			return strings.HasSuffix(s, v), true, nil
		}
		return strings.Contains(s, v), true, nil
	case "replace":
		if argc != 2 {
			return bad()
		}
		old := str(0)
		if old == "" {
			return nil, true, in.methodException(x.name, 2, "String cannot be of zero length.\r\nParameter name: oldValue", "ArgumentException", x.extent, sc)
		}
		return strings.ReplaceAll(s, old, str(1)), true, nil
	}
	return nil, false, nil
}

// charSet converts a Split/Trim argument to the characters of a char[]: a
// string gives its characters, an array one character per element.
func charSet(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []any:
		var b strings.Builder
		for _, e := range x {
			b.WriteString(toStringPS(e))
		}
		return b.String()
	}
	return toStringPS(v)
}

// splitAny splits at every separator character, keeping empty entries
// (StringSplitOptions.None).
func splitAny(s string, sep func(rune) bool) []any {
	var out []any
	start := 0
	for i, r := range s {
		if sep(r) {
			out = append(out, s[start:i])
			start = i + len(string(r))
		}
	}
	return append(out, s[start:])
}
