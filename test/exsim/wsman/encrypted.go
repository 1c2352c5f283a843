package wsman

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// MS-WSMV 2.2.9.1.1 (Negotiate Encrypted Message): over HTTP, a WinRM
// message sealed with the SPNEGO (here NTLM) security context travels as
//
//	Content-Type: multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"
//
//	--Encrypted Boundary\r\n
//	\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
//	\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=N\r\n
//	--Encrypted Boundary\r\n
//	\tContent-Type: application/octet-stream\r\n
//	<uint32 LE signature length><signature><N sealed bytes>--Encrypted Boundary--\r\n
//
// where the signature is NTLM's NTLMSSP_MESSAGE_SIGNATURE (2.2.9.1.1.2.2).
const (
	encryptedMultipart   = "multipart/encrypted"
	encryptedProtocol    = "application/HTTP-SPNEGO-session-encrypted"
	encryptedBoundary    = "Encrypted Boundary"
	encryptedContentType = encryptedMultipart + `;protocol="` + encryptedProtocol + `";boundary="` + encryptedBoundary + `"`
	soapContentType      = "application/soap+xml;charset=UTF-8"
	octetStream          = "application/octet-stream"
)

var (
	errEncrypted = errors.New("encrypted message")
	dashBoundary = []byte("--" + encryptedBoundary + "\r\n")
	closeBoundry = []byte("--" + encryptedBoundary + "--")
)

// isEncryptedType reports whether a request's Content-Type announces an
// MS-WSMV encrypted message. Only the SPNEGO protocol with its fixed
// boundary is understood; CredSSP (HTTP-CredSSP-session-encrypted,
// multipart/x-multi-encrypted) is not.
func isEncryptedType(ct string) bool {
	media, params, err := mime.ParseMediaType(ct)
	return err == nil && media == encryptedMultipart &&
		strings.EqualFold(params["protocol"], encryptedProtocol) && params["boundary"] == encryptedBoundary
}

// sealedMessage is the content of one encrypted message body.
type sealedMessage struct {
	OriginalType string // type= of OriginalContent, e.g. application/soap+xml;charset=UTF-8
	Signature    []byte
	Sealed       []byte
}

// parseEncrypted splits an MS-WSMV encrypted body into its parts. The header
// lines may be indented by a tab (as Windows, pywinrm and masterzen write
// them) or not. The sealed payload is as long as OriginalContent's Length
// says (RC4 keeps the length), so binary data is never searched for the
// boundary.
func parseEncrypted(body []byte) (*sealedMessage, error) {
	rest, ok := bytes.CutPrefix(body, dashBoundary)
	if !ok {
		return nil, fmt.Errorf("%w: the body does not start with --%s", errEncrypted, encryptedBoundary)
	}
	var m sealedMessage
	length := -1
	var line string
	for {
		if bytes.HasPrefix(rest, dashBoundary) {
			rest = rest[len(dashBoundary):]
			break
		}
		var err error
		if line, rest, err = headerLine(rest); err != nil {
			return nil, err
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "content-type":
			if !strings.EqualFold(value, encryptedProtocol) {
				return nil, fmt.Errorf("%w: first part of type %q, want %s", errEncrypted, value, encryptedProtocol)
			}
		case "originalcontent":
			for _, p := range strings.Split(value, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				switch strings.ToLower(k) {
				case "type":
					m.OriginalType = v
				case "charset":
					m.OriginalType += ";charset=" + v
				case "length":
					n, err := strconv.Atoi(v)
					if err != nil || n < 0 {
						return nil, fmt.Errorf("%w: OriginalContent Length %q", errEncrypted, v)
					}
					length = n
				}
			}
		}
	}
	if length < 0 {
		return nil, fmt.Errorf("%w: no OriginalContent Length", errEncrypted)
	}
	if !strings.HasPrefix(strings.ToLower(m.OriginalType), "application/soap+xml") {
		return nil, fmt.Errorf("%w: original content of type %q, want application/soap+xml", errEncrypted, m.OriginalType)
	}
	var err error
	if line, rest, err = headerLine(rest); err != nil {
		return nil, err
	}
	if name, value, _ := strings.Cut(line, ":"); !strings.EqualFold(strings.TrimSpace(name), "Content-Type") ||
		!strings.EqualFold(strings.TrimSpace(value), octetStream) {
		return nil, fmt.Errorf("%w: second part header %q, want Content-Type: %s", errEncrypted, line, octetStream)
	}
	if len(rest) < 4 {
		return nil, fmt.Errorf("%w: no signature length", errEncrypted)
	}
	sigLen := int(binary.LittleEndian.Uint32(rest))
	rest = rest[4:]
	if sigLen > len(rest) || length > len(rest)-sigLen {
		return nil, fmt.Errorf("%w: %d-byte signature and %d-byte payload in %d bytes", errEncrypted, sigLen, length, len(rest))
	}
	m.Signature, rest = rest[:sigLen], rest[sigLen:]
	m.Sealed, rest = rest[:length], rest[length:]
	rest = bytes.TrimPrefix(rest, []byte("\r\n"))
	if tail, ok := bytes.CutPrefix(rest, closeBoundry); !ok || len(bytes.TrimSpace(tail)) != 0 {
		return nil, fmt.Errorf("%w: the payload is not followed by --%s--", errEncrypted, encryptedBoundary)
	}
	return &m, nil
}

// headerLine returns one CRLF-terminated line without its indentation.
func headerLine(b []byte) (string, []byte, error) {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 || i > 1024 {
		return "", nil, fmt.Errorf("%w: unterminated MIME header line", errEncrypted)
	}
	return strings.TrimLeft(string(b[:i]), " \t"), b[i+2:], nil
}

// buildEncrypted frames a sealed reply the way Windows does.
func buildEncrypted(originalType string, length int, signature, sealed []byte) []byte {
	var b bytes.Buffer
	b.Write(dashBoundary)
	fmt.Fprintf(&b, "\tContent-Type: %s\r\n", encryptedProtocol)
	fmt.Fprintf(&b, "\tOriginalContent: type=%s;Length=%d\r\n", originalType, length)
	b.Write(dashBoundary)
	fmt.Fprintf(&b, "\tContent-Type: %s\r\n", octetStream)
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(signature)))
	b.Write(signature)
	b.Write(sealed)
	b.Write(closeBoundry)
	b.WriteString("\r\n")
	return b.Bytes()
}

// sealedWriter collects a handler's reply and sends it sealed: every SOAP
// reply on an encrypted exchange is encrypted, faults included. Replies
// without a body (401, 413) go out as they are.
type sealedWriter struct {
	w       http.ResponseWriter
	session *ntlmSession
	status  int
	body    bytes.Buffer
}

func (s *sealedWriter) Header() http.Header { return s.w.Header() }

func (s *sealedWriter) WriteHeader(status int) {
	if s.status == 0 {
		s.status = status
	}
}

func (s *sealedWriter) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.body.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (drop-after).
func (s *sealedWriter) Unwrap() http.ResponseWriter { return s.w }

// finish seals and sends what the handler wrote.
func (s *sealedWriter) finish() {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	h := s.w.Header()
	if s.body.Len() == 0 {
		h.Set("Content-Length", "0")
		s.w.WriteHeader(s.status)
		return
	}
	original := h.Get("Content-Type")
	if original == "" {
		original = soapContentType
	}
	sealed, signature := s.session.wrap(s.body.Bytes())
	out := buildEncrypted(original, s.body.Len(), signature, sealed)
	h.Set("Content-Type", encryptedContentType)
	h.Set("Content-Length", strconv.Itoa(len(out)))
	s.w.WriteHeader(s.status)
	_, _ = s.w.Write(out)
}
