// Package wsman is exsim's WS-Management endpoint: a WinRS server (shell
// Create, Command, Send, Receive, Signal, Delete) with Basic, NTLMv2 (with
// message sealing over HTTP) and Kerberos authentication, over HTTP or
// HTTPS, that any WinRM client can drive. It
// runs each command through an injected Launcher and knows nothing of
// PowerShell or Exchange; cmd/exsim wires it to the interpreter.
package wsman

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jcmturner/gokrb5/v8/keytab"
)

// Launcher runs one command and returns its exit code. It must return soon
// after ctx is cancelled (Signal terminate, shell Delete, server shutdown).
type Launcher func(ctx context.Context, p Process) (exitCode int)

// Process is one command as the launcher sees it.
type Process struct {
	// Server is the NetBIOS name of the endpoint's server.
	Server string
	// User is the authenticated account, DOMAIN\name with the NetBIOS domain.
	User      string
	ShellID   string
	CommandID string
	// CommandLine is rsp:Command plus each rsp:Arguments, joined with
	// spaces: what cmd.exe would be given.
	CommandLine string
	// Codepage is the shell's WINRS_CODEPAGE (65001 from masterzen, 437 from pywinrm).
	Codepage int
	// Stdin is fed by Send requests; it returns io.EOF after End="true".
	Stdin io.Reader
	// Stdout and Stderr are drained by Receive requests.
	Stdout, Stderr io.Writer
	// Trace collects the script, cmdlets and secrets for the command log.
	Trace *Trace
}

// Defaults of Windows Server's WinRM service.
const (
	DefaultMaxShellsPerUser = 30
	DefaultIdleTimeout      = 7200 * time.Second
	// DefaultOperationTimeout applies to requests without w:OperationTimeout.
	DefaultOperationTimeout = 60 * time.Second
	// maxBodyBytes bounds one request; Windows' MaxEnvelopeSizekb is 500 by
	// default, but masterzen sends stdin chunks of EnvelopeSize-1000 raw
	// bytes, base64-encoded, so its envelopes can exceed the size it asks for.
	maxBodyBytes = 8 << 20
)

// Config configures one endpoint (one simulated Windows server).
type Config struct {
	// Name is the server's NetBIOS name, e.g. WIN20081.
	Name string
	// FQDN is the server's DNS name, e.g. win20081.work.com.
	FQDN string
	// NetBIOSDomain (WORK) and DNSDomain (work.com) name the server's domain;
	// users may type either.
	NetBIOSDomain string
	DNSDomain     string
	// Addr is the listen address, host:port; port 0 picks a free port.
	Addr string
	// TLS, when set, serves HTTPS; nil serves HTTP.
	TLS *tls.Config
	// AllowUnencrypted serves unencrypted requests over plain HTTP, as the
	// Windows listener does only with AllowUnencrypted=true. Without it,
	// plain HTTP serves only messages sealed with NTLM session security
	// (MS-WSMV 2.2.9.1.1); HTTPS serves both.
	AllowUnencrypted bool
	// Auth lists the offered schemes; empty offers NTLM and Basic.
	Auth []AuthScheme
	// Keytab holds the keys of the server's service principals
	// (HTTP/<fqdn>@REALM); required when Auth offers Kerberos.
	Keytab *keytab.Keytab
	// Realm is the Kerberos realm of the accounts; default the upper-cased
	// DNSDomain. A client principal name@Realm is the account name.
	Realm string
	// Accounts are the users the endpoint accepts.
	Accounts []Account
	// MaxShellsPerUser is the open-shell quota per user (default 30).
	MaxShellsPerUser int
	// IdleTimeout reclaims shells unused for that long (default 2h).
	IdleTimeout time.Duration
	// Latency.Session delays every shell Create.
	Latency Latency
	// Faults: DropAfter is applied here; cmdlet faults are for the launcher.
	Faults Faults
	// Launcher runs commands.
	Launcher Launcher
	// Log, when set, receives one line per command.
	Log *CommandLog
	// Logf, when set, receives diagnostics (never secrets).
	Logf func(format string, args ...any)
}

// Server is a running endpoint.
type Server struct {
	cfg    Config
	srv    *http.Server
	ln     net.Listener
	ctx    context.Context
	cancel context.CancelFunc
	procs  sync.WaitGroup

	pending challenges // outstanding NTLM challenges

	mu       sync.Mutex
	shells   map[string]*shell
	commands atomic.Int64 // Command requests seen, for drop-after
}

// NewServer checks cfg and fills its defaults; Start listens.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Name == "" {
		return nil, errors.New("wsman: the server has no name")
	}
	if cfg.Launcher == nil {
		return nil, fmt.Errorf("wsman: server %s has no launcher", cfg.Name)
	}
	if len(cfg.Accounts) == 0 {
		return nil, fmt.Errorf("wsman: server %s has no account", cfg.Name)
	}
	if cfg.FQDN == "" {
		cfg.FQDN = strings.ToLower(cfg.Name)
		if cfg.DNSDomain != "" {
			cfg.FQDN += "." + strings.ToLower(cfg.DNSDomain)
		}
	}
	if len(cfg.Auth) == 0 {
		cfg.Auth = []AuthScheme{AuthNTLM, AuthBasic}
	}
	if cfg.Realm == "" {
		cfg.Realm = strings.ToUpper(cfg.DNSDomain)
	}
	if slices.Contains(cfg.Auth, AuthKerberos) && cfg.Keytab == nil {
		return nil, fmt.Errorf("wsman: server %s offers Kerberos but has no keytab", cfg.Name)
	}
	if cfg.MaxShellsPerUser <= 0 {
		cfg.MaxShellsPerUser = DefaultMaxShellsPerUser
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	s := &Server{cfg: cfg, shells: map[string]*shell{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Start binds the listen address and serves in the background.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("wsman: server %s cannot listen on %s: %w", s.cfg.Name, s.cfg.Addr, err)
	}
	if s.cfg.TLS != nil {
		tc := s.cfg.TLS.Clone()
		// WinRM is HTTP/1.1: NTLM authenticates a TCP connection, which
		// HTTP/2 would multiplex.
		tc.NextProtos = []string{"http/1.1"}
		ln = tls.NewListener(ln, tc)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, &connState{})
		},
		BaseContext: func(net.Listener) context.Context { return s.ctx },
		// TLS handshake failures and the like go where diagnostics go, not
		// to the process's stderr.
		ErrorLog: log.New(logfWriter{s}, "", 0),
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("%s: serve: %v", s.cfg.Name, err)
		}
	}()
	return nil
}

// Addr is the address the server listens on (with the real port).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the endpoint's WinRM URL, http(s)://ADDR/wsman.
func (s *Server) URL() string {
	scheme := "http"
	if s.cfg.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + s.Addr() + "/wsman"
}

// Config returns the configuration in effect, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Shutdown terminates every command, stops serving, and waits (until ctx
// ends) for the launchers to return.
func (s *Server) Shutdown(ctx context.Context) error {
	s.cancel()
	var err error
	if s.srv != nil {
		if err = s.srv.Shutdown(ctx); err != nil {
			_ = s.srv.Close()
		}
	}
	done := make(chan struct{})
	go func() { s.procs.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	if err != nil {
		return fmt.Errorf("wsman: shutting down %s: %w", s.cfg.Name, err)
	}
	return nil
}

// ShellCount is the number of open shells (for tests and diagnostics).
func (s *Server) ShellCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.shells)
}

// ServeHTTP handles one WS-Management request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "Microsoft-HTTPAPI/2.0")
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		s.logf("%s: reading a request from %s: %v", s.cfg.Name, r.RemoteAddr, err)
		return
	}
	if !strings.EqualFold(r.URL.Path, "/wsman") {
		writeEmpty(w, http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeEmpty(w, http.StatusMethodNotAllowed)
		return
	}
	user := s.authenticate(w, r, len(body) == 0)
	if user == "" {
		return
	}
	if len(body) > maxBodyBytes {
		writeEmpty(w, http.StatusRequestEntityTooLarge)
		return
	}
	ct := r.Header.Get("Content-Type")
	if isEncryptedType(ct) {
		s.serveEncrypted(w, r, body, user)
		return
	}
	if len(body) == 0 {
		// An authenticated POST without a body is how pywinrm and
		// masterzen set up the security context before their first
		// encrypted message (pywinrm's Transport.setup_encryption, masterzen's
		// Encryption.PrepareRequest); Windows answers 200, empty.
		writeEmpty(w, http.StatusOK)
		return
	}
	if s.cfg.TLS == nil && !s.cfg.AllowUnencrypted {
		// Windows refuses unencrypted messages on an HTTP listener with
		// AllowUnencrypted=false by answering 401 even after a successful
		// NTLM handshake (packer#6205).
		s.logf("%s: refused an unencrypted request from %s (allow-unencrypted is off)", s.cfg.Name, r.RemoteAddr)
		s.unauthorized(w)
		return
	}
	if ct != "" && !strings.Contains(strings.ToLower(ct), "application/soap+xml") {
		writeEmpty(w, http.StatusUnsupportedMediaType)
		return
	}
	s.dispatch(w, r, body, user)
}

// serveEncrypted unseals an MS-WSMV encrypted message with the connection's
// NTLM session security, serves it, and seals the reply. A message that
// does not unseal or verify gets 400 and the connection is closed: its RC4
// state no longer matches the client's.
func (s *Server) serveEncrypted(w http.ResponseWriter, r *http.Request, body []byte, user string) {
	session := connStateFrom(r.Context()).sealing()
	if session == nil || !session.seals() {
		s.logf("%s: an encrypted message from %s on a connection without an NTLM sealing context (Kerberos sealing is not implemented)", s.cfg.Name, r.RemoteAddr)
		w.Header().Set("Connection", "close")
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	msg, err := parseEncrypted(body)
	var plain []byte
	if err == nil {
		plain, err = session.unwrap(msg.Sealed, msg.Signature)
	}
	if err != nil {
		s.logf("%s: encrypted message from %s: %v", s.cfg.Name, r.RemoteAddr, err)
		w.Header().Set("Connection", "close")
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	sw := &sealedWriter{w: w, session: session}
	s.dispatch(sw, r, plain, user)
	sw.finish()
}

// dispatch serves one SOAP message.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, body []byte, user string) {
	req, err := parseRequest(body)
	if err != nil {
		s.fault(w, r, &request{}, faultInvalidXML(err))
		return
	}
	if !strings.EqualFold(req.Header.ResourceURI, resourceCmd) {
		s.fault(w, r, req, faultResourceNotFound(req.Header.ResourceURI))
		return
	}
	switch req.Header.Action {
	case actionCreate:
		s.handleCreate(w, r, req, user)
	case actionDelete:
		s.handleDelete(w, r, req, user)
	case actionCommand:
		s.handleCommand(w, r, req, user)
	case actionSend:
		s.handleSend(w, r, req, user)
	case actionReceive:
		s.handleReceive(w, r, req, user)
	case actionSignal:
		s.handleSignal(w, r, req, user)
	default:
		s.fault(w, r, req, faultActionNotSupported(req.Header.Action))
	}
}

// reply writes a 200 envelope.
func (s *Server) reply(w http.ResponseWriter, req *request, action, body string) {
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(envelope(action, req.Header.MessageID, body))
}

// fault writes a fault envelope with HTTP 500. Machine is the host the client
// addressed, as in Windows' replies.
func (s *Server) fault(w http.ResponseWriter, r *http.Request, req *request, f *Fault) {
	machine := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		machine = h
	}
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write(f.envelope(req.Header.MessageID, machine))
}

// drop closes the request's TCP connection without a reply.
func (s *Server) drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.logf("%s: cannot drop the connection: %v", s.cfg.Name, err)
		writeEmpty(w, http.StatusServiceUnavailable)
		return
	}
	_ = conn.Close()
}

// logfWriter adapts Logf to the io.Writer of http.Server.ErrorLog.
type logfWriter struct{ s *Server }

func (w logfWriter) Write(p []byte) (int, error) {
	w.s.logf("%s: %s", w.s.cfg.Name, strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}
