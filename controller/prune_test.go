package controller

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// pruneSite declares one send and one receive connector of its own, and one
// of each declared absent.
const pruneSite = `apiVersion: exreconcile.io/v1alpha1
kind: ExchangeOrganization
metadata: {name: work-com}
spec:
  servers:
    - name: WIN20081
      endpoint: https://win20081.work.com:5986/wsman
  auth:
    username: 'WORK\svc-exreconcile'
    passwordFrom: {env: EXRECONCILE_PASSWORD}
---
apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata: {name: To Canoe}
spec:
  addressSpaces: [canoe.com]
---
apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata: {name: Retired}
spec:
  ensure: Absent
---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: From Canoe}
spec:
  server: WIN20081
  bindings: ["191.121.0.200:26"]
  remoteIPRanges: [191.121.111.200]
---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: Retired}
spec:
  server: win20081
  ensure: Absent
`

func loadPruneSite(t *testing.T) (*v1alpha1.Site, *v1alpha1.ExchangeOrganization) {
	t.Helper()
	site, diags := v1alpha1.Parse("site.yaml", []byte(pruneSite))
	if diags.HasErrors() {
		t.Fatalf("fixture does not load: %v", diags)
	}
	return site, site.Organizations()[0]
}

func TestPruneSend(t *testing.T) {
	site, org := loadPruneSite(t)
	observed := []exchange.ObservedSendConnector{
		{Name: "to canoe", Identity: "to canoe", Comment: ownershipMarker},
		{Name: "Old Partner", Identity: "Old Partner", Comment: "partner until 2025 " + ownershipMarker},
		{Name: "Mail to O365", Identity: "Mail to O365", Comment: "hybrid wizard"},
		{Name: "Hand Made", Identity: "Hand Made"},
		{Name: "Retired", Identity: "Retired", Comment: ownershipMarker},
	}
	got := pruneSend(testOrg, site, org, observed)
	want := []*Entry{{Identity: sendSubject("Old Partner"), Action: ActionRemove,
		Calls: []string{"Remove-SendConnector -Identity 'Old Partner' -Confirm:$false"},
		Notes: []Note{{Severity: "warning", Reason: "Pruned", Message: "created by exreconcile and no longer declared"}}}}
	if diff := cmp.Diff(want, got, entryOpts); diff != "" {
		t.Errorf("(-want +got):\n%s\nreason: only connectors with the marker that no manifest declares (names case-insensitive) are pruned;"+
			" a connector declared absent is removed by its own entry", diff)
	}
}

func TestPruneReceive(t *testing.T) {
	site, org := loadPruneSite(t)
	tests := []struct {
		name     string
		reason   string
		server   string
		observed []exchange.ObservedReceiveConnector
		want     []string
	}{
		{name: "OnlyMarkedUndeclared", reason: "declared, unmarked and absent-declared connectors stay", server: "WIN20081",
			observed: []exchange.ObservedReceiveConnector{
				{Name: "FROM CANOE", Comment: ownershipMarker},
				{Name: "Old Partner", Comment: ownershipMarker},
				{Name: "Relay", Comment: "made by hand"},
				{Name: "Retired", Comment: ownershipMarker},
			},
			want: []string{`Remove-ReceiveConnector -Identity 'WIN20081\Old Partner' -Confirm:$false`}},
		{name: "DefaultsNever", reason: "a default connector is never pruned, even carrying the marker", server: "WIN20081",
			observed: []exchange.ObservedReceiveConnector{
				{Name: "Default WIN20081", Comment: ownershipMarker},
				{Name: "Default Frontend WIN20081", Comment: ownershipMarker},
				{Name: "Client Proxy WIN20081"},
			}},
		{name: "OtherServer", reason: "a connector declared for WIN20081 is undeclared on WIN20082", server: "WIN20082",
			observed: []exchange.ObservedReceiveConnector{
				{Name: "From Canoe", Comment: ownershipMarker},
				{Name: "Default WIN20082", Comment: ownershipMarker},
			},
			want: []string{`Remove-ReceiveConnector -Identity 'WIN20082\From Canoe' -Confirm:$false`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range pruneReceive(testOrg, site, org, tt.server, tt.observed) {
				if e.Action != ActionRemove || e.Server != tt.server || len(e.Notes) != 1 || e.Notes[0].Reason != "Pruned" {
					t.Errorf("entry %+v is not a prune removal on %s", e, tt.server)
				}
				got = append(got, e.Calls...)
			}
			if diff := cmp.Diff(tt.want, got, entryOpts); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}
