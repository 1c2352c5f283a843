package exchange

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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
// secret is in any rendering of its code, in any quoting or encoding: not in
// the text sent to the server (Script Block Logging records it), not in what
// people see; the data frame carries every secret.
func TestScriptRedactionCanary(t *testing.T) {
	canaries := []string{"Pa'ss-w0rd", "smart-host-pw", "pfx-pass", "not really a PFX, but bytes"}
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
		code := strings.Join(append([]string{s.Plaintext(), s.Redacted(), s.String(), fmt.Sprint(s), string(js)}, calls...), "\n")
		for _, c := range canaries {
			for _, form := range secretForms(c) {
				if strings.Contains(code, form) {
					t.Errorf("%s: the script or a rendering holds secret %q as %q", gc.name, c, form)
				}
			}
		}
		frame := strings.Split(s.DataFrame(), ",")
		if frame[0] != "secrets" {
			t.Fatalf("%s: data frame %q does not start with secrets", gc.name, frame[0])
		}
		for _, item := range frame[1:] {
			b, err := base64.StdEncoding.DecodeString(item)
			if err != nil {
				t.Fatalf("%s: data frame item %q: %v", gc.name, item, err)
			}
			seen[string(b)] = true
		}
	}
	for _, c := range canaries {
		if !seen[c] {
			t.Errorf("no golden script sends %q in its data frame: the canary proves nothing", c)
		}
	}
}

// secretForms are the ways a secret could show up in code: as is, quoted
// as quote does, and base64 of its UTF-8 and UTF-16LE bytes.
func secretForms(s string) []string {
	return []string{s, quote(s), base64.StdEncoding.EncodeToString([]byte(s)), EncodeCommand(s)}
}

func TestCodeConstructors(t *testing.T) {
	tests := []struct {
		name     string
		code     Code
		plain    string
		redacted string
		reason   string
	}{
		{name: "credential", code: credential(`WORK\relay`, "p'w"),
			plain:    `(New-Object System.Management.Automation.PSCredential -ArgumentList 'WORK\relay', (ConvertTo-SecureString -String '<redacted>' -AsPlainText -Force))`,
			redacted: `(New-Object System.Management.Automation.PSCredential -ArgumentList 'WORK\relay', (ConvertTo-SecureString -String '<redacted>' -AsPlainText -Force))`,
			reason:   "outside a script a secret never renders as code, even in Plaintext"},
		{name: "bytes", code: byteArray([]byte{1, 2, 3}, true),
			plain: "([Convert]::FromBase64String('<redacted 3 bytes>'))", redacted: "([Convert]::FromBase64String('<redacted 3 bytes>'))",
			reason: "key material shows only its size"},
		{name: "public bytes", code: byteArray([]byte{1, 2, 3}, false),
			plain: "([Convert]::FromBase64String('<3 bytes>'))", redacted: "([Convert]::FromBase64String('<3 bytes>'))", reason: "data, shown by size"},
		{name: "add remove", code: addRemove([]string{"a.com"}, []string{"b.com", "c'd"}),
			plain: "@{Add='a.com'; Remove='b.com','c''d'}", redacted: "@{Add='a.com'; Remove='b.com','c''d'}",
			reason: "the MultiValuedProperty change form"},
		{name: "add remove empty", code: addRemove(nil, nil), plain: "$null", redacted: "$null", reason: "nothing to change"},
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
	if len(idx) != 21 || rows < 300 {
		t.Errorf("params.tsv: %d cmdlets, %d distinct parameters; want 21 cmdlets", len(idx), rows)
	}
}

func TestCheckAndFilterCall(t *testing.T) {
	c := *newCall("Set-ReceiveConnector").Arg("Identity", lit("S\\X")).Arg("TlsCertificateName", lit("x")).Arg("TransportRole", lit("HubTransport")).Arg("Banner", lit("b"))
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
	const want = "$ErrorActionPreference='Stop';$ProgressPreference='SilentlyContinue';$f=@($input);$secrets=@($f[1].Split(',')|Select-Object -Skip 1);$s=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($f[0]));& ([ScriptBlock]::Create($s))"
	if bootstrap != want {
		t.Errorf("bootstrap %q, want the data-frame bootstrap of docs/winrm.md#the-bootstrap", bootstrap)
	}
	cl := CommandLine()
	if !strings.HasPrefix(cl, "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ") || len(cl) > 1000 {
		t.Errorf("command line (%d characters) %q", len(cl), cl)
	}
	for _, in := range []string{"", "ascii", "Zürich ‘quotes’ 東京 \U0001F600"} {
		got, err := DecodeCommand(EncodeCommand(in))
		if err != nil || got != in {
			t.Errorf("EncodeCommand round trip of %q = %q, %v", in, got, err)
		}
	}
	tests := []struct {
		name    string
		line    Code
		script  string
		secrets []string
		reason  string
	}{
		{"no secrets", raw("'Zürich'"), "'Zürich'\n", nil, "an empty data frame is the word alone"},
		{"two secrets, one twice", concat(secureString("p'w’$()`"), raw(" "), secureString("p'w’$()`"), raw(" "), byteArray([]byte{1, 2}, true)),
			"(ConvertTo-SecureString -String ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($secrets[0]))) -AsPlainText -Force) " +
				"(ConvertTo-SecureString -String ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($secrets[0]))) -AsPlainText -Force) " +
				"([Convert]::FromBase64String($secrets[1]))\n",
			[]string{"p'w’$()`", "\x01\x02"}, "the script reads each secret by index; equal secrets share one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Script{}
			s.Line(tt.line)
			lines := strings.Split(string(Stdin(s)), "\r\n")
			if len(lines) != 3 || lines[2] != "" {
				t.Fatalf("stdin %q is not two CRLF-terminated lines", Stdin(s))
			}
			raw, err := base64.StdEncoding.DecodeString(lines[0])
			if err != nil || string(raw) != tt.script || s.Plaintext() != tt.script || s.Redacted() != tt.script {
				t.Errorf("script line %q (%v), want %q (%s)", raw, err, tt.script, tt.reason)
			}
			frame := strings.Split(lines[1], ",")
			var got []string
			for _, item := range frame[1:] {
				b, _ := base64.StdEncoding.DecodeString(item)
				got = append(got, string(b))
			}
			if frame[0] != "secrets" || !slices.Equal(got, tt.secrets) {
				t.Errorf("data frame %q = %q, want secrets %q (%s)", lines[1], got, tt.secrets, tt.reason)
			}
		})
	}
}

func TestIdentRefusesWhatIsNotAName(t *testing.T) {
	for _, name := range []string{"Set-ReceiveConnector", "RemoteIPRanges", "Get-ChildItem"} {
		if got := ident(name).Plaintext(); got != name {
			t.Errorf("ident(%q) = %q", name, got)
		}
	}
	for _, name := range []string{"", "Set-X; Remove-Item C:\\", "-Name", "Name ", "$x", "a'b", "Name:$true"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("ident(%q) did not panic", name)
				}
			}()
			_ = ident(name)
		}()
	}
}
