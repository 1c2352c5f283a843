package smtp

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/netip"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/test/exsim/exchange"
)

func rng(lo, hi string) exchange.IPRange {
	return exchange.IPRange{Lo: netip.MustParseAddr(lo), Hi: netip.MustParseAddr(hi)}
}

var allV4 = rng("0.0.0.0", "255.255.255.255")

// frontend is a 2019 Default Frontend connector as setup creates it.
func frontend() exchange.SMTPConnector {
	return exchange.SMTPConnector{
		Server: "WIN20081", ServerFQDN: "win20081.work.com", Name: "Default Frontend WIN20081",
		Version: exchange.V2019, Enabled: true, Fqdn: "win20081.work.com",
		Bindings:         []netip.AddrPort{netip.MustParseAddrPort("0.0.0.0:25")},
		RemoteIPRanges:   []exchange.IPRange{allV4},
		AuthMechanism:    []string{"Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS", "ExchangeServer"},
		PermissionGroups: []string{"AnonymousUsers", "ExchangeServers", "ExchangeLegacyServers"},
		TransportRole:    "FrontendTransport", SizeEnabled: "Enabled", MaxMessageSize: 37748736,
		Pipelining: true, DSN: true, EnhancedStatusCodes: true, EightBitMime: true, BinaryMime: true,
		Chunking: true, SMTPUTF8: true,
	}
}

func with(c exchange.SMTPConnector, f func(*exchange.SMTPConnector)) exchange.SMTPConnector {
	f(&c)
	return c
}

func TestChoose(t *testing.T) {
	partner := with(frontend(), func(c *exchange.SMTPConnector) {
		c.Name, c.RemoteIPRanges = "Partner", []exchange.IPRange{rng("192.168.1.0", "192.168.1.255")}
	})
	single := with(frontend(), func(c *exchange.SMTPConnector) {
		c.Name, c.RemoteIPRanges = "Single", []exchange.IPRange{rng("192.168.1.75", "192.168.1.75")}
	})
	specific := with(frontend(), func(c *exchange.SMTPConnector) {
		c.Name, c.Bindings = "Specific", []netip.AddrPort{netip.MustParseAddrPort("10.0.0.5:25")}
	})
	disabled := with(single, func(c *exchange.SMTPConnector) { c.Name, c.Enabled = "Disabled", false })
	all := []exchange.SMTPConnector{frontend(), partner, single, specific, disabled}
	cases := map[string]struct {
		reason string
		local  string
		client string
		want   string // "" = none
	}{
		"page example: single address wins": {"the Receive connectors page: 192.168.1.75 goes to Custom Connector B", "0.0.0.0:25", "192.168.1.75", "Single"},
		"page example: range wins":          {"192.168.1.100 goes to Custom Connector A", "0.0.0.0:25", "192.168.1.100", "Partner"},
		"everyone else":                     {"the full range catches the rest", "0.0.0.0:25", "127.0.0.1", "Default Frontend WIN20081"},
		"specific binding on equal ranges":  {"a listener for 10.0.0.5:25 prefers the connector bound to it", "10.0.0.5:25", "127.0.0.1", "Specific"},
		"specific listener, narrower range": {"the narrower wildcard connector still wins by range", "10.0.0.5:25", "192.168.1.75", "Single"},
		"other port":                        {"nothing listens on 26", "0.0.0.0:26", "127.0.0.1", ""},
		"other server":                      {"connectors of another server do not answer", "0.0.0.0:25", "127.0.0.1", ""},
		"no range holds the client":         {"a partner-only binding refuses others", "10.9.9.9:26", "127.0.0.1", ""},
	}
	onlyPartner := with(partner, func(c *exchange.SMTPConnector) { c.Bindings = []netip.AddrPort{netip.MustParseAddrPort("10.9.9.9:26")} })
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			server := "win20081"
			if name == "other server" {
				server = "WIN20082"
			}
			got, ok := choose(append(all, onlyPartner), server, netip.MustParseAddrPort(tc.local), netip.MustParseAddr(tc.client))
			name := ""
			if ok {
				name = got.Name
			}
			if name != tc.want {
				t.Errorf("%s: got %q, want %q", tc.reason, name, tc.want)
			}
		})
	}
}

func TestEHLOLines(t *testing.T) {
	cases := map[string]struct {
		reason        string
		c             exchange.SMTPConnector
		startTLS, tls bool
		want          []string
	}{
		"2019 Default Frontend before TLS": {
			reason: "the published 2019 transcript line for line", c: frontend(), startTLS: true,
			want: []string{"win20081.work.com Hello [127.0.0.1]", "SIZE 37748736", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES",
				"STARTTLS", "X-ANONYMOUSTLS", "AUTH NTLM", "X-EXPS GSSAPI NTLM", "8BITMIME", "BINARYMIME", "CHUNKING", "SMTPUTF8", "XRDST"},
		},
		"after TLS LOGIN appears": {
			reason: "BasicAuthRequireTLS offers LOGIN only after STARTTLS; STARTTLS itself is gone", c: frontend(), startTLS: true, tls: true,
			want: []string{"win20081.work.com Hello [127.0.0.1]", "SIZE 37748736", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES",
				"AUTH NTLM LOGIN", "X-EXPS GSSAPI NTLM", "8BITMIME", "BINARYMIME", "CHUNKING", "SMTPUTF8", "XRDST"},
		},
		"no certificate": {
			reason: "event 12014: Tls without a certificate offers no STARTTLS",
			c: with(frontend(), func(c *exchange.SMTPConnector) {
				c.AuthMechanism, c.Version = []string{"Tls"}, exchange.V2016
			}),
			want: []string{"win20081.work.com Hello [127.0.0.1]", "SIZE 37748736", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES",
				"8BITMIME", "BINARYMIME", "CHUNKING", "XRDST"},
		},
		"hub 2013 without value": {
			reason: "a 2013 Hub connector: bare SIZE, XEXCH50 and XSHADOWREQUEST, GSSAPI when enabled, basic auth in clear",
			c: with(frontend(), func(c *exchange.SMTPConnector) {
				c.Version, c.TransportRole, c.SizeEnabled, c.EnableAuthGSSAPI = exchange.V2013, "HubTransport", "EnabledWithoutValue", true
				c.AuthMechanism = []string{"Tls", "Integrated", "BasicAuth"}
			}),
			startTLS: true,
			want: []string{"win20081.work.com Hello [127.0.0.1]", "SIZE", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "STARTTLS",
				"AUTH GSSAPI NTLM LOGIN", "8BITMIME", "BINARYMIME", "CHUNKING", "XEXCH50", "XRDST", "XSHADOWREQUEST"},
		},
		"2010 edge, everything off": {
			reason: "disabled extensions disappear; Edge has no Kerberos",
			c: exchange.SMTPConnector{Fqdn: "edge.work.com", Version: exchange.V2010, Role: exchange.Edge, SizeEnabled: "Disabled",
				AuthMechanism: []string{"Tls", "ExchangeServer"}, SuppressXAnonTLS: true},
			startTLS: true,
			want:     []string{"edge.work.com Hello [127.0.0.1]", "STARTTLS", "X-EXPS NTLM", "XEXCH50", "XSHADOW"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := ehloLines(tc.c, "127.0.0.1", tc.startTLS, tc.tls)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestGreeting(t *testing.T) {
	now := time.Date(2016, 8, 5, 16, 24, 41, 0, time.FixedZone("", -7*3600))
	cases := map[string]struct{ banner, want string }{
		"default":       {"", "220 mail1.fabrikam.com Microsoft ESMTP MAIL Service ready at Fri, 5 Aug 2016 16:24:41 -0700"},
		"banner":        {"220 mail.work.com", "220 mail.work.com"},
		"banner no 220": {"mail.work.com ready", "220 mail.work.com ready"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := exchange.SMTPConnector{Fqdn: "mail1.fabrikam.com", Banner: tc.banner}
			if got := greeting(c, now); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// fakeModel serves fixed connectors and one certificate.
type fakeModel struct {
	mu    sync.Mutex
	conns []exchange.SMTPConnector
	cert  *tls.Certificate
}

func (m *fakeModel) SMTPConnectors() []exchange.SMTPConnector {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]exchange.SMTPConnector(nil), m.conns...)
}

func (m *fakeModel) SMTPCertificate(string, string) *tls.Certificate {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cert
}

func selfSigned(t *testing.T, name string) *tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// dialog sends lines and returns every reply line the server wrote.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *textproto.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{t: t, conn: c, r: textproto.NewReader(bufio.NewReader(c))}
}

func (c *client) read() []string {
	c.t.Helper()
	var out []string
	for {
		l, err := c.r.ReadLine()
		if err != nil {
			c.t.Fatalf("read: %v (so far %q)", err, out)
		}
		out = append(out, l)
		if len(l) < 4 || l[3] != '-' {
			return out
		}
	}
}

func (c *client) send(line string) []string {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		c.t.Fatal(err)
	}
	return c.read()
}

func (c *client) startTLS(name string) {
	c.t.Helper()
	if got := c.send("STARTTLS"); got[0] != replyTLSReady {
		c.t.Fatalf("STARTTLS: %q", got)
	}
	tc := tls.Client(c.conn, &tls.Config{InsecureSkipVerify: true, ServerName: name}) //nolint:gosec // the test reads what the server presents
	if err := tc.Handshake(); err != nil {
		c.t.Fatal(err)
	}
	if v := tc.ConnectionState().Version; v != tls.VersionTLS12 {
		c.t.Errorf("TLS version %x, want 1.2", v)
	}
	c.conn, c.r = tc, textproto.NewReader(bufio.NewReader(tc))
}

func startServer(t *testing.T, m Model) (*Server, map[string]string) {
	t.Helper()
	var mu sync.Mutex
	addrs := map[string]string{}
	s := New(Options{Model: m, Poll: 20 * time.Millisecond, Announce: func(server, binding, addr string) {
		mu.Lock()
		defer mu.Unlock()
		addrs[server+" "+binding] = addr
	}})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s, addrs
}

func TestSessionRequireTLSAndAuth(t *testing.T) {
	c := with(frontend(), func(c *exchange.SMTPConnector) { c.RequireTLS = true })
	m := &fakeModel{conns: []exchange.SMTPConnector{c}, cert: selfSigned(t, "win20081.work.com")}
	s, _ := startServer(t, m)
	addr, ok := s.Addr("WIN20081", "0.0.0.0:25")
	if !ok {
		t.Fatal("no listener for 0.0.0.0:25")
	}
	cl := dial(t, addr)
	if g := cl.read(); !strings.HasPrefix(g[0], "220 win20081.work.com Microsoft ESMTP MAIL Service ready at ") {
		t.Fatalf("greeting %q", g)
	}
	steps := []struct{ send, want string }{
		{"MAIL FROM:<>", replyHelloFirst},
		{"EHLO probe.example", "250 XRDST"},
		{"MAIL FROM:<>", replyMustStartTLS},
		{"AUTH LOGIN", replyMustStartTLS},
		{"DATA", replyNeedRcpt},
	}
	for _, st := range steps {
		got := cl.send(st.send)
		if last := got[len(got)-1]; last != st.want {
			t.Errorf("%s: got %q, want %q", st.send, got, st.want)
		}
	}
	cl.startTLS("win20081.work.com")
	after := []struct{ send, want string }{
		{"MAIL FROM:<>", replyHelloFirst},
		{"EHLO probe.example", "250 XRDST"},
		{"AUTH PLAIN", replyUnknownAuth},
		{"MAIL FROM:<> SIZE=99999999", replyTooBig},
		{"MAIL FROM:<>", replySenderOK},
		{"RCPT TO:<a@work.com>", replyRecipientOK},
		{"DATA", replyNoContent},
		{"QUIT", replyQuit},
	}
	for _, st := range after {
		got := cl.send(st.send)
		if last := got[len(got)-1]; last != st.want {
			t.Errorf("after TLS %s: got %q, want %q", st.send, got, st.want)
		}
	}
}

func TestSessionNoCertificateNoStartTLS(t *testing.T) {
	m := &fakeModel{conns: []exchange.SMTPConnector{frontend()}}
	s, _ := startServer(t, m)
	addr, _ := s.Addr("WIN20081", "0.0.0.0:25")
	cl := dial(t, addr)
	cl.read()
	ehlo := cl.send("EHLO probe")
	for _, l := range ehlo {
		if strings.Contains(l, "STARTTLS") {
			t.Errorf("STARTTLS offered without a certificate: %q", ehlo)
		}
	}
	if got := cl.send("STARTTLS"); got[0] != replyUnrecognized {
		t.Errorf("STARTTLS: %q", got)
	}
}

func TestListenersForLaterConnectors(t *testing.T) {
	m := &fakeModel{conns: []exchange.SMTPConnector{frontend()}}
	s, _ := startServer(t, m)
	m.mu.Lock()
	later := with(frontend(), func(c *exchange.SMTPConnector) {
		c.Name, c.Bindings = "From-canoe.com", []netip.AddrPort{netip.MustParseAddrPort("191.121.0.200:26")}
	})
	m.conns = append(m.conns, later)
	m.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := s.Addr("WIN20081", "191.121.0.200:26"); ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no listener for a connector added later")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNoConnectorRefuses(t *testing.T) {
	c := with(frontend(), func(c *exchange.SMTPConnector) { c.RemoteIPRanges = []exchange.IPRange{rng("10.0.0.1", "10.0.0.1")} })
	s, _ := startServer(t, &fakeModel{conns: []exchange.SMTPConnector{c}})
	addr, _ := s.Addr("WIN20081", "0.0.0.0:25")
	if got := dial(t, addr).read(); got[0] != replyNoConnector {
		t.Errorf("got %q", got)
	}
}
