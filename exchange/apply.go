package exchange

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-logr/logr"
)

// ApplyRequest is the calls one apply script runs on one server, in order.
type ApplyRequest struct {
	Target Target
	Calls  []Call
}

// CallState is what became of one call of an apply script.
type CallState string

// Call states.
const (
	// CallDone: the call returned without error.
	CallDone CallState = "done"
	// CallFailed: the call raised the error that stopped the script.
	CallFailed CallState = "failed"
	// CallInterrupted: the call started but the output ends before it
	// returned (timeout, dropped connection): it may or may not have taken
	// effect; observe again before trusting either.
	CallInterrupted CallState = "interrupted"
	// CallNotRun: the script stopped before the call.
	CallNotRun CallState = "not-run"
)

// CallResult is one call's outcome.
type CallResult struct {
	Call  Call         `json:"call"`
	State CallState    `json:"state"`
	Err   *RemoteError `json:"-"`
	// Message and FullyQualifiedErrorId are Exchange's, for a failed call.
	Message               string `json:"message,omitempty"`
	FullyQualifiedErrorId string `json:"fullyQualifiedErrorId,omitempty"`
}

// ApplyResult is the outcome of every call of an apply script.
type ApplyResult struct {
	Calls    []CallResult `json:"calls"`
	Warnings []string     `json:"warnings,omitempty"`
}

// Completed returns how many calls are done.
func (r *ApplyResult) Completed() int {
	n := 0
	for _, c := range r.Calls {
		if c.State == CallDone {
			n++
		}
	}
	return n
}

func callBegin(i int) string {
	return markerPrefix + "CALL " + strconv.Itoa(i) + " BEGIN" + markerSuffix
}
func callEnd(i int) string { return markerPrefix + "CALL " + strconv.Itoa(i) + " END" + markerSuffix }

// localCommands are the commands besides Exchange's an apply may run: they
// run in the WinRM session on the server itself.
var localCommands = map[string]bool{"Restart-Service": true}

// ApplyScript builds the script that runs req.Calls in order on one server.
// Each call is framed by markers written to stdout, so the output says which
// calls returned; $ErrorActionPreference = 'Stop' and -ErrorAction 'Stop' on
// every call (implicit-remoting proxies do not see the script's preference
// variable) make the first error end the script. Output objects go to
// Out-Null: only markers reach stdout. The version must be known (observe
// first), and every call must exist for it.
func ApplyScript(req ApplyRequest) (*Script, error) {
	if err := req.Target.check(); err != nil {
		return nil, err
	}
	if !req.Target.Version.Known() {
		return nil, fmt.Errorf("%w: observe %s before applying changes to it", ErrUnknownVersion, req.Target.Name)
	}
	if len(req.Calls) == 0 {
		return nil, fmt.Errorf("%w: no calls to apply on %s", ErrInvalidRequest, req.Target.Name)
	}
	for _, c := range req.Calls {
		if err := CheckCall(req.Target.Version, c); err != nil {
			return nil, err
		}
		if !IsExchangeCmdlet(c.Cmdlet) && !localCommands[c.Cmdlet] {
			return nil, fmt.Errorf("%w: %s is not a command exreconcile may run", ErrInvalidRequest, c.Cmdlet)
		}
	}
	s := &Script{Name: "apply"}
	cmdlets := exchangeCmdlets(req.Calls)
	openSession(s, req.Target, cmdlets)
	for i, c := range req.Calls {
		n := i + 1
		run := Call{Cmdlet: c.Cmdlet, Params: append(append([]Param(nil), c.Params...), Param{Name: "ErrorAction", Value: Lit("Stop")})}
		s.Line(Lit(callBegin(n)))
		s.Line(Concat(run.Code(), Raw(" | Out-Null")))
		s.record(run)
		builtinCall(s, "Out-Null")
		s.Line(Lit(callEnd(n)))
	}
	closeSession(s, req.Target, cmdlets)
	return s, nil
}

// ParseApply reads the output of ApplyScript(req). It always returns the
// per-call outcome it could establish; the error is the failure that stopped
// the script (a classified *RemoteError), if any.
func ParseApply(req ApplyRequest, res *Result) (*ApplyResult, error) {
	stderr := DecodeStderr(res.Stderr)
	scan, _ := scanStdout(res.Stdout)
	out := &ApplyResult{Warnings: stderr.Warnings}
	begun, ended := map[int]bool{}, map[int]bool{}
	for _, m := range scan.markers {
		var n int
		var what string
		if _, err := fmt.Sscanf(strings.TrimPrefix(m, markerPrefix), "CALL %d %s", &n, &what); err != nil {
			continue
		}
		switch strings.TrimSuffix(what, markerSuffix) {
		case "BEGIN":
			begun[n] = true
		case "END":
			ended[n] = true
		}
	}
	var failure error
	for i, c := range req.Calls {
		n := i + 1
		cr := CallResult{Call: c, State: CallNotRun}
		switch {
		case ended[n]:
			cr.State = CallDone
		case begun[n]:
			cr.State = CallInterrupted
			if len(stderr.Errors) > 0 || res.ExitCode > 0 {
				re := remoteFailure(req.Target.Name, res, stderr, scan).(*RemoteError)
				cr.State, cr.Err = CallFailed, re
				cr.Message, cr.FullyQualifiedErrorId = re.Record.Message, re.Record.FullyQualifiedErrorId
				failure = fmt.Errorf("call %d: %w", n, re)
			}
		}
		out.Calls = append(out.Calls, cr)
	}
	allDone := out.Completed() == len(req.Calls)
	switch {
	case failure != nil:
		return out, failure
	case allDone && (!scan.done || len(stderr.Errors) > 0):
		// Every change was made; only closing the session failed.
		msg := "the session did not close cleanly"
		if len(stderr.Errors) > 0 {
			msg += ": " + stderr.Errors[len(stderr.Errors)-1].String()
		}
		out.Warnings = append(out.Warnings, msg)
		return out, nil
	case allDone:
		return out, nil
	case len(begun) == 0 && (len(stderr.Errors) > 0 || res.ExitCode != 0 || !scan.done):
		re := remoteFailure(req.Target.Name, res, stderr, scan).(*RemoteError)
		if re.Class == ClassOther {
			re.Class = ClassSession
		}
		return out, fmt.Errorf("session set-up: %w", re)
	}
	return out, fmt.Errorf("%w: the output ends before call %d returned", ErrRemote, out.Completed()+1)
}

// Apply runs req on r. The result is returned even with an error, so the
// caller can report which calls were done. A transport failure mid-script
// (timeout, dropped connection) still reads the markers that arrived.
func Apply(ctx context.Context, r Runner, req ApplyRequest) (*ApplyResult, error) {
	s, err := ApplyScript(req)
	if err != nil {
		return nil, fmt.Errorf(msgApply+": %w", req.Target.Name, err)
	}
	res, runErr := r.Run(ctx, s)
	if res == nil {
		return nil, fmt.Errorf(msgApply+": %w", req.Target.Name, runErr)
	}
	out, err := ParseApply(req, res)
	if runErr != nil {
		// The transport error explains the interruption better than the
		// missing markers do.
		err = runErr
	}
	if err != nil {
		return out, fmt.Errorf(msgApply+": %w", req.Target.Name, err)
	}
	for _, w := range out.Warnings {
		logr.FromContextOrDiscard(ctx).Info("warning from Exchange", "server", req.Target.Name, "warning", w)
	}
	return out, nil
}

// FailedCall returns the call that failed, if any.
func (r *ApplyResult) FailedCall() (CallResult, bool) {
	for _, c := range r.Calls {
		if c.State == CallFailed || c.State == CallInterrupted {
			return c, true
		}
	}
	return CallResult{}, false
}
