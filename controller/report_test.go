package controller

import (
	"flag"
	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// sampleChangeSet is a small plan with one entry of every kind of line.
func sampleChangeSet() *ChangeSet {
	return &ChangeSet{
		Entries: []*Entry{
			{Identity: v1alpha1.Identity{Kind: v1alpha1.KindExchangeCertificate, Organization: testOrg, Server: "WIN20081", Name: "mail-2026"}, Action: ActionUnchanged,
				Notes: []Note{{Severity: "warning", Reason: ReasonExpiring, Message: "certificate 4113 on WIN20081 expires on 2026-05-11, in 10 days"}}},
			{Identity: sendSubject("To Canoe"), Action: ActionCreate, RunOn: "WIN20081",
				Fields: []FieldDiff{{Field: "addressSpaces", Desired: "[canoe.com]", Actual: "(none)"}},
				Calls:  []string{"New-SendConnector -Name 'To Canoe' -AddressSpaces 'SMTP:canoe.com;1' -Comment '[managed-by: exreconcile]'"}},
			{Identity: sendSubject("Unchanged"), Action: ActionUnchanged, RunOn: "WIN20081"},
			{Identity: receiveSubject("From Canoe"), Action: ActionChange, RunOn: "WIN20081",
				Fields: []FieldDiff{{Field: "bindings", Desired: "[191.121.0.200:26]", Actual: "[0.0.0.0:26]",
					Added: []string{"191.121.0.200:26"}, Removed: []string{"0.0.0.0:26"}},
					{Field: "banner", Desired: "220 mail.work.com", Actual: `""`}}},
			{Identity: receiveSubject("Old Partner"), Action: ActionRemove, RunOn: "WIN20081",
				Notes: []Note{{Severity: "warning", Reason: "Pruned", Message: "created by exreconcile and no longer declared"}}},
			{Identity: receiveSubject("Partner"), Action: ActionReplace, RunOn: "WIN20081",
				Notes: []Note{{Severity: "warning", Reason: ReasonRequiresReplacement, Message: "usage is set only at creation"}}},
			{Identity: v1alpha1.Identity{Kind: v1alpha1.KindReceiveConnector, Organization: testOrg, Server: "WIN20082", Name: "Relay"}, Action: ActionUnknown},
		},
		Restarts: []*Restart{{Organization: testOrg, Server: "WIN20081", Service: "MSExchangeFrontEndTransport",
			Because: []string{`ReceiveConnector "WIN20081\From Canoe"`}, Outcome: RestartPlanned}},
		Errors: []RunError{{Server: "WIN20082", Class: "Transport", Message: "connection refused"}},
	}
}

func TestReportWriteText(t *testing.T) {
	inSync := &ChangeSet{Entries: []*Entry{{Identity: sendSubject("A"), Action: ActionUnchanged}, {Identity: sendSubject("B"), Action: ActionUnchanged}}}
	applied := sampleChangeSet()
	applied.Entries[3].Status = &Status{Conditions: []Condition{{Type: ConditionDegraded, Status: "True", Reason: ReasonStillDiffersAfterApply,
		Message: "still differs after apply: banner: \"\" -> 220 mail.work.com"}}}
	applied.Entries[1].Status = &Status{Conditions: []Condition{{Type: ConditionDegraded, Status: "False", Reason: ReasonApplied}}}
	failed := sampleChangeSet()
	failed.Entries[1].Status = &Status{Conditions: []Condition{{Type: ConditionSynced, Status: "False", Reason: ReasonApplyFailed, Message: "refused"}}}
	failed.Entries[3].Status = &Status{Conditions: []Condition{{Type: ConditionSynced, Status: "False", Reason: ReasonNotApplied, Message: "not run"}}}
	failed.Entries[5].Status = &Status{Conditions: []Condition{{Type: ConditionSynced, Status: "False", Reason: ReasonReplacementNotAllowed, Message: "not replaced"}}}
	tests := []struct {
		name    string
		reason  string
		report  *Report
		verbose bool
	}{
		{name: "apply-failed", reason: "what failed, did not run or was refused is reported as not done and not counted as done",
			report: &Report{Mode: ModeApply, ChangeSet: failed}},
		{name: "plan", reason: "changes, notes, unobserved objects and errors; unchanged objects without notes are left out",
			report: &Report{Mode: ModePlan, ChangeSet: sampleChangeSet()}},
		{name: "plan-verbose", reason: "verbose lists every object", verbose: true,
			report: &Report{Mode: ModePlan, ChangeSet: sampleChangeSet()}},
		{name: "diff", reason: "diff words the actions as drift",
			report: &Report{Mode: ModeDiff, ChangeSet: sampleChangeSet()}},
		{name: "apply", reason: "apply speaks in the past tense and shows what is still degraded",
			report: &Report{Mode: ModeApply, ChangeSet: applied}},
		{name: "in-sync", reason: "nothing to do is one line",
			report: &Report{Mode: ModePlan, ChangeSet: inSync}},
		{name: "scripts", reason: "--show-script prints each server's script, servers in name order",
			report: &Report{Mode: ModePlan, ChangeSet: inSync, Scripts: map[string]string{
				"WIN20083": "Set-TransportConfig -TLSSendDomainSecureList @{Add='canoe.com'}\r\n",
				"EDGE1":    "Remove-SendConnector -Identity 'x' -Confirm:$false\n",
				"WIN20081": "New-SendConnector -Name 'To Canoe'",
				"WIN20082": "Set-ReceiveConnector -Identity 'WIN20082\\Relay' -Banner '220'",
				"MBX10":    "Restart-Service -Name 'MSExchangeTransport' -Force",
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			render := func() string {
				var b strings.Builder
				if err := tt.report.WriteText(&b, tt.verbose); err != nil {
					t.Fatal(err)
				}
				return b.String()
			}
			got := render()
			// The same report prints the same text every time.
			for range 20 {
				if again := render(); again != got {
					t.Fatalf("WriteText is not deterministic (-first +again):\n%s\nreason: %s", cmp.Diff(got, again), tt.reason)
				}
			}
			path := filepath.Join("testdata", "report-"+tt.name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./controller -run TestReportWriteText -update)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s differs (-golden +got); run go test ./controller -run TestReportWriteText -update and review:\n%s\nreason: %s",
					path, diff, tt.reason)
			}
		})
	}
}

func TestReportFailed(t *testing.T) {
	degraded := func(status ConditionStatus) *Status {
		return &Status{Conditions: []Condition{{Type: ConditionDegraded, Status: status, Reason: ReasonStillDiffersAfterApply}}}
	}
	tests := []struct {
		name   string
		reason string
		cs     *ChangeSet
		want   bool
	}{
		{name: "InSync", reason: "nothing wrong", cs: &ChangeSet{Entries: []*Entry{{Action: ActionUnchanged}}}},
		{name: "DriftOnly", reason: "drift is exit 2, not a failure",
			cs: &ChangeSet{Entries: []*Entry{{Action: ActionChange}, {Action: ActionCreate}}}},
		{name: "Warning", reason: "a warning note is not a failure",
			cs: &ChangeSet{Entries: []*Entry{{Action: ActionUnchanged, Notes: []Note{{Severity: "warning"}}}}}},
		{name: "RunError", reason: "a server that failed is a failure",
			cs: &ChangeSet{Errors: []RunError{{Server: "WIN20081", Message: "refused"}}}, want: true},
		{name: "ErrorNote", reason: "an unhealthy object (no private key) is a failure",
			cs: &ChangeSet{Entries: []*Entry{{Action: ActionUnchanged, Notes: []Note{{Severity: "error"}}}}}, want: true},
		{name: "Degraded", reason: "an object still differing after apply is a failure",
			cs: &ChangeSet{Entries: []*Entry{{Action: ActionChange, Status: degraded("True")}}}, want: true},
		{name: "NotDegraded", reason: "a verified change is a success",
			cs: &ChangeSet{Entries: []*Entry{{Action: ActionChange, Status: degraded("False")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (&Report{ChangeSet: tt.cs}).Failed(); got != tt.want {
				t.Errorf("Failed() = %v, want %v (%s)", got, tt.want, tt.reason)
			}
		})
	}
}

func TestSetConditions(t *testing.T) {
	cond := func(typ ConditionType, status ConditionStatus, reason Reason, msg string) Condition {
		return Condition{Type: typ, Status: status, Reason: reason, Message: msg}
	}
	synced := cond(ConditionSynced, "True", ReasonInSync, "")
	tests := []struct {
		name   string
		reason string
		mode   Mode
		entry  *Entry
		want   []Condition
	}{
		{name: "InSync", reason: "an unchanged object is ready", mode: ModePlan,
			entry: &Entry{Action: ActionUnchanged},
			want: []Condition{synced, cond(ConditionDrifted, "False", ReasonInSync, ""),
				cond(ConditionReady, "True", ReasonInSync, "")}},
		{name: "Configure", reason: "drift names the fields", mode: ModePlan,
			entry: &Entry{Action: ActionChange, Fields: []FieldDiff{{Field: "banner"}, {Field: "fqdn"}}},
			want: []Condition{synced, cond(ConditionDrifted, "True", ReasonFieldsDiffer, "differs in banner, fqdn"),
				cond(ConditionReady, "False", ReasonFieldsDiffer, "")}},
		{name: "Create", reason: "a missing object is not ready", mode: ModePlan,
			entry: &Entry{Action: ActionCreate},
			want: []Condition{synced, cond(ConditionDrifted, "True", ReasonNotFound, "does not exist on the server"),
				cond(ConditionReady, "False", ReasonNotFound, "")}},
		{name: "Remove", reason: "an object declared absent that exists", mode: ModeDiff,
			entry: &Entry{Action: ActionRemove},
			want: []Condition{synced, cond(ConditionDrifted, "True", ReasonDeclaredAbsent, "exists but is declared absent"),
				cond(ConditionReady, "False", ReasonDeclaredAbsent, "")}},
		{name: "Replace", reason: "a connector of another usage", mode: ModeApply,
			entry: &Entry{Action: ActionReplace},
			want: []Condition{synced, cond(ConditionDrifted, "True", ReasonRequiresReplacement, "its creation-only usage differs"),
				cond(ConditionReady, "False", ReasonRequiresReplacement, "")}},
		{name: "AppliedAndVerified", reason: "after a verified apply the object is ready", mode: ModeApply,
			entry: &Entry{Action: ActionChange, Fields: []FieldDiff{{Field: "banner"}},
				Status: &Status{Conditions: []Condition{cond(ConditionDegraded, "False", ReasonApplied, "")}}},
			want: []Condition{cond(ConditionDegraded, "False", ReasonApplied, ""), synced,
				cond(ConditionDrifted, "True", ReasonFieldsDiffer, "differs in banner"), cond(ConditionReady, "True", ReasonInSync, "")}},
		{name: "AppliedStillDiffers", reason: "what verify still sees keeps the object not ready", mode: ModeApply,
			entry: &Entry{Action: ActionChange, Fields: []FieldDiff{{Field: "banner"}},
				Status: &Status{Conditions: []Condition{cond(ConditionDegraded, "True", ReasonStillDiffersAfterApply, "still differs")}}},
			want: []Condition{cond(ConditionDegraded, "True", ReasonStillDiffersAfterApply, "still differs"), synced,
				cond(ConditionDrifted, "True", ReasonFieldsDiffer, "differs in banner"), cond(ConditionReady, "False", ReasonFieldsDiffer, "")}},
		{name: "ApplyFailed", reason: "a failed call makes the object unsynced and not ready", mode: ModeApply,
			entry: &Entry{Action: ActionCreate,
				Status: &Status{Conditions: []Condition{cond(ConditionSynced, "False", ReasonApplyFailed, "refused")}}},
			want: []Condition{cond(ConditionSynced, "False", ReasonApplyFailed, "refused"),
				cond(ConditionDrifted, "True", ReasonNotFound, "does not exist on the server"), cond(ConditionReady, "False", ReasonNotFound, "")}},
		{name: "ErrorNote", reason: "an unhealthy object is degraded and not ready, and Ready says why", mode: ModePlan,
			entry: &Entry{Action: ActionUnchanged, Notes: []Note{{Severity: "warning", Reason: ReasonExpiring, Message: "soon"},
				{Severity: "error", Reason: ReasonPrivateKeyMissing, Message: "no key"}}},
			want: []Condition{synced, cond(ConditionDrifted, "False", ReasonInSync, ""),
				cond(ConditionDegraded, "True", ReasonPrivateKeyMissing, "no key"), cond(ConditionReady, "False", ReasonPrivateKeyMissing, "")}},
		{name: "WarningNote", reason: "a warning leaves the object ready", mode: ModePlan,
			entry: &Entry{Action: ActionUnchanged, Notes: []Note{{Severity: "warning", Reason: ReasonExpiring, Message: "soon"}}},
			want:  []Condition{synced, cond(ConditionDrifted, "False", ReasonInSync, ""), cond(ConditionReady, "True", ReasonInSync, "")}},
		{name: "NotObserved", reason: "an object whose server could not be read is neither in sync nor drifted: Unknown", mode: ModePlan,
			entry: &Entry{Action: ActionUnknown,
				Status: &Status{Conditions: []Condition{cond(ConditionSynced, "False", ReasonObserveFailed, "server could not be observed")}}},
			want: []Condition{cond(ConditionSynced, "False", ReasonObserveFailed, "server could not be observed"),
				cond(ConditionDrifted, "Unknown", ReasonObserveFailed, "server could not be observed"),
				cond(ConditionReady, "False", ReasonObserveFailed, "")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &runner{opts: Options{Mode: tt.mode}}
			cs := &ChangeSet{Entries: []*Entry{tt.entry}}
			r.setConditions(cs)
			if diff := cmp.Diff(tt.want, tt.entry.Status.Conditions); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestStatusSetGet(t *testing.T) {
	var s Status
	s.Set(Condition{Type: ConditionReady, Status: "False"})
	s.Set(Condition{Type: ConditionSynced, Status: "True"})
	s.Set(Condition{Type: ConditionReady, Status: "True", Reason: ReasonInSync})
	want := []Condition{{Type: ConditionReady, Status: "True", Reason: ReasonInSync}, {Type: ConditionSynced, Status: "True"}}
	if diff := cmp.Diff(want, s.Conditions, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("(-want +got):\n%s\nreason: Set replaces a condition of the same type in place", diff)
	}
	if _, ok := s.Get(ConditionDegraded); ok {
		t.Error("Get of an unset condition reported ok")
	}
}

func TestEscapeControl(t *testing.T) {
	tests := []struct{ in, want, reason string }{
		{"plain \\ text ‘x’", "plain \\ text ‘x’", "printable text (and backslashes of identities) stays"},
		{"nul\x00esc\x1b[1m", `nul\x00esc\x1b[1m`, "NUL and ESC cannot reach the terminal"},
		{"a\r\nb\tc\x7f\u0085", `a\x0d\x0ab\x09c\x7f\x85`, "line breaks cannot break the report; DEL and C1 too"},
	}
	for _, tt := range tests {
		if got := escapeControl(tt.in); got != tt.want {
			t.Errorf("escapeControl(%q) = %q, want %q (%s)", tt.in, got, tt.want, tt.reason)
		}
	}
}
