package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/test/framework"
)

// pywinrm runs one PowerShell script on an exsim endpoint with Debian's
// pywinrm (an independent WinRM client) over NTLM and returns stdout.
func pywinrm(sim *framework.Exsim, server, user, password, script string) (string, string, int) {
	GinkgoHelper()
	if out, err := exec.Command("/usr/bin/python3", "-c", "import winrm").CombinedOutput(); err != nil {
		Skip("/usr/bin/python3 lacks python3-winrm: " + string(out))
	}
	root, err := framework.ModuleRoot()
	Expect(err).NotTo(HaveOccurred())
	req, _ := json.Marshal(map[string]any{"transport": "ntlm", "message_encryption": "never", "endpoint": sim.Endpoint(server),
		"user": user, "password": password, "action": "ps", "script": script, "ca": sim.CAFile})
	cmd := exec.Command("/usr/bin/python3", filepath.Join(root, "test/exsim/wsman/testdata/pywinrm_client.py"))
	cmd.Env = append(os.Environ(), "OPENSSL_CONF="+filepath.Join(root, "test/exsim/wsman/testdata/openssl-legacy.cnf"), "NO_PROXY=127.0.0.1")
	cmd.Stdin = strings.NewReader(string(req))
	out, err := cmd.Output()
	Expect(err).NotTo(HaveOccurred(), string(out))
	var res struct {
		OK     bool   `json:"ok"`
		Stdout string `json:"stdout"`
		Stderr string `json:"stderr"`
		Code   int    `json:"code"`
		Error  string `json:"error"`
	}
	Expect(json.Unmarshal(out, &res)).To(Succeed(), string(out))
	Expect(res.OK).To(BeTrue(), res.Error)
	return res.Stdout, res.Stderr, res.Code
}

var _ = Describe("seed 001 verbatim through pywinrm", func() {
	It("answers the seed's Format-List queries with the seed's values", func() {
		const pw = "Seed-001-Pw"
		// The seed's lab ran Exchange 2007/2010 (no AuthTarpitInterval, which
		// `auth*` would match on 2016+).
		sim := startOrgServers("work.com", `WORK\admin`, pw, framework.ExsimServer{Name: "WIN20081", Options: "version=2010"})
		session := "$c = New-Object System.Management.Automation.PSCredential -ArgumentList 'WORK\\admin', (ConvertTo-SecureString -String '" + pw + "' -AsPlainText -Force)\n" +
			"$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://win20081.work.com/PowerShell/ -Authentication Kerberos -Credential $c\n" +
			"Import-PSSession $s | Out-Null\n"
		// The seed's command lines, verbatim. The transcript shows the
		// receive connector with the permission groups the seed set on the
		// default connector; the lab notes skip that step for From-canoe.com,
		// so it is added here (the only line not in the seed).
		_, stderr, code := pywinrm(sim, "WIN20081", `WORK\admin`, pw, session+
			"new-SendConnector -Name 'To-canoe.com' -Usage 'Internet' -AddressSpaces 'SMTP:canoe.com;1' -DNSRoutingEnabled $true  -SourceTransportServers 'WIN20081'\n"+
			"set-SendConnector 'To-canoe.com' -port 26\n"+
			"new-ReceiveConnector -Name 'From-canoe.com' -Usage 'Internet' -Bindings '191.121.0.200:26' -Fqdn 'win20081.work.com' -Server 'WIN20081'\n"+
			"Set-ReceiveConnector -id \"Win20081\\Default Win20081\" -PermissionGroups AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers\n"+
			"Set-ReceiveConnector -id 'WIN20081\\From-canoe.com' -PermissionGroups AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers\n")
		Expect(code).To(Equal(0), stderr)

		out, stderr, code := pywinrm(sim, "WIN20081", `WORK\admin`, pw, session+"Get-TransportConfig | fl tls*")
		Expect(code).To(Equal(0), stderr)
		Expect(out).To(ContainSubstring("TLSReceiveDomainSecureList : {}\r\nTLSSendDomainSecureList    : {}"))

		out, stderr, code = pywinrm(sim, "WIN20081", `WORK\admin`, pw, session+"Get-SendConnector to-canoe.com | fl name,add*,port,dnsR*,domain*")
		Expect(code).To(Equal(0), stderr)
		// The seed prints the name and address-space type in the case the
		// lab typed them in another session; compare ignoring case.
		Expect(strings.ToLower(out)).To(ContainSubstring(strings.ToLower(
			"Name                : To-canoe.com\r\nAddressSpaces       : {SMTP:canoe.com;1}\r\nPort                : 26\r\nDNSRoutingEnabled   : True\r\nDomainSecureEnabled : False")))

		out, stderr, code = pywinrm(sim, "WIN20081", `WORK\admin`, pw, session+"Get-ReceiveConnector from-canoe.com | fl name,bind*,auth*,domain*,per*")
		Expect(code).To(Equal(0), stderr)
		// The lab's console was wider than powershell.exe's 80 columns
		// over WinRS, where Format-List wraps the long value; unwrap it.
		out = strings.ReplaceAll(out, "\r\n                      ", "")
		Expect(out).To(ContainSubstring("Bindings            : {191.121.0.200:26}\r\nAuthMechanism       : Tls\r\nDomainSecureEnabled : False\r\nPermissionGroups    : AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers"))

		_, stderr, code = pywinrm(sim, "WIN20081", `WORK\admin`, pw, session+
			"Set-TransportConfig -TLSSendDomainSecureList canoe.com -TLSReceiveDomainSecureList work.com\n"+
			"Set-SendConnector to-canoe.com -DomainSecureEnabled:$true\n"+
			"Set-ReceiveConnector from-canoe.com -DomainSecureEnabled:$true\n")
		Expect(code).To(Equal(0), stderr)
		out, _, _ = pywinrm(sim, "WIN20081", `WORK\admin`, pw, session+"Get-TransportConfig | fl tls*")
		Expect(out).To(ContainSubstring("TLSReceiveDomainSecureList : {work.com}\r\nTLSSendDomainSecureList    : {canoe.com}"))

		// pywinrm 0.3.0's run_ps cannot decode a CLIXML error on Python 3
		// (its _clean_error_msg mixes bytes and str), so the error case
		// goes through masterzen/winrm as an administrator would type it.
		admin := framework.Admin{Endpoint: sim.Endpoint("WIN20081"), CAFile: sim.CAFile, User: `WORK\admin`, Password: pw, FQDN: "win20081.work.com"}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, stderr, code, err := admin.Run(ctx, "Get-SendConnector to-canoe.com -Bogus 1")
		Expect(err).NotTo(HaveOccurred())
		Expect(code).NotTo(Equal(0))
		// CLIXML error lines are wrapped at the console width; join them.
		joined := strings.ReplaceAll(stderr, "_x000D__x000A_</S><S S=\"Error\">", "")
		Expect(joined).To(ContainSubstring("A parameter cannot be found that matches parameter name 'Bogus'."))
		Expect(joined).To(ContainSubstring("NamedParameterNotFound"))
		lines, err := sim.Log()
		Expect(err).NotTo(HaveOccurred())
		Expect(lines).To(HaveLen(7))
	})
})
