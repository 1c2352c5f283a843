package controller

import (
	"context"
	"strings"
	"testing"
)

// refusedSite adds to engineSite a receive connector whose FQDN no SMTP
// certificate covers: the cross-check refuses to create it.
const refusedSite = engineSite + `---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: From Partner2}
spec:
  server: WIN20082
  bindings: ["191.121.0.201:25"]
  remoteIPRanges: [191.121.112.0/24]
  fqdn: mail.partner2.example
`

func TestRefusedOutcomeIsReported(t *testing.T) {
	tests := []struct {
		name    string
		reason  string
		mode    Mode
		want    []string
		summary string
	}{
		{name: "Plan", reason: "plan says the connector will be refused, why and what to do, and counts it as refused",
			mode: ModePlan,
			want: []string{`+ ReceiveConnector "WIN20082\From Partner2" (refused)`,
				"    refused: no SMTP certificate gives it the TLS identity it declares",
				"declare an ExchangeCertificate for WIN20082"},
			summary: "1 refused"},
		{name: "Apply", reason: "apply does not call it created: it was refused, and the summary counts it so",
			mode: ModeApply,
			want: []string{`+ ReceiveConnector "WIN20082\From Partner2" (refused)`,
				"    refused: no SMTP certificate gives it the TLS identity it declares",
				"declare an ExchangeCertificate for WIN20082"},
			summary: "Applied: 0 created"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := loadSite(t, refusedSite)
			f := newFakeSite()
			r, err := Run(context.Background(), site, Options{Mode: tt.mode, Connect: f.connect})
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			if err := r.WriteText(&text, false); err != nil {
				t.Fatal(err)
			}
			for _, w := range append(tt.want, tt.summary, "1 refused") {
				if !strings.Contains(text.String(), w) {
					t.Errorf("the report lacks %q:\n%s\nreason: %s", w, text.String(), tt.reason)
				}
			}
			if n := r.ChangeSet.count(tt.mode); n[OutcomeRefused] != 1 || n[OutcomeCreated] != 0 {
				t.Errorf("counts %v, want 1 refused and 0 created\nreason: %s", n, tt.reason)
			}
			for _, c := range f.servers["WIN20082"].applied() {
				if strings.Contains(c, "From Partner2") {
					t.Errorf("applied %q\nreason: a refused connector is not created", c)
				}
			}
		})
	}
}

func TestShowScriptOfReplacement(t *testing.T) {
	site := loadSite(t, replaceSite)
	r, err := Run(context.Background(), site, Options{Mode: ModePlan, ShowScript: true, Connect: newFakeSite().connect})
	if err != nil {
		t.Fatal(err)
	}
	script := r.Scripts["WIN20082"]
	if !strings.Contains(script, `Remove-ReceiveConnector -Identity 'WIN20082\From Canoe'`) || !strings.Contains(script, "New-ReceiveConnector -Name 'From Canoe'") {
		t.Errorf("script of WIN20082:\n%s\nreason: plan --show-script shows the Remove + New of a replacement, as --allow-replace runs it", script)
	}
}
