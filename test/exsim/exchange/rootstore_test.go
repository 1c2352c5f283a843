package exchange

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// partnerCA is a CA certificate as a partner would send it (DER).
func partnerCA(t *testing.T, cn string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(0x1234), Subject: pkix.Name{CommonName: cn, Organization: []string{"Canoe"}, Country: []string{"CA"}},
		NotBefore: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), NotAfter: time.Date(2035, 1, 2, 3, 4, 5, 0, time.UTC),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// hostRun runs a script with -EncodedCommand on WIN20081 with the model's
// certificate stores, as cmd/exsim's launcher does.
func hostRun(t *testing.T, o *Org, script string) (string, string, int) {
	t.Helper()
	stores, err := o.CertStores("WIN20081")
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := o.Server("WIN20081")
	u := utf16.Encode([]rune(script))
	enc := make([]byte, 2*len(u))
	for i, c := range u {
		enc[2*i], enc[2*i+1] = byte(c), byte(c>>8)
	}
	var out, errOut bytes.Buffer
	h := &ps.Host{ServerName: "WIN20081", UserName: testUser, PSVersion: srv.PSVersion(), BufferWidth: 1000, CertStores: stores, Codepage: 65001}
	code := ps.Run(context.Background(), h, "powershell.exe -NonInteractive -EncodedCommand "+base64.StdEncoding.EncodeToString(enc), strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}

func firstError(stderr string) string {
	i := strings.Index(stderr, `<S S="Error">`)
	if i < 0 {
		return ""
	}
	s := stderr[i+len(`<S S="Error">`):]
	return s[:strings.Index(s, "_x000D__x000A_</S>")]
}

func TestRootStore(t *testing.T) {
	der := partnerCA(t, "Canoe Root CA")
	b64 := base64.StdEncoding.EncodeToString(der)
	const newStore = "$st = New-Object System.Security.Cryptography.X509Certificates.X509Store -ArgumentList 'Root','LocalMachine'; "
	newCert := "$c = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList (,[Convert]::FromBase64String('" + b64 + "')); "
	count := "@(Get-ChildItem -Path 'Cert:\\LocalMachine\\Root').Count"
	cases := []struct {
		name, reason, version, script string
		stdout, err                   string
		roots                         int // store size afterwards
	}{
		{"fresh", "a fresh server holds the well-known roots", "2019", count, "8\r\n", "", 8},
		{"add", "Open ReadWrite, Add, Close as PowerShell 2.0 scripts do", "2010",
			newStore + "$st.Open('ReadWrite'); " + newCert + "$st.Add($c); $st.Close(); $c.Thumbprint.Length; " + count, "40\r\n9\r\n", "", 9},
		{"add twice", "adding a certificate already there is no error", "2019",
			newStore + "$st.Open('ReadWrite'); " + newCert + "$st.Add($c); $st.Add($c); $st.Close(); " + count, "9\r\n", "", 9},
		{"read only", "Add on a store opened ReadOnly fails as .NET does", "2019",
			newStore + "$st.Open('ReadOnly'); " + newCert + "$st.Add($c)", "",
			`Exception calling "Add" with "1" argument(s): "Access is denied.`, 8},
		{"not opened", "Add before Open", "2019", newStore + newCert + "$st.Add($c)", "",
			`Exception calling "Add" with "1" argument(s): "The X509 certificate store has not been opened."`, 8},
		{"closed", "Add after Close", "2019", newStore + "$st.Open('ReadWrite'); $st.Close(); " + newCert + "$st.Add($c)", "",
			`Exception calling "Add" with "1" argument(s): "The X509 certificate store has not been opened."`, 8},
		{"byte array without comma", "the byte[] unrolls into one argument per byte", "2010",
			"$b = [Convert]::FromBase64String('" + b64 + "'); $c = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList $b", "",
			`New-Object : Cannot find an overload for "X509Certificate2" and the argument count: "` + strconv.Itoa(len(der)) + `".`, 8},
		{"array subexpression comma", "@(,$b) works like (,$b)", "2019",
			"$b = [Convert]::FromBase64String('" + b64 + "'); $c = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList @(,$b); $c.Subject", "CN=Canoe Root CA, O=Canoe, C=CA\r\n", "", 8},
		{"positional and import", "New-Object T(args) and X509Certificate2.Import(byte[])", "2019",
			"$c = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2; $c.Import([Convert]::FromBase64String('" + b64 + "')); $c.Issuer", "CN=Canoe Root CA, O=Canoe, C=CA\r\n", "", 8},
		{"bad data", "bytes that hold no certificate", "2019",
			"New-Object System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList (,[Convert]::FromBase64String('AAAA'))", "",
			`New-Object : Exception calling ".ctor" with "1" argument(s): "Cannot find the requested object.`, 8},
		{"bad flags", "OpenFlags names", "2019", newStore + "$st.Open('Write')", "",
			`Cannot convert argument "flags", with value: "Write", for "Open" to type "System.Security.Cryptography.X509Certificates.OpenFlags": "Cannot convert value "Write" to type "System.Security.Cryptography.X509Certificates.OpenFlags". Error: "Unable to match the identifier name Write to a valid enumerator name. Specify one of the following enumerator names and try again: ReadOnly, ReadWrite, MaxAllowed, OpenExistingOnly, IncludeArchived""`, 8},
		{"by thumbprint", "Get-ChildItem of one certificate; a missing one is ItemNotFound", "2019",
			"(Get-ChildItem 'Cert:\\LocalMachine\\Root\\DF3C24F9BFD666761B268073FE06D1CC8D4F82A4').Subject; Get-ChildItem Cert:\\LocalMachine\\Root\\0000", "CN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US\r\n",
			`Get-ChildItem : Cannot find path 'Cert:\LocalMachine\Root\0000' because it does not exist.`, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, _ := ParseVersion(tc.version)
			o := newTestOrg(t, ServerSpec{Name: "WIN20081", Version: v})
			stdout, stderr, _ := hostRun(t, o, tc.script)
			if stdout != tc.stdout {
				t.Errorf("%s: stdout %q, want %q (stderr %s)", tc.reason, stdout, tc.stdout, stderr)
			}
			if got := strings.ReplaceAll(firstError(stderr), "&lt;", "<"); got != tc.err {
				t.Errorf("%s: error\n got %q\nwant %q", tc.reason, got, tc.err)
			}
			stores, _ := o.CertStores("WIN20081")
			certs, _ := stores.List("LocalMachine", "Root")
			if len(certs) != tc.roots {
				t.Errorf("%s: %d roots, want %d", tc.reason, len(certs), tc.roots)
			}
		})
	}
}

func TestRootStoreRemoveAndState(t *testing.T) {
	der := partnerCA(t, "Canoe Root CA")
	b64 := base64.StdEncoding.EncodeToString(der)
	dir := t.TempDir()
	path := filepath.Join(dir, "state.yaml")
	o, err := NewOrg(Options{Domain: "work.com", Servers: []ServerSpec{{Name: "WIN20081"}, {Name: "WIN20082"}}, StateFile: path, Clock: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	add := "$st = New-Object System.Security.Cryptography.X509Certificates.X509Store -ArgumentList 'Root','LocalMachine'; $st.Open('ReadWrite'); " +
		"$c = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList (,[Convert]::FromBase64String('" + b64 + "')); $st.Add($c); " +
		"$g = @(Get-ChildItem -Path 'Cert:\\LocalMachine\\Root\\DF3C24F9BFD666761B268073FE06D1CC8D4F82A4')[0]; $st.Remove($g); $st.Close()"
	if _, stderr, code := hostRun(t, o, add); code != 0 {
		t.Fatalf("%s", stderr)
	}
	o2, err := LoadFile(path, Options{Domain: "work.com", Clock: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		org  *Org
		name string
		want int
	}{{o, "in memory", 8}, {o2, "reloaded", 8}} {
		stores, _ := tc.org.CertStores("WIN20081")
		certs, _ := stores.List("LocalMachine", "Root")
		var subjects []string
		for _, c := range certs {
			subjects = append(subjects, c.Subject)
		}
		joined := strings.Join(subjects, "|")
		if len(certs) != tc.want || !strings.Contains(joined, "CN=Canoe Root CA") || strings.Contains(joined, "DigiCert Global Root G2") {
			t.Errorf("%s: WIN20081 roots %q", tc.name, subjects)
		}
		other, _ := tc.org.CertStores("WIN20082")
		if certs, _ := other.List("LocalMachine", "Root"); len(certs) != 8 {
			t.Errorf("%s: WIN20082 changed too (%d)", tc.name, len(certs))
		}
	}
	snap := o2.Snapshot()
	if snap.Servers[1].RootCertificates != nil {
		t.Errorf("an unchanged store is written to the state file")
	}
}

func TestRootStoreExportGolden(t *testing.T) {
	o := newTestOrg(t)
	script := "$f = [IO.Path]::GetTempFileName()\r\ntry {\r\n  Get-ChildItem -Path 'Cert:\\LocalMachine\\Root' | Select-Object -Property 'Thumbprint','Subject','Issuer','NotBefore','NotAfter','FriendlyName' | Export-Clixml -LiteralPath $f -Depth 2\r\n" +
		"  '<<EXR-BEGIN roots>>'\r\n  [Convert]::ToBase64String([IO.File]::ReadAllBytes($f))\r\n  '<<EXR-END roots>>'\r\n} finally {\r\n  Remove-Item -LiteralPath $f\r\n}\r\n"
	stdout, stderr, code := hostRun(t, o, script)
	if code != 0 {
		t.Fatalf("%s", stderr)
	}
	i, j := strings.Index(stdout, "<<EXR-BEGIN roots>>\r\n"), strings.Index(stdout, "\r\n<<EXR-END roots>>")
	raw, err := base64.StdEncoding.DecodeString(stdout[i+len("<<EXR-BEGIN roots>>\r\n") : j])
	if err != nil {
		t.Fatal(err)
	}
	w := make([]uint16, (len(raw)-2)/2)
	for k := range w {
		w[k] = uint16(raw[2+2*k]) | uint16(raw[3+2*k])<<8
	}
	exportGolden(t, filepath.Join("clixml", "root_store.xml"), string(utf16.Decode(w)))
}
