package exchange

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Call is one cmdlet invocation with literal arguments: what a plan shows and
// what an apply script runs between its markers.
type Call struct {
	Cmdlet string
	Params []Param
	// body, when set, is the call as statements of this package's own
	// (the X509Store calls of the Root store, which are .NET methods, not
	// cmdlets): Cmdlet then only names it in reports and errors. builtins
	// are the commands body uses, for the parameter check.
	body     []Code
	builtins []Call
}

// Param is one named parameter of a Call.
type Param struct {
	Name string
	// Value is the argument; empty for a switch.
	Value Code
	// Switch marks a switch parameter: -Name, or -Name:$value when Colon.
	Switch bool
	// Colon writes -Name:value, the only form a switch takes a value in
	// (-Confirm:$false).
	Colon bool
}

// newCall starts a call of cmdlet.
func newCall(cmdlet string) *Call { return &Call{Cmdlet: cmdlet} }

// Arg appends -name value.
func (c *Call) Arg(name string, v Code) *Call {
	c.Params = append(c.Params, Param{Name: name, Value: v})
	return c
}

// Switch appends -name.
func (c *Call) Switch(name string) *Call {
	c.Params = append(c.Params, Param{Name: name, Switch: true})
	return c
}

// SwitchValue appends -name:$true or -name:$false.
func (c *Call) SwitchValue(name string, b bool) *Call {
	c.Params = append(c.Params, Param{Name: name, Value: boolean(b), Switch: true, Colon: true})
	return c
}

// Has reports whether the call passes parameter name (case-insensitive).
func (c *Call) Has(name string) bool {
	_, ok := c.Param(name)
	return ok
}

// Param returns the parameter called name (case-insensitive).
func (c *Call) Param(name string) (Param, bool) {
	for _, p := range c.Params {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Param{}, false
}

// Without returns a copy of the call without the parameters named.
func (c Call) Without(names ...string) Call {
	out := Call{Cmdlet: c.Cmdlet, body: c.body, builtins: c.builtins}
	for _, p := range c.Params {
		drop := false
		for _, n := range names {
			if strings.EqualFold(p.Name, n) {
				drop = true
			}
		}
		if !drop {
			out.Params = append(out.Params, p)
		}
	}
	return out
}

// Code renders the call as one PowerShell command.
func (c Call) Code() Code {
	if len(c.body) > 0 {
		var out Code
		for i, l := range c.body {
			if i > 0 {
				out = concat(out, raw("; "))
			}
			out = concat(out, l)
		}
		return out
	}
	out := ident(c.Cmdlet)
	for _, p := range c.Params {
		switch {
		case p.Switch && !p.Colon:
			out = concat(out, raw(" -"), ident(p.Name))
		case p.Colon:
			out = concat(out, raw(" -"), ident(p.Name), raw(":"), p.Value)
		default:
			out = concat(out, raw(" -"), ident(p.Name), raw(" "), p.Value)
		}
	}
	return out
}

// Redacted is the call as a person reads it in a plan, secrets replaced.
func (c Call) Redacted() string { return c.Code().Redacted() }

// String is Redacted.
func (c Call) String() string { return c.Redacted() }

// MarshalJSON is the redacted call text.
func (c Call) MarshalJSON() ([]byte, error) { return json.Marshal(c.Redacted()) }

// optBool appends -name $true/$false when v is set.
func (c *Call) optBool(name string, v *bool) {
	if v != nil {
		c.Arg(name, boolean(*v))
	}
}

// optString appends -name 'v' when v is set; an empty string clears the
// property ($null), which is how Exchange empties a string or enum property.
func (c *Call) optString(name string, v *string) {
	if v == nil {
		return
	}
	if *v == "" {
		c.Arg(name, null())
		return
	}
	c.Arg(name, lit(*v))
}

// optInt appends -name n when v is set.
func (c *Call) optInt(name string, v *int) {
	if v != nil {
		c.Arg(name, integer(int64(*v)))
	}
}

// optList appends -name 'a','b' when items is not nil; an empty, non-nil
// list clears the property ($null). nil means "not managed".
func (c *Call) optList(name string, items []string) {
	if items != nil {
		c.Arg(name, lits(items))
	}
}

// strs returns the String form of every value (the form cmdlets accept).
func strs[T fmt.Stringer](xs []T) []string {
	if xs == nil {
		return nil
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.String()
	}
	return out
}
