package exchange

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-logr/logr"
)

// ApplyRequest is the calls one apply script runs on one server, in order,
// grouped per object: each group runs in its own try/catch, so a failed call
// skips only the later calls of its group (docs/winrm.md "The remote
// contract").
type ApplyRequest struct {
	Target Target
	// Groups are the calls per object. When empty, Calls are one group.
	Groups []CallGroup
	Calls  []Call
	// Verify, when set, ends the script with the observe frames of these
	// reads, so apply and verify are one command.
	Verify *Reads
}

// CallGroup is the calls of one object: a failure skips the rest of the
// group, never another group.
type CallGroup struct {
	Calls []Call
}

// groups returns the request's groups (Calls as one group when Groups is
// empty).
func (r ApplyRequest) groups() []CallGroup {
	if len(r.Groups) > 0 {
		return r.Groups
	}
	if len(r.Calls) == 0 {
		return nil
	}
	return []CallGroup{{Calls: r.Calls}}
}

// allCalls is every call of every group, in order.
func (r ApplyRequest) allCalls() []Call {
	var out []Call
	for _, g := range r.groups() {
		out = append(out, g.Calls...)
	}
	return out
}

// CallState is what became of one call of an apply script.
type CallState string

// Call states.
const (
	// CallDone: the call returned without error.
	CallDone CallState = "done"
	// CallFailed: the call raised an error; the rest of its group did not
	// run.
	CallFailed CallState = "failed"
	// CallInterrupted: the call started but the output ends before it
	// returned (timeout, dropped connection): it may or may not have taken
	// effect; observe again before trusting either.
	CallInterrupted CallState = "interrupted"
	// CallNotRun: an earlier call of its group failed, or the script
	// stopped before the call.
	CallNotRun CallState = "not-run"
)

// CallResult is one call's outcome.
type CallResult struct {
	Call Call `json:"call"`
	// Group is the index of the call's group in the request.
	Group int          `json:"group"`
	State CallState    `json:"state"`
	Err   *RemoteError `json:"-"`
	// Message and FullyQualifiedErrorId are Exchange's, for a failed call.
	Message               string `json:"message,omitempty"`
	FullyQualifiedErrorId string `json:"fullyQualifiedErrorId,omitempty"`
}

// ApplyResult is the outcome of every call of an apply script, in the order
// of the request's calls, and, when the request asked to verify, what the
// server held after them.
type ApplyResult struct {
	Calls    []CallResult `json:"calls"`
	Warnings []string     `json:"warnings,omitempty"`
	// Observation is the server after the calls (ApplyRequest.Verify), read
	// by the same command; nil when it could not be read, and VerifyErr
	// says why.
	Observation *Observation `json:"observation,omitempty"`
	VerifyErr   error        `json:"-"`
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

// errorFrame names the frame of one field of the error that stopped group g.
func errorFrame(g int, field string) string { return "error " + strconv.Itoa(g) + " " + field }

// errorFields are the parts of the caught ErrorRecord the catch block writes,
// each as its own frame (base64 of UTF-8, so any text survives): what the
// classifier reads from a console-formatted record on stderr otherwise.
var errorFields = []struct {
	name string
	expr Code
}{
	{"message", raw("$_.Exception.Message")},
	{"id", raw("$_.FullyQualifiedErrorId")},
	{"category", raw("$_.CategoryInfo.Category")},
	{"reason", raw("$_.CategoryInfo.Reason")},
}

// stopPrefix starts the message of the ActionPreferenceStopException that
// Windows PowerShell 2.0 hands a catch block for -ErrorAction Stop
// (about_Try_Catch_Finally; 3.0 and later hand over the original record).
const stopPrefix = `Command execution stopped because the preference variable "ErrorActionPreference" or common parameter is set to Stop: `

// localCommands are the commands besides Exchange's an apply may run: they
// run in the WinRM session on the server itself.
var localCommands = map[string]bool{"Restart-Service": true}

// ApplyScript builds the script that runs req's calls in order on one
// server. Each call is framed by markers written to stdout, so the output
// says which calls returned; -ErrorAction 'Stop' on every call
// (implicit-remoting proxies do not see the script's preference variable)
// makes an error end its group's try block, whose catch block writes the
// error record as frames; the next group runs. Output objects go to
// Out-Null: only markers reach stdout. With req.Verify the observe frames
// follow, inside the same session. The version must be known (observe
// first), and every call must exist for it.
func ApplyScript(req ApplyRequest) (*Script, error) {
	if err := req.Target.check(); err != nil {
		return nil, err
	}
	if !req.Target.Version.Known() {
		return nil, fmt.Errorf("%w: observe %s before applying changes to it", ErrUnknownVersion, req.Target.Name)
	}
	calls := req.allCalls()
	if len(calls) == 0 {
		return nil, fmt.Errorf("%w: no calls to apply on %s", ErrInvalidRequest, req.Target.Name)
	}
	for _, c := range calls {
		if len(c.body) > 0 {
			continue
		}
		if err := CheckCall(req.Target.Version, c); err != nil {
			return nil, err
		}
		if !IsExchangeCmdlet(c.Cmdlet) && !localCommands[c.Cmdlet] {
			return nil, fmt.Errorf("%w: %s is not a command exreconcile may run", ErrInvalidRequest, c.Cmdlet)
		}
	}
	var parts []observePart
	used := calls
	if req.Verify != nil {
		parts = ObserveRequest{Target: req.Target, Reads: *req.Verify}.parts()
		for _, p := range parts {
			used = append(used, p.get)
		}
	}
	s := &Script{Name: "apply"}
	cmdlets := exchangeCmdlets(used)
	openSession(s, req.Target, cmdlets)
	n := 0
	for gi, g := range req.groups() {
		s.open("try {")
		for _, c := range g.Calls {
			n++
			if len(c.body) > 0 {
				// Statements, not a cmdlet: $ErrorActionPreference 'Stop'
				// and .NET exceptions end the try block the same way.
				s.Line(lit(callBegin(n)))
				for _, l := range c.body {
					s.Line(l)
				}
				for _, b := range c.builtins {
					s.record(b)
				}
				s.Line(lit(callEnd(n)))
				continue
			}
			run := Call{Cmdlet: c.Cmdlet, Params: append(append([]Param(nil), c.Params...), Param{Name: "ErrorAction", Value: lit("Stop")})}
			s.Line(lit(callBegin(n)))
			s.Line(concat(run.Code(), raw(" | Out-Null")))
			s.record(run)
			builtinCall(s, "Out-Null")
			s.Line(lit(callEnd(n)))
		}
		s.reopen("} catch {")
		for _, f := range errorFields {
			s.Line(lit(beginMarker(errorFrame(gi+1, f.name))))
			s.Line(concat(raw("[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('' + "), f.expr, raw("))")))
			s.Line(lit(endMarker(errorFrame(gi+1, f.name))))
		}
		s.close("}")
	}
	for _, p := range parts {
		p.write(s, req.Target)
	}
	closeSession(s, req.Target, cmdlets)
	return s, nil
}

// caughtError reads the error frames of group g, if its catch block ran.
func caughtError(server string, scan *stdoutScan, g int) (*RemoteError, bool) {
	msg, ok := scan.frames[errorFrame(g, "message")]
	if !ok {
		return nil, false
	}
	rec := ErrorRecord{
		Message:               strings.TrimSpace(strings.TrimPrefix(msg, stopPrefix)),
		FullyQualifiedErrorId: scan.frames[errorFrame(g, "id")],
		Category:              scan.frames[errorFrame(g, "category")],
		Reason:                scan.frames[errorFrame(g, "reason")],
	}
	return &RemoteError{Server: server, Class: Classify(rec), Record: rec}, true
}

// ParseApply reads the output of ApplyScript(req). It always returns the
// per-call outcome it could establish; the error is the first failure (a
// classified *RemoteError), if any. The verification, when asked for, is in
// the result (Observation or VerifyErr).
func ParseApply(req ApplyRequest, res *Result) (*ApplyResult, error) {
	stderr := DecodeStderr(res.Stderr)
	scan, scanErr := scanStdout(res.Stdout)
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
	n := 0
	for gi, g := range req.groups() {
		caught, hasCaught := caughtError(req.Target.Name, scan, gi+1)
		failed := false
		for _, c := range g.Calls {
			n++
			cr := CallResult{Call: c, Group: gi, State: CallNotRun}
			switch {
			case failed:
			case ended[n]:
				cr.State = CallDone
			case begun[n] && hasCaught:
				cr.State, cr.Err, failed = CallFailed, caught, true
			case begun[n]:
				cr.State = CallInterrupted
				if len(stderr.Errors) > 0 || res.ExitCode > 0 {
					cr.State, failed = CallFailed, true
					cr.Err = remoteFailure(req.Target.Name, res, stderr, scan).(*RemoteError)
				}
			}
			if cr.Err != nil {
				cr.Message, cr.FullyQualifiedErrorId = cr.Err.Record.Message, cr.Err.Record.FullyQualifiedErrorId
				if failure == nil {
					failure = fmt.Errorf("call %d: %w", n, cr.Err)
				}
			}
			out.Calls = append(out.Calls, cr)
		}
	}
	anyBegun := len(begun) > 0
	if req.Verify != nil && anyBegun {
		obs, err := parseObservationScan(ObserveRequest{Target: req.Target, Reads: *req.Verify}, res, stderr, scan, scanErr)
		out.Observation, out.VerifyErr = obs, err
	}
	switch {
	case failure != nil:
		return out, failure
	case !anyBegun && (len(stderr.Errors) > 0 || res.ExitCode != 0 || !scan.done):
		re := remoteFailure(req.Target.Name, res, stderr, scan).(*RemoteError)
		if re.Class == ClassOther {
			re.Class = ClassSession
		}
		if req.Verify != nil {
			out.VerifyErr = re
		}
		return out, fmt.Errorf("session set-up: %w", re)
	case out.Completed() == len(out.Calls):
		if req.Verify == nil && (!scan.done || len(stderr.Errors) > 0) {
			// Every change was made; only closing the session failed.
			msg := "the session did not close cleanly"
			if len(stderr.Errors) > 0 {
				msg += ": " + stderr.Errors[len(stderr.Errors)-1].String()
			}
			out.Warnings = append(out.Warnings, msg)
		}
		return out, nil
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
