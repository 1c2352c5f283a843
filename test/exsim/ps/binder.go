package ps

import (
	"fmt"
	"sort"
	"strings"
)

// argValue is one evaluated command argument.
type argValue struct {
	param    string // without the dash; "" for a value
	colon    bool
	hasValue bool
	value    any
	paramExt extent
	valueExt extent
	index    int // position among the command's arguments
}

// paramEntry is a parameter the binder knows: declared by the command, or
// common (added by PowerShell to every cmdlet).
type paramEntry struct {
	spec   ParamSpec
	common bool
}

const allSets = "__AllParameterSets"

// commonParams returns the common parameters of the PowerShell version, in
// the order PowerShell lists them.
func commonParams(psv2 bool) []ParamSpec {
	p := func(name, typ string, aliases ...string) ParamSpec {
		return ParamSpec{Name: name, Type: typ, Position: -1, Aliases: aliases}
	}
	list := []ParamSpec{
		p("Verbose", "SwitchParameter", "vb"),
		p("Debug", "SwitchParameter", "db"),
		p("ErrorAction", "ActionPreference", "ea"),
		p("WarningAction", "ActionPreference", "wa"),
	}
	if !psv2 {
		list = append(list, p("InformationAction", "ActionPreference", "infa"))
	}
	list = append(list, p("ErrorVariable", "String", "ev"), p("WarningVariable", "String", "wv"))
	if !psv2 {
		list = append(list, p("InformationVariable", "String", "iv"))
	}
	list = append(list, p("OutVariable", "String", "ov"), p("OutBuffer", "Int32", "ob"))
	if !psv2 {
		list = append(list, p("PipelineVariable", "String", "pv"))
	}
	return list
}

// shouldProcessParams are -WhatIf and -Confirm: present on commands that
// support ShouldProcess, which declare them (params.tsv lists them).
var shouldProcessParams = map[string]string{"whatif": "wi", "confirm": "cf"}

// paramTable builds the binder's view of a command's parameters.
func paramTable(cmd Command, psv2 bool) []paramEntry {
	var out []paramEntry
	var sp []paramEntry
	for _, s := range cmd.Params() {
		if alias, ok := shouldProcessParams[strings.ToLower(s.Name)]; ok {
			s.Position = -1
			if len(s.Aliases) == 0 {
				s.Aliases = []string{alias}
			}
			sp = append(sp, paramEntry{spec: s, common: true})
			continue
		}
		out = append(out, paramEntry{spec: s})
	}
	for _, s := range commonParams(psv2) {
		out = append(out, paramEntry{spec: s, common: true})
	}
	sort.SliceStable(sp, func(i, j int) bool { return strings.EqualFold(sp[i].spec.Name, "WhatIf") })
	return append(out, sp...)
}

// setsOf returns the parameter sets a parameter belongs to; nil means all.
func setsOf(s ParamSpec) []string {
	var out []string
	for _, n := range s.Sets {
		if n == "" || n == "(All)" || n == allSets {
			return nil
		}
		out = append(out, n)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}

// bindError is a parameter binding error (ParameterBindingException): a
// statement-terminating error worded per docs/exchange.md "PowerShell error wording".
type bindError struct {
	id, msg  string
	at       extent
	category string // InvalidArgument unless set
	reason   string // ParameterBindingException unless set
	target   string
}

// resolveParam finds the parameter a -name refers to (MergedCommandParameterMetadata):
// an exact name or alias wins, else a unique prefix, else a unique declared
// parameter among the prefix matches.
func resolveParam(table []paramEntry, name string) (*paramEntry, *bindError) {
	for i := range table {
		e := &table[i]
		if strings.EqualFold(e.spec.Name, name) {
			return e, nil
		}
		for _, a := range e.spec.Aliases {
			if strings.EqualFold(a, name) {
				return e, nil
			}
		}
	}
	lname := strings.ToLower(name)
	var matches []*paramEntry
	for i := range table {
		e := &table[i]
		hit := strings.HasPrefix(strings.ToLower(e.spec.Name), lname)
		for _, a := range e.spec.Aliases {
			if strings.HasPrefix(strings.ToLower(a), lname) {
				hit = true
			}
		}
		if hit {
			matches = append(matches, e)
		}
	}
	switch len(matches) {
	case 0:
		return nil, &bindError{id: "NamedParameterNotFound", msg: fmt.Sprintf(msgNamedParamMissing, name)}
	case 1:
		return matches[0], nil
	}
	var declared []*paramEntry
	for _, m := range matches {
		if !m.common {
			declared = append(declared, m)
		}
	}
	if len(declared) == 1 {
		return declared[0], nil
	}
	var list strings.Builder
	for _, m := range matches {
		list.WriteString(" -" + m.spec.Name)
	}
	return nil, &bindError{id: "AmbiguousParameter", msg: fmt.Sprintf(msgAmbiguousParam, name, list.String())}
}

// boundCall is the outcome of binding: the values by canonical name, the
// names in the order they were bound, and the chosen parameter set.
type boundCall struct {
	table    []paramEntry
	values   map[string]any // canonical name -> converted value
	order    []string
	set      string
	pipeline *paramEntry // the by-value pipeline parameter still unbound, if any
}

func (b *boundCall) has(name string) bool {
	_, ok := b.values[strings.ToLower(name)]
	return ok
}

func (b *boundCall) get(name string) any { return b.values[strings.ToLower(name)] }
