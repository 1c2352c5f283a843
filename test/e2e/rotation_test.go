package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/exreconcile/exreconcile/test/framework"
)

// intermediate is a CA that ca signs, as Let's Encrypt's R10 and R11 are
// signed by its root: a renewal may come from either.
func (ca *testCA) intermediate(cn string) *testCA {
	GinkgoHelper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	Expect(err).NotTo(HaveOccurred())
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	Expect(err).NotTo(HaveOccurred())
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn, Organization: []string{"Let's Encrypt"}, Country: []string{"US"}},
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().AddDate(3, 0, 0),
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	Expect(err).NotTo(HaveOccurred())
	cert, err := x509.ParseCertificate(der)
	Expect(err).NotTo(HaveOccurred())
	return &testCA{cert: cert, key: key}
}

// tlsName is the TlsCertificateName Exchange shows for a certificate issued
// by an intermediate named cn for mail.work.com.
func tlsName(issuerCN string) string {
	return "<I>CN=" + issuerCN + ", O=Let's Encrypt, C=US<S>CN=mail.work.com"
}

// hybridSite is a hybrid organisation of two servers whose three
// TlsCertificateName places follow the ExchangeCertificate "mail": the
// "Outbound to Office 365" send connector, each server's "Default Frontend"
// receive connector and the hybrid configuration.
func hybridSite(sim *framework.Exsim, thumb string) string {
	return workOrg(sim, "WIN20081", "WIN20082") + fmt.Sprintf(`---
apiVersion: exreconcile.io/v1alpha1
kind: ExchangeCertificate
metadata: {name: mail}
spec:
  thumbprint: %s
  services: [SMTP]
  retireSuperseded: true
  source: {pfxFile: mail.pfx, passwordFrom: {env: PFX_PASSWORD}}
---
apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata: {name: Outbound to Office 365}
spec:
  addressSpaces: [work.mail.onmicrosoft.com]
  sourceTransportServers: [WIN20081, WIN20082]
  fqdn: mail.work.com
  tlsCertificateRef: mail
---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: Default Frontend WIN20081}
spec: {server: WIN20081, tlsCertificateRef: mail}
---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: Default Frontend WIN20082}
spec: {server: WIN20082, tlsCertificateRef: mail}
---
apiVersion: exreconcile.io/v1alpha1
kind: HybridConfiguration
metadata: {name: hybrid}
spec: {tlsCertificateRef: mail}
`, thumb)
}

// referenceNames reads the three places' TlsCertificateName through an administrator.
func referenceNames(sim *framework.Exsim) []string {
	GinkgoHelper()
	var out []string
	for _, l := range strings.Split(adminOut(workAdminOf(sim, "WIN20081"),
		"(Get-SendConnector 'Outbound to Office 365').TlsCertificateName.ToString()",
		"(Get-ReceiveConnector 'WIN20081\\Default Frontend WIN20081').TlsCertificateName.ToString()",
		"(Get-ReceiveConnector 'WIN20082\\Default Frontend WIN20082').TlsCertificateName.ToString()",
		"(Get-HybridConfiguration).TlsCertificateName.ToString()"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// all4 is the same name in the three places (two receive connectors).
func all4(name string) []string { return []string{name, name, name, name} }

// cmdletOrder lists, since log line from, each logged cmdlet of names as
// "server cmdlet", in the order exsim ran the commands.
func cmdletOrder(sim *framework.Exsim, from int, names ...string) []string {
	GinkgoHelper()
	lines, err := sim.Log()
	Expect(err).NotTo(HaveOccurred())
	var out []string
	for _, l := range lines[min(from, len(lines)):] {
		for _, c := range l.Cmdlets {
			for _, n := range names {
				if c.Name == n {
					out = append(out, strings.ToUpper(l.Server)+" "+c.Name)
				}
			}
		}
	}
	return out
}

// indexOf is the position of the first element with prefix, -1 without one.
func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func lastIndexOf(list []string, s string) int {
	for i := len(list) - 1; i >= 0; i-- {
		if list[i] == s {
			return i
		}
	}
	return -1
}

var _ = Describe("certificate rotation in a hybrid organisation", func() {
	var (
		root     *testCA
		r10, r11 *testCA
		a, b     issued
	)

	BeforeEach(func() {
		root = newTestCA("Test Root X1")
		r10, r11 = root.intermediate("R10"), root.intermediate("R11")
		a = r10.issue(pkix.Name{CommonName: "mail.work.com"}, []string{"mail.work.com"}, time.Now().AddDate(0, 0, 60), nil)
		b = r11.issue(pkix.Name{CommonName: "mail.work.com"}, []string{"mail.work.com"}, time.Now().AddDate(0, 0, 200), nil)
	})

	// setUp starts two servers with a hybrid configuration made by the
	// wizard, then lets exreconcile put certificate A on both servers and
	// all three references on it.
	setUp := func() (*framework.Exsim, string, string) {
		sim, state := startSim("work.com", `WORK\svc-exreconcile`, workPassword, "WIN20081", "WIN20082")
		adminOut(workAdminOf(sim, "WIN20081"), "New-HybridConfiguration -Domains work.com -Features FreeBusy,MailTips -Confirm:$false | Out-Null")
		dir := writeSite(hybridSite(sim, a.thumbprint()), map[string][]byte{"mail.pfx": a.pfx(pkcs12.Modern, r10, pfxPassword)})
		r := runWith(nil, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(referenceNames(sim)).To(Equal(all4(tlsName("R10"))), r.Stdout)
		return sim, state, dir
	}

	It("imports B everywhere, then switches the send connector, both receive connectors and the hybrid configuration, verifies, and retires A last", func() {
		sim, state, dir := setUp()
		// The renewal: a new PFX at the same path, from another intermediate.
		Expect(os.WriteFile(filepath.Join(dir, "mail.pfx"), b.pfx(pkcs12.Modern, r11, pfxPassword), 0o600)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "site.yaml"), []byte(hybridSite(sim, b.thumbprint())), 0o600)).To(Succeed())

		r := runWith(nil, "plan", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`Certificate rotation of work-com ("mail")`))
		Expect(r.Stdout).To(ContainSubstring("1. import and enable SMTP"))
		Expect(r.Stdout).To(ContainSubstring("2. switch references"))
		Expect(r.Stdout).To(ContainSubstring("3. verify"))
		Expect(r.Stdout).To(ContainSubstring("4. retire superseded certificates"))
		Expect(r.Stdout).To(ContainSubstring("tlsCertificateName: " + tlsName("R10") + " -> " + tlsName("R11")))
		Expect(r.Stdout).To(ContainSubstring(`ExchangeCertificate "mail (superseded ` + a.thumbprint() + `)" on WIN20082`))

		js := runWith(nil, "plan", "-f", dir, "-o", "json")
		var doc struct {
			ChangeSet struct {
				Phases []struct {
					Number  int    `json:"number"`
					Name    string `json:"name"`
					Outcome string `json:"outcome"`
					Steps   []struct {
						Server  string   `json:"server"`
						Objects []string `json:"objects"`
					} `json:"steps"`
				} `json:"phases"`
			} `json:"changeSet"`
		}
		Expect(json.Unmarshal([]byte(js.Stdout), &doc)).To(Succeed(), js.Stdout)
		Expect(doc.ChangeSet.Phases).To(HaveLen(4))
		Expect(doc.ChangeSet.Phases[1].Steps).To(HaveLen(2))

		from := logLen(sim)
		r = runWith(nil, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("4. retire superseded certificates: done"))

		order := cmdletOrder(sim, from, "Import-ExchangeCertificate", "Enable-ExchangeCertificate", "Set-SendConnector",
			"Set-ReceiveConnector", "Set-HybridConfiguration", "Remove-ExchangeCertificate")
		lastImport := max(lastIndexOf(order, "WIN20081 Enable-ExchangeCertificate"), lastIndexOf(order, "WIN20082 Enable-ExchangeCertificate"))
		Expect(indexOf(order, "WIN20081 Import-ExchangeCertificate")).To(BeNumerically(">=", 0), strings.Join(order, "\n"))
		Expect(indexOf(order, "WIN20082 Import-ExchangeCertificate")).To(BeNumerically(">=", 0), strings.Join(order, "\n"))
		for _, sw := range []string{"WIN20081 Set-SendConnector", "WIN20081 Set-ReceiveConnector", "WIN20082 Set-ReceiveConnector", "WIN20081 Set-HybridConfiguration"} {
			Expect(indexOf(order, sw)).To(BeNumerically(">", lastImport), "every switch after every import: "+strings.Join(order, "\n"))
			Expect(indexOf(order, sw)).To(BeNumerically("<", indexOf(order, "WIN20081 Remove-ExchangeCertificate")), "A is retired last: "+strings.Join(order, "\n"))
			Expect(indexOf(order, sw)).To(BeNumerically("<", indexOf(order, "WIN20082 Remove-ExchangeCertificate")), "A is retired last: "+strings.Join(order, "\n"))
		}
		// One command per server and phase with work, besides the observe.
		lines, err := sim.Log()
		Expect(err).NotTo(HaveOccurred())
		Expect(framework.CommandsPerServer(lines, from)).To(Equal(map[string]int{"WIN20081": 4, "WIN20082": 4}))

		Expect(referenceNames(sim)).To(Equal(all4(tlsName("R11"))))
		st := readState(state)
		for _, s := range []string{"WIN20081", "WIN20082"} {
			Expect(stateCert(stateServer(st, s), a.thumbprint())).To(BeNil(), s+": A retired")
			c := stateCert(stateServer(st, s), b.thumbprint())
			Expect(c).NotTo(BeNil(), s)
			Expect(c.Services).To(Equal("SMTP"), s)
		}

		r = runWith(nil, "diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).NotTo(ContainSubstring("rotation"))
	})

	It("switches no reference and keeps A when the second server's import fails (exit 1), and a rerun completes", func() {
		sim, state, dir := setUp()
		// B was staged on WIN20081 by hand earlier (imported, not enabled),
		// so only WIN20082 needs an import.
		staged := strings.Replace(hybridSite(sim, a.thumbprint()), "---\napiVersion: exreconcile.io/v1alpha1\nkind: SendConnector",
			certManifest("mail-next", b.thumbprint(), "WIN20081", "{pfxFile: next.pfx, passwordFrom: {env: PFX_PASSWORD}}")+
				"---\napiVersion: exreconcile.io/v1alpha1\nkind: SendConnector", 1)
		staged = strings.Replace(staged, "  services: [SMTP]\n  servers: [WIN20081]", "  servers: [WIN20081]", 1)
		Expect(os.WriteFile(filepath.Join(dir, "site.yaml"), []byte(staged), 0o600)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "next.pfx"), b.pfx(pkcs12.Modern, r11, pfxPassword), 0o600)).To(Succeed())
		r := runWith(nil, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(stateCert(stateServer(readState(state), "WIN20081"), b.thumbprint())).NotTo(BeNil())

		// Exchange refuses every import from now on.
		sim.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		faulty, err := framework.StartExsim(ctx, bins.Exsim, framework.ExsimOptions{Org: "work.com", User: `WORK\svc-exreconcile`, Password: workPassword,
			Servers: []framework.ExsimServer{{Name: "WIN20081"}, {Name: "WIN20082"}}, HTTPS: true, Auth: "ntlm", Dir: GinkgoT().TempDir(), State: state,
			Extra: []string{"--fault", "Import-ExchangeCertificate:error"}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(faulty.Stop)
		Expect(os.WriteFile(filepath.Join(dir, "mail.pfx"), b.pfx(pkcs12.Modern, r11, pfxPassword), 0o600)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "site.yaml"), []byte(hybridSite(faulty, b.thumbprint())), 0o600)).To(Succeed())

		from := logLen(faulty)
		r = runWith(nil, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("WIN20082"))
		Expect(r.Stdout).To(ContainSubstring("Import-ExchangeCertificate"))
		Expect(r.Stdout).To(ContainSubstring("1. import and enable SMTP: failed"))
		Expect(r.Stdout).To(ContainSubstring("2. switch references: stopped"))
		Expect(r.Stdout).To(ContainSubstring("4. retire superseded certificates: stopped"))
		Expect(r.Stdout).To(ContainSubstring("left for a rerun"))
		ran := strings.Join(cmdletsRun(faulty, from), "\n")
		Expect(ran).NotTo(ContainSubstring("Set-SendConnector"))
		Expect(ran).NotTo(ContainSubstring("Set-ReceiveConnector"))
		Expect(ran).NotTo(ContainSubstring("Set-HybridConfiguration"))
		Expect(ran).NotTo(ContainSubstring("Remove-ExchangeCertificate"))
		Expect(referenceNames(faulty)).To(Equal(all4(tlsName("R10"))))
		st := readState(state)
		for _, s := range []string{"WIN20081", "WIN20082"} {
			Expect(stateCert(stateServer(st, s), a.thumbprint())).NotTo(BeNil(), s+": A kept")
		}

		// Without the fault the rerun continues where it stopped.
		faulty.Stop()
		ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
		defer cancel2()
		fixed, err := framework.StartExsim(ctx2, bins.Exsim, framework.ExsimOptions{Org: "work.com", User: `WORK\svc-exreconcile`, Password: workPassword,
			Servers: []framework.ExsimServer{{Name: "WIN20081"}, {Name: "WIN20082"}}, HTTPS: true, Auth: "ntlm", Dir: GinkgoT().TempDir(), State: state})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(fixed.Stop)
		Expect(os.WriteFile(filepath.Join(dir, "site.yaml"), []byte(hybridSite(fixed, b.thumbprint())), 0o600)).To(Succeed())
		r = runWith(nil, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(referenceNames(fixed)).To(Equal(all4(tlsName("R11"))))
		st = readState(state)
		for _, s := range []string{"WIN20081", "WIN20082"} {
			Expect(stateCert(stateServer(st, s), a.thumbprint())).To(BeNil(), s+": A retired")
		}
		r = runWith(nil, "diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})
})
