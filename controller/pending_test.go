package controller

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/exchange"
)

// The clock of the pending-restart tests: the transport services started
// at boot; connectors changed before or after it.
var (
	boot       = time.Date(2026, 12, 2, 9, 0, 0, 500000000, time.UTC)
	beforeBoot = boot.Add(-time.Hour)
	afterBoot  = boot.Add(time.Hour)
	restarted  = boot.Add(2 * time.Hour)
)

// runningServices gives every fake server both transport services, started at boot.
func runningServices(f *fakeSite) {
	for _, s := range f.servers {
		s.services = []exchange.ObservedService{
			{Name: exchange.TransportServiceName, State: "Running", ProcessID: 4100, Started: boot},
			{Name: exchange.FrontEndTransportServiceName, State: "Running", ProcessID: 4200, Started: boot},
		}
		s.restartedAt = restarted
		for i := range s.receive {
			s.receive[i].WhenChanged = beforeBoot
		}
	}
	for i := range f.org.send {
		f.org.send[i].WhenChanged = beforeBoot
	}
	f.org.tcChanged = beforeBoot
}

func TestPendingRestart(t *testing.T) {
	fromCanoe := func(f *fakeSite) *exchange.ObservedReceiveConnector { return &f.servers["WIN20082"].receive[1] }
	tests := []struct {
		name   string
		reason string
		site   string
		setup  func(f *fakeSite)
		want   []string // "server service outcome pending-objects"
		line   string
	}{
		{name: "ChangedAfterStart", reason: "a failed restart is not forgotten: a managed connector changed after its service started needs the restart, although no field differs",
			site: restartSite, setup: func(f *fakeSite) { fromCanoe(f).WhenChanged = afterBoot },
			want: []string{`WIN20082 MSExchangeFrontEndTransport planned ReceiveConnector "WIN20082\From Canoe"`},
			line: `! restart MSExchangeFrontEndTransport on WIN20082 (interrupts mail flow) (pending: ReceiveConnector "WIN20082\From Canoe" changed at 2026-12-02T10:00:00Z after the service started at 2026-12-02T09:00:00Z)`},
		{name: "ChangedBeforeStart", reason: "a connector the running service has read since is in sync",
			site: restartSite},
		{name: "Never", reason: "without OnChange no restart is ever planned, pending or not",
			site: engineSite, setup: func(f *fakeSite) { fromCanoe(f).WhenChanged = afterBoot }},
		{name: "HubConnector", reason: "the service is the one that reads the connector: HubTransport -> MSExchangeTransport",
			site: restartSite, setup: func(f *fakeSite) {
				fromCanoe(f).WhenChanged, fromCanoe(f).TransportRole = afterBoot, "HubTransport"
			},
			want: []string{`WIN20082 MSExchangeTransport planned ReceiveConnector "WIN20082\From Canoe"`}},
		{name: "OtherServiceRestarted", reason: "a restart of MSExchangeTransport does not read the front end's connectors",
			site: restartSite, setup: func(f *fakeSite) {
				fromCanoe(f).WhenChanged = afterBoot
				f.servers["WIN20082"].services[0].Started = restarted
			},
			want: []string{`WIN20082 MSExchangeFrontEndTransport planned ReceiveConnector "WIN20082\From Canoe"`}},
		{name: "SendConnector", reason: "a send connector changed after MSExchangeTransport started where it is changed (the organisation's server)",
			site: restartSite, setup: func(f *fakeSite) { f.org.send[0].WhenChanged = afterBoot },
			want: []string{`WIN20081 MSExchangeTransport planned SendConnector "To Canoe"`}},
		{name: "TransportConfig", reason: "the domain-secure lists are read by MSExchangeTransport too",
			site: restartSite, setup: func(f *fakeSite) { f.org.tcChanged = afterBoot },
			want: []string{`WIN20081 MSExchangeTransport planned TransportConfig "transport"`}},
		{name: "Unmanaged", reason: "only declared connectors count: a default connector changed by hand is not this site's to restart for",
			site: restartSite, setup: func(f *fakeSite) { f.servers["WIN20082"].receive[0].WhenChanged = afterBoot }},
		{name: "NotRunning", reason: "a stopped service (no process start) says nothing about pending changes",
			site: restartSite, setup: func(f *fakeSite) {
				fromCanoe(f).WhenChanged = afterBoot
				f.servers["WIN20082"].services[1] = exchange.ObservedService{Name: exchange.FrontEndTransportServiceName, State: "Stopped"}
			}},
		{name: "AlsoChanged", reason: "a connector that changes now plans the restart anyway: one restart, no pending reason",
			site: restartSite, setup: func(f *fakeSite) {
				fromCanoe(f).WhenChanged = afterBoot
				fromCanoe(f).Banner = "220 old"
			},
			want: []string{`WIN20082 MSExchangeFrontEndTransport planned `},
			line: "! restart MSExchangeFrontEndTransport on WIN20082 (interrupts mail flow)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := loadSite(t, tt.site)
			f := newFakeSite()
			runningServices(f)
			if tt.setup != nil {
				tt.setup(f)
			}
			r, err := Run(context.Background(), site, Options{Mode: ModePlan, Connect: f.connect})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, rs := range r.ChangeSet.Restarts {
				var objs []string
				for _, p := range rs.Pending {
					objs = append(objs, p.Object)
				}
				got = append(got, rs.Server+" "+rs.Service+" "+string(rs.Outcome)+" "+strings.Join(objs, ","))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("restarts (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			var text strings.Builder
			if err := r.WriteText(&text, false); err != nil {
				t.Fatal(err)
			}
			if tt.line != "" && !strings.Contains(text.String(), tt.line) {
				t.Errorf("the plan lacks %q:\n%s\nreason: %s", tt.line, text.String(), tt.reason)
			}
			if got, want := r.ChangeSet.HasChanges(), len(tt.want) > 0; got != want {
				t.Errorf("HasChanges = %v, want %v (diff --exit-code: a pending restart is something apply does)\n%s", got, want, text.String())
			}
			if len(tt.want) == 0 && !strings.Contains(text.String(), "No changes.") {
				t.Errorf("want No changes.:\n%s", text.String())
			}
			for n, k := range f.kinds() {
				if len(k) != 1 {
					t.Errorf("%s ran %v: the services are read by the one observe command", n, k)
				}
			}
			readsServices := f.servers["WIN20081"].commands[0].reads.TransportServices
			if want := tt.site == restartSite; readsServices != want {
				t.Errorf("observe read the services: %v, want %v (only OnChange needs them)", readsServices, want)
			}
		})
	}
}

// TestPendingRestartApplied: apply runs the pending restart alone (no
// object changes), reports it, and the next plan is in sync.
func TestPendingRestartApplied(t *testing.T) {
	site := loadSite(t, restartSite)
	f := newFakeSite()
	runningServices(f)
	f.servers["WIN20082"].receive[1].WhenChanged = afterBoot
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Restart-Service -Name 'MSExchangeFrontEndTransport' -Force"}, f.servers["WIN20082"].applied()); diff != "" {
		t.Errorf("applied on WIN20082 (-want +got):\n%s", diff)
	}
	if len(f.servers["WIN20081"].applied()) != 0 {
		t.Errorf("WIN20081 ran %v; nothing is pending there", f.servers["WIN20081"].applied())
	}
	if len(r.ChangeSet.Restarts) != 1 || r.ChangeSet.Restarts[0].Outcome != RestartDone {
		t.Fatalf("restarts %+v, want one restarted", r.ChangeSet.Restarts)
	}
	var text bytes.Buffer
	if err := r.WriteText(&text, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"(pending: ReceiveConnector \"WIN20082\\From Canoe\" changed at", "\n    restarted\n", ", 1 restarted."} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the apply report lacks %q:\n%s", want, text.String())
		}
	}
	if r.Failed() {
		t.Errorf("a restarted pending restart is a success:\n%s", text.String())
	}

	r, err = Run(context.Background(), site, Options{Mode: ModePlan, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ChangeSet.Restarts) != 0 || r.ChangeSet.HasChanges() {
		t.Errorf("after the restart: restarts %+v, want none (the service started after the change)", r.ChangeSet.Restarts)
	}
}

// TestPendingRestartFailedAgain: a pending restart that fails again fails
// the run and stays pending.
func TestPendingRestartFailedAgain(t *testing.T) {
	site := loadSite(t, restartSite)
	f := newFakeSite()
	runningServices(f)
	f.servers["WIN20082"].receive[1].WhenChanged = afterBoot
	f.servers["WIN20082"].failCmdlet, f.servers["WIN20082"].failMessage = "Restart-Service", "Cannot start service MSExchangeFrontEndTransport on computer '.'."
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ChangeSet.Restarts) != 1 || r.ChangeSet.Restarts[0].Outcome != RestartFailed || !r.Failed() {
		t.Fatalf("restarts %+v failed %v, want one failed restart failing the run", r.ChangeSet.Restarts, r.Failed())
	}
	r, err = Run(context.Background(), site, Options{Mode: ModePlan, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ChangeSet.Restarts) != 1 || len(r.ChangeSet.Restarts[0].Pending) != 1 {
		t.Errorf("after a failed restart: %+v, want the restart still pending", r.ChangeSet.Restarts)
	}
}

// TestPendingRestartThroughFallbackServer: when the first server cannot be
// read, the organisation is read through the next one, with the send
// connectors' WhenChanged: the pending restart is planned where they are
// changed.
func TestPendingRestartThroughFallbackServer(t *testing.T) {
	site := loadSite(t, restartSite)
	f := newFakeSite()
	runningServices(f)
	f.servers["WIN20081"].down = true
	f.org.send[0].WhenChanged = afterBoot
	r, err := Run(context.Background(), site, Options{Mode: ModePlan, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rs := range r.ChangeSet.Restarts {
		got = append(got, rs.Server+" "+rs.Service+" "+fmt.Sprint(len(rs.Pending)))
	}
	if diff := cmp.Diff([]string{"WIN20082 MSExchangeTransport 1"}, got); diff != "" {
		t.Errorf("restarts (-want +got):\n%s", diff)
	}
	for _, c := range f.servers["WIN20082"].commands {
		if !c.reads.TransportServices {
			t.Errorf("WIN20082 ran %s without the services", c.kind)
		}
	}
}
