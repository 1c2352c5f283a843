package exchange

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// paramsTSV is Microsoft's parameter inventory (a copy of exchange/params.tsv, see docs/exchange.md "Parameter availability by version"):
// cmdlet, parameter, type, required, parameter_set, applicable versions.
//
//go:embed params.tsv
var paramsTSV string

// paramRow is one line of params.tsv.
type paramRow struct {
	cmdlet, name, typ string
	required          bool
	set               string
	versions          []Version
}

// paramTable holds params.tsv keyed by lower-case cmdlet name.
var paramTable = mustParseParams(paramsTSV)

func mustParseParams(text string) map[string][]paramRow {
	t, err := parseParams(text)
	if err != nil {
		panic(err)
	}
	return t
}

func parseParams(text string) (map[string][]paramRow, error) {
	out := map[string][]paramRow{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		if i == 0 || strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			return nil, fmt.Errorf("params.tsv line %d: %d columns, want 6", i+1, len(f))
		}
		row := paramRow{cmdlet: f[0], name: f[1], typ: f[2], required: f[3] == "True", set: f[4]}
		for _, a := range strings.Split(f[5], ",") {
			a = strings.TrimSpace(a)
			if v, ok := versionFromApplicable(a); ok {
				row.versions = append(row.versions, v)
			}
		}
		key := strings.ToLower(row.cmdlet)
		out[key] = append(out[key], row)
	}
	return out, nil
}

// versionFromApplicable maps an `applicable` entry ("Exchange Server 2016")
// to a Version; Exchange Online entries are not on-premises versions.
func versionFromApplicable(s string) (Version, bool) {
	rest, ok := strings.CutPrefix(s, "Exchange Server ")
	if !ok {
		return 0, false
	}
	v, err := ParseVersion(rest)
	return v, err == nil
}

// positions holds what params.tsv does not carry: the positional index of a
// parameter, from the SYNTAX blocks of Microsoft's reference ([-Identity] on
// Get/Set/Remove, [-Name] on New-*Connector, [-Thumbprint] on the certificate
// cmdlets). Certificate -Identity shares position 0 with -Thumbprint in
// another set; the binder then prefers the default set (Thumbprint), so a
// bare thumbprint binds to -Thumbprint as docs/exchange.md "Identities" says.
var positions = map[string]map[string]int{
	"get-sendconnector":          {"Identity": 0},
	"new-sendconnector":          {"Name": 0},
	"set-sendconnector":          {"Identity": 0},
	"remove-sendconnector":       {"Identity": 0},
	"get-receiveconnector":       {"Identity": 0},
	"new-receiveconnector":       {"Name": 0},
	"set-receiveconnector":       {"Identity": 0},
	"remove-receiveconnector":    {"Identity": 0},
	"get-transportconfig":        {"Identity": 0},
	"set-transportconfig":        {"Identity": 0},
	"get-exchangecertificate":    {"Thumbprint": 0, "Identity": 0},
	"enable-exchangecertificate": {"Thumbprint": 0, "Identity": 0},
	"remove-exchangecertificate": {"Thumbprint": 0, "Identity": 0},
	"export-exchangecertificate": {"Thumbprint": 0, "Identity": 0},
	"get-exchangeserver":         {"Identity": 0},
	"get-transportservice":       {"Identity": 0},
	"get-transportserver":        {"Identity": 0},
}

// pipelineParams are the parameters that take pipeline input ("Accept
// pipeline input: True" in the reference). The cmdlets also read call.Input
// themselves, because the binder may or may not have bound the object.
var pipelineParams = map[string]map[string]bool{
	"get-sendconnector":          {"Identity": true},
	"set-sendconnector":          {"Identity": true},
	"remove-sendconnector":       {"Identity": true},
	"get-receiveconnector":       {"Identity": true},
	"set-receiveconnector":       {"Identity": true},
	"remove-receiveconnector":    {"Identity": true},
	"get-transportconfig":        {"Identity": true},
	"set-transportconfig":        {"Identity": true},
	"get-exchangecertificate":    {"Identity": true, "Instance": true},
	"enable-exchangecertificate": {"Identity": true, "Thumbprint": true},
	"remove-exchangecertificate": {"Identity": true, "Thumbprint": true},
	"new-exchangecertificate":    {"Instance": true},
	"export-exchangecertificate": {"Thumbprint": true},
	"get-exchangeserver":         {"Identity": true},
	"get-transportservice":       {"Identity": true},
	"get-transportserver":        {"Identity": true},
}

// allSets is how params.tsv and api.go name "every parameter set".
const allSets = "(All)"

// paramSpecs returns the binder's view of cmdlet on version v: only the
// parameters params.tsv lists as applicable to v, so that a version-gated
// parameter gets PowerShell's own "A parameter cannot be found" error.
func paramSpecs(cmdlet string, v Version) []ps.ParamSpec {
	key := strings.ToLower(cmdlet)
	rows := paramTable[key]
	var order []string
	byName := map[string]*ps.ParamSpec{}
	for _, r := range rows {
		// -Confirm and -WhatIf stay: they exist only on the cmdlets that
		// support ShouldProcess, which is exactly where params.tsv lists
		// them, and the binder adds them only when a command declares them.
		if !hasVersion(r.versions, v) {
			continue
		}
		p := byName[r.name]
		if p == nil {
			p = &ps.ParamSpec{Name: r.name, Type: r.typ, Position: -1}
			if pos, ok := positions[key][r.name]; ok {
				p.Position = pos
			}
			p.FromPipeline = pipelineParams[key][r.name]
			byName[r.name] = p
			order = append(order, r.name)
		}
		if r.set != allSets {
			p.Sets = appendUnique(p.Sets, r.set)
		}
		if r.required {
			p.MandatoryIn = appendUnique(p.MandatoryIn, r.set)
		}
	}
	out := make([]ps.ParamSpec, 0, len(order))
	for _, n := range order {
		out = append(out, *byName[n])
	}
	return out
}

// cmdletExists reports whether params.tsv lists cmdlet for version v at all
// (Get-TransportService is 2013+).
func cmdletExists(cmdlet string, v Version) bool {
	for _, r := range paramTable[strings.ToLower(cmdlet)] {
		if hasVersion(r.versions, v) {
			return true
		}
	}
	return false
}

// paramType returns the params.tsv type of a parameter, for error texts.
func paramType(cmdlet, name string) string {
	for _, r := range paramTable[strings.ToLower(cmdlet)] {
		if strings.EqualFold(r.name, name) {
			return r.typ
		}
	}
	return ""
}

func hasVersion(vs []Version, v Version) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// tsvCmdlets lists the cmdlet names of params.tsv, sorted (for tests).
func tsvCmdlets() []string {
	var names []string
	for _, rows := range paramTable {
		names = append(names, rows[0].cmdlet)
	}
	sort.Strings(names)
	return names
}
