package wsman

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4"
)

// NTLM message types (MS-NLMP 2.2.1).
const (
	ntlmNegotiate    = 1
	ntlmChallenge    = 2
	ntlmAuthenticate = 3
)

// NTLM negotiate flags (MS-NLMP 2.2.2.5). The CHALLENGE always carries the
// base set; SIGN, SEAL and KEY_EXCH only when the NEGOTIATE asked for them,
// as a Windows server answers (MS-NLMP 3.2.5.1.1): the Azure/go-ntlmssp
// client that masterzen's ClientNTLM uses asks for none of them and refuses
// a challenge carrying KEY_EXCH, while session-security clients (bodgit's,
// pywinrm's ntlm-auth) ask for all three. LM_KEY is never set.
const (
	flagUnicode         = 0x00000001
	flagOEM             = 0x00000002
	flagRequestTarget   = 0x00000004
	flagSign            = 0x00000010
	flagSeal            = 0x00000020
	flagNTLM            = 0x00000200
	flagAlwaysSign      = 0x00008000
	flagTargetTypeDom   = 0x00010000
	flagExtendedSession = 0x00080000
	flagTargetInfo      = 0x00800000
	flagVersion         = 0x02000000
	flag128             = 0x20000000
	flagKeyExch         = 0x40000000
	flag56              = 0x80000000

	challengeBaseFlags = flagUnicode | flagRequestTarget | flagNTLM | flagAlwaysSign | flagTargetTypeDom |
		flagExtendedSession | flagTargetInfo | flagVersion | flag128 | flag56
	// challengeOnRequest are echoed only when the client's NEGOTIATE sets them.
	challengeOnRequest = flagSign | flagSeal | flagKeyExch
)

// AV pair ids of the CHALLENGE's TargetInfo (MS-NLMP 2.2.2.1).
const (
	avEOL             = 0
	avNbComputerName  = 1
	avNbDomainName    = 2
	avDNSComputerName = 3
	avDNSDomainName   = 4
	avDNSTreeName     = 5
	avFlags           = 6
	avTimestamp       = 7

	// avFlagMIC in MsvAvFlags says the AUTHENTICATE carries a MIC.
	avFlagMIC = 0x00000002
)

var ntlmSignature = []byte("NTLMSSP\x00")

// errNTLM is wrapped by every NTLM parsing or verification failure.
var errNTLM = errors.New("ntlm")

// ntlmMessageType returns the type of an NTLMSSP message, or 0 when data is
// not one (for example a SPNEGO token, which exsim does not unwrap).
func ntlmMessageType(data []byte) int {
	if len(data) < 12 || !bytes.Equal(data[:8], ntlmSignature) {
		return 0
	}
	return int(binary.LittleEndian.Uint32(data[8:12]))
}

// ntlmTarget names the machine and domain a CHALLENGE advertises.
type ntlmTarget struct {
	NetBIOSDomain   string // WORK
	NetBIOSComputer string // WIN20081
	DNSDomain       string // work.com
	DNSComputer     string // win20081.work.com
}

// newChallenge returns a fresh 8-byte server challenge.
func newChallenge() ([]byte, error) {
	c := make([]byte, 8)
	if _, err := rand.Read(c); err != nil {
		return nil, fmt.Errorf("%w: cannot draw a server challenge: %w", errNTLM, err)
	}
	return c, nil
}

// negotiateFlags returns the flags of a NEGOTIATE message (type 1), 0 when
// it is too short to carry them.
func negotiateFlags(msg []byte) uint32 {
	if len(msg) < 16 {
		return 0
	}
	return binary.LittleEndian.Uint32(msg[12:16])
}

// challengeFlags are the flags of the CHALLENGE answering a NEGOTIATE
// with clientFlags.
func challengeFlags(clientFlags uint32) uint32 {
	return challengeBaseFlags | clientFlags&challengeOnRequest
}

// buildChallenge encodes a CHALLENGE message (type 2) carrying serverChallenge,
// the given flags, the domain as TargetName and the AV pairs Windows sends,
// timestamp included so that clients skip the LMv2 response as they do
// against Windows.
func buildChallenge(serverChallenge []byte, flags uint32, t ntlmTarget, now time.Time) []byte {
	var info bytes.Buffer
	writeAV := func(id uint16, value []byte) {
		_ = binary.Write(&info, binary.LittleEndian, id)
		_ = binary.Write(&info, binary.LittleEndian, uint16(len(value)))
		info.Write(value)
	}
	writeAV(avNbDomainName, utf16le(t.NetBIOSDomain))
	writeAV(avNbComputerName, utf16le(t.NetBIOSComputer))
	writeAV(avDNSDomainName, utf16le(t.DNSDomain))
	writeAV(avDNSComputerName, utf16le(t.DNSComputer))
	writeAV(avDNSTreeName, utf16le(t.DNSDomain))
	ts := make([]byte, 8)
	binary.LittleEndian.PutUint64(ts, fileTime(now))
	writeAV(avTimestamp, ts)
	writeAV(avEOL, nil)

	target := utf16le(t.NetBIOSDomain)
	const headerLen = 56 // through the 8-byte Version field

	msg := make([]byte, headerLen, headerLen+len(target)+info.Len())
	copy(msg, ntlmSignature)
	binary.LittleEndian.PutUint32(msg[8:], ntlmChallenge)
	putField(msg[12:], len(target), headerLen)
	binary.LittleEndian.PutUint32(msg[20:], flags)
	copy(msg[24:32], serverChallenge)
	putField(msg[40:], info.Len(), headerLen+len(target))
	// Version: Windows Server 2019 (10.0.17763), NTLM revision 15.
	copy(msg[48:56], []byte{10, 0, 0x63, 0x45, 0, 0, 0, 15})
	msg = append(msg, target...)
	return append(msg, info.Bytes()...)
}

// ntlmAuth is what the server reads from an AUTHENTICATE message (type 3).
type ntlmAuth struct {
	Domain      string
	User        string
	Workstation string
	NTResponse  []byte
	// Flags are the AUTHENTICATE's NegotiateFlags.
	Flags uint32
	// EncryptedKey is the EncryptedRandomSessionKey (with KEY_EXCH).
	EncryptedKey []byte
	// Raw is the whole message, for the MIC.
	Raw []byte
}

// micOffset is where the MIC sits in an AUTHENTICATE that carries one: after
// the six field descriptors, the flags and the Version (MS-NLMP 2.2.1.3).
const micOffset = 72

// parseAuthenticate decodes the fields of an AUTHENTICATE message that the
// verifier needs; it never panics on short or hostile input.
func parseAuthenticate(data []byte) (*ntlmAuth, error) {
	if ntlmMessageType(data) != ntlmAuthenticate {
		return nil, fmt.Errorf("%w: not an AUTHENTICATE message", errNTLM)
	}
	if len(data) < 64 {
		return nil, fmt.Errorf("%w: AUTHENTICATE message of %d bytes is too short", errNTLM, len(data))
	}
	flags := binary.LittleEndian.Uint32(data[60:64])
	unicode := flags&flagUnicode != 0
	a := ntlmAuth{Flags: flags, Raw: data}
	var err error
	if a.NTResponse, err = readField(data, 20); err != nil {
		return nil, fmt.Errorf("%w: NtChallengeResponse: %w", errNTLM, err)
	}
	if a.EncryptedKey, err = readField(data, 52); err != nil {
		return nil, fmt.Errorf("%w: EncryptedRandomSessionKey: %w", errNTLM, err)
	}
	for _, f := range []struct {
		off int
		dst *string
	}{{28, &a.Domain}, {36, &a.User}, {44, &a.Workstation}} {
		raw, err := readField(data, f.off)
		if err != nil {
			return nil, fmt.Errorf("%w: field at offset %d: %w", errNTLM, f.off, err)
		}
		*f.dst = decodeNTLMString(raw, unicode)
	}
	return &a, nil
}

// verifyNTLMv2 checks an NTLMv2 response against the password (MS-NLMP
// 3.3.2): NTOWFv2 = HMAC_MD5(MD4(UTF16LE(password)), UTF16LE(upper(user)+domain))
// and NTProofStr = HMAC_MD5(NTOWFv2, serverChallenge || blob). The user and
// domain are taken exactly as the client sent them, since they are hashed.
// It returns the SessionBaseKey, HMAC_MD5(NTOWFv2, NTProofStr), which is
// NTLMv2's KeyExchangeKey (MS-NLMP 3.4.5.1).
func verifyNTLMv2(a *ntlmAuth, password string, serverChallenge []byte) ([]byte, error) {
	if len(a.NTResponse) == 24 {
		return nil, fmt.Errorf("%w: NTLMv1 responses are refused", errNTLM)
	}
	// 16 bytes NTProofStr + the 28-byte fixed part of the NTLMv2 client challenge.
	if len(a.NTResponse) < 16+28 {
		return nil, fmt.Errorf("%w: NTLMv2 response of %d bytes is too short", errNTLM, len(a.NTResponse))
	}
	key := ntowfv2(password, a.User, a.Domain)
	want := hmacMD5(key, serverChallenge, a.NTResponse[16:])
	if !hmac.Equal(want, a.NTResponse[:16]) {
		return nil, fmt.Errorf("%w: wrong password for %s\\%s", errNTLM, a.Domain, a.User)
	}
	return hmacMD5(key, a.NTResponse[:16]), nil
}

// exportedSessionKey derives the session key both sides sign and seal with
// (MS-NLMP 3.2.5.1.2): with KEY_EXCH the client drew it and sent it RC4-
// encrypted under the KeyExchangeKey, else it is the KeyExchangeKey.
func exportedSessionKey(flags uint32, encryptedKey, keyExchangeKey []byte) ([]byte, error) {
	if flags&flagKeyExch == 0 {
		return keyExchangeKey, nil
	}
	if len(encryptedKey) != 16 {
		return nil, fmt.Errorf("%w: KEY_EXCH with an EncryptedRandomSessionKey of %d bytes", errNTLM, len(encryptedKey))
	}
	c, err := rc4.NewCipher(keyExchangeKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNTLM, err)
	}
	key := make([]byte, 16)
	c.XORKeyStream(key, encryptedKey)
	return key, nil
}

// checkMIC verifies the AUTHENTICATE's MIC when its NTLMv2 response says one
// is present (MsvAvFlags bit 0x2, MS-NLMP 2.2.2.1 and 3.2.5.1.2):
// HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE with
// the MIC zeroed). A client that sends none is not asked for one.
func checkMIC(a *ntlmAuth, sessionKey, negotiate, challenge []byte) error {
	if !hasMICFlag(a.NTResponse) {
		return nil
	}
	if len(a.Raw) < micOffset+16 {
		return fmt.Errorf("%w: MsvAvFlags announces a MIC the message has no room for", errNTLM)
	}
	zeroed := bytes.Clone(a.Raw)
	clear(zeroed[micOffset : micOffset+16])
	want := hmacMD5(sessionKey, negotiate, challenge, zeroed)
	if !hmac.Equal(want, a.Raw[micOffset:micOffset+16]) {
		return fmt.Errorf("%w: the AUTHENTICATE's MIC does not match", errNTLM)
	}
	return nil
}

// hasMICFlag reads MsvAvFlags from the AV pairs of an NTLMv2 response.
func hasMICFlag(nt []byte) bool {
	const avStart = 16 + 28 // NTProofStr, then the blob's fixed part
	if len(nt) < avStart {
		return false
	}
	av := nt[avStart:]
	for len(av) >= 4 {
		id := binary.LittleEndian.Uint16(av)
		n := int(binary.LittleEndian.Uint16(av[2:]))
		if id == avEOL || len(av) < 4+n {
			return false
		}
		if id == avFlags && n == 4 {
			return binary.LittleEndian.Uint32(av[4:])&avFlagMIC != 0
		}
		av = av[4+n:]
	}
	return false
}

// ntowfv2 is NTOWFv2 of MS-NLMP 3.3.2.
func ntowfv2(password, user, domain string) []byte {
	h := md4.New()
	h.Write(utf16le(password))
	return hmacMD5(h.Sum(nil), utf16le(strings.ToUpper(user)+domain))
}

func hmacMD5(key []byte, data ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

// putField writes an NTLM (len, maxlen, offset) field descriptor.
func putField(b []byte, length, offset int) {
	binary.LittleEndian.PutUint16(b[0:], uint16(length))
	binary.LittleEndian.PutUint16(b[2:], uint16(length))
	binary.LittleEndian.PutUint32(b[4:], uint32(offset))
}

// readField returns the payload a field descriptor at off points to.
func readField(msg []byte, off int) ([]byte, error) {
	if off+8 > len(msg) {
		return nil, errors.New("descriptor beyond the message")
	}
	length := int(binary.LittleEndian.Uint16(msg[off:]))
	start := int(binary.LittleEndian.Uint32(msg[off+4:]))
	if length == 0 {
		return nil, nil
	}
	if start < 0 || start > len(msg) || length > len(msg)-start {
		return nil, fmt.Errorf("payload [%d:+%d] beyond the %d-byte message", start, length, len(msg))
	}
	return msg[start : start+length], nil
}

func decodeNTLMString(raw []byte, unicode bool) string {
	if !unicode {
		return string(raw)
	}
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(raw[2*i:])
	}
	return string(utf16.Decode(u))
}

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

// fileTime converts t to a Windows FILETIME (100 ns ticks since 1601).
func fileTime(t time.Time) uint64 {
	const epochDelta = 116444736000000000
	return uint64(t.UnixNano()/100) + epochDelta
}
