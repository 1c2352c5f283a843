package verify

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// DialFunc opens a TCP connection to address (host:port).
type DialFunc func(ctx context.Context, address string) (net.Conn, error)

func defaultDial(ctx context.Context, address string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", address)
}

// DefaultEHLOName is this host's name, the default EHLO argument.
func DefaultEHLOName() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}

// reply is one SMTP reply: its code, the enhanced status code when the
// first line has one, and its lines as they came, plus where they start in
// the transcript.
type reply struct {
	code     int
	enhanced string
	lines    []string
	at       int // index of the first line in the transcript
}

func (r *reply) text() string {
	if r == nil || len(r.lines) == 0 {
		return ""
	}
	return r.lines[len(r.lines)-1]
}

// observation is everything a session saw, for the checks.
type observation struct {
	transcript []string
	greeting   *reply
	ehlo       *reply
	mailBefore *reply // MAIL FROM before STARTTLS (RequireTLS)
	mailAt     int
	authBefore *reply // AUTH LOGIN before STARTTLS (BasicAuthRequireTLS)
	authAt     int
	startTLS   *reply
	startAt    int
	tls        *tls.ConnectionState
	tlsErr     error
	tlsAt      int // transcript index of the TLS line
	ehloTLS    *reply
}

// conversation runs the SMTP dialogue of one probe on conn: greeting, EHLO,
// the MAIL FROM and AUTH LOGIN tries before TLS when the probe needs them,
// STARTTLS and EHLO again when offered, QUIT. Nothing is sent past MAIL
// FROM: a MAIL FROM that is accepted is taken back with RSET, an AUTH LOGIN
// that is accepted is cancelled with "*" (RFC 4954 4).
type conversation struct {
	conn net.Conn
	r    *textproto.Reader
	obs  *observation
}

func (c *conversation) send(line string) error {
	c.obs.transcript = append(c.obs.transcript, "C: "+line)
	_, err := c.conn.Write([]byte(line + "\r\n"))
	return err
}

func (c *conversation) read() (*reply, error) {
	r := &reply{at: len(c.obs.transcript)}
	for {
		line, err := c.r.ReadLine()
		if err != nil {
			return nil, fmt.Errorf("reading the reply: %w", err)
		}
		c.obs.transcript = append(c.obs.transcript, "S: "+line)
		r.lines = append(r.lines, line)
		if len(line) < 3 {
			return nil, fmt.Errorf("malformed reply %q", line)
		}
		code, err := strconv.Atoi(line[:3])
		if err != nil {
			return nil, fmt.Errorf("malformed reply %q", line)
		}
		if r.code == 0 {
			r.code = code
			if f := strings.Fields(line[min(4, len(line)):]); len(f) > 0 && isEnhanced(f[0]) {
				r.enhanced = f[0]
			}
		}
		if len(line) == 3 || line[3] != '-' {
			return r, nil
		}
	}
}

func (c *conversation) cmd(line string) (*reply, error) {
	if err := c.send(line); err != nil {
		return nil, err
	}
	return c.read()
}

func isEnhanced(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
		return false
	}
	for _, p := range parts[1:] {
		if _, err := strconv.Atoi(p); err != nil {
			return false
		}
	}
	return true
}

// hasExtension reports whether an EHLO reply lists keyword (its first word
// after the code).
func hasExtension(r *reply, keyword string) bool {
	return extensionLine(r, keyword) != ""
}

func extensionLine(r *reply, keyword string) string {
	if r == nil {
		return ""
	}
	for _, l := range r.lines[1:] {
		if len(l) < 4 {
			continue
		}
		f := strings.Fields(l[4:])
		if len(f) > 0 && strings.EqualFold(f[0], keyword) {
			return l
		}
	}
	return ""
}

// authOffers reports whether the EHLO reply's AUTH line lists mech.
func authOffers(r *reply, mech string) bool {
	l := extensionLine(r, "AUTH")
	if l == "" {
		return false
	}
	for _, m := range strings.Fields(l[4:])[1:] {
		if strings.EqualFold(m, mech) {
			return true
		}
	}
	return false
}

// converse runs the dialogue; errors end it (the observation keeps what
// was seen).
func (c *conversation) converse(p Probe, ehloName, serverName string, deadline time.Time) error {
	o := c.obs
	var err error
	if o.greeting, err = c.read(); err != nil {
		return err
	}
	if o.greeting.code != 220 {
		return fmt.Errorf("the server refused the session: %s", o.greeting.text())
	}
	if o.ehlo, err = c.cmd("EHLO " + ehloName); err != nil {
		return err
	}
	if o.ehlo.code != 250 {
		return fmt.Errorf("EHLO refused: %s", o.ehlo.text())
	}
	if p.RequireTLS {
		o.mailAt = len(o.transcript)
		if o.mailBefore, err = c.cmd("MAIL FROM:<>"); err != nil {
			return err
		}
		if o.mailBefore.code/100 == 2 {
			if _, err := c.cmd("RSET"); err != nil {
				return err
			}
		}
	}
	if p.AuthMechanism.Has(value.AuthBasicAuthRequireTLS) {
		o.authAt = len(o.transcript)
		if o.authBefore, err = c.cmd("AUTH LOGIN"); err != nil {
			return err
		}
		if o.authBefore.code == 334 {
			if _, err := c.cmd("*"); err != nil {
				return err
			}
		}
	}
	if hasExtension(o.ehlo, "STARTTLS") {
		o.startAt = len(o.transcript)
		if o.startTLS, err = c.cmd("STARTTLS"); err != nil {
			return err
		}
		if o.startTLS.code != 220 {
			return c.quit()
		}
		// The client accepts every version and certificate so that the
		// checks can say what the server presented; nothing is trusted.
		tc := tls.Client(c.conn, &tls.Config{ServerName: serverName, InsecureSkipVerify: true, MinVersion: tls.VersionTLS10}) //nolint:gosec // see above
		_ = tc.SetDeadline(deadline)
		o.tlsAt = len(o.transcript)
		if err := tc.Handshake(); err != nil {
			o.tlsErr = err
			o.transcript = append(o.transcript, "TLS: handshake failed: "+err.Error())
			return nil
		}
		st := tc.ConnectionState()
		o.tls = &st
		o.transcript = append(o.transcript, "TLS: "+describeTLS(st))
		c.conn, c.r = tc, textproto.NewReader(bufio.NewReader(tc))
		if o.ehloTLS, err = c.cmd("EHLO " + ehloName); err != nil {
			return err
		}
	}
	return c.quit()
}

func (c *conversation) quit() error {
	_, err := c.cmd("QUIT")
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func describeTLS(st tls.ConnectionState) string {
	s := fmt.Sprintf("%s %s", tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
	if len(st.PeerCertificates) > 0 {
		leaf := st.PeerCertificates[0]
		s += fmt.Sprintf("; certificate subject %q issuer %q thumbprint %s valid %s to %s; names %s",
			windowsDN(leaf.RawSubject), windowsDN(leaf.RawIssuer), thumbprint(leaf.Raw),
			leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339), strings.Join(certNames(leaf), ", "))
	}
	return s
}

// probeOne runs one session and its checks.
func probeOne(ctx context.Context, p Probe, t target, all []Probe, opts Options) Result {
	res := Result{Organization: p.Organization, Server: p.Server, Connector: p.Connector,
		Binding: t.binding.String(), Target: t.String()}
	address := opts.redirect(t.host, t.port)
	res.Address = address
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	conn, err := opts.Dial(ctx, address)
	if err != nil {
		res.Status, res.Message = StatusError, fmt.Sprintf("cannot connect to %s: %v", address, err)
		return res
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	if a, ok := conn.LocalAddr().(*net.TCPAddr); ok {
		local := a.AddrPort().Addr().Unmap()
		res.ClientAddress = local.String()
		if q := answering(all, p, t, local); q == nil || q.Connector != p.Connector {
			res.Status, res.RemoteIPRanges = StatusNotProbeableFromHere, rangeStrings(p.RemoteIPRanges)
			res.Message = notProbeable(p, q, local)
			return res
		}
	}
	c := &conversation{conn: conn, r: textproto.NewReader(bufio.NewReader(conn)), obs: &observation{}}
	err = c.converse(p, opts.EHLO, p.FQDN, deadline)
	res.Transcript = c.obs.transcript
	if err != nil && c.obs.ehlo == nil {
		res.Status, res.Message = StatusError, err.Error()
		return res
	}
	res.Checks = evaluate(p, c.obs, opts.Now())
	res.Status = StatusPassed
	for _, ch := range res.Checks {
		if ch.Result == CheckFailed {
			res.Status = StatusFailed
		}
	}
	if err != nil {
		res.Message = "the session ended early: " + err.Error()
		if res.Status == StatusPassed {
			res.Status = StatusError
		}
	}
	return res
}

func notProbeable(p Probe, other *Probe, addr netip.Addr) string {
	if other != nil {
		return fmt.Sprintf("this host (%s) reaches %s\\%s here: its remote IP ranges match %s more closely than %s's (%s)",
			addr, other.Server, other.Connector, addr, p.Connector, strings.Join(rangeStrings(p.RemoteIPRanges), ", "))
	}
	return fmt.Sprintf("this host (%s) is outside the connector's remote IP ranges (%s); probe it from one of them",
		addr, strings.Join(rangeStrings(p.RemoteIPRanges), ", "))
}
