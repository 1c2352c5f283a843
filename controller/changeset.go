// Package controller turns declared objects and observed servers into a
// change set (observe -> compare -> plan), executes it (apply), re-reads
// (verify) and reports. Each kind has one file that maps its spec onto the
// Exchange calls; the engine in run.go decides what to do with them.
package controller

import (
	"fmt"

	"github.com/exreconcile/exreconcile/exchange"
	"sort"
	"strings"
)

// Action is what a plan does to one object.
type Action string

// Actions, in the order a report lists them.
const (
	ActionCreate    Action = "create"
	ActionConfigure Action = "configure"
	ActionRemove    Action = "remove"
	ActionReplace   Action = "requires-replacement"
	ActionUnchanged Action = "unchanged"
	// ActionUnknown: the object's server could not be read, so nothing is known.
	ActionUnknown Action = "unknown"
)

// Symbol is the one-character marker of a report line.
func (a Action) Symbol() string {
	switch a {
	case ActionCreate:
		return "+"
	case ActionConfigure:
		return "~"
	case ActionRemove:
		return "-"
	case ActionReplace:
		return "±"
	case ActionUnknown:
		return "?"
	}
	return " "
}

// Subject names one object of one organisation (and server, for per-server kinds).
type Subject struct {
	Kind         string `json:"kind"`
	Organization string `json:"organization"`
	Server       string `json:"server,omitempty"`
	Name         string `json:"name"`
}

// String is how reports name the subject.
func (s Subject) String() string {
	// Names are quoted as Exchange prints identities, not with Go
	// escaping: a receive connector is "SERVER\Name".
	if s.Server != "" && s.Kind == "ReceiveConnector" {
		return fmt.Sprintf(`%s "%s\%s"`, s.Kind, s.Server, s.Name)
	}
	if s.Server != "" {
		return fmt.Sprintf(`%s "%s" on %s`, s.Kind, s.Name, s.Server)
	}
	return fmt.Sprintf(`%s "%s"`, s.Kind, s.Name)
}

// FieldDiff is one declared field whose actual value differs.
type FieldDiff struct {
	Field   string `json:"field"`
	Desired string `json:"desired"`
	Actual  string `json:"actual"`
}

// Note is something a reader of the plan must know that is not a change:
// a health finding, an unmanageable difference, a refused action.
type Note struct {
	Severity string `json:"severity"` // warning | error
	Reason   string `json:"reason"`
	Message  string `json:"message"`
}

// Entry is the plan for one object.
type Entry struct {
	Subject `json:",inline"`
	Action  Action      `json:"action"`
	Fields  []FieldDiff `json:"fields,omitempty"`
	// Calls are the PowerShell lines apply runs for this entry, secrets redacted.
	Calls []string `json:"calls,omitempty"`
	Notes []Note   `json:"notes,omitempty"`
	// Server is where the calls run (the organisation's chosen server for
	// organisation-wide objects).
	RunOn  string  `json:"runOn,omitempty"`
	Status *Status `json:"status,omitempty"`

	// calls are the typed calls behind Calls, in order.
	calls []exchange.Call
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
func (e *Entry) Changed() bool { return e.Action != ActionUnchanged && e.Action != ActionUnknown }

// ChangeSet is the whole plan of a run: plan prints it, apply executes
// exactly it, diff exits on it, -o json|yaml is this struct.
type ChangeSet struct {
	Entries []*Entry `json:"entries"`
	// Errors are failures that are not tied to one object (a server that
	// could not be observed, a refused replacement).
	Errors []RunError `json:"errors,omitempty"`
}

// RunError is a failure of a run, named by server and, where known, object and cmdlet.
type RunError struct {
	Server  string `json:"server,omitempty"`
	Subject string `json:"subject,omitempty"`
	Cmdlet  string `json:"cmdlet,omitempty"`
	Class   string `json:"class,omitempty"`
	Message string `json:"message"`
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

// Counts is the summary line of a plan.
type Counts struct{ Create, Change, Remove, Replace, Unchanged, Unknown int }

// Count tallies the entries by action.
func (c *ChangeSet) Count() Counts {
	var n Counts
	for _, e := range c.Entries {
		switch e.Action {
		case ActionCreate:
			n.Create++
		case ActionConfigure:
			n.Change++
		case ActionRemove:
			n.Remove++
		case ActionReplace:
			n.Replace++
		case ActionUnknown:
			n.Unknown++
		default:
			n.Unchanged++
		}
	}
	return n
}

// HasChanges reports whether anything differs from the declaration.
func (c *ChangeSet) HasChanges() bool {
	n := c.Count()
	return n.Create+n.Change+n.Remove+n.Replace > 0
}

// Sort orders entries as they run: organisation, then certificates,
// connectors, TransportConfig, then by server and name.
func (c *ChangeSet) Sort() {
	rank := map[string]int{"ExchangeCertificate": 0, "SendConnector": 1, "ReceiveConnector": 2, "TransportConfig": 3}
	sort.SliceStable(c.Entries, func(i, j int) bool {
		a, b := c.Entries[i], c.Entries[j]
		if a.Organization != b.Organization {
			return a.Organization < b.Organization
		}
		if rank[a.Kind] != rank[b.Kind] {
			return rank[a.Kind] < rank[b.Kind]
		}
		if a.Server != b.Server {
			return a.Server < b.Server
		}
		return strings.ToLower(a.Name) < strings.ToLower(b.Name)
	})
}
