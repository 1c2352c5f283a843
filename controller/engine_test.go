package controller

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// engineSite is an organisation of two Mailbox servers with one object of
// every kind.
const engineSite = `apiVersion: exreconcile.io/v1alpha1
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
kind: SendConnector
metadata: {name: To Canoe}
spec:
  addressSpaces: [canoe.com]
  dnsRoutingEnabled: true
  domainSecureEnabled: true
  sourceTransportServers: [WIN20081, WIN20082]
---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: From Canoe}
spec:
  server: WIN20082
  bindings: ["191.121.0.200:26"]
  remoteIPRanges: [191.121.111.0/24]
  banner: 220 mail.work.com
  domainSecureEnabled: true
---
apiVersion: exreconcile.io/v1alpha1
kind: TransportConfig
metadata: {name: transport}
spec:
  tlsSendDomainSecureList: [canoe.com]
  tlsReceiveDomainSecureList: [canoe.com]
---
apiVersion: exreconcile.io/v1alpha1
kind: ExchangeCertificate
metadata: {name: mail}
spec:
  thumbprint: 41137e14bfd2509e666148fa974c594f4f6ec3e0
  services: [SMTP]
`

const enginePassword = "Canary-Pa55w0rd-7f3a"

// loadSite validates YAML written to a temporary folder, as the CLI does.
func loadSite(t *testing.T, manifests string) *v1alpha1.Site {
	t.Helper()
	t.Setenv("EXR_TEST_PASSWORD", enginePassword)
	return loadSiteIn(t, t.TempDir(), manifests)
}

// loadSiteIn writes manifests as site.yaml into dir (which may hold the
// files they name) and loads and validates the folder, as the CLI does.
func loadSiteIn(t *testing.T, dir, manifests string) *v1alpha1.Site {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "site.yaml"), []byte(manifests), 0o600); err != nil {
		t.Fatal(err)
	}
	site, diags := v1alpha1.Loader{}.LoadAndValidate(dir)
	if diags.HasErrors() {
		t.Fatalf("site does not validate:\n%v", diags)
	}
	return site
}

// fakeSite is the servers of engineSite in the state the site declares.
type fakeSite struct {
	org     *fakeOrg
	servers map[string]*fakeServer
}

func newFakeSite() *fakeSite {
	org := &fakeOrg{
		send: []exchange.ObservedSendConnector{sendObj("To Canoe", func(c *exchange.ObservedSendConnector) {
			c.AddressSpaces, c.DomainSecureEnabled = addressSpaces("SMTP:canoe.com;1"), true
			c.SourceTransportServers, c.Comment = []string{"WIN20082", "WIN20081"}, ownershipMarker
		})},
		tlsSend: []string{"canoe.com"}, tlsReceive: []string{"Canoe.com"},
	}
	f := &fakeSite{org: org, servers: map[string]*fakeServer{}}
	for _, n := range []string{"WIN20081", "WIN20082"} {
		s := newFakeServer(n, org)
		s.receive = []exchange.ObservedReceiveConnector{receiveObj(n, "Default "+n, func(c *exchange.ObservedReceiveConnector) {
			c.Bindings = bindings("0.0.0.0:2525", "[::]:2525")
		})}
		s.certs = []exchange.ObservedCertificate{certObj("41137E14BFD2509E666148FA974C594F4F6EC3E0")}
		f.servers[n] = s
	}
	f.servers["WIN20082"].receive = append(f.servers["WIN20082"].receive,
		receiveObj("WIN20082", "From Canoe", func(c *exchange.ObservedReceiveConnector) {
			c.Bindings, c.RemoteIPRanges = bindings("191.121.0.200:26"), ipRanges("191.121.111.0-191.121.111.255")
			c.Banner, c.DomainSecureEnabled, c.Comment = "220 mail.work.com", true, ownershipMarker
		}))
	return f
}

func (f *fakeSite) connect(_ *v1alpha1.ExchangeOrganization, srv v1alpha1.Server, pw exchange.Secret) (exchange.Remote, error) {
	if pw.Reveal() != enginePassword {
		return nil, os.ErrPermission
	}
	s := f.servers[srv.Name]
	s.password = pw
	return s, nil
}

func (f *fakeSite) commands() map[string]int {
	out := map[string]int{}
	for n, s := range f.servers {
		out[n] = s.Commands()
	}
	return out
}

func (f *fakeSite) kinds() map[string][]string {
	out := map[string][]string{}
	for n, s := range f.servers {
		out[n] = s.kinds()
	}
	return out
}

// entryView is what the engine tests check of one entry.
type entryView struct {
	Action Action
	RunOn  string
	Ready  ConditionStatus
	Reason Reason
}

func views(cs *ChangeSet) map[string]entryView {
	out := map[string]entryView{}
	for _, e := range cs.Entries {
		v := entryView{Action: e.Action, RunOn: e.RunOn}
		if e.Status != nil {
			c, _ := e.Status.Get(ConditionReady)
			v.Ready, v.Reason = c.Status, c.Reason
		}
		out[e.Identity.String()] = v
	}
	return out
}

func errorTexts(cs *ChangeSet) []string {
	var out []string
	for _, e := range cs.Errors {
		out = append(out, e.Error())
	}
	return out
}

// checkNoSecret is the canary: the password reaches the servers' scripts
// and nothing a person reads.
func checkNoSecret(t *testing.T, f *fakeSite, r *Report) {
	t.Helper()
	var text, js, ym strings.Builder
	if err := r.WriteText(&text, true); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteYAML(&ym); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "json": js.String(), "yaml": ym.String()} {
		if strings.Contains(out, enginePassword) {
			t.Errorf("the %s report contains the password", name)
		}
	}
	sent := false
	for _, s := range f.servers {
		sent = sent || s.sent(enginePassword)
	}
	for srv, sc := range r.Scripts {
		if strings.Contains(sc, enginePassword) {
			t.Errorf("the shown script of %s contains the password", srv)
		}
	}
	if !sent {
		t.Error("the password never reached a server: the canary checks nothing")
	}
}

func TestRunInSync(t *testing.T) {
	site := loadSite(t, engineSite)
	for _, mode := range []Mode{ModePlan, ModeApply, ModeDiff} {
		t.Run(string(mode), func(t *testing.T) {
			f := newFakeSite()
			r, err := Run(context.Background(), site, Options{Mode: mode, Connect: f.connect})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]string{"WIN20081": {"observe+org"}, "WIN20082": {"observe"}}
			if diff := cmp.Diff(want, f.kinds()); diff != "" {
				t.Errorf("commands (-want +got):\n%s\nreason: an in-sync site is one WinRM command per server; the first reads the organisation", diff)
			}
			if diff := cmp.Diff(map[string]int{"WIN20081": 1, "WIN20082": 1}, r.Commands); diff != "" {
				t.Errorf("report commands (-want +got):\n%s", diff)
			}
			ready := entryView{Action: ActionUnchanged, Ready: "True", Reason: ReasonInSync}
			on := func(s string) entryView { v := ready; v.RunOn = s; return v }
			wantEntries := map[string]entryView{
				`ExchangeCertificate "mail" on WIN20081`: on("WIN20081"),
				`ExchangeCertificate "mail" on WIN20082`: on("WIN20082"),
				`SendConnector "To Canoe"`:               on("WIN20081"),
				`ReceiveConnector "WIN20082\From Canoe"`: on("WIN20082"),
				`TransportConfig "transport"`:            on("WIN20081"),
			}
			if diff := cmp.Diff(wantEntries, views(r.ChangeSet)); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if r.ChangeSet.HasChanges() || r.Failed() || len(r.ChangeSet.Errors) > 0 {
				t.Errorf("in sync: changes %v, failed %v, errors %v", r.ChangeSet.HasChanges(), r.Failed(), r.ChangeSet.Errors)
			}
			checkNoSecret(t, f, r)
		})
	}
}

func TestRunFirstServerUnreachable(t *testing.T) {
	site := loadSite(t, engineSite)
	f := newFakeSite()
	f.servers["WIN20081"].down = true
	r, err := Run(context.Background(), site, Options{Mode: ModePlan, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"WIN20081": {"observe+org"}, "WIN20082": {"observe", "observe+org"}}
	if diff := cmp.Diff(want, f.kinds()); diff != "" {
		t.Errorf("commands (-want +got):\n%s\nreason: the next reachable server reads the organisation objects", diff)
	}
	wantEntries := map[string]entryView{
		`ExchangeCertificate "mail" on WIN20081`: {Action: ActionUnknown, Ready: "False", Reason: ReasonObserveFailed},
		`ExchangeCertificate "mail" on WIN20082`: {Action: ActionUnchanged, RunOn: "WIN20082", Ready: "True", Reason: ReasonInSync},
		`SendConnector "To Canoe"`:               {Action: ActionUnchanged, RunOn: "WIN20082", Ready: "True", Reason: ReasonInSync},
		`ReceiveConnector "WIN20082\From Canoe"`: {Action: ActionUnchanged, RunOn: "WIN20082", Ready: "True", Reason: ReasonInSync},
		`TransportConfig "transport"`:            {Action: ActionUnchanged, RunOn: "WIN20082", Ready: "True", Reason: ReasonInSync},
	}
	if diff := cmp.Diff(wantEntries, views(r.ChangeSet)); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if len(r.ChangeSet.Errors) != 1 || r.ChangeSet.Errors[0].Server != "WIN20081" || r.ChangeSet.Errors[0].Class != exchange.ClassTransport {
		t.Errorf("errors = %+v, want one Transport error of WIN20081", r.ChangeSet.Errors)
	}
	if !r.Failed() {
		t.Error("an unreachable server must fail the run")
	}
}

func TestRunNoServerReachable(t *testing.T) {
	site := loadSite(t, engineSite)
	f := newFakeSite()
	f.servers["WIN20081"].down = true
	f.servers["WIN20082"].down = true
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	for subject, v := range views(r.ChangeSet) {
		if v.Action != ActionUnknown || v.Ready != "False" {
			t.Errorf("%s: %+v, want unknown and not ready", subject, v)
		}
	}
	if n := len(r.ChangeSet.Errors); n != 2 {
		t.Errorf("%d errors, want one per server: %v", n, errorTexts(r.ChangeSet))
	}
	if diff := cmp.Diff(map[string]int{"WIN20081": 1, "WIN20082": 1}, f.commands()); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
}

func TestRunRefusesBeforeContactingServers(t *testing.T) {
	tests := []struct {
		name    string
		reason  string
		extra   string
		env     map[string]string
		wantErr string
	}{
		{name: "PasswordUnset", reason: "the organisation's password is read before any connection",
			env: map[string]string{"EXR_TEST_PASSWORD": ""}, wantErr: "spec.auth.passwordFrom"},
		{name: "CertificateFileMissing", reason: "a certificate source is read before any connection",
			extra:   "---\napiVersion: exreconcile.io/v1alpha1\nkind: ExchangeCertificate\nmetadata: {name: other}\nspec:\n  thumbprint: 0A1B2C3D4E5F60718293A4B5C6D7E8F901234567\n  source: {certFile: missing.cer}\n",
			wantErr: `ExchangeCertificate "other": cannot read certificate source`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := loadSite(t, engineSite+tt.extra)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			f := newFakeSite()
			_, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Run error = %v, want one containing %q (%s)", err, tt.wantErr, tt.reason)
			}
			if diff := cmp.Diff(map[string]int{"WIN20081": 0, "WIN20082": 0}, f.commands()); diff != "" {
				t.Errorf("commands (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

// edgeFirstSite lists an Edge server before the Mailbox servers.
var edgeFirstSite = strings.Replace(engineSite, "  servers:\n",
	"  servers:\n    - name: EDGE1\n      endpoint: https://edge1.work.com:5986/wsman\n      role: Edge\n", 1)

func TestRunOrganizationReadThroughMailboxServer(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		down   []string
		want   map[string][]string
		runOn  string
	}{
		{name: "EdgeListedFirst", reason: "an Edge server's Get-SendConnector and Get-TransportConfig show its own AD LDS copies, not the organisation's",
			want:  map[string][]string{"EDGE1": {"observe"}, "WIN20081": {"observe+org"}, "WIN20082": {"observe"}},
			runOn: "WIN20081"},
		{name: "FirstMailboxDown", reason: "the next reachable Mailbox server reads the organisation, never the Edge",
			down:  []string{"WIN20081"},
			want:  map[string][]string{"EDGE1": {"observe"}, "WIN20081": {"observe+org"}, "WIN20082": {"observe", "observe+org"}},
			runOn: "WIN20082"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := loadSite(t, edgeFirstSite)
			f := newFakeSite()
			f.servers["EDGE1"] = newFakeServer("EDGE1", &fakeOrg{tlsSend: []string{"edge-local.example"}})
			for _, n := range tt.down {
				f.servers[n].down = true
			}
			r, err := Run(context.Background(), site, Options{Mode: ModePlan, Connect: f.connect})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, f.kinds()); diff != "" {
				t.Errorf("commands (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			got := views(r.ChangeSet)
			for _, s := range []string{`SendConnector "To Canoe"`, `TransportConfig "transport"`} {
				want := entryView{Action: ActionUnchanged, RunOn: tt.runOn, Ready: "True", Reason: ReasonInSync}
				if diff := cmp.Diff(want, got[s]); diff != "" {
					t.Errorf("%s (-want +got):\n%s\nreason: %s", s, diff, tt.reason)
				}
			}
		})
	}
}

// relaySite adds a smart-host connector with a credential to engineSite.
const relaySite = engineSite + `---
apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata: {name: Relay}
spec:
  addressSpaces: [relay.example]
  dnsRoutingEnabled: false
  smartHosts: [smtp.relay.example]
  smartHostAuthMechanism: BasicAuthRequireTLS
  requireTLS: true
  authenticationCredential:
    username: relay-user
    passwordFrom: {env: EXR_TEST_RELAY_PASSWORD}
  sourceTransportServers: [WIN20081]
`

func TestRunSecretsAndScripts(t *testing.T) {
	const relayPassword = "Relay-Canary-0b1c"
	site := loadSite(t, relaySite)
	t.Setenv("EXR_TEST_RELAY_PASSWORD", relayPassword)
	create := "New-SendConnector -Name 'Relay' -AddressSpaces 'SMTP:relay.example;1' -DNSRoutingEnabled $false -SmartHosts 'smtp.relay.example'" +
		" -SmartHostAuthMechanism 'BasicAuthRequireTLS' -AuthenticationCredential (New-Object System.Management.Automation.PSCredential" +
		" -ArgumentList 'relay-user', (ConvertTo-SecureString -String '<redacted>' -AsPlainText -Force)) -RequireTLS $true" +
		" -SourceTransportServers 'WIN20081' -Comment '[managed-by: exreconcile]" +
		" [exreconcile-credential: scrypt$32768$8$1$AAECAwQFBgcICQoLDA0ODw==$66Acc0EmD6tXNdZq1JXXdRiFVy6aDUReVailkYTF/Ik=]'"
	for _, mode := range []Mode{ModePlan, ModeApply} {
		t.Run(string(mode), func(t *testing.T) {
			f := newFakeSite()
			r, err := Run(context.Background(), site, Options{Mode: mode, ShowScript: true, Connect: f.connect})
			if err != nil {
				t.Fatal(err)
			}
			e := r.ChangeSet.find(sendSubject("Relay"))
			if diff := cmp.Diff([]string{create}, e.Calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s\nreason: the plan shows the credential redacted", diff)
			}
			// The script refers to the password through the data frame:
			// what --show-script prints is what the server records.
			inScript := strings.Replace(create, "'<redacted>'", "([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($secrets[1])))", 1)
			if !strings.Contains(r.Scripts["WIN20081"], inScript+" -ErrorAction 'Stop' | Out-Null") || len(r.Scripts) != 1 {
				t.Errorf("--show-script: want one script, WIN20081's, running the planned call; got %v", r.Scripts)
			}
			var out strings.Builder
			_ = r.WriteText(&out, true)
			_ = r.WriteJSON(&out)
			_ = r.WriteYAML(&out)
			if strings.Contains(out.String(), relayPassword) || strings.Contains(out.String(), enginePassword) {
				t.Error("a report contains a password")
			}
			sent := f.servers["WIN20081"].sent(relayPassword)
			if sent != (mode == ModeApply) {
				t.Errorf("relay password sent to the server: %v, want %v (only apply sends it)", sent, mode == ModeApply)
			}
		})
	}
}

// TestRunErrorsKeepTheirCause: the run report keeps each error's cause, so
// the CLI and the metrics classify by type, not by message text.
func TestRunErrorsKeepTheirCause(t *testing.T) {
	site := loadSite(t, engineSite)
	f := newFakeSite()
	f.servers["WIN20082"].down = true
	r, err := Run(context.Background(), site, Options{Mode: ModePlan, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	all := r.ChangeSet.Err()
	var te *exchange.TransportError
	if !errors.Is(all, exchange.ErrTransport) || !errors.As(all, &te) || te.Kind != exchange.TransportRefused {
		t.Fatalf("ChangeSet.Err() = %v: want the transport error of WIN20082 reachable with errors.Is/As", all)
	}
	e := r.ChangeSet.Errors[0]
	if e.Class != exchange.ClassTransport || !e.Retryable || e.Server != "WIN20082" {
		t.Errorf("RunError = %+v: want class Transport, retryable, on WIN20082", e)
	}
	if errors.Is(all, ErrRefused) {
		t.Error("a transport failure is not a refusal")
	}
}

// A server that accepts the connection and never answers fails as TimedOut
// within its deadline; the other server is still planned and applied.
func TestRunSilentServerTimesOut(t *testing.T) {
	site := loadSite(t, engineSite)
	f := newFakeSite()
	f.servers["WIN20081"].silent = true
	// Drift on the healthy server, so that it has an apply to run after
	// the silent one's observe has used up the whole deadline.
	f.servers["WIN20082"].receive[1].Banner = "220 drifted"
	f.servers["WIN20082"].onApply = func(s *fakeServer, _ []exchange.Call) { s.receive[1].Banner = "220 mail.work.com" }
	start := time.Now()
	r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("run took %s with a 300ms deadline", took)
	}
	var timedOut []RunError
	for _, e := range r.ChangeSet.Errors {
		if e.Class == ClassTimedOut {
			timedOut = append(timedOut, e)
		}
	}
	if len(timedOut) != 1 || timedOut[0].Server != "WIN20081" || !timedOut[0].Retryable {
		t.Fatalf("timed-out errors %+v, want one retryable for WIN20081; all: %v", timedOut, errorTexts(r.ChangeSet))
	}
	if msg := timedOut[0].Error(); !strings.Contains(msg, "timed out after 300ms (--timeout)") {
		t.Errorf("message %q does not say how long and which setting", msg)
	}
	if !errors.Is(r.ChangeSet.Err(), context.DeadlineExceeded) {
		t.Errorf("ChangeSet.Err() is not a deadline: %v", r.ChangeSet.Err())
	}
	for subject, v := range views(r.ChangeSet) {
		if strings.Contains(subject, "WIN20082") && v.Ready != "True" {
			t.Errorf("%s on the healthy server: %+v, want ready", subject, v)
		}
	}
	if got := f.servers["WIN20082"].applied(); len(got) == 0 {
		t.Errorf("the healthy server applied nothing: its deadline was spent waiting for the silent one")
	}
}

func TestServerTimeoutPrecedence(t *testing.T) {
	org := &v1alpha1.ExchangeOrganization{ObjectMeta: v1alpha1.ObjectMeta{Name: "work-com"}}
	withSpec := &v1alpha1.ExchangeOrganization{ObjectMeta: v1alpha1.ObjectMeta{Name: "work-com"},
		Spec: v1alpha1.ExchangeOrganizationSpec{Timeout: &v1alpha1.Duration{Duration: 5 * time.Minute}}}
	tests := []struct {
		name   string
		flag   time.Duration
		org    *v1alpha1.ExchangeOrganization
		want   time.Duration
		source string
	}{
		{"default", 0, org, DefaultServerTimeout, "default"},
		{"spec.timeout", 0, withSpec, 5 * time.Minute, "spec.timeout"},
		{"flag wins", 30 * time.Second, withSpec, 30 * time.Second, "--timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &runner{opts: Options{Timeout: tt.flag}}
			got, source := r.serverTimeout(tt.org)
			if got != tt.want || !strings.Contains(source, tt.source) {
				t.Errorf("got %s from %q, want %s from %s", got, source, tt.want, tt.source)
			}
		})
	}
}
