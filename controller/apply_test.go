package controller

import (
	"context"
	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

func TestRunApplyAndVerify(t *testing.T) {
	site := loadSite(t, engineSite)
	f := newFakeSite()
	f.org.tlsSend = nil
	f.servers["WIN20081"].onApply = func(s *fakeServer, calls []exchange.Call) {
		for _, c := range calls {
			if c.Cmdlet == "Set-TransportConfig" {
				s.org.mu.Lock()
				s.org.tlsSend = []string{"canoe.com"}
				s.org.mu.Unlock()
			}
		}
	}
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"WIN20081": {"observe+org", "apply"}, "WIN20082": {"observe"}}
	if diff := cmp.Diff(want, f.kinds()); diff != "" {
		t.Errorf("commands (-want +got):\n%s\nreason: a server with changes is observed, then applied and verified in one command: two commands", diff)
	}
	if diff := cmp.Diff([]string{"Set-TransportConfig -TLSSendDomainSecureList @{Add='canoe.com'}"}, f.servers["WIN20081"].applied()); diff != "" {
		t.Errorf("applied calls (-want +got):\n%s", diff)
	}
	got := views(r.ChangeSet)[`TransportConfig "transport"`]
	if diff := cmp.Diff(entryView{Action: ActionChange, RunOn: "WIN20081", Ready: "True", Reason: ReasonInSync}, got); diff != "" {
		t.Errorf("TransportConfig (-want +got):\n%s\nreason: verified after apply", diff)
	}
	tc := r.ChangeSet.find(v1alpha1.Identity{Kind: v1alpha1.KindTransportConfig, Organization: "work-com", Name: "transport"})
	if deg, _ := tc.Status.Get(ConditionDegraded); deg.Status != "False" || deg.Reason != ReasonApplied {
		t.Errorf("Degraded = %+v, want False/Applied", deg)
	}
	if diff := cmp.Diff([]string{"Set-TransportConfig -TLSSendDomainSecureList @{Add='canoe.com'}"}, tc.Status.Actions); diff != "" {
		t.Errorf("status actions (-want +got):\n%s", diff)
	}
	if r.Failed() || len(r.ChangeSet.Errors) > 0 {
		t.Errorf("a verified apply failed: %v", errorTexts(r.ChangeSet))
	}
	checkNoSecret(t, f, r)
}

func TestRunVerifySeesDrift(t *testing.T) {
	site := loadSite(t, engineSite)
	f := newFakeSite()
	f.org.tlsSend = nil // apply "succeeds" but changes nothing
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	tc := r.ChangeSet.find(v1alpha1.Identity{Kind: v1alpha1.KindTransportConfig, Organization: "work-com", Name: "transport"})
	deg, _ := tc.Status.Get(ConditionDegraded)
	want := Condition{Type: ConditionDegraded, Status: "True", Reason: ReasonStillDiffersAfterApply,
		Message: "still differs after apply: tlsSendDomainSecureList: [] -> [canoe.com]"}
	if diff := cmp.Diff(want, deg); diff != "" {
		t.Errorf("(-want +got):\n%s\nreason: what verify still sees is Degraded", diff)
	}
	if !r.Failed() {
		t.Error("an object still differing after apply must fail the run")
	}
}

func TestRunFailingServerDoesNotStopOthers(t *testing.T) {
	site := loadSite(t, engineSite)
	f := newFakeSite()
	f.org.tlsSend = nil
	f.servers["WIN20081"].onApply = func(s *fakeServer, calls []exchange.Call) {
		if len(calls) > 0 {
			s.org.mu.Lock()
			s.org.tlsSend = []string{"canoe.com"}
			s.org.mu.Unlock()
		}
	}
	w2 := f.servers["WIN20082"]
	w2.receive[1].Banner = "220 old"
	w2.failCmdlet = "Set-ReceiveConnector"
	w2.failMessage = "The value of Banner is not valid."
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"WIN20081": {"observe+org", "apply"}, "WIN20082": {"observe", "apply"}}
	if diff := cmp.Diff(want, f.kinds()); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
	got := views(r.ChangeSet)
	if v := got[`TransportConfig "transport"`]; v.Ready != "True" {
		t.Errorf("TransportConfig on the healthy server: %+v, want ready", v)
	}
	rc := r.ChangeSet.find(v1alpha1.Identity{Kind: v1alpha1.KindReceiveConnector, Organization: "work-com", Server: "WIN20082", Name: "From Canoe"})
	synced, _ := rc.Status.Get(ConditionSynced)
	if diff := cmp.Diff(Condition{Type: ConditionSynced, Status: "False", Reason: ReasonApplyFailed, Message: "The value of Banner is not valid."}, synced); diff != "" {
		t.Errorf("failed entry Synced (-want +got):\n%s", diff)
	}
	if v := got[`ReceiveConnector "WIN20082\From Canoe"`]; v.Ready != "False" {
		t.Errorf("failed entry is ready: %+v", v)
	}
	var errs []string
	for _, e := range r.ChangeSet.Errors {
		errs = append(errs, e.Server+"|"+e.Cmdlet+"|"+string(e.Class))
	}
	if diff := cmp.Diff([]string{"WIN20082|Set-ReceiveConnector|InvalidArgument"}, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s\n%v", diff, errorTexts(r.ChangeSet))
	}
	if !r.Failed() {
		t.Error("a failed call must fail the run")
	}
}

func TestRunVerifyUnreachable(t *testing.T) {
	site := loadSite(t, engineSite)
	f := newFakeSite()
	f.org.tlsSend = nil
	f.servers["WIN20081"].onApply = func(s *fakeServer, _ []exchange.Call) {
		s.org.mu.Lock()
		s.org.tlsSend = []string{"canoe.com"}
		s.org.mu.Unlock()
		s.failVerify = s.unreachable() // the change is made, then the server goes away
	}
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	tc := r.ChangeSet.find(v1alpha1.Identity{Kind: v1alpha1.KindTransportConfig, Organization: "work-com", Name: "transport"})
	deg, _ := tc.Status.Get(ConditionDegraded)
	deg.Message = strings.SplitN(deg.Message, ":", 2)[0]
	want := Condition{Type: ConditionDegraded, Status: "Unknown", Reason: ReasonVerifyFailed, Message: "cannot verify"}
	if diff := cmp.Diff(want, deg); diff != "" {
		t.Errorf("(-want +got):\n%s\nreason: a server that cannot be re-read says nothing about the change; the observation from before apply must not be reported as still differing", diff)
	}
	if ready, _ := tc.Status.Get(ConditionReady); ready.Status != "False" {
		t.Errorf("Ready = %+v, want False: the change is not verified", ready)
	}
	if !r.Failed() {
		t.Error("a failed verification must fail the run")
	}
}

// TestRunFailedObjectDoesNotStopOthers: each object's calls run in their
// own try/catch (issue 12 point 6), so a failed certificate call leaves the
// unrelated receive connector change applied.
func TestRunFailedObjectDoesNotStopOthers(t *testing.T) {
	site := loadSite(t, engineSite)
	f := newFakeSite()
	w2 := f.servers["WIN20082"]
	w2.certs[0].Services = value.ServiceIIS
	w2.receive[1].Banner = "220 old"
	w2.failCmdlet = "Enable-ExchangeCertificate"
	w2.failMessage = "The certificate is not valid for use with Exchange Server."
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	cert := r.ChangeSet.find(v1alpha1.Identity{Kind: v1alpha1.KindExchangeCertificate, Organization: "work-com", Server: "WIN20082", Name: "mail"})
	rc := r.ChangeSet.find(v1alpha1.Identity{Kind: v1alpha1.KindReceiveConnector, Organization: "work-com", Server: "WIN20082", Name: "From Canoe"})
	synced, _ := cert.Status.Get(ConditionSynced)
	if diff := cmp.Diff(Condition{Type: ConditionSynced, Status: "False", Reason: ReasonApplyFailed, Message: "The certificate is not valid for use with Exchange Server."}, synced); diff != "" {
		t.Errorf("certificate (-want +got):\n%s", diff)
	}
	if rcSynced, _ := rc.Status.Get(ConditionSynced); rcSynced.Reason == ReasonNotApplied || len(rc.Status.Actions) != 1 {
		t.Errorf("receive connector: Synced %+v, actions %v; want its call applied although the certificate's failed", rcSynced, rc.Status.Actions)
	}
	var text strings.Builder
	if err := r.WriteText(&text, false); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		`~ ExchangeCertificate "mail" on WIN20082 (failed)`,
		`~ ReceiveConnector "WIN20082\From Canoe" (changed)`,
	} {
		if !strings.Contains(text.String(), line+"\n") {
			t.Errorf("the apply report lacks %q:\n%s", line, text.String())
		}
	}
}

// replaceSite declares the receive connector of engineSite with usage
// Custom, which the observed one (Partners) was not created with.
var replaceSite = strings.Replace(engineSite, "  server: WIN20082\n", "  server: WIN20082\n  usage: Custom\n", 1)

func TestRunReplacement(t *testing.T) {
	tests := []struct {
		name         string
		reason       string
		allowReplace bool
		wantApplied  []string
		wantSynced   Condition
		wantLine     string
		wantErrors   []string
	}{
		{name: "Refused", reason: "without --allow-replace apply refuses, runs nothing on the server and says so",
			wantSynced: Condition{Type: ConditionSynced, Status: "False", Reason: ReasonReplacementNotAllowed,
				Message: "not replaced: its usage differs and can only be set by removing and recreating it; rerun apply with --allow-replace"},
			wantLine:   `± ReceiveConnector "WIN20082\From Canoe" (refused)`,
			wantErrors: []string{`WIN20082: ReceiveConnector "WIN20082\From Canoe": not replaced: its usage differs and can only be set by removing and recreating it; rerun apply with --allow-replace`}},
		{name: "Allowed", reason: "with --allow-replace the connector is removed and created again with the declared usage",
			allowReplace: true,
			wantApplied: []string{`Remove-ReceiveConnector -Identity 'WIN20082\From Canoe' -Confirm:$false`,
				`New-ReceiveConnector -Name 'From Canoe' -Server 'WIN20082' -Usage 'Custom' -Bindings '191.121.0.200:26'` +
					` -RemoteIPRanges '191.121.111.0/24' -DomainSecureEnabled $true -Banner '220 mail.work.com' -Comment '[managed-by: exreconcile]'`},
			wantSynced: Condition{Type: ConditionSynced, Status: "True", Reason: ReasonInSync},
			wantLine:   `± ReceiveConnector "WIN20082\From Canoe" (replaced)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := loadSite(t, replaceSite)
			f := newFakeSite()
			r, err := Run(context.Background(), site, Options{Mode: ModeApply, AllowReplace: tt.allowReplace, Connect: f.connect})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantApplied, f.servers["WIN20082"].applied(), entryOpts); diff != "" {
				t.Errorf("applied (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			rc := r.ChangeSet.find(v1alpha1.Identity{Kind: v1alpha1.KindReceiveConnector, Organization: "work-com", Server: "WIN20082", Name: "From Canoe"})
			synced, _ := rc.Status.Get(ConditionSynced)
			if diff := cmp.Diff(tt.wantSynced, synced); diff != "" {
				t.Errorf("Synced (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			if diff := cmp.Diff(tt.wantErrors, errorTexts(r.ChangeSet), entryOpts); diff != "" {
				t.Errorf("errors (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			var text strings.Builder
			if err := r.WriteText(&text, false); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text.String(), tt.wantLine+"\n") {
				t.Errorf("the report lacks %q:\n%s\nreason: %s", tt.wantLine, text.String(), tt.reason)
			}
		})
	}
}

func TestRunPruneAndRestart(t *testing.T) {
	site := loadSite(t, strings.Replace(engineSite, "  auth:\n", "  restartTransportService: OnChange\n  owner: site-a\n  auth:\n", 1))
	f := newFakeSite()
	f.org.send = append(f.org.send, sendObj("Old Route", func(c *exchange.ObservedSendConnector) { c.Comment = "retired " + ownerMarker("site-a") }),
		sendObj("Hand Made"))
	w2 := f.servers["WIN20082"]
	marked := func(c *exchange.ObservedReceiveConnector) { c.Comment = ownerMarker("site-a") }
	w2.receive = append(w2.receive, receiveObj("WIN20082", "Old Partner", marked), receiveObj("WIN20082", "Default Frontend WIN20082", marked))
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Prune: true, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{"WIN20081": f.servers["WIN20081"].applied(), "WIN20082": w2.applied()}
	want := map[string][]string{
		"WIN20081": {"Remove-SendConnector -Identity 'Old Route' -Confirm:$false", "Restart-Service -Name 'MSExchangeTransport' -Force"},
		"WIN20082": {`Remove-ReceiveConnector -Identity 'WIN20082\Old Partner' -Confirm:$false`, "Restart-Service -Name 'MSExchangeFrontEndTransport' -Force"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("applied (-want +got):\n%s\nreason: --prune removes only marked, undeclared, non-default connectors; the service that reads the changed connectors restarts once per changed server (FrontendTransport on 2019: MSExchangeFrontEndTransport)", diff)
	}
	if r.Failed() || r.ChangeSet.Count()[OutcomeRemoved] != 2 {
		t.Errorf("failed %v, %d removals, errors %v", r.Failed(), r.ChangeSet.Count()[OutcomeRemoved], errorTexts(r.ChangeSet))
	}
}
