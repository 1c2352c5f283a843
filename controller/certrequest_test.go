package controller

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exreconcile/exreconcile/exchange"
)

// requestSite is seed 000 from nothing: the request on WIN20081, which
// keeps the key, enabled for SMTP once issued.
const requestSite = `apiVersion: exreconcile.io/v1alpha1
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
metadata: {name: one-mail}
spec:
  servers: [WIN20081]
  services: [SMTP]
  request:
    subjectName: "C=CA,S=ON,O=Work,CN=mail.work.com"
    domainNames: [mail.work.com]
    friendlyName: ONE Mail
    requestFile: requests/one-mail.csr
`

// pendingKey is a key pair as the server makes it, and the pending request
// Get-ExchangeCertificate shows for it.
type pendingKey struct {
	key *rsa.PrivateKey
	csr string // Base64 under the NEW CERTIFICATE REQUEST header, CRLF, as Exchange prints it
}

func newPendingKey(t *testing.T) pendingKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "mail.work.com",
		Organization: []string{"Work"}, Province: []string{"ON"}, Country: []string{"CA"}}, DNSNames: []string{"mail.work.com"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(pem.EncodeToMemory(&pem.Block{Type: "NEW CERTIFICATE REQUEST", Bytes: der})), "\n", "\r\n")
	return pendingKey{key: key, csr: strings.TrimSpace(text)}
}

func (p pendingKey) observed(thumb string) exchange.ObservedCertificate {
	return exchange.ObservedCertificate{Thumbprint: thumb, Status: "PendingRequest", HasPrivateKey: true, IsSelfSigned: true,
		Subject: "CN=mail.work.com, O=Work, S=ON, C=CA", Issuer: "CN=mail.work.com, O=Work, S=ON, C=CA", FriendlyName: "ONE Mail",
		NotAfter: ccNow.AddDate(5, 0, 0), NotBefore: ccNow, RootCAType: "Unknown", CertificateRequest: p.csr}
}

// issue signs the pending key's request as the CA does.
func (p pendingKey) issue(t *testing.T) *x509.Certificate {
	t.Helper()
	caKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Work CA"}, NotBefore: ccNow.AddDate(-1, 0, 0),
		NotAfter: ccNow.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(99), Subject: pkix.Name{CommonName: "mail.work.com", Organization: []string{"Work"}},
		DNSNames: []string{"mail.work.com"}, NotBefore: ccNow.AddDate(0, 0, -1), NotAfter: ccNow.AddDate(0, 3, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &p.key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

const pendingThumb = "DD00000000000000000000000000000000000004"

type requestRun struct {
	dir  string
	f    *fakeSite
	file string
}

func newRequestRun(t *testing.T, pending ...exchange.ObservedCertificate) *requestRun {
	t.Helper()
	t.Setenv("EXR_TEST_PASSWORD", enginePassword)
	f := &fakeSite{org: &fakeOrg{}, servers: map[string]*fakeServer{}}
	for _, n := range []string{"WIN20081", "WIN20082"} {
		f.servers[n] = newFakeServer(n, f.org)
	}
	f.servers["WIN20081"].certs = append(f.servers["WIN20081"].certs, pending...)
	dir := t.TempDir()
	return &requestRun{dir: dir, f: f, file: filepath.Join(dir, "requests", "one-mail.csr")}
}

func (q *requestRun) run(t *testing.T, mode Mode, manifest string) *Report {
	t.Helper()
	site := loadSiteIn(t, q.dir, manifest)
	r, err := Run(context.Background(), site, Options{Mode: mode, Connect: q.f.connect, Now: func() time.Time { return ccNow }})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (q *requestRun) entry(t *testing.T, r *Report) *Entry {
	t.Helper()
	for _, e := range r.ChangeSet.Entries {
		if e.Kind == "ExchangeCertificate" && e.Server == "WIN20081" {
			return e
		}
	}
	t.Fatalf("no certificate entry for WIN20081: %+v", r.ChangeSet.Entries)
	return nil
}

func noteOf(e *Entry, reason Reason) (Note, bool) {
	for _, n := range e.Notes {
		if n.Reason == reason {
			return n, true
		}
	}
	return Note{}, false
}

func TestRequestFromNothing(t *testing.T) {
	q := newRequestRun(t)
	key := newPendingKey(t)
	q.f.servers["WIN20081"].onApply = func(s *fakeServer, calls []exchange.Call) {
		for _, c := range calls {
			if c.Cmdlet == "New-ExchangeCertificate" {
				s.certs = append(s.certs, key.observed(pendingThumb))
			}
		}
	}
	call := "New-ExchangeCertificate -Server 'WIN20081' -GenerateRequest -SubjectName 'C=CA,S=ON,O=Work,CN=mail.work.com' -DomainName 'mail.work.com' -KeySize 2048 -FriendlyName 'ONE Mail'"

	// plan: the request is planned on the one server, nothing is written.
	r := q.run(t, ModePlan, requestSite)
	e := q.entry(t, r)
	if e.Action != ActionCreate || len(e.Calls) != 1 || e.Calls[0] != call {
		t.Fatalf("plan: %s %v, want create %s", e.Action, e.Calls, call)
	}
	n, ok := noteOf(e, ReasonAwaitingIssuedCertificate)
	if !ok || !strings.HasPrefix(n.Message, "waiting for the issued certificate: send requests/one-mail.csr to your CA") {
		t.Errorf("plan note %+v", e.Notes)
	}
	if ready, _ := e.Status.Get(ConditionReady); ready.Status != ConditionFalse || ready.Reason != ReasonNotFound {
		t.Errorf("plan Ready = %+v", ready)
	}
	if _, err := os.Stat(q.file); err == nil {
		t.Error("plan wrote the request file")
	}
	for _, other := range r.ChangeSet.Entries {
		if other.Server == "WIN20082" {
			t.Errorf("the request is made on its one server only: %+v", other)
		}
	}

	// apply: one command makes the request and reads it back; the CSR
	// lands in requestFile.
	r = q.run(t, ModeApply, requestSite)
	e = q.entry(t, r)
	if r.Failed() {
		t.Fatalf("apply failed: %v %+v", errorTexts(r.ChangeSet), e.Notes)
	}
	if got := q.f.servers["WIN20081"].applied(); len(got) != 1 || got[0] != call {
		t.Errorf("applied %v", got)
	}
	data, err := os.ReadFile(q.file)
	if err != nil {
		t.Fatalf("apply did not write the request: %v", err)
	}
	csr, err := parseRequestText(string(data))
	if err != nil || !samePublicKey(csr.PublicKey, &key.key.PublicKey) {
		t.Fatalf("requestFile holds %q (%v), not the pending request", data, err)
	}
	if !strings.HasPrefix(string(data), "-----BEGIN NEW CERTIFICATE REQUEST-----\n") || strings.Contains(string(data), "\r") {
		t.Errorf("requestFile is PEM with LF line ends: %q", data)
	}
	if ready, _ := e.Status.Get(ConditionReady); ready.Status != ConditionFalse || ready.Reason != ReasonAwaitingIssuedCertificate {
		t.Errorf("apply Ready = %+v, want False/AwaitingIssuedCertificate", ready)
	}
	if deg, _ := e.Status.Get(ConditionDegraded); deg.Status != ConditionFalse || deg.Reason != ReasonApplied {
		t.Errorf("apply Degraded = %+v: the verification found the pending request", deg)
	}

	// rerun: waiting, nothing to do, the file is left alone.
	before := len(q.f.servers["WIN20081"].applied())
	r = q.run(t, ModeApply, requestSite)
	e = q.entry(t, r)
	if e.Action != ActionUnchanged || len(q.f.servers["WIN20081"].applied()) != before || r.ChangeSet.HasChanges() || r.Failed() {
		t.Errorf("rerun: %s, %d calls, failed %v", e.Action, len(q.f.servers["WIN20081"].applied())-before, r.Failed())
	}
	if got := r.Summary(); got != "No changes. 0 objects in sync, 1 waiting for an issued certificate." {
		t.Errorf("summary %q", got)
	}
	if n, ok := noteOf(e, ReasonAwaitingIssuedCertificate); !ok || !strings.Contains(n.Message, "the request is pending on WIN20081 as "+pendingThumb) {
		t.Errorf("rerun note %+v", e.Notes)
	}
	if got := e.Status.Observed["status"]; got != "PendingRequest" {
		t.Errorf("status.observed %v", e.Status.Observed)
	}

	// The CA issued it: source.certFile completes the pending request,
	// then SMTP is enabled, in one apply.
	issued := key.issue(t)
	if err := os.WriteFile(filepath.Join(q.dir, "issued.cer"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: issued.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	withCert := strings.Replace(requestSite, "  request:\n", "  source: {certFile: issued.cer}\n  request:\n", 1)
	r = q.run(t, ModePlan, withCert)
	e = q.entry(t, r)
	thumb := thumbOf(issued)
	if e.Action != ActionCreate || len(e.Calls) != 2 || !strings.HasPrefix(e.Calls[0], "Import-ExchangeCertificate -Server 'WIN20081'") ||
		e.Calls[1] != "Enable-ExchangeCertificate -Thumbprint '"+thumb+"' -Server 'WIN20081' -Services 'SMTP' -Force" {
		t.Errorf("import plan: %s %v %+v", e.Action, e.Calls, e.Notes)
	}
	if _, ok := noteOf(e, ReasonPrivateKeyMissing); ok {
		t.Errorf("the pending key pairs with the issued certificate: %+v", e.Notes)
	}
}

func TestRequestFile(t *testing.T) {
	key, other := newPendingKey(t), newPendingKey(t)
	tests := []struct {
		name, reason string
		pending      []exchange.ObservedCertificate
		file         string // requestFile before the run ("" none)
		mode         Mode
		calls        int
		want         Reason
		severity     Severity
		wantFile     string // the file after the run
	}{
		{name: "PendingFileMissingPlan", reason: "plan says apply writes the pending request; it writes nothing",
			pending: []exchange.ObservedCertificate{key.observed(pendingThumb)}, mode: ModePlan, want: ReasonAwaitingIssuedCertificate, severity: SeverityWarning},
		{name: "PendingFileMissingApply", reason: "a lost requestFile is written again from the pending request, with no Exchange call",
			pending: []exchange.ObservedCertificate{key.observed(pendingThumb)}, mode: ModeApply, want: ReasonAwaitingIssuedCertificate, severity: SeverityWarning,
			wantFile: key.csr},
		{name: "OtherFileNoPending", reason: "a request file without its pending request may be at the CA: no new request over it",
			file: other.csr, mode: ModeApply, want: ReasonRequestFileConflict, severity: SeverityError, wantFile: other.csr},
		{name: "OtherFilePending", reason: "a request file that is not the pending request is never overwritten",
			pending: []exchange.ObservedCertificate{key.observed(pendingThumb)}, file: other.csr, mode: ModeApply,
			want: ReasonRequestFileConflict, severity: SeverityError, wantFile: other.csr},
		{name: "GarbageFile", reason: "a file that holds no request is not replaced either",
			file: "not a request", mode: ModeApply, want: ReasonRequestFileConflict, severity: SeverityError, wantFile: "not a request"},
		{name: "TwoPendingOneInFile", reason: "of two pending requests, the one in requestFile is bound",
			pending: []exchange.ObservedCertificate{other.observed("DD00000000000000000000000000000000000005"), key.observed(pendingThumb)}, file: key.csr,
			mode: ModeApply, want: ReasonAwaitingIssuedCertificate, severity: SeverityWarning, wantFile: key.csr},
		{name: "TwoPendingNoFile", reason: "two pending requests and no file to tell them apart",
			pending: []exchange.ObservedCertificate{other.observed("DD00000000000000000000000000000000000005"), key.observed(pendingThumb)},
			mode:    ModePlan, want: ReasonAmbiguousPendingRequest, severity: SeverityError},
		{name: "OtherSubjectPending", reason: "a pending request for another subject is not this one: a new request is made",
			pending: []exchange.ObservedCertificate{func() exchange.ObservedCertificate {
				c := key.observed(pendingThumb)
				c.Subject = "CN=smtp.work.com"
				return c
			}()}, mode: ModePlan, calls: 1, want: ReasonAwaitingIssuedCertificate, severity: SeverityWarning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newRequestRun(t, tt.pending...)
			if tt.file != "" {
				_ = os.MkdirAll(filepath.Dir(q.file), 0o755)
				if err := os.WriteFile(q.file, []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			r := q.run(t, tt.mode, requestSite)
			e := q.entry(t, r)
			if len(e.Calls) != tt.calls {
				t.Errorf("%s: calls %v", tt.reason, e.Calls)
			}
			n, ok := noteOf(e, tt.want)
			if !ok || n.Severity != tt.severity {
				t.Errorf("%s: notes %+v, want %s %s", tt.reason, e.Notes, tt.severity, tt.want)
			}
			if r.Failed() != (tt.severity == SeverityError) {
				t.Errorf("%s: failed %v", tt.reason, r.Failed())
			}
			data, err := os.ReadFile(q.file)
			switch {
			case tt.wantFile == "" && err == nil:
				t.Errorf("%s: wrote %q", tt.reason, data)
			case tt.wantFile != "" && err != nil:
				t.Errorf("%s: %v", tt.reason, err)
			case tt.wantFile != "":
				a, _ := parseRequestText(string(data))
				b, _ := parseRequestText(tt.wantFile)
				if string(data) != tt.wantFile && (a == nil || b == nil || !samePublicKey(a.PublicKey, b.PublicKey)) {
					t.Errorf("%s: file %q, want %q", tt.reason, data, tt.wantFile)
				}
			}
		})
	}
}

// A certFile whose key no pending request holds imports without a key and
// enables nothing; a request whose declared thumbprint is on the server is
// done; a declared thumbprint that is not the certFile's stops the run.
func TestRequestCompletion(t *testing.T) {
	key, other := newPendingKey(t), newPendingKey(t)
	issued := key.issue(t)
	withCert := strings.Replace(requestSite, "  request:\n", "  source: {certFile: issued.cer}\n  request:\n", 1)
	write := func(t *testing.T, q *requestRun) {
		if err := os.WriteFile(filepath.Join(q.dir, "issued.cer"), issued.Raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("OtherKeyPending", func(t *testing.T) {
		q := newRequestRun(t, other.observed(pendingThumb))
		write(t, q)
		e := q.entry(t, q.run(t, ModePlan, withCert))
		if _, ok := noteOf(e, ReasonPrivateKeyMissing); !ok || len(e.Calls) != 1 {
			t.Errorf("a pending request with another key does not complete the import: %v %+v", e.Calls, e.Notes)
		}
	})
	t.Run("Imported", func(t *testing.T) {
		q := newRequestRun(t)
		obs := certObj(thumbOf(issued))
		obs.Subject = "CN=mail.work.com, O=Work"
		q.f.servers["WIN20081"].certs = []exchange.ObservedCertificate{obs}
		declared := strings.Replace(requestSite, "  servers: [WIN20081]\n", "  servers: [WIN20081]\n  thumbprint: "+thumbOf(issued)+"\n", 1)
		r := q.run(t, ModeApply, declared)
		e := q.entry(t, r)
		if _, waiting := noteOf(e, ReasonAwaitingIssuedCertificate); e.Action != ActionUnchanged || r.Failed() || waiting {
			t.Errorf("the issued certificate is there, the request is done: %s %v %+v", e.Action, e.Calls, e.Notes)
		}
		if _, err := os.Stat(q.file); err == nil {
			t.Error("no request file is written once the certificate is there")
		}
	})
	t.Run("ThumbprintMismatch", func(t *testing.T) {
		q := newRequestRun(t, key.observed(pendingThumb))
		write(t, q)
		declared := strings.Replace(withCert, "  servers: [WIN20081]\n", "  servers: [WIN20081]\n  thumbprint: "+strings.Repeat("AB", 20)+"\n", 1)
		site := loadSiteIn(t, q.dir, declared)
		_, err := Run(context.Background(), site, Options{Mode: ModeApply, Connect: q.f.connect})
		if err == nil || !strings.Contains(err.Error(), "not the declared "+strings.Repeat("AB", 20)) {
			t.Fatalf("error %v", err)
		}
		if q.f.servers["WIN20081"].Commands() != 0 {
			t.Error("nothing is contacted")
		}
	})
}

func TestWriteRequestFileNeverReplaces(t *testing.T) {
	key := newPendingKey(t)
	path := filepath.Join(t.TempDir(), "sub", "req.csr")
	if err := writeRequestFile(path, key.csr); err != nil {
		t.Fatal(err)
	}
	if err := writeRequestFile(path, key.csr); err == nil || !strings.Contains(err.Error(), "not replaced") {
		t.Errorf("second write: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if err := writeRequestFile(filepath.Join(t.TempDir(), "x.csr"), "garbage"); err == nil {
		t.Error("an unreadable request is not written")
	}
}

func TestSameDNForRequests(t *testing.T) {
	if !sameDN("CN=mail.work.com, O=Work, S=ON, C=CA", "C=CA,S=ON,O=Work,CN=mail.work.com") ||
		!sameDN("CN=mail.work.com, O=Work, S=ON, C=CA", "c=ca, st=ON, o=work, cn=MAIL.work.com") ||
		sameDN("CN=mail.work.com, O=Work", "CN=mail.work.com") {
		t.Error("subjects compare as sets of attributes, as Exchange prints them reversed")
	}
}

// A requestFile that cannot be written fails the run, reported once: as the
// entry's note when the pending request was there before apply, as a run
// error when apply has just made it.
func TestRequestFileUnwritable(t *testing.T) {
	key := newPendingKey(t)
	for _, tt := range []struct {
		name      string
		pending   bool
		runErrors int
	}{{"PendingBefore", true, 0}, {"MadeByApply", false, 1}} {
		t.Run(tt.name, func(t *testing.T) {
			var q *requestRun
			if tt.pending {
				q = newRequestRun(t, key.observed(pendingThumb))
			} else {
				q = newRequestRun(t)
				q.f.servers["WIN20081"].onApply = func(s *fakeServer, calls []exchange.Call) {
					s.certs = append(s.certs, key.observed(pendingThumb))
				}
			}
			// requests is a file, so requests/one-mail.csr cannot be made.
			if err := os.WriteFile(filepath.Join(q.dir, "requests"), []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			r := q.run(t, ModeApply, requestSite)
			if !r.Failed() {
				t.Error("an unwritten request fails the run")
			}
			n := 0
			for _, e := range r.ChangeSet.Errors {
				if strings.Contains(e.Error(), "cannot write the request pending on WIN20081") {
					n++
				}
			}
			if n != tt.runErrors {
				t.Errorf("run errors %v, want %d about the file", errorTexts(r.ChangeSet), tt.runErrors)
			}
			if _, ok := noteOf(q.entry(t, r), ReasonRequestFileConflict); ok != tt.pending {
				t.Errorf("notes %+v", q.entry(t, r).Notes)
			}
		})
	}
}
