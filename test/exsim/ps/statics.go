package ps

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// invokeStatic runs the static methods of the subset.
func (in *interp) invokeStatic(x *invokeMemberExpr, args []any, sc *scope) (any, error) {
	t := x.target.(*typeExpr)
	name := strings.ToLower(x.name)
	if v, handled, err := in.invokeFileStatic(canonicalType(t.name), name, x, args, sc); handled {
		return v, err
	}
	switch canonicalType(t.name) + "::" + name {
	case "convert::frombase64string":
		if len(args) != 1 {
			return nil, in.overloadError(x.name, len(args), x.extent, sc)
		}
		if args[0] == nil {
			return nil, in.methodException(x.name, 1, "Value cannot be null.\r\nParameter name: s", "ArgumentNullException", x.extent, sc)
		}
		b, msg := fromBase64(toStringPS(args[0]))
		if msg != "" {
			return nil, in.methodException(x.name, 1, msg, "FormatException", x.extent, sc)
		}
		return b, nil
	case "convert::tobase64string":
		if len(args) != 1 {
			if len(args) > 1 && len(args) <= 4 {
				return nil, in.notSupported("[Convert]::ToBase64String with more than one argument", x.extent, sc)
			}
			return nil, in.overloadError(x.name, len(args), x.extent, sc)
		}
		if args[0] == nil {
			return nil, in.methodException(x.name, 1, "Value cannot be null.\r\nParameter name: inArray", "ArgumentNullException", x.extent, sc)
		}
		b, err := in.toBytes(args[0], "inArray", x.name, x.extent, sc)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString(b), nil
	case "string::join":
		if len(args) < 2 {
			return nil, in.overloadError(x.name, len(args), x.extent, sc)
		}
		var items []any
		if len(args) == 2 {
			switch v := args[1].(type) {
			case []any, *Collection, *inputEnum:
				items = enumerate(v)
			case nil:
				return nil, in.methodException(x.name, 2, "Value cannot be null.\r\nParameter name: values", "ArgumentNullException", x.extent, sc)
			default:
				items = []any{v}
			}
		} else {
			items = args[1:]
		}
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = toStringPS(it)
		}
		return strings.Join(parts, toStringPS(args[0])), nil
	case "scriptblock::create":
		if len(args) != 1 {
			return nil, in.overloadError(x.name, len(args), x.extent, sc)
		}
		text := toStringPS(args[0])
		parsed, perr := parseScript(text)
		in.reportCompiled(text, parsed)
		if perr != nil {
			msg, id := parseExceptionMessage(perr, parsed, text)
			return nil, in.methodException(x.name, 1, msg, id, x.extent, sc)
		}
		return &ScriptBlock{Text: text, parsed: parsed}, nil
	}
	return nil, in.notSupported("["+t.name+"]::"+x.name+"()", x.extent, sc)
}

// parseExceptionMessage is the message of the exception a parse error
// raises: IncompleteParseException carries the message only, ParseException
// each error's position and message.
func parseExceptionMessage(e *ParseError, _ *script, text string) (msg, exceptionType string) {
	if e.Incomplete {
		return e.Message, "IncompleteParseException"
	}
	return positionMessage([]rune(text), extent{e.Start, e.End}, false) + "\r\n" + e.Message, "ParseException"
}

// fromBase64 decodes as Convert.FromBase64String: blanks are ignored, and
// the errors are .NET's FormatException messages.
func fromBase64(s string) ([]byte, string) {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return nil, "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters. "
		}
		b.WriteRune(c)
	}
	clean := b.String()
	if len(clean)%4 != 0 {
		return nil, "Invalid length for a Base-64 char array or string."
	}
	pad := len(clean) - len(strings.TrimRight(clean, "="))
	if pad > 2 || strings.Contains(strings.TrimRight(clean, "="), "=") {
		return nil, "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters. "
	}
	// Go, like .NET, ignores non-zero bits in the last character unless Strict.
	out, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return nil, "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters. "
	}
	return out, ""
}

// textEncoding is a System.Text.Encoding for a code page.
type textEncoding struct{ codepage int }

func (e *textEncoding) typeName() string {
	if e.codepage == 65001 {
		return "System.Text.UTF8Encoding"
	}
	return "System.Text.SBCSCodePageEncoding"
}

// String is Encoding.ToString(): the type name.
func (e *textEncoding) String() string { return e.typeName() }

func (e *textEncoding) encode(s string) []byte {
	if e.codepage == 65001 {
		return []byte(s)
	}
	return encodeOEM(s)
}

// decode replaces invalid sequences with U+FFFD, as .NET's decoders do.
func (e *textEncoding) decode(b []byte) string {
	if e.codepage != 65001 {
		return decodeOEM(b)
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// object describes the encoding as a PSObject (its public properties).
func (e *textEncoding) object() *Object {
	utf := e.codepage == 65001
	pick := func(a, b any) any {
		if utf {
			return a
		}
		return b
	}
	props := []*Property{
		{Name: "BodyName", Value: pick("utf-8", "IBM437")},
		{Name: "EncodingName", Value: pick("Unicode (UTF-8)", "OEM United States")},
		{Name: "HeaderName", Value: pick("utf-8", "IBM437")},
		{Name: "WebName", Value: pick("utf-8", "IBM437")},
		{Name: "WindowsCodePage", Value: pick(1200, 1252)},
		{Name: "IsBrowserDisplay", Value: pick(true, false)},
		{Name: "IsBrowserSave", Value: pick(true, false)},
		{Name: "IsMailNewsDisplay", Value: pick(true, false)},
		{Name: "IsMailNewsSave", Value: pick(true, false)},
		{Name: "IsSingleByte", Value: !utf},
		{Name: "EncoderFallback", Value: "System.Text.EncoderReplacementFallback"},
		{Name: "DecoderFallback", Value: "System.Text.DecoderReplacementFallback"},
		{Name: "IsReadOnly", Value: true},
		{Name: "CodePage", Value: e.codepage},
	}
	return &Object{TypeNames: []string{e.typeName(), "System.Text.Encoding", "System.Object"}, Props: props}
}

// consoleIn is [Console]::In.
type consoleIn struct{ r *stdinReader }

func (c *consoleIn) String() string { return "System.IO.SyncTextReader" }

// inputEnum is $input: an enumerator that is drained once.
type inputEnum struct {
	r     *stdinReader // stdin lines (the -Command script's $input)
	items []any        // pipeline input (a script block's $input)
	done  bool
}

func (e *inputEnum) drain() []any {
	if e.done {
		return nil
	}
	e.done = true
	if e.r == nil {
		return e.items
	}
	var out []any
	for {
		l, ok := e.r.readLine()
		if !ok {
			return out
		}
		out = append(out, l)
	}
}

func (e *inputEnum) String() string { return typeName(e) }
