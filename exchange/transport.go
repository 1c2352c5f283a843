package exchange

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/masterzen/winrm"
)

// Auth is a WinRM authentication method.
type Auth string

// Authentication methods.
const (
	AuthNTLM     Auth = "ntlm"
	AuthKerberos Auth = "kerberos"
	AuthBasic    Auth = "basic"
)

// Default timeouts.
const (
	// DefaultOperationTimeout is the WS-Man OperationTimeout: how long the
	// server holds a Receive with no output before it answers "timed out,
	// poll again".
	DefaultOperationTimeout = 60 * time.Second
	// responseGrace is added to OperationTimeout for the default request
	// timeout, so the client never gives up on a Receive the server is
	// still allowed to hold.
	responseGrace = 30 * time.Second
	// DefaultCommandTimeout bounds one script when the caller's context has
	// no deadline.
	DefaultCommandTimeout = 10 * time.Minute
	// stdinChunk is the most stdin sent in one WS-Man Send: 3/4 of the
	// 153600-byte envelope less room for the SOAP around it.
	stdinChunk = 96 * 1024
	// closeTimeout bounds the shell deletion after a failed command.
	closeTimeout = 15 * time.Second
)

// KerberosConfig configures the Kerberos transport.
type KerberosConfig struct {
	Realm string
	// Krb5Conf is the path of a krb5.conf (required), loaded once.
	Krb5Conf string
	// CCache is an optional credential cache file; when set the password is
	// not used for the WinRM login.
	CCache string
	// SPN overrides the service principal (default HTTP/<host>).
	SPN string
}

// ConnectionConfig is how to reach one server's WinRM endpoint.
type ConnectionConfig struct {
	// Endpoint is the WS-Man URL, e.g. https://win20081.work.com:5986/wsman.
	Endpoint string
	Auth     Auth
	Username string
	Password Secret
	Kerberos KerberosConfig
	// CAFile is a PEM file of the CA(s) that may sign the server certificate.
	CAFile string
	// CAPEM is the same as PEM bytes (tests, or a CA from a secret).
	CAPEM              []byte
	InsecureSkipVerify bool
	// AllowUnencrypted sends unsealed messages over http:// (a lab listener
	// with AllowUnencrypted=true). Without it NTLM over http:// seals every
	// message, and Kerberos over http:// is refused.
	AllowUnencrypted bool
	// AllowBasicOverHTTP permits Basic authentication over http://, which
	// sends the password in clear text.
	AllowBasicOverHTTP bool
	// OperationTimeout is the WS-Man OperationTimeout (default 60s).
	OperationTimeout time.Duration
	// ConnectTimeout bounds the TCP connect and TLS handshake (default 30s).
	ConnectTimeout time.Duration
	// RequestTimeout bounds every HTTP request, each stdin Send and the
	// shell deletion included (default OperationTimeout + 30s).
	RequestTimeout time.Duration
}

// endpointParts is the parsed Endpoint.
type endpointParts struct {
	host  string
	port  int
	https bool
	url   string
}

// validate checks the configuration without contacting the server; every
// problem here is terminal.
func (c ConnectionConfig) validate() (endpointParts, error) {
	bad := func(detail string) error {
		return &TransportError{Kind: TransportConfig, Endpoint: c.Endpoint, Auth: string(c.Auth), User: c.Username, Detail: detail}
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil || u.Host == "" {
		return endpointParts{}, bad("not a URL; want https://host:5986/wsman or http://host:5985/wsman")
	}
	ep := endpointParts{host: u.Hostname()}
	switch strings.ToLower(u.Scheme) {
	case "https":
		ep.https, ep.port = true, 5986
	case "http":
		ep.port = 5985
	default:
		return endpointParts{}, bad(fmt.Sprintf("scheme %q: want https:// or http://", u.Scheme))
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return endpointParts{}, bad(fmt.Sprintf("port %q is not a port number", p))
		}
		ep.port = n
	}
	if u.Path != "" && u.Path != "/wsman" {
		return endpointParts{}, bad(fmt.Sprintf("path %q: WinRM listens on /wsman", u.Path))
	}
	scheme := "http"
	if ep.https {
		scheme = "https"
	}
	ep.url = fmt.Sprintf("%s://%s/wsman", scheme, net.JoinHostPort(ep.host, strconv.Itoa(ep.port)))
	switch c.Auth {
	case AuthNTLM:
		// http:// seals every message (or, with AllowUnencrypted, does not).
	case AuthBasic:
		if !ep.https && !c.AllowBasicOverHTTP {
			return endpointParts{}, bad("refusing Basic authentication over http://: it sends the password readable on the network; " +
				"use https://, or ntlm (whose messages are encrypted over http://), or set allowBasicOverHTTP: true")
		}
	case AuthKerberos:
		if c.Kerberos.Realm == "" || c.Kerberos.Krb5Conf == "" {
			return endpointParts{}, bad("kerberos needs a realm and the path of a krb5.conf")
		}
		if !ep.https && !c.AllowUnencrypted {
			return endpointParts{}, bad("refusing Kerberos over http://: this client cannot encrypt Kerberos messages (only NTLM ones), " +
				"so every script would travel readable; use an https:// listener, ntlm over http://, or allowUnencrypted: true for a lab listener with AllowUnencrypted=true")
		}
	default:
		return endpointParts{}, bad(fmt.Sprintf("auth method %q: want ntlm, kerberos or basic", c.Auth))
	}
	if c.Username == "" && !(c.Auth == AuthKerberos && c.Kerberos.CCache != "") {
		return endpointParts{}, bad("no username")
	}
	return ep, nil
}

// Client runs scripts on one server over WinRM. It opens one WinRS shell on
// first use and runs every command of the run in it, one at a time (WinRM
// quotas are per user and per shell, and one shell saves two round trips per
// command); Close deletes it. It counts the commands it ran, so a test can
// assert "one WinRM command per server for an in-sync run".
type Client struct {
	cfg      ConnectionConfig
	ep       endpointParts
	t        soapTransport
	w        *winrs
	mu       sync.Mutex // one command at a time
	shell    string
	commands atomic.Int64
	shells   atomic.Int64
}

// NewClient checks cfg and prepares a client; it does not connect.
func NewClient(cfg ConnectionConfig) (*Client, error) {
	if cfg.OperationTimeout <= 0 {
		cfg.OperationTimeout = DefaultOperationTimeout
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = cfg.OperationTimeout + responseGrace
	}
	ep, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	configErr := func(detail string, err error) error {
		return &TransportError{Kind: TransportConfig, Endpoint: ep.url, Auth: string(cfg.Auth), User: cfg.Username, Detail: detail, Err: err}
	}
	ca := cfg.CAPEM
	if cfg.CAFile != "" {
		b, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, configErr(fmt.Sprintf("cannot read tls.caFile: %v", err), err)
		}
		ca = append(append([]byte(nil), ca...), b...)
	}
	if len(ca) > 0 && !bytes.Contains(ca, []byte("-----BEGIN CERTIFICATE-----")) {
		return nil, configErr("tls.caFile holds no PEM certificate", nil)
	}
	h, err := newHTTPConn(cfg, ep, ca)
	if err != nil {
		return nil, configErr(err.Error(), err)
	}
	var t soapTransport
	switch cfg.Auth {
	case AuthNTLM:
		domain, user := splitNTLMUser(cfg.Username)
		t = &ntlmTransport{httpConn: h, user: user, domain: domain, password: cfg.Password, seal: !ep.https && !cfg.AllowUnencrypted}
	case AuthBasic:
		t = &basicTransport{httpConn: h, user: cfg.Username, password: cfg.Password}
	case AuthKerberos:
		kt, err := newKerberosTransport(h, cfg, ep)
		if err != nil {
			return nil, configErr(err.Error(), err)
		}
		t = kt
	}
	params := winrm.NewParameters(isoSeconds(cfg.OperationTimeout), "en-US", 153600)
	return &Client{cfg: cfg, ep: ep, t: t, w: &winrs{t: t, url: ep.url, params: params}}, nil
}

func isoSeconds(d time.Duration) string {
	return fmt.Sprintf("PT%dS", int(d.Round(time.Second)/time.Second))
}

// Endpoint returns the normalised endpoint URL.
func (c *Client) Endpoint() string { return c.ep.url }

// Commands returns how many WinRM commands the client has started.
func (c *Client) Commands() int { return int(c.commands.Load()) }

// Shells returns how many WinRS shells the client has created.
func (c *Client) Shells() int { return int(c.shells.Load()) }

// Result is what one script run returned.
type Result struct {
	Stdout   string
	Stderr   string
	ExitCode int
	Duration time.Duration
}

// Runner runs one script and returns its output. *Client implements it over
// WinRM; controller tests use a recording fake.
type Runner interface {
	Run(ctx context.Context, script *Script) (*Result, error)
}

// Run runs script under ctx (DefaultCommandTimeout when ctx has no deadline).
// A transport failure returns a *TransportError; when ctx ends (the run's
// deadline for this server) the command in flight is abandoned and the
// output received so far is returned with a TimedOut error, so an apply can
// tell which calls finished.
func (c *Client) Run(ctx context.Context, script *Script) (*Result, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultCommandTimeout)
		defer cancel()
	}
	start := time.Now()
	if err := c.lock(ctx); err != nil {
		return nil, c.transportError(ctx, start, err)
	}
	defer c.mu.Unlock()
	log := logr.FromContextOrDiscard(ctx).WithValues("endpoint", c.ep.url, "script", script.Name)
	if c.shell == "" {
		sh, err := c.w.openShell(ctx)
		if err != nil {
			return nil, c.transportError(ctx, start, err)
		}
		c.shells.Add(1)
		c.shell = sh
		log.V(1).Info("winrm shell created")
	}
	c.commands.Add(1)
	var stdout, stderr bytes.Buffer
	code, err := c.w.run(ctx, c.shell, CommandLine(), Stdin(script), stdinChunk, &stdout, &stderr)
	res := &Result{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: code, Duration: time.Since(start)}
	if err != nil {
		// The shell may hold a running command or be gone: start afresh next
		// time, and delete this one in the background, bounded.
		c.dropShell()
		return res, c.transportError(ctx, start, err)
	}
	log.V(1).Info("winrm command done", "exitCode", res.ExitCode, "stdoutBytes", len(res.Stdout),
		"stderrBytes", len(res.Stderr), "duration", res.Duration)
	return res, nil
}

// lock takes the one-command-at-a-time lock, or gives up when ctx ends.
func (c *Client) lock(ctx context.Context) error {
	for !c.mu.TryLock() {
		select {
		case <-ctx.Done():
			return &timeoutError{what: timeoutServer, err: ctx.Err()}
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// Close deletes the shell under ctx and the request timeout. Safe to call
// more than once.
func (c *Client) Close(ctx context.Context) error {
	start := time.Now()
	if err := c.lock(ctx); err != nil {
		return c.transportError(ctx, start, err)
	}
	defer c.mu.Unlock()
	if c.shell == "" {
		return nil
	}
	sh := c.shell
	c.shell = ""
	if err := c.w.deleteShell(ctx, sh); err != nil {
		return c.transportError(ctx, start, err)
	}
	return nil
}

// dropShell forgets the shell and deletes it in the background under
// closeTimeout. The delete waits for the transport's turn, so it never runs
// beside the next command's requests.
func (c *Client) dropShell() {
	sh := c.shell
	c.shell = ""
	if sh == "" {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		_ = c.w.deleteShell(ctx, sh)
	}()
}
