package controller

import (
	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/exchange"
)

func TestActionSymbol(t *testing.T) {
	got := map[Action]string{}
	for _, a := range []Action{ActionCreate, ActionChange, ActionRemove, ActionReplace, ActionUnchanged} {
		got[a] = a.Symbol()
	}
	want := map[Action]string{ActionCreate: "+", ActionChange: "~", ActionRemove: "-", ActionReplace: "±", ActionUnchanged: " "}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s\nreason: the terraform-like markers of the README (Commands)", diff)
	}
}

func TestChangeSetCount(t *testing.T) {
	entry := func(a Action) *Entry { return &Entry{Action: a, Outcome: plannedOutcome(a)} }
	tests := []struct {
		name        string
		reason      string
		entries     []*Entry
		want        Counts
		wantChanges bool
	}{
		{name: "Empty", reason: "nothing declared is in sync", want: Counts{}},
		{name: "InSync", reason: "unchanged entries are no change",
			entries: []*Entry{entry(ActionUnchanged), entry(ActionUnchanged)}, want: Counts{OutcomeUnchanged: 2}},
		{name: "Mixed", reason: "each action has its own count",
			entries: []*Entry{entry(ActionCreate), entry(ActionChange), entry(ActionChange), entry(ActionRemove),
				entry(ActionReplace), entry(ActionUnchanged)},
			want: Counts{OutcomeCreated: 1, OutcomeChanged: 2, OutcomeRemoved: 1, OutcomeReplaced: 1, OutcomeUnchanged: 1}, wantChanges: true},
		{name: "ReplaceOnly", reason: "a pending replacement is a change",
			entries: []*Entry{entry(ActionReplace)}, want: Counts{OutcomeReplaced: 1}, wantChanges: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := &ChangeSet{Entries: tt.entries}
			if diff := cmp.Diff(tt.want, cs.Count()); diff != "" {
				t.Errorf("Count (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			if got := cs.HasChanges(); got != tt.wantChanges {
				t.Errorf("HasChanges = %v, want %v (%s)", got, tt.wantChanges, tt.reason)
			}
		})
	}
}

func TestChangeSetSort(t *testing.T) {
	s := func(org, kind, server, name string) *Entry {
		return &Entry{Identity: v1alpha1.Identity{Kind: kind, Organization: org, Server: server, Name: name}}
	}
	cs := &ChangeSet{Entries: []*Entry{
		s("work-com", "TransportConfig", "", "transport"),
		s("work-com", "ReceiveConnector", "WIN20082", "a"),
		s("work-com", "ReceiveConnector", "WIN20081", "zeta"),
		s("work-com", "ReceiveConnector", "WIN20081", "Alpha"),
		s("canoe-com", "SendConnector", "", "x"),
		s("work-com", "SendConnector", "", "b"),
		s("work-com", "ExchangeCertificate", "WIN20082", "cert"),
		s("work-com", "ExchangeCertificate", "WIN20081", "cert"),
		s("work-com", "SendConnector", "", "A"),
	}}
	cs.Sort()
	var got []string
	for _, e := range cs.Entries {
		got = append(got, e.Organization+"/"+e.Kind+"/"+e.Server+"/"+e.Name)
	}
	want := []string{
		"canoe-com/SendConnector//x",
		"work-com/ExchangeCertificate/WIN20081/cert",
		"work-com/ExchangeCertificate/WIN20082/cert",
		"work-com/SendConnector//A",
		"work-com/SendConnector//b",
		"work-com/ReceiveConnector/WIN20081/Alpha",
		"work-com/ReceiveConnector/WIN20081/zeta",
		"work-com/ReceiveConnector/WIN20082/a",
		"work-com/TransportConfig//transport",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s\nreason: organisation, then certificates, connectors, TransportConfig (docs/winrm.md#the-remote-contract), then server and name ignoring case", diff)
	}
}

func TestRunErrorError(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		err    RunError
		want   string
	}{
		{name: "MessageOnly", reason: "nothing to name", err: RunError{Message: "boom"}, want: "boom"},
		{name: "Everything", reason: "server, subject and cmdlet lead the message",
			err:  RunError{Server: "WIN20081", Subject: `SendConnector "To Canoe"`, Cmdlet: "Set-SendConnector", Class: "InvalidArgument", Message: "refused"},
			want: `WIN20081: SendConnector "To Canoe": Set-SendConnector: refused`},
		{name: "ServerOnly", reason: "a server failure", err: RunError{Server: "WIN20082", Message: "connection refused"},
			want: "WIN20082: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestEntrySetCalls(t *testing.T) {
	e := &Entry{}
	e.setCalls(exchange.RemoveSendConnector("a"), exchange.RemoveSendConnector("b"))
	e.setCalls(exchange.RemoveSendConnector("c"))
	want := []string{"Remove-SendConnector -Identity 'c' -Confirm:$false"}
	if diff := cmp.Diff(want, e.Calls); diff != "" || len(e.calls) != 1 {
		t.Errorf("(-want +got):\n%s\nreason: setCalls replaces the calls, typed and printed together", diff)
	}
}
