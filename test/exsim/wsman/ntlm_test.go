package wsman

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	ntlmssp "github.com/Azure/go-ntlmssp"
	"github.com/google/go-cmp/cmp"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// MS-NLMP 4.2.4 (NTLMv2 authentication) test vectors: user "User", domain
// "Domain", password "Password", server "Server".
const (
	specServerChallenge = "0123456789abcdef"
	specClientChallenge = "aaaaaaaaaaaaaaaa"
	specNTOWFv2         = "0c868a403bfd7a93a3001ef22ef02e3f"
	specNTProofStr      = "68cd0ab851e51c96aabc927bebef6a1c"
	// AV pairs of 4.2.4.1.3: MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server", MsvAvEOL.
	specAVPairs = "02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000"
)

// specNTResponse builds the NTLMv2 response of MS-NLMP 4.2.4.2.2 from the
// spec's inputs (time zero): NTProofStr followed by the client blob.
func specNTResponse(t *testing.T) []byte {
	blob := []byte{1, 1, 0, 0, 0, 0, 0, 0}
	blob = append(blob, make([]byte, 8)...) // Time
	blob = append(blob, unhex(t, specClientChallenge)...)
	blob = append(blob, 0, 0, 0, 0)
	blob = append(blob, unhex(t, specAVPairs)...)
	blob = append(blob, 0, 0, 0, 0)
	proof := hmacMD5(ntowfv2("Password", "User", "Domain"), unhex(t, specServerChallenge), blob)
	return append(proof, blob...)
}

func TestNTOWFv2MatchesSpec(t *testing.T) {
	got := hex.EncodeToString(ntowfv2("Password", "User", "Domain"))
	if diff := cmp.Diff(specNTOWFv2, got); diff != "" {
		t.Errorf("NTOWFv2 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(specNTProofStr, hex.EncodeToString(specNTResponse(t)[:16])); diff != "" {
		t.Errorf("NTProofStr (-want +got):\n%s", diff)
	}
}

func TestVerifyNTLMv2(t *testing.T) {
	good := specNTResponse(t)
	tampered := bytes.Clone(good)
	tampered[len(tampered)-10] ^= 1
	cases := []struct {
		name     string
		reason   string
		auth     ntlmAuth
		password string
		wantErr  bool
	}{
		{"spec vector", "the MS-NLMP 4.2.4 response verifies", ntlmAuth{User: "User", Domain: "Domain", NTResponse: good}, "Password", false},
		{"user case", "the user name is upper-cased before hashing", ntlmAuth{User: "USER", Domain: "Domain", NTResponse: good}, "Password", false},
		{"domain case", "the domain is hashed as sent, so another case fails", ntlmAuth{User: "User", Domain: "DOMAIN", NTResponse: good}, "Password", true},
		{"wrong password", "a different NTOWFv2", ntlmAuth{User: "User", Domain: "Domain", NTResponse: good}, "password", true},
		{"tampered blob", "the proof covers the blob", ntlmAuth{User: "User", Domain: "Domain", NTResponse: tampered}, "Password", true},
		{"ntlmv1", "24-byte responses are NTLMv1", ntlmAuth{User: "User", Domain: "Domain", NTResponse: good[:24]}, "Password", true},
		{"short", "shorter than proof plus blob header", ntlmAuth{User: "User", Domain: "Domain", NTResponse: good[:30]}, "Password", true},
		{"empty", "anonymous", ntlmAuth{User: "", Domain: "", NTResponse: nil}, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verifyNTLMv2(&tc.auth, tc.password, unhex(t, specServerChallenge))
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s: verifyNTLMv2() error = %v, want error %v", tc.reason, err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, errNTLM) {
				t.Errorf("error %v does not wrap errNTLM", err)
			}
		})
	}
}

// TestAzureClientHandshake runs the server half against the client library
// masterzen uses, message by message.
func TestAzureClientHandshake(t *testing.T) {
	target := ntlmTarget{NetBIOSDomain: "WORK", NetBIOSComputer: "WIN20081", DNSDomain: "work.com", DNSComputer: "win20081.work.com"}
	challenge := unhex(t, specServerChallenge)
	msg := buildChallenge(challenge, challengeFlags(0), target, time.Now())
	if got := ntlmMessageType(msg); got != ntlmChallenge {
		t.Fatalf("challenge message type = %d", got)
	}
	if flags := binary.LittleEndian.Uint32(msg[20:]); flags&(0x40000000|0x80) != 0 {
		t.Fatalf("challenge sets KEY_EXCH or LM_KEY: %#x", flags)
	}
	cases := []struct {
		name, password string
		wantUser       ntlmAuth
		wantErr        bool
	}{
		{"right password", "pw", ntlmAuth{Domain: "WORK", User: "admin"}, false},
		{"wrong password", "nope", ntlmAuth{Domain: "WORK", User: "admin"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			auth, err := ntlmssp.ProcessChallenge(msg, "admin", tc.password, true)
			if err != nil {
				t.Fatalf("client refused the challenge: %v", err)
			}
			a, err := parseAuthenticate(auth)
			if err != nil {
				t.Fatalf("parseAuthenticate: %v", err)
			}
			if diff := cmp.Diff(tc.wantUser, ntlmAuth{Domain: a.Domain, User: a.User}); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			if _, err := verifyNTLMv2(a, "pw", challenge); (err != nil) != tc.wantErr {
				t.Errorf("verifyNTLMv2() error = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

func TestParseAuthenticateRejectsMalformed(t *testing.T) {
	valid, err := ntlmssp.ProcessChallenge(buildChallenge(make([]byte, 8), challengeFlags(0), ntlmTarget{NetBIOSDomain: "W"}, time.Now()), "u", "p", true)
	if err != nil {
		t.Fatal(err)
	}
	badOffset := bytes.Clone(valid)
	binary.LittleEndian.PutUint32(badOffset[24:], 0xfffffff0) // NtChallengeResponse offset
	badLength := bytes.Clone(valid)
	binary.LittleEndian.PutUint16(badLength[36:], 0xffff) // UserName length
	negotiate := append(bytes.Clone(ntlmSignature), 1, 0, 0, 0)
	cases := []struct {
		name, reason string
		msg          []byte
	}{
		{"empty", "no signature", nil},
		{"negotiate", "a type 1 message is not a type 3", negotiate},
		{"truncated", "header cut short", valid[:40]},
		{"offset", "payload offset past the end", badOffset},
		{"length", "payload length past the end", badLength},
		{"spnego", "SPNEGO tokens are not unwrapped", []byte{0x60, 0x82, 0x01, 0x00}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseAuthenticate(tc.msg); err == nil {
				t.Errorf("%s: parseAuthenticate() succeeded", tc.reason)
			}
		})
	}
}

func FuzzParseAuthenticate(f *testing.F) {
	valid, err := ntlmssp.ProcessChallenge(buildChallenge(make([]byte, 8), challengeFlags(0), ntlmTarget{NetBIOSDomain: "W"}, time.Now()), "u", "p", true)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Fuzz(func(t *testing.T, data []byte) {
		if a, err := parseAuthenticate(data); err == nil {
			_, _ = verifyNTLMv2(a, "p", make([]byte, 8))
		}
	})
}
