package exchange

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
	"software.sslmate.com/src/go-pkcs12"
)

func TestExportExchangeCertificate(t *testing.T) {
	type fixture struct{ exportable, plain, pending, auth string }
	cases := []struct {
		name    string
		v       Version
		target  func(f fixture) string
		args    args
		wantErr string
		check   func(t *testing.T, out []any, sh *shell)
		reason  string
	}{
		{name: "exportable, binary, password", target: func(f fixture) string { return f.exportable },
			args: args{"BinaryEncoded": true, "Password": ps.NewSecureString("s3cret")},
			check: func(t *testing.T, out []any, sh *shell) {
				data, ok := out[0].(*ps.Object).Get("FileData").Value.([]byte)
				if !ok {
					t.Fatal("FileData is a Byte[]")
				}
				key, cert, err := pkcs12.Decode(data, "s3cret")
				if err != nil || key == nil || cert.Subject.CommonName != "mail.work.com" {
					t.Fatalf("a PKCS #12 with the key: %v", err)
				}
				// The PFX imports on another server with its key.
				other := remoteShell(t, sh.org, "WIN20082")
				got := other.must("Import-ExchangeCertificate", args{"FileData": data, "Password": ps.NewSecureString("s3cret"), "Server": "WIN20082"})
				if prop(t, got[0], "HasPrivateKey") != "True" {
					t.Error("the exported key travels")
				}
			}, reason: "reference example 2"},
		{name: "exportable, Base64", target: func(f fixture) string { return f.exportable }, args: args{"Password": ps.NewSecureString("pw")},
			check: func(t *testing.T, out []any, _ *shell) {
				text, ok := out[0].(string)
				if !ok {
					t.Fatalf("text output: %T", out[0])
				}
				der, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(text, "\r\n", ""))
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := pkcs12.Decode(der, "pw"); err != nil {
					t.Fatalf("Base64 of the PFX: %v", err)
				}
			}, reason: "without -BinaryEncoded the file is Base64"},
		{name: "wrong password does not open it", target: func(f fixture) string { return f.exportable }, args: args{"BinaryEncoded": true, "Password": ps.NewSecureString("pw")},
			check: func(t *testing.T, out []any, _ *shell) {
				data := out[0].(*ps.Object).Get("FileData").Value.([]byte)
				if _, _, err := pkcs12.Decode(data, "other"); err == nil {
					t.Fatal("the password protects the PFX")
				}
			}, reason: "-Password is the PFX password"},
		{name: "not exportable", target: func(f fixture) string { return f.plain }, args: args{"BinaryEncoded": true, "Password": ps.NewSecureString("pw")},
			wantErr: "A special Rpc error occurs on server WIN20081: The private key couldn't be exported as PKCS-12. It either couldn't be accessed or isn't exportable.",
			reason:  "PrivateKeyExportable False (the New-ExchangeCertificate default) refuses"},
		{name: "default self-signed", target: func(f fixture) string { return "default" }, args: args{"BinaryEncoded": true},
			wantErr: "isn't exportable", reason: "the reference: the default Microsoft Exchange certificate isn't exportable"},
		{name: "pending request", target: func(f fixture) string { return f.pending },
			check: func(t *testing.T, out []any, _ *shell) {
				csrOf(t, out)
			}, reason: "a pending request exports as its PKCS #10 request (example 4)"},
		{name: "pending request binary", target: func(f fixture) string { return f.pending }, args: args{"BinaryEncoded": true},
			check: func(t *testing.T, out []any, _ *shell) {
				csrOf(t, out)
			}, reason: "DER request in FileData"},
		{name: "not found", target: func(f fixture) string { return "0000000000000000000000000000000000000000" },
			wantErr: "The certificate with thumbprint 0000000000000000000000000000000000000000 was not found.", reason: "real not-found text"},
		{name: "FileName on 2019", target: func(f fixture) string { return f.exportable }, args: args{"FileName": `C:\x.pfx`},
			wantErr: "A parameter cannot be found that matches parameter name 'FileName'", reason: "2013 only"},
		{name: "FileName on 2013", v: V2013, target: func(f fixture) string { return f.exportable },
			args: args{"FileName": `C:\Data\HT cert.pfx`, "BinaryEncoded": true, "Password": ps.NewSecureString("pw")},
			check: func(t *testing.T, out []any, sh *shell) {
				if len(out) != 0 {
					t.Errorf("a binary export to a file displays nothing: %v", out)
				}
				s, _ := sh.org.Server("WIN20081")
				data, ok := s.readFile(`c:\data\ht cert.pfx`)
				if !ok {
					t.Fatal("the file is on the server")
				}
				if _, _, err := pkcs12.Decode(data, "pw"); err != nil {
					t.Fatalf("the file holds the PFX: %v", err)
				}
			}, reason: "reference example 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			if v == 0 {
				v = V2019
			}
			o := newTestOrg(t, ServerSpec{Name: "WIN20081", Version: v}, ServerSpec{Name: "WIN20082", Version: v})
			sh := remoteShell(t, o, "WIN20081")
			var f fixture
			csr := csrOf(t, sh.must("New-ExchangeCertificate", args{"GenerateRequest": true, "SubjectName": "CN=mail.work.com", "KeySize": 1024, "PrivateKeyExportable": true}))
			f.exportable = thumbOf(t, sh.must("Import-ExchangeCertificate", args{"FileData": pemCert(signCSR(t, csr, testClock.AddDate(0, 0, -1)))}))
			f.plain = thumbOf(t, sh.must("New-ExchangeCertificate", args{"SubjectName": "CN=plain.work.com", "KeySize": 1024, "Services": "None"}))
			csrOf(t, sh.must("New-ExchangeCertificate", args{"GenerateRequest": true, "SubjectName": "CN=next.work.com", "KeySize": 1024}))
			for _, c := range sh.must("Get-ExchangeCertificate", nil) {
				if prop(t, c, "Status") == "PendingRequest" {
					f.pending = prop(t, c, "Thumbprint")
				}
			}
			target := tc.target(f)
			if target == "default" {
				s, _ := o.Server("WIN20081")
				target = s.smtpCert
			}
			a := args{"Thumbprint": target}
			for k, val := range tc.args {
				a[k] = val
			}
			out, err := sh.run(call{name: "Export-ExchangeCertificate", args: a})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: error = %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			tc.check(t, out, sh)
		})
	}
}
