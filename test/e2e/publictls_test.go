package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/test/framework"
)

const corpPassword = "Corp-Canary-5x!Pw"

// corpSite starts exsim for corp.example.org with one Exchange 2016 server
// and returns the public-tls example pointed at it, its password in a file
// as the example expects (passwordFrom.file).
func corpSite(extra ...string) (*framework.Exsim, string, framework.Admin) {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sim, err := framework.StartExsim(ctx, bins.Exsim, framework.ExsimOptions{Org: "corp.example.org",
		Servers: []framework.ExsimServer{{Name: "EX2016", Options: "version=2016"}}, User: `CORP\svc-exreconcile`,
		Password: corpPassword, HTTPS: true, Auth: "ntlm", Dir: GinkgoT().TempDir(), Extra: extra})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(sim.Stop)
	dir := site("public-tls", sim)
	secret := filepath.Join(GinkgoT().TempDir(), "password")
	Expect(os.WriteFile(secret, []byte(corpPassword+"\n"), 0o600)).To(Succeed())
	manifest := filepath.Join(dir, "site.yaml")
	data, err := os.ReadFile(manifest)
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(manifest, []byte(strings.ReplaceAll(string(data), "/run/secrets/exreconcile", secret)), 0o600)).To(Succeed())
	admin := framework.Admin{Endpoint: sim.Endpoint("EX2016"), CAFile: sim.CAFile, User: `CORP\svc-exreconcile`,
		Password: corpPassword, FQDN: "ex2016.corp.example.org"}
	// Seed 003 step 3-4: the public certificate for the connectors' FQDN is
	// already on the server and enabled for SMTP (the plan refuses TLS
	// settings no certificate covers).
	adminRun(admin, "New-ExchangeCertificate -DomainName mail.example.org -Services SMTP -Force")
	return sim, dir, admin
}

// setOwner declares spec.owner on the organisation of the site in dir.
func setOwner(dir, owner string) {
	GinkgoHelper()
	manifest := filepath.Join(dir, "site.yaml")
	data, err := os.ReadFile(manifest)
	Expect(err).NotTo(HaveOccurred())
	patched := strings.Replace(string(data), "\n  servers:\n", "\n  owner: "+owner+"\n  servers:\n", 1)
	Expect(patched).NotTo(Equal(string(data)))
	Expect(os.WriteFile(manifest, []byte(patched), 0o600)).To(Succeed())
}

func adminRun(a framework.Admin, lines ...string) {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, errOut, code, err := a.Run(ctx, lines...)
	Expect(err).NotTo(HaveOccurred())
	Expect(code).To(Equal(0), out+errOut)
}

var _ = Describe("the public-tls scenario (seed 003) on Exchange 2016", Ordered, func() {
	var sim *framework.Exsim
	var dir string
	var admin framework.Admin

	BeforeAll(func() {
		sim, dir, admin = corpSite()
		// Brownfield: the opportunistic Internet connector already exists,
		// made by hand without the certificate's FQDN.
		adminRun(admin, "New-SendConnector -Name 'Internet Opportunistic TLS' -Usage Internet -AddressSpaces '*' -SourceTransportServers EX2016")
	})

	It("plans the partner, broken-domain and opportunistic connectors and the frontend FQDN", func() {
		r := exreconcile("plan", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`+ SendConnector "TLS Required Partners"`))
		Expect(r.Stdout).To(ContainSubstring(`+ SendConnector "No TLS Broken Domains"`))
		Expect(r.Stdout).To(ContainSubstring(`~ SendConnector "Internet Opportunistic TLS"`))
		Expect(r.Stdout).To(ContainSubstring(" -> mail.example.org"))
		Expect(r.Stdout).To(ContainSubstring(`~ ReceiveConnector "EX2016\Default Frontend EX2016"`))
	})

	It("applies with RequireTLS and TlsAuthLevel on one command line, then is in sync in one command", func() {
		r := exreconcile("plan", "-f", dir, "--show-script")
		Expect(r.Stdout).To(MatchRegexp(`New-SendConnector -Name 'TLS Required Partners' .*-RequireTLS \$true -TlsAuthLevel 'CertificateValidation'`))
		r = exreconcile("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		before := logLen(sim)
		r = exreconcile("diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(logLen(sim) - before).To(Equal(1))
	})

	It("catches RequireTLS turned off by hand and restores it", func() {
		adminRun(admin, "Set-SendConnector 'TLS Required Partners' -RequireTLS $false -TlsAuthLevel $null")
		r := exreconcile("diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("requireTLS: false -> true"))
		r = exreconcile("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		r = exreconcile("diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})
})

var _ = Describe("creation-only usage, pruning and protected connectors", func() {
	var sim *framework.Exsim
	var dir string
	var admin framework.Admin

	BeforeEach(func() {
		sim, dir, admin = corpSite()
	})

	write := func(name, body string) {
		GinkgoHelper()
		Expect(os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600)).To(Succeed())
	}

	It("refuses to replace a connector created with another usage unless --allow-replace", func() {
		adminRun(admin, "New-ReceiveConnector -Name 'From Partner' -Server EX2016 -Usage Internet -Bindings '198.51.100.10:2526'")
		write("partner.yaml", `apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: From Partner}
spec:
  server: EX2016
  usage: Partner
  bindings: ["198.51.100.10:2526"]
  remoteIPRanges: ["192.0.2.0/24"]
`)
		r := exreconcile("plan", "-f", dir)
		Expect(r.Stdout).To(ContainSubstring(`± ReceiveConnector "EX2016\From Partner" (requires replacement)`))
		r = exreconcile("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("--allow-replace"))
		r = exreconcile("apply", "-f", dir, "--allow-replace")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		r = exreconcile("diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})

	It("prunes only connectors it created, never an administrator's own", func() {
		setOwner(dir, "corp-site")
		adminRun(admin, "New-SendConnector -Name 'Hand Made' -Usage Custom -AddressSpaces 'handmade.example' -SourceTransportServers EX2016")
		write("extra.yaml", `apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata: {name: Temporary Route}
spec:
  addressSpaces: ["temporary.example"]
  sourceTransportServers: [EX2016]
  comment: kept for the migration
`)
		r := exreconcile("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(os.Remove(filepath.Join(dir, "extra.yaml"))).To(Succeed())
		r = exreconcile("plan", "-f", dir)
		Expect(r.Stdout).NotTo(ContainSubstring("Temporary Route"))
		r = exreconcile("plan", "-f", dir, "--prune")
		Expect(r.Stdout).To(ContainSubstring(`- SendConnector "Temporary Route"`))
		Expect(r.Stdout).NotTo(ContainSubstring("Hand Made"))
		r = exreconcile("apply", "-f", dir, "--prune")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		r = exreconcile("diff", "-f", dir, "--prune", "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})

	It("refuses --prune without spec.owner, and says what to declare", func() {
		r := exreconcile("plan", "-f", dir, "--prune")
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(r.Stderr).To(ContainSubstring("spec.owner"))
	})

	It("lets two sites manage one organisation, each pruning only its own connectors", func() {
		dirB := filepath.Join(GinkgoT().TempDir(), "site-b")
		Expect(os.CopyFS(dirB, os.DirFS(dir))).To(Succeed())
		setOwner(dir, "site-a")
		setOwner(dirB, "site-b")
		route := func(name, domain string) string {
			return `apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata: {name: ` + name + `}
spec:
  addressSpaces: ["` + domain + `"]
  sourceTransportServers: [EX2016]
`
		}
		write("a.yaml", route("Route A", "a.example"))
		Expect(os.WriteFile(filepath.Join(dirB, "b.yaml"), []byte(route("Route B", "b.example")), 0o600)).To(Succeed())
		r := exreconcile("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		r = exreconcile("apply", "-f", dirB)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		// Each site sees the other's connector only as owned elsewhere.
		r = exreconcile("plan", "-f", dir, "--prune")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).NotTo(ContainSubstring(`- SendConnector "Route B"`))
		Expect(r.Stdout).To(ContainSubstring(`owned by "site-b"`))
		// Site A drops its route: only Route A goes.
		Expect(os.Remove(filepath.Join(dir, "a.yaml"))).To(Succeed())
		r = exreconcile("apply", "-f", dir, "--prune")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`- SendConnector "Route A" (removed)`))
		Expect(r.Stdout).NotTo(ContainSubstring(`- SendConnector "Route B"`))
		r = exreconcile("diff", "-f", dirB, "--prune", "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).NotTo(ContainSubstring("Route A"))
		// Site B drops its route: Route B goes, nothing of site A's.
		Expect(os.Remove(filepath.Join(dirB, "b.yaml"))).To(Succeed())
		r = exreconcile("apply", "-f", dirB, "--prune")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`- SendConnector "Route B" (removed)`))
		Expect(strings.Count(r.Stdout, "(removed)")).To(Equal(1), r.Stdout)
	})

	It("pushes a rotated smart-host password, and is in sync with the same one", func() {
		write("relay.yaml", `apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata: {name: To Relay}
spec:
  addressSpaces: ["relay.example"]
  dnsRoutingEnabled: false
  smartHosts: [smtp.relay.example]
  smartHostAuthMechanism: BasicAuthRequireTLS
  authenticationCredential:
    username: relay-user
    passwordFrom: {env: RELAY_PASSWORD}
  sourceTransportServers: [EX2016]
  comment: relay
`)
		with := func(pw string, args ...string) framework.Result {
			return runWith([]string{"RELAY_PASSWORD=" + pw}, args...)
		}
		r := with("Relay-Old-1", "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).NotTo(ContainSubstring("Relay-Old-1"))
		r = with("Relay-Old-1", "diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), "the same secret is in sync: "+r.Stdout+r.Stderr)
		r = with("Relay-New-2", "diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("authenticationCredential: (rotated)"))
		from := logLen(sim)
		r = with("Relay-New-2", "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(strings.Join(cmdletsRun(sim, from), " ")).To(ContainSubstring("Set-SendConnector"))
		lines, err := sim.Log()
		Expect(err).NotTo(HaveOccurred())
		sent := false
		for _, l := range lines[from:] {
			for _, c := range l.Cmdlets {
				if c.Name == "Set-SendConnector" && strings.Contains(strings.Join(c.Parameters, " "), "AuthenticationCredential") {
					sent = true
				}
			}
		}
		Expect(sent).To(BeTrue(), "apply sends -AuthenticationCredential")
		r = with("Relay-New-2", "diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).NotTo(ContainSubstring("comment"), "the fingerprint is not the user's comment")
	})

	It("never removes or rebinds a default receive connector, and says why", func() {
		write("default.yaml", `apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: Client Frontend EX2016}
spec:
  server: EX2016
  ensure: Absent
`)
		r := exreconcile("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("default receive connectors"))
		lines, err := sim.Log()
		Expect(err).NotTo(HaveOccurred())
		for _, l := range lines {
			for _, c := range l.Cmdlets {
				Expect(c.Name).NotTo(Equal("Remove-ReceiveConnector"))
			}
		}
	})
})

var _ = Describe("restartTransportService: OnChange", func() {
	It("restarts each transport service the changes need once per changed server, after its changes, as planned, and not when in sync", func() {
		sim, dir, _ := corpSite()
		manifest := filepath.Join(dir, "site.yaml")
		data, err := os.ReadFile(manifest)
		Expect(err).NotTo(HaveOccurred())
		patched := strings.Replace(string(data), "  tls:\n", "  restartTransportService: OnChange\n  tls:\n", 1)
		Expect(os.WriteFile(manifest, []byte(patched), 0o600)).To(Succeed())
		r := exreconcile("plan", "-f", dir)
		Expect(r.Stdout).To(ContainSubstring("! restart MSExchange"), "the plan shows the restart before apply runs it")
		Expect(r.Stdout).To(ContainSubstring("(interrupts mail flow)"))
		r = exreconcile("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(MatchRegexp(`! restart MSExchange\w+ on \S+ \(interrupts mail flow\)\n    restarted`))
		restarts := func() int {
			lines, err := sim.Log()
			Expect(err).NotTo(HaveOccurred())
			n := 0
			for _, l := range lines {
				for _, c := range l.Cmdlets {
					if c.Name == "Restart-Service" {
						n++
					}
				}
			}
			return n
		}
		planned := strings.Count(r.Stdout, "! restart MSExchange")
		Expect(planned).To(BeNumerically(">=", 1))
		Expect(restarts()).To(Equal(planned), r.Stdout)
		r = exreconcile("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).NotTo(ContainSubstring("! restart MSExchange"))
		Expect(restarts()).To(Equal(planned))
	})
})

var _ = Describe("export of a brownfield organisation", func() {
	It("writes a customised default connector and a smart-host connector so that diff finds no drift, without an edit", func() {
		_, dir, admin := corpSite()
		adminRun(admin,
			"Set-ReceiveConnector 'EX2016\\Default Frontend EX2016' -PermissionGroups AnonymousUsers,ExchangeServers -Banner '220 mail.example.org'",
			"New-SendConnector -Name 'Smart Relay' -Usage Custom -AddressSpaces 'relay.example' -DNSRoutingEnabled $false -SmartHosts 'smtp.relay.example'"+
				" -SmartHostAuthMechanism BasicAuth -AuthenticationCredential (New-Object System.Management.Automation.PSCredential -ArgumentList 'relay-user',"+
				" (ConvertTo-SecureString -String 'Relay-Pw-1' -AsPlainText -Force)) -SourceTransportServers EX2016",
			"Set-TransportConfig -TLSSendDomainSecureList $null -TLSReceiveDomainSecureList $null")
		// The organisation alone, as an administrator adopting servers starts.
		data, err := os.ReadFile(filepath.Join(dir, "site.yaml"))
		Expect(err).NotTo(HaveOccurred())
		var org string
		for _, doc := range strings.Split(string(data), "\n---") {
			if strings.Contains(doc, "kind: ExchangeOrganization") {
				org = doc
			}
		}
		Expect(org).NotTo(BeEmpty())
		orgFile := filepath.Join(dir, "org.yaml")
		Expect(os.WriteFile(orgFile, []byte(org), 0o600)).To(Succeed())
		outDir := filepath.Join(GinkgoT().TempDir(), "adopted")
		Expect(os.MkdirAll(outDir, 0o700)).To(Succeed())
		live := filepath.Join(outDir, "live.yaml")
		r := exreconcile("export", "-f", orgFile, "--out", live)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		exported, err := os.ReadFile(live)
		Expect(err).NotTo(HaveOccurred())
		text := string(exported)
		Expect(text).To(ContainSubstring("name: Default Frontend EX2016"), "a customised default connector is exported")
		Expect(text).To(ContainSubstring("# \"Smart Relay\" has a smart-host credential"))
		Expect(text).NotTo(ContainSubstring("CHANGE-ME"))
		Expect(text).To(ContainSubstring("tlsSendDomainSecureList: []"))
		r = exreconcile("validate", "-f", live)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr+text)
		r = exreconcile("diff", "-f", live, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr+text)
	})
})
