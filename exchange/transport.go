package exchange

import (
	"bytes"
	"context"
	"fmt"
	"io"
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
	// responseGrace is added to OperationTimeout for the HTTP response
	// timeout, so the client never gives up on a Receive the server is still
	// allowed to hold.
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

// KerberosConfig configures winrm.ClientKerberos.
type KerberosConfig struct {
	Realm string
	// Krb5Conf is the path of a krb5.conf (required: the client loads it on
	// every request).
	Krb5Conf string
	// CCache is an optional credential cache file; when set the password is
	// not used.
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
	// AllowUnencrypted permits http:// endpoints.
	AllowUnencrypted bool
	// OperationTimeout is the WS-Man OperationTimeout (default 60s).
	OperationTimeout time.Duration
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
		return endpointParts{}, bad("not a URL; want https://host:5986/wsman")
	}
	ep := endpointParts{host: u.Hostname()}
	switch strings.ToLower(u.Scheme) {
	case "https":
		ep.https, ep.port = true, 5986
	case "http":
		ep.port = 5985
		if !c.AllowUnencrypted {
			return endpointParts{}, bad("refusing http://: WinRM over plain HTTP sends every script, " +
				"including the Exchange password inside it, readable on the network (this client does not " +
				"encrypt NTLM or Kerberos messages); use https:// or set allowUnencrypted: true")
		}
	default:
		return endpointParts{}, bad(fmt.Sprintf("scheme %q: want https:// (or http:// with allowUnencrypted)", u.Scheme))
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
	case AuthNTLM, AuthBasic:
	case AuthKerberos:
		if c.Kerberos.Realm == "" || c.Kerberos.Krb5Conf == "" {
			return endpointParts{}, bad("kerberos needs a realm and the path of a krb5.conf")
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
	wc       *winrm.Client
	mu       sync.Mutex // one command at a time
	shell    *winrm.Shell
	commands atomic.Int64
	shells   atomic.Int64
}

// NewClient checks cfg and prepares a client; it does not connect.
func NewClient(cfg ConnectionConfig) (*Client, error) {
	if cfg.OperationTimeout <= 0 {
		cfg.OperationTimeout = DefaultOperationTimeout
	}
	ep, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	ca := cfg.CAPEM
	if cfg.CAFile != "" {
		b, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, &TransportError{Kind: TransportConfig, Endpoint: ep.url, Detail: fmt.Sprintf("cannot read tls.caFile: %v", err), Err: err}
		}
		ca = append(append([]byte(nil), ca...), b...)
	}
	if len(ca) > 0 && !bytes.Contains(ca, []byte("-----BEGIN CERTIFICATE-----")) {
		return nil, &TransportError{Kind: TransportConfig, Endpoint: ep.url, Detail: "tls.caFile holds no PEM certificate"}
	}
	// Endpoint.Timeout is the HTTP response-header timeout; it must outlast
	// the OperationTimeout the server may hold a Receive for.
	endpoint := winrm.NewEndpoint(ep.host, ep.port, ep.https, cfg.InsecureSkipVerify, ca, nil, nil,
		cfg.OperationTimeout+responseGrace)
	// A fresh Parameters value: winrm.DefaultParameters is a shared global.
	params := winrm.NewParameters(isoSeconds(cfg.OperationTimeout), "en-US", 153600)
	switch cfg.Auth {
	case AuthNTLM:
		params.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
	case AuthKerberos:
		k := cfg.Kerberos
		proto := "http"
		if ep.https {
			proto = "https"
		}
		params.TransportDecorator = func() winrm.Transporter {
			return &winrm.ClientKerberos{Username: cfg.Username, Password: cfg.Password.Reveal(), Realm: k.Realm,
				Hostname: ep.host, Port: ep.port, Proto: proto, SPN: k.SPN, KrbConf: k.Krb5Conf, KrbCCache: k.CCache}
		}
	}
	wc, err := winrm.NewClientWithParameters(endpoint, cfg.Username, cfg.Password.Reveal(), params)
	if err != nil {
		return nil, &TransportError{Kind: TransportConfig, Endpoint: ep.url, Detail: fmt.Sprintf("tls.caFile: %v", err), Err: err}
	}
	return &Client{cfg: cfg, ep: ep, wc: wc}, nil
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
// A transport failure returns a *TransportError; a timeout also returns the
// output received so far, so an apply can tell which calls finished.
func (c *Client) Run(ctx context.Context, script *Script) (*Result, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultCommandTimeout)
		defer cancel()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	log := logr.FromContextOrDiscard(ctx).WithValues("endpoint", c.ep.url, "script", script.Name)
	start := time.Now()
	if c.shell == nil {
		sh, err := call(ctx, func() (*winrm.Shell, error) { return c.wc.CreateShell() })
		if err != nil {
			return nil, c.transportError(ctx, start, err)
		}
		c.shells.Add(1)
		c.shell = sh
		log.V(1).Info("winrm shell created")
	}
	res, err := c.execute(ctx, script, start)
	if err != nil {
		// The shell may hold a running command or be gone: start afresh next
		// time, and try to delete this one without blocking the caller.
		c.dropShell()
		return res, err
	}
	log.V(1).Info("winrm command done", "exitCode", res.ExitCode, "stdoutBytes", len(res.Stdout),
		"stderrBytes", len(res.Stderr), "duration", res.Duration)
	return res, nil
}

func (c *Client) execute(ctx context.Context, script *Script, start time.Time) (*Result, error) {
	c.commands.Add(1)
	cmd, err := call(ctx, func() (*winrm.Command, error) { return c.shell.ExecuteWithContext(ctx, CommandLine()) })
	if err != nil {
		return nil, c.transportError(ctx, start, err)
	}
	var stdout, stderr lockedBuffer
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); _, _ = io.Copy(&stdout, cmd.Stdout) }()
	go func() { defer wg.Done(); _, _ = io.Copy(&stderr, cmd.Stderr) }()
	stdinErr := make(chan error, 1)
	go func() {
		defer wg.Done()
		var err error
		// masterzen cuts stdin into EnvelopeSize-1000 raw bytes, but each
		// piece travels base64-encoded (4/3 larger), which would exceed the
		// server's MaxEnvelopeSize; smaller writes keep every Send under it.
		for in := Stdin(script); len(in) > 0 && err == nil; {
			n := min(len(in), stdinChunk)
			_, err = cmd.Stdin.Write(in[:n])
			in = in[n:]
		}
		if cerr := cmd.Stdin.Close(); err == nil {
			err = cerr
		}
		stdinErr <- err
	}()
	done := make(chan struct{})
	go func() { cmd.Wait(); wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		// masterzen notices the context only between polls; do not wait for it.
		go func() { _ = cmd.Close() }()
		res := &Result{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: -1, Duration: time.Since(start)}
		return res, c.transportError(ctx, start, ctx.Err())
	}
	res := &Result{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: cmd.ExitCode(), Duration: time.Since(start)}
	if err := cmd.Error(); err != nil {
		return res, c.transportError(ctx, start, err)
	}
	if err := <-stdinErr; err != nil && err != io.ErrClosedPipe {
		return res, c.transportError(ctx, start, err)
	}
	// Signal the finished command so the server frees it (as winrm.Run does).
	_ = cmd.Close()
	return res, nil
}

// Close deletes the shell. Safe to call more than once.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shell == nil {
		return nil
	}
	sh := c.shell
	c.shell = nil
	_, err := call(ctx, func() (struct{}, error) { return struct{}{}, sh.Close() })
	if err != nil {
		return c.transportError(ctx, time.Now(), err)
	}
	return nil
}

func (c *Client) dropShell() {
	sh := c.shell
	c.shell = nil
	if sh == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		_, _ = call(ctx, func() (struct{}, error) { return struct{}{}, sh.Close() })
	}()
}

// call runs f and returns early when ctx ends: masterzen's HTTP requests do
// not take a context, so a dead server would otherwise hold the caller for
// the whole response timeout.
func call[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() { v, err := f(); ch <- result{v, err} }()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
