package ps

import (
	"fmt"
	"strings"
)

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
func validationError(cmd, class, param, detail string) *ErrorRecord {
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
