package controller

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

func TestPlanTransportConfig(t *testing.T) {
	subject := v1alpha1.Identity{Kind: v1alpha1.KindTransportConfig, Organization: testOrg, Name: "transport"}
	tests := []struct {
		name     string
		reason   string
		send     []string
		receive  []string
		observed exchange.ObservedTransportConfig
		want     *Entry
	}{
		{name: "NotDeclared", reason: "lists left out are not managed",
			observed: exchange.ObservedTransportConfig{TLSSendDomainSecureList: []string{"canoe.com"}},
			want:     &Entry{Identity: subject, Action: ActionUnchanged}},
		{name: "EqualIgnoringCaseAndOrder", reason: "domain lists are case-insensitive sets",
			send: []string{"canoe.com", "Partner.org"}, receive: []string{"WORK.com"},
			observed: exchange.ObservedTransportConfig{TLSSendDomainSecureList: []string{"partner.ORG", "Canoe.com"},
				TLSReceiveDomainSecureList: []string{"work.com"}},
			want: &Entry{Identity: subject, Action: ActionUnchanged}},
		{name: "EmptyEqualsEmpty", reason: "a declared empty list matches a fresh organisation",
			send: []string{}, observed: exchange.ObservedTransportConfig{},
			want: &Entry{Identity: subject, Action: ActionUnchanged}},
		{name: "AddAndRemove", reason: "only the entries that differ are named, so entries added meanwhile by others are not rewritten",
			send:     []string{"canoe.com", "new.org"},
			observed: exchange.ObservedTransportConfig{TLSSendDomainSecureList: []string{"CANOE.com", "old.org", "older.org"}},
			want: &Entry{Identity: subject, Action: ActionChange,
				Fields: []FieldDiff{{Field: "tlsSendDomainSecureList", Desired: "[canoe.com, new.org]", Actual: "[CANOE.com, old.org, older.org]"}},
				Calls:  []string{"Set-TransportConfig -TLSSendDomainSecureList @{Add='new.org'; Remove='old.org','older.org'}"}}},
		{name: "AddOnly", reason: "an empty Remove side is left out",
			receive:  []string{"canoe.com", "work.com"},
			observed: exchange.ObservedTransportConfig{TLSReceiveDomainSecureList: []string{"work.com"}},
			want: &Entry{Identity: subject, Action: ActionChange,
				Fields: []FieldDiff{{Field: "tlsReceiveDomainSecureList", Desired: "[canoe.com, work.com]", Actual: "[work.com]"}},
				Calls:  []string{"Set-TransportConfig -TLSReceiveDomainSecureList @{Add='canoe.com'}"}}},
		{name: "BothLists", reason: "both lists change in one call",
			send: []string{"canoe.com"}, receive: []string{"canoe.com"},
			observed: exchange.ObservedTransportConfig{},
			want: &Entry{Identity: subject, Action: ActionChange,
				Fields: []FieldDiff{{Field: "tlsSendDomainSecureList", Desired: "[canoe.com]", Actual: "[]"},
					{Field: "tlsReceiveDomainSecureList", Desired: "[canoe.com]", Actual: "[]"}},
				Calls: []string{"Set-TransportConfig -TLSSendDomainSecureList @{Add='canoe.com'} -TLSReceiveDomainSecureList @{Add='canoe.com'}"}}},
		{name: "Emptying", reason: "a declared empty list clears the property with $null",
			send:     []string{},
			observed: exchange.ObservedTransportConfig{TLSSendDomainSecureList: []string{"canoe.com", "old.org"}},
			want: &Entry{Identity: subject, Action: ActionChange,
				Fields: []FieldDiff{{Field: "tlsSendDomainSecureList", Desired: "[]", Actual: "[canoe.com, old.org]"}},
				Calls:  []string{"Set-TransportConfig -TLSSendDomainSecureList $null"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := &v1alpha1.TransportConfig{ObjectMeta: v1alpha1.ObjectMeta{Name: "transport"},
				Spec: v1alpha1.TransportConfigSpec{TLSSendDomainSecureList: tt.send, TLSReceiveDomainSecureList: tt.receive}}
			got, err := planTransportConfig(testOrg, tc, &tt.observed, exchange.Exchange2019)
			if err != nil {
				t.Fatalf("planTransportConfig: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, entryOpts); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestFoldDiff(t *testing.T) {
	tests := []struct {
		name        string
		reason      string
		want, have  []string
		add, remove []string
	}{
		{name: "Equal", reason: "case is not a difference", want: []string{"a.com"}, have: []string{"A.COM"}},
		{name: "Duplicates", reason: "an entry is added once however often it is written",
			want: []string{"b.com", "B.com", "a.com"}, have: nil, add: []string{"a.com", "b.com"}},
		{name: "Sorted", reason: "both sides come out sorted for stable plans",
			want: []string{"z.com", "y.com"}, have: []string{"c.com", "b.com"},
			add: []string{"y.com", "z.com"}, remove: []string{"b.com", "c.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			add, remove := foldDiff(tt.want, tt.have)
			if diff := cmp.Diff([][]string{tt.add, tt.remove}, [][]string{add, remove}, entryOpts); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}
