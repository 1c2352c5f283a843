package exchange

import (
	"context"
	"encoding/pem"
	"errors"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func echoHandler(script string) (string, string, int) {
	return "ran " + script[:min(len(script), 20)] + "\r\n", "", 0
}

func basicConfig(endpoint string) ConnectionConfig {
	return ConnectionConfig{Endpoint: endpoint, Auth: AuthBasic, Username: `WORK\svc`, Password: "right", AllowUnencrypted: true}
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
	s.Line(Concat(Raw("$p = "), SecretLit(secret)))
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
	big.Line(Concat(Raw("$x = "), Lit(strings.Repeat("Zürich-ünïcode ", 200*1024/16))))
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
			name: "wrong password ntlm", wantKind: TransportAuth, wantMsg: `authentication failed for WORK\svc at http://127.0.0.1:PORT/wsman (ntlm)`,
			setup: func(t *testing.T) (ConnectionConfig, time.Duration) {
				f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right"}
				_, ep := f.start(false)
				cfg := basicConfig(ep)
				cfg.Auth, cfg.Password = AuthNTLM, "wrong"
				return cfg, 5 * time.Second
			},
			reason: "masterzen says 'http response error: 401 - invalid content type'",
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
			name: "timeout", wantKind: TransportTimeout, retryable: true, wantMsg: "http://127.0.0.1:PORT/wsman: timed out after 1s",
			setup: func(t *testing.T) (ConnectionConfig, time.Duration) {
				f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right", hold: 1500 * time.Millisecond, handler: echoHandler}
				_, ep := f.start(false)
				return basicConfig(ep), time.Second
			},
			reason: "the context deadline ends the call although masterzen is still polling",
		},
		{
			name: "plain http refused", wantKind: TransportConfig,
			setup: func(t *testing.T) (ConnectionConfig, time.Duration) {
				cfg := basicConfig("http://win20081.work.com:5985/wsman")
				cfg.AllowUnencrypted = false
				return cfg, time.Second
			},
			reason: "http:// without allowUnencrypted is refused before connecting, and says why",
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
		{name: "http allowed", cfg: ConnectionConfig{Endpoint: "http://127.0.0.1:15985/wsman", Auth: AuthBasic, Username: "u", AllowUnencrypted: true},
			want: "http://127.0.0.1:15985/wsman", reason: "exsim's default"},
		{name: "kerberos needs krb5.conf", cfg: ConnectionConfig{Endpoint: "https://h/wsman", Auth: AuthKerberos, Username: "u", Kerberos: KerberosConfig{Realm: "WORK.COM"}},
			want: "error", reason: "ClientKerberos loads krb5.conf on every request"},
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
