package verify

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net"
	"net/netip"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// fakeServer is a scripted SMTP server on loopback with the behaviours the
// checks tell apart; it is not exsim (verify must not depend on it).
type fakeServer struct {
	cert        *tls.Certificate // nil: no STARTTLS
	maxVersion  uint16
	requireTLS  bool
	loginBefore bool // offers and accepts AUTH LOGIN before TLS
	login       bool // offers AUTH LOGIN after TLS
}

func (f fakeServer) start(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return ln.Addr().String()
}

func (f fakeServer) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	w := func(l ...string) { _, _ = conn.Write([]byte(strings.Join(l, "\r\n") + "\r\n")) }
	r := textproto.NewReader(bufio.NewReader(conn))
	secure := false
	w("220 mail.work.com Microsoft ESMTP MAIL Service ready at Wed, 2 Dec 2026 07:00:00 +0000")
	for {
		line, err := r.ReadLine()
		if err != nil {
			return
		}
		switch verb, _, _ := strings.Cut(strings.ToUpper(line), " "); verb {
		case "EHLO":
			out := []string{"250-mail.work.com Hello [127.0.0.1]", "250-PIPELINING"}
			if f.cert != nil && !secure {
				out = append(out, "250-STARTTLS")
			}
			if (secure && f.login) || (!secure && f.loginBefore) {
				out = append(out, "250-AUTH NTLM LOGIN")
			} else {
				out = append(out, "250-AUTH NTLM")
			}
			w(append(out, "250 XRDST")...)
		case "STARTTLS":
			w("220 2.0.0 SMTP server ready")
			tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{*f.cert}, MinVersion: tls.VersionTLS10, MaxVersion: f.maxVersion})
			if tc.Handshake() != nil {
				return
			}
			conn, secure = tc, true
			r = textproto.NewReader(bufio.NewReader(tc))
		case "MAIL":
			if f.requireTLS && !secure {
				w("530 5.7.0 Must issue a STARTTLS command first")
			} else {
				w("250 2.1.0 Sender OK")
			}
		case "AUTH":
			if f.loginBefore && !secure {
				w("334 VXNlcm5hbWU6")
			} else {
				w("504 5.7.4 Unrecognized authentication type")
			}
		case "*":
			w("501 5.7.0 Authentication aborted")
		case "RSET":
			w("250 2.0.0 Resetting")
		case "QUIT":
			w("221 2.0.0 Service closing transmission channel")
			return
		default:
			w("500 5.3.3 Unrecognized command")
		}
	}
}

func newCert(t *testing.T, cn string, names []string, notBefore, notAfter time.Time) *tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn, Organization: []string{"Work"}},
		DNSNames: names, NotBefore: notBefore, NotAfter: notAfter, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

func probeFor(addr string, f func(*Probe)) (Probe, []ConnectTo) {
	host, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	p := Probe{Server: "WIN20081", Connector: "From-canoe.com", ServerFQDN: "win20081.work.com", FQDN: "mail.work.com",
		Bindings: []value.IPBinding{{IP: netip.MustParseAddr("191.121.0.200"), Port: 26}}, AuthMechanism: value.AuthTls}
	if f != nil {
		f(&p)
	}
	return p, []ConnectTo{{FromHost: "191.121.0.200", FromPort: 26, ToHost: host, ToPort: uint16(n)}}
}

func TestChecks(t *testing.T) {
	now := time.Now()
	good := newCert(t, "mail.work.com", []string{"mail.work.com"}, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	other := newCert(t, "other.work.com", []string{"other.work.com"}, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	expired := newCert(t, "mail.work.com", []string{"mail.work.com"}, now.Add(-48*time.Hour), now.Add(-time.Hour))
	strict := func(p *Probe) {
		p.RequireTLS = true
		p.AuthMechanism = value.AuthTls | value.AuthBasicAuth | value.AuthBasicAuthRequireTLS
		p.Expected = &ExpectedCertificate{Thumbprint: thumbprint(good.Certificate[0]), Source: "test"}
	}
	cases := map[string]struct {
		reason string
		server fakeServer
		probe  func(*Probe)
		status Status
		want   map[string]CheckResult
		proof  string // a line the failing check's evidence must hold
	}{
		"all pass": {
			reason: "a connector configured and served as declared",
			server: fakeServer{cert: good, requireTLS: true, login: true}, probe: strict, status: StatusPassed,
			want: map[string]CheckResult{CheckStartTLSOffered: CheckPassed, CheckTLSVersion: CheckPassed, CheckCertificateSelected: CheckPassed,
				CheckCertificateCoversFQDN: CheckPassed, CheckCertificateValid: CheckPassed, CheckRequireTLSEnforced: CheckPassed, CheckAuthOnlyAfterTLS: CheckPassed},
		},
		"no STARTTLS": {
			reason: "event 12014: the certificate was removed, STARTTLS disappears from EHLO",
			server: fakeServer{}, status: StatusFailed,
			want: map[string]CheckResult{CheckStartTLSOffered: CheckFailed, CheckTLSVersion: CheckSkipped, CheckCertificateSelected: CheckSkipped,
				CheckCertificateCoversFQDN: CheckSkipped, CheckCertificateValid: CheckSkipped},
			proof: "S: 250 XRDST",
		},
		"TLS 1.1": {
			reason: "an old protocol version is negotiated", server: fakeServer{cert: good, maxVersion: tls.VersionTLS11}, status: StatusFailed,
			want: map[string]CheckResult{CheckStartTLSOffered: CheckPassed, CheckTLSVersion: CheckFailed, CheckCertificateSelected: CheckSkipped,
				CheckCertificateCoversFQDN: CheckPassed, CheckCertificateValid: CheckPassed},
			proof: "TLS: TLS 1.1",
		},
		"wrong certificate": {
			reason: "another certificate than the declared one is presented, and it does not cover the FQDN",
			server: fakeServer{cert: other}, status: StatusFailed,
			probe: func(p *Probe) {
				p.Expected = &ExpectedCertificate{Thumbprint: thumbprint(good.Certificate[0]), Source: "test"}
			},
			want: map[string]CheckResult{CheckStartTLSOffered: CheckPassed, CheckTLSVersion: CheckPassed, CheckCertificateSelected: CheckFailed,
				CheckCertificateCoversFQDN: CheckFailed, CheckCertificateValid: CheckPassed},
			proof: "thumbprint",
		},
		"pinned by name": {
			reason: "TlsCertificateName names issuer and subject in Windows' form",
			server: fakeServer{cert: good}, status: StatusPassed,
			probe: func(p *Probe) {
				p.Expected = &ExpectedCertificate{Issuer: "CN=mail.work.com, O=Work", Subject: "cn=mail.work.com,o=Work", Source: "tlsCertificateName"}
			},
			want: map[string]CheckResult{CheckStartTLSOffered: CheckPassed, CheckTLSVersion: CheckPassed, CheckCertificateSelected: CheckPassed,
				CheckCertificateCoversFQDN: CheckPassed, CheckCertificateValid: CheckPassed},
		},
		"expired": {
			reason: "dates are checked", server: fakeServer{cert: expired}, status: StatusFailed,
			want: map[string]CheckResult{CheckStartTLSOffered: CheckPassed, CheckTLSVersion: CheckPassed, CheckCertificateSelected: CheckSkipped,
				CheckCertificateCoversFQDN: CheckPassed, CheckCertificateValid: CheckFailed},
		},
		"RequireTLS off": {
			reason: "requireTLS was turned off out of band: MAIL FROM in clear is accepted",
			server: fakeServer{cert: good, login: true}, probe: strict, status: StatusFailed,
			want: map[string]CheckResult{CheckStartTLSOffered: CheckPassed, CheckTLSVersion: CheckPassed, CheckCertificateSelected: CheckPassed,
				CheckCertificateCoversFQDN: CheckPassed, CheckCertificateValid: CheckPassed, CheckRequireTLSEnforced: CheckFailed, CheckAuthOnlyAfterTLS: CheckPassed},
			proof: "S: 250 2.1.0 Sender OK",
		},
		"LOGIN in clear": {
			reason: "BasicAuthRequireTLS lost: LOGIN offered and accepted before TLS",
			server: fakeServer{cert: good, requireTLS: true, loginBefore: true, login: true}, probe: strict, status: StatusFailed,
			want: map[string]CheckResult{CheckStartTLSOffered: CheckPassed, CheckTLSVersion: CheckPassed, CheckCertificateSelected: CheckPassed,
				CheckCertificateCoversFQDN: CheckPassed, CheckCertificateValid: CheckPassed, CheckRequireTLSEnforced: CheckPassed, CheckAuthOnlyAfterTLS: CheckFailed},
			proof: "S: 250-AUTH NTLM LOGIN",
		},
		"not probeable": {
			reason: "the connector's ranges exclude this host: reported, not failed",
			server: fakeServer{cert: good}, status: StatusNotProbeableFromHere,
			probe: func(p *Probe) { p.RemoteIPRanges = []value.IPRange{mustRange(t, "191.121.111.200")} },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			addr := tc.server.start(t)
			p, ct := probeFor(addr, tc.probe)
			rep := Run(context.Background(), []Probe{p}, Options{EHLO: "probe.example", ConnectTo: ct, Timeout: 10 * time.Second})
			if len(rep.Results) != 1 {
				t.Fatalf("%d results", len(rep.Results))
			}
			res := rep.Results[0]
			if res.Status != tc.status {
				t.Errorf("%s: status %s, want %s (%s)\n%s", tc.reason, res.Status, tc.status, res.Message, strings.Join(res.Transcript, "\n"))
			}
			got := map[string]CheckResult{}
			for _, c := range res.Checks {
				got[c.Name] = c.Result
				if c.Result == CheckFailed && tc.proof != "" && !strings.Contains(strings.Join(c.Evidence, "\n"), tc.proof) && c.Name != CheckCertificateCoversFQDN {
					t.Errorf("%s: %s evidence %q lacks %q", tc.reason, c.Name, c.Evidence, tc.proof)
				}
			}
			if len(got) == 0 {
				got = nil
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s: checks -want +got:\n%s", tc.reason, diff)
			}
			for _, l := range res.Transcript {
				if strings.HasPrefix(l, "C: DATA") || strings.HasPrefix(l, "C: RCPT") {
					t.Errorf("sent past MAIL FROM: %q", l)
				}
			}
		})
	}
}

func mustRange(t *testing.T, s string) value.IPRange {
	t.Helper()
	r, err := value.ParseIPRange(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestExitCodes(t *testing.T) {
	cases := map[string]struct {
		r    Report
		want int
	}{
		"all passed":            {Report{Passed: 2, NotProbeable: 1}, ExitOK},
		"a check failed":        {Report{Passed: 1, Failed: 1}, ExitFailed},
		"an error beats a fail": {Report{Failed: 1, Errors: 1}, ExitError},
	}
	for name, tc := range cases {
		if got := tc.r.ExitCode(); got != tc.want {
			t.Errorf("%s: %d, want %d", name, got, tc.want)
		}
	}
}

func TestConnectionRefusedIsAnError(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	p, ct := probeFor(addr, nil)
	rep := Run(context.Background(), []Probe{p}, Options{ConnectTo: ct, Timeout: 5 * time.Second})
	if rep.ExitCode() != ExitError || rep.Results[0].Status != StatusError {
		t.Errorf("exit %d, %+v", rep.ExitCode(), rep.Results[0])
	}
}

func TestParseConnectTo(t *testing.T) {
	cases := map[string]struct {
		in      string
		want    ConnectTo
		wantErr bool
	}{
		"full":         {in: "191.121.0.200:26:127.0.0.1:4025", want: ConnectTo{"191.121.0.200", 26, "127.0.0.1", 4025}},
		"any source":   {in: "::127.0.0.1:", want: ConnectTo{ToHost: "127.0.0.1"}},
		"ipv6":         {in: "[::1]:25:[fe80::1]:2525", want: ConnectTo{"::1", 25, "fe80::1", 2525}},
		"name":         {in: "win20081.work.com:25:localhost:2525", want: ConnectTo{"win20081.work.com", 25, "localhost", 2525}},
		"three parts":  {in: "a:1:b", wantErr: true},
		"bad port":     {in: "a:x:b:2", wantErr: true},
		"open bracket": {in: "[::1:25:b:2", wantErr: true},
	}
	for name, tc := range cases {
		got, err := ParseConnectTo(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err %v", name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", name, got, tc.want)
		}
	}
	o := Options{ConnectTo: []ConnectTo{{FromHost: "win20081.work.com", FromPort: 25, ToHost: "127.0.0.1", ToPort: 4025}, {ToHost: "10.0.0.9"}}}
	if got := o.redirect("WIN20081.work.com", 25); got != "127.0.0.1:4025" {
		t.Errorf("redirect: %s", got)
	}
	if got := o.redirect("fe80::1", 587); got != "10.0.0.9:587" {
		t.Errorf("catch-all redirect keeps the port: %s", got)
	}
}

func TestWindowsDN(t *testing.T) {
	c := newCert(t, "win20081.work.com", nil, time.Now(), time.Now().Add(time.Hour))
	if got, want := windowsDN(c.Leaf.RawSubject), "CN=win20081.work.com, O=Work"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !sameDN("CN=a, DC=work,DC=com", "cn=A,dc=Work, dc=com") || sameDN("CN=a, DC=work", "CN=a, DC=com") {
		t.Error("sameDN")
	}
}

func TestProbesFromSite(t *testing.T) {
	site, ds := v1alpha1.Parse("site.yaml", []byte(`apiVersion: exreconcile.io/v1alpha1
kind: ExchangeOrganization
metadata: {name: work-com}
spec:
  servers: [{name: WIN20081, endpoint: "https://win20081.work.com:5986/wsman"}]
  auth: {username: 'WORK\svc', passwordFrom: {env: P}}
---
apiVersion: exreconcile.io/v1alpha1
kind: ExchangeCertificate
metadata: {name: smtp}
spec: {thumbprint: 76c00f8edd81f1310bc00d511b66e4a3d349f541, services: [SMTP]}
---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: From-canoe.com}
spec: {server: WIN20081, usage: Internet, bindings: ["191.121.0.200:26"], fqdn: win20081.work.com}
---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: Client}
spec: {server: WIN20081, usage: Client, remoteIPRanges: [10.0.0.0/8], tlsCertificateName: "<I>CN=Work CA<S>CN=mail.work.com"}
`))
	if ds.Count(v1alpha1.SeverityError) > 0 {
		t.Fatal(ds)
	}
	got := ProbesFromSite(site)
	want := []Probe{
		{Organization: "work-com", Server: "WIN20081", Connector: "From-canoe.com", ServerFQDN: "win20081.work.com",
			Bindings: []value.IPBinding{mustBinding("191.121.0.200:26")}, FQDN: "win20081.work.com", AuthMechanism: value.AuthTls,
			Expected: &ExpectedCertificate{Thumbprint: "76C00F8EDD81F1310BC00D511B66E4A3D349F541", Source: `ExchangeCertificate "smtp", the only one declared for SMTP on WIN20081`}},
		{Organization: "work-com", Server: "WIN20081", Connector: "Client", ServerFQDN: "win20081.work.com",
			Bindings: []value.IPBinding{mustBinding("0.0.0.0:587")}, RemoteIPRanges: []value.IPRange{mustRange(t, "10.0.0.0/8")},
			FQDN: "win20081.work.com", AuthMechanism: value.AuthTls | value.AuthBasicAuth | value.AuthBasicAuthRequireTLS | value.AuthIntegrated,
			Expected: &ExpectedCertificate{Issuer: "CN=Work CA", Subject: "CN=mail.work.com", Source: "named by tlsCertificateName"}},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
}

// A certificate whose thumbprint is left out is expected by the thumbprint
// of its certFile; one only requested is not expected at all.
func TestProbesFromSiteWithoutThumbprint(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(5), Subject: pkix.Name{CommonName: "win20081.work.com"}, DNSNames: []string{"win20081.work.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "issued.cer"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(der)
	for _, tt := range []struct {
		name, spec, thumb, unknown string
	}{
		{"certFile", "source: {certFile: issued.cer}", strings.ToUpper(hex.EncodeToString(sum[:])), ""},
		{"request", "request: {subjectName: CN=win20081.work.com, requestFile: r.csr}", "", `ExchangeCertificate "smtp" declares no thumbprint and its certificate file cannot be read (a request not issued yet?)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			manifest := "apiVersion: exreconcile.io/v1alpha1\nkind: ExchangeOrganization\nmetadata: {name: work-com}\nspec:\n" +
				"  servers: [{name: WIN20081, endpoint: \"https://win20081.work.com:5986/wsman\"}]\n  auth: {username: 'WORK\\svc', passwordFrom: {env: P}}\n---\n" +
				"apiVersion: exreconcile.io/v1alpha1\nkind: ExchangeCertificate\nmetadata: {name: smtp}\nspec: {servers: [WIN20081], services: [SMTP], " + tt.spec + "}\n---\n" +
				"apiVersion: exreconcile.io/v1alpha1\nkind: ReceiveConnector\nmetadata: {name: In}\nspec: {server: WIN20081, bindings: [\"0.0.0.0:25\"], fqdn: win20081.work.com}\n"
			path := filepath.Join(dir, tt.name+".yaml")
			if err := os.WriteFile(path, []byte(manifest), 0o600); err != nil {
				t.Fatal(err)
			}
			site, ds := v1alpha1.Load(path)
			if ds.Count(v1alpha1.SeverityError) > 0 {
				t.Fatal(ds)
			}
			p := ProbesFromSite(site)[0]
			got := ""
			if p.Expected != nil {
				got = p.Expected.Thumbprint
			}
			if got != tt.thumb || p.ExpectedUnknown != tt.unknown {
				t.Errorf("expected %q / %q, want %q / %q", got, p.ExpectedUnknown, tt.thumb, tt.unknown)
			}
		})
	}
}
