package controller

import "strings"

// setConditions gives every entry its outcome and its Ready, Synced and
// Drifted conditions from its action and notes; apply and verify have set
// what they learnt.
func (r *runner) setConditions(cs *ChangeSet) {
	for _, e := range cs.Entries {
		st := e.status()
		if _, ok := st.Get(ConditionSynced); !ok {
			st.Set(conditionIsTrue(ConditionSynced, ReasonInSync, ""))
		}
		drifted := e.Changed()
		reason, msg := ReasonInSync, ""
		switch e.Action {
		case ActionCreate:
			reason, msg = ReasonNotFound, "does not exist on the server"
		case ActionRemove:
			reason, msg = ReasonDeclaredAbsent, "exists but is declared absent"
		case ActionReplace:
			reason, msg = ReasonRequiresReplacement, "its creation-only usage differs"
		case ActionChange:
			var f []string
			for _, d := range e.Fields {
				f = append(f, d.Field)
			}
			reason, msg = ReasonFieldsDiffer, "differs in "+strings.Join(f, ", ")
		}
		driftStatus := boolStatus(drifted)
		if e.Action == ActionUnknown {
			// Nothing was read, so nothing is known about drift; Synced
			// says why.
			synced, _ := st.Get(ConditionSynced)
			driftStatus, reason, msg = ConditionUnknown, synced.Reason, synced.Message
		}
		st.Set(condition(ConditionDrifted, driftStatus, reason, msg))
		ready := !drifted
		if c, ok := st.Get(ConditionDegraded); ok && r.opts.Mode == ModeApply {
			ready = c.Status == ConditionFalse
		}
		for _, n := range e.Notes {
			if n.Severity == SeverityError {
				ready = false
				st.Set(conditionIsTrue(ConditionDegraded, n.Reason, n.Message))
			}
		}
		if st.Is(ConditionSynced, ConditionFalse) {
			ready = false
		}
		readyReason := ReasonInSync
		if !ready {
			readyReason = reason
			// Not ready without drift: say what is wrong (an unhealthy
			// object, a failed call) rather than a bare NotApplied.
			if c, ok := st.Get(ConditionDegraded); readyReason == ReasonInSync && ok && c.Status == ConditionTrue {
				readyReason = c.Reason
			}
			if c, _ := st.Get(ConditionSynced); readyReason == ReasonInSync && c.Status == ConditionFalse {
				readyReason = c.Reason
			}
			if readyReason == ReasonInSync || readyReason == "" {
				readyReason = ReasonNotApplied
			}
		}
		if n, ok := awaitingNote(e); ok && ready {
			// Nothing to apply, yet the certificate is not there: the CA
			// has to issue it.
			ready, readyReason = false, n.Reason
		}
		st.Set(condition(ConditionReady, boolStatus(ready), readyReason, ""))
		e.Outcome = entryOutcome(e, r.opts.Mode)
	}
}

// entryOutcome is what the run did to e (apply) or proposes (plan, diff).
func entryOutcome(e *Entry, m Mode) Outcome {
	var synced Condition
	if e.Status != nil {
		synced, _ = e.Status.Get(ConditionSynced)
	}
	switch {
	case e.refused != "":
		return OutcomeRefused
	case e.Action == ActionUnchanged && hasRefusal(e):
		return OutcomeRefused
	case e.Action == ActionUnknown:
		return OutcomeSkipped
	case m != ModeApply || !e.Changed():
		return plannedOutcome(e.Action)
	case synced.Status == ConditionFalse && synced.Reason == ReasonApplyFailed:
		return OutcomeFailed
	case synced.Status == ConditionFalse:
		return OutcomeSkipped
	}
	return plannedOutcome(e.Action)
}

// hasRefusal reports whether a note of e refuses a change exreconcile
// would otherwise make.
func hasRefusal(e *Entry) bool {
	for _, n := range e.Notes {
		if n.Severity == SeverityError && n.Reason == ReasonDefaultConnectorProtected {
			return true
		}
	}
	return false
}

// Failed reports whether the run must exit 1: an error that is not about
// drift (a server, a refused or failed call, an unhealthy object, an object
// still differing after apply).
func (r *Report) Failed() bool {
	if len(r.ChangeSet.Errors) > 0 {
		return true
	}
	for _, e := range r.ChangeSet.Entries {
		if e.hasError() {
			return true
		}
		if e.Status != nil && e.Status.Is(ConditionDegraded, ConditionTrue) {
			return true
		}
	}
	return false
}
