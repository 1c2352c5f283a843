package exchange

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// transportError turns what a transport or the WinRS sequence returned into
// a *TransportError worded for a person. Our transports return typed errors
// (timeoutError, statusError, wsmanFault, capError, redirectError,
// schemeError, kerberosError) and net/http's typed causes (x509, syscall,
// net) are found with errors.As; the text of masterzen's reply parsers and
// gokrb5's messages is read only here.
func (c *Client) transportError(ctx context.Context, start time.Time, err error) error {
	var already *TransportError
	if errors.As(err, &already) {
		return err
	}
	te := &TransportError{Endpoint: c.ep.url, User: c.cfg.Username, Auth: string(c.cfg.Auth), Err: err}
	te.Kind, te.Detail = classifyTransport(err, c.ep.port)
	var to *timeoutError
	switch {
	case te.Kind != TransportTimeout:
	case errors.As(err, &to) && to.what != timeoutServer:
		te.Detail = to.Error()
	case ctx.Err() != nil:
		te.Detail = "cancelled; the command in flight was abandoned"
		if dl, ok := ctx.Deadline(); ok && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			te.Detail = fmt.Sprintf("%s: timed out after %s; the command in flight was abandoned", timeoutServer, roundDuration(dl.Sub(start)))
		}
	}
	if kt, ok := c.t.(*kerberosTransport); ok && te.Kind == TransportAuth && te.Detail == "" {
		te.Detail = fmt.Sprintf("the server refused the Kerberos ticket for %s: check kerberos.spn (the server's HTTP/<fqdn>) "+
			"and that the account may log on over WinRM", kt.spn)
	}
	if te.Kind == TransportAuth && te.Detail == "" && c.cfg.Auth == AuthNTLM && !c.ep.https && c.cfg.AllowUnencrypted {
		te.Detail = "wrong password, or the listener refuses unencrypted messages (AllowUnencrypted=false on the server): " +
			"without allowUnencrypted exreconcile encrypts NTLM messages over http://"
	}
	return te
}

// roundDuration prints whole seconds as "60s" (not "1m0s").
func roundDuration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
}

var (
	statusPattern = regexp.MustCompile(`(?:http error|http response error:|request returned:) (\d{3})`)
	// faultText is the s:Text of a SOAP fault (or a f:Message), not the
	// a:MessageID every envelope carries.
	faultText = regexp.MustCompile(`(?s)<(?:\w+:)?(?:Text|Message)(?:\s[^>]*)?>(.*?)</(?:\w+:)?(?:Text|Message)>`)
)

func classifyTransport(err error, port int) (TransportKind, string) {
	var (
		unknownCA  x509.UnknownAuthorityError
		hostname   x509.HostnameError
		invalid    x509.CertificateInvalidError
		recordErr  tls.RecordHeaderError
		dnsErr     *net.DNSError
		netErr     net.Error
		verifyErr  *tls.CertificateVerificationError
		unknownPtr *x509.UnknownAuthorityError
	)
	var (
		timeout  *timeoutError
		capped   *capError
		status   *statusError
		fault    *wsmanFault
		scheme   *schemeError
		redirect *redirectError
		krb      *kerberosError
	)
	switch {
	case errors.As(err, &timeout):
		return TransportTimeout, timeout.Error()
	case errors.As(err, &krb):
		if why, ok := krb.refused(); ok {
			return TransportAuth, why
		}
		return TransportOtherError, krb.Error()
	case errors.As(err, &capped):
		return TransportProtocol, capped.Error()
	case errors.As(err, &redirect):
		return TransportProtocol, redirect.Error()
	case errors.As(err, &scheme):
		return TransportAuth, scheme.Error()
	case errors.Is(err, errSealing):
		return TransportProtocol, err.Error()
	case errors.As(err, &status) && (status.status == 401 || status.status == 403):
		if status.status == 403 {
			return TransportAuth, "forbidden (403)"
		}
		return TransportAuth, ""
	case errors.As(err, &status):
		return TransportProtocol, fmt.Sprintf("HTTP %d%s", status.status, faultSuffix(status.body))
	case errors.As(err, &fault):
		return TransportProtocol, "WS-Management fault" + faultSuffix(fault.body)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return TransportTimeout, "timed out"
	case errors.Is(err, context.Canceled):
		return TransportTimeout, "cancelled"
	case errors.As(err, &unknownCA), errors.As(err, &unknownPtr):
		return TransportUntrusted, ""
	case errors.As(err, &hostname):
		return TransportHostname, fmt.Sprintf("the server certificate is not for this name (%v): use the endpoint name the certificate carries", hostname.Error())
	case errors.As(err, &invalid):
		return TransportTLS, fmt.Sprintf("the server certificate is not valid: %v", invalid.Error())
	case errors.As(err, &verifyErr):
		return TransportTLS, fmt.Sprintf("the server certificate could not be verified: %v", verifyErr.Err)
	case errors.As(err, &recordErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return TransportTLS, "the server did not answer TLS: is this an http:// listener (usually port 5985)?"
	case errors.Is(err, syscall.ECONNREFUSED):
		return TransportRefused, fmt.Sprintf("connection refused: is WinRM listening on port %d?", port)
	case errors.As(err, &dnsErr):
		return TransportDNS, fmt.Sprintf("cannot resolve host %s", dnsErr.Name)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.EPIPE), strings.Contains(err.Error(), "EOF"),
		strings.Contains(err.Error(), "connection reset"):
		return TransportDropped, "the connection was dropped before the server answered"
	case errors.As(err, &netErr) && netErr.Timeout():
		return TransportTimeout, "timed out"
	}
	msg := err.Error()
	if m := statusPattern.FindStringSubmatch(msg); m != nil {
		switch m[1] {
		case "401":
			return TransportAuth, ""
		case "403":
			return TransportAuth, "forbidden (403)"
		}
		detail := "HTTP " + m[1]
		if f := faultText.FindStringSubmatch(msg); f != nil {
			detail += ": " + strings.TrimSpace(f[1])
		}
		return TransportProtocol, detail
	}
	// gokrb5 failures (wrong password, unknown principal, clock skew) mean
	// the login failed.
	if strings.Contains(msg, "KDC_ERR") || strings.Contains(msg, "KRB_AP_ERR") || strings.Contains(msg, "KRB_ERR") {
		return TransportAuth, ""
	}
	if f := faultText.FindStringSubmatch(msg); f != nil {
		return TransportProtocol, "WS-Management fault: " + strings.TrimSpace(f[1])
	}
	return TransportOtherError, msg
}

// faultSuffix is ": <the fault's text>" when body holds a SOAP fault.
func faultSuffix(body string) string {
	if f := faultText.FindStringSubmatch(body); f != nil {
		return ": " + strings.TrimSpace(f[1])
	}
	if b := strings.TrimSpace(body); b != "" && len(b) < 200 {
		return ": " + b
	}
	return ""
}
