package exchange

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

// Limits of one WinRM exchange (docs/winrm.md "Our transport").
const (
	// DefaultConnectTimeout bounds the TCP connect and the TLS handshake.
	DefaultConnectTimeout = 30 * time.Second
	// maxReplyBytes caps what is read of one HTTP response: a WinRS reply
	// is at most MaxEnvelopeSize (150 KB to 500 KB), so 16 MiB is a server
	// gone wrong, not a big answer.
	maxReplyBytes = 16 << 20
	// maxOutputBytes caps what one command's stdout and stderr may add up
	// to over all its Receive replies.
	maxOutputBytes  = 64 << 20
	soapContentType = "application/soap+xml;charset=UTF-8"
)

// soapTransport carries one SOAP message to the server and returns the SOAP
// reply. A reply with HTTP 500 (a WS-Management fault) comes back as its
// body together with a *wsmanFault. Every implementation sends one request
// at a time over one connection, so a connection-bound NTLM context never
// sees two requests at once (masterzen/winrm issues 142 and 166).
type soapTransport interface {
	winrm.Transporter
	roundTrip(ctx context.Context, msg []byte) ([]byte, error)
}

// httpConn is the HTTP side shared by the transports: our own http.Client
// (our dialer with the connect timeout, our TLS configuration, no
// redirects, one connection), a one-request-at-a-time gate, the request
// timeout and the reply cap.
type httpConn struct {
	url            string
	client         *http.Client
	gate           chan struct{}
	connectTimeout time.Duration
	requestTimeout time.Duration
	maxReply       int64
}

// redirectError is the refusal to follow a redirect.
type redirectError struct {
	status   int
	location string
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("refused to follow the redirect (HTTP %d to %s): WinRM requests are never redirected, "+
		"since a redirect would carry the credentials and scripts elsewhere; declare the real endpoint", e.status, e.location)
}

func newHTTPConn(cfg ConnectionConfig, ep endpointParts, ca []byte) (*httpConn, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.InsecureSkipVerify} //nolint:gosec // an explicit, warned-about opt-in
	if len(ca) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, errors.New("tls.caFile holds no usable PEM certificate")
		}
		tc.RootCAs = pool
	}
	h := &httpConn{url: ep.url, gate: make(chan struct{}, 1), connectTimeout: cfg.ConnectTimeout,
		requestTimeout: cfg.RequestTimeout, maxReply: maxReplyBytes}
	dialer := &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil && ctx.Err() == nil && isTimeout(err) {
				return nil, &timeoutError{what: timeoutConnect, after: cfg.ConnectTimeout, err: err}
			}
			return c, err
		},
		TLSClientConfig:     tc,
		TLSHandshakeTimeout: cfg.ConnectTimeout,
		// One connection per server: NTLM authenticates a connection, and
		// WinRM is HTTP/1.1 (an empty TLSNextProto map turns HTTP/2 off).
		MaxConnsPerHost:     1,
		MaxIdleConnsPerHost: 1,
		MaxIdleConns:        1,
		IdleConnTimeout:     90 * time.Second,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
		DisableCompression:  true,
	}
	h.client = &http.Client{
		Transport: tr,
		// A redirect would carry the credentials and the scripts to a URL
		// nobody declared (an https endpoint answering 307 to http://).
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			return &redirectError{status: req.Response.StatusCode, location: req.URL.Redacted()}
		},
	}
	return h, nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// acquire waits for the connection's turn, or for ctx.
func (h *httpConn) acquire(ctx context.Context) (func(), error) {
	select {
	case h.gate <- struct{}{}:
		return func() { <-h.gate }, nil
	case <-ctx.Done():
		return nil, &timeoutError{what: timeoutServer, err: ctx.Err()}
	}
}

// reply is one HTTP response, its body read whole (under the cap).
type reply struct {
	status int
	header http.Header
	body   []byte
}

// do sends one POST under the request timeout and reads the reply body
// through the cap.
func (h *httpConn) do(ctx context.Context, header http.Header, body []byte) (*reply, error) {
	rctx, cancel := context.WithTimeout(ctx, h.requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "exreconcile")
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, h.deadline(ctx, rctx, err)
	}
	defer resp.Body.Close()
	if resp.ContentLength > h.maxReply {
		return nil, &capError{limit: h.maxReply, what: fmt.Sprintf("a reply of %d bytes", resp.ContentLength)}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, h.maxReply+1))
	if err != nil {
		return nil, h.deadline(ctx, rctx, err)
	}
	if int64(len(b)) > h.maxReply {
		return nil, &capError{limit: h.maxReply, what: "the reply"}
	}
	return &reply{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// deadline names which deadline ended a failed request: the connect
// timeout, the request timeout, or the caller's (the run's deadline for
// this server).
func (h *httpConn) deadline(ctx, rctx context.Context, err error) error {
	var te *timeoutError
	switch {
	case errors.As(err, &te):
		return err
	case ctx.Err() != nil:
		return &timeoutError{what: timeoutServer, err: ctx.Err()}
	case errors.Is(rctx.Err(), context.DeadlineExceeded):
		return &timeoutError{what: timeoutRequest, after: h.requestTimeout, err: err}
	case strings.Contains(err.Error(), "TLS handshake timeout"):
		return &timeoutError{what: timeoutConnect, after: h.connectTimeout, err: err}
	}
	return err
}

// CloseIdle drops the idle connection.
func (h *httpConn) closeIdle() { h.client.CloseIdleConnections() }

// soapHeader is the header of a plain SOAP request.
func soapHeader() http.Header {
	return http.Header{"Content-Type": {soapContentType}}
}

// soapReply turns a plain (unsealed) reply into the SOAP body or an error.
func soapReply(r *reply) ([]byte, error) {
	switch r.status {
	case http.StatusOK:
		return r.body, nil
	case http.StatusUnauthorized:
		return nil, &statusError{status: r.status, offered: r.header.Values("WWW-Authenticate")}
	case http.StatusInternalServerError:
		if len(r.body) > 0 {
			return r.body, &wsmanFault{body: string(r.body)}
		}
	}
	return nil, &statusError{status: r.status, body: string(r.body)}
}

// postMessage adapts the context-free winrm.Transporter Post to roundTrip;
// our own command sequence calls roundTrip with the caller's context.
func postMessage(t soapTransport, msg *soap.SoapMessage) (string, error) {
	b, err := t.roundTrip(context.Background(), []byte(msg.String()))
	return string(b), err
}

// basicTransport sends Basic credentials with every request (HTTPS, or
// http:// with AllowBasicOverHTTP).
type basicTransport struct {
	*httpConn
	user     string
	password Secret
}

var _ soapTransport = (*basicTransport)(nil)

// Transport implements winrm.Transporter; the connection is configured by
// newHTTPConn.
func (t *basicTransport) Transport(*winrm.Endpoint) error { return nil }

// Post implements winrm.Transporter.
func (t *basicTransport) Post(_ *winrm.Client, msg *soap.SoapMessage) (string, error) {
	return postMessage(t, msg)
}

func (t *basicTransport) roundTrip(ctx context.Context, msg []byte) ([]byte, error) {
	release, err := t.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	h := soapHeader()
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(t.user+":"+t.password.Reveal())))
	r, err := t.do(ctx, h, msg)
	if err != nil {
		return nil, err
	}
	return soapReply(r)
}

// Error types of the transports, turned into *TransportError by
// Client.transportError.

type timeoutKind string

const (
	timeoutConnect timeoutKind = "connect"
	timeoutRequest timeoutKind = "request"
	timeoutServer  timeoutKind = "server deadline"
)

// timeoutError is a deadline that expired; after is the timeout (for the
// server deadline Client.transportError fills in the run's).
type timeoutError struct {
	what  timeoutKind
	after time.Duration
	err   error
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("%s timed out after %s", e.what, roundDuration(e.after))
}
func (e *timeoutError) Unwrap() error { return e.err }

// capError is a reply larger than the cap.
type capError struct {
	limit int64
	what  string
}

func (e *capError) Error() string {
	return fmt.Sprintf("%s exceeds the %d MiB cap on what is read from the server; refusing it", e.what, e.limit>>20)
}

// statusError is an HTTP status other than 200 and a fault's 500.
type statusError struct {
	status  int
	offered []string // WWW-Authenticate of a 401
	body    string
}

func (e *statusError) Error() string {
	if e.status == http.StatusUnauthorized {
		return fmt.Sprintf("http error 401 (offered: %s)", strings.Join(e.offered, ", "))
	}
	return fmt.Sprintf("http error %d: %s", e.status, e.body)
}

// wsmanFault is a SOAP fault (HTTP 500) from the WS-Management service.
type wsmanFault struct{ body string }

func (e *wsmanFault) Error() string { return "http error 500: " + e.body }

// operationTimeout reports whether the fault is the w:TimedOut of a Receive
// that saw no output within OperationTimeout: poll again.
func (e *wsmanFault) operationTimeout() bool {
	return strings.Contains(e.body, "w:TimedOut") || strings.Contains(e.body, "2150858793")
}

// schemeError is a server that offers none of the declared scheme.
type schemeError struct {
	want    Auth
	offered []string
}

func (e *schemeError) Error() string {
	if e.want == AuthNTLM && offersScheme(e.offered, "Negotiate") {
		// Negotiate is offered, but the NTLM NEGOTIATE got no CHALLENGE.
		return fmt.Sprintf("the server answered the NTLM NEGOTIATE without a CHALLENGE (it offers %s): NTLM may be "+
			"refused for this account or server by policy (Network security: Restrict NTLM); refusing to fall back to another scheme: "+
			"allow NTLM, or use auth.method kerberos", offeredList(e.offered))
	}
	return fmt.Sprintf("the server does not offer %s (it offers %s); refusing to fall back to another scheme: "+
		"enable %s on the WinRM service or change auth.method", e.want, offeredList(e.offered), e.want)
}

func offeredList(v []string) string {
	var out []string
	for _, s := range v {
		scheme, _, _ := strings.Cut(strings.TrimSpace(s), " ")
		out = append(out, scheme)
	}
	if len(out) == 0 {
		return "nothing"
	}
	return strings.Join(out, ", ")
}
