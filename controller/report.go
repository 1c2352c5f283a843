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
		how := describe(e.Action, r.Mode)
		if r.Mode == ModeApply && notApplied(e) {
			how = "not " + how
		}
		fmt.Fprintf(&b, "%s %s (%s)\n", e.Action.Symbol(), e.Subject, how)
		for _, f := range e.Fields {
			fmt.Fprintf(&b, "    %s: %s <- %s\n", f.Field, f.Desired, f.Actual)
		}
		for _, n := range e.Notes {
			fmt.Fprintf(&b, "    %s: %s (%s)\n", n.Severity, n.Message, n.Reason)
		}
		if e.Status != nil && r.Mode == ModeApply {
			for _, c := range e.Status.Conditions {
				if c.Type == ConditionDegraded && c.Status == "True" {
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
	n := cs.Count()
	unobserved := ""
	if n.Unknown > 0 {
		unobserved = fmt.Sprintf(", %d not observed", n.Unknown)
	}
	switch {
	case n.Create+n.Change+n.Remove+n.Replace == 0 && len(cs.Errors) == 0:
		fmt.Fprintf(&b, "No changes. %d objects in sync.\n", n.Unchanged)
	case r.Mode == ModeApply:
		// What failed or was refused is not counted as done.
		var failed ChangeSet
		for _, e := range cs.Entries {
			if notApplied(e) {
				failed.Entries = append(failed.Entries, e)
			}
		}
		f, tail := failed.Count(), unobserved
		if k := len(failed.Entries); k > 0 {
			tail += fmt.Sprintf(", %d failed", k)
		}
		fmt.Fprintf(&b, "Applied: %d created, %d changed, %d removed, %d replaced, %d unchanged%s.\n",
			n.Create-f.Create, n.Change-f.Change, n.Remove-f.Remove, n.Replace-f.Replace, n.Unchanged, tail)
	default:
		verb := "Plan"
		if r.Mode == ModeDiff {
			verb = "Drift"
		}
		fmt.Fprintf(&b, "%s: %d to create, %d to change, %d to remove, %d to replace, %d unchanged%s.\n",
			verb, n.Create, n.Change, n.Remove, n.Replace, n.Unchanged, unobserved)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// notApplied reports whether a changed entry's calls failed, did not run or
// were refused (its Synced condition is False).
func notApplied(e *Entry) bool {
	if !e.Changed() || e.Status == nil {
		return false
	}
	c, ok := e.Status.Get(ConditionSynced)
	return ok && c.Status == "False"
}

func describe(a Action, m Mode) string {
	past := m == ModeApply
	if m == ModeDiff {
		switch a {
		case ActionCreate:
			return "missing"
		case ActionConfigure:
			return "drifted"
		case ActionRemove:
			return "present, declared absent"
		case ActionReplace:
			return "created with another usage"
		}
	}
	switch a {
	case ActionCreate:
		return pick(past, "created", "will be created")
	case ActionConfigure:
		return pick(past, "changed", "will be changed")
	case ActionRemove:
		return pick(past, "removed", "will be removed")
	case ActionReplace:
		return pick(past, "replaced", "requires replacement")
	case ActionUnknown:
		return "not observed"
	}
	return "unchanged"
}

func pick(past bool, a, b string) string {
	if past {
		return a
	}
	return b
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
