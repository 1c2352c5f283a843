package controller

// Action is what a plan does to one object. Every action the engine can
// decide is listed here, with the symbol the text report prints for it.
type Action string

// Actions, in the order a report lists them.
const (
	// ActionCreate (+): the object does not exist and will be created
	// with every declared field.
	ActionCreate Action = "create"
	// ActionChange (~): the object exists and declared fields differ; only
	// those fields are set.
	ActionChange Action = "change"
	// ActionRemove (-): the object exists and is declared absent, or was
	// created by this site and is no longer declared (--prune).
	ActionRemove Action = "remove"
	// ActionReplace (±): a field Exchange sets only at creation (a
	// connector's usage) differs; apply removes and recreates the object,
	// and only with --allow-replace.
	ActionReplace Action = "replace"
	// ActionUnchanged: every declared field is as declared.
	ActionUnchanged Action = "unchanged"
	// ActionUnknown (?): the object's server could not be read, so nothing
	// is known about it.
	ActionUnknown Action = "unknown"
)

// Symbol is the one-character marker of a report line.
func (a Action) Symbol() string {
	switch a {
	case ActionCreate:
		return "+"
	case ActionChange:
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

// Changes reports whether the action needs a call.
func (a Action) Changes() bool {
	return a == ActionCreate || a == ActionChange || a == ActionRemove || a == ActionReplace
}

// Outcome is what a run did to one object: the one vocabulary of the text
// report, -o json|yaml and the metrics. A plan or diff has the outcome it
// proposes (an unchanged object is unchanged, the others are what apply
// would do); apply has what happened.
type Outcome string

// Outcomes.
const (
	// OutcomeCreated: the object was created (plan: will be).
	OutcomeCreated Outcome = "created"
	// OutcomeChanged: declared fields were set (plan: will be).
	OutcomeChanged Outcome = "changed"
	// OutcomeRemoved: the object was removed (plan: will be).
	OutcomeRemoved Outcome = "removed"
	// OutcomeReplaced: the object was removed and created again (plan: will be).
	OutcomeReplaced Outcome = "replaced"
	// OutcomeRefused: exreconcile would not make the change (a protected
	// default connector, a replacement without --allow-replace, a connector
	// that would accept credentials without TLS); the entry says why and
	// what to do.
	OutcomeRefused Outcome = "refused"
	// OutcomeFailed: a call for the object failed; the error names the
	// server, the cmdlet and Exchange's message.
	OutcomeFailed Outcome = "failed"
	// OutcomeSkipped: nothing was done because something the object needs
	// failed first (its server could not be read, an earlier call it
	// depends on failed).
	OutcomeSkipped Outcome = "skipped"
	// OutcomeUnchanged: the object is as declared.
	OutcomeUnchanged Outcome = "unchanged"
)

// Outcomes lists every outcome in the order the summary counts them.
var Outcomes = []Outcome{OutcomeCreated, OutcomeChanged, OutcomeRemoved, OutcomeReplaced,
	OutcomeRefused, OutcomeFailed, OutcomeSkipped, OutcomeUnchanged}

// plannedOutcome is the outcome an action proposes.
func plannedOutcome(a Action) Outcome {
	switch a {
	case ActionCreate:
		return OutcomeCreated
	case ActionChange:
		return OutcomeChanged
	case ActionRemove:
		return OutcomeRemoved
	case ActionReplace:
		return OutcomeReplaced
	case ActionUnknown:
		return OutcomeSkipped
	}
	return OutcomeUnchanged
}
