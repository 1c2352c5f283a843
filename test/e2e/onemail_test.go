package e2e

import (
	"crypto/x509/pkix"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"
	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/exreconcile/exreconcile/test/exsim/exchange"
	"github.com/exreconcile/exreconcile/test/framework"
)

// Canaries of the ONE Mail scenario: the service account, the smart-host
// credential eHealth Ontario issued, and the exported certificate.
const (
	clinicPassword   = "Clinic-Canary-3q!Pw"
	oneMailSMTPPass  = "OneMail-Smtp-Canary-8z"
	oneMailPFXPass   = "OneMail-Pfx-Canary-4k'"
	oneMailFqdn      = "smtp.canm.subscribers.ssh"
	oneMailCertName  = "one-mail-smtp"
	oneMailReceive   = "From ONE Mail"
	oneMailSmartHost = "To ONE Mail Smart Host"
)

// oneMail runs exreconcile with the variables the onemail example reads.
func oneMail(args ...string) framework.Result {
	return framework.Run(bins.Exreconcile, []string{"EXRECONCILE_PASSWORD=" + clinicPassword,
		"ONE_MAIL_SMTP_PASSWORD=" + oneMailSMTPPass, "ONE_MAIL_PFX_PASSWORD=" + oneMailPFXPass}, "", args...)
}

// patchOneMailCertificate points the example's ExchangeCertificate at the
// PFX the spec made: its thumbprint, and the file with its password.
func patchOneMailCertificate(dir, thumb string) {
	GinkgoHelper()
	path := filepath.Join(dir, "certificate.yaml")
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	var doc map[string]any
	Expect(yaml.Unmarshal(data, &doc)).To(Succeed())
	spec := doc["spec"].(map[string]any)
	Expect(spec["thumbprint"]).NotTo(BeEmpty())
	spec["thumbprint"] = thumb
	spec["source"] = map[string]any{"pfxFile": "one-mail.pfx", "passwordFrom": map[string]any{"env": "ONE_MAIL_PFX_PASSWORD"}}
	out, err := yaml.Marshal(doc)
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(path, out, 0o600)).To(Succeed())
}

func findConnector(list []exchange.ConnectorState, name string) *exchange.ConnectorState {
	for i := range list {
		if strings.EqualFold(list[i].Name, name) {
			return &list[i]
		}
	}
	return nil
}

// prop prints a state property the way the specs compare it.
func prop(c *exchange.ConnectorState, name string) string {
	GinkgoHelper()
	Expect(c).NotTo(BeNil())
	return fmt.Sprint(c.Properties[name])
}

var _ = Describe("the ONE Mail scenario (seed 000) on Exchange 2010", Ordered, func() {
	var sim *framework.Exsim
	var state, dir, thumb string
	var retired []byte

	restarts := func() int {
		n := 0
		for _, r := range stateServer(readState(state), "EX01").Restarts {
			if r.Service == "MSExchangeTransport" {
				n++
			}
		}
		return n
	}

	BeforeAll(func() {
		sim, state = startSim("clinic.local", `CLINIC\svc-exreconcile`, clinicPassword, "EX01,version=2010")
		dir = site("onemail", sim)
		// The first revision is the deployment; retiring the ISP comes later (§11).
		var err error
		retired, err = os.ReadFile(filepath.Join(dir, "retired-isp.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(os.Remove(filepath.Join(dir, "retired-isp.yaml"))).To(Succeed())

		// §4-5: eHealth Ontario's CA issues the certificate for the
		// organisation, with the CN only (it does not support SANs); §1 note:
		// exported with its key, it installs on any server. Windows Server
		// 2008 R2 under Exchange 2010 reads only TripleDES PFX files.
		ca := newTestCA("Smart Systems for Health Agency Root Certificate Authority")
		cert := ca.issue(pkix.Name{CommonName: oneMailFqdn, OrganizationalUnit: []string{"Applications", "CanM", "Subscribers"}},
			nil, time.Now().AddDate(3, 0, 0), nil)
		thumb = cert.thumbprint()
		Expect(os.WriteFile(filepath.Join(dir, "one-mail.pfx"), cert.pfx(pkcs12.Legacy, ca, oneMailPFXPass), 0o600)).To(Succeed())
		patchOneMailCertificate(dir, thumb)
		r := oneMail("validate", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)

		// Brownfield: the Internet connector at cost 1, and the previous
		// ISP's relay connectors, made by hand.
		admin := framework.Admin{Endpoint: sim.Endpoint("EX01"), CAFile: sim.CAFile, User: `CLINIC\svc-exreconcile`,
			Password: clinicPassword, FQDN: "ex01.clinic.local"}
		adminOut(admin,
			"New-SendConnector -Name 'Internet' -Usage 'Internet' -AddressSpaces 'SMTP:*;1' -DNSRoutingEnabled $true -SourceTransportServers 'EX01'",
			"New-SendConnector -Name 'To ISP Relay' -Usage 'Custom' -AddressSpaces 'SMTP:*;5' -DNSRoutingEnabled $false -SmartHosts 'relay.isp.example' -SourceTransportServers 'EX01'",
			"New-ReceiveConnector -Name 'From ISP Relay' -Server 'EX01' -Usage 'Custom' -Bindings '0.0.0.0:25' -RemoteIPRanges '203.0.113.25'")
	})

	It("plans the guide's changes, and finds nothing inconsistent", func() {
		r := oneMail("plan", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`+ ExchangeCertificate "` + oneMailCertName + `" on EX01 (will be created)`))
		Expect(r.Stdout).To(ContainSubstring(`+ ReceiveConnector "EX01\` + oneMailReceive + `" (will be created)`))
		Expect(r.Stdout).To(ContainSubstring(`~ SendConnector "Internet" (will be changed)`))
		Expect(r.Stdout).To(ContainSubstring("SMTP:*;20"))
		Expect(r.Stdout).To(ContainSubstring(`+ SendConnector "` + oneMailSmartHost + `" (will be created)`))
		Expect(r.Stdout).To(ContainSubstring("Plan: 3 to create, 1 to change, 0 to remove"))
		Expect(r.Stdout).NotTo(ContainSubstring("error:"))
		Expect(r.Stdout).NotTo(ContainSubstring("AES"))
		Expect(r.Stdout).NotTo(ContainSubstring("ISP"))
	})

	It("applies: certificate imported and enabled for SMTP, connectors as the guide sets them, one transport restart", func() {
		from := logLen(sim)
		r := oneMail("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("Applied: 3 created, 1 changed, 0 removed"))
		Expect(logLen(sim)-from).To(Equal(2), "observe, then apply and verify in one command")
		ran := strings.Join(cmdletsRun(sim, from), "\n")
		Expect(ran).To(ContainSubstring("Import-ExchangeCertificate Server FileData Password"))
		Expect(ran).To(ContainSubstring("Enable-ExchangeCertificate Thumbprint Server Services Force"))

		st := readState(state)
		ex01 := stateServer(st, "EX01")
		c := stateCert(ex01, thumb)
		Expect(c).NotTo(BeNil())
		Expect(c.PrivateKey).NotTo(BeEmpty())
		Expect(c.Services).To(Equal("SMTP"))

		rc := findConnector(ex01.ReceiveConnectors, oneMailReceive)
		Expect(prop(rc, "Fqdn")).To(Equal(oneMailFqdn))
		for _, ip := range []string{"76.75.133.96", "76.75.164.96", "76.75.149.54", "76.75.177.138"} {
			Expect(prop(rc, "RemoteIPRanges")).To(ContainSubstring(ip))
		}
		Expect(prop(rc, "RemoteIPRanges")).NotTo(ContainSubstring("255.255.255.255"))
		Expect(prop(rc, "AuthMechanism")).To(Equal("Tls, Integrated, BasicAuth"))
		Expect(prop(rc, "PermissionGroups")).To(Equal("AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers"))

		Expect(prop(findConnector(st.SendConnectors, "Internet"), "AddressSpaces")).To(ContainSubstring("SMTP:*;20"))
		sh := findConnector(st.SendConnectors, oneMailSmartHost)
		Expect(prop(sh, "SmartHosts")).To(ContainSubstring("smtp.tls.one-mail.on.ca"))
		Expect(prop(sh, "DNSRoutingEnabled")).To(Equal("false"))
		Expect(prop(sh, "SmartHostAuthMechanism")).To(Equal("BasicAuth"))
		Expect(prop(sh, "RequireTLS")).To(Equal("true"))
		Expect(prop(sh, "IgnoreSTARTTLS")).To(Equal("false"))
		Expect(prop(sh, "AuthenticationCredential")).To(ContainSubstring("canm-smtp"))
		Expect(restarts()).To(Equal(1))
	})

	It("removes the previous ISP's connectors in the second revision (§11), restarting once more", func() {
		Expect(os.WriteFile(filepath.Join(dir, "retired-isp.yaml"), retired, 0o600)).To(Succeed())
		r := oneMail("plan", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`- SendConnector "To ISP Relay" (will be removed)`))
		Expect(r.Stdout).To(ContainSubstring(`- ReceiveConnector "EX01\From ISP Relay" (will be removed)`))
		Expect(r.Stdout).To(ContainSubstring("Plan: 0 to create, 0 to change, 2 to remove"))
		r = oneMail("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		st := readState(state)
		Expect(findConnector(st.SendConnectors, "To ISP Relay")).To(BeNil())
		Expect(findConnector(stateServer(st, "EX01").ReceiveConnectors, "From ISP Relay")).To(BeNil())
		Expect(findConnector(st.SendConnectors, "Internet")).NotTo(BeNil())
		Expect(restarts()).To(Equal(2))
	})

	It("changes nothing on the next run: one WinRM command, no restart", func() {
		from := logLen(sim)
		r := oneMail("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("No changes."))
		Expect(framework.CommandsPerServer(mustLog(sim), from)).To(Equal(map[string]int{"EX01": 1}))
		Expect(restarts()).To(Equal(2))
		r = oneMail("diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})

	It("never shows a password or the PFX's password", func() {
		var seen strings.Builder
		for _, args := range [][]string{
			{"plan", "-f", dir, "--show-script", "-v", "-v"},
			{"apply", "-f", dir, "-v", "-v", "-o", "json"},
			{"diff", "-f", dir, "-o", "yaml", "-v"},
		} {
			r := oneMail(args...)
			seen.WriteString(r.Stdout + r.Stderr)
		}
		data, err := os.ReadFile(sim.LogFile)
		Expect(err).NotTo(HaveOccurred())
		seen.Write(data)
		seen.WriteString(sim.Output())
		for _, pw := range []string{clinicPassword, oneMailSMTPPass, oneMailPFXPass} {
			Expect(seen.String()).NotTo(ContainSubstring(pw))
		}
	})
})

func mustLog(sim *framework.Exsim) []framework.LogLine {
	GinkgoHelper()
	lines, err := sim.Log()
	Expect(err).NotTo(HaveOccurred())
	return lines
}
