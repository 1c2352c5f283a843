package wsman

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	bodgit "github.com/bodgit/ntlmssp"
	"github.com/google/go-cmp/cmp"
)

// MS-NLMP 4.2.4 (NTLMv2) session security vectors: the challenge flags,
// RandomSessionKey 0x55 * 16, and the values derived from it.
const (
	specNTLMv2Flags      = 0xe28a8233
	specSessionBaseKey   = "8de40ccadbc14a82f15cb0ad0de95ca3"
	specEncryptedKey     = "c5dad2544fc9799094ce1ce90bc9d03e"
	specClientSealKey    = "59f600973cc4960a25480a7c196e4c58"
	specClientSignKey    = "4788dc861b4782f35d43fd98fe1a2d39"
	specPlaintext        = "50006c00610069006e007400650078007400" // "Plaintext" in UTF-16LE
	specSealed           = "54e50165bf1936dc996020c1811b0f06fb5f"
	specSignature        = "010000007fb38ec5c55d497600000000"
	specRandomSessionKey = "55555555555555555555555555555555"
)

func TestSessionKeysMatchSpec(t *testing.T) {
	a := &ntlmAuth{User: "User", Domain: "Domain", NTResponse: specNTResponse(t)}
	base, err := verifyNTLMv2(a, "Password", unhex(t, specServerChallenge))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(specSessionBaseKey, hex.EncodeToString(base)); diff != "" {
		t.Errorf("SessionBaseKey (-want +got):\n%s", diff)
	}
	key, err := exportedSessionKey(specNTLMv2Flags, unhex(t, specEncryptedKey), base)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(specRandomSessionKey, hex.EncodeToString(key)); diff != "" {
		t.Errorf("ExportedSessionKey from KEY_EXCH (-want +got):\n%s", diff)
	}
	same, err := exportedSessionKey(specNTLMv2Flags&^flagKeyExch, nil, base)
	if err != nil || !bytes.Equal(same, base) {
		t.Errorf("without KEY_EXCH the session key is the KeyExchangeKey: got %x, %v", same, err)
	}
	if _, err := exportedSessionKey(specNTLMv2Flags, unhex(t, specEncryptedKey)[:8], base); err == nil {
		t.Error("a short EncryptedRandomSessionKey was accepted")
	}
	if diff := cmp.Diff(specClientSealKey, hex.EncodeToString(sealKey(specNTLMv2Flags, key, clientSealingMagic))); diff != "" {
		t.Errorf("client sealing key (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(specClientSignKey, hex.EncodeToString(signKey(key, clientSigningMagic))); diff != "" {
		t.Errorf("client signing key (-want +got):\n%s", diff)
	}
}

// TestWrapMatchesSpec checks GSS_WrapEx of MS-NLMP 4.2.4.4 from the client
// side, and that the server side unwraps exactly that.
func TestWrapMatchesSpec(t *testing.T) {
	key := unhex(t, specRandomSessionKey)
	client, err := newNTLMSession(specNTLMv2Flags, key, false)
	if err != nil {
		t.Fatal(err)
	}
	sealed, sig := client.wrap(unhex(t, specPlaintext))
	if diff := cmp.Diff(specSealed, hex.EncodeToString(sealed)); diff != "" {
		t.Errorf("sealed data (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(specSignature, hex.EncodeToString(sig)); diff != "" {
		t.Errorf("signature (-want +got):\n%s", diff)
	}
	server, err := newNTLMSession(specNTLMv2Flags, key, true)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := server.unwrap(unhex(t, specSealed), unhex(t, specSignature))
	if err != nil {
		t.Fatalf("server unwrap of the spec message: %v", err)
	}
	if diff := cmp.Diff(specPlaintext, hex.EncodeToString(plain)); diff != "" {
		t.Errorf("unsealed (-want +got):\n%s", diff)
	}
}

func TestUnwrapRefuses(t *testing.T) {
	key := unhex(t, specRandomSessionKey)
	flip := func(b []byte, i int) []byte { b = bytes.Clone(b); b[i] ^= 1; return b }
	cases := []struct {
		name, reason string
		mangle       func(sealed, sig []byte) ([]byte, []byte)
	}{
		{"sealed byte", "the checksum covers the plaintext", func(m, s []byte) ([]byte, []byte) { return flip(m, 3), s }},
		{"checksum", "a changed checksum", func(m, s []byte) ([]byte, []byte) { return m, flip(s, 6) }},
		{"sequence", "a replayed or skipped sequence number", func(m, s []byte) ([]byte, []byte) { return m, flip(s, 12) }},
		{"version", "signature version 1 only", func(m, s []byte) ([]byte, []byte) { return m, flip(s, 0) }},
		{"short signature", "16-byte signatures only", func(m, s []byte) ([]byte, []byte) { return m, s[:12] }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client, _ := newNTLMSession(specNTLMv2Flags, key, false)
			server, _ := newNTLMSession(specNTLMv2Flags, key, true)
			sealed, sig := client.wrap([]byte("<s:Envelope/>"))
			if _, err := server.unwrap(tc.mangle(sealed, sig)); !errors.Is(err, errSeal) {
				t.Fatalf("%s: unwrap error = %v, want errSeal", tc.reason, err)
			}
			sealed, sig = client.wrap([]byte("next"))
			if _, err := server.unwrap(sealed, sig); err == nil {
				t.Error("the session kept working after a failed message")
			}
		})
	}
}

func TestSessionRoundTripsBothWays(t *testing.T) {
	for _, flags := range []uint32{specNTLMv2Flags, specNTLMv2Flags &^ flagKeyExch, specNTLMv2Flags &^ flag128} {
		key := unhex(t, specRandomSessionKey)
		client, _ := newNTLMSession(flags, key, false)
		server, _ := newNTLMSession(flags, key, true)
		for i, msg := range []string{"first", "", "third, longer message ’ $()"} {
			sealed, sig := client.wrap([]byte(msg))
			got, err := server.unwrap(sealed, sig)
			if err != nil || string(got) != msg {
				t.Fatalf("flags %#x, request %d: got %q, %v", flags, i, got, err)
			}
			sealed, sig = server.wrap([]byte("reply " + msg))
			if got, err = client.unwrap(sealed, sig); err != nil || string(got) != "reply "+msg {
				t.Fatalf("flags %#x, reply %d: got %q, %v", flags, i, got, err)
			}
		}
	}
	if _, err := newNTLMSession(specNTLMv2Flags&^flagExtendedSession, make([]byte, 16), true); err == nil {
		t.Error("a session without extended session security was set up")
	}
}

// TestBodgitClientSealing runs the whole server half against the client
// library masterzen's encrypted transport uses: handshake, MIC, key
// exchange, then messages both ways.
func TestBodgitClientSealing(t *testing.T) {
	cases := []struct {
		name, password string
		tamperMIC      bool
		wantErr        bool
	}{
		{"right password", "pw ’ $()", false, false},
		{"wrong password", "nope", false, true},
		{"tampered MIC", "pw ’ $()", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := bodgit.NewClient(bodgit.SetUserInfo("admin", tc.password), bodgit.SetDomain("WORK"), bodgit.SetVersion(bodgit.DefaultVersion()))
			if err != nil {
				t.Fatal(err)
			}
			negotiate, err := c.Authenticate(nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			flags := challengeFlags(negotiateFlags(negotiate))
			if flags&challengeOnRequest != challengeOnRequest {
				t.Fatalf("bodgit asks for SIGN, SEAL and KEY_EXCH, the challenge has %#x", flags)
			}
			serverChallenge := unhex(t, specServerChallenge)
			challenge := buildChallenge(serverChallenge, flags, ntlmTarget{NetBIOSDomain: "WORK", NetBIOSComputer: "WIN20081"}, time.Now())
			auth, err := c.Authenticate(challenge, nil)
			if err != nil {
				t.Fatal(err)
			}
			a, err := parseAuthenticate(auth)
			if err != nil {
				t.Fatal(err)
			}
			if !hasMICFlag(a.NTResponse) {
				t.Fatal("bodgit announces a MIC; MsvAvFlags was not found")
			}
			if tc.tamperMIC {
				a.Raw = bytes.Clone(a.Raw)
				a.Raw[micOffset] ^= 1
			}
			session, err := func() (*ntlmSession, error) {
				base, err := verifyNTLMv2(a, "pw ’ $()", serverChallenge)
				if err != nil {
					return nil, err
				}
				return sessionSecurity(a, issuedChallenge{challenge: serverChallenge, flags: flags, negotiate: negotiate, message: challenge}, base)
			}()
			if (err != nil) != tc.wantErr {
				t.Fatalf("error = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			for i := range 3 {
				msg := []byte("<s:Envelope>request ’ $()</s:Envelope>" + string(rune('0'+i)))
				sealed, sig, err := c.SecuritySession().Wrap(msg)
				if err != nil {
					t.Fatal(err)
				}
				got, err := session.unwrap(sealed, sig)
				if err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("request %d: got %q, %v", i, got, err)
				}
				sealed, sig = session.wrap(append([]byte("reply "), msg...))
				back, err := c.SecuritySession().Unwrap(sealed, sig)
				if err != nil || string(back) != "reply "+string(msg) {
					t.Fatalf("reply %d: got %q, %v", i, back, err)
				}
			}
		})
	}
}

func TestParseEncrypted(t *testing.T) {
	sig := bytes.Repeat([]byte{1}, 16)
	sealed := []byte("0123456789")
	build := func(headers, second string, length int, tail string) []byte {
		var b bytes.Buffer
		b.WriteString("--Encrypted Boundary\r\n" + headers + "--Encrypted Boundary\r\n" + second)
		_ = binary.Write(&b, binary.LittleEndian, uint32(len(sig)))
		b.Write(sig)
		b.Write(sealed[:length])
		b.WriteString(tail)
		return b.Bytes()
	}
	const (
		pyHeaders = "\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=10\r\n"
		octet     = "\tContent-Type: application/octet-stream\r\n"
		closing   = "--Encrypted Boundary--\r\n"
	)
	cases := []struct {
		name, reason string
		body         []byte
		wantErr      bool
	}{
		{"pywinrm", "the framing pywinrm and masterzen send", build(pyHeaders, octet, 10, closing), false},
		{"no tabs", "headers without indentation", build(strings2(pyHeaders), "Content-Type: application/octet-stream\r\n", 10, closing), false},
		{"crlf before close", "a multipart writer's CRLF before the closing boundary", build(pyHeaders, octet, 10, "\r\n"+closing), false},
		{"no final crlf", "the closing boundary without CRLF", build(pyHeaders, octet, 10, "--Encrypted Boundary--"), false},
		{"bad start", "the body must open with the boundary", append([]byte("x"), build(pyHeaders, octet, 10, closing)...), true},
		{"protocol", "CredSSP parts are not SPNEGO", build("\tContent-Type: application/HTTP-CredSSP-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=10\r\n", octet, 10, closing), true},
		{"no length", "OriginalContent without Length", build("\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8\r\n", octet, 10, closing), true},
		{"other type", "only SOAP is sealed", build("\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=text/plain;Length=10\r\n", octet, 10, closing), true},
		{"short payload", "Length beyond the body", build(pyHeaders, octet, 6, closing), true},
		{"second part", "the second part must be an octet stream", build(pyHeaders, "\tContent-Type: text/plain\r\n", 10, closing), true},
		{"no close", "the closing boundary is required", build(pyHeaders, octet, 10, ""), true},
		{"trailing data", "nothing may follow the payload but the boundary", build(pyHeaders, octet, 10, "junk"+closing), true},
		{"empty", "no body", nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseEncrypted(tc.body)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s: error = %v, want error %v", tc.reason, err, tc.wantErr)
			}
			if err == nil && (!bytes.Equal(m.Sealed, sealed) || !bytes.Equal(m.Signature, sig) || m.OriginalType != "application/soap+xml;charset=UTF-8") {
				t.Errorf("%s: parsed %+v", tc.reason, m)
			}
		})
	}
	// What the server builds, it parses.
	out := buildEncrypted(soapContentType, len(sealed), sig, sealed)
	if m, err := parseEncrypted(out); err != nil || !bytes.Equal(m.Sealed, sealed) {
		t.Errorf("buildEncrypted output does not parse: %v", err)
	}
}

// strings2 drops the tab indentation of MIME header lines.
func strings2(h string) string { return string(bytes.ReplaceAll([]byte(h), []byte("\t"), nil)) }

func TestIsEncryptedType(t *testing.T) {
	cases := []struct {
		ct   string
		want bool
	}{
		{`multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"`, true},
		{`multipart/encrypted; protocol="application/HTTP-SPNEGO-session-encrypted"; boundary="Encrypted Boundary"`, true},
		{`multipart/encrypted;protocol="application/HTTP-CredSSP-session-encrypted";boundary="Encrypted Boundary"`, false},
		{`multipart/x-multi-encrypted;protocol="application/HTTP-CredSSP-session-encrypted";boundary="Encrypted Boundary"`, false},
		{`multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="other"`, false},
		{`application/soap+xml;charset=UTF-8`, false},
		{``, false},
	}
	for _, tc := range cases {
		if got := isEncryptedType(tc.ct); got != tc.want {
			t.Errorf("isEncryptedType(%q) = %v, want %v", tc.ct, got, tc.want)
		}
	}
}
