package controller

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/crypto/scrypt"

	"github.com/exreconcile/exreconcile/exchange"
)

// Exchange never returns a stored smart-host password (Get-SendConnector
// shows only whether AuthenticationCredential is set; docs/exchange.md
// "Send connectors"), so a rotated secret cannot be seen by reading it
// back. exreconcile keeps a fingerprint of the credential it set in the
// connector's Comment instead:
//
//	[exreconcile-credential: scrypt$<N>$<r>$<p>$<salt-base64>$<hash-base64>]
//
// an scrypt hash (RFC 7914) of username and password with a random salt
// per connector, costly enough to be useless to whoever can read the
// Comment. It says nothing about ownership: --prune never reads it.

// scrypt parameters of new fingerprints (RFC 7914 section 2's
// recommendation for interactive use, 2^15).
const (
	scryptN      = 32768
	scryptR      = 8
	scryptP      = 1
	scryptKeyLen = 32
	scryptSalt   = 16
)

// credentialPattern matches the fingerprint marker.
var credentialPattern = regexp.MustCompile(`\[exreconcile-credential: scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)\]`)

// randRead is the salt's source (tests make it deterministic).
var randRead = rand.Read

// credentialKey is what the fingerprint hashes: NTLM and Basic never take
// a NUL in a username, so the pair is unambiguous.
func credentialKey(c *exchange.CredentialSpec) []byte {
	return []byte(c.Username + "\x00" + c.Password.Reveal())
}

// fingerprint is the marker of c with a new random salt.
func fingerprint(c *exchange.CredentialSpec) (string, error) {
	salt := make([]byte, scryptSalt)
	if _, err := randRead(salt); err != nil {
		return "", fmt.Errorf("credential fingerprint: %w", err)
	}
	hash, err := scrypt.Key(credentialKey(c), salt, scryptN, scryptR, scryptP, scryptKeyLen)
	if err != nil {
		return "", fmt.Errorf("credential fingerprint: %w", err)
	}
	enc := base64.StdEncoding
	return fmt.Sprintf("[exreconcile-credential: scrypt$%d$%d$%d$%s$%s]", scryptN, scryptR, scryptP,
		enc.EncodeToString(salt), enc.EncodeToString(hash)), nil
}

// credentialMatches reports whether comment has a fingerprint (known) and
// whether it is the fingerprint of c. A malformed or absurd one counts as
// none: the credential is then fingerprinted on its next change.
func credentialMatches(comment string, c *exchange.CredentialSpec) (match, known bool) {
	m := credentialPattern.FindStringSubmatch(comment)
	if m == nil {
		return false, false
	}
	n, err1 := strconv.Atoi(m[1])
	r, err2 := strconv.Atoi(m[2])
	p, err3 := strconv.Atoi(m[3])
	salt, err4 := base64.StdEncoding.DecodeString(m[4])
	want, err5 := base64.StdEncoding.DecodeString(m[5])
	// Bounds keep a hand-edited Comment from costing more than a new
	// fingerprint does.
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || err5 != nil ||
		n < 2 || n > scryptN || r < 1 || r > scryptR || p < 1 || p > 4 || len(want) == 0 || len(want) > 64 {
		return false, false
	}
	got, err := scrypt.Key(credentialKey(c), salt, n, r, p, len(want))
	if err != nil {
		return false, false
	}
	return subtle.ConstantTimeCompare(got, want) == 1, true
}

// credentialMarkerOf is the fingerprint marker of a comment, "" for none.
func credentialMarkerOf(comment string) string { return credentialPattern.FindString(comment) }

// withCredential puts marker in place of the comment's fingerprint.
func withCredential(comment, marker string) string {
	return withMarker(strings.TrimSpace(credentialPattern.ReplaceAllString(comment, "")), marker)
}
