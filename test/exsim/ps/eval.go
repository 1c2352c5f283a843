package ps

import (
	"context"
	"errors"
	"strings"
)

// Control flow leaves statements as Go errors.
type (
	// exitSignal is `exit N`.
	exitSignal struct{ code int }
	// scriptTerm is a script-terminating error (throw, -ErrorAction Stop,
	// anything under $ErrorActionPreference = 'Stop'); it is reported once,
	// where the script ends.
	scriptTerm struct{ rec *ErrorRecord }
	// stmtTerm is a statement-terminating error (parameter binding, command
	// not found, a failed method call, ThrowTerminatingError).
	stmtTerm struct{ rec *ErrorRecord }
)

func (e *exitSignal) Error() string { return "exit" }
func (e *scriptTerm) Error() string { return e.rec.Message }
func (e *stmtTerm) Error() string   { return e.rec.Message }

var errStopped = errors.New("the pipeline has been stopped")

// interp runs scripts for one powershell.exe process.
type interp struct {
	ctx            context.Context
	host           *Host
	psv2           bool
	nonInteractive bool
	global         *scope
	stdin          *stdinReader
	fs             *fileSystem
	stdout         *textOut
	errs           errorSink
	out            *outDefault

	cmds     map[string]Command // lower-case name -> command
	sessions []*RemoteSession
	nextID   int
	modules  int

	// tryDepth counts the try blocks being run: inside one, statement-
	// terminating errors propagate to the catch instead of being written.
	tryDepth int
	// caught is the error record of the innermost catch block running
	// (what a bare `throw` rethrows).
	caught *ErrorRecord

	failed bool    // an error was written by the current statement
	lastOK bool    // $?
	cur    *cmdRun // the command being invoked, for the built-ins
}

// runStatements runs statements, sending their output to sink. A
// statement-terminating error is reported and the next statement runs,
// unless $ErrorActionPreference is Stop.
func (in *interp) runStatements(stmts []node, sc *scope, sink func(any)) error {
	for _, st := range stmts {
		if in.ctx.Err() != nil {
			return errStopped
		}
		in.failed = false
		err := in.execStatement(st, sc, sink)
		var term *stmtTerm
		if errors.As(err, &term) {
			if sc.preference("ErrorActionPreference", "Continue") == "Stop" {
				return &scriptTerm{rec: term.rec}
			}
			if in.tryDepth > 0 {
				// Inside a try block (here or in a caller) a
				// statement-terminating error goes to the catch block.
				in.lastOK = false
				return err
			}
			in.writeError(term.rec, sc)
			err = nil
		}
		if err != nil {
			in.lastOK = false
			return err
		}
		in.lastOK = !in.failed
	}
	return nil
}

func (in *interp) execStatement(st node, sc *scope, sink func(any)) error {
	switch s := st.(type) {
	case *pipeline:
		return in.runPipeline(s, sc, sink)
	case *assignment:
		_, err := in.assign(s, sc)
		return err
	case *exitStmt:
		code := 0
		if s.value != nil {
			v, err := in.statementValue(s.value, sc)
			if err != nil {
				return err
			}
			code = exitCodeOf(v)
		}
		return &exitSignal{code: code}
	case *tryStmt:
		return in.runTry(s, sc, sink)
	case *throwStmt:
		msg := "ScriptHalted"
		if s.value == nil && in.caught != nil {
			// A bare throw in a catch block rethrows the caught error.
			return &scriptTerm{rec: in.caught}
		}
		if s.value != nil {
			v, err := in.statementValue(s.value, sc)
			if err != nil {
				return err
			}
			switch x := v.(type) {
			case *ErrorRecord:
				return &scriptTerm{rec: x} // throw $_
			case *exceptionValue:
				return &scriptTerm{rec: x.rec} // throw $_.Exception
			}
			if v != nil {
				msg = toStringPS(v)
			}
		}
		rec := newError(msg, "OperationStopped", "RuntimeException", msg, &invocation{src: sc.src, pos: s.extent})
		rec.TargetName, rec.TargetType = msg, "String"
		if s.value == nil {
			rec.TargetName, rec.TargetType = "", ""
		}
		return &scriptTerm{rec: rec}
	}
	return nil
}

// exitCodeOf converts exit's argument as [int] would.
func exitCodeOf(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(int32(x))
	case float64:
		return int(roundHalfEven(x))
	case bool:
		if x {
			return 1
		}
	case string:
		if n, ok := parseNumber(strings.TrimSpace(x)); ok {
			return exitCodeOf(n)
		}
	}
	return 0
}

// statementValue evaluates a statement for its value: an expression keeps
// its value as is ($x = 1,2), a command's output is collected.
func (in *interp) statementValue(st node, sc *scope) (any, error) {
	switch s := st.(type) {
	case *pipeline:
		if len(s.elems) == 1 {
			if _, isCmd := s.elems[0].(*command); !isCmd {
				return in.eval(s.elems[0], sc)
			}
		}
		var items []any
		if err := in.runPipeline(s, sc, func(v any) { items = append(items, v) }); err != nil {
			return nil, err
		}
		return collect(items), nil
	case *assignment:
		return in.assign(s, sc)
	}
	var items []any
	err := in.execStatement(st, sc, func(v any) { items = append(items, v) })
	return collect(items), err
}

// runPipeline runs the elements in turn, each over the whole output of the
// one before (exsim's commands are not streaming).
func (in *interp) runPipeline(p *pipeline, sc *scope, sink func(any)) error {
	var items []any
	for i, el := range p.elems {
		if c, ok := el.(*command); ok {
			out, err := in.runCommand(c, sc, items, i > 0)
			if err != nil {
				// What the last command wrote before it failed was already
				// on its way out (PowerShell streams).
				if i == len(p.elems)-1 {
					for _, v := range out {
						sink(v)
					}
				}
				return err
			}
			items = out
			continue
		}
		v, err := in.eval(el, sc)
		if err != nil {
			return err
		}
		items = enumerate(v)
	}
	for _, v := range items {
		sink(v)
	}
	return nil
}

// assign runs an assignment and returns the assigned value.
func (in *interp) assign(a *assignment, sc *scope) (any, error) {
	v, err := in.statementValue(a.value, sc)
	if err != nil {
		return nil, err
	}
	if a.op == "+=" {
		old, err := in.eval(a.target, sc)
		if err != nil {
			return nil, err
		}
		if v, err = in.add(old, v, a.extent, sc); err != nil {
			return nil, err
		}
	}
	switch t := a.target.(type) {
	case *varExpr:
		name := strings.ToLower(t.name)
		if name == "null" && t.scope == "" {
			return v, nil // $null = ... discards the value
		}
		if readOnlyVariables[name] || t.scope == "env" {
			if t.scope == "env" {
				return nil, in.notSupported("assigning environment variables", t.extent, sc)
			}
			rec := newError("Cannot overwrite variable "+t.name+" because it is read-only or constant.", "WriteError", "SessionStateUnauthorizedAccessException", "VariableNotWritable", &invocation{src: sc.src, pos: a.extent})
			rec.TargetName, rec.TargetType = t.name, "String"
			return nil, &stmtTerm{rec: rec}
		}
		sc.target(t.scope).set(t.name, v)
	case *memberExpr:
		if err := in.setMember(t, v, sc); err != nil {
			return nil, err
		}
	case *indexExpr:
		if err := in.setIndex(t, v, sc); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// notSupported is the runtime refusal of something outside the subset.
func (in *interp) notSupported(what string, at extent, sc *scope) error {
	rec := newError(notSupportedMsg(what), "NotImplemented", "NotSupportedException", errNotSupported, &invocation{src: sc.src, pos: at})
	return &stmtTerm{rec: rec}
}

// runtimeError is a statement-terminating RuntimeException raised by an
// expression (no command, so no prefix; the position is the expression).
func (in *interp) runtimeError(msg, category, fqid string, at extent, sc *scope) error {
	return &stmtTerm{rec: newError(msg, category, "RuntimeException", fqid, &invocation{src: sc.src, pos: at})}
}

// writeError writes an error record to the error stream and marks the
// statement as failed.
func (in *interp) writeError(rec *ErrorRecord, sc *scope) {
	in.failed = true
	w := in.host.BufferWidth
	if w <= 0 {
		w = 80
	}
	in.errs.errorLines(renderError(rec, w, in.psv2))
}

// writeWarning writes a warning honouring the preference (Continue shows it,
// SilentlyContinue and Ignore drop it, Stop makes it terminating).
func (in *interp) writeWarning(msg, pref string) error {
	switch pref {
	case "SilentlyContinue", "Ignore":
		return nil
	case "Stop":
		return &scriptTerm{rec: newError(`The running command stopped because the preference variable "WarningPreference" or common parameter is set to Stop: `+msg,
			"OperationStopped", "ParentContainsErrorRecordException", "ActionPreferenceStop", nil)}
	}
	in.errs.warning(msg)
	return nil
}

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
var readOnlyVariables = map[string]bool{"true": true, "false": true, "?": true}

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
