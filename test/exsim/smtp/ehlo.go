package smtp

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/exchange"
)

// greeting is the 220 line: the connector's Banner when set (Microsoft:
// "start the value with 220"; a banner without the code gets it), else
// Exchange's own, as in the transcript of Microsoft's "Use Telnet to test
// SMTP communication on Exchange servers" page:
// "220 mail1.fabrikam.com Microsoft ESMTP MAIL Service ready at Fri, 5 Aug 2016 16:24:41 -0700".
func greeting(c exchange.SMTPConnector, now time.Time) string {
	if b := strings.TrimSpace(c.Banner); b != "" {
		if strings.HasPrefix(b, "220 ") || b == "220" {
			return b
		}
		return "220 " + b
	}
	return fmt.Sprintf("220 %s Microsoft ESMTP MAIL Service ready at %s", c.Fqdn, now.Format("Mon, 2 Jan 2006 15:04:05 -0700"))
}

// ehloLines is the EHLO response (without the "250-"/"250 " prefixes): the
// hello line and the extensions the connector's settings imply, in the order
// real servers list them. Sources (transcripts of real servers):
//   - Microsoft, "Use Telnet to test SMTP communication on Exchange servers"
//     (Exchange 2016, Default Frontend): SIZE 37748736, PIPELINING, DSN,
//     ENHANCEDSTATUSCODES, STARTTLS, X-ANONYMOUSTLS, AUTH NTLM,
//     X-EXPS GSSAPI NTLM, 8BITMIME, BINARYMIME, CHUNKING, XRDST.
//   - An Exchange 2019 port-25 scan published in a penetration-testing course
//     (2024-2025): the same list with SMTPUTF8 before XRDST, and
//     "220 2.0.0 SMTP server ready" for STARTTLS.
//   - Public mailing-list and blog transcripts: after STARTTLS a connector with
//     BasicAuthRequireTLS lists "AUTH NTLM LOGIN" and no STARTTLS or
//     X-ANONYMOUSTLS; a connector with EnabledWithoutValue lists a bare
//     "SIZE"; Exchange 2013 Hub Transport connectors end with XEXCH50, XRDST,
//     XSHADOWREQUEST (Microsoft KB "412 4.3.2 Service not active"); Exchange
//     2010 lists XEXCH50 and XSHADOW; Edge lists "X-EXPS NTLM".
//
// What implies what (the "Receive connectors" page's authentication table):
// Tls advertises STARTTLS when a certificate is selected; Integrated (NTLM and
// Kerberos) gives AUTH NTLM, with GSSAPI when EnableAuthGSSAPI is set;
// BasicAuth gives AUTH LOGIN, only after STARTTLS with BasicAuthRequireTLS;
// ExchangeServer gives X-EXPS and, before TLS, X-ANONYMOUSTLS (unless
// SuppressXAnonymousTls). SMTPUTF8 is listed from Exchange 2019 on: the
// Microsoft 2016 transcript lacks it although SmtpUtf8Enabled exists from
// 2013 [choice].
func ehloLines(c exchange.SMTPConnector, client string, startTLS, secure bool) []string {
	lines := []string{fmt.Sprintf("%s Hello [%s]", c.Fqdn, client)}
	switch strings.ToLower(c.SizeEnabled) {
	case "enabled":
		lines = append(lines, "SIZE "+strconv.FormatUint(c.MaxMessageSize, 10))
	case "enabledwithoutvalue":
		lines = append(lines, "SIZE")
	}
	if c.Pipelining {
		lines = append(lines, "PIPELINING")
	}
	if c.DSN {
		lines = append(lines, "DSN")
	}
	if c.EnhancedStatusCodes {
		lines = append(lines, "ENHANCEDSTATUSCODES")
	}
	if startTLS && !secure {
		lines = append(lines, "STARTTLS")
		if c.Has("ExchangeServer") && !c.SuppressXAnonTLS {
			lines = append(lines, "X-ANONYMOUSTLS")
		}
	}
	if mechs := authMechs(c, secure); len(mechs) > 0 {
		lines = append(lines, "AUTH "+strings.Join(mechs, " "))
	}
	if c.Has("ExchangeServer") {
		if c.Role == exchange.Edge {
			lines = append(lines, "X-EXPS NTLM")
		} else {
			lines = append(lines, "X-EXPS GSSAPI NTLM")
		}
	}
	if c.EightBitMime {
		lines = append(lines, "8BITMIME")
	}
	if c.BinaryMime {
		lines = append(lines, "BINARYMIME")
	}
	if c.Chunking {
		lines = append(lines, "CHUNKING")
	}
	hub := strings.EqualFold(c.TransportRole, "HubTransport")
	switch {
	case c.Version == exchange.V2010:
		lines = append(lines, "XEXCH50", "XSHADOW")
	case hub:
		lines = append(lines, "XEXCH50")
	}
	if c.SMTPUTF8 && c.Version >= exchange.V2019 {
		lines = append(lines, "SMTPUTF8")
	}
	if c.Version >= exchange.V2013 {
		lines = append(lines, "XRDST")
		if hub {
			lines = append(lines, "XSHADOWREQUEST")
		}
	}
	return lines
}

// authMechs are the AUTH mechanisms offered before (secure false) or after
// STARTTLS.
func authMechs(c exchange.SMTPConnector, secure bool) []string {
	var out []string
	if c.Has("Integrated") {
		if c.EnableAuthGSSAPI {
			out = append(out, "GSSAPI")
		}
		out = append(out, "NTLM")
	}
	if c.Has("BasicAuth") && (secure || !c.Has("BasicAuthRequireTLS")) {
		out = append(out, "LOGIN")
	}
	return out
}
