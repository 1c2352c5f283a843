// Package controller turns declared objects and observed servers into a
// change set (observe -> compare -> plan), executes it (apply), re-reads
// (verify) and reports. Each kind implements one contract (kind.go); the
// engine (engine.go) decides the action of every object of every kind with
// one skeleton and knows no kind by name.
package controller

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// FieldDiff is one declared field whose actual value differs.
type FieldDiff struct {
	Field   string `json:"field"`
	Desired string `json:"desired"`
	Actual  string `json:"actual"`
	// Added and Removed are, for a field compared as a set, the elements
	// the change adds and removes, as declared and as observed.
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	// DesiredValue and ActualValue are the same values typed for
	// pipelines: booleans, numbers and lists of strings; absent for values
	// that are text anyway.
	DesiredValue any `json:"desiredValue,omitempty"`
	ActualValue  any `json:"actualValue,omitempty"`
}

// Note is something a reader of the plan must know that is not a change:
// a health finding, an unmanageable difference, a refused action.
type Note struct {
	Severity Severity `json:"severity"`
	Reason   Reason   `json:"reason"`
	Message  string   `json:"message"`
}

// warningNote and errorNote build notes.
func warningNote(r Reason, format string, args ...any) Note {
	return Note{Severity: SeverityWarning, Reason: r, Message: fmt.Sprintf(format, args...)}
}

func errorNote(r Reason, format string, args ...any) Note {
	return Note{Severity: SeverityError, Reason: r, Message: fmt.Sprintf(format, args...)}
}

// Entry is the plan for one object.
type Entry struct {
	v1alpha1.Identity `json:",inline"`
	Action            Action `json:"action"`
	// Outcome is what the run did (apply) or proposes (plan, diff).
	Outcome Outcome     `json:"outcome"`
	Fields  []FieldDiff `json:"fields,omitempty"`
	// Calls are the PowerShell lines apply runs for this entry, secrets redacted.
	Calls []string `json:"calls,omitempty"`
	Notes []Note   `json:"notes,omitempty"`
	// RunOn is where the calls run (the organisation's chosen server for
	// organisation-wide objects).
	RunOn  string  `json:"runOn,omitempty"`
	Status *Status `json:"status,omitempty"`

	// calls are the typed calls behind Calls, in order.
	calls []exchange.Call
	// refused says why apply must not run the calls ("" when it may).
	refused string
}

// setCalls records the calls of the entry and their redacted text.
func (e *Entry) setCalls(calls ...exchange.Call) {
	e.calls = calls
	e.Calls = nil
	for _, c := range calls {
		e.Calls = append(e.Calls, c.Redacted())
	}
}

// Changed reports whether the entry needs any call.
func (e *Entry) Changed() bool { return e.Action.Changes() }

// outcome is the entry's outcome; for an entry the engine has not
// finished (a fixture, a partial report) it is derived from its action and
// status.
func (e *Entry) outcome(m Mode) Outcome {
	if e.Outcome == "" {
		return entryOutcome(e, m)
	}
	return e.Outcome
}

// hasError reports whether a note of the entry is an error.
func (e *Entry) hasError() bool {
	for _, n := range e.Notes {
		if n.Severity == SeverityError {
			return true
		}
	}
	return false
}

// status returns the entry's status, creating it.
func (e *Entry) status() *Status {
	if e.Status == nil {
		e.Status = &Status{}
	}
	return e.Status
}

// ChangeSet is the whole plan of a run: plan prints it, apply executes
// exactly it, diff exits on it, -o json|yaml is this struct.
type ChangeSet struct {
	Entries []*Entry `json:"entries"`
	// Restarts are the transport service restarts apply runs after the
	// calls of their server (restartTransportService: OnChange).
	Restarts []*Restart `json:"restarts,omitempty"`
	// Phases are the ordered steps of a certificate rotation, per
	// organisation (phases.go); empty for an ordinary run.
	Phases []*Phase `json:"phases,omitempty"`
	// Errors are the failures of the run: a server that could not be
	// observed, a refused replacement, a failed call.
	Errors []RunError `json:"errors,omitempty"`
}

// RunError is a failure of a run, named by server and, where known, object
// and cmdlet. It keeps the error it reports: errors.Is and errors.As reach
// exchange's sentinels and types through it.
type RunError struct {
	Server  string `json:"server,omitempty"`
	Subject string `json:"subject,omitempty"`
	Cmdlet  string `json:"cmdlet,omitempty"`
	// Class is exchange's classification of the cause, or Refused for
	// what exreconcile itself declined to do.
	Class     exchange.Class `json:"class,omitempty"`
	Retryable bool           `json:"retryable"`
	Message   string         `json:"message"`
	// Err is the cause.
	Err error `json:"-"`
}

// ClassRefused is the class of what exreconcile declined to do (as opposed
// to what Exchange refused).
const ClassRefused exchange.Class = "Refused"

// ClassTimedOut is the class of a server that exceeded its run deadline
// (ServerTimeoutError) or a request its own timeout; a later run may well
// succeed, so it is retryable.
const ClassTimedOut = exchange.ClassTimedOut

// ErrRefused is the sentinel of refusals: errors.Is(err, ErrRefused).
var ErrRefused = errors.New("refused")

// newRunError builds a RunError from its cause: the class and whether it
// may pass by itself come from exchange's classification.
func newRunError(server, subject, cmdlet string, err error, format string, args ...any) RunError {
	msg := fmt.Sprintf(format, args...)
	class := exchange.ClassOf(err)
	var timedOut *ServerTimeoutError
	switch {
	case errors.Is(err, ErrRefused):
		class = ClassRefused
	case errors.As(err, &timedOut):
		class = ClassTimedOut
	}
	return RunError{Server: server, Subject: subject, Cmdlet: cmdlet, Class: class,
		Retryable: exchange.Retryable(err) || class == ClassTimedOut, Message: msg, Err: err}
}

func (e RunError) Error() string {
	var parts []string
	if e.Server != "" {
		parts = append(parts, e.Server)
	}
	if e.Subject != "" {
		parts = append(parts, e.Subject)
	}
	if e.Cmdlet != "" {
		parts = append(parts, e.Cmdlet)
	}
	if len(parts) == 0 {
		return e.Message
	}
	return strings.Join(parts, ": ") + ": " + e.Message
}

// Unwrap returns the cause.
func (e RunError) Unwrap() error { return e.Err }

// Err joins every error of the change set, nil when there is none.
func (c *ChangeSet) Err() error {
	var errs []error
	for _, e := range c.Errors {
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// Counts tallies entries by outcome.
type Counts map[Outcome]int

// Count tallies the entries by outcome.
func (c *ChangeSet) Count() Counts { return c.count(ModePlan) }

func (c *ChangeSet) count(m Mode) Counts {
	n := Counts{}
	for _, e := range c.Entries {
		n[e.outcome(m)]++
	}
	return n
}

// Pending is how many entries propose a change.
func (n Counts) Pending() int {
	return n[OutcomeCreated] + n[OutcomeChanged] + n[OutcomeRemoved] + n[OutcomeReplaced]
}

// HasChanges reports whether anything differs from the declaration, or a
// restart is pending.
func (c *ChangeSet) HasChanges() bool {
	if c.hasPendingRestart() {
		return true
	}
	for _, e := range c.Entries {
		if e.Changed() {
			return true
		}
	}
	return false
}

// Sort orders entries as they run: organisation, then kinds in the order
// of the kinds table, then by server and name.
func (c *ChangeSet) Sort() {
	sort.SliceStable(c.Entries, func(i, j int) bool {
		a, b := c.Entries[i], c.Entries[j]
		if a.Organization != b.Organization {
			return a.Organization < b.Organization
		}
		if ra, rb := kindRank(a.Kind), kindRank(b.Kind); ra != rb {
			return ra < rb
		}
		if a.Server != b.Server {
			return a.Server < b.Server
		}
		return strings.ToLower(a.Name) < strings.ToLower(b.Name)
	})
}

// find returns the entry of an identity, nil when there is none.
func (c *ChangeSet) find(id v1alpha1.Identity) *Entry {
	for _, e := range c.Entries {
		if e.Key() == id.Key() {
			return e
		}
	}
	return nil
}
