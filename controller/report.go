package controller

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"
)

// Mode says which command produced a change set, for the report's wording.
type Mode string

// Modes.
const (
	ModePlan  Mode = "plan"
	ModeApply Mode = "apply"
	ModeDiff  Mode = "diff"
)

// Report is what plan, apply and diff print.
type Report struct {
	Mode      Mode       `json:"mode"`
	ChangeSet *ChangeSet `json:"changeSet"`
	// Scripts are the PowerShell scripts per server (--show-script), secrets redacted.
	Scripts map[string]string `json:"scripts,omitempty"`
	// Commands counts WinRM commands per server during the run.
	Commands map[string]int `json:"winrmCommands,omitempty"`
}

// WriteText writes the terraform-like report: one block per object that
// changes (or, with verbose, every object), per-field `desired <- actual`,
// then the summary line.
func (r *Report) WriteText(w io.Writer, verbose bool) error {
	var b strings.Builder
	cs := r.ChangeSet
	for _, e := range cs.Entries {
		if !e.Changed() && !verbose && len(e.Notes) == 0 && e.Action != ActionUnknown {
			continue
		}
		fmt.Fprintf(&b, "%s %s (%s)\n", e.Action.Symbol(), e.Identity, describe(e, r.Mode))
		for _, f := range e.Fields {
			fmt.Fprintf(&b, "    %s: %s <- %s\n", f.Field, f.Desired, f.Actual)
		}
		for _, n := range e.Notes {
			fmt.Fprintf(&b, "    %s: %s (%s)\n", n.Severity, n.Message, n.Reason)
		}
		if e.refused != "" && r.Mode == ModeApply {
			fmt.Fprintf(&b, "    refused: %s\n", e.refused)
		}
		if e.Status != nil && r.Mode == ModeApply {
			for _, c := range e.Status.Conditions {
				if c.Type == ConditionDegraded && c.Status == ConditionTrue {
					fmt.Fprintf(&b, "    degraded: %s\n", c.Message)
				}
			}
		}
	}
	// Servers in name order: a map's order would change the text from one
	// run to the next.
	for _, srv := range sortedServers(r.Scripts) {
		fmt.Fprintf(&b, "\n# PowerShell for %s (secrets redacted)\n%s\n", srv, strings.TrimRight(r.Scripts[srv], "\r\n"))
	}
	for _, e := range cs.Errors {
		fmt.Fprintf(&b, "error: %s\n", e.Error())
	}
	b.WriteString(r.Summary())
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Summary is the report's last line: counts per outcome.
func (r *Report) Summary() string {
	cs := r.ChangeSet
	n := cs.count(r.Mode)
	// Outcomes that are not the normal run of things are listed only when
	// they occur.
	tail := ""
	for _, o := range []Outcome{OutcomeRefused, OutcomeFailed, OutcomeSkipped} {
		if n[o] > 0 {
			tail += fmt.Sprintf(", %d %s", n[o], o)
		}
	}
	switch {
	case n.Pending() == 0 && len(cs.Errors) == 0 && tail == "":
		return fmt.Sprintf("No changes. %d objects in sync.", n[OutcomeUnchanged])
	case r.Mode == ModeApply:
		return fmt.Sprintf("Applied: %d created, %d changed, %d removed, %d replaced, %d unchanged%s.",
			n[OutcomeCreated], n[OutcomeChanged], n[OutcomeRemoved], n[OutcomeReplaced], n[OutcomeUnchanged], tail)
	}
	verb := "Plan"
	if r.Mode == ModeDiff {
		verb = "Drift"
	}
	return fmt.Sprintf("%s: %d to create, %d to change, %d to remove, %d to replace, %d unchanged%s.",
		verb, n[OutcomeCreated], n[OutcomeChanged], n[OutcomeRemoved], n[OutcomeReplaced], n[OutcomeUnchanged], tail)
}

// describe says in words what happens to an entry: its outcome after
// apply, what the plan proposes, or (diff) how it drifted.
func describe(e *Entry, m Mode) string {
	if o := e.outcome(m); m == ModeApply || o == OutcomeRefused {
		return string(o)
	}
	if m == ModeDiff {
		switch e.Action {
		case ActionCreate:
			return "missing"
		case ActionChange:
			return "drifted"
		case ActionRemove:
			return "present, declared absent"
		case ActionReplace:
			return "created with another usage"
		}
	}
	switch e.Action {
	case ActionCreate:
		return "will be created"
	case ActionChange:
		return "will be changed"
	case ActionRemove:
		return "will be removed"
	case ActionReplace:
		return "requires replacement"
	case ActionUnknown:
		return "not observed"
	}
	return "unchanged"
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteYAML writes the report as YAML.
func (r *Report) WriteYAML(w io.Writer) error {
	data, err := yaml.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
