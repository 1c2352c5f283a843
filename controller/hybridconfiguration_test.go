package controller

import (
	"context"
	"strings"
	"testing"

	"github.com/exreconcile/exreconcile/exchange"
)

const hybridOnlySite = `apiVersion: exreconcile.io/v1alpha1
kind: ExchangeOrganization
metadata: {name: work-com}
spec:
  servers:
    - name: WIN20081
      endpoint: https://win20081.work.com:5986/wsman
  auth:
    username: 'WORK\svc-exreconcile'
    passwordFrom: {env: EXR_TEST_PASSWORD}
---
apiVersion: exreconcile.io/v1alpha1
kind: HybridConfiguration
metadata: {name: hybrid}
spec: SPEC
`

func TestHybridConfiguration(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		hybrid  *exchange.ObservedHybridConfiguration
		version exchange.Version
		action  Action
		calls   []string
		note    Reason
		errText string
		reason  string
	}{
		{name: "Literal", spec: `{tlsCertificateName: "` + nameB + `"}`, hybrid: &exchange.ObservedHybridConfiguration{TlsCertificateName: nameA},
			version: exchange.Exchange2019, action: ActionChange,
			calls:  []string{"Set-HybridConfiguration -TlsCertificateName '" + strings.ReplaceAll(nameB, "'", "''") + "'"},
			reason: "a literal name is set with Set-HybridConfiguration"},
		{name: "InSync", spec: `{tlsCertificateName: "` + nameA + `"}`, hybrid: &exchange.ObservedHybridConfiguration{TlsCertificateName: nameA},
			version: exchange.Exchange2019, action: ActionUnchanged, reason: "compared exactly, as Exchange keeps the string"},
		{name: "ObserveOnly", spec: `{}`, hybrid: &exchange.ObservedHybridConfiguration{TlsCertificateName: nameA, Domains: []string{"work.com"}},
			version: exchange.Exchange2019, action: ActionUnchanged, reason: "without a certificate it is only reported"},
		{name: "Missing", spec: `{tlsCertificateName: "` + nameA + `"}`, version: exchange.Exchange2019, action: ActionUnchanged, note: ReasonNoHybridConfiguration,
			reason: "exreconcile never runs New-HybridConfiguration: the wizard does"},
		{name: "Exchange2010", spec: `{tlsCertificateName: "` + nameB + `"}`, hybrid: &exchange.ObservedHybridConfiguration{},
			version: exchange.Exchange2010, action: ActionUnknown, errText: "TlsCertificateName",
			reason: "2010's hybrid configuration has no TlsCertificateName (SecureMailCertificateThumbprint)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := loadSite(t, strings.Replace(hybridOnlySite, "SPEC", tt.spec, 1))
			org := &fakeOrg{hybrid: tt.hybrid}
			s := newFakeServer("WIN20081", org)
			s.version = tt.version
			f := &fakeSite{org: org, servers: map[string]*fakeServer{"WIN20081": s}}
			r, err := Run(context.Background(), site, Options{Mode: ModePlan, Connect: f.connect})
			if err != nil {
				t.Fatal(err)
			}
			var e *Entry
			for _, x := range r.ChangeSet.Entries {
				if x.Kind == "HybridConfiguration" {
					e = x
				}
			}
			if e == nil {
				t.Fatalf("no entry; %s", tt.reason)
			}
			if e.Action != tt.action || strings.Join(e.Calls, "\n") != strings.Join(tt.calls, "\n") {
				t.Errorf("action %s calls %q, want %s %q; %s", e.Action, e.Calls, tt.action, tt.calls, tt.reason)
			}
			if tt.note != "" && (len(e.Notes) == 0 || e.Notes[0].Reason != tt.note) {
				t.Errorf("notes %+v, want %s; %s", e.Notes, tt.note, tt.reason)
			}
			if tt.errText != "" && !strings.Contains(errorTextsJoined(r.ChangeSet), tt.errText) {
				t.Errorf("errors %v, want one naming %s; %s", r.ChangeSet.Errors, tt.errText, tt.reason)
			}
			if tt.hybrid != nil && tt.version == exchange.Exchange2019 && e.Status.Observed["tlsCertificateName"] != tt.hybrid.TlsCertificateName {
				t.Errorf("status.observed = %v", e.Status.Observed)
			}
			if got := s.kinds(); len(got) != 1 {
				t.Errorf("commands %v: the hybrid configuration is read in the one observe", got)
			}
		})
	}
}

func errorTextsJoined(cs *ChangeSet) string { return strings.Join(errorTexts(cs), "\n") }

func TestExportHybridConfiguration(t *testing.T) {
	site := loadSite(t, strings.Replace(hybridOnlySite, "SPEC", "{}", 1))
	org := &fakeOrg{hybrid: &exchange.ObservedHybridConfiguration{TlsCertificateName: nameA}}
	f := &fakeSite{org: org, servers: map[string]*fakeServer{"WIN20081": newFakeServer("WIN20081", org)}}
	out, errs, err := Export(context.Background(), site, Options{Connect: f.connect})
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	if !strings.Contains(string(out), "kind: HybridConfiguration") || !strings.Contains(string(out), "tlsCertificateName: <I>CN=R10, O=Let's Encrypt, C=US<S>CN=mail.work.com") {
		t.Errorf("export:\n%s", out)
	}
	// The exported site is in sync.
	back := loadSite(t, string(out))
	r, err := Run(context.Background(), back, Options{Mode: ModeDiff, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	if r.ChangeSet.HasChanges() {
		t.Errorf("diff on the export: %+v", r.ChangeSet.Entries)
	}
}
