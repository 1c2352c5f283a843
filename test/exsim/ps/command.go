package ps

import (
	"errors"
	"fmt"
	"strings"
)

// aliases are the built-in aliases of the subset.
var aliases = map[string]string{
	"fl": "Format-List", "ft": "Format-Table", "select": "Select-Object",
	"echo": "Write-Output", "write": "Write-Output",
}

// knownButUnsupported are commands and aliases every Windows PowerShell has
// that exsim does not run; they are refused as such rather than reported as
// unknown.
var knownButUnsupported = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`Where-Object ForEach-Object Sort-Object Get-Date Get-Item Get-ChildItem
		Get-Content Set-Content Add-Content Out-File Export-Clixml Import-Clixml ConvertTo-Json ConvertFrom-Json
		Get-Member Measure-Object Group-Object Start-Sleep Test-Path New-Item Remove-Item Copy-Item Move-Item
		Invoke-Command Invoke-Expression Get-Variable Set-Variable New-Variable Remove-Variable Get-Service
		Restart-Service Start-Service Stop-Service Get-Process Add-Type Import-Module Get-Module Remove-Module
		Get-Credential Read-Host Write-Verbose Write-Debug Write-Progress Write-Information Format-Wide
		Format-Custom Out-Host Get-Help Tee-Object Compare-Object Select-String Get-PSSnapin Remove-PSSnapin
		Export-Csv ConvertTo-Csv Import-Csv Get-Location Set-Location Push-Location Pop-Location
		Start-Transcript Stop-Transcript Invoke-WebRequest Invoke-RestMethod Out-GridView Clear-Host
		Set-StrictMode Get-WmiObject Get-CimInstance Test-Connection Enter-PSSession Exit-PSSession
		Get-ExecutionPolicy Set-ExecutionPolicy Get-Host ConvertFrom-SecureString Get-Alias Set-Alias
		New-Alias Get-Random Get-Unique Split-Path Join-Path Resolve-Path Get-Acl Set-Acl Start-Process
		Stop-Process Wait-Process Get-EventLog Get-WinEvent Receive-Job Start-Job Get-Job Wait-Job
		Get-Command Clear-Variable Out-Printer Update-FormatData Update-TypeData Export-Console
		? % where foreach sort gci ls dir cat gc sc ac gm measure group sleep cd pwd cls clear iex icm gsv
		gps ps gwmi ipmo gcm h r tee ogv type del rm erase copy cp move mv md mkdir ni gi gv sv sal kill
		man help diff compare sls epcsv ipcsv irm iwr curl wget gsnp rsnp gmo rmo fw fc ogv ise`) {
		m[strings.ToLower(n)] = true
	}
	return m
}()

// lookupCommand resolves a command name (aliases first).
func (in *interp) lookupCommand(name string) Command {
	if target, ok := aliases[strings.ToLower(name)]; ok {
		name = target
	}
	return in.cmds[strings.ToLower(name)]
}

// runCommand runs one command of a pipeline over its input.
func (in *interp) runCommand(c *command, sc *scope, input []any, downstream bool) ([]any, error) {
	name := c.name
	if c.invoke != nil {
		target, err := in.eval(c.invoke, sc)
		if err != nil {
			return nil, err
		}
		switch t := target.(type) {
		case *ScriptBlock:
			if len(c.args) > 0 {
				return nil, in.notSupported("arguments to a script block", c.extent, sc)
			}
			return in.runScriptBlock(t, sc, input, c)
		case string:
			name = t
		default:
			msg := "The expression after '&' in a pipeline element produced an object that was not valid. It must result in a command name, a script block, or a CommandInfo object."
			return nil, &stmtTerm{rec: newError(msg, "InvalidOperation", "RuntimeException", "BadExpression", &invocation{src: sc.src, pos: c.invoke.ext()})}
		}
	}
	cmd := in.lookupCommand(name)
	if cmd == nil {
		return nil, in.commandNotFound(name, c, sc)
	}
	args := make([]argValue, 0, len(c.args))
	for _, a := range c.args {
		av := argValue{param: a.param, colon: a.colon, paramExt: a.ext, valueExt: a.valExt}
		if a.value != nil {
			v, err := in.eval(a.value, sc)
			if err != nil {
				return nil, err
			}
			av.value, av.hasValue = v, true
		}
		args = append(args, av)
	}
	return in.invoke(cmd, name, c, sc, args, input, downstream)
}

// commandNotFound is CommandNotFoundException. PowerShell 3.0+ scans the
// modules for the name first, which shows as progress records.
func (in *interp) commandNotFound(name string, c *command, sc *scope) error {
	if knownButUnsupported[strings.ToLower(name)] {
		rec := newError(notSupportedMsg("the command '"+name+"'"), "NotImplemented", "NotSupportedException", errNotSupported,
			&invocation{name: name, src: sc.src, pos: c.nameExt})
		return &stmtTerm{rec: rec}
	}
	if !in.psv2 && sc.preference("ProgressPreference", "Continue") != "SilentlyContinue" {
		in.errs.progressPreparingModules()
		in.errs.progressPreparingModules()
	}
	rec := newError(fmt.Sprintf(msgCommandNotFound, name), "ObjectNotFound", "CommandNotFoundException", "CommandNotFoundException",
		&invocation{name: name, src: sc.src, pos: c.nameExt})
	rec.TargetName, rec.TargetType = name, "String"
	if in.host.OnCmdlet != nil {
		in.host.OnCmdlet(CmdletEvent{Name: name, Err: rec})
	}
	return &stmtTerm{rec: rec}
}

// runScriptBlock runs a script block with & in a child scope.
func (in *interp) runScriptBlock(b *ScriptBlock, sc *scope, input []any, c *command) ([]any, error) {
	child := newScope(sc)
	child.text, child.src = b.Text, b.parsed.src
	child.input = &inputEnum{items: input}
	child.call = &invocation{src: sc.src, pos: c.extent}
	var out []any
	failed, lastOK := in.failed, in.lastOK
	err := in.runStatements(b.parsed.stmts, child, func(v any) { out = append(out, v) })
	// Errors written inside the block do not fail the & statement itself.
	in.failed, in.lastOK = failed, lastOK
	return out, err
}

// invoke binds the arguments and runs the command, once per pipeline input
// object when it has a by-value pipeline parameter.
func (in *interp) invoke(cmd Command, invName string, c *command, sc *scope, args []argValue, input []any, downstream bool) ([]any, error) {
	inv := &invocation{name: invName, src: sc.src, pos: c.extent}
	if in.psv2 {
		// Windows PowerShell 2.0 points after the command name: "+ Get-Item <<<<  x".
		inv.pos = c.nameExt
	}
	bd := newBinder(cmd, in.psv2, c.extent)
	_, whole := cmd.(wholeInputCommand)
	// PowerShell defers mandatory pipeline parameters whenever the command
	// is not first in its pipeline, even if no input arrives.
	expectInput := downstream
	event := CmdletEvent{Name: cmd.Name()}
	report := func(rec *ErrorRecord) {
		if in.host.OnCmdlet != nil {
			event.Parameters = append([]string{}, bd.b.order...)
			event.Err = rec
			in.host.OnCmdlet(event)
		}
	}
	if berr := bd.bindArgs(args, expectInput, in.nonInteractive); berr != nil {
		rec := bd.record(berr, &invocation{name: invName, src: sc.src, pos: berr.at})
		report(rec)
		return nil, &stmtTerm{rec: rec}
	}
	ea := sc.preference("ErrorActionPreference", "Continue")
	if v := bd.b.get("ErrorAction"); v != nil {
		ea = v.(string)
	}
	wa := sc.preference("WarningPreference", "Continue")
	if v := bd.b.get("WarningAction"); v != nil {
		wa = v.(string)
	}
	r := &cmdRun{in: in, sc: sc, inv: inv, ea: ea, wa: wa, cmd: cmd}
	call := func(items []any, extra map[string]any) ([]any, error) {
		cl := &Call{Ctx: in.ctx, Host: in.host, Args: map[string]any{}, Set: bd.b.set, Input: items, NonInteractive: in.nonInteractive}
		for _, e := range bd.table {
			if v, ok := bd.b.values[strings.ToLower(e.spec.Name)]; ok && (!e.common || shouldProcessParams[strings.ToLower(e.spec.Name)] != "") {
				cl.Args[e.spec.Name] = v
			}
		}
		for k, v := range extra {
			cl.Args[k] = v
		}
		if v, ok := cl.Args["Confirm"].(bool); ok {
			cl.Confirm = &v
		}
		cl.warn = r.warning
		cl.writeErr = r.nonTerminating
		in.cur = r
		out, err := cmd.Invoke(cl)
		in.cur = nil
		return out, r.result(err)
	}
	var out []any
	var err error
	switch {
	case whole || !downstream:
		out, err = call(input, nil)
	case len(input) == 0:
		// Not first in the pipeline and no input: ProcessRecord never runs.
	case bd.b.pipeline != nil:
		p := bd.b.pipeline
		for _, item := range input {
			cv, cerr := bd.convert(p, item, in.nonInteractive)
			if cerr == nil {
				cerr = bd.validate(p, cv, c.extent)
			}
			if cerr != nil {
				if err = r.nonTerminatingErr(inputNotBound(bd, item, inv)); err != nil {
					break
				}
				continue
			}
			o, e := call([]any{item}, map[string]any{p.spec.Name: cv})
			out = append(out, o...)
			if e != nil {
				err = e
				break
			}
		}
		if len(input) > 0 {
			bd.b.order = append(bd.b.order, p.spec.Name)
		}
	default:
		for _, item := range input {
			if err = r.nonTerminatingErr(inputNotBound(bd, item, inv)); err != nil {
				break
			}
		}
	}
	var first *ErrorRecord
	if len(r.errs) > 0 {
		first = r.errs[0]
	}
	var st *stmtTerm
	var sct *scriptTerm
	if errors.As(err, &st) {
		first = st.rec
	} else if errors.As(err, &sct) && first == nil {
		first = sct.rec
	}
	report(first)
	if v, ok := bd.b.get("OutVariable").(string); ok && v != "" {
		sc.set(strings.TrimPrefix(v, "+"), collect(out))
	}
	if v, ok := bd.b.get("ErrorVariable").(string); ok && v != "" {
		errs := make([]any, len(r.errs))
		for i, e := range r.errs {
			errs[i] = e
		}
		sc.set(strings.TrimPrefix(v, "+"), errs)
	}
	return out, err
}

func inputNotBound(bd *binder, item any, inv *invocation) *ErrorRecord {
	rec := newError(msgInputNotBound, "InvalidArgument", "ParameterBindingException", "InputObjectNotBound,"+bd.cmd.ClassName(), inv)
	rec.TargetName, rec.TargetType = toStringPS(item), typeName(item)
	rec.activity = bd.cmd.Name()
	return rec
}

// wholeInputCommand marks built-ins that take all pipeline input in one
// call (Format-List, ConvertTo-Xml, Out-String ...).
type wholeInputCommand interface{ wholeInput() }

// cmdRun carries the error and warning handling of one command invocation.
type cmdRun struct {
	in      *interp
	sc      *scope
	inv     *invocation
	ea, wa  string
	cmd     Command
	errs    []*ErrorRecord
	pending error // a Stop preference turned a record terminating
}

func (r *cmdRun) prepare(rec *ErrorRecord) *ErrorRecord {
	if rec.inv == nil {
		rec.inv = r.inv
	}
	if rec.activity == "" {
		rec.activity = r.cmd.Name()
	}
	return rec
}

// nonTerminating handles a WriteError from the command.
func (r *cmdRun) nonTerminating(rec *ErrorRecord) {
	if err := r.nonTerminatingErr(rec); err != nil && r.pending == nil {
		r.pending = err
	}
}

func (r *cmdRun) nonTerminatingErr(rec *ErrorRecord) error {
	rec = r.prepare(rec)
	r.errs = append(r.errs, rec)
	r.in.failed = true
	switch r.ea {
	case "Stop":
		rec.stopped = true
		return &scriptTerm{rec: rec}
	case "SilentlyContinue", "Ignore":
		return nil
	}
	r.in.writeError(rec, r.sc)
	return nil
}

func (r *cmdRun) warning(msg string) {
	if err := r.in.writeWarning(msg, r.wa); err != nil && r.pending == nil {
		r.pending = err
	}
}

// result turns what Invoke returned into the invocation's outcome.
func (r *cmdRun) result(err error) error {
	if r.pending != nil {
		return r.pending
	}
	if err == nil {
		return nil
	}
	var rec *ErrorRecord
	if errors.As(err, &rec) {
		if rec.Terminating {
			r.errs = append(r.errs, r.prepare(rec))
			return &stmtTerm{rec: rec}
		}
		return r.nonTerminatingErr(rec)
	}
	var st *stmtTerm
	var sct *scriptTerm
	var ex *exitSignal
	if errors.As(err, &st) || errors.As(err, &sct) || errors.As(err, &ex) {
		return err
	}
	rec = r.prepare(newError(err.Error(), "NotSpecified", "Exception", "System.Exception,"+r.cmd.ClassName(), nil))
	r.errs = append(r.errs, rec)
	return &stmtTerm{rec: rec}
}
