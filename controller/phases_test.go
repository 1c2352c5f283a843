package controller

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// rotationSite is a hybrid organisation whose three TlsCertificateName
// places follow the ExchangeCertificate "mail".
const rotationSite = `apiVersion: exreconcile.io/v1alpha1
kind: ExchangeOrganization
metadata: {name: work-com}
spec:
  servers:
    - name: WIN20081
      endpoint: https://win20081.work.com:5986/wsman
    - name: WIN20082
      endpoint: https://win20082.work.com:5986/wsman
  auth:
    username: 'WORK\svc-exreconcile'
    passwordFrom: {env: EXR_TEST_PASSWORD}
---
apiVersion: exreconcile.io/v1alpha1
kind: ExchangeCertificate
metadata: {name: mail}
spec:
  thumbprint: THUMB
  services: [SMTP]
  retireSuperseded: true
  source: {pfxFile: mail.pfx, passwordFrom: {env: EXR_TEST_PFX}}
---
apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata: {name: Outbound to Office 365}
spec:
  sourceTransportServers: [WIN20081, WIN20082]
  tlsCertificateRef: mail
---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: Default Frontend WIN20081}
spec: {server: WIN20081, tlsCertificateRef: mail}
---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: Default Frontend WIN20082}
spec: {server: WIN20082, tlsCertificateRef: mail}
---
apiVersion: exreconcile.io/v1alpha1
kind: HybridConfiguration
metadata: {name: hybrid}
spec: {tlsCertificateRef: mail}
`

// renewal is certificate B, renewed from another intermediate than A's.
type renewal struct {
	pfx   []byte
	cert  *x509.Certificate
	thumb string
}

func newRenewal(t *testing.T, issuerCN string) renewal {
	t.Helper()
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(11), Subject: pkix.Name{CommonName: issuerCN, Organization: []string{"Let's Encrypt"}, Country: []string{"US"}},
		NotBefore: ccNow.AddDate(-1, 0, 0), NotAfter: ccNow.AddDate(3, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(0x4B), Subject: pkix.Name{CommonName: "mail.work.com"},
		DNSNames: []string{"mail.work.com"}, NotBefore: ccNow.AddDate(0, 0, -1), NotAfter: ccNow.AddDate(0, 0, 199)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pfx, err := pkcs12.Modern.Encode(key, leaf, []*x509.Certificate{ca}, "pfx-pw")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(leaf.Raw)
	return renewal{pfx: pfx, cert: leaf, thumb: strings.ToUpper(hex.EncodeToString(sum[:]))}
}

const (
	thumbA = "AAAA0000AAAA0000AAAA0000AAAA0000AAAA0000"
	nameA  = "<I>CN=R10, O=Let's Encrypt, C=US<S>CN=mail.work.com"
	nameB  = "<I>CN=R11, O=Let's Encrypt, C=US<S>CN=mail.work.com"
)

// rotationFake is the organisation with certificate A everywhere and its
// three places naming it; its servers do what Exchange does with the
// rotation's calls.
func rotationFake(b renewal) *fakeSite {
	org := &fakeOrg{
		send: []exchange.ObservedSendConnector{sendObj("Outbound to Office 365", func(c *exchange.ObservedSendConnector) {
			c.TlsCertificateName, c.SourceTransportServers = nameA, []string{"WIN20081", "WIN20082"}
		})},
		hybrid: &exchange.ObservedHybridConfiguration{TlsCertificateName: nameA, Domains: []string{"work.com"}},
	}
	f := &fakeSite{org: org, servers: map[string]*fakeServer{}}
	for _, n := range []string{"WIN20081", "WIN20082"} {
		s := newFakeServer(n, org)
		s.receive = []exchange.ObservedReceiveConnector{receiveObj(n, "Default Frontend "+n, func(c *exchange.ObservedReceiveConnector) { c.TlsCertificateName = nameA })}
		a := certObj(thumbA)
		a.Issuer, a.NotAfter = "CN=R10, O=Let's Encrypt, C=US", ccNow.AddDate(0, 0, 20)
		s.certs = []exchange.ObservedCertificate{a}
		s.onApply = func(s *fakeServer, calls []exchange.Call) { exchangeDoes(s, b, calls) }
		f.servers[n] = s
	}
	return f
}

// literal reads a quoted parameter value back.
func literal(c exchange.Call, name string) string {
	p, _ := c.Param(name)
	return strings.ReplaceAll(strings.Trim(p.Value.Redacted(), "'"), "''", "'")
}

// exchangeDoes changes the fake's state as Exchange would (f.mu held).
func exchangeDoes(s *fakeServer, b renewal, calls []exchange.Call) {
	for _, c := range calls {
		switch c.Cmdlet {
		case "Import-ExchangeCertificate":
			nb := certObj(b.thumb)
			nb.Services, nb.Issuer, nb.Subject, nb.NotAfter = value.ServiceNone, windowsDN(b.cert.RawIssuer), windowsDN(b.cert.RawSubject), b.cert.NotAfter
			s.certs = append(s.certs, nb)
		case "Enable-ExchangeCertificate":
			for i := range s.certs {
				if s.certs[i].Thumbprint == literal(c, "Thumbprint") {
					s.certs[i].Services |= value.ServiceSMTP
				}
			}
		case "Remove-ExchangeCertificate":
			var keep []exchange.ObservedCertificate
			for _, x := range s.certs {
				if x.Thumbprint != literal(c, "Thumbprint") {
					keep = append(keep, x)
				}
			}
			s.certs = keep
		case "Set-ReceiveConnector":
			for i := range s.receive {
				if s.receive[i].Identity == literal(c, "Identity") {
					s.receive[i].TlsCertificateName = literal(c, "TlsCertificateName")
				}
			}
		case "Set-SendConnector":
			s.org.mu.Lock()
			s.org.send[0].TlsCertificateName = literal(c, "TlsCertificateName")
			s.org.mu.Unlock()
		case "Set-HybridConfiguration":
			s.org.mu.Lock()
			s.org.hybrid.TlsCertificateName = literal(c, "TlsCertificateName")
			s.org.mu.Unlock()
		}
	}
}

func loadRotationSite(t *testing.T, b renewal) string {
	t.Helper()
	t.Setenv("EXR_TEST_PASSWORD", enginePassword)
	t.Setenv("EXR_TEST_PFX", "pfx-pw")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mail.pfx"), b.pfx, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// cmdlets lists the cmdlets of each apply command of a server, one string per command.
func (f *fakeServer) applyCommands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.commands {
		if c.kind != "apply" {
			continue
		}
		var names []string
		for _, call := range c.calls {
			names = append(names, call.Cmdlet)
		}
		out = append(out, strings.Join(names, " "))
	}
	return out
}

func TestRotationRunsInPhases(t *testing.T) {
	b := newRenewal(t, "R11")
	dir := loadRotationSite(t, b)
	site := loadSiteIn(t, dir, strings.Replace(rotationSite, "THUMB", b.thumb, 1))

	f := rotationFake(b)
	plan, err := Run(context.Background(), site, Options{Mode: ModePlan, Connect: f.connect, Now: func() time.Time { return ccNow }})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range plan.ChangeSet.Phases {
		for _, st := range p.Steps {
			got = append(got, p.Name+" on "+st.Server+": "+strings.Join(st.Objects, ", "))
		}
	}
	want := []string{
		`import and enable SMTP on WIN20081: ExchangeCertificate "mail" on WIN20081`,
		`import and enable SMTP on WIN20082: ExchangeCertificate "mail" on WIN20082`,
		`switch references on WIN20081: SendConnector "Outbound to Office 365", ReceiveConnector "WIN20081\Default Frontend WIN20081", HybridConfiguration "hybrid"`,
		`switch references on WIN20082: ReceiveConnector "WIN20082\Default Frontend WIN20082"`,
		`retire superseded certificates on WIN20081: ExchangeCertificate "mail (superseded ` + thumbA + `)" on WIN20081`,
		`retire superseded certificates on WIN20082: ExchangeCertificate "mail (superseded ` + thumbA + `)" on WIN20082`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("planned phases (-want +got):\n%s", diff)
	}
	for _, e := range plan.ChangeSet.Entries {
		if hasField(e, "tlsCertificateName") && e.Fields[0].Desired != nameB {
			t.Errorf("%s: forecast %s from the file, want %s (as Windows prints the issuer)", e.Identity, e.Fields[0].Desired, nameB)
		}
	}

	f = rotationFake(b)
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect, Now: func() time.Time { return ccNow }})
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed() {
		t.Fatalf("apply failed: %v", r.ChangeSet.Err())
	}
	wantCmds := map[string][]string{
		"WIN20081": {"Import-ExchangeCertificate Enable-ExchangeCertificate", "Set-SendConnector Set-ReceiveConnector Set-HybridConfiguration", "Remove-ExchangeCertificate"},
		"WIN20082": {"Import-ExchangeCertificate Enable-ExchangeCertificate", "Set-ReceiveConnector", "Remove-ExchangeCertificate"},
	}
	for n, s := range f.servers {
		if diff := cmp.Diff(wantCmds[n], s.applyCommands()); diff != "" {
			t.Errorf("%s: apply commands (-want +got):\n%s\nreason: one command per server and phase, switches after every import, the old certificate last", n, diff)
		}
	}
	for _, p := range r.ChangeSet.Phases {
		if p.Outcome != PhaseDone {
			t.Errorf("phase %d %s: %s %s", p.Number, p.Name, p.Outcome, p.Message)
		}
	}
	if f.org.hybrid.TlsCertificateName != nameB || f.org.send[0].TlsCertificateName != nameB {
		t.Errorf("hybrid %q, send %q", f.org.hybrid.TlsCertificateName, f.org.send[0].TlsCertificateName)
	}

	// Converged: one command per server, no phases.
	again, err := Run(context.Background(), site, Options{Mode: ModeDiff, Connect: f.connect, Now: func() time.Time { return ccNow }})
	if err != nil {
		t.Fatal(err)
	}
	if again.ChangeSet.HasChanges() || len(again.ChangeSet.Phases) > 0 {
		t.Errorf("after the rotation: changes %v, phases %v", again.ChangeSet.HasChanges(), again.ChangeSet.Phases)
	}
}

func TestRotationStopsWhenOneImportFails(t *testing.T) {
	b := newRenewal(t, "R11")
	dir := loadRotationSite(t, b)
	site := loadSiteIn(t, dir, strings.Replace(rotationSite, "THUMB", b.thumb, 1))
	f := rotationFake(b)
	f.servers["WIN20082"].failCmdlet, f.servers["WIN20082"].failMessage = "Import-ExchangeCertificate", "The source data cannot be imported"
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect, Now: func() time.Time { return ccNow }})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Failed() {
		t.Error("a failed import fails the run")
	}
	for n, s := range f.servers {
		for _, cmd := range s.applyCommands() {
			if strings.Contains(cmd, "Set-") || strings.Contains(cmd, "Remove-") {
				t.Errorf("%s ran %s: no reference switches and nothing is retired after a failed import", n, cmd)
			}
		}
	}
	var outcomes []string
	for _, p := range r.ChangeSet.Phases {
		outcomes = append(outcomes, string(p.Outcome))
	}
	if diff := cmp.Diff([]string{"failed", "stopped", "stopped", "stopped"}, outcomes); diff != "" {
		t.Errorf("phase outcomes (-want +got):\n%s", diff)
	}
	for _, e := range r.ChangeSet.Entries {
		if e.Kind == "SendConnector" {
			if c, _ := e.status().Get(ConditionSynced); c.Reason != ReasonRotationStopped || !strings.Contains(c.Message, "WIN20082") {
				t.Errorf("send connector: %+v", c)
			}
		}
	}
}

func TestReferenceWithoutRotationIsOneCommand(t *testing.T) {
	b := newRenewal(t, "R11")
	dir := loadRotationSite(t, b)
	site := loadSiteIn(t, dir, strings.Replace(rotationSite, "THUMB", b.thumb, 1))
	f := rotationFake(b)
	// B is already everywhere, enabled, and A is gone: only the names differ.
	for _, s := range f.servers {
		exchangeDoes(s, b, []exchange.Call{must(exchange.ImportExchangeCertificate(exchange.Exchange2019, s.name, []byte("x"), exchange.ImportOptions{})),
			must(exchange.EnableExchangeCertificate(exchange.Exchange2019, s.name, b.thumb, value.ServiceSMTP)),
			must(exchange.RemoveExchangeCertificate(exchange.Exchange2019, s.name, thumbA))})
	}
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect, Now: func() time.Time { return ccNow }})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ChangeSet.Phases) > 0 || r.Failed() {
		t.Errorf("no rotation: phases %v, failed %v (%v)", r.ChangeSet.Phases, r.Failed(), r.ChangeSet.Err())
	}
	if diff := cmp.Diff(map[string]int{"WIN20081": 2, "WIN20082": 2}, r.Commands); diff != "" {
		t.Errorf("commands (-want +got):\n%s\nreason: an ordinary change is observe + one apply per changed server", diff)
	}
}

func TestRotationScriptsPerPhase(t *testing.T) {
	b := newRenewal(t, "R11")
	dir := loadRotationSite(t, b)
	site := loadSiteIn(t, dir, strings.Replace(rotationSite, "THUMB", b.thumb, 1))
	f := rotationFake(b)
	r, err := Run(context.Background(), site, Options{Mode: ModePlan, ShowScript: true, Connect: f.connect, Now: func() time.Time { return ccNow }})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"WIN20081, phase 1 (import and enable SMTP)", "WIN20081, phase 2 (switch references)", "WIN20081, phase 4 (retire superseded certificates)",
		"WIN20082, phase 1 (import and enable SMTP)", "WIN20082, phase 2 (switch references)", "WIN20082, phase 4 (retire superseded certificates)"}
	if diff := cmp.Diff(want, sortedServers(r.Scripts)); diff != "" {
		t.Errorf("scripts (-want +got):\n%s", diff)
	}
	if s := r.Scripts["WIN20081, phase 2 (switch references)"]; !strings.Contains(s, "Set-HybridConfiguration -TlsCertificateName '"+strings.ReplaceAll(nameB, "'", "''")+"'") ||
		strings.Contains(s, "Import-ExchangeCertificate") {
		t.Errorf("phase 2 script:\n%s", s)
	}
}

func TestSupersededStillNamedIsKept(t *testing.T) {
	t.Run("undeclared connector names the old certificate", func(t *testing.T) {
		b := newRenewal(t, "R11")
		dir := loadRotationSite(t, b)
		site := loadSiteIn(t, dir, strings.Replace(rotationSite, "THUMB", b.thumb, 1))
		f := rotationFake(b)
		w2 := f.servers["WIN20082"]
		w2.receive = append(w2.receive, receiveObj("WIN20082", "Partner Frontend", func(c *exchange.ObservedReceiveConnector) {
			c.TlsCertificateName, c.Bindings = nameA, bindings("0.0.0.0:2526")
		}))
		r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect, Now: func() time.Time { return ccNow }})
		if err != nil {
			t.Fatal(err)
		}
		if got := w2.applyCommands(); strings.Contains(strings.Join(got, " "), "Remove-ExchangeCertificate") {
			t.Errorf("WIN20082 removed A although a receive connector names it: %v", got)
		}
		if got := f.servers["WIN20081"].applyCommands(); !strings.Contains(strings.Join(got, " "), "Remove-ExchangeCertificate") {
			t.Errorf("WIN20081 keeps A although nothing names it there: %v", got)
		}
		kept := r.ChangeSet.find(v1alpha1Identity("WIN20082", "mail (superseded "+thumbA+")"))
		if kept == nil || kept.Changed() || len(kept.Notes) == 0 || kept.Notes[0].Reason != ReasonSupersededKept ||
			!strings.Contains(kept.Notes[0].Message, `receive connector "WIN20082\Partner Frontend"`) {
			t.Errorf("kept entry: %+v", kept)
		}
	})
	t.Run("renewal with the same issuer", func(t *testing.T) {
		b := newRenewal(t, "R10")
		dir := loadRotationSite(t, b)
		site := loadSiteIn(t, dir, strings.Replace(rotationSite, "THUMB", b.thumb, 1))
		f := rotationFake(b)
		r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect, Now: func() time.Time { return ccNow }})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.ChangeSet.Phases) > 0 {
			t.Errorf("the names do not change, so nothing needs an order: %v", r.ChangeSet.Phases)
		}
		for n, s := range f.servers {
			if diff := cmp.Diff([]string{"Import-ExchangeCertificate Enable-ExchangeCertificate"}, s.applyCommands()); diff != "" {
				t.Errorf("%s (-want +got):\n%s\nreason: import and enable in one command; the old certificate is still named, so it stays", n, diff)
			}
		}
	})
}

func v1alpha1Identity(server, name string) v1alpha1.Identity {
	return v1alpha1.Identity{Kind: v1alpha1.KindExchangeCertificate, Organization: "work-com", Server: server, Name: name}
}

func TestSupersededWithoutRetireIsReported(t *testing.T) {
	b := newRenewal(t, "R11")
	dir := loadRotationSite(t, b)
	site := loadSiteIn(t, dir, strings.Replace(strings.Replace(rotationSite, "THUMB", b.thumb, 1), "  retireSuperseded: true\n", "", 1))
	f := rotationFake(b)
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect, Now: func() time.Time { return ccNow }})
	if err != nil {
		t.Fatal(err)
	}
	for n, s := range f.servers {
		if got := strings.Join(s.applyCommands(), " | "); strings.Contains(got, "Remove-ExchangeCertificate") || !strings.Contains(got, "Set-ReceiveConnector") {
			t.Errorf("%s: %s; reason: the references switch, the old certificate stays", n, got)
		}
	}
	kept := r.ChangeSet.find(v1alpha1Identity("WIN20081", "mail (superseded "+thumbA+")"))
	if kept == nil || kept.Changed() || len(kept.Notes) == 0 || !strings.Contains(kept.Notes[0].Message, "set retireSuperseded: true") {
		t.Errorf("kept: %+v", kept)
	}
	if p := r.ChangeSet.Phases; len(p) != 4 || p[3].Outcome != PhaseEmpty {
		t.Errorf("phases: %+v", p)
	}
}

func TestRotationRestartsAfterTheLastPhase(t *testing.T) {
	b := newRenewal(t, "R11")
	dir := loadRotationSite(t, b)
	manifests := strings.Replace(strings.Replace(rotationSite, "THUMB", b.thumb, 1),
		"    passwordFrom: {env: EXR_TEST_PASSWORD}\n", "    passwordFrom: {env: EXR_TEST_PASSWORD}\n  restartTransportService: OnChange\n", 1)
	site := loadSiteIn(t, dir, manifests)
	f := rotationFake(b)
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect, Now: func() time.Time { return ccNow }})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ChangeSet.Restarts) == 0 {
		t.Fatal("no restart planned")
	}
	for n, s := range f.servers {
		cmds := s.applyCommands()
		for i, c := range cmds {
			if strings.Contains(c, "Restart-Service") != (i == len(cmds)-1) {
				t.Errorf("%s: %q; reason: the transport restarts once, after the server's last phase", n, cmds)
			}
		}
	}
	for _, rs := range r.ChangeSet.Restarts {
		if rs.Outcome != RestartDone {
			t.Errorf("restart %s: %s %s", rs, rs.Outcome, rs.Message)
		}
	}
}

func TestRotationRetireFailureIsLeftForARerun(t *testing.T) {
	b := newRenewal(t, "R11")
	dir := loadRotationSite(t, b)
	site := loadSiteIn(t, dir, strings.Replace(rotationSite, "THUMB", b.thumb, 1))
	f := rotationFake(b)
	f.servers["WIN20082"].failCmdlet, f.servers["WIN20082"].failMessage = "Remove-ExchangeCertificate", "A special Rpc error occurs on server WIN20082"
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect, Now: func() time.Time { return ccNow }})
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, p := range r.ChangeSet.Phases {
		outcomes = append(outcomes, string(p.Outcome))
	}
	if diff := cmp.Diff([]string{"done", "done", "done", "failed"}, outcomes); diff != "" || !r.Failed() {
		t.Errorf("phase outcomes (-want +got):\n%s\nfailed %v", diff, r.Failed())
	}
	if left := r.ChangeSet.Phases[3].Left; len(left) != 1 || !strings.Contains(left[0], "WIN20082") {
		t.Errorf("left: %v", left)
	}
	// The rerun has only the retirement left: phase 4 alone.
	f.servers["WIN20082"].failCmdlet = ""
	before := f.servers["WIN20082"].Commands()
	again, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect, Now: func() time.Time { return ccNow }})
	if err != nil || again.Failed() {
		t.Fatal(err, again.ChangeSet.Err())
	}
	if n := f.servers["WIN20082"].Commands() - before; n != 2 {
		t.Errorf("rerun: %d commands on WIN20082, want observe + the retirement", n)
	}
}

func TestRotationRerunAfterAFailedSwitch(t *testing.T) {
	b := newRenewal(t, "R11")
	dir := loadRotationSite(t, b)
	site := loadSiteIn(t, dir, strings.Replace(rotationSite, "THUMB", b.thumb, 1))
	f := rotationFake(b)
	w1 := f.servers["WIN20081"]
	w1.failCmdlet, w1.failMessage = "Set-HybridConfiguration", "The operation couldn't be performed"
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect, Now: func() time.Time { return ccNow }})
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, p := range r.ChangeSet.Phases {
		outcomes = append(outcomes, string(p.Outcome))
	}
	if diff := cmp.Diff([]string{"done", "failed", "stopped", "stopped"}, outcomes); diff != "" {
		t.Errorf("phase outcomes (-want +got):\n%s", diff)
	}
	w1.failCmdlet = ""
	before := len(w1.applyCommands())
	again, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect, Now: func() time.Time { return ccNow }})
	if err != nil || again.Failed() {
		t.Fatal(err, again.ChangeSet.Err())
	}
	if diff := cmp.Diff([]string{"Set-HybridConfiguration", "Remove-ExchangeCertificate"}, w1.applyCommands()[before:]); diff != "" {
		t.Errorf("rerun on WIN20081 (-want +got):\n%s\nreason: the switch left over first, the retirement after its verification", diff)
	}
}
