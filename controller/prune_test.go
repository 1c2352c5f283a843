package controller

import (
	"context"
	"errors"
	"strings"
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
  owner: site-a
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

// siteA is the marker of pruneSite's owner.
var siteA = ownerMarker("site-a")

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
		{Name: "to canoe", Identity: "to canoe", Comment: siteA},
		{Name: "Old Partner", Identity: "Old Partner", Comment: "partner until 2025 " + siteA},
		{Name: "Mail to O365", Identity: "Mail to O365", Comment: "hybrid wizard"},
		{Name: "Hand Made", Identity: "Hand Made"},
		{Name: "Retired", Identity: "Retired", Comment: siteA},
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
				{Name: "FROM CANOE", Comment: siteA},
				{Name: "Old Partner", Comment: siteA},
				{Name: "Relay", Comment: "made by hand"},
				{Name: "Retired", Comment: siteA},
			},
			want: []string{`Remove-ReceiveConnector -Identity 'WIN20081\Old Partner' -Confirm:$false`}},
		{name: "DefaultsNever", reason: "a default connector is never pruned, even carrying the marker", server: "WIN20081",
			observed: []exchange.ObservedReceiveConnector{
				{Name: "Default WIN20081", Comment: siteA},
				{Name: "Default Frontend WIN20081", Comment: siteA},
				{Name: "Client Proxy WIN20081"},
			}},
		{name: "OtherServer", reason: "a connector declared for WIN20081 is undeclared on WIN20082", server: "WIN20082",
			observed: []exchange.ObservedReceiveConnector{
				{Name: "From Canoe", Comment: siteA},
				{Name: "Default WIN20082", Comment: siteA},
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

func TestPruneOwnership(t *testing.T) {
	tests := []struct {
		name    string
		reason  string
		comment string
		adopt   bool
		want    Action
		note    Reason
	}{
		{name: "Own", reason: "this owner's marker, not declared: pruned",
			comment: "[managed-by: exreconcile owner=site-a]", want: ActionRemove, note: ReasonPruned},
		{name: "OtherOwner", reason: "another site's connector is never touched, and said to be owned elsewhere",
			comment: "[managed-by: exreconcile owner=site-b]", want: ActionUnchanged, note: ReasonOwnedElsewhere},
		{name: "UnownedNotAdopted", reason: "the old marker without an owner is not this site's without --adopt-unowned",
			comment: "partner " + ownershipMarker, want: ActionUnchanged, note: ReasonOwnedElsewhere},
		{name: "UnownedAdopted", reason: "--adopt-unowned treats the old marker as this site's",
			comment: ownershipMarker, adopt: true, want: ActionRemove, note: ReasonPruned},
		{name: "OwnerPrefix", reason: "owner site-a does not own site-ab's connectors",
			comment: "[managed-by: exreconcile owner=site-ab]", want: ActionUnchanged, note: ReasonOwnedElsewhere},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site, org := loadPruneSite(t)
			observed := []exchange.ObservedSendConnector{{Name: "Old Partner", Identity: "Old Partner", Comment: tt.comment}}
			b := &binding{r: &runner{site: site, opts: Options{Prune: true, AdoptUnowned: tt.adopt}},
				org:    &orgRun{org: org, creds: map[string]*exchange.CredentialSpec{}},
				server: &serverRun{spec: org.Spec.Servers[0]}, obs: &exchange.Observation{SendConnectors: observed}}
			var got *Entry
			for _, res := range bindSendConnectors(b) {
				if res.identity().Name == "Old Partner" {
					got, _ = decide(res)
				}
			}
			if got == nil {
				t.Fatalf("no entry for Old Partner\nreason: %s", tt.reason)
			}
			if got.Action != tt.want || len(got.Notes) != 1 || got.Notes[0].Reason != tt.note {
				t.Errorf("action %s notes %+v, want %s with a %s note\nreason: %s", got.Action, got.Notes, tt.want, tt.note, tt.reason)
			}
		})
	}
}

func TestCreateMarksOwner(t *testing.T) {
	site, org := loadPruneSite(t)
	b := &binding{r: &runner{site: site}, org: &orgRun{org: org, creds: map[string]*exchange.CredentialSpec{}},
		server: &serverRun{spec: org.Spec.Servers[0]}, obs: &exchange.Observation{}}
	for _, res := range bindSendConnectors(b) {
		if res.identity().Name != "To Canoe" {
			continue
		}
		e, err := decide(res)
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Calls) != 1 || !strings.Contains(e.Calls[0], "-Comment '[managed-by: exreconcile owner=site-a]'") {
			t.Errorf("calls %q\nreason: a connector is created with its owner's marker", e.Calls)
		}
	}
}

func TestPruneNeedsOwner(t *testing.T) {
	site := loadSite(t, engineSite)
	_, err := Run(context.Background(), site, Options{Mode: ModePlan, Prune: true, Connect: newFakeSite().connect})
	if err == nil || !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "spec.owner") {
		t.Errorf("err = %v\nreason: --prune without spec.owner refuses and says what to declare", err)
	}
}
