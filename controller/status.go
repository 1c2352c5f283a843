package controller

import "strings"

// setConditions gives every entry its Ready, Synced and Drifted conditions
// from its action and notes; apply and verify have set what they learnt.
func (r *runner) setConditions(cs *ChangeSet) {
	for _, e := range cs.Entries {
		st := ensureStatus(e)
		if _, ok := st.Get(ConditionSynced); !ok {
			st.Set(Condition{Type: ConditionSynced, Status: "True", Reason: ReasonInSync})
		}
		drifted := e.Changed()
		reason, msg := ReasonInSync, ""
		switch e.Action {
		case ActionCreate:
			reason, msg = ReasonMissing, "does not exist on the server"
		case ActionRemove:
			reason, msg = ReasonUnwanted, "exists but is declared absent"
		case ActionReplace:
			reason, msg = ReasonReplace, "its creation-only usage differs"
		case ActionConfigure:
			var f []string
			for _, d := range e.Fields {
				f = append(f, d.Field)
			}
			reason, msg = ReasonDrift, "differs in "+strings.Join(f, ", ")
		}
		driftStatus := boolStatus(drifted)
		if e.Action == ActionUnknown {
			// Nothing was read, so nothing is known about drift; Synced
			// says why.
			synced, _ := st.Get(ConditionSynced)
			driftStatus, reason, msg = "Unknown", synced.Reason, synced.Message
		}
		st.Set(Condition{Type: ConditionDrifted, Status: driftStatus, Reason: reason, Message: msg})
		ready := !drifted
		if c, ok := st.Get(ConditionDegraded); ok && r.opts.Mode == ModeApply {
			ready = c.Status == "False"
		}
		for _, n := range e.Notes {
			if n.Severity == "error" {
				ready = false
				st.Set(Condition{Type: ConditionDegraded, Status: "True", Reason: n.Reason, Message: n.Message})
			}
		}
		if s, _ := st.Get(ConditionSynced); s.Status == "False" {
			ready = false
		}
		readyReason := ReasonInSync
		if !ready {
			readyReason = reason
			// Not ready without drift: say what is wrong (an unhealthy
			// object, a failed call) rather than a bare NotApplied.
			if c, ok := st.Get(ConditionDegraded); readyReason == ReasonInSync && ok && c.Status == "True" {
				readyReason = c.Reason
			}
			if c, _ := st.Get(ConditionSynced); readyReason == ReasonInSync && c.Status == "False" {
				readyReason = c.Reason
			}
			if readyReason == ReasonInSync || readyReason == "" {
				readyReason = ReasonNotApplied
			}
		}
		st.Set(Condition{Type: ConditionReady, Status: boolStatus(ready), Reason: readyReason})
	}
}

// Failed reports whether the run must exit 1: an error that is not about
// drift (a server, a refused or failed call, an unhealthy object, an object
// still differing after apply).
func (r *Report) Failed() bool {
	if len(r.ChangeSet.Errors) > 0 {
		return true
	}
	for _, e := range r.ChangeSet.Entries {
		for _, n := range e.Notes {
			if n.Severity == "error" {
				return true
			}
		}
		if e.Status != nil {
			if c, ok := e.Status.Get(ConditionDegraded); ok && c.Status == "True" {
				return true
			}
		}
	}
	return false
}
