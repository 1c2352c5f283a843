package controller

// ConditionType names one status condition of an object.
type ConditionType string

// Condition types, as -o json|yaml reports them per object.
const (
	// ConditionReady is True when the object exists on Exchange as declared.
	ConditionReady ConditionType = "Ready"
	// ConditionSynced is True when the last run could observe (and, for
	// apply, change) the object without error.
	ConditionSynced ConditionType = "Synced"
	// ConditionDrifted is True when the observed object differs from the declaration.
	ConditionDrifted ConditionType = "Drifted"
	// ConditionDegraded is True when apply ran but verification still sees
	// a difference, or when the object is unhealthy (a certificate without
	// its private key, say).
	ConditionDegraded ConditionType = "Degraded"
)

// ConditionStatus is True, False or Unknown, as in Kubernetes conditions.
type ConditionStatus string

// Condition statuses.
const (
	ConditionTrue    ConditionStatus = "True"
	ConditionFalse   ConditionStatus = "False"
	ConditionUnknown ConditionStatus = "Unknown"
)

// boolStatus is True or False.
func boolStatus(b bool) ConditionStatus {
	if b {
		return ConditionTrue
	}
	return ConditionFalse
}

// Reason is the machine-readable cause of a condition or a note. Every
// reason the engine emits is one of these constants, each named as its
// value, and each documented in the README's status section.
type Reason string

// Reasons of the Ready, Synced, Drifted and Degraded conditions.
const (
	// ReasonInSync: every declared field is as declared.
	ReasonInSync Reason = "InSync"
	// ReasonFieldsDiffer: declared fields differ; the message lists them.
	ReasonFieldsDiffer Reason = "FieldsDiffer"
	// ReasonNotFound: the object does not exist on the server.
	ReasonNotFound Reason = "NotFound"
	// ReasonDeclaredAbsent: the object exists and is declared absent (or is pruned).
	ReasonDeclaredAbsent Reason = "DeclaredAbsent"
	// ReasonRequiresReplacement: a creation-only field differs.
	ReasonRequiresReplacement Reason = "RequiresReplacement"
	// ReasonReplacementNotAllowed: apply ran without --allow-replace.
	ReasonReplacementNotAllowed Reason = "ReplacementNotAllowed"
	// ReasonDefaultConnectorProtected: removing or rebinding a server's
	// default receive connector was refused.
	ReasonDefaultConnectorProtected Reason = "DefaultConnectorProtected"
	// ReasonPruned: created by this site and no longer declared (--prune).
	ReasonPruned Reason = "Pruned"
	// ReasonOwnedElsewhere: an undeclared connector carries another
	// site's marker (or, without --adopt-unowned, the marker without an
	// owner); --prune leaves it alone.
	ReasonOwnedElsewhere Reason = "OwnedElsewhere"
	// ReasonApplied: apply ran and verification found the object as declared.
	ReasonApplied Reason = "Applied"
	// ReasonApplyFailed: a call for the object failed.
	ReasonApplyFailed Reason = "ApplyFailed"
	// ReasonNotApplied: the object's calls did not run (an earlier call on
	// the server failed, or it was refused).
	ReasonNotApplied Reason = "NotApplied"
	// ReasonObserveFailed: the object's server could not be read.
	ReasonObserveFailed Reason = "ObserveFailed"
	// ReasonPlanFailed: no calls could be built for the object (the
	// server's version lacks a parameter, say).
	ReasonPlanFailed Reason = "PlanFailed"
	// ReasonStillDiffersAfterApply: verification still sees a difference.
	ReasonStillDiffersAfterApply Reason = "StillDiffersAfterApply"
	// ReasonVerifyFailed: the server could not be read after apply, or the
	// object was not found.
	ReasonVerifyFailed Reason = "VerifyFailed"
)

// Severity says whether a note stops the run (error: exit 1) or only
// informs (warning).
type Severity string

// Severities.
const (
	SeverityWarning Severity = "warning"
	SeverityError   Severity = "error"
)

// Condition is one status condition of an object.
type Condition struct {
	Type    ConditionType   `json:"type"`
	Status  ConditionStatus `json:"status"`
	Reason  Reason          `json:"reason"`
	Message string          `json:"message,omitempty"`
}

// condition builds a condition; the constructors below name the status.
func condition(t ConditionType, s ConditionStatus, r Reason, msg string) Condition {
	return Condition{Type: t, Status: s, Reason: r, Message: msg}
}

func conditionIsTrue(t ConditionType, r Reason, msg string) Condition {
	return condition(t, ConditionTrue, r, msg)
}

func conditionIsFalse(t ConditionType, r Reason, msg string) Condition {
	return condition(t, ConditionFalse, r, msg)
}

func conditionIsUnknown(t ConditionType, r Reason, msg string) Condition {
	return condition(t, ConditionUnknown, r, msg)
}

// Status is what a run learnt about one object; it is printed with
// -o json|yaml and never written into the user's files.
type Status struct {
	Observed   map[string]string `json:"observed,omitempty"`
	Conditions []Condition       `json:"conditions"`
	// Actions are the calls that ran for this object (apply only).
	Actions []string `json:"actions,omitempty"`
}

// Set replaces or adds the condition of type c.Type.
func (s *Status) Set(c Condition) {
	for i := range s.Conditions {
		if s.Conditions[i].Type == c.Type {
			s.Conditions[i] = c
			return
		}
	}
	s.Conditions = append(s.Conditions, c)
}

// Get returns the condition of type t, if set.
func (s *Status) Get(t ConditionType) (Condition, bool) {
	for _, c := range s.Conditions {
		if c.Type == t {
			return c, true
		}
	}
	return Condition{}, false
}

// Is reports whether condition t is set with status st.
func (s *Status) Is(t ConditionType, st ConditionStatus) bool {
	c, ok := s.Get(t)
	return ok && c.Status == st
}
