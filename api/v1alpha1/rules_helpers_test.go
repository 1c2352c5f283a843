package v1alpha1

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testOrg is a valid organisation with two Mailbox servers and one Edge server; rule cases add
// their objects to it.
const testOrg = `apiVersion: exreconcile.io/v1alpha1
kind: ExchangeOrganization
metadata: {name: work-com}
spec:
  servers:
    - {name: WIN20081, endpoint: "https://win20081.work.com:5986/wsman"}
    - {name: WIN20082, endpoint: "https://win20082.work.com:5986/wsman"}
    - {name: EDGE1, endpoint: "https://edge1.work.com:5986/wsman", role: Edge}
  auth: {username: 'WORK\svc', passwordFrom: {env: EXRECONCILE_PASSWORD}}
`

// doc returns a manifest of kind with metadata.name name and spec written as a YAML flow
// mapping, such as `{addressSpaces: [canoe.com], requireTLS: true}`.
func doc(kind, name, spec string) string {
	return fmt.Sprintf("apiVersion: exreconcile.io/v1alpha1\nkind: %s\nmetadata: {name: %q}\nspec: %s\n", kind, name, spec)
}

func send(name, spec string) string    { return doc(KindSendConnector, name, spec) }
func receive(name, spec string) string { return doc(KindReceiveConnector, name, spec) }
func cert(name, spec string) string    { return doc(KindExchangeCertificate, name, spec) }
func tcfg(spec string) string          { return doc(KindTransportConfig, "transport", spec) }

// A ruleCase is one table entry: documents to load (with testOrg unless noOrg) and the
// problems expected, as "severity Rule path" (the golden corpus checks messages).
type ruleCase struct {
	reason string
	noOrg  bool
	docs   []string
	want   []string
}

// allRuleCases gathers every table, so that TestEveryRuleHasACase can check coverage.
var allRuleCases = map[string]map[string]ruleCase{}

// runRuleCases runs one table of rule cases.
func runRuleCases(t *testing.T, table string, cases map[string]ruleCase) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := ruleProblems(tc)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\nReason: %s\n%s: -want, +got:\n%s\n%s", tc.reason, table, diff, strings.Join(caseMessages(tc), "\n"))
			}
		})
	}
}

func loadCase(tc ruleCase) Diagnostics {
	docs := tc.docs
	if !tc.noOrg {
		docs = append([]string{testOrg}, docs...)
	}
	s, ds := Parse("case.yaml", []byte(strings.Join(docs, "---\n")))
	return append(ds, Validate(s)...).Sort()
}

func ruleProblems(tc ruleCase) []string {
	var got []string
	for _, d := range loadCase(tc) {
		got = append(got, strings.TrimSpace(fmt.Sprintf("%s %s %s", d.Severity, d.Rule, d.Path)))
	}
	slices.Sort(got)
	return got
}

// caseMessages prints the full Diagnostics of a failing case, to help fix it.
func caseMessages(tc ruleCase) []string {
	var out []string
	for _, d := range loadCase(tc) {
		out = append(out, "  "+d.String()+" ["+d.Rule+"]")
	}
	return out
}

// TestEveryRuleHasACase fails when a validation rule has no table case that expects it, so a
// new rule cannot land untested.
func TestEveryRuleHasACase(t *testing.T) {
	tested := map[string]bool{}
	for _, cases := range allRuleCases {
		for _, tc := range cases {
			for _, w := range tc.want {
				if f := strings.Fields(w); len(f) > 1 {
					tested[f[1]] = true
				}
			}
		}
	}
	for _, r := range Rules() {
		if !tested[r.Name] {
			t.Errorf("rule %s has no case expecting it", r.Name)
		}
	}
}

// TestRulesDocumented checks that every rule has a unique name and a doc sentence.
func TestRulesDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.Name] {
			t.Errorf("rule %s is listed twice", r.Name)
		}
		seen[r.Name] = true
		if !strings.HasSuffix(r.Doc, ".") && !strings.HasSuffix(r.Doc, ").") {
			t.Errorf("rule %s: doc %q is not a sentence", r.Name, r.Doc)
		}
	}
}
