package exchange

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masterzen/winrm"

	"github.com/exreconcile/exreconcile/test/exsim/wsman"
)

const (
	ntlmTestUser     = `WORK\svc`
	ntlmTestPassword = "Ntlm-Pa'ss ’ $()"
)

// oneConnProxy forwards TCP to a WinRM endpoint and refuses a second
// connection while one is open: a client that ran two requests at once (as
// masterzen does when it polls Receive while stdin Sends are in flight)
// would need a second connection, unauthenticated, and fail there as NTLM
// fails on Windows with 401 (masterzen issues 142 and 166). It records what
// the client sent.
type oneConnProxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	open    int
	maxOpen int
	refused int
	conns   []net.Conn
	sent    bytes.Buffer
}

func startProxy(t *testing.T, target string) *oneConnProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &oneConnProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.dropAll() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.open > 0 {
				p.refused++
				p.mu.Unlock()
				c.Close()
				continue
			}
			p.open++
			p.maxOpen = max(p.maxOpen, p.open)
			p.conns = append(p.conns, c)
			p.mu.Unlock()
			go p.serve(c)
		}
	}()
	return p
}

func (p *oneConnProxy) serve(c net.Conn) {
	defer func() {
		c.Close()
		p.mu.Lock()
		p.open--
		p.mu.Unlock()
	}()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer s.Close()
	go func() { _, _ = io.Copy(c, s); c.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			p.mu.Lock()
			p.sent.Write(buf[:n])
			p.mu.Unlock()
			if _, werr := s.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// dropAll closes every forwarded connection, as a server restart or an idle
// timeout would, and waits until they are gone.
func (p *oneConnProxy) dropAll() {
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	for range 200 {
		p.mu.Lock()
		open := p.open
		p.mu.Unlock()
		if open == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (p *oneConnProxy) url() string { return "http://" + p.ln.Addr().String() + "/wsman" }

func (p *oneConnProxy) stats() (maxOpen, refused int, sent string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxOpen, p.refused, p.sent.String()
}

// startWSMan runs exsim's WS-Management endpoint (real NTLM, sealing) with
// a launcher that reads stdin, waits hold, and reports what it read.
func startWSMan(t *testing.T, allowUnencrypted bool, hold time.Duration, change ...func(*wsman.Config)) *wsman.Server {
	t.Helper()
	cfg := wsman.Config{
		Name: "WIN20081", NetBIOSDomain: "WORK", DNSDomain: "work.com", Addr: "127.0.0.1:0",
		AllowUnencrypted: allowUnencrypted, Auth: []wsman.AuthScheme{wsman.AuthNTLM},
		Accounts: []wsman.Account{{Name: ntlmTestUser, Password: ntlmTestPassword}},
		Launcher: func(ctx context.Context, p wsman.Process) int {
			read := make(chan []byte, 1)
			go func() { b, _ := io.ReadAll(p.Stdin); read <- b }()
			var b []byte
			select {
			case b = <-read:
			case <-ctx.Done():
				return 1
			}
			select {
			case <-time.After(hold):
			case <-ctx.Done():
				return 1
			}
			fmt.Fprintf(p.Stdout, "read %d bytes", len(b))
			return 0
		},
		Logf: t.Logf,
	}
	for _, f := range change {
		f(&cfg)
	}
	srv, err := wsman.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv
}

func bigScript() *Script {
	s := &Script{Name: "big"}
	s.Line(concat(raw("$x = "), lit(strings.Repeat("Zürich-ünïcode ", 200*1024/16))))
	return s
}

// TestNTLMSealedOverHTTP drives exsim's endpoint on plain HTTP without
// AllowUnencrypted, as Windows ships: every message sealed, stdin in several
// Sends, Receive polled through sealed OperationTimeout faults, one
// connection and one handshake for several commands, a new handshake only
// after the connection was dropped.
func TestNTLMSealedOverHTTP(t *testing.T) {
	for _, user := range []string{ntlmTestUser, "svc@work.com"} {
		t.Run(user, func(t *testing.T) {
			srv := startWSMan(t, false, 1500*time.Millisecond)
			proxy := startProxy(t, srv.Addr())
			c, err := NewClient(ConnectionConfig{Endpoint: proxy.url(), Auth: AuthNTLM, Username: user,
				Password: ntlmTestPassword, OperationTimeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			script := bigScript()
			want := fmt.Sprintf("read %d bytes", len(Stdin(script)))
			for i := range 2 {
				res, err := c.Run(ctx, script)
				if err != nil {
					t.Fatalf("run %d: %v", i, err)
				}
				if res.Stdout != want {
					t.Errorf("run %d: stdout %q, want %q", i, res.Stdout, want)
				}
			}
			nt := c.t.(*ntlmTransport)
			if n := nt.handshakes.Load(); n != 1 {
				t.Errorf("%d NTLM handshakes for two commands on one connection, want 1", n)
			}
			proxy.dropAll()
			time.Sleep(50 * time.Millisecond) // the client's connection pool sees the FIN
			if _, err := c.Run(ctx, testScript("'again'")); err != nil {
				t.Fatalf("after the connection dropped: %v", err)
			}
			if n := nt.handshakes.Load(); n != 2 {
				t.Errorf("%d handshakes after a dropped connection, want 2 (one new handshake on the 401)", n)
			}
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}
			maxOpen, refused, sent := proxy.stats()
			if maxOpen != 1 || refused != 0 {
				t.Errorf("connections at once: %d, refused second connections: %d; want 1 and 0 (one request at a time)", maxOpen, refused)
			}
			for _, clear := range []string{"powershell.exe", "http://schemas.microsoft.com/wbem/wsman/1/windows/shell", "Receive"} {
				if strings.Contains(sent, clear) {
					t.Errorf("%q went over the wire in clear text; every message must be sealed", clear)
				}
			}
			if !strings.Contains(sent, `multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted"`) {
				t.Error("no multipart/encrypted message was sent")
			}
			if srv.ShellCount() != 0 {
				t.Errorf("%d shells left open", srv.ShellCount())
			}
		})
	}
}

// TestNTLMConcurrentRuns starts two scripts at once on one client: they run
// one after the other on the one connection.
func TestNTLMConcurrentRuns(t *testing.T) {
	srv := startWSMan(t, false, 200*time.Millisecond)
	proxy := startProxy(t, srv.Addr())
	c, err := NewClient(ConnectionConfig{Endpoint: proxy.url(), Auth: AuthNTLM, Username: ntlmTestUser, Password: ntlmTestPassword})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = c.Run(ctx, bigScript()) }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
	if maxOpen, refused, _ := proxy.stats(); maxOpen != 1 || refused != 0 {
		t.Errorf("connections at once: %d, refused: %d; want 1 and 0", maxOpen, refused)
	}
}

// TestNTLMUnsealed covers allowUnencrypted: unsealed messages reach a lab
// listener that allows them, and are refused, with a hint, by one that
// does not; a wrong password is an authentication failure.
func TestNTLMUnsealed(t *testing.T) {
	tests := []struct {
		name             string
		serverAllows     bool
		clientUnsealed   bool
		password         string
		wantErr          string
		wantClearOnWire  bool
		wantAccessDenied bool
	}{
		{name: "lab listener with AllowUnencrypted", serverAllows: true, clientUnsealed: true, password: ntlmTestPassword, wantClearOnWire: true},
		{name: "unsealed refused by the default listener", clientUnsealed: true, password: ntlmTestPassword, wantAccessDenied: true,
			wantErr: "the listener refuses unencrypted messages"},
		{name: "sealed with a wrong password", password: "wrong ’ $()", wantAccessDenied: true, wantErr: `authentication failed for WORK\svc`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startWSMan(t, tt.serverAllows, 0)
			proxy := startProxy(t, srv.Addr())
			c, err := NewClient(ConnectionConfig{Endpoint: proxy.url(), Auth: AuthNTLM, Username: ntlmTestUser,
				Password: Secret(tt.password), AllowUnencrypted: tt.clientUnsealed})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err = c.Run(ctx, testScript("'x'"))
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if errors.Is(err, ErrAccessDenied) != tt.wantAccessDenied {
				t.Errorf("Is(ErrAccessDenied) = %v, want %v", errors.Is(err, ErrAccessDenied), tt.wantAccessDenied)
			}
			if err != nil && (strings.Contains(err.Error(), "wrong ’") || strings.Contains(err.Error(), ntlmTestPassword)) {
				t.Errorf("the password leaks into the error: %v", err)
			}
			_, _, sent := proxy.stats()
			if got := strings.Contains(sent, "powershell.exe"); got != tt.wantClearOnWire {
				t.Errorf("command line in clear on the wire: %v, want %v", got, tt.wantClearOnWire)
			}
		})
	}
}

// tamperProxy is an HTTP reverse proxy in front of exsim's endpoint (one
// backend connection, so the NTLM context holds) that changes replies the
// way a machine in the middle could.
func tamperProxy(t *testing.T, backend string, tamper func(*http.Response) error) string {
	t.Helper()
	u, _ := url.Parse("http://" + backend)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}
	rp.ModifyResponse = tamper
	rp.ErrorLog = log.New(io.Discard, "", 0)
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL + "/wsman"
}

func replaceBody(r *http.Response, b []byte) {
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	r.Header.Set("Content-Length", strconv.Itoa(len(b)))
}

// TestNTLMSealingTampered: a reply answered in clear text, a sealed reply
// changed on the way, and a CHALLENGE that no longer offers sealing are
// refused, never taken as they come.
func TestNTLMSealingTampered(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(*http.Response) error
		want   string
	}{
		{
			name: "a sealed request answered in clear text",
			tamper: func(r *http.Response) error {
				if isEncryptedReply(r.Header.Get("Content-Type")) {
					r.Header.Set("Content-Type", soapContentType)
					replaceBody(r, []byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"/>`))
				}
				return nil
			},
			want: "the server answered a sealed message in clear text",
		},
		{
			name: "a sealed reply changed on the way",
			tamper: func(r *http.Response) error {
				if !isEncryptedReply(r.Header.Get("Content-Type")) {
					return nil
				}
				b, _ := io.ReadAll(r.Body)
				closing := bytes.LastIndex(b, []byte("--Encrypted Boundary--"))
				b[closing-1] ^= 0x01 // the last sealed byte
				replaceBody(r, b)
				return nil
			},
			want: "cannot unseal the reply",
		},
		{
			name: "a CHALLENGE without sealing",
			tamper: func(r *http.Response) error {
				for i, v := range r.Header.Values("WWW-Authenticate") {
					scheme, token, ok := strings.Cut(v, " ")
					if b, err := base64.StdEncoding.DecodeString(token); ok && err == nil && len(b) > 24 {
						b[20] &^= ntlmFlagSeal | ntlmFlagSign
						r.Header["Www-Authenticate"][i] = scheme + " " + base64.StdEncoding.EncodeToString(b)
					}
				}
				return nil
			},
			want: "does not offer sealing and signing",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startWSMan(t, false, 0)
			c, err := NewClient(ConnectionConfig{Endpoint: tamperProxy(t, srv.Addr(), tt.tamper), Auth: AuthNTLM,
				Username: ntlmTestUser, Password: ntlmTestPassword})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err = c.Run(ctx, testScript("'x'"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			t.Log(err)
			if Retryable(err) {
				t.Errorf("a tampered exchange is not retryable: %v", err)
			}
		})
	}
}

// TestOneConnProxyCatchesConcurrentRequests shows the proxy of the tests
// above is a real check: masterzen's own command sequence (Receive polled
// while stdin Sends are in flight) over its NTLM transport needs a second
// connection at once, which the proxy refuses, as Windows refuses the
// unauthenticated second connection with 401.
func TestOneConnProxyCatchesConcurrentRequests(t *testing.T) {
	srv := startWSMan(t, true, 500*time.Millisecond)
	proxy := startProxy(t, srv.Addr())
	host, port, _ := net.SplitHostPort(proxy.ln.Addr().String())
	p, _ := strconv.Atoi(port)
	params := winrm.NewParameters("PT1S", "en-US", 153600)
	params.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
	wc, err := winrm.NewClientWithParameters(winrm.NewEndpoint(host, p, false, false, nil, nil, nil, 2*time.Second),
		ntlmTestUser, ntlmTestPassword, params)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	stdin := strings.NewReader(strings.Repeat("x", 400*1024))
	_, err = wc.RunWithContextWithInput(ctx, "digest", io.Discard, io.Discard, stdin)
	_, refused, _ := proxy.stats()
	if err == nil && refused == 0 {
		t.Fatal("masterzen's sequence ran without a second connection; the proxy would not catch concurrent requests")
	}
	t.Logf("masterzen: err %v, second connections refused %d", err, refused)
}

// TestNTLMSealedFault: a WS-Management fault (HTTP 500) comes back sealed
// and is reported with its text: here the shell quota.
func TestNTLMSealedFault(t *testing.T) {
	srv := startWSMan(t, false, 0, func(c *wsman.Config) { c.MaxShellsPerUser = 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var clients []*Client
	for range 2 {
		c, err := NewClient(ConnectionConfig{Endpoint: srv.URL(), Auth: AuthNTLM, Username: ntlmTestUser, Password: ntlmTestPassword})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	if _, err := clients[0].Run(ctx, testScript("'x'")); err != nil {
		t.Fatal(err)
	}
	_, err := clients[1].Run(ctx, testScript("'x'"))
	var te *TransportError
	if !errors.As(err, &te) || te.Kind != TransportProtocol || strings.Contains(err.Error(), "MessageID") ||
		!strings.Contains(err.Error(), "WS-Management fault: The WS-Management service cannot process the request. This user is allowed a maximum number of 1 concurrent shells") {
		t.Fatalf("err = %v, want the sealed fault's text", err)
	}
	t.Log(err)
	_ = clients[0].Close(ctx)
}
