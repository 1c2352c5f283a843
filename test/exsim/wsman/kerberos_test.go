package wsman

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"
)

const testRealm = "WORK.COM"

// testKeytab holds the service key of spn, as ktadd would write it.
func testKeytab(t *testing.T, spn string) *keytab.Keytab {
	t.Helper()
	kt := keytab.New()
	if err := kt.AddEntry(spn, testRealm, "service key ’ $()", time.Now(), 2, etypeID.AES256_CTS_HMAC_SHA1_96); err != nil {
		t.Fatal(err)
	}
	return kt
}

// apReqToken builds what a Kerberos client sends: a ticket for spn issued
// with the keytab's key, and an AP-REQ with a fresh authenticator, as a bare
// GSS-API Kerberos token or wrapped in a SPNEGO NegTokenInit.
func apReqToken(t *testing.T, kt *keytab.Keytab, client, spn string, wrap bool, skew time.Duration) ([]byte, types.Authenticator, types.EncryptionKey) {
	t.Helper()
	now := time.Now().UTC()
	cname := types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, client)
	sname := types.NewPrincipalName(nametype.KRB_NT_SRV_INST, spn)
	tkt, key, err := messages.NewTicket(cname, testRealm, sname, testRealm, types.NewKrbFlags(), kt,
		etypeID.AES256_CTS_HMAC_SHA1_96, 2, now, now, now.Add(time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	auth, err := types.NewAuthenticator(testRealm, cname)
	if err != nil {
		t.Fatal(err)
	}
	auth.CTime = auth.CTime.Add(skew)
	apreq, err := messages.NewAPReq(tkt, key, auth)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := apreq.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := gssKerberosToken([]byte{0x01, 0x00}, raw)
	if err != nil {
		t.Fatal(err)
	}
	if wrap {
		st := spnego.SPNEGOToken{Init: true, NegTokenInit: spnego.NegTokenInit{
			MechTypes: []asn1.ObjectIdentifier{gssapi.OIDMSLegacyKRB5.OID(), gssapi.OIDKRB5.OID()}, MechTokenBytes: tok}}
		if tok, err = st.Marshal(); err != nil {
			t.Fatal(err)
		}
	}
	return tok, auth, key
}

// readAPRep checks a reply token as a mutual-authenticating client does
// (RFC 4120 3.2.5): decrypt with the session key, compare ctime and cusec.
func readAPRep(t *testing.T, reply []byte, wrapped bool, auth types.Authenticator, key types.EncryptionKey) {
	t.Helper()
	if wrapped {
		var resp spnego.NegTokenResp
		if err := resp.Unmarshal(reply); err != nil {
			t.Fatalf("reply is not a NegTokenResp: %v", err)
		}
		if resp.NegState != asn1.Enumerated(spnego.NegStateAcceptCompleted) || !resp.SupportedMech.Equal(gssapi.OIDMSLegacyKRB5.OID()) {
			t.Fatalf("NegTokenResp state %d mech %s, want accept-completed with the client's first mechanism", resp.NegState, resp.SupportedMech)
		}
		reply = resp.ResponseToken
	}
	var k5 spnego.KRB5Token
	if err := k5.Unmarshal(reply); err != nil || !k5.IsAPRep() {
		t.Fatalf("reply is not a GSS-API AP-REP token: %v", err)
	}
	plain, err := crypto.DecryptEncPart(k5.APRep.EncPart, key, keyusage.AP_REP_ENCPART)
	if err != nil {
		t.Fatalf("AP-REP does not decrypt with the session key: %v", err)
	}
	var part messages.EncAPRepPart
	if err := part.Unmarshal(plain); err != nil {
		t.Fatal(err)
	}
	if !part.CTime.Equal(auth.CTime.Truncate(time.Second)) && !part.CTime.Equal(auth.CTime) || part.Cusec != auth.Cusec {
		t.Errorf("EncAPRepPart ctime %v.%d, authenticator %v.%d", part.CTime, part.Cusec, auth.CTime, auth.Cusec)
	}
	if part.SequenceNumber <= 0 {
		t.Errorf("sequence number %d, want a positive one", part.SequenceNumber)
	}
}

func TestAcceptKerberos(t *testing.T) {
	const spn = "HTTP/win20081.work.com"
	kt := testKeytab(t, spn)
	for _, wrap := range []bool{false, true} {
		name := map[bool]string{false: "bare krb5 token", true: "SPNEGO"}[wrap]
		t.Run(name, func(t *testing.T) {
			tok, auth, key := apReqToken(t, kt, "admin", spn, wrap, 0)
			logon, err := acceptKerberos(kt, tok, "127.0.0.1:50000")
			if err != nil {
				t.Fatal(err)
			}
			if logon.Name != "admin" || logon.Realm != testRealm || logon.Service != spn {
				t.Errorf("logon %+v", logon)
			}
			readAPRep(t, logon.Reply, wrap, auth, key)
			if _, err := acceptKerberos(kt, tok, "127.0.0.1:50000"); err == nil {
				t.Error("a replayed AP-REQ was accepted")
			}
		})
	}
}

func TestAcceptKerberosRefuses(t *testing.T) {
	const spn = "HTTP/win20081.work.com"
	kt := testKeytab(t, spn)
	other := testKeytab(t, "HTTP/win20082.work.com")
	cases := []struct {
		name, reason string
		token        func() []byte
	}{
		{"other service key", "a ticket the keytab cannot decrypt", func() []byte {
			tok, _, _ := apReqToken(t, other, "admin", "HTTP/win20082.work.com", true, 0)
			return tok
		}},
		{"clock skew", "an authenticator ten minutes off", func() []byte {
			tok, _, _ := apReqToken(t, kt, "admin", spn, true, 10*time.Minute)
			return tok
		}},
		{"ntlm in spnego", "SPNEGO preferring NTLM", func() []byte {
			st := spnego.SPNEGOToken{Init: true, NegTokenInit: spnego.NegTokenInit{
				MechTypes: []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 311, 2, 2, 10}}, MechTokenBytes: []byte("NTLMSSP\x00")}}
			b, _ := st.Marshal()
			return b
		}},
		{"garbage", "neither SPNEGO nor Kerberos", func() []byte { return []byte{0x60, 0x03, 0x06, 0x01, 0x00} }},
		{"empty", "no token", func() []byte { return nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := acceptKerberos(kt, tc.token(), "127.0.0.1:1")
			t.Log(err)
			if !errors.Is(err, errKerberos) {
				t.Errorf("%s: error = %v, want errKerberos", tc.reason, err)
			}
		})
	}
}

func TestServesPrincipal(t *testing.T) {
	s := &Server{cfg: Config{Name: "WIN20081", FQDN: "win20081.work.com"}}
	cases := map[string]bool{
		"HTTP/win20081.work.com":      true,
		"http/WIN20081.WORK.COM":      true,
		"HTTP/win20081":               true,
		"WSMAN/win20081.work.com":     true,
		"HOST/win20081.work.com:5985": true,
		"HTTP/win20082.work.com":      false,
		"CIFS/win20081.work.com":      false,
		"krbtgt/WORK.COM":             false,
		"admin":                       false,
	}
	for spn, want := range cases {
		if got := s.servesPrincipal(spn); got != want {
			t.Errorf("servesPrincipal(%q) = %v, want %v", spn, got, want)
		}
	}
}

// TestKerberosEndpoint drives the HTTP side: one leg, the AP-REP in
// WWW-Authenticate, the connection authenticated, the principal mapped.
func TestKerberosEndpoint(t *testing.T) {
	kt := testKeytab(t, "HTTP/win20081.work.com")
	if err := kt.AddEntry("HTTP/win20082.work.com", testRealm, "other ’ $()", time.Now(), 2, etypeID.AES256_CTS_HMAC_SHA1_96); err != nil {
		t.Fatal(err)
	}
	start := func(t *testing.T, account string, allowUnencrypted bool) *Server {
		srv, err := NewServer(Config{Name: "WIN20081", NetBIOSDomain: "WORK", DNSDomain: "work.com", AllowUnencrypted: allowUnencrypted,
			Auth: []AuthScheme{AuthKerberos}, Keytab: kt, Accounts: []Account{{Name: account, Password: "pw ’ $()"}},
			Launcher: func(context.Context, Process) int { return 0 }, Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
		return srv
	}
	post := func(t *testing.T, c *http.Client, srv *Server, scheme string, token []byte, body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL(), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
		if token != nil {
			req.Header.Set("Authorization", scheme+" "+base64.StdEncoding.EncodeToString(token))
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	cases := []struct {
		name, reason string
		account      string // the configured --user
		client, spn  string
		scheme       string
		wantStatus   int
	}{
		{"negotiate", "SPNEGO under Negotiate", `WORK\admin`, "admin", "HTTP/win20081.work.com", "Negotiate", http.StatusOK},
		{"kerberos scheme", "the Kerberos scheme", `WORK\admin`, "admin", "HTTP/win20081.work.com", "Kerberos", http.StatusOK},
		{"upn account", "--user written user@REALM", "admin@WORK.COM", "admin", "HTTP/win20081.work.com", "Negotiate", http.StatusOK},
		{"unknown principal", "a principal that is no account", `WORK\admin`, "mallory", "HTTP/win20081.work.com", "Negotiate", http.StatusUnauthorized},
		{"other server", "a ticket for another server in the same keytab", `WORK\admin`, "admin", "HTTP/win20082.work.com", "Negotiate", http.StatusUnauthorized},
		{"ntlm scheme", "a Kerberos token under the NTLM scheme", `WORK\admin`, "admin", "HTTP/win20081.work.com", "NTLM", http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, tc.account, true)
			c := &http.Client{Transport: &http.Transport{}}
			tok, auth, key := apReqToken(t, kt, tc.client, tc.spn, tc.scheme == "Negotiate", 0)
			resp := post(t, c, srv, tc.scheme, tok, "")
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("%s: status %d, want %d", tc.reason, resp.StatusCode, tc.wantStatus)
			}
			if tc.wantStatus != http.StatusOK {
				if got := resp.Header.Values("WWW-Authenticate"); !slices.Equal(got, []string{"Negotiate", "Kerberos"}) {
					t.Errorf("401 offers %q", got)
				}
				return
			}
			scheme, b64, _ := strings.Cut(resp.Header.Get("WWW-Authenticate"), " ")
			reply, err := base64.StdEncoding.DecodeString(b64)
			if scheme != tc.scheme || err != nil {
				t.Fatalf("WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
			}
			readAPRep(t, reply, tc.scheme == "Negotiate", auth, key)
			// The connection is now authenticated: a bad envelope is a fault, not a 401.
			if resp := post(t, c, srv, "", nil, "<not xml"); resp.StatusCode != http.StatusInternalServerError {
				t.Errorf("unauthenticated follow-up on the same connection: status %d, want 500", resp.StatusCode)
			}
		})
	}
	t.Run("plain HTTP without allow-unencrypted", func(t *testing.T) {
		srv := start(t, `WORK\admin`, false)
		tok, _, _ := apReqToken(t, kt, "admin", "HTTP/win20081.work.com", true, 0)
		resp := post(t, &http.Client{Transport: &http.Transport{}}, srv, "Negotiate", tok, "<s:Envelope/>")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401 as Windows answers unencrypted messages", resp.StatusCode)
		}
		if got := resp.Header.Values("WWW-Authenticate"); !slices.Equal(got, []string{"Negotiate", "Kerberos"}) {
			t.Errorf("401 carries %q, want only the offered schemes", got)
		}
	})
}
