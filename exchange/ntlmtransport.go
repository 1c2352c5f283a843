package exchange

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/bodgit/ntlmssp"
	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

// MS-WSMV 2.2.9.1.1 encrypted messages (docs/winrm.md "Message encryption").
const (
	encryptedProtocol = "application/HTTP-SPNEGO-session-encrypted"
	encryptedBoundary = "Encrypted Boundary"
	encryptedType     = `multipart/encrypted;protocol="` + encryptedProtocol + `";boundary="` + encryptedBoundary + `"`
)

// NTLM negotiate flags checked in the server's CHALLENGE (MS-NLMP 2.2.2.5).
const (
	ntlmFlagSign = 0x00000010
	ntlmFlagSeal = 0x00000020
)

var errSealing = errors.New("ntlm message encryption")

// ntlmTransport authenticates its connection with NTLM (raw NTLM tokens
// under the Negotiate scheme, as Windows accepts them) once, and then sends
// every message on that connection without an Authorization header. With
// seal (http:// without AllowUnencrypted) every message is sealed and signed
// with the context's session security and sent as multipart/encrypted;
// replies must come back sealed. A 401 on an authenticated connection means
// the server lost the context (the connection was dropped and Go opened a
// new one): one new handshake, then the message again.
type ntlmTransport struct {
	*httpConn
	user, domain string
	password     Secret
	seal         bool

	// Guarded by the gate.
	authed  bool
	session *ntlmssp.SecuritySession

	handshakes atomic.Int64 // for tests
}

var _ soapTransport = (*ntlmTransport)(nil)

// Transport implements winrm.Transporter.
func (t *ntlmTransport) Transport(*winrm.Endpoint) error { return nil }

// Post implements winrm.Transporter.
func (t *ntlmTransport) Post(_ *winrm.Client, msg *soap.SoapMessage) (string, error) {
	return postMessage(t, msg)
}

// splitNTLMUser splits DOMAIN\user; user@domain is sent as the user name
// with no domain, as Windows' own client sends a UPN.
func splitNTLMUser(name string) (domain, user string) {
	if d, u, ok := strings.Cut(name, `\`); ok {
		return d, u
	}
	return "", name
}

func (t *ntlmTransport) roundTrip(ctx context.Context, msg []byte) ([]byte, error) {
	release, err := t.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	if t.authed {
		r, err := t.send(ctx, msg)
		if err != nil {
			t.reset()
			return nil, err
		}
		if r.status != http.StatusUnauthorized {
			return t.finish(r)
		}
		t.reset() // the server no longer knows this connection
	}
	r, err := t.authenticate(ctx, msg)
	if err != nil {
		t.reset()
		return nil, err
	}
	return t.finish(r)
}

func (t *ntlmTransport) finish(r *reply) ([]byte, error) {
	b, err := soapReply(r)
	if se := (*statusError)(nil); errors.As(err, &se) && se.status == http.StatusUnauthorized {
		t.reset()
	}
	return b, err
}

func (t *ntlmTransport) reset() {
	t.authed, t.session = false, nil
}

// authenticate runs the handshake on the connection. Unsealed, the
// AUTHENTICATE leg carries msg and its reply is msg's; sealed, it carries
// no body (as pywinrm and Windows' own client do) and msg follows sealed.
func (t *ntlmTransport) authenticate(ctx context.Context, msg []byte) (*reply, error) {
	t.handshakes.Add(1)
	cl, err := ntlmssp.NewClient(ntlmssp.SetUserInfo(t.user, t.password.Reveal()), ntlmssp.SetDomain(t.domain),
		ntlmssp.SetVersion(ntlmssp.DefaultVersion()))
	if err != nil {
		return nil, err
	}
	negotiate, err := cl.Authenticate(nil, nil)
	if err != nil {
		return nil, err
	}
	h := soapHeader()
	h.Set("Authorization", "Negotiate "+base64.StdEncoding.EncodeToString(negotiate))
	r, err := t.do(ctx, h, nil)
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusUnauthorized {
		return nil, &statusError{status: r.status, body: fmt.Sprintf("answered the NTLM NEGOTIATE with %d instead of 401 and a CHALLENGE", r.status)}
	}
	challenge, ok := ntlmChallenge(r.header.Values("WWW-Authenticate"))
	if !ok {
		return nil, &schemeError{want: AuthNTLM, offered: r.header.Values("WWW-Authenticate")}
	}
	if t.seal && len(challenge) >= 24 {
		if f := binary.LittleEndian.Uint32(challenge[20:24]); f&ntlmFlagSeal == 0 || f&ntlmFlagSign == 0 {
			return nil, fmt.Errorf("%w: the server's NTLM CHALLENGE does not offer sealing and signing, so messages over http:// cannot be encrypted", errSealing)
		}
	}
	auth, err := cl.Authenticate(challenge, nil)
	if err != nil {
		return nil, fmt.Errorf("ntlm: %w", err)
	}
	h = soapHeader()
	h.Set("Authorization", "Negotiate "+base64.StdEncoding.EncodeToString(auth))
	body := msg
	if t.seal {
		body = nil
	}
	r, err = t.do(ctx, h, body)
	if err != nil {
		return nil, err
	}
	if r.status == http.StatusUnauthorized || !t.seal {
		t.authed = r.status != http.StatusUnauthorized
		return r, nil
	}
	if r.status != http.StatusOK {
		return r, nil
	}
	if t.session = cl.SecuritySession(); t.session == nil {
		return nil, fmt.Errorf("%w: the NTLM context has no session security", errSealing)
	}
	t.authed = true
	return t.send(ctx, msg)
}

// ntlmChallenge finds the CHALLENGE token in a 401's WWW-Authenticate.
func ntlmChallenge(offered []string) ([]byte, bool) {
	for _, v := range offered {
		for _, part := range strings.Split(v, ",") {
			scheme, token, ok := strings.Cut(strings.TrimSpace(part), " ")
			if !ok || !(strings.EqualFold(scheme, "Negotiate") || strings.EqualFold(scheme, "NTLM")) {
				continue
			}
			b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
			if err == nil && bytes.HasPrefix(b, []byte("NTLMSSP\x00")) {
				return b, true
			}
		}
	}
	return nil, false
}

// send sends msg on the authenticated connection, sealed when t.seal, and
// unseals the reply.
func (t *ntlmTransport) send(ctx context.Context, msg []byte) (*reply, error) {
	if !t.seal {
		return t.do(ctx, soapHeader(), msg)
	}
	sealed, sig, err := t.session.Wrap(msg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errSealing, err)
	}
	r, err := t.do(ctx, http.Header{"Content-Type": {encryptedType}}, frameEncrypted(sig, sealed, len(msg)))
	if err != nil || r.status == http.StatusUnauthorized || len(r.body) == 0 {
		return r, err
	}
	if !isEncryptedReply(r.header.Get("Content-Type")) {
		if r.status == http.StatusOK {
			return nil, fmt.Errorf("%w: the server answered a sealed message in clear text (Content-Type %q)", errSealing, r.header.Get("Content-Type"))
		}
		return nil, &statusError{status: r.status, body: "the server could not read the sealed message: " + string(r.body)}
	}
	sig, sealedReply, err := parseEncrypted(r.body)
	if err == nil {
		if len(sig) != 16 {
			err = fmt.Errorf("%w: a %d-byte signature, want 16", errSealing, len(sig))
		} else {
			r.body, err = t.session.Unwrap(sealedReply, sig)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: cannot unseal the reply: %w", errSealing, err)
	}
	return r, nil
}

func isEncryptedReply(ct string) bool {
	media, params, err := mime.ParseMediaType(ct)
	return err == nil && media == "multipart/encrypted" && strings.EqualFold(params["protocol"], encryptedProtocol)
}

// frameEncrypted lays out one sealed message as Windows does:
//
//	--Encrypted Boundary\r\n
//	\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
//	\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=N\r\n
//	--Encrypted Boundary\r\n
//	\tContent-Type: application/octet-stream\r\n
//	<uint32 LE signature length><signature><N sealed bytes>--Encrypted Boundary--\r\n
func frameEncrypted(sig, sealed []byte, length int) []byte {
	var b bytes.Buffer
	b.WriteString("--" + encryptedBoundary + "\r\n")
	b.WriteString("\tContent-Type: " + encryptedProtocol + "\r\n")
	b.WriteString("\tOriginalContent: type=" + soapContentType + ";Length=" + strconv.Itoa(length) + "\r\n")
	b.WriteString("--" + encryptedBoundary + "\r\n")
	b.WriteString("\tContent-Type: application/octet-stream\r\n")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(sig)))
	b.Write(sig)
	b.Write(sealed)
	b.WriteString("--" + encryptedBoundary + "--\r\n")
	return b.Bytes()
}

// parseEncrypted reads one sealed message: its signature and as many sealed
// bytes as OriginalContent's Length says (RC4 keeps the length, so the
// binary payload is never searched for the boundary).
func parseEncrypted(body []byte) (sig, sealed []byte, err error) {
	bad := func(why string) ([]byte, []byte, error) {
		return nil, nil, fmt.Errorf("%w: malformed encrypted reply: %s", errSealing, why)
	}
	dash := []byte("--" + encryptedBoundary + "\r\n")
	rest, ok := bytes.CutPrefix(body, dash)
	if !ok {
		return bad("it does not start with the boundary")
	}
	header, rest, ok := bytes.Cut(rest, dash)
	if !ok {
		return bad("no second part")
	}
	length := -1
	for _, line := range strings.Split(string(header), "\r\n") {
		name, value, _ := strings.Cut(strings.TrimSpace(line), ":")
		if !strings.EqualFold(name, "OriginalContent") {
			continue
		}
		for _, p := range strings.Split(value, ";") {
			if k, v, _ := strings.Cut(strings.TrimSpace(p), "="); strings.EqualFold(k, "Length") {
				if n, err := strconv.Atoi(v); err == nil && n >= 0 {
					length = n
				}
			}
		}
	}
	if length < 0 {
		return bad("no OriginalContent Length")
	}
	line, rest, ok := bytes.Cut(rest, []byte("\r\n"))
	if !ok || !strings.EqualFold(strings.TrimSpace(string(line)), "Content-Type: application/octet-stream") {
		return bad("the second part is not application/octet-stream")
	}
	if len(rest) < 4 {
		return bad("no signature length")
	}
	n := int(binary.LittleEndian.Uint32(rest))
	rest = rest[4:]
	if n > len(rest) || length > len(rest)-n {
		return bad("shorter than its signature and Length")
	}
	sig, sealed, rest = rest[:n], rest[n:n+length], rest[n+length:]
	if !bytes.HasPrefix(bytes.TrimLeft(rest, "\r\n"), []byte("--"+encryptedBoundary+"--")) {
		return bad("the payload is not followed by the closing boundary")
	}
	return sig, sealed, nil
}
