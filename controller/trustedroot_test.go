package controller

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/exchange"
)

// rootSite is one organisation of a Mailbox and an Edge server and the
// partner's root CA (seed 000 §6), with spec lines added by each test.
const rootSite = `apiVersion: exreconcile.io/v1alpha1
kind: ExchangeOrganization
metadata: {name: work-com}
spec:
  servers:
    - name: WIN20081
      endpoint: https://win20081.work.com:5986/wsman
    - name: WIN20082
      endpoint: https://win20082.work.com:5986/wsman
      role: Edge
  auth:
    username: 'WORK\svc-exreconcile'
    passwordFrom: {env: EXR_TEST_PASSWORD}
---
apiVersion: exreconcile.io/v1alpha1
kind: TrustedRootCertificate
metadata: {name: ssha-root}
spec:
  file: certs/ssha-root.pem
`

// selfSignedCA is a root CA certificate; issued, when set, is signed by it
// instead (an intermediate).
func selfSignedCA(t *testing.T, cn string, ca bool) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn, Organization: []string{"SSHA"}},
		NotBefore: ccNow.AddDate(-1, 0, 0), NotAfter: ccNow.AddDate(10, 0, 0), IsCA: ca, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

func thumbOf(c *x509.Certificate) string {
	sum := sha1.Sum(c.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func observedRoot(c *x509.Certificate) exchange.ObservedRoot {
	return exchange.ObservedRoot{Thumbprint: thumbOf(c), Subject: "CN=" + c.Subject.CommonName + ", O=SSHA", Issuer: "CN=" + c.Subject.CommonName + ", O=SSHA",
		NotBefore: c.NotBefore, NotAfter: c.NotAfter}
}

// rootFakes are the two servers with the store each starts with; X509Store
// Add and Remove change it as Windows does.
func rootFakes(start []exchange.ObservedRoot, root *x509.Certificate) *fakeSite {
	f := &fakeSite{org: &fakeOrg{}, servers: map[string]*fakeServer{}}
	for _, n := range []string{"WIN20081", "WIN20082"} {
		s := newFakeServer(n, f.org)
		s.roots = append([]exchange.ObservedRoot(nil), start...)
		s.onApply = func(s *fakeServer, calls []exchange.Call) {
			for _, c := range calls {
				switch c.Cmdlet {
				case "X509Store.Add":
					s.roots = append(s.roots, observedRoot(root))
				case "X509Store.Remove":
					var keep []exchange.ObservedRoot
					for _, r := range s.roots {
						if !strings.Contains(c.Redacted(), r.Thumbprint) {
							keep = append(keep, r)
						}
					}
					s.roots = keep
				}
			}
		}
		f.servers[n] = s
	}
	return f
}

func TestTrustedRoot(t *testing.T) {
	root := selfSignedCA(t, "SSHA Root CA", true)
	other := selfSignedCA(t, "Other Root", true)
	intermediate := selfSignedCA(t, "Not A CA", false)
	thumb := thumbOf(root)
	add := "$rootStore = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Store -ArgumentList 'Root','LocalMachine'; " +
		"$rootStore.Open('ReadWrite'); $rootCert = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList (,([Convert]::FromBase64String('<" +
		itoa(len(root.Raw)) + " bytes>'))); $rootStore.Add($rootCert); $rootStore.Close()"
	remove := "$rootStore = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Store -ArgumentList 'Root','LocalMachine'; " +
		"$rootStore.Open('ReadWrite'); $rootCert = @(Get-ChildItem -Path 'Cert:\\LocalMachine\\Root\\" + thumb + "')[0]; $rootStore.Remove($rootCert); $rootStore.Close()"
	tests := []struct {
		name    string
		reason  string
		spec    string
		file    *x509.Certificate
		start   []exchange.ObservedRoot
		applied map[string][]string
		after   map[string]int // roots per server after apply
		notes   []Reason
	}{
		{name: "AddEverywhere", reason: "left out, servers are every server, the Edge included; one Add per server",
			file: root, start: []exchange.ObservedRoot{observedRoot(other)},
			applied: map[string][]string{"WIN20081": {add}, "WIN20082": {add}}, after: map[string]int{"WIN20081": 2, "WIN20082": 2}},
		{name: "Idempotent", reason: "present: nothing to do, no apply command",
			file: root, start: []exchange.ObservedRoot{observedRoot(other), observedRoot(root)},
			applied: map[string][]string{"WIN20081": nil, "WIN20082": nil}, after: map[string]int{"WIN20081": 2, "WIN20082": 2}},
		{name: "OneServer", reason: "servers limits the store changed",
			spec: "  servers: [WIN20082]\n", file: root,
			applied: map[string][]string{"WIN20081": nil, "WIN20082": {add}}, after: map[string]int{"WIN20081": 0, "WIN20082": 1}},
		{name: "AbsentRemovesOnlyIt", reason: "ensure Absent removes exactly that thumbprint; the other root stays",
			spec: "  ensure: Absent\n", file: root, start: []exchange.ObservedRoot{observedRoot(other), observedRoot(root)},
			applied: map[string][]string{"WIN20081": {remove}, "WIN20082": {remove}}, after: map[string]int{"WIN20081": 1, "WIN20082": 1}},
		{name: "AbsentAlreadyGone", reason: "absent and not there: nothing to do",
			spec: "  ensure: Absent\n", file: root, start: []exchange.ObservedRoot{observedRoot(other)},
			applied: map[string][]string{"WIN20081": nil, "WIN20082": nil}, after: map[string]int{"WIN20081": 1, "WIN20082": 1}},
		{name: "NotACA", reason: "a certificate that is no root CA is added as asked, with a warning",
			spec: "  servers: [WIN20081]\n", file: intermediate,
			applied: map[string][]string{"WIN20081": {strings.Replace(add, itoa(len(root.Raw)), itoa(len(intermediate.Raw)), 1)}, "WIN20082": nil},
			after:   map[string]int{"WIN20081": 1, "WIN20082": 0}, notes: []Reason{ReasonNotARootCA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("EXR_TEST_PASSWORD", enginePassword)
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "certs"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "certs", "ssha-root.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tt.file.Raw}), 0o600); err != nil {
				t.Fatal(err)
			}
			site := loadSiteIn(t, dir, rootSite+tt.spec)
			f := rootFakes(tt.start, tt.file)
			r, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect, Now: func() time.Time { return ccNow }})
			if err != nil {
				t.Fatal(err)
			}
			if r.Failed() {
				t.Fatalf("%s: run failed: %v", tt.reason, errorTexts(r.ChangeSet))
			}
			got, after := map[string][]string{}, map[string]int{}
			for n, s := range f.servers {
				got[n] = s.applied()
				after[n] = len(s.roots)
			}
			if diff := cmp.Diff(tt.applied, got); diff != "" {
				t.Errorf("%s: applied (-want +got):\n%s", tt.reason, diff)
			}
			if diff := cmp.Diff(tt.after, after); diff != "" {
				t.Errorf("%s: roots after apply (-want +got):\n%s", tt.reason, diff)
			}
			var notes []Reason
			for _, e := range r.ChangeSet.Entries {
				for _, n := range e.Notes {
					notes = append(notes, n.Reason)
				}
				if e.Changed() {
					if deg, _ := e.Status.Get(ConditionDegraded); deg.Reason != ReasonApplied {
						t.Errorf("%s: %s Degraded = %+v, want verified", tt.reason, e.Identity, deg)
					}
				}
			}
			if diff := cmp.Diff(tt.notes, notes); diff != "" {
				t.Errorf("%s: notes (-want +got):\n%s", tt.reason, diff)
			}
			// The Root store is read in the one observe command.
			for n, s := range f.servers {
				if k := s.kinds(); len(k) == 0 || k[0] == "" {
					t.Errorf("%s: %s commands %v", tt.reason, n, k)
				}
			}
		})
	}
}

func TestTrustedRootFileErrors(t *testing.T) {
	root := selfSignedCA(t, "SSHA Root CA", true)
	other := selfSignedCA(t, "Other Root", true)
	tests := []struct {
		name, reason string
		data         []byte
		want         string
	}{
		{"Missing", "the file is read before any server is contacted", nil, "cannot read spec.file"},
		{"Garbage", "a file that holds no certificate", []byte("hello"), "cannot read certificate certs/ssha-root.pem"},
		{"Two", "one root per object", append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw}),
			pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other.Raw})...), "holds 2 certificates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("EXR_TEST_PASSWORD", enginePassword)
			dir := t.TempDir()
			if tt.data != nil {
				_ = os.MkdirAll(filepath.Join(dir, "certs"), 0o755)
				if err := os.WriteFile(filepath.Join(dir, "certs", "ssha-root.pem"), tt.data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			site := loadSiteIn(t, dir, rootSite)
			f := rootFakes(nil, root)
			_, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: f.connect})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("%s: error %v, want %q", tt.reason, err, tt.want)
			}
			for n, s := range f.servers {
				if s.Commands() != 0 {
					t.Errorf("%s: %s was contacted", tt.reason, n)
				}
			}
		})
	}
}

// Only servers with a declared root read their Root store.
func TestTrustedRootReads(t *testing.T) {
	t.Setenv("EXR_TEST_PASSWORD", enginePassword)
	root := selfSignedCA(t, "SSHA Root CA", true)
	dir := t.TempDir()
	_ = os.MkdirAll(filepath.Join(dir, "certs"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "certs", "ssha-root.pem"), root.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	site := loadSiteIn(t, dir, rootSite+"  servers: [WIN20082]\n")
	r := &runner{site: site}
	org := site.Organizations()[0]
	if r.rootsDeclaredOn(org, "WIN20081") || !r.rootsDeclaredOn(org, "win20082") {
		t.Error("the Root store is read only on the servers a root is declared for")
	}
}

// restartTransportService: OnChange restarts nothing for a root or a
// certificate request: the transport reads neither.
func TestNoRestartForRootsAndRequests(t *testing.T) {
	root := selfSignedCA(t, "SSHA Root CA", true)
	t.Setenv("EXR_TEST_PASSWORD", enginePassword)
	dir := t.TempDir()
	_ = os.MkdirAll(filepath.Join(dir, "certs"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "certs", "ssha-root.pem"), root.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	manifest := strings.Replace(rootSite, "    passwordFrom: {env: EXR_TEST_PASSWORD}\n",
		"    passwordFrom: {env: EXR_TEST_PASSWORD}\n  restartTransportService: OnChange\n", 1) +
		"---\napiVersion: exreconcile.io/v1alpha1\nkind: ExchangeCertificate\nmetadata: {name: mail}\nspec:\n  servers: [WIN20081]\n" +
		"  request: {subjectName: CN=mail.work.com, requestFile: mail.csr}\n"
	site := loadSiteIn(t, dir, manifest)
	f := rootFakes(nil, root)
	r, err := Run(context.Background(), site, Options{Mode: ModePlan, Connect: f.connect})
	if err != nil {
		t.Fatal(err)
	}
	if !r.ChangeSet.HasChanges() || len(r.ChangeSet.Restarts) != 0 {
		t.Errorf("restarts %v for a root and a request", r.ChangeSet.Restarts)
	}
}
