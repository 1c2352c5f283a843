package exchange

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The Root store frame as exsim's Export-Clixml writes it for
// Get-ChildItem Cert:\LocalMachine\Root | Select-Object ...
func TestParseRootsFromExsimGolden(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "test", "exsim", "exchange", "testdata", "clixml", "root_store.xml"))
	if err != nil {
		t.Fatal(err)
	}
	scan := &stdoutScan{frames: map[string]string{rootFrame: utf16File(string(b))}}
	roots, err := parseRoots(scan)
	if err != nil || len(roots) != 8 {
		t.Fatalf("roots %d, %v", len(roots), err)
	}
	found := false
	for _, r := range roots {
		if len(r.Problems) > 0 || len(r.Thumbprint) != 40 || r.NotAfter.IsZero() || r.NotBefore.IsZero() || r.Subject == "" {
			t.Errorf("root %+v", r)
		}
		if r.Thumbprint == "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4" && strings.HasPrefix(r.Subject, "CN=DigiCert Global Root G2") {
			found = true
		}
	}
	if !found {
		t.Error("DigiCert Global Root G2 is read by its thumbprint")
	}
}

func TestTrustedRootCalls(t *testing.T) {
	if _, err := RemoveTrustedRoot("DF3C24F9BFD666761B268073FE06D1CC8D4F82A4'; Remove-Item C:\\"); err == nil {
		t.Error("only a thumbprint goes into the Cert: path")
	}
	if _, err := AddTrustedRoot(nil, "x"); err == nil {
		t.Error("an empty certificate is refused")
	}
	c, err := AddTrustedRoot([]byte{0x30, 0x01}, "x")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Redacted(); !strings.Contains(got, "FromBase64String('<2 bytes>')") || strings.Contains(got, "secrets") {
		t.Errorf("plan line %q", got)
	}
	if _, err := NewCertificateRequest(Exchange2019, "WIN20081", RequestOptions{}); err == nil {
		t.Error("a request needs a subject")
	}
	q, err := NewCertificateRequest(Exchange2013, "WIN20081", RequestOptions{SubjectName: "CN=O'Brien"})
	if err != nil || q.Redacted() != "New-ExchangeCertificate -Server 'WIN20081' -GenerateRequest -SubjectName 'CN=O''Brien'" {
		t.Errorf("%v %v", q.Redacted(), err)
	}
}
