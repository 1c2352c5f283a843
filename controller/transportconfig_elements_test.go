package controller

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// TestTransportConfigListElements: the TransportConfig domain lists are
// sets like the connectors' set fields, so the plan shows them element by
// element (+ added, - removed) and -o json types them as lists.
func TestTransportConfigListElements(t *testing.T) {
	tests := []struct {
		name          string
		reason        string
		send, receive []string
		observed      exchange.ObservedTransportConfig
		want          []FieldDiff
		text          string
	}{
		{name: "AddAndRemove", reason: "each element once, sorted as the call names them, case as declared or observed",
			send:     []string{"new.org", "canoe.com"},
			observed: exchange.ObservedTransportConfig{TLSSendDomainSecureList: []string{"CANOE.com", "old.org", "Older.org"}},
			want: []FieldDiff{{Field: "tlsSendDomainSecureList", Desired: "[new.org, canoe.com]", Actual: "[CANOE.com, old.org, Older.org]",
				Added: []string{"new.org"}, Removed: []string{"Older.org", "old.org"},
				DesiredValue: []string{"new.org", "canoe.com"}, ActualValue: []string{"CANOE.com", "old.org", "Older.org"}}},
			text: "    tlsSendDomainSecureList:\n      + new.org\n      - Older.org\n      - old.org\n"},
		{name: "Emptying", reason: "a declared empty list removes every element",
			receive:  []string{},
			observed: exchange.ObservedTransportConfig{TLSReceiveDomainSecureList: []string{"b.org", "a.org"}},
			want: []FieldDiff{{Field: "tlsReceiveDomainSecureList", Desired: "[]", Actual: "[b.org, a.org]",
				Removed: []string{"a.org", "b.org"}, DesiredValue: []string{}, ActualValue: []string{"b.org", "a.org"}}},
			text: "    tlsReceiveDomainSecureList:\n      - a.org\n      - b.org\n"},
		{name: "FromNothing", reason: "a fresh organisation's empty list: only additions",
			receive: []string{"canoe.com"},
			want: []FieldDiff{{Field: "tlsReceiveDomainSecureList", Desired: "[canoe.com]", Actual: "[]",
				Added: []string{"canoe.com"}, DesiredValue: []string{"canoe.com"}, ActualValue: []string{}}},
			text: "    tlsReceiveDomainSecureList:\n      + canoe.com\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := &v1alpha1.TransportConfig{ObjectMeta: v1alpha1.ObjectMeta{Name: "transport"},
				Spec: v1alpha1.TransportConfigSpec{TLSSendDomainSecureList: tt.send, TLSReceiveDomainSecureList: tt.receive}}
			got, err := planTransportConfig(testOrg, tc, &tt.observed, exchange.Exchange2019)
			if err != nil {
				t.Fatalf("planTransportConfig: %v", err)
			}
			if diff := cmp.Diff(tt.want, got.Fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			var b strings.Builder
			for _, f := range got.Fields {
				writeField(&b, got.Action, f)
			}
			if diff := cmp.Diff(tt.text, b.String()); diff != "" {
				t.Errorf("text (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}
