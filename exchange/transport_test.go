package exchange

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/masterzen/winrm"
)

func echoHandler(script string) (string, string, int) {
	return "ran " + script[:min(len(script), 20)] + "\r\n", "", 0
}

func basicConfig(endpoint string) ConnectionConfig {
	return ConnectionConfig{Endpoint: endpoint, Auth: AuthBasic, Username: `WORK\svc`, Password: "right", AllowUnencrypted: true, AllowBasicOverHTTP: true}
}

func testScript(lines ...string) *Script {
	s := &Script{Name: "test"}
	for _, l := range lines {
		s.Line(code(l))
	}
	return s
}

// TestClientReusesOneShell runs two scripts: one shell, two commands, the
// fixed bootstrap on the command line and the script (secret included) only
// on stdin; Close deletes the shell.
func TestClientReusesOneShell(t *testing.T) {
	f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right", handler: echoHandler}
	_, ep := f.start(false)
	c, err := NewClient(basicConfig(ep))
	if err != nil {
		t.Fatal(err)
	}
	secret := Secret("hunter2'x")
	s := &Script{Name: "test"}
	s.Line(concat(raw("$p = "), secretLit(secret)))
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		res, err := c.Run(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(res.Stdout, "ran $p = ") || res.ExitCode != 0 {
			t.Errorf("run %d: stdout %q exit %d", i, res.Stdout, res.ExitCode)
		}
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Commands() != 2 || c.Shells() != 1 || f.shells != 1 || f.deleted != 1 {
		t.Errorf("commands %d shells %d (server: created %d deleted %d), want 2 commands in 1 shell, deleted once",
			c.Commands(), c.Shells(), f.shells, f.deleted)
	}
	for _, cmd := range f.commands {
		if cmd != CommandLine() {
			t.Errorf("command line %q, want the fixed bootstrap", cmd)
		}
		if strings.Contains(cmd, secret.Reveal()) {
			t.Error("the secret is on the command line")
		}
	}
	boot, err := DecodeCommand(strings.TrimPrefix(f.commands[0], powershellPrefix))
	if err != nil || boot != bootstrap {
		t.Errorf("decoded -EncodedCommand = %q, %v; want the bootstrap", boot, err)
	}
	if diff := cmp.Diff(s.Plaintext(), f.scripts[0]); diff != "" {
		t.Errorf("script on stdin (-want +got):\n%s", diff)
	}
}

// TestClientLargeScript sends a 200 KB script: the command line stays the
// same ~600 characters and stdin is split into envelopes under the limit.
func TestClientLargeScript(t *testing.T) {
	f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right", handler: func(s string) (string, string, int) {
		return "len " + string(rune('0'+len(s)%10)), "", 0
	}}
	_, ep := f.start(false)
	c, err := NewClient(basicConfig(ep))
	if err != nil {
		t.Fatal(err)
	}
	big := &Script{Name: "big"}
	big.Line(concat(raw("$x = "), lit(strings.Repeat("Zürich-ünïcode ", 200*1024/16))))
	if n := len(big.Plaintext()); n < 200*1024 {
		t.Fatalf("script is %d bytes, want ≥ 200 KB", n)
	}
	if _, err := c.Run(context.Background(), big); err != nil {
		t.Fatal(err)
	}
	if got := len(f.commands[0]); got > 1000 {
		t.Errorf("command line is %d characters; the bootstrap should keep it near 600 (cmd.exe limit 8191)", got)
	}
	if f.scripts[0] != big.Plaintext() {
		t.Error("the 200 KB script did not arrive intact")
	}
	if f.maxEnvelope > 153600 {
		t.Errorf("largest envelope %d bytes exceeds MaxEnvelopeSize 153600", f.maxEnvelope)
	}
}

func pemOf(srv *httptest.Server) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

// TestTransportErrors checks that every wire failure is worded for the
// person who must fix it, and sorted into retryable or not.
func TestTransportErrors(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(t *testing.T) (ConnectionConfig, time.Duration)
		wantKind  TransportKind
		wantMsg   string
		retryable bool
		reason    string
	}{
		{
			name: "wrong password basic", wantKind: TransportAuth, wantMsg: `authentication failed for WORK\svc at http://127.0.0.1:PORT/wsman (basic)`,
			setup: func(t *testing.T) (ConnectionConfig, time.Duration) {
				f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right"}
				_, ep := f.start(false)
				cfg := basicConfig(ep)
				cfg.Password = "wrong"
				return cfg, 5 * time.Second
			},
			reason: "401 from the server",
		},
		{
			name: "ntlm against a Basic-only server", wantKind: TransportAuth,
			wantMsg: `authentication failed for WORK\svc at http://127.0.0.1:PORT/wsman (ntlm): the server does not offer ntlm (it offers Basic); ` +
				"refusing to fall back to another scheme: enable ntlm on the WinRM service or change auth.method",
			setup: func(t *testing.T) (ConnectionConfig, time.Duration) {
				f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right"}
				_, ep := f.start(false)
				cfg := basicConfig(ep)
				cfg.Auth, cfg.Password = AuthNTLM, "wrong"
				return cfg, 5 * time.Second
			},
			reason: "the server's 401 offers only Basic: no Basic retry, a clear refusal",
		},
		{
			name: "untrusted CA", wantKind: TransportUntrusted,
			wantMsg: "https://127.0.0.1:PORT/wsman: certificate signed by unknown authority: set tls.caFile to the CA that issued it (or tls.insecureSkipVerify for a lab)",
			setup: func(t *testing.T) (ConnectionConfig, time.Duration) {
				f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right"}
				_, ep := f.start(true)
				return basicConfig(ep), 5 * time.Second
			},
			reason: "a self-signed server certificate without tls.caFile",
		},
		{
			name: "certificate for another name", wantKind: TransportHostname,
			setup: func(t *testing.T) (ConnectionConfig, time.Duration) {
				f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right"}
				srv, ep := f.start(true)
				cfg := basicConfig(strings.Replace(ep, "127.0.0.1", "localhost", 1))
				cfg.CAPEM = pemOf(srv)
				return cfg, 5 * time.Second
			},
			reason: "httptest's certificate names 127.0.0.1 and example.com, not localhost",
		},
		{
			name: "connection refused", wantKind: TransportRefused, retryable: true,
			wantMsg: "http://127.0.0.1:PORT/wsman: connection refused: is WinRM listening on port PORT?",
			setup: func(t *testing.T) (ConnectionConfig, time.Duration) {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				addr := l.Addr().String()
				l.Close()
				return basicConfig("http://" + addr + "/wsman"), 5 * time.Second
			},
			reason: "nothing listens on the port",
		},
		{
			name: "dropped connection", wantKind: TransportDropped, retryable: true,
			setup: func(t *testing.T) (ConnectionConfig, time.Duration) {
				f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right", dropReceive: true}
				_, ep := f.start(false)
				return basicConfig(ep), 5 * time.Second
			},
			reason: "the server closes the connection mid-command",
		},
		{
			name: "timeout", wantKind: TransportTimeout, retryable: true, wantMsg: "http://127.0.0.1:PORT/wsman: server deadline: timed out after 1s; the command in flight was abandoned",
			setup: func(t *testing.T) (ConnectionConfig, time.Duration) {
				f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right", hold: 1500 * time.Millisecond, handler: echoHandler}
				_, ep := f.start(false)
				return basicConfig(ep), time.Second
			},
			reason: "the context deadline ends the call although masterzen is still polling",
		},
		{
			name: "basic over plain http refused", wantKind: TransportConfig,
			setup: func(t *testing.T) (ConnectionConfig, time.Duration) {
				cfg := basicConfig("http://win20081.work.com:5985/wsman")
				cfg.AllowBasicOverHTTP = false
				return cfg, time.Second
			},
			reason: "Basic over http:// without allowBasicOverHTTP is refused before connecting, and says why",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, timeout := tt.setup(t)
			var err error
			c, err := NewClient(cfg)
			if err == nil {
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				defer cancel()
				_, err = c.Run(ctx, testScript("'x'"))
			}
			var te *TransportError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v (%T), want a *TransportError (%s)", err, err, tt.reason)
			}
			if te.Kind != tt.wantKind {
				t.Errorf("kind = %q, want %q; err: %v (%s)", te.Kind, tt.wantKind, err, tt.reason)
			}
			if tt.wantMsg != "" {
				got := err.Error()
				if u := cfg.Endpoint; strings.Contains(u, "127.0.0.1:") {
					port := u[strings.LastIndex(u, ":")+1 : strings.Index(u, "/wsman")]
					got = strings.ReplaceAll(got, port, "PORT")
				}
				if got != tt.wantMsg {
					t.Errorf("message:\n got %q\nwant %q", got, tt.wantMsg)
				}
			}
			if Retryable(err) != tt.retryable || !errors.Is(err, ErrTransport) {
				t.Errorf("Retryable = %v, want %v; Is(ErrTransport) = %v", Retryable(err), tt.retryable, errors.Is(err, ErrTransport))
			}
			if strings.Contains(err.Error(), "right") || strings.Contains(err.Error(), "wrong") {
				t.Errorf("the password leaks into the error: %v", err)
			}
		})
	}
}

// TestClientTrustsCA connects over HTTPS with the server's CA pinned.
func TestClientTrustsCA(t *testing.T) {
	f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right", handler: echoHandler}
	srv, ep := f.start(true)
	cfg := basicConfig(ep)
	cfg.AllowUnencrypted = false
	cfg.CAPEM = pemOf(srv)
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(context.Background(), testScript("'x'")); err != nil {
		t.Fatal(err)
	}
}

func TestConnectionConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		cfg    ConnectionConfig
		want   string
		reason string
	}{
		{name: "https default port", cfg: ConnectionConfig{Endpoint: "https://win20081.work.com/wsman", Auth: AuthNTLM, Username: "u"},
			want: "https://win20081.work.com:5986/wsman", reason: "5986 is the WinRM HTTPS port"},
		{name: "http allowed", cfg: ConnectionConfig{Endpoint: "http://127.0.0.1:15985/wsman", Auth: AuthBasic, Username: "u", AllowBasicOverHTTP: true},
			want: "http://127.0.0.1:15985/wsman", reason: "exsim's default"},
		{name: "kerberos needs krb5.conf", cfg: ConnectionConfig{Endpoint: "https://h/wsman", Auth: AuthKerberos, Username: "u", Kerberos: KerberosConfig{Realm: "WORK.COM"}},
			want: "error", reason: "ClientKerberos loads krb5.conf on every request"},
		{name: "ntlm over http seals", cfg: ConnectionConfig{Endpoint: "http://win20081.work.com/wsman", Auth: AuthNTLM, Username: "u"},
			want: "http://win20081.work.com:5985/wsman", reason: "encrypted HTTP is the default for NTLM"},
		{name: "kerberos over http refused", cfg: ConnectionConfig{Endpoint: "http://h/wsman", Auth: AuthKerberos, Username: "u",
			Kerberos: KerberosConfig{Realm: "WORK.COM", Krb5Conf: "/etc/krb5.conf"}}, want: "error", reason: "Kerberos messages cannot be sealed by this client"},
		{name: "kerberos over http with allowUnencrypted", cfg: ConnectionConfig{Endpoint: "http://h/wsman", Auth: AuthKerberos, Username: "u",
			AllowUnencrypted: true, Kerberos: KerberosConfig{Realm: "WORK.COM", Krb5Conf: "/etc/krb5.conf"}}, want: "http://h:5985/wsman", reason: "a lab listener"},
		{name: "basic over http refused", cfg: ConnectionConfig{Endpoint: "http://h/wsman", Auth: AuthBasic, Username: "u", AllowUnencrypted: true},
			want: "error", reason: "Basic over http needs allowBasicOverHTTP"},
		{name: "unknown auth", cfg: ConnectionConfig{Endpoint: "https://h/wsman", Auth: "digest", Username: "u"}, want: "error", reason: "ntlm, kerberos or basic"},
		{name: "bad path", cfg: ConnectionConfig{Endpoint: "https://h/other", Auth: AuthNTLM, Username: "u"}, want: "error", reason: "masterzen always posts to /wsman"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep, err := tt.cfg.validate()
			got := ep.url
			if err != nil {
				got = "error"
			}
			if got != tt.want {
				t.Errorf("validate = %q (%v), want %q (%s)", got, err, tt.want, tt.reason)
			}
		})
	}
}

// silentListener accepts TCP connections and never answers.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// TestTransportDeadlines: every wait on the server is bounded, and ends in
// a TimedOut error that names what timed out and the endpoint.
func TestTransportDeadlines(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T) ConnectionConfig
		ctx     time.Duration
		want    string
		wantMax time.Duration
	}{
		{
			name: "silent endpoint, request timeout",
			setup: func(t *testing.T) ConnectionConfig {
				cfg := basicConfig("http://" + silentListener(t) + "/wsman")
				cfg.RequestTimeout = 300 * time.Millisecond
				return cfg
			},
			ctx: 10 * time.Second, want: "request timed out after 300ms", wantMax: 2 * time.Second,
		},
		{
			name:  "silent endpoint, the run's deadline for the server",
			setup: func(t *testing.T) ConnectionConfig { return basicConfig("http://" + silentListener(t) + "/wsman") },
			ctx:   400 * time.Millisecond, want: `server deadline: timed out after [34]\d\dms; the command in flight was abandoned`, wantMax: 2 * time.Second,
		},
		{
			name: "silent endpoint with NTLM over sealed http",
			setup: func(t *testing.T) ConnectionConfig {
				return ConnectionConfig{Endpoint: "http://" + silentListener(t) + "/wsman", Auth: AuthNTLM, Username: `WORK\svc`,
					Password: "right", RequestTimeout: 300 * time.Millisecond}
			},
			ctx: 10 * time.Second, want: "request timed out after 300ms", wantMax: 2 * time.Second,
		},
		{
			name: "silent TLS endpoint, connect timeout",
			setup: func(t *testing.T) ConnectionConfig {
				cfg := basicConfig("https://" + silentListener(t) + "/wsman")
				cfg.ConnectTimeout = 300 * time.Millisecond
				return cfg
			},
			ctx: 10 * time.Second, want: "connect timed out after 300ms", wantMax: 2 * time.Second,
		},
		{
			name: "connection held on the last stdin Send",
			setup: func(t *testing.T) ConnectionConfig {
				f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right", holdLastSend: true, handler: echoHandler}
				_, ep := f.start(false)
				cfg := basicConfig(ep)
				cfg.RequestTimeout = 500 * time.Millisecond
				return cfg
			},
			ctx: 10 * time.Second, want: "request timed out after 500ms", wantMax: 3 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.setup(t))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), tt.ctx)
			defer cancel()
			start := time.Now()
			_, err = c.Run(ctx, bigScript())
			took := time.Since(start)
			if took > tt.wantMax {
				t.Errorf("took %v, want at most %v", took, tt.wantMax)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !regexp.MustCompile(tt.want).MatchString(err.Error()) || !strings.Contains(err.Error(), c.Endpoint()) {
				t.Errorf("err = %q, want it to name %s and say %q", err, c.Endpoint(), tt.want)
			}
			if ClassOf(err) != ClassTimedOut || !errors.Is(err, ErrTimedOut) || !errors.Is(err, ErrTransport) || !Retryable(err) {
				t.Errorf("class %s, Is(ErrTimedOut) %v, Is(ErrTransport) %v, Retryable %v; want TimedOut, true, true, true",
					ClassOf(err), errors.Is(err, ErrTimedOut), errors.Is(err, ErrTransport), Retryable(err))
			}
		})
	}
}

// TestTransportDroppedOnLastSend: a connection closed on the last stdin
// Send fails the command at once.
func TestTransportDroppedOnLastSend(t *testing.T) {
	f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right", dropLastSend: true, handler: echoHandler}
	_, ep := f.start(false)
	c, err := NewClient(basicConfig(ep))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err = c.Run(ctx, testScript("'x'"))
	var te *TransportError
	if !errors.As(err, &te) || te.Kind != TransportDropped || time.Since(start) > 2*time.Second {
		t.Errorf("err = %v after %v, want a dropped connection at once", err, time.Since(start))
	}
}

// TestTransportRefusals: what a hostile or misconfigured endpoint answers
// never widens what the client sends or reads.
func TestTransportRefusals(t *testing.T) {
	t.Run("a reply streamed without end is capped", func(t *testing.T) {
		var written atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", soapContentType)
			chunk := bytes.Repeat([]byte("<x>streaming</x>"), 4096)
			for r.Context().Err() == nil {
				n, err := w.Write(chunk)
				written.Add(int64(n))
				if err != nil {
					return
				}
			}
		}))
		t.Cleanup(srv.Close)
		c, err := NewClient(basicConfig(srv.URL + "/wsman"))
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, err = c.Run(ctx, testScript("'x'"))
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "exceeds the 16 MiB cap") {
			t.Fatalf("err = %v, want the 16 MiB cap named", err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 128<<20 {
			t.Errorf("allocated %d MiB reading one capped reply, want under 128", grew>>20)
		}
		if ClassOf(err) != ClassTransport || Retryable(err) {
			t.Errorf("class %s retryable %v, want a non-retryable Transport error", ClassOf(err), Retryable(err))
		}
	})

	for _, auth := range []Auth{AuthBasic, AuthNTLM} {
		t.Run("a 307 from https to http is not followed, "+string(auth), func(t *testing.T) {
			var hits atomic.Int64
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
			t.Cleanup(target.Close)
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+"/wsman", http.StatusTemporaryRedirect)
			}))
			t.Cleanup(srv.Close)
			c, err := NewClient(ConnectionConfig{Endpoint: srv.URL + "/wsman", Auth: auth, Username: `WORK\svc`, Password: "right", CAPEM: pemOf(srv)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Run(context.Background(), testScript("'x'"))
			if err == nil || !strings.Contains(err.Error(), "refused to follow the redirect (HTTP 307 to "+target.URL+"/wsman)") {
				t.Errorf("err = %v, want the redirect refused", err)
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("%d requests reached the redirect target, want none", n)
			}
		})
	}

	t.Run("NTLM never answers a 401 Basic with Basic", func(t *testing.T) {
		var mu sync.Mutex
		var seen []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, r.Header.Get("Authorization"))
			mu.Unlock()
			w.Header().Set("WWW-Authenticate", `Basic realm="WSMAN"`)
			w.WriteHeader(http.StatusUnauthorized)
		}))
		t.Cleanup(srv.Close)
		for _, allow := range []bool{false, true} {
			c, err := NewClient(ConnectionConfig{Endpoint: srv.URL + "/wsman", Auth: AuthNTLM, Username: `WORK\svc`, Password: "right",
				AllowUnencrypted: allow})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Run(context.Background(), testScript("'x'"))
			if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "refusing to fall back to another scheme") {
				t.Errorf("allowUnencrypted %v: err = %v, want a refusal to fall back", allow, err)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if len(seen) == 0 {
			t.Fatal("the server received nothing")
		}
		for _, h := range seen {
			if !strings.HasPrefix(h, "Negotiate ") {
				t.Errorf("the server received Authorization %q; want only Negotiate (NTLM), never Basic", h)
			}
		}
	})
}

// TestTransportCloseBounded: the shell Delete runs under the request
// timeout and the caller's context too.
func TestTransportCloseBounded(t *testing.T) {
	f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right", holdDelete: true, handler: echoHandler}
	_, ep := f.start(false)
	cfg := basicConfig(ep)
	cfg.RequestTimeout = 300 * time.Millisecond
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(context.Background(), testScript("'x'")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = c.Close(context.Background())
	if err == nil || !strings.Contains(err.Error(), "request timed out after 300ms") || time.Since(start) > 2*time.Second {
		t.Errorf("Close = %v after %v, want the request timeout at once", err, time.Since(start))
	}
}

// TestNTLMWithoutChallenge: a server that offers Negotiate but answers the
// NTLM NEGOTIATE without a CHALLENGE (NTLM refused by policy) gets a
// refusal naming the policy, and nothing but Negotiate is sent.
func TestNTLMWithoutChallenge(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Add("WWW-Authenticate", "Negotiate")
		w.Header().Add("WWW-Authenticate", "Kerberos")
		w.Header().Add("WWW-Authenticate", `Basic realm="WSMAN"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(ConnectionConfig{Endpoint: srv.URL + "/wsman", Auth: AuthNTLM, Username: `WORK\svc`, Password: "right"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Run(context.Background(), testScript("'x'"))
	if err == nil || !strings.Contains(err.Error(), "without a CHALLENGE (it offers Negotiate, Kerberos, Basic)") ||
		!strings.Contains(err.Error(), "Restrict NTLM") {
		t.Errorf("err = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, h := range seen {
		if !strings.HasPrefix(h, "Negotiate ") {
			t.Errorf("sent Authorization %q", h)
		}
	}
}

// TestMasterzenTraps runs masterzen's own NTLM transport against the fake
// endpoints of TestTransportRefusals, to show those tests catch what issue
// 11 found: it answers a 401 Basic with the password as Basic, and follows
// an https-to-http redirect. Ours does neither (TestTransportRefusals).
func TestMasterzenTraps(t *testing.T) {
	var mu sync.Mutex
	var basic, redirected int
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		redirected++
		mu.Unlock()
	}))
	t.Cleanup(target.Close)
	basicOnly := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Authorization"), "Basic ") {
			mu.Lock()
			basic++
			mu.Unlock()
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="WSMAN"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(basicOnly.Close)
	redirect := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/wsman", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	for _, srv := range []*httptest.Server{basicOnly, redirect} {
		u, _ := url.Parse(srv.URL)
		port, _ := strconv.Atoi(u.Port())
		params := winrm.NewParameters("PT5S", "en-US", 153600)
		params.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
		wc, err := winrm.NewClientWithParameters(winrm.NewEndpoint(u.Hostname(), port, u.Scheme == "https", false, pemOf(redirect), nil, nil, 5*time.Second),
			`WORK\svc`, "right", params)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = wc.CreateShell()
	}
	mu.Lock()
	defer mu.Unlock()
	if basic == 0 || redirected == 0 {
		t.Errorf("masterzen sent Basic %d times and followed the redirect %d times; the refusal tests would not catch a regression", basic, redirected)
	}
}
