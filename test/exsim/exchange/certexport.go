package exchange

import (
	"crypto/rand"
	"strings"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
	"software.sslmate.com/src/go-pkcs12"
)

// Export-ExchangeCertificate
// (https://learn.microsoft.com/powershell/module/exchangepowershell/export-exchangecertificate):
// a certificate becomes a PKCS #12 file, which needs PrivateKeyExportable
// True; a pending request becomes its PKCS #10 request. -BinaryEncoded
// returns an object whose FileData holds the bytes (the reference's
// example 2 writes $bincert.FileData), otherwise the Base64 text is
// returned. -FileName (2013 only) also writes the file on the server.

// errNotExportable: wording as seen in forum reports of the cmdlet [INFER:
// no Microsoft page carries it].
var errNotExportable = errDef{key: "NotExportable", category: "InvalidOperation", exception: exInvalidOperation,
	format: "The private key couldn't be exported as PKCS-12. It either couldn't be accessed or isn't exportable."}

func exportExchangeCertificate(x *invocation) ([]any, error) {
	targets, err := x.certTargets()
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return nil, x.missingMandatory("Thumbprint")
	}
	password := ""
	if s, ok := x.call.Args["Password"].(*ps.SecureString); ok && s != nil {
		password = s.Plain()
	}
	var out []any
	for _, t := range targets {
		c := t.srv.findCert(t.thumb)
		if c == nil {
			return out, x.rpcFail(t.srv, errCertNotFound, t.thumb)
		}
		var data []byte
		var text string
		if c.pending {
			data, text = append([]byte(nil), c.csr...), requestText(c.csr)
		} else {
			if c.key == nil || !c.exportable {
				return out, x.rpcFail(t.srv, errNotExportable)
			}
			// .NET Framework's X509Certificate2.Export(Pfx) writes
			// PBE-SHA1-3DES, which every Windows Server imports (AES PFX
			// files need Windows Server 2019) [INFER: the chain is not
			// included; exsim keeps no intermediates].
			pfx, err := pkcs12.LegacyDES.WithRand(rand.Reader).Encode(c.key, c.cert, nil, password)
			if err != nil {
				return out, x.rpcFail(t.srv, errNotExportable)
			}
			data, text = pfx, base64Lines(pfx)
		}
		if err := x.confirm(false); err != nil {
			return out, err
		}
		binary := x.flag("BinaryEncoded")
		if x.has("FileName") {
			if binary {
				t.srv.writeFile(x.str("FileName"), data)
				// The binary file is written, nothing is displayed [INFER
				// from example 3: "Base64 encoded, so the information
				// that's written to the file is also displayed onscreen"].
				continue
			}
			t.srv.writeFile(x.str("FileName"), []byte(text))
		}
		if binary {
			p := x.r.newObject("Microsoft.Exchange.Data.BinaryFileDataObject", "System.Object")
			p.add("FileData", data, "System.Byte[]")
			out = append(out, p.o)
			continue
		}
		out = append(out, text)
	}
	return out, nil
}

// base64Lines is Base64 in 76-character CRLF lines, without header
// [INFER: the form of the request text, seed 000].
func base64Lines(b []byte) string {
	enc := encodeBase64(b)
	var lines []string
	for len(enc) > 76 {
		lines = append(lines, enc[:76])
		enc = enc[76:]
	}
	return strings.Join(append(lines, enc), "\r\n")
}
