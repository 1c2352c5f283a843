package ps

import "strings"

// scope is a PowerShell variable scope. The -Command script runs in the
// global scope; a script block run with & gets a child scope.
type scope struct {
	parent *scope
	vars   map[string]any
	input  *inputEnum // $input of this scope
	// text and src are the script text the scope runs, for Write-Error's
	// prefix and positions; call is where it was invoked from (nil at top level).
	text string
	src  []rune
	call *invocation
}

func newScope(parent *scope) *scope { return &scope{parent: parent, vars: map[string]any{}} }

func (s *scope) global() *scope {
	for s.parent != nil {
		s = s.parent
	}
	return s
}

// lookup finds a variable through the scope chain.
func (s *scope) lookup(name string) (any, bool) {
	k := strings.ToLower(name)
	for c := s; c != nil; c = c.parent {
		if v, ok := c.vars[k]; ok {
			return v, true
		}
	}
	return nil, false
}

// target returns the scope a scoped name (global:, script:, local:) refers to.
func (s *scope) target(scopeName string) *scope {
	switch scopeName {
	case "global", "script":
		return s.global()
	}
	return s
}

func (s *scope) set(name string, v any) { s.vars[strings.ToLower(name)] = v }

// preference reads an ActionPreference variable, defaulting to def.
func (s *scope) preference(name, def string) string {
	v, ok := s.lookup(name)
	if !ok || v == nil {
		return def
	}
	p := toStringPS(v)
	if n, ok := v.(int); ok {
		switch n {
		case 0:
			return "SilentlyContinue"
		case 1:
			return "Stop"
		case 2:
			return "Continue"
		case 3:
			return "Inquire"
		case 4:
			return "Ignore"
		}
	}
	for _, e := range actionPreferences {
		if strings.EqualFold(e, p) {
			return e
		}
	}
	return def
}

var actionPreferences = []string{"SilentlyContinue", "Stop", "Continue", "Inquire", "Ignore", "Suspend"}

// readOnlyVariables cannot be assigned (they are constants in PowerShell).
var readOnlyVariables = map[string]bool{"true": true, "false": true, "null": true, "?": true, "input": false}

// defaultVariables are the automatic and preference variables a fresh
// powershell.exe has.
func defaultVariables(g *scope) {
	g.set("ErrorActionPreference", "Continue")
	g.set("WarningPreference", "Continue")
	g.set("VerbosePreference", "SilentlyContinue")
	g.set("DebugPreference", "SilentlyContinue")
	g.set("ProgressPreference", "Continue")
	g.set("ConfirmPreference", "High")
	g.set("WhatIfPreference", false)
	g.set("FormatEnumerationLimit", 4)
	g.set("ErrorView", "NormalView")
}
