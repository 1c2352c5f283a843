package wsman

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Account is a user the endpoint accepts. Name is DOMAIN\name (or a bare
// name, taken to be in the server's domain).
type Account struct {
	Name     string
	Password string
}

// AuthScheme is an HTTP authentication scheme the endpoint offers.
type AuthScheme string

// The schemes exsim implements. Negotiate carries raw NTLM tokens, as the
// masterzen (Azure/go-ntlmssp, bodgit/ntlmssp) and pywinrm (requests_ntlm)
// clients send them, or Kerberos: a SPNEGO NegTokenInit whose preferred
// mechanism is Kerberos, or a bare Kerberos token (also under the Kerberos
// scheme). SPNEGO-wrapped NTLM is not understood.
const (
	AuthBasic    AuthScheme = "basic"
	AuthNTLM     AuthScheme = "ntlm"
	AuthKerberos AuthScheme = "kerberos"
)

// ParseAuthSchemes reads the --auth flag value: a comma-separated list of
// basic, ntlm and kerberos (negotiate is accepted as a synonym of ntlm).
func ParseAuthSchemes(spec string) ([]AuthScheme, error) {
	var out []AuthScheme
	seen := map[AuthScheme]bool{}
	for _, part := range strings.Split(spec, ",") {
		var s AuthScheme
		switch strings.ToLower(strings.TrimSpace(part)) {
		case "basic":
			s = AuthBasic
		case "ntlm", "negotiate":
			s = AuthNTLM
		case "kerberos":
			s = AuthKerberos
		case "":
			continue
		default:
			return nil, fmt.Errorf("unknown auth scheme %q (want basic, ntlm, kerberos)", part)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no auth scheme in %q", spec)
	}
	return out, nil
}

// connKey is the context key under which ConnContext stores a connection's state.
type connKey struct{}

// connState is what the server remembers about one TCP connection: NTLM
// authenticates connections, not requests, so the handshake's challenge and
// its outcome live here for as long as the connection does.
type connState struct {
	mu        sync.Mutex
	challenge []byte // pending NTLM server challenge, between type 2 and type 3
	user      string // canonical account name once NTLM succeeded
	// ntlm is the session security of the NTLM context that authenticated
	// the connection, when the client negotiated signing or sealing.
	ntlm *ntlmSession
}

// sealing returns the connection's NTLM session security, or nil.
func (c *connState) sealing() *ntlmSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ntlm
}

func connStateFrom(ctx context.Context) *connState {
	if c, ok := ctx.Value(connKey{}).(*connState); ok {
		return c
	}
	// Only reached when the handler runs outside Server's http.Server (tests);
	// a throwaway state then means "authenticate every request".
	return &connState{}
}

// authenticate returns the canonical account name of the request's user, or
// answers 401 itself and returns "" when the request is not (yet)
// authenticated. A request without Authorization on an authenticated
// connection is served as that connection's user, except an empty one: an
// empty POST is how a client asks for a (new) security context before
// encrypted messages, and masterzen's Encryption transport sends one,
// anonymous first, before every message and needs the 401 to start its
// handshake.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, empty bool) string {
	cs := connStateFrom(r.Context())
	header := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(header, " ")
	switch {
	case header == "":
		cs.mu.Lock()
		user := cs.user
		cs.mu.Unlock()
		if user != "" && !empty {
			return user
		}
	case strings.EqualFold(scheme, "Basic") && s.offers(AuthBasic):
		if user, ok := s.checkBasic(token); ok {
			return user
		}
		s.logf("%s: Basic authentication failed from %s", s.cfg.Name, r.RemoteAddr)
	case strings.EqualFold(scheme, "Negotiate") || strings.EqualFold(scheme, "NTLM") || strings.EqualFold(scheme, "Kerberos"):
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
		if err != nil {
			break
		}
		isNTLM := ntlmMessageType(data) != 0
		switch {
		case isNTLM && !strings.EqualFold(scheme, "Kerberos") && s.offers(AuthNTLM):
			return s.negotiate(w, r, cs, scheme, data)
		case !isNTLM && !strings.EqualFold(scheme, "NTLM") && s.offers(AuthKerberos):
			return s.kerberos(w, r, cs, scheme, data)
		case isNTLM:
			s.logf("%s: NTLM from %s refused: the endpoint does not offer NTLM", s.cfg.Name, r.RemoteAddr)
		default:
			s.logf("%s: a %s token from %s that is not NTLM, and Kerberos is not offered", s.cfg.Name, scheme, r.RemoteAddr)
		}
	}
	s.unauthorized(w)
	return ""
}

// kerberos verifies a Kerberos AP-REQ (one leg: Kerberos needs no
// challenge), maps its client principal to an account, authenticates the
// connection, and puts the AP-REP in WWW-Authenticate for mutual
// authentication (RFC 4559 section 5).
func (s *Server) kerberos(w http.ResponseWriter, r *http.Request, cs *connState, scheme string, token []byte) string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.user, cs.ntlm = "", nil
	logon, err := acceptKerberos(s.cfg.Keytab, token, r.RemoteAddr)
	if err != nil {
		s.logf("%s: Kerberos from %s: %v", s.cfg.Name, r.RemoteAddr, err)
		s.unauthorized(w)
		return ""
	}
	if !s.servesPrincipal(logon.Service) {
		s.logf("%s: Kerberos from %s: a ticket for %s, which is not this server", s.cfg.Name, r.RemoteAddr, logon.Service)
		s.unauthorized(w)
		return ""
	}
	acct, ok := Account{}, false
	if strings.EqualFold(logon.Realm, s.cfg.Realm) && !strings.Contains(logon.Name, "/") {
		acct, ok = s.findAccount("", logon.Name)
	}
	if !ok {
		s.logf("%s: Kerberos from %s: principal %s@%s is no account of realm %s", s.cfg.Name, r.RemoteAddr, logon.Name, logon.Realm, s.cfg.Realm)
		s.unauthorized(w)
		return ""
	}
	cs.user = s.canonical(acct)
	w.Header().Set("WWW-Authenticate", scheme+" "+base64.StdEncoding.EncodeToString(logon.Reply))
	return cs.user
}

// negotiate runs one leg of the NTLM handshake.
func (s *Server) negotiate(w http.ResponseWriter, r *http.Request, cs *connState, scheme string, data []byte) string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch ntlmMessageType(data) {
	case ntlmNegotiate:
		challenge, err := newChallenge()
		if err != nil {
			s.logf("%s: %v", s.cfg.Name, err)
			http.Error(w, "", http.StatusInternalServerError)
			return ""
		}
		cs.challenge = challenge
		flags := challengeFlags(negotiateFlags(data))
		msg := buildChallenge(challenge, flags, s.ntlmTarget(), time.Now())
		s.pending.add(challenge, flags, data, msg)
		w.Header().Set("WWW-Authenticate", scheme+" "+base64.StdEncoding.EncodeToString(msg))
		writeEmpty(w, http.StatusUnauthorized)
		return ""
	case ntlmAuthenticate:
		own := cs.challenge
		cs.challenge = nil
		if user, session := s.verifyAuthenticate(r, data, own); user != "" {
			cs.user, cs.ntlm = user, session
			return user
		}
		cs.user, cs.ntlm = "", nil
	}
	s.unauthorized(w)
	return ""
}

// verifyAuthenticate checks an AUTHENTICATE message against the challenge
// sent on this connection, then against the other outstanding ones: a client
// that runs requests concurrently over one connection pool (masterzen sends
// stdin while it polls for output) can get its CHALLENGE on one kept-alive
// connection and send the AUTHENTICATE on another. It returns the canonical
// user and, when the client negotiated signing or sealing, the session
// security of the new context; or "" after logging why not.
func (s *Server) verifyAuthenticate(r *http.Request, data, own []byte) (string, *ntlmSession) {
	a, err := parseAuthenticate(data)
	if err != nil {
		s.logf("%s: NTLM from %s: %v", s.cfg.Name, r.RemoteAddr, err)
		return "", nil
	}
	acct, ok := s.findAccount(a.Domain, a.User)
	if !ok {
		s.logf("%s: NTLM from %s: unknown user %s\\%s", s.cfg.Name, r.RemoteAddr, a.Domain, a.User)
		return "", nil
	}
	for _, p := range s.pending.list(own) {
		var baseKey []byte
		if baseKey, err = verifyNTLMv2(a, acct.Password, p.challenge); err != nil {
			continue
		}
		s.pending.remove(p.challenge)
		session, err := sessionSecurity(a, p, baseKey)
		if err != nil {
			s.logf("%s: NTLM from %s: %v", s.cfg.Name, r.RemoteAddr, err)
			return "", nil
		}
		return s.canonical(acct), session
	}
	if err == nil {
		err = fmt.Errorf("%w: no outstanding challenge", errNTLM)
	}
	s.logf("%s: NTLM from %s: %v", s.cfg.Name, r.RemoteAddr, err)
	return "", nil
}

// sessionSecurity derives the context's keys once the response verified:
// the ExportedSessionKey, the MIC check it enables, and the signing and
// sealing state when the flags both sides agreed on ask for it.
func sessionSecurity(a *ntlmAuth, p issuedChallenge, baseKey []byte) (*ntlmSession, error) {
	flags := a.Flags & p.flags
	key, err := exportedSessionKey(flags, a.EncryptedKey, baseKey)
	if err != nil {
		return nil, err
	}
	if err := checkMIC(a, key, p.negotiate, p.message); err != nil {
		return nil, err
	}
	if flags&(flagSign|flagSeal) == 0 {
		return nil, nil
	}
	return newNTLMSession(flags, key, true)
}

// challenges are the NTLM server challenges sent and not yet answered.
type challenges struct {
	mu     sync.Mutex
	issued map[string]issuedChallenge
}

// issuedChallenge is one CHALLENGE with what the MIC covers.
type issuedChallenge struct {
	at        time.Time
	challenge []byte // the 8-byte server challenge
	flags     uint32 // the CHALLENGE's flags
	negotiate []byte // the NEGOTIATE it answered
	message   []byte // the CHALLENGE message
}

// challengeLifetime bounds how long a CHALLENGE can be answered.
const (
	challengeLifetime = 2 * time.Minute
	maxChallenges     = 1024
)

func (c *challenges) add(ch []byte, flags uint32, negotiate, message []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.issued == nil {
		c.issued = map[string]issuedChallenge{}
	}
	now := time.Now()
	for k, t := range c.issued {
		if now.Sub(t.at) > challengeLifetime || len(c.issued) >= maxChallenges {
			delete(c.issued, k)
		}
	}
	c.issued[string(ch)] = issuedChallenge{at: now, challenge: ch, flags: flags,
		negotiate: bytes.Clone(negotiate), message: message}
}

// list returns own first (when still outstanding), then the others.
func (c *challenges) list(own []byte) []issuedChallenge {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []issuedChallenge
	if p, ok := c.issued[string(own)]; ok && own != nil {
		out = append(out, p)
	}
	now := time.Now()
	for k, p := range c.issued {
		if k != string(own) && now.Sub(p.at) <= challengeLifetime {
			out = append(out, p)
		}
	}
	return out
}

func (c *challenges) remove(ch []byte) {
	c.mu.Lock()
	delete(c.issued, string(ch))
	c.mu.Unlock()
}

// checkBasic verifies a Basic credential on its own: Basic is per request.
func (s *Server) checkBasic(token string) (string, bool) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
	if err != nil {
		return "", false
	}
	name, password, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", false
	}
	domain, user := splitUser(name)
	acct, found := s.findAccount(domain, user)
	if !found || subtle.ConstantTimeCompare([]byte(acct.Password), []byte(password)) != 1 {
		return "", false
	}
	return s.canonical(acct), true
}

// findAccount matches DOMAIN\user case-insensitively. The domain may be given
// in NetBIOS (WORK) or DNS (work.com) form, or left out.
func (s *Server) findAccount(domain, user string) (Account, bool) {
	if d, u, ok := strings.Cut(user, "@"); ok && domain == "" {
		domain, user = u, d // user@work.com as typed into NTLM without a domain
	}
	for _, a := range s.cfg.Accounts {
		ad, au := splitUser(a.Name)
		if !strings.EqualFold(au, user) {
			continue
		}
		if domain == "" || strings.EqualFold(domain, ad) ||
			strings.EqualFold(domain, s.cfg.NetBIOSDomain) || strings.EqualFold(domain, s.cfg.DNSDomain) {
			return a, true
		}
	}
	return Account{}, false
}

// canonical names an account DOMAIN\name with the NetBIOS domain, whatever
// form the client typed, so logs and quotas see one name per user.
func (s *Server) canonical(a Account) string {
	d, u := splitUser(a.Name)
	if d == "" || strings.EqualFold(d, s.cfg.DNSDomain) || strings.EqualFold(d, s.cfg.Realm) {
		d = s.cfg.NetBIOSDomain
	}
	if d == "" {
		return u
	}
	return d + `\` + u
}

// splitUser splits DOMAIN\user and user@domain.
func splitUser(name string) (domain, user string) {
	if d, u, ok := strings.Cut(name, `\`); ok {
		return d, u
	}
	if u, d, ok := strings.Cut(name, "@"); ok {
		return d, u
	}
	return "", name
}

func (s *Server) offers(scheme AuthScheme) bool {
	for _, a := range s.cfg.Auth {
		if a == scheme {
			return true
		}
	}
	return false
}

// unauthorized answers 401 with the offered schemes, in the order Windows
// lists them, and no body (clients then report "invalid content type").
func (s *Server) unauthorized(w http.ResponseWriter) {
	w.Header().Del("WWW-Authenticate")
	if s.offers(AuthNTLM) || s.offers(AuthKerberos) {
		w.Header().Add("WWW-Authenticate", "Negotiate")
	}
	if s.offers(AuthKerberos) {
		w.Header().Add("WWW-Authenticate", "Kerberos")
	}
	if s.offers(AuthBasic) {
		w.Header().Add("WWW-Authenticate", `Basic realm="WSMAN"`)
	}
	writeEmpty(w, http.StatusUnauthorized)
}

func (s *Server) ntlmTarget() ntlmTarget {
	return ntlmTarget{
		NetBIOSDomain:   strings.ToUpper(s.cfg.NetBIOSDomain),
		NetBIOSComputer: strings.ToUpper(s.cfg.Name),
		DNSDomain:       strings.ToLower(s.cfg.DNSDomain),
		DNSComputer:     strings.ToLower(s.cfg.FQDN),
	}
}

func writeEmpty(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}

// clientIP is the address part of r.RemoteAddr, for rsp:ClientIP.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
