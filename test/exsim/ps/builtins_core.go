package ps

import (
	"fmt"
	"strings"
)

var errorCategories = []string{"NotSpecified", "OpenError", "CloseError", "DeviceError", "DeadlockDetected", "InvalidArgument",
	"InvalidData", "InvalidOperation", "InvalidResult", "InvalidType", "MetadataError", "NotImplemented", "NotInstalled",
	"ObjectNotFound", "OperationStopped", "OperationTimeout", "SyntaxError", "ParserError", "PermissionDenied",
	"ResourceBusy", "ResourceExists", "ResourceUnavailable", "ReadError", "WriteError", "FromStdErr", "SecurityError",
	"ProtocolError", "ConnectionError", "AuthenticationError", "LimitsExceeded", "QuotaExceeded", "NotEnabled"}

var consoleColors = []string{"Black", "DarkBlue", "DarkGreen", "DarkCyan", "DarkRed", "DarkMagenta", "DarkYellow", "Gray",
	"DarkGray", "Blue", "Green", "Cyan", "Red", "Magenta", "Yellow", "White"}

func coreBuiltins() []*builtin {
	return []*builtin{
		{name: "Write-Output", params: []ParamSpec{
			param("InputObject", "PSObject[]").at(0).pipe().rest().mandatory().allowNull(),
			param("NoEnumerate", "SwitchParameter"),
		}, run: runWriteOutput},
		{name: "Out-Null", params: []ParamSpec{param("InputObject", "PSObject").pipe()},
			run: func(*interp, *Call) ([]any, error) { return nil, nil }},
		{name: "Write-Host", params: []ParamSpec{
			param("Object", "Object").at(0).pipe().rest().alias("Msg", "Message"),
			param("NoNewline", "SwitchParameter"),
			param("Separator", "Object"),
			param("ForegroundColor", "System.ConsoleColor").enum(consoleColors...),
			param("BackgroundColor", "System.ConsoleColor").enum(consoleColors...),
		}, run: runWriteHost},
		{name: "Write-Error", params: []ParamSpec{
			param("Message", "String").at(0).mandatory().alias("Msg").allowNull(),
			param("Category", "System.Management.Automation.ErrorCategory").enum(errorCategories...),
			param("ErrorId", "String"),
			param("TargetObject", "Object"),
			param("RecommendedAction", "String"),
			param("CategoryActivity", "String").alias("Activity"),
			param("CategoryReason", "String").alias("Reason"),
			param("CategoryTargetName", "String").alias("TargetName"),
			param("CategoryTargetType", "String").alias("TargetType"),
		}, run: runWriteError},
		{name: "Write-Warning", params: []ParamSpec{
			param("Message", "String").at(0).mandatory().pipe().alias("Msg").allowNull(),
		}, run: func(in *interp, c *Call) ([]any, error) {
			for _, m := range append([]any{}, messages(c)...) {
				c.WriteWarning(toStringPS(m))
			}
			return nil, nil
		}},
		{name: "Select-Object", defaultSet: "DefaultParameter", params: []ParamSpec{
			param("InputObject", "PSObject").pipe(),
			param("Property", "Object[]").at(0).in("DefaultParameter"),
			param("ExcludeProperty", "String[]").in("DefaultParameter"),
			param("ExpandProperty", "String").in("DefaultParameter"),
			param("Unique", "SwitchParameter"),
			param("Last", "Int32").in("DefaultParameter"),
			param("First", "Int32").in("DefaultParameter"),
			param("Skip", "Int32").in("DefaultParameter"),
			param("Index", "Int32[]").in("IndexParameter"),
		}, run: runSelectObject},
		{name: "ConvertTo-SecureString", defaultSet: "Secure", params: []ParamSpec{
			param("String", "String").at(0).pipe().mandatory(),
			param("AsPlainText", "SwitchParameter").at(1).in("PlainText"),
			param("Force", "SwitchParameter").at(2).in("PlainText"),
			param("SecureKey", "SecureString").at(1).in("Secure"),
			param("Key", "Byte[]").in("Open"),
		}, run: runConvertToSecureString},
		{name: "New-Object", defaultSet: "Net", params: []ParamSpec{
			param("TypeName", "String").at(0).in("Net").mandatory(),
			param("ArgumentList", "Object[]").at(1).in("Net").alias("Args"),
			param("ComObject", "String").at(0).in("Com").mandatory(),
			param("Strict", "SwitchParameter").in("Com"),
			param("Property", "IDictionary"),
		}, run: runNewObject},
	}
}

func messages(c *Call) []any {
	if c.Has("Message") {
		return []any{c.Args["Message"]}
	}
	return c.Input
}

func runWriteOutput(in *interp, c *Call) ([]any, error) {
	if c.Has("InputObject") {
		if boolArg(c, "NoEnumerate") {
			return []any{c.Args["InputObject"]}, nil
		}
		return enumerate(c.Args["InputObject"]), nil
	}
	return c.Input, nil
}

func runWriteHost(in *interp, c *Call) ([]any, error) {
	objs := c.Input
	if c.Has("Object") {
		objs = []any{c.Args["Object"]}
	}
	sep := " "
	if c.Has("Separator") {
		sep = toStringPS(c.Args["Separator"])
	}
	var parts []string
	var flat func(v any)
	flat = func(v any) {
		switch x := v.(type) {
		case []any, *Collection:
			for _, it := range enumerate(x) {
				flat(it)
			}
		default:
			parts = append(parts, toStringPS(v))
		}
	}
	for _, o := range objs {
		flat(o)
	}
	text := strings.Join(parts, sep)
	if boolArg(c, "NoNewline") {
		in.stdout.write(text)
	} else {
		in.stdout.line(text)
	}
	return nil, nil
}

// runWriteError writes the error as Write-Error does: the record's
// InvocationInfo is the calling script's, so the prefix is the script text.
func runWriteError(in *interp, c *Call) ([]any, error) {
	msg := stringArg(c, "Message")
	rec := &ErrorRecord{Message: msg, Category: "NotSpecified", Reason: "WriteErrorException",
		ExceptionType:         "Microsoft.PowerShell.Commands.WriteErrorException",
		FullyQualifiedErrorId: "Microsoft.PowerShell.Commands.WriteErrorException"}
	if v := stringArg(c, "Category"); v != "" {
		rec.Category = v
	}
	if v := stringArg(c, "ErrorId"); v != "" {
		rec.FullyQualifiedErrorId = v
	}
	if v, ok := c.Args["TargetObject"]; ok && v != nil {
		rec.TargetName, rec.TargetType = toStringPS(v), typeName(v)
	}
	if v := stringArg(c, "CategoryReason"); v != "" {
		rec.Reason = v
	}
	if v := stringArg(c, "CategoryTargetName"); v != "" {
		rec.TargetName = v
	}
	if v := stringArg(c, "CategoryTargetType"); v != "" {
		rec.TargetType = v
	}
	rec.activity = "Write-Error"
	if v := stringArg(c, "CategoryActivity"); v != "" {
		rec.activity = v
	}
	if r := in.cur; r != nil {
		inv := &invocation{hasScript: true, scriptText: r.sc.text}
		if r.sc.call != nil {
			inv.src, inv.pos = r.sc.call.src, r.sc.call.pos
		}
		rec.inv = inv
	}
	return nil, rec
}

func runSelectObject(in *interp, c *Call) ([]any, error) {
	if err := refuse(c, "Unique", "Index"); err != nil {
		return nil, err
	}
	items := inputObjects(c)
	if c.Has("Skip") {
		n, _ := c.Args["Skip"].(int)
		items = items[min(max(n, 0), len(items)):]
	}
	if c.Has("First") || c.Has("Last") {
		var out []any
		if c.Has("First") {
			n, _ := c.Args["First"].(int)
			out = append(out, items[:min(max(n, 0), len(items))]...)
		}
		if c.Has("Last") {
			n, _ := c.Args["Last"].(int)
			out = append(out, items[len(items)-min(max(n, 0), len(items)):]...)
		}
		items = out
	}
	var patterns []string
	if c.Has("Property") {
		for _, p := range enumerate(c.Args["Property"]) {
			if _, ok := p.(*Hashtable); ok {
				return nil, &ErrorRecord{Message: notSupportedMsg("a calculated property"), Category: "NotImplemented", Reason: "NotSupportedException", FullyQualifiedErrorId: errNotSupported, Terminating: true}
			}
			patterns = append(patterns, toStringPS(p))
		}
	}
	exclude := stringList(c.Args["ExcludeProperty"])
	expand := stringArg(c, "ExpandProperty")
	var out []any
	for _, it := range items {
		if patterns == nil && expand == "" {
			out = append(out, it)
			continue
		}
		o, ok := asObject(it)
		if !ok {
			o = &Object{TypeNames: []string{typeName(it)}}
			if s, isStr := it.(string); isStr {
				o.Props = []*Property{{Name: "Length", Value: strLen(s), TypeOfValue: "System.Int32"}}
			}
		}
		if expand != "" && patterns == nil {
			p := o.Get(expand)
			if p == nil {
				rec := &ErrorRecord{Message: fmt.Sprintf("Property \"%s\" cannot be found.", expand), Category: "InvalidArgument",
					Reason: "PSArgumentException", FullyQualifiedErrorId: "ExpandPropertyNotFound,Microsoft.PowerShell.Commands.SelectObjectCommand",
					TargetName: toStringPS(it), TargetType: typeName(it)}
				c.WriteError(rec)
				continue
			}
			out = append(out, enumerate(p.Value)...)
			continue
		}
		// "Selected." + InputObject.BaseObject.GetType(): a deserialized
		// object's base object is a PSCustomObject (Select-Object.cs,
		// SetPSCustomObject).
		sel := &Object{TypeNames: []string{"Selected." + typeName(it), psCustomObject, "System.Object"}}
		for _, fp := range selectProps(o, patterns, true) {
			skip := false
			for _, ex := range exclude {
				if wildcardMatch(ex, fp.label) {
					skip = true
				}
			}
			if skip || sel.Get(fp.label) != nil {
				continue
			}
			tv := "System.Object"
			if fp.value != nil {
				tv = typeName(fp.value)
			}
			sel.Props = append(sel.Props, &Property{Name: fp.label, Value: fp.value, TypeOfValue: tv})
		}
		out = append(out, sel)
	}
	return out, nil
}

func runConvertToSecureString(in *interp, c *Call) ([]any, error) {
	s := stringArg(c, "String")
	if c.Has("SecureKey") || c.Has("Key") {
		return nil, refuse(c, "SecureKey", "Key")
	}
	if !boolArg(c, "AsPlainText") {
		// The text must be a DPAPI-protected string of this user, which exsim
		// never has: hex text fails to decrypt, other text to parse.
		if isHex(s) && len(s)%2 == 0 {
			return nil, &ErrorRecord{Message: "Key not valid for use in specified state.\r\n", Category: "InvalidArgument", Reason: "CryptographicException",
				FullyQualifiedErrorId: "ImportSecureString_InvalidArgument_CryptographicError,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand"}
		}
		return nil, &ErrorRecord{Message: "Input string was not in a correct format.", Category: "NotSpecified", Reason: "FormatException",
			FullyQualifiedErrorId: "System.FormatException,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand", Terminating: true}
	}
	if !boolArg(c, "Force") {
		return nil, &ErrorRecord{Message: "The system cannot protect plain text input. To suppress this warning and convert the plain text to a SecureString, reissue the command specifying the Force parameter. For more information ,type: get-help ConvertTo-SecureString.",
			Category: "InvalidArgument", Reason: "ArgumentException", FullyQualifiedErrorId: "ImportSecureString_ForceRequired,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand"}
	}
	if in.host.Secrets != nil && s != "" {
		in.host.Secrets(s)
	}
	return []any{NewSecureString(s)}, nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// runNewObject creates a PSCredential, the one type of the subset.
func runNewObject(in *interp, c *Call) ([]any, error) {
	if err := refuse(c, "ComObject", "Property"); err != nil {
		return nil, err
	}
	if x := canonicalX509Type(stringArg(c, "TypeName")); x != "" {
		return in.newX509Object(x, c)
	}
	typ := strings.ToLower(strings.TrimSpace(stringArg(c, "TypeName")))
	if typ != "system.management.automation.pscredential" && !(typ == "pscredential" && !in.psv2) && typ != "management.automation.pscredential" {
		return nil, &ErrorRecord{Message: notSupportedMsg("New-Object of the type '" + stringArg(c, "TypeName") + "'"), Category: "NotImplemented",
			Reason: "NotSupportedException", FullyQualifiedErrorId: errNotSupported, Terminating: true}
	}
	args := enumerate(c.Args["ArgumentList"])
	if !c.Has("ArgumentList") {
		args = nil
	}
	ctorErr := func(msg string) error {
		return &ErrorRecord{Message: msg, Category: "InvalidOperation", Reason: "MethodException",
			FullyQualifiedErrorId: "ConstructorInvokedThrowException,Microsoft.PowerShell.Commands.NewObjectCommand", Terminating: true}
	}
	if len(args) != 2 {
		if len(args) == 0 {
			return nil, ctorErr(`A constructor was not found. Cannot find an appropriate constructor for type System.Management.Automation.PSCredential.`)
		}
		return nil, ctorErr(fmt.Sprintf(`Cannot find an overload for "PSCredential" and the argument count: "%d".`, len(args)))
	}
	pw, ok := args[1].(*SecureString)
	if !ok && args[1] != nil {
		return nil, ctorErr(`Cannot find an overload for "PSCredential" and the argument count: "2".`)
	}
	user := toStringPS(args[0])
	if user == "" {
		return nil, ctorErr(`Exception calling ".ctor" with "2" argument(s): "Cannot process argument because the value of argument "userName" is not valid. Change the value of the "userName" argument and run the operation again."`)
	}
	if pw == nil {
		return nil, ctorErr(`Exception calling ".ctor" with "2" argument(s): "Cannot process argument because the value of argument "password" is null. Change the value of argument "password" to a non-null value."`)
	}
	if in.host.Secrets != nil && pw.Plain() != "" {
		in.host.Secrets(pw.Plain())
	}
	return []any{&Credential{UserName: user, Password: pw}}, nil
}

// builtin is a command the interpreter implements itself.
type builtin struct {
	name, class string
	params      []ParamSpec
	defaultSet  string
	in          *interp
	run         func(in *interp, c *Call) ([]any, error)
}

func (b *builtin) Name() string                  { return b.name }
func (b *builtin) ClassName() string             { return b.class }
func (b *builtin) Params() []ParamSpec           { return b.params }
func (b *builtin) Invoke(c *Call) ([]any, error) { return b.run(b.in, c) }
func (b *builtin) DefaultParameterSet() string   { return b.defaultSet }

// wholeBuiltin is a built-in that takes all its pipeline input at once.
type wholeBuiltin struct{ *builtin }

func (wholeBuiltin) wholeInput() {}

// param is a shorthand for a named ParamSpec.
func param(name, typ string) ParamSpec { return ParamSpec{Name: name, Type: typ, Position: -1} }

func (p ParamSpec) at(pos int) ParamSpec        { p.Position = pos; return p }
func (p ParamSpec) pipe() ParamSpec             { p.FromPipeline = true; return p }
func (p ParamSpec) mandatory() ParamSpec        { p.MandatoryIn = []string{"(All)"}; return p }
func (p ParamSpec) in(sets ...string) ParamSpec { p.Sets = sets; return p }
func (p ParamSpec) alias(a ...string) ParamSpec { p.Aliases = a; return p }
func (p ParamSpec) rest() ParamSpec             { p.FromRemaining = true; return p }
func (p ParamSpec) allowNull() ParamSpec        { p.AllowNull = true; return p }
func (p ParamSpec) enum(e ...string) ParamSpec  { p.Enum = e; return p }

// registerBuiltins adds the built-in commands to the interpreter.
func (in *interp) registerBuiltins() {
	add := func(b *builtin, whole bool) {
		b.in = in
		if b.class == "" {
			b.class = "Microsoft.PowerShell.Commands." + strings.ReplaceAll(b.name, "-", "") + "Command"
		}
		var c Command = b
		if whole {
			c = wholeBuiltin{b}
		}
		in.cmds[strings.ToLower(b.name)] = c
	}
	for _, b := range coreBuiltins() {
		add(b, b.name != "ConvertTo-SecureString" && b.name != "Remove-PSSession")
	}
	for _, b := range formatBuiltins() {
		add(b, true)
	}
	add(exportClixmlBuiltin(), true)
	add(removeItemBuiltin(), false)
	add(getChildItemBuiltin(), true)
	for _, b := range sessionBuiltins(in.psv2) {
		add(b, b.name != "Remove-PSSession")
	}
}

// inputObjects returns what a whole-input built-in works on: the pipeline
// input, or -InputObject as one object.
func inputObjects(c *Call) []any {
	if c.Has("InputObject") {
		return []any{c.Args["InputObject"]}
	}
	return c.Input
}

// refuse reports a parameter the subset does not implement.
func refuse(c *Call, names ...string) error {
	for _, n := range names {
		if c.Has(n) {
			return &ErrorRecord{Message: notSupportedMsg("the -" + n + " parameter"), Category: "NotImplemented", Reason: "NotSupportedException", FullyQualifiedErrorId: errNotSupported, Terminating: true}
		}
	}
	return nil
}

// validationError is a parameter validation failure raised while the
// command runs (ValidateSet, ValidateRange), worded as the binder would.
func validationError(class, param, detail string) *ErrorRecord {
	return &ErrorRecord{
		Message:               fmt.Sprintf("Cannot validate argument on parameter '%s'. %s", param, detail),
		Category:              "InvalidData",
		Reason:                "ParameterBindingValidationException",
		FullyQualifiedErrorId: "ParameterArgumentValidationError," + class,
		Terminating:           true,
	}
}

func stringArg(c *Call, name string) string {
	v, _ := c.Args[name].(string)
	return v
}

func boolArg(c *Call, name string) bool {
	v, _ := c.Args[name].(bool)
	return v
}

func stringList(v any) []string {
	var out []string
	for _, it := range enumerate(v) {
		if it != nil {
			out = append(out, toStringPS(it))
		}
	}
	return out
}
