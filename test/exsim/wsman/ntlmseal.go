package wsman

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// errSeal is wrapped by every failure to unseal or verify a message.
var errSeal = errors.New("ntlm session security")

// The magic constants of SIGNKEY and SEALKEY (MS-NLMP 3.4.5.2, 3.4.5.3),
// NUL included.
const (
	clientSigningMagic = "session key to client-to-server signing key magic constant\x00"
	serverSigningMagic = "session key to server-to-client signing key magic constant\x00"
	clientSealingMagic = "session key to client-to-server sealing key magic constant\x00"
	serverSealingMagic = "session key to server-to-client sealing key magic constant\x00"
)

// ntlmSignatureLen is the size of an NTLMSSP_MESSAGE_SIGNATURE.
const ntlmSignatureLen = 16

// ntlmSession is the NTLMv2 session security of one authenticated connection
// (MS-NLMP 3.4, connection-oriented, extended session security): one RC4
// handle and one sequence number per direction, kept for the life of the
// security context, HMAC_MD5 signatures whose checksum is RC4-encrypted with
// the sealing handle when KEY_EXCH was negotiated.
type ntlmSession struct {
	mu      sync.Mutex
	flags   uint32
	signIn  []byte // key that signs what this side receives
	signOut []byte // key that signs what this side sends
	sealIn  *rc4.Cipher
	sealOut *rc4.Cipher
	seqIn   uint32
	seqOut  uint32
	broken  bool // a failed unseal desynchronised the RC4 handle
}

// newNTLMSession sets up the keys of MS-NLMP 3.4.5 from the negotiated flags
// and the ExportedSessionKey, for the server side or (tests) the client side.
// Only extended session security is implemented, which every NTLMv2 client
// negotiates when the CHALLENGE offers it (exsim's always does).
func newNTLMSession(flags uint32, exportedKey []byte, server bool) (*ntlmSession, error) {
	if flags&flagExtendedSession == 0 {
		return nil, fmt.Errorf("%w: extended session security was not negotiated", errSeal)
	}
	if len(exportedKey) != 16 {
		return nil, fmt.Errorf("%w: session key of %d bytes", errSeal, len(exportedKey))
	}
	clientSeal, err := rc4.NewCipher(sealKey(flags, exportedKey, clientSealingMagic))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errSeal, err)
	}
	serverSeal, err := rc4.NewCipher(sealKey(flags, exportedKey, serverSealingMagic))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errSeal, err)
	}
	s := &ntlmSession{
		flags:   flags,
		signIn:  signKey(exportedKey, clientSigningMagic),
		signOut: signKey(exportedKey, serverSigningMagic),
		sealIn:  clientSeal,
		sealOut: serverSeal,
	}
	if !server {
		s.signIn, s.signOut = s.signOut, s.signIn
		s.sealIn, s.sealOut = s.sealOut, s.sealIn
	}
	return s, nil
}

// seals reports whether confidentiality was negotiated, which MS-WSMV's
// encrypted messages need.
func (s *ntlmSession) seals() bool { return s.flags&flagSeal != 0 }

// signKey is SIGNKEY of MS-NLMP 3.4.5.2 (extended session security).
func signKey(exportedKey []byte, magic string) []byte {
	h := md5.New()
	h.Write(exportedKey)
	h.Write([]byte(magic))
	return h.Sum(nil)
}

// sealKey is SEALKEY of MS-NLMP 3.4.5.3 with extended session security: the
// session key cut to 128, 56 or 40 bits, then hashed with the constant.
func sealKey(flags uint32, exportedKey []byte, magic string) []byte {
	k := exportedKey
	switch {
	case flags&flag128 != 0:
	case flags&flag56 != 0:
		k = exportedKey[:7]
	default:
		k = exportedKey[:5]
	}
	h := md5.New()
	h.Write(k)
	h.Write([]byte(magic))
	return h.Sum(nil)
}

// checksum is the signature's checksum of MS-NLMP 3.4.4.2:
// HMAC_MD5(SigningKey, SeqNum || Message)[0..7], then RC4 with the sealing
// handle under KEY_EXCH.
func (s *ntlmSession) checksum(key []byte, seal *rc4.Cipher, seq uint32, msg []byte) []byte {
	var seqBytes [4]byte
	binary.LittleEndian.PutUint32(seqBytes[:], seq)
	m := hmac.New(md5.New, key)
	m.Write(seqBytes[:])
	m.Write(msg)
	sum := m.Sum(nil)[:8]
	if s.flags&flagKeyExch != 0 {
		seal.XORKeyStream(sum, sum)
	}
	return sum
}

// wrap seals and signs one outgoing message (GSS_WrapEx, MS-NLMP 3.4.6,
// SEAL of 3.4.3): the message is encrypted first, then the checksum with the
// same RC4 handle.
func (s *ntlmSession) wrap(msg []byte) (sealed, signature []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sealed = make([]byte, len(msg))
	s.sealOut.XORKeyStream(sealed, msg)
	signature = make([]byte, ntlmSignatureLen)
	binary.LittleEndian.PutUint32(signature[0:], 1)
	copy(signature[4:12], s.checksum(s.signOut, s.sealOut, s.seqOut, msg))
	binary.LittleEndian.PutUint32(signature[12:], s.seqOut)
	s.seqOut++
	return sealed, signature
}

// unwrap decrypts one incoming message and verifies its signature and
// sequence number (GSS_UnwrapEx, MS-NLMP 3.4.7). After a failure the RC4
// handle no longer matches the peer's, so the session refuses everything.
func (s *ntlmSession) unwrap(sealed, signature []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken {
		return nil, fmt.Errorf("%w: the session failed an earlier message", errSeal)
	}
	if len(signature) != ntlmSignatureLen || binary.LittleEndian.Uint32(signature) != 1 {
		s.broken = true
		return nil, fmt.Errorf("%w: malformed message signature (%d bytes)", errSeal, len(signature))
	}
	msg := make([]byte, len(sealed))
	s.sealIn.XORKeyStream(msg, sealed)
	want := s.checksum(s.signIn, s.sealIn, s.seqIn, msg)
	if !hmac.Equal(want, signature[4:12]) {
		s.broken = true
		return nil, fmt.Errorf("%w: the message signature does not match", errSeal)
	}
	if seq := binary.LittleEndian.Uint32(signature[12:]); seq != s.seqIn {
		s.broken = true
		return nil, fmt.Errorf("%w: sequence number %d, want %d", errSeal, seq, s.seqIn)
	}
	s.seqIn++
	return msg, nil
}
