package framework

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/masterzen/winrm"
)

// Admin is an administrator at a WinRM endpoint making out-of-band changes
// the way a person does: an Exchange remote session opened in
// powershell.exe -EncodedCommand, then the cmdlets typed as they would be.
// It uses masterzen/winrm directly and shares no code with exreconcile's client.
type Admin struct {
	Endpoint string
	CAFile   string
	User     string
	Password string
	// FQDN of the server, for the remote PowerShell URI.
	FQDN string
}

// Run runs the PowerShell lines after opening the Exchange session and
// returns stdout, stderr and the exit code.
func (a Admin) Run(ctx context.Context, lines ...string) (string, string, int, error) {
	u, err := url.Parse(a.Endpoint)
	if err != nil {
		return "", "", 0, err
	}
	host, portText, _ := net.SplitHostPort(u.Host)
	port, _ := strconv.Atoi(portText)
	var ca []byte
	if a.CAFile != "" {
		if ca, err = os.ReadFile(a.CAFile); err != nil {
			return "", "", 0, err
		}
	}
	ep := winrm.NewEndpoint(host, port, u.Scheme == "https", false, ca, nil, nil, 60*time.Second)
	params := winrm.NewParameters("PT60S", "en-US", 153600)
	params.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
	client, err := winrm.NewClientWithParameters(ep, a.User, a.Password, params)
	if err != nil {
		return "", "", 0, err
	}
	// The lines run in try/finally so that the Exchange session is removed
	// even when one fails, as a careful administrator's script does: left
	// open, sessions count against Exchange's per-user throttling.
	script := strings.Join([]string{
		fmt.Sprintf("$cred = New-Object System.Management.Automation.PSCredential -ArgumentList %s, (ConvertTo-SecureString -String %s -AsPlainText -Force)",
			singleQuote(a.User), singleQuote(a.Password)),
		fmt.Sprintf("$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri %s -Authentication Kerberos -Credential $cred",
			singleQuote("http://"+a.FQDN+"/PowerShell/")),
		"try {",
		"Import-PSSession $s -DisableNameChecking | Out-Null",
		strings.Join(lines, "\n"),
		"} finally { Remove-PSSession $s }",
	}, "\n")
	return client.RunWithContextWithString(ctx, "powershell.exe -NoProfile -NonInteractive -EncodedCommand "+encodeCommand(script), "")
}

// singleQuote is s as a PowerShell single-quoted string: PowerShell ends
// such a string at ' and also at the typographic single quotes U+2018,
// U+2019, U+201A and U+201B, so each of them is doubled.
func singleQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

func encodeCommand(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, r := range u {
		b[2*i], b[2*i+1] = byte(r), byte(r>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}
