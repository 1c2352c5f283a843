package controller

import (
	"context"
	"fmt"
	"strings"

	"github.com/exreconcile/exreconcile/exchange"
)

// schedule assigns the calls of every changed entry to the server they run
// on, in change-set order (certificates, connectors, TransportConfig), and
// adds one transport restart per changed server when the organisation asks
// for it. Entries apply must refuse get a RunError instead.
func (r *runner) schedule(orgs []*orgRun, cs *ChangeSet) {
	for _, o := range orgs {
		for _, s := range o.servers {
			s.calls, s.owners, s.groups, s.restarts = nil, nil, nil, nil
		}
	}
	for _, e := range cs.Entries {
		if !e.Changed() || len(e.calls) == 0 || r.admit != nil && !r.admit(e) {
			continue
		}
		if e.Action == ActionReplace && !r.opts.AllowReplace {
			if r.opts.Mode == ModeApply {
				msg := "not replaced: its usage differs and can only be set by removing and recreating it; rerun apply with --allow-replace"
				e.refused = msg
				cs.Errors = append(cs.Errors, newRunError(e.RunOn, e.Identity.String(), "", ErrRefused, "%s", msg))
				e.status().Set(conditionIsFalse(ConditionSynced, ReasonReplacementNotAllowed, msg))
			}
			continue
		}
		o := orgOf(orgs, e.Organization)
		if o == nil {
			continue
		}
		s := o.serverByName(e.RunOn)
		if s == nil || s.err != nil {
			continue
		}
		for _, c := range e.calls {
			s.calls = append(s.calls, c)
			s.owners = append(s.owners, e)
		}
		// One group per entry: a failed call skips only the rest of its
		// object's calls.
		s.groups = append(s.groups, exchange.CallGroup{Calls: append([]exchange.Call(nil), e.calls...)})
	}
	for _, rs := range cs.Restarts {
		o := orgOf(orgs, rs.Organization)
		if o == nil {
			continue
		}
		if r.restartFilter != nil && !r.restartFilter(rs) {
			continue
		}
		// A pending restart runs on its own (pending.go).
		if s := o.serverByName(rs.Server); s != nil && s.err == nil && (len(s.calls) > 0 || len(rs.Pending) > 0) {
			s.calls = append(s.calls, exchange.RestartTransportService(rs.Service))
			s.owners = append(s.owners, nil)
			s.restarts = append(s.restarts, rs)
			s.groups = append(s.groups, exchange.CallGroup{Calls: []exchange.Call{exchange.RestartTransportService(rs.Service)}})
		}
	}
}

// restartAt is the planned restart behind call i of s (nil for an entry's call).
func (s *serverRun) restartAt(i int) *Restart {
	if s.owners[i] != nil {
		return nil
	}
	n := 0
	for j := 0; j < i; j++ {
		if s.owners[j] == nil {
			n++
		}
	}
	if n < len(s.restarts) {
		return s.restarts[n]
	}
	return nil
}

// applyAll runs each server's calls as one WinRM command, servers in
// parallel, and records per entry what was done.
func (r *runner) applyAll(ctx context.Context, orgs []*orgRun, cs *ChangeSet) {
	r.schedule(orgs, cs)
	var errs []RunError
	r.each(orgs, func(o *orgRun, s *serverRun) {
		if len(s.calls) == 0 {
			return
		}
		r.progress(s.spec.Name, "applying %d calls", len(s.calls))
		s.verified, s.verifyErr = nil, nil
		sctx, cancel := r.serverCtx(ctx, s)
		defer cancel()
		res, err := s.remote.Apply(sctx, s.groups, s.reads())
		err = s.timedOut(sctx, err)
		if res != nil && res.VerifyErr != nil {
			res.VerifyErr = s.timedOut(sctx, res.VerifyErr)
		}
		s.applied = true
		// The same command verified: what the server holds after the calls.
		switch {
		case res != nil && res.Observation != nil:
			s.verified = res.Observation
		case res != nil && res.VerifyErr != nil:
			s.verifyErr = res.VerifyErr
		case err != nil:
			s.verifyErr = err
		default:
			s.verifyErr = fmt.Errorf("the apply command returned no observation")
		}
		done := 0
		// markNotApplied marks an entry whose calls did not all run,
		// unless a failed call already did.
		markNotApplied := func(e *Entry, reason Reason, msg string) {
			if e == nil {
				return
			}
			r.mu.Lock()
			defer r.mu.Unlock()
			if !e.status().Is(ConditionSynced, ConditionFalse) {
				e.status().Set(conditionIsFalse(ConditionSynced, reason, msg))
			}
		}
		if res == nil && err != nil {
			for i, e := range s.owners {
				markNotApplied(e, ReasonApplyFailed, err.Error())
				s.restartOutcome(i, RestartSkipped, err.Error())
			}
		}
		if res != nil {
			for i, cr := range res.Calls {
				e := s.owners[i]
				switch cr.State {
				case exchange.CallDone:
					done++
					s.restartOutcome(i, RestartDone, "")
					if e != nil {
						r.mu.Lock()
						e.status().Actions = append(e.status().Actions, cr.Call.Redacted())
						r.mu.Unlock()
					}
				case exchange.CallFailed, exchange.CallInterrupted:
					subject := ""
					if rs := s.restartAt(i); rs != nil {
						subject = rs.Service
						s.restartOutcome(i, RestartFailed, cr.Message)
					}
					if e != nil {
						subject = e.Identity.String()
						r.mu.Lock()
						e.status().Set(conditionIsFalse(ConditionSynced, ReasonApplyFailed, cr.Message))
						r.mu.Unlock()
					}
					msg := cr.Message
					if msg == "" && err != nil {
						msg = err.Error()
					}
					if cr.FullyQualifiedErrorId != "" {
						msg += " (" + cr.FullyQualifiedErrorId + ")"
					}
					var cause error = err
					if cr.Err != nil {
						cause = cr.Err
					}
					r.mu.Lock()
					errs = append(errs, newRunError(s.spec.Name, subject, cr.Call.Cmdlet, cause,
						"%s after %d of %d calls: %s", errApply, done, len(s.calls), msg))
					r.mu.Unlock()
					err = nil
				case exchange.CallNotRun:
					markNotApplied(s.owners[i], ReasonNotApplied, "not run: an earlier call of the same object on "+s.spec.Name+" failed")
					s.restartOutcome(i, RestartSkipped, "not run: an earlier call on "+s.spec.Name+" failed")
				}
			}
		}
		if err != nil {
			r.mu.Lock()
			errs = append(errs, newRunError(s.spec.Name, "", "", err, "%s after %d of %d calls: %v", errApply, done, len(s.calls), err))
			r.mu.Unlock()
		}
		r.progress(s.spec.Name, "applied %d of %d calls", done, len(s.calls))
	})
	cs.Errors = append(cs.Errors, errs...)
}

// verifyAll plans anew the entries of every server apply ran on, from the
// observation the apply command itself ended with (no second command):
// whatever still differs is Degraded.
func (r *runner) verifyAll(ctx context.Context, orgs []*orgRun, cs *ChangeSet) {
	var touched []*orgRun
	for _, o := range orgs {
		any := false
		for _, s := range o.servers {
			if s.applied {
				any = true
			}
		}
		if any {
			touched = append(touched, o)
		}
	}
	if len(touched) == 0 {
		return
	}
	r.each(touched, func(o *orgRun, s *serverRun) {
		if !s.applied {
			return
		}
		r.progress(s.spec.Name, "verifying")
		obs, err := s.verified, s.verifyErr
		if err == nil && obs == nil {
			err = fmt.Errorf("the apply command returned no observation")
		}
		if err == nil {
			err = obs.Err()
		}
		if err != nil {
			r.mu.Lock()
			cs.Errors = append(cs.Errors, newRunError(s.spec.Name, "", "", err, "%s: %v", errVerify, err))
			r.mu.Unlock()
			s.verifyErr = err
			return
		}
		s.obs = obs
	})
	after := &ChangeSet{}
	for _, o := range touched {
		r.plan(o, after)
	}
	for _, e := range cs.Entries {
		if !e.Changed() || r.phases.blocked[e] {
			continue
		}
		o := orgOf(touched, e.Organization)
		if o == nil {
			continue
		}
		s := o.serverByName(e.RunOn)
		if s == nil || !s.applied {
			continue
		}
		st := e.status()
		if s.verifyErr != nil {
			// What the server held before apply says nothing about
			// the change.
			st.Set(conditionIsUnknown(ConditionDegraded, ReasonVerifyFailed, fmt.Sprintf("%s: %v", errVerify, s.verifyErr)))
			continue
		}
		now := after.find(e.Identity)
		switch {
		case now == nil && e.Action != ActionRemove:
			st.Set(conditionIsTrue(ConditionDegraded, ReasonVerifyFailed, "not found after apply"))
		case now != nil && now.Changed():
			var fields []string
			for _, f := range now.Fields {
				fields = append(fields, fmt.Sprintf("%s: %s -> %s", f.Field, f.Actual, f.Desired))
			}
			msg := "still differs after apply"
			if len(fields) > 0 {
				msg += ": " + strings.Join(fields, "; ")
			}
			st.Set(conditionIsTrue(ConditionDegraded, ReasonStillDiffersAfterApply, msg))
		default:
			st.Set(conditionIsFalse(ConditionDegraded, ReasonApplied, ""))
		}
	}
}

// scripts renders, per server, the apply script the plan would run, with
// secrets redacted (--show-script).
func (r *runner) scripts(orgs []*orgRun, cs *ChangeSet) map[string]string {
	if len(r.phases.rotations) > 0 && r.admit == nil {
		return r.phaseScripts(orgs, cs)
	}
	// The script of a replacement is shown as --allow-replace would run it.
	saved, allow := r.opts.Mode, r.opts.AllowReplace
	r.opts.Mode, r.opts.AllowReplace = ModePlan, true
	r.schedule(orgs, cs)
	r.opts.Mode, r.opts.AllowReplace = saved, allow
	out := map[string]string{}
	for _, o := range orgs {
		for _, s := range o.servers {
			if len(s.calls) == 0 {
				continue
			}
			script, err := s.remote.ApplyScript(s.groups, s.reads())
			if err != nil {
				out[s.spec.Name] = "# cannot build the script: " + err.Error()
				continue
			}
			out[s.spec.Name] = script
		}
	}
	return out
}

// restartOutcome records what happened to the restart behind call i, if any.
func (s *serverRun) restartOutcome(i int, o RestartOutcome, msg string) {
	if rs := s.restartAt(i); rs != nil {
		rs.Outcome, rs.Message = o, msg
	}
}

func orgOf(orgs []*orgRun, name string) *orgRun {
	for _, o := range orgs {
		if o.org.Name == name {
			return o
		}
	}
	return nil
}
