package controller

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/exchange"
)

func TestSubjectString(t *testing.T) {
	tests := []struct {
		name    string
		reason  string
		subject Subject
		want    string
	}{
		{name: "OrganisationWide", reason: "send connectors are named alone",
			subject: Subject{Kind: "SendConnector", Organization: "work-com", Name: "To Canoe"},
			want:    `SendConnector "To Canoe"`},
		{name: "ReceiveConnectorIdentity", reason: "a receive connector is named by its Exchange identity, which a reader can paste into -Identity as printed",
			subject: Subject{Kind: "ReceiveConnector", Organization: "work-com", Server: "WIN20081", Name: "From Canoe"},
			want:    `ReceiveConnector "WIN20081\From Canoe"`},
		{name: "PerServer", reason: "a certificate is named with its server",
			subject: Subject{Kind: "ExchangeCertificate", Organization: "work-com", Server: "WIN20081", Name: "mail-2026"},
			want:    `ExchangeCertificate "mail-2026" on WIN20081`},
		{name: "NonASCII", reason: "names are printed as written",
			subject: Subject{Kind: "SendConnector", Organization: "work-com", Name: "Zürich – ‘partner’"},
			want:    `SendConnector "Zürich – ‘partner’"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.subject.String()); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestActionSymbol(t *testing.T) {
	got := map[Action]string{}
	for _, a := range []Action{ActionCreate, ActionConfigure, ActionRemove, ActionReplace, ActionUnchanged} {
		got[a] = a.Symbol()
	}
	want := map[Action]string{ActionCreate: "+", ActionConfigure: "~", ActionRemove: "-", ActionReplace: "±", ActionUnchanged: " "}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s\nreason: the terraform-like markers of DESIGN.md", diff)
	}
}

func TestChangeSetCount(t *testing.T) {
	entry := func(a Action) *Entry { return &Entry{Action: a} }
	tests := []struct {
		name        string
		reason      string
		entries     []*Entry
		want        Counts
		wantChanges bool
	}{
		{name: "Empty", reason: "nothing declared is in sync", want: Counts{}},
		{name: "InSync", reason: "unchanged entries are no change",
			entries: []*Entry{entry(ActionUnchanged), entry(ActionUnchanged)}, want: Counts{Unchanged: 2}},
		{name: "Mixed", reason: "each action has its own count",
			entries: []*Entry{entry(ActionCreate), entry(ActionConfigure), entry(ActionConfigure), entry(ActionRemove),
				entry(ActionReplace), entry(ActionUnchanged)},
			want: Counts{Create: 1, Change: 2, Remove: 1, Replace: 1, Unchanged: 1}, wantChanges: true},
		{name: "ReplaceOnly", reason: "a pending replacement is a change",
			entries: []*Entry{entry(ActionReplace)}, want: Counts{Replace: 1}, wantChanges: true},
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
		return &Entry{Subject: Subject{Kind: kind, Organization: org, Server: server, Name: name}}
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
		t.Errorf("(-want +got):\n%s\nreason: organisation, then certificates, connectors, TransportConfig (DESIGN.md step 3), then server and name ignoring case", diff)
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
