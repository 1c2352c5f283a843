package ps

import (
	"fmt"
	"sort"
	"strings"
)

// binder binds the arguments of one command invocation.
type binder struct {
	cmd        Command
	isFunction bool
	table      []paramEntry
	allSets    []string
	valid      []string // sets still possible; nil = no sets declared
	def        string   // default parameter set
	b          *boundCall
	cmdExt     extent
	// argIndex is the index of the argument being bound; argOrder keeps it
	// per parameter so the bound names can be listed in command-line order.
	argIndex int
	argOrder map[string]int
}

func newBinder(cmd Command, psv2 bool, cmdExt extent) *binder {
	bd := &binder{cmd: cmd, isFunction: cmd.ClassName() == cmd.Name(), table: paramTable(cmd, psv2), cmdExt: cmdExt}
	seen := map[string]bool{}
	for _, e := range bd.table {
		for _, s := range setsOf(e.spec) {
			if !seen[strings.ToLower(s)] {
				seen[strings.ToLower(s)] = true
				bd.allSets = append(bd.allSets, s)
			}
		}
	}
	bd.valid = append([]string{}, bd.allSets...)
	if d, ok := cmd.(DefaultParameterSetter); ok {
		bd.def = d.DefaultParameterSet()
	}
	bd.b = &boundCall{table: bd.table, values: map[string]any{}}
	bd.argOrder = map[string]int{}
	return bd
}

// narrow restricts the valid sets to those of a bound parameter.
func (bd *binder) narrow(e *paramEntry, at extent) *bindError {
	sets := setsOf(e.spec)
	if sets == nil || len(bd.allSets) == 0 {
		return nil
	}
	var keep []string
	for _, s := range bd.valid {
		if contains(sets, s) {
			keep = append(keep, s)
		}
	}
	bd.valid = keep
	if len(keep) == 0 {
		return &bindError{id: "AmbiguousParameterSet", msg: msgSetNotResolved, at: bd.cmdExt}
	}
	return nil
}

func (bd *binder) inValidSets(e *paramEntry) bool {
	sets := setsOf(e.spec)
	if sets == nil || len(bd.allSets) == 0 {
		return true
	}
	for _, s := range sets {
		if contains(bd.valid, s) {
			return true
		}
	}
	return false
}

// bindOne converts and stores a value for a parameter.
func (bd *binder) bindOne(e *paramEntry, v any, at extent, nonInteractive bool) *bindError {
	key := strings.ToLower(e.spec.Name)
	if _, dup := bd.b.values[key]; dup {
		return &bindError{id: "ParameterAlreadyBound", msg: fmt.Sprintf(msgAlreadyBound, e.spec.Name), at: at}
	}
	cv, err := bd.convert(e, v, nonInteractive)
	if err != nil {
		err.at = at
		return err
	}
	if err := bd.validate(e, cv, at); err != nil {
		return err
	}
	if err := bd.narrow(e, at); err != nil {
		return err
	}
	bd.b.values[key] = cv
	bd.b.order = append(bd.b.order, e.spec.Name)
	bd.argOrder[key] = bd.argIndex
	return nil
}

// mandatorySomewhere reports whether a parameter is mandatory in a set.
func mandatorySomewhere(s ParamSpec) bool { return len(s.MandatoryIn) > 0 }

func mandatoryIn(s ParamSpec, set string) bool {
	for _, m := range s.MandatoryIn {
		if m == "" || m == "(All)" || m == allSets || strings.EqualFold(m, set) {
			return true
		}
	}
	return false
}

// validate is the check PowerShell makes for mandatory parameters: no
// null, empty string or empty array (unless AllowNull and friends).
func (bd *binder) validate(e *paramEntry, v any, at extent) *bindError {
	if !mandatorySomewhere(e.spec) || e.spec.IsSwitch() || e.spec.AllowNull {
		return nil
	}
	name := e.spec.Name
	switch x := v.(type) {
	case nil:
		return &bindError{id: "ParameterArgumentValidationErrorNullNotAllowed", msg: fmt.Sprintf(msgNullArg, name), at: at, category: "InvalidData", reason: "ParameterBindingValidationException"}
	case string:
		if x == "" {
			return &bindError{id: "ParameterArgumentValidationErrorEmptyStringNotAllowed", msg: fmt.Sprintf(msgEmptyStringArg, name), at: at, category: "InvalidData", reason: "ParameterBindingValidationException"}
		}
	case []any:
		if len(x) == 0 {
			return &bindError{id: "ParameterArgumentValidationErrorEmptyArrayNotAllowed", msg: fmt.Sprintf(msgEmptyArrayArg, name), at: at, category: "InvalidData", reason: "ParameterBindingValidationException"}
		}
	}
	return nil
}

// bindArgs binds named, switch and positional arguments and chooses the
// parameter set. expectInput says pipeline input will come, so a mandatory
// pipeline parameter may still be bound from it.
func (bd *binder) bindArgs(args []argValue, expectInput, nonInteractive bool) *bindError {
	var positional []argValue
	defer func() {
		sort.SliceStable(bd.b.order, func(i, j int) bool {
			return bd.argOrder[strings.ToLower(bd.b.order[i])] < bd.argOrder[strings.ToLower(bd.b.order[j])]
		})
	}()
	for i := 0; i < len(args); i++ {
		a := args[i]
		a.index = i
		bd.argIndex = i
		if a.param == "" {
			positional = append(positional, a)
			continue
		}
		e, err := resolveParam(bd.table, a.param)
		if err != nil {
			err.at = a.paramExt
			return err
		}
		switch {
		case a.colon:
			if err := bd.bindOne(e, a.value, a.valueExt, nonInteractive); err != nil {
				if err.at == (extent{}) {
					err.at = a.valueExt
				}
				return err
			}
		case e.spec.IsSwitch():
			if err := bd.bindOne(e, true, a.paramExt, nonInteractive); err != nil {
				return err
			}
		default:
			if i+1 >= len(args) || args[i+1].param != "" {
				return &bindError{id: "MissingArgument", msg: fmt.Sprintf(msgMissingArgument, e.spec.Name, fullTypeName(e.spec.Type)), at: a.paramExt}
			}
			i++
			if err := bd.bindOne(e, args[i].value, args[i].valueExt, nonInteractive); err != nil {
				return err
			}
		}
	}
	if err := bd.bindPositional(positional, nonInteractive); err != nil {
		return err
	}
	return bd.chooseSet(expectInput)
}

// bindPositional binds the values without a parameter name to the unbound
// positional parameters of the valid sets, lowest position first.
func (bd *binder) bindPositional(values []argValue, nonInteractive bool) *bindError {
	var remaining *paramEntry
	for i := range bd.table {
		if bd.table[i].spec.FromRemaining {
			remaining = &bd.table[i]
		}
	}
	var rest []any
	var restExt extent
	restIndex := 0
	for _, a := range values {
		bd.argIndex = a.index
		var cands []*paramEntry
		for i := range bd.table {
			e := &bd.table[i]
			if e.common || e.spec.Position < 0 || bd.b.has(e.spec.Name) || !bd.inValidSets(e) || e.spec.IsSwitch() {
				continue
			}
			cands = append(cands, e)
		}
		sort.SliceStable(cands, func(i, j int) bool {
			if cands[i].spec.Position != cands[j].spec.Position {
				return cands[i].spec.Position < cands[j].spec.Position
			}
			return bd.def != "" && contains(setsOf(cands[i].spec), bd.def) && !contains(setsOf(cands[j].spec), bd.def)
		})
		if len(cands) > 0 && !(remaining != nil && cands[0] == remaining) {
			// Parameters at the lowest position are tried in turn: one whose
			// type cannot take the value leaves it to the next (Remove-PSSession
			// $s binds -Session, not -Id).
			var first *bindError
			bound := false
			for _, e := range cands {
				if e.spec.Position != cands[0].spec.Position || e == remaining {
					break
				}
				err := bd.bindOne(e, a.value, a.valueExt, nonInteractive)
				if err == nil {
					bound = true
					break
				}
				if first == nil {
					first = err
				}
			}
			if !bound {
				return first
			}
			continue
		}
		if remaining != nil && !bd.b.has(remaining.spec.Name) || remaining != nil && rest != nil {
			if rest == nil {
				restExt = a.valueExt
				restIndex = a.index
			}
			rest = append(rest, a.value)
			restExt.end = a.valueExt.end
			continue
		}
		return &bindError{id: "PositionalParameterNotFound", msg: fmt.Sprintf(msgPositional, displayArg(a.value)), at: a.valueExt}
	}
	if rest != nil {
		var v any = rest
		if len(rest) == 1 {
			v = rest[0]
		}
		bd.argIndex = restIndex
		return bd.bindOne(remaining, v, restExt, nonInteractive)
	}
	return nil
}

// chooseSet picks the parameter set and checks the mandatory parameters.
func (bd *binder) chooseSet(expectInput bool) *bindError {
	pipeIn := func(set string) *paramEntry {
		for i := range bd.table {
			e := &bd.table[i]
			if e.spec.FromPipeline && !bd.b.has(e.spec.Name) && bd.inValidSetOf(e, set) {
				return e
			}
		}
		return nil
	}
	// satisfied: every mandatory parameter of the set is bound, or will be
	// bound from the pipeline.
	satisfied := func(set string) bool {
		for i := range bd.table {
			e := &bd.table[i]
			if e.common || !mandatoryIn(e.spec, set) || bd.b.has(e.spec.Name) || !bd.inValidSetOf(e, set) {
				continue
			}
			if expectInput && e.spec.FromPipeline {
				continue
			}
			return false
		}
		return true
	}
	switch {
	case len(bd.allSets) == 0:
		bd.b.set = allSets
	case len(bd.valid) == 1:
		bd.b.set = bd.valid[0]
	case bd.def != "" && contains(bd.valid, bd.def) && satisfied(bd.def):
		bd.b.set = bd.def
	default:
		var ok, piped []string
		for _, s := range bd.valid {
			if satisfied(s) {
				ok = append(ok, s)
				if pipeIn(s) != nil {
					piped = append(piped, s)
				}
			}
		}
		switch {
		case len(ok) == 1:
			bd.b.set = ok[0]
		case len(ok) > 1 && expectInput && len(piped) == 1:
			// Pipeline input decides between sets that can all run.
			bd.b.set = piped[0]
		case bd.def != "" && contains(bd.valid, bd.def):
			bd.b.set = bd.def // its missing mandatory parameters are reported below
		default:
			return &bindError{id: "AmbiguousParameterSet", msg: msgSetNotResolved, at: bd.cmdExt}
		}
	}
	bd.b.pipeline = pipeIn(bd.b.set)
	var missing []string
	for i := range bd.table {
		e := &bd.table[i]
		if e.common || bd.b.has(e.spec.Name) || !mandatoryIn(e.spec, bd.b.set) || !bd.inValidSetOf(e, bd.b.set) {
			continue
		}
		if expectInput && e.spec.FromPipeline {
			continue
		}
		missing = append(missing, " "+e.spec.Name)
	}
	if len(missing) > 0 {
		return &bindError{id: "MissingMandatoryParameter", msg: fmt.Sprintf(msgMissingMandatory, strings.Join(missing, "")), at: bd.cmdExt}
	}
	return nil
}

func (bd *binder) inValidSetOf(e *paramEntry, set string) bool {
	s := setsOf(e.spec)
	return s == nil || set == allSets || contains(s, set)
}

// record turns a binding error into the ErrorRecord PowerShell reports.
func (bd *binder) record(err *bindError, inv *invocation) *ErrorRecord {
	cat := err.category
	if cat == "" {
		cat = "InvalidArgument"
	}
	reason := err.reason
	if reason == "" {
		reason = "ParameterBindingException"
	}
	rec := newError(err.msg, cat, reason, err.id+","+bd.cmd.ClassName(), inv)
	rec.TargetName = err.target
	rec.activity = bd.cmd.Name()
	return rec
}
