//go:build psrun

// This file runs the seed 001 command lines verbatim through the
// interpreter (ps.Run) with the Exchange model loaded through a remote
// session, and compares the Format-List output with the transcript. It is
// behind the psrun build tag until package ps has run.go:
//
//	go test -tags psrun ./test/exsim/exchange/ -run PSRun

package exchange

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

func encodedCommand(script string) string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// psRun runs script lines on server after opening the documented remote
// session, and returns stdout, stderr and the exit code.
func psRun(t *testing.T, o *Org, server string, lines ...string) (string, string, int) {
	t.Helper()
	s, _ := o.Server(server)
	loader, err := o.Loader(server, testUser, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	host := &ps.Host{ServerName: server, UserName: testUser, PSVersion: s.PSVersion(), BufferWidth: 120, Modules: loader}
	script := strings.Join(append([]string{
		"$pw = ConvertTo-SecureString '" + testPassword + "' -AsPlainText -Force",
		"$cred = New-Object System.Management.Automation.PSCredential('" + testUser + "', $pw)",
		"$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://" + s.FQDN() + "/PowerShell/ -Authentication Kerberos -Credential $cred",
		"$null = Import-PSSession $s -DisableNameChecking",
	}, lines...), "\r\n")
	var stdout, stderr bytes.Buffer
	code := ps.Run(context.Background(), host, "powershell.exe -NoProfile -NonInteractive -EncodedCommand "+encodedCommand(script),
		strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

// containsBlock reports whether out holds the transcript lines consecutively.
func containsBlock(out string, lines ...string) bool {
	norm := strings.ReplaceAll(out, "\r\n", "\n")
	var trimmed []string
	for _, l := range strings.Split(norm, "\n") {
		trimmed = append(trimmed, strings.TrimRight(l, " "))
	}
	return strings.Contains(strings.Join(trimmed, "\n"), strings.Join(lines, "\n"))
}

func TestPSRunSeed001(t *testing.T) {
	o := loadLab(t, workComLab)
	out, errOut, code := psRun(t, o, "WIN20081",
		"new-ReceiveConnector -Name 'From-Canoe.com' -Usage 'Internet' -Bindings '191.121.0.200:26' -Fqdn 'win20081.work.com' -Server 'WIN20081'",
		`Set-ReceiveConnector -id "Win20081\Default Win20081" -PermissionGroups AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers`,
		`Set-ReceiveConnector -id "From-Canoe.com" -PermissionGroups AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers`,
		"Get-TransportConfig | fl tls*",
		"Get-SendConnector to-canoe.com | fl name,add*,port,dnsR*,domain*",
		"Get-ReceiveConnector from-canoe.com | fl name,bind*,auth*,domain*,per*",
		"Set-TransportConfig -TLSSendDomainSecureList canoe.com -TLSReceiveDomainSecureList work.com",
		"Set-SendConnector to-canoe.com -DomainSecureEnabled:$true",
		"Set-ReceiveConnector from-canoe.com -DomainSecureEnabled:$true",
		"Get-TransportConfig | fl tls*",
	)
	if code != 0 {
		t.Fatalf("exit code %d\nstderr:\n%s", code, errOut)
	}
	blocks := [][]string{
		{"TLSReceiveDomainSecureList : {}", "TLSSendDomainSecureList    : {}"},
		{"Name                : To-Canoe.com", "AddressSpaces       : {smtp:canoe.com;1}", "Port                : 26", "DNSRoutingEnabled   : True", "DomainSecureEnabled : False"},
		{"Name                : From-Canoe.com", "Bindings            : {191.121.0.200:26}", "AuthMechanism       : Tls", "DomainSecureEnabled : False",
			"PermissionGroups    : AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers"},
		{"TLSReceiveDomainSecureList : {work.com}", "TLSSendDomainSecureList    : {canoe.com}"},
	}
	for _, b := range blocks {
		if !containsBlock(out, b...) {
			t.Errorf("stdout lacks the seed block:\n%s\n--- stdout:\n%s", strings.Join(b, "\n"), out)
		}
	}
}
