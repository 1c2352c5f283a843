package smtp

import (
	"bufio"
	"crypto/tls"
	"net"
	"net/netip"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/exchange"
)

// Replies. The wordings are Exchange's, from the transcripts cited in
// ehlo.go and the pages named here; those marked [INFER] were not seen in a
// transcript.
const (
	replyTLSReady      = "220 2.0.0 SMTP server ready"
	replySenderOK      = "250 2.1.0 Sender OK"
	replyRecipientOK   = "250 2.1.5 Recipient OK"
	replyReset         = "250 2.0.0 Resetting"
	replyNoop          = "250 2.0.0 OK"
	replyQuit          = "221 2.0.0 Service closing transmission channel"
	replyUnrecognized  = "500 5.3.3 Unrecognized command"
	replyHelloFirst    = "503 5.5.2 Send hello first"
	replyNeedMail      = "503 5.5.2 Need mail command"
	replyNeedRcpt      = "503 5.5.2 Need rcpt command"
	replySenderTwice   = "503 5.5.2 Sender already specified"
	replyBadArgs       = "501 5.5.4 Invalid arguments"
	replyMustStartTLS  = "530 5.7.0 Must issue a STARTTLS command first"
	replyNotAuthed     = "530 5.7.1 Client was not authenticated"
	replyUnknownAuth   = "504 5.7.4 Unrecognized authentication type"
	replyAuthFailed    = "535 5.7.3 Authentication unsuccessful"
	replyAuthAborted   = "501 5.7.0 Authentication aborted" // [INFER]
	replyTooBig        = "552 5.3.4 Message size exceeds fixed maximum message size"
	replyNoConnector   = "421 4.3.2 Service not available" // [INFER]
	replyNoContent     = "554 5.3.3 exsim accepts no message content: nothing past RCPT TO is simulated"
	replyLoginUsername = "334 VXNlcm5hbWU6" // base64 "Username:"
	replyLoginPassword = "334 UGFzc3dvcmQ6" // base64 "Password:"
	defaultInactivity  = 5 * time.Minute
	handshakeTimeout   = 30 * time.Second
)

// session is one client connection.
type session struct {
	srv      *Server
	conn     net.Conn
	r        *textproto.Reader
	w        *bufio.Writer
	c        exchange.SMTPConnector
	cert     *tls.Certificate
	client   netip.Addr
	helo     bool
	secure   bool
	mail     bool
	rcpt     bool
	inactive time.Duration
}

func (s *Server) serve(l *listener, conn net.Conn) {
	s.track(conn, true)
	defer s.track(conn, false)
	defer conn.Close()
	client := netip.IPv4Unspecified()
	if a, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
		client = a.AddrPort().Addr().Unmap()
	}
	ss := &session{srv: s, conn: conn, client: client, w: bufio.NewWriter(conn), inactive: defaultInactivity}
	ss.r = textproto.NewReader(bufio.NewReader(conn))
	c, ok := choose(s.opts.Model.SMTPConnectors(), l.name, l.key.binding, client)
	if !ok {
		ss.reply(replyNoConnector)
		return
	}
	ss.c = c
	if c.InactivityTimeout > 0 {
		ss.inactive = c.InactivityTimeout
	}
	if c.Has("Tls") {
		ss.cert = s.opts.Model.SMTPCertificate(c.Server, c.Name)
	}
	ss.reply(greeting(c, s.opts.Clock().In(s.opts.Location)))
	for {
		_ = conn.SetReadDeadline(time.Now().Add(ss.inactive))
		line, err := ss.r.ReadLine()
		if err != nil {
			return
		}
		if !ss.command(line) {
			return
		}
	}
}

// track remembers open connections so that Close can end them.
func (s *Server) track(c net.Conn, open bool) {
	s.sessionsMu.Lock()
	defer s.sessionsMu.Unlock()
	if s.sessions == nil {
		s.sessions = map[net.Conn]bool{}
	}
	switch {
	case open && s.sessionsDone:
		_ = c.Close()
	case open:
		s.sessions[c] = true
	default:
		delete(s.sessions, c)
	}
}

func (ss *session) reply(lines ...string) {
	for _, l := range lines {
		_, _ = ss.w.WriteString(l + "\r\n")
	}
	_ = ss.w.Flush()
}

// startTLSOffered reports whether EHLO lists STARTTLS: Tls in AuthMechanism
// and a certificate selected.
func (ss *session) startTLSOffered() bool { return ss.c.Has("Tls") && ss.cert != nil }

// command handles one line; false ends the session.
func (ss *session) command(line string) bool {
	verb, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	arg = strings.TrimSpace(arg)
	switch strings.ToUpper(verb) {
	case "EHLO":
		ss.helo, ss.mail, ss.rcpt = true, false, false
		lines := ehloLines(ss.c, ss.client.String(), ss.startTLSOffered(), ss.secure)
		out := make([]string, len(lines))
		for i, l := range lines {
			sep := "-"
			if i == len(lines)-1 {
				sep = " "
			}
			out[i] = "250" + sep + l
		}
		ss.reply(out...)
	case "HELO":
		ss.helo, ss.mail, ss.rcpt = true, false, false
		ss.reply("250 " + ss.c.Fqdn + " Hello [" + ss.client.String() + "]")
	case "STARTTLS":
		return ss.startTLS()
	case "AUTH":
		return ss.auth(arg)
	case "MAIL":
		ss.mailFrom(arg)
	case "RCPT":
		switch {
		case !ss.mail:
			ss.reply(replyNeedMail)
		case !strings.HasPrefix(strings.ToUpper(arg), "TO:"):
			ss.reply(replyBadArgs)
		default:
			ss.rcpt = true
			ss.reply(replyRecipientOK)
		}
	case "DATA", "BDAT":
		if !ss.rcpt {
			ss.reply(replyNeedRcpt)
			return true
		}
		ss.reply(replyNoContent)
		// BDAT's chunk follows the command at once; it cannot be read as
		// commands, so the session ends.
		return !strings.EqualFold(verb, "BDAT")
	case "RSET":
		ss.mail, ss.rcpt = false, false
		ss.reply(replyReset)
	case "NOOP":
		ss.reply(replyNoop)
	case "QUIT":
		ss.reply(replyQuit)
		return false
	default:
		ss.reply(replyUnrecognized)
	}
	return true
}

func (ss *session) startTLS() bool {
	switch {
	case !ss.startTLSOffered() || ss.secure:
		ss.reply(replyUnrecognized)
		return true
	case !ss.helo:
		ss.reply(replyHelloFirst)
		return true
	}
	ss.reply(replyTLSReady)
	// Exchange 2019 CU15 and Subscription Edition add TLS 1.3 for HTTPS only,
	// not for SMTP (Microsoft's CU15 release notes), so SMTP stops at 1.2.
	cfg := &tls.Config{Certificates: []tls.Certificate{*ss.cert}, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12}
	tc := tls.Server(ss.conn, cfg)
	_ = tc.SetDeadline(time.Now().Add(handshakeTimeout))
	if err := tc.Handshake(); err != nil {
		ss.srv.opts.Logf("exsim: SMTP %s\\%s: TLS handshake with %s failed: %v", ss.c.Server, ss.c.Name, ss.client, err)
		return false
	}
	_ = tc.SetDeadline(time.Time{})
	// RFC 3207 4.2: the session starts over; nothing read before the
	// handshake is kept.
	ss.conn, ss.secure = tc, true
	ss.helo, ss.mail, ss.rcpt = false, false, false
	ss.r = textproto.NewReader(bufio.NewReader(tc))
	ss.w = bufio.NewWriter(tc)
	return true
}

// auth refuses every login (exsim has no mailboxes), but only after the
// checks Exchange makes first: RequireTLS, then the offered mechanisms.
func (ss *session) auth(arg string) bool {
	mech, initial, _ := strings.Cut(arg, " ")
	switch {
	case !ss.helo:
		ss.reply(replyHelloFirst)
		return true
	case ss.c.RequireTLS && !ss.secure:
		ss.reply(replyMustStartTLS)
		return true
	}
	offered := false
	for _, m := range authMechs(ss.c, ss.secure) {
		offered = offered || strings.EqualFold(m, mech)
	}
	if !offered {
		ss.reply(replyUnknownAuth)
		return true
	}
	if !strings.EqualFold(mech, "LOGIN") {
		ss.reply(replyAuthFailed)
		return true
	}
	prompts := []string{replyLoginUsername, replyLoginPassword}
	if strings.TrimSpace(initial) != "" {
		prompts = prompts[1:]
	}
	for _, p := range prompts {
		ss.reply(p)
		_ = ss.conn.SetReadDeadline(time.Now().Add(ss.inactive))
		answer, err := ss.r.ReadLine()
		if err != nil {
			return false
		}
		if strings.TrimSpace(answer) == "*" {
			ss.reply(replyAuthAborted)
			return true
		}
	}
	ss.reply(replyAuthFailed)
	return true
}

func (ss *session) mailFrom(arg string) {
	switch {
	case !ss.helo:
		ss.reply(replyHelloFirst)
	case ss.c.RequireTLS && !ss.secure:
		ss.reply(replyMustStartTLS)
	case !ss.c.Permits("AnonymousUsers"):
		// ms-Exch-SMTP-Submit: without it "the MAIL FROM and AUTH commands
		// will fail" (the "Receive connectors" page); only AnonymousUsers
		// grants it to a client that did not authenticate.
		ss.reply(replyNotAuthed)
	case ss.mail:
		ss.reply(replySenderTwice)
	case !strings.HasPrefix(strings.ToUpper(arg), "FROM:"):
		ss.reply(replyBadArgs)
	case tooBig(ss.c, arg):
		ss.reply(replyTooBig)
	default:
		ss.mail = true
		ss.reply(replySenderOK)
	}
}

// tooBig reports a SIZE= parameter above the connector's MaxMessageSize.
func tooBig(c exchange.SMTPConnector, arg string) bool {
	if strings.EqualFold(c.SizeEnabled, "Disabled") {
		return false
	}
	for _, f := range strings.Fields(arg) {
		if v, ok := strings.CutPrefix(strings.ToUpper(f), "SIZE="); ok {
			n, err := strconv.ParseUint(v, 10, 64)
			return err == nil && n > c.MaxMessageSize
		}
	}
	return false
}
