package exchange

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
	"software.sslmate.com/src/go-pkcs12"
)

// Certificate import errors: the texts are real (Exchange 2016/2019 Q&A
// threads, docs/exchange.md "Error texts"); category and exception as those samples show.
var (
	errImportData = errDef{key: "ImportData", category: "ReadError", exception: exInvalidOperation, id: "A39CF339",
		format: "The source data cannot be imported or the wrong password was specified."}
	errImportDuplicate = errDef{key: "ImportDuplicate", category: "NotSpecified", exception: exInvalidOperation,
		format: "Cannot import certificate. A certificate with the thumbprint %s already exists."}
	// [INFER] Import -FileName names a file the server does not have.
	errImportFile = errDef{key: "ImportFile", category: "ReadError", exception: exInvalidOperation,
		format: "Could not find file '%s'."}
)

// importedCert is what a file yields: the certificates and, from a PFX, the key.
type importedCert struct {
	certs []*x509.Certificate
	key   crypto.Signer
}

// fileBytes converts -FileData: Byte[] arrives as []byte, or as an array of
// numbers when built in script ([Byte[]] casts, Get-Content -Encoding Byte).
func fileBytes(v any) ([]byte, bool) {
	switch x := v.(type) {
	case []byte:
		return x, true
	case []any:
		out := make([]byte, 0, len(x))
		for _, it := range x {
			n, ok := toInt64(it)
			if !ok || n < 0 || n > 255 {
				return nil, false
			}
			out = append(out, byte(n))
		}
		return out, true
	case string:
		return []byte(x), true
	}
	return nil, false
}

// readCertificateFile accepts what Import-ExchangeCertificate accepts: DER
// or PEM certificates, PKCS#7 (.p7b/.p7c, DER or Base64, also under a
// CERTIFICATE header as the CA in seed 000 sent it) and PKCS#12 (.pfx).
func readCertificateFile(data []byte, password string) (*importedCert, error) {
	if bytes.Contains(data, []byte("-----BEGIN")) {
		var out importedCert
		rest := data
		for {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			more, err := readDER(block.Bytes, password)
			if err != nil {
				return nil, err
			}
			out.certs = append(out.certs, more.certs...)
			if more.key != nil {
				out.key = more.key
			}
		}
		if len(out.certs) == 0 {
			return nil, fmt.Errorf("no certificate")
		}
		return &out, nil
	}
	if text := strings.TrimSpace(string(data)); text != "" && !bytes.ContainsRune(data, 0) {
		if der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), "")); err == nil {
			return readDER(der, password)
		}
	}
	return readDER(data, password)
}

func readDER(der []byte, password string) (*importedCert, error) {
	if c, err := x509.ParseCertificate(der); err == nil {
		return &importedCert{certs: []*x509.Certificate{c}}, nil
	}
	if certs, err := parsePKCS7(der); err == nil {
		return &importedCert{certs: certs}, nil
	}
	key, cert, cas, err := pkcs12.DecodeChain(der, password)
	if err != nil {
		return nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported key")
	}
	return &importedCert{certs: append([]*x509.Certificate{cert}, cas...), key: signer}, nil
}

// parsePKCS7 reads the certificates of a PKCS#7 SignedData (RFC 2315).
func parsePKCS7(der []byte) ([]*x509.Certificate, error) {
	var info struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		return nil, err
	}
	if !info.ContentType.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}) {
		return nil, fmt.Errorf("not signed data")
	}
	var sd struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		ContentInfo      asn1.RawValue
		Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	}
	if _, err := asn1.Unmarshal(info.Content.Bytes, &sd); err != nil {
		return nil, err
	}
	return x509.ParseCertificates(sd.Certificates.Bytes)
}

// leaf picks the end-entity certificate of a chain: the one that issued
// no other certificate of the file.
func leaf(certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		issuer := false
		for _, o := range certs {
			if o != c && bytes.Equal(o.RawIssuer, c.RawSubject) && signedBy(o, c) {
				issuer = true
			}
		}
		if !issuer {
			return c
		}
	}
	return certs[0]
}

func importExchangeCertificate(x *invocation) ([]any, error) {
	srv := x.srv
	if x.has("Server") {
		var err error
		if srv, err = x.targetServer(x.str("Server")); err != nil {
			return nil, err
		}
	}
	password := ""
	if s, ok := x.call.Args["Password"].(*ps.SecureString); ok && s != nil {
		password = s.Plain()
	} else if x.has("Password") {
		password = x.str("Password")
	}
	var data []byte
	switch {
	case x.has("FileName"):
		// 2013 only: a path on the server; exsim knows the files its own
		// cmdlets wrote there (certfiles.go).
		var ok bool
		if data, ok = srv.readFile(x.str("FileName")); !ok {
			return nil, x.fail(errImportFile, x.str("FileName"))
		}
	case x.has("Instance"):
		for _, it := range flatten(x.call.Args["Instance"]) {
			data = append(data, []byte(fmt.Sprint(it)+"\n")...)
		}
	default:
		var ok bool
		if data, ok = fileBytes(x.call.Args["FileData"]); !ok {
			return nil, x.bindErr("FileData", x.call.Args["FileData"], badValue(x.call.Args["FileData"], "System.Byte[]", "Cannot convert value to type System.Byte[]."))
		}
	}
	in, err := readCertificateFile(data, password)
	if err != nil {
		return nil, x.rpcFail(srv, errImportData)
	}
	if err := x.confirm(false); err != nil {
		return nil, err
	}
	cert := leaf(in.certs)
	c := &certificate{der: cert.Raw, cert: cert, key: in.key, friendly: "", rootCA: "ThirdParty"}
	if exportable, given := x.boolArg("PrivateKeyExportable"); given {
		c.exportable = exportable
	}
	if c.selfSigned() {
		c.rootCA = "None"
	}
	if old := srv.findCert(c.thumbprint()); old != nil && !old.pending {
		return nil, x.rpcFail(srv, errImportDuplicate, c.thumbprint())
	}
	// An issued certificate completes the pending request holding its key
	// (New-ExchangeCertificate -GenerateRequest); a bare certificate without
	// one is imported with HasPrivateKey False (seed 000's failure).
	for i, p := range srv.certs {
		if p.pending && p.key != nil && publicKeysEqual(p.key.Public(), cert.PublicKey) {
			if c.key == nil {
				c.key = p.key
			}
			if !x.has("PrivateKeyExportable") {
				c.exportable = p.exportable
			}
			c.friendly = p.friendly
			srv.certs = append(srv.certs[:i], srv.certs[i+1:]...)
			break
		}
	}
	if x.has("FriendlyName") {
		c.friendly = x.str("FriendlyName")
	}
	srv.certs = append(srv.certs, c)
	return []any{x.r.certificateObject(srv, c)}, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

// rpcFail is fail with the 2013+ "A special Rpc error" prefix.
func (x *invocation) rpcFail(srv *Server, d errDef, args ...any) *ps.ErrorRecord {
	e := x.fail(d, args...)
	e.Message = x.rpc(srv, e.Message)
	return e
}
