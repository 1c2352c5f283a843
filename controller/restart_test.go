package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/exchange"
)

// restartSite is engineSite with restartTransportService: OnChange.
var restartSite = strings.Replace(engineSite, "  auth:\n", "  restartTransportService: OnChange\n  auth:\n", 1)

func TestPlannedRestarts(t *testing.T) {
	frontendBanner := func(f *fakeSite) { f.servers["WIN20082"].receive[1].Banner = "220 old" }
	tests := []struct {
		name    string
		reason  string
		site    string
		setup   func(f *fakeSite)
		version exchange.Version
		mode    Mode
		want    []string // "server service outcome"
		lines   []string
	}{
		{name: "FrontendConnector2019", reason: "a FrontendTransport receive connector on 2013+ is read by MSExchangeFrontEndTransport",
			site: restartSite, setup: frontendBanner, version: exchange.Exchange2019, mode: ModePlan,
			want:  []string{"WIN20082 MSExchangeFrontEndTransport planned"},
			lines: []string{"! restart MSExchangeFrontEndTransport on WIN20082 (interrupts mail flow)"}},
		{name: "HubConnector2019", reason: "a HubTransport receive connector is read by MSExchangeTransport",
			site: restartSite, version: exchange.Exchange2019, mode: ModePlan,
			setup: func(f *fakeSite) {
				frontendBanner(f)
				f.servers["WIN20082"].receive[1].TransportRole = "HubTransport"
			},
			want: []string{"WIN20082 MSExchangeTransport planned"}},
		{name: "Exchange2010", reason: "2010 has one transport service",
			site: restartSite, setup: frontendBanner, version: exchange.Exchange2010, mode: ModePlan,
			want: []string{"WIN20082 MSExchangeTransport planned"}},
		{name: "SendConnector", reason: "a send connector change restarts MSExchangeTransport where it runs",
			site: restartSite, version: exchange.Exchange2019, mode: ModePlan,
			setup: func(f *fakeSite) { f.org.send[0].DomainSecureEnabled = false },
			want:  []string{"WIN20081 MSExchangeTransport planned"}},
		{name: "Never", reason: "without OnChange nothing restarts",
			site: engineSite, setup: frontendBanner, version: exchange.Exchange2019, mode: ModePlan},
		{name: "NoChange", reason: "nothing to change, nothing restarts",
			site: restartSite, version: exchange.Exchange2019, mode: ModePlan},
		{name: "Applied", reason: "apply reports the restart as done",
			site: restartSite, setup: frontendBanner, version: exchange.Exchange2019, mode: ModeApply,
			want:  []string{"WIN20082 MSExchangeFrontEndTransport restarted"},
			lines: []string{"! restart MSExchangeFrontEndTransport on WIN20082 (interrupts mail flow)\n    restarted"}},
		{name: "Failed", reason: "a failed restart is reported as failed, with Exchange's message",
			site: restartSite, version: exchange.Exchange2019, mode: ModeApply,
			setup: func(f *fakeSite) {
				frontendBanner(f)
				f.servers["WIN20082"].failCmdlet, f.servers["WIN20082"].failMessage = "Restart-Service", "cannot stop service"
			},
			want:  []string{"WIN20082 MSExchangeFrontEndTransport failed"},
			lines: []string{"    failed: cannot stop service"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := loadSite(t, tt.site)
			f := newFakeSite()
			for _, s := range f.servers {
				s.version = tt.version
			}
			if tt.setup != nil {
				tt.setup(f)
			}
			r, err := Run(context.Background(), site, Options{Mode: tt.mode, Connect: f.connect})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, rs := range r.ChangeSet.Restarts {
				got = append(got, rs.Server+" "+rs.Service+" "+string(rs.Outcome))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("restarts (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			var text strings.Builder
			if err := r.WriteText(&text, false); err != nil {
				t.Fatal(err)
			}
			for _, l := range tt.lines {
				if !strings.Contains(text.String(), l) {
					t.Errorf("the report lacks %q:\n%s\nreason: %s", l, text.String(), tt.reason)
				}
			}
			var js bytes.Buffer
			if err := r.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				ChangeSet struct {
					Restarts []Restart `json:"restarts"`
				} `json:"changeSet"`
			}
			if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.ChangeSet.Restarts) != len(tt.want) {
				t.Errorf("JSON has %d restarts, want %d:\n%s", len(doc.ChangeSet.Restarts), len(tt.want), js.String())
			}
		})
	}
}

func TestMachineOutputTypedValues(t *testing.T) {
	site := loadSite(t, engineSite)
	f := newFakeSite()
	f.org.send[0].DomainSecureEnabled = false
	f.org.send[0].SourceTransportServers = []string{"WIN20081"}
	r, err := Run(context.Background(), site, Options{Mode: ModePlan, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"desiredValue": true`, `"actualValue": false`, `"desiredValue": [`, `"changes": true`,
		`"apiVersion": "exreconcile.io/v1alpha1"`, `"kind": "Report"`, `"diagnostics": []`, `"startedAt": "`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("JSON lacks %s:\n%s\nreason: -o json types booleans and lists and carries the summary", want, js.String())
		}
	}
}
