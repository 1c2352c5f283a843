package v1alpha1

import (
	"cmp"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// errInvalidManifests heads the error Diagnostics.Error returns.
const errInvalidManifests = "invalid manifests:"

// A Severity says whether a Diagnostic stops the run (error) or only informs (warning).
type Severity string

// Severities of a Diagnostic.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// A Position is a place in a manifest file; Line and Column count from 1, and 0 means unknown.
type Position struct {
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// A Diagnostic is one problem found while loading or validating manifests. It names the file,
// the position in it, the object, the field path and what is allowed, so that an administrator
// can fix it without reading the code.
type Diagnostic struct {
	// Severity is error or warning; only errors make a manifest set invalid.
	Severity Severity `json:"severity"`
	// File is the manifest the problem is in, as given on the command line ("-" for stdin).
	File string `json:"file,omitempty"`
	// Line and Column locate the offending node in File.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// Kind and Name identify the object, when the document got far enough to have them.
	Kind string `json:"kind,omitempty"`
	Name string `json:"name,omitempty"`
	// Path is the field path inside the object, such as spec.addressSpaces[1].
	Path string `json:"path,omitempty"`
	// Rule names the check that reported the problem, so that scripts can match on it.
	Rule string `json:"rule,omitempty"`
	// Message says what is wrong and what is allowed.
	Message string `json:"message"`
}

// String renders the Diagnostic in the compiler-like text form, for example
// `site/x.yaml:12:5: SendConnector "to canoe.com": spec.addressSpaces[1]: invalid address space`.
// Warnings carry a "warning: " prefix before the object; errors carry none.
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.File != "" {
		b.WriteString(d.File)
		if d.Line > 0 {
			b.WriteString(":" + strconv.Itoa(d.Line))
			if d.Column > 0 {
				b.WriteString(":" + strconv.Itoa(d.Column))
			}
		}
		b.WriteString(": ")
	}
	if d.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	if d.Kind != "" {
		b.WriteString(d.Kind)
		if d.Name != "" {
			b.WriteString(" " + quote(d.Name))
		}
		b.WriteString(": ")
	}
	if d.Path != "" {
		b.WriteString(d.Path + ": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// quote puts s in double quotes, escaping only when s holds a quote or an invisible or
// non-printable character: connector identities hold backslashes (WIN20081\Default WIN20081)
// that Go quoting would double.
func quote(s string) string {
	for _, r := range s {
		if r == '"' || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return `"` + s + `"`
}

// Diagnostics is every problem found in one load and validation, errors and warnings together.
type Diagnostics []Diagnostic

// HasErrors reports whether any Diagnostic is an error, which makes the manifest set invalid.
func (ds Diagnostics) HasErrors() bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return d.Severity == SeverityError })
}

// Count returns how many Diagnostics have the given severity.
func (ds Diagnostics) Count(s Severity) int {
	n := 0
	for _, d := range ds {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// Sort orders the Diagnostics by file, line, column, then errors before warnings, path and
// message, so that output is stable whatever order the rules ran in. Exact duplicates, which two
// rules seeing one problem from two sides may produce, are removed.
func (ds Diagnostics) Sort() Diagnostics {
	slices.SortStableFunc(ds, compareDiagnostics)
	return slices.Compact(ds)
}

func compareDiagnostics(a, b Diagnostic) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)),
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Name, b.Name),
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.Message, b.Message),
		cmp.Compare(a.Rule, b.Rule),
	)
}

func severityRank(s Severity) int {
	if s == SeverityError {
		return 0
	}
	return 1
}

// Error joins the error Diagnostics into one error, or returns nil when there are none, for
// callers that only need to stop.
func (ds Diagnostics) Error() error {
	var lines []string
	for _, d := range ds {
		if d.Severity == SeverityError {
			lines = append(lines, d.String())
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return errors.New(errInvalidManifests + "\n" + strings.Join(lines, "\n"))
}

// A Report is the JSON document `exreconcile validate -o json` prints.
type Report struct {
	// Valid is true when there is no error; warnings do not make a manifest set invalid.
	Valid    bool `json:"valid"`
	Errors   int  `json:"errors"`
	Warnings int  `json:"warnings"`
	// Objects counts the objects loaded.
	Objects     int         `json:"objects"`
	Diagnostics Diagnostics `json:"diagnostics"`
}

// NewReport summarises sorted Diagnostics and the number of objects loaded.
func NewReport(ds Diagnostics, objects int) Report {
	if ds == nil {
		ds = Diagnostics{}
	}
	return Report{
		Valid:       !ds.HasErrors(),
		Errors:      ds.Count(SeverityError),
		Warnings:    ds.Count(SeverityWarning),
		Objects:     objects,
		Diagnostics: ds,
	}
}

// MarshalIndent renders the Report as indented JSON with a trailing newline.
func (r Report) MarshalIndent() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
