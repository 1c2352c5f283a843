package exchange

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hunter2")
	holder := struct {
		User     string
		Password Secret
	}{"u", s}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("login", "password", s, "holder", holder)
	js, _ := json.Marshal(holder)
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", s), "%s": fmt.Sprintf("%s", s), "%q": fmt.Sprintf("%q", s), "%#v": fmt.Sprintf("%#v", s),
		"%+v struct": fmt.Sprintf("%+v", holder), "%#v struct": fmt.Sprintf("%#v", holder), "json": string(js), "slog": logged.String(),
	}
	for how, out := range outputs {
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s prints the secret: %s", how, out)
		}
		if !strings.Contains(out, "redacted") {
			t.Errorf("%s does not say <redacted>: %s", how, out)
		}
	}
	if s.Reveal() != "hunter2" {
		t.Error("Reveal must return the secret")
	}
}

// TestScriptRedactionCanary builds every golden script and checks that no
// human rendering (text, String, JSON, the calls a plan shows, errors) holds
// a secret, while the text sent to the server holds them all.
func TestScriptRedactionCanary(t *testing.T) {
	canaries := []string{"Pa''ss-w0rd", "smart-host-pw", "pfx-pass", base64.StdEncoding.EncodeToString([]byte("not really a PFX, but bytes"))}
	seen := map[string]bool{}
	for _, gc := range goldenCases() {
		s := gc.script(t)
		js, _ := json.Marshal(s)
		var calls []string
		for _, c := range s.Calls() {
			calls = append(calls, c.Redacted(), c.String(), fmt.Sprint(c))
			b, _ := json.Marshal(c)
			calls = append(calls, string(b))
		}
		human := strings.Join(append([]string{s.Redacted(), s.String(), fmt.Sprint(s), string(js)}, calls...), "\n")
		plain := s.Plaintext()
		for _, c := range canaries {
			if strings.Contains(human, c) {
				t.Errorf("%s: a human rendering shows secret %q", gc.name, c)
			}
			if strings.Contains(plain, c) {
				seen[c] = true
			}
		}
	}
	for _, c := range canaries {
		if !seen[c] {
			t.Errorf("no golden script sends %q: the canary proves nothing", c)
		}
	}
}

func TestCodeConstructors(t *testing.T) {
	tests := []struct {
		name     string
		code     Code
		plain    string
		redacted string
		reason   string
	}{
		{name: "credential", code: Credential(`WORK\relay`, "p'w"),
			plain:    `(New-Object System.Management.Automation.PSCredential -ArgumentList 'WORK\relay', (ConvertTo-SecureString -String 'p''w' -AsPlainText -Force))`,
			redacted: `(New-Object System.Management.Automation.PSCredential -ArgumentList 'WORK\relay', (ConvertTo-SecureString -String '<redacted>' -AsPlainText -Force))`,
			reason:   "a PSCredential from literals; the redacted form still parses"},
		{name: "bytes", code: Bytes([]byte{1, 2, 3}, true),
			plain: "([Convert]::FromBase64String('AQID'))", redacted: "([Convert]::FromBase64String('<redacted 3 bytes>'))",
			reason: "key material shows only its size"},
		{name: "public bytes", code: Bytes([]byte{1, 2, 3}, false),
			plain: "([Convert]::FromBase64String('AQID'))", redacted: "([Convert]::FromBase64String('AQID'))", reason: "not secret"},
		{name: "add remove", code: AddRemove([]string{"a.com"}, []string{"b.com", "c'd"}),
			plain: "@{Add='a.com'; Remove='b.com','c''d'}", redacted: "@{Add='a.com'; Remove='b.com','c''d'}",
			reason: "the MultiValuedProperty change form"},
		{name: "add remove empty", code: AddRemove(nil, nil), plain: "$null", redacted: "$null", reason: "nothing to change"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.code.Plaintext(); got != tt.plain {
				t.Errorf("Plaintext = %q, want %q (%s)", got, tt.plain, tt.reason)
			}
			if got := tt.code.Redacted(); got != tt.redacted {
				t.Errorf("Redacted = %q, want %q (%s)", got, tt.redacted, tt.reason)
			}
		})
	}
}

func TestParamSupported(t *testing.T) {
	tests := []struct {
		v      Version
		cmdlet string
		param  string
		want   bool
		reason string
	}{
		{Exchange2010, "Set-SendConnector", "TlsCertificateName", false, "2013+ only"},
		{Exchange2013, "set-sendconnector", "tlscertificatename", true, "case-insensitive, 2013 has it"},
		{ExchangeSE, "Set-ReceiveConnector", "TransportRole", true, "2013+"},
		{Exchange2016, "Import-ExchangeCertificate", "FileName", false, "2013 only"},
		{Exchange2013, "Import-ExchangeCertificate", "FileName", true, "2013 only"},
		{Exchange2010, "Set-TransportConfig", "Force", false, "2013+ only"},
		{Exchange2010, "Remove-SendConnector", "Confirm", true, "in the table"},
		{Exchange2010, "Get-ReceiveConnector", "ErrorAction", true, "a common parameter"},
		{Exchange2019, "Set-TransportConfig", "AllowLegacyTLSClients", false, "Exchange Online only"},
		{VersionUnknown, "Set-SendConnector", "Port", true, "every version has it"},
		{VersionUnknown, "Set-SendConnector", "TlsCertificateName", false, "an unknown version gets only what all versions have"},
		{Exchange2019, "Set-SendConnector", "NoSuchParameter", false, "not in the table"},
	}
	for _, tt := range tests {
		if got := ParamSupported(tt.v, tt.cmdlet, tt.param); got != tt.want {
			t.Errorf("ParamSupported(%v, %s, %s) = %v, want %v (%s)", tt.v, tt.cmdlet, tt.param, got, tt.want, tt.reason)
		}
	}
	idx, err := paramTable()
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, ps := range idx {
		rows += len(ps)
	}
	if len(idx) != 19 || rows < 300 {
		t.Errorf("params.tsv: %d cmdlets, %d distinct parameters; want 19 cmdlets", len(idx), rows)
	}
}

func TestCheckAndFilterCall(t *testing.T) {
	c := *NewCall("Set-ReceiveConnector").Arg("Identity", Lit("S\\X")).Arg("TlsCertificateName", Lit("x")).Arg("TransportRole", Lit("HubTransport")).Arg("Banner", Lit("b"))
	err := CheckCall(Exchange2010, c)
	var ue *UnsupportedParameterError
	if !errors.As(err, &ue) || !errors.Is(err, ErrUnsupported) {
		t.Fatalf("CheckCall = %v, want *UnsupportedParameterError", err)
	}
	if want := "Set-ReceiveConnector on Exchange 2010 has no parameter TlsCertificateName, TransportRole"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	filtered, dropped := FilterCall(Exchange2010, c)
	if filtered.Redacted() != `Set-ReceiveConnector -Identity 'S\X' -Banner 'b'` || len(dropped) != 2 {
		t.Errorf("FilterCall = %s, dropped %v", filtered.Redacted(), dropped)
	}
	if CheckCall(Exchange2019, c) != nil {
		t.Error("2019 has every parameter")
	}
}

func TestDelivery(t *testing.T) {
	cl := CommandLine()
	if len(cl) != 610 || !strings.HasPrefix(cl, "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ") {
		t.Errorf("command line (%d characters) %q; want the 610-character bootstrap of docs/winrm.md#the-bootstrap", len(cl), cl)
	}
	for _, in := range []string{"", "ascii", "Zürich ‘quotes’ 東京 \U0001F600"} {
		got, err := DecodeCommand(EncodeCommand(in))
		if err != nil || got != in {
			t.Errorf("EncodeCommand round trip of %q = %q, %v", in, got, err)
		}
	}
	s := testScript("'Zürich'")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(string(Stdin(s)), "\r\n"))
	if err != nil || string(raw) != s.Plaintext() {
		t.Errorf("Stdin does not decode to the script: %q, %v", raw, err)
	}
}
