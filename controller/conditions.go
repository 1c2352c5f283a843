package controller

// Condition types, as `-o json|yaml` reports them per object.
const (
	// ConditionReady is True when the object exists on Exchange as declared.
	ConditionReady = "Ready"
	// ConditionSynced is True when the last run could observe (and, for
	// apply, change) the object without error.
	ConditionSynced = "Synced"
	// ConditionDrifted is True when the observed object differs from the declaration.
	ConditionDrifted = "Drifted"
	// ConditionDegraded is True when apply ran but verification still sees
	// a difference, or when the object is unhealthy (a certificate without
	// its private key, say).
	ConditionDegraded = "Degraded"
)

// Condition reasons.
const (
	ReasonInSync          = "InSync"
	ReasonDrift           = "FieldsDiffer"
	ReasonMissing         = "NotFound"
	ReasonUnwanted        = "PresentButAbsentDeclared"
	ReasonReplace         = "RequiresReplacement"
	ReasonApplied         = "Applied"
	ReasonApplyFailed     = "ApplyFailed"
	ReasonObserveFailed   = "ObserveFailed"
	ReasonNotApplied      = "NotApplied"
	ReasonVerifyMismatch  = "StillDiffersAfterApply"
	ReasonVerifyFailed    = "VerifyFailed"
	ReasonHealthy         = "Healthy"
	ReasonPlanned         = "Planned"
	ReasonRefusedDefault  = "DefaultConnectorProtected"
	ReasonReplaceRefused  = "ReplacementNotAllowed"
	ReasonServerSkipped   = "OrganizationServerUnavailable"
	ReasonAbsentConfirmed = "Absent"
)

// Condition is one status condition of an object.
type Condition struct {
	Type    string `json:"type"`
	Status  string `json:"status"` // True | False | Unknown
	Reason  string `json:"reason"`
	Message string `json:"message,omitempty"`
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
func (s *Status) Get(t string) (Condition, bool) {
	for _, c := range s.Conditions {
		if c.Type == t {
			return c, true
		}
	}
	return Condition{}, false
}

func boolStatus(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
