package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
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

// pfxPassword protects the PFX files the specs write; like the WinRM
// passwords it is a canary that must never be printed.
const pfxPassword = "Pfx-Canary-2w'Pw"

// testCA is a certification authority the specs issue certificates from,
// as eHealth Ontario's CA does in seed 000.
type testCA struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

func newTestCA(cn string) *testCA {
	GinkgoHelper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	Expect(err).NotTo(HaveOccurred())
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, Organization: []string{"Test PKI"}},
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	Expect(err).NotTo(HaveOccurred())
	cert, err := x509.ParseCertificate(der)
	Expect(err).NotTo(HaveOccurred())
	return &testCA{cert: cert, key: key}
}

// issued is a certificate a testCA issued, with its key when the spec made it.
type issued struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

// issue signs a server certificate for pub (a fresh key when nil) with
// subject and SANs, valid until notAfter.
func (ca *testCA) issue(subject pkix.Name, dnsNames []string, notAfter time.Time, pub *rsa.PublicKey) issued {
	GinkgoHelper()
	var out issued
	if pub == nil {
		var err error
		out.key, err = rsa.GenerateKey(rand.Reader, 2048)
		Expect(err).NotTo(HaveOccurred())
		pub = &out.key.PublicKey
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	Expect(err).NotTo(HaveOccurred())
	// A 90-day lifetime at least, as a public certificate has: one that
	// expires soon was issued long ago.
	notBefore := time.Now().Add(-time.Hour)
	if b := notAfter.Add(-90 * 24 * time.Hour); b.Before(notBefore) {
		notBefore = b
	}
	tmpl := &x509.Certificate{SerialNumber: serial.Add(serial, big.NewInt(1<<40)), Subject: subject, DNSNames: dnsNames,
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	Expect(err).NotTo(HaveOccurred())
	out.cert, err = x509.ParseCertificate(der)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// thumbprint is the certificate's SHA-1, as Exchange prints it.
func (c issued) thumbprint() string {
	sum := sha1.Sum(c.cert.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// serial is SerialNumber as Get-ExchangeCertificate prints it.
func (c issued) serial() string {
	return strings.ToUpper(hex.EncodeToString(c.cert.SerialNumber.Bytes()))
}

// pfx encodes the certificate, its key and the CA with enc (pkcs12.Legacy
// for Windows Server 2016 and older, pkcs12.Modern for AES).
func (c issued) pfx(enc *pkcs12.Encoder, ca *testCA, password string) []byte {
	GinkgoHelper()
	data, err := enc.Encode(c.key, c.cert, []*x509.Certificate{ca.cert}, password)
	Expect(err).NotTo(HaveOccurred())
	return data
}

// pemCert is the issued certificate as a CA sends it back.
func (c issued) pemCert() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})
}

// startSim starts one exsim with HTTPS and NTLM for org, its servers given
// with their --server options ("EX01", "EX01,version=2010"), and a state
// file the specs read (the restarts, the certificates' keys).
func startSim(org, user, password string, servers ...string) (*framework.Exsim, string) {
	GinkgoHelper()
	var ss []framework.ExsimServer
	for _, s := range servers {
		name, opts, _ := strings.Cut(s, ",")
		ss = append(ss, framework.ExsimServer{Name: name, Options: opts})
	}
	dir := GinkgoT().TempDir()
	state := filepath.Join(dir, "state.yaml")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sim, err := framework.StartExsim(ctx, bins.Exsim, framework.ExsimOptions{Org: org, Servers: ss, User: user, Password: password,
		HTTPS: true, Auth: "ntlm", Dir: dir, State: state})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(sim.Stop)
	return sim, state
}

// readState reads exsim's state file, which it rewrites after every change.
func readState(path string) exchange.State {
	GinkgoHelper()
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	var st exchange.State
	Expect(yaml.Unmarshal(data, &st)).To(Succeed())
	return st
}

// stateServer finds a server of a state.
func stateServer(st exchange.State, name string) exchange.ServerState {
	GinkgoHelper()
	for _, s := range st.Servers {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	Fail("no server " + name + " in the state")
	return exchange.ServerState{}
}

// stateCert finds a certificate of a server by thumbprint, or nil.
func stateCert(srv exchange.ServerState, thumb string) *exchange.CertificateState {
	for i := range srv.Certificates {
		if strings.EqualFold(srv.Certificates[i].Thumbprint, thumb) {
			return &srv.Certificates[i]
		}
	}
	return nil
}

// cmdletsRun lists the cmdlets exsim logged since line from, with their parameter names.
func cmdletsRun(sim *framework.Exsim, from int) []string {
	GinkgoHelper()
	lines, err := sim.Log()
	Expect(err).NotTo(HaveOccurred())
	var out []string
	for _, l := range lines[min(from, len(lines)):] {
		for _, c := range l.Cmdlets {
			out = append(out, c.Name+" "+strings.Join(c.Parameters, " "))
		}
	}
	return out
}

// runWith runs exreconcile with the work.com password, the PFX password and extra variables.
func runWith(extra []string, args ...string) framework.Result {
	env := append([]string{"WORK_PASSWORD=" + workPassword, "PFX_PASSWORD=" + pfxPassword}, extra...)
	return framework.Run(bins.Exreconcile, env, "", args...)
}

// workOrg is the work.com organisation manifest for the servers of sim.
func workOrg(sim *framework.Exsim, servers ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: exreconcile.io/v1alpha1\nkind: ExchangeOrganization\nmetadata: {name: work-com}\nspec:\n  servers:\n")
	for _, s := range servers {
		fmt.Fprintf(&b, "    - name: %s\n      fqdn: %s.work.com\n      endpoint: %s\n", s, strings.ToLower(s), sim.Endpoint(s))
	}
	fmt.Fprintf(&b, "  auth:\n    username: 'WORK\\svc-exreconcile'\n    passwordFrom: {env: WORK_PASSWORD}\n  tls: {caFile: %s}\n", sim.CAFile)
	return b.String()
}

// certManifest declares a certificate; source is the YAML of spec.source
// ("" for none) and servers its server list ("" for every Mailbox server).
func certManifest(name, thumb, servers, source string) string {
	m := fmt.Sprintf("---\napiVersion: exreconcile.io/v1alpha1\nkind: ExchangeCertificate\nmetadata: {name: %s}\nspec:\n  thumbprint: %s\n  services: [SMTP]\n", name, thumb)
	if servers != "" {
		m += "  servers: [" + servers + "]\n"
	}
	if source != "" {
		m += "  source: " + source + "\n"
	}
	return m
}

// writeSite writes manifests (and extra files) into a fresh folder.
func writeSite(manifest string, files map[string][]byte) string {
	GinkgoHelper()
	dir := GinkgoT().TempDir()
	Expect(os.WriteFile(filepath.Join(dir, "site.yaml"), []byte(manifest), 0o600)).To(Succeed())
	for name, data := range files {
		Expect(os.WriteFile(filepath.Join(dir, name), data, 0o600)).To(Succeed())
	}
	return dir
}

// workAdminOf is the administrator of one server of a work.com sim.
func workAdminOf(sim *framework.Exsim, server string) framework.Admin {
	return framework.Admin{Endpoint: sim.Endpoint(server), CAFile: sim.CAFile, User: `WORK\svc-exreconcile`,
		Password: workPassword, FQDN: strings.ToLower(server) + ".work.com"}
}

// adminOut runs lines as the administrator and returns stdout.
func adminOut(a framework.Admin, lines ...string) string {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, errOut, code, err := a.Run(ctx, lines...)
	Expect(err).NotTo(HaveOccurred())
	Expect(code).To(Equal(0), out+errOut)
	return out
}

const pfxSource = "{pfxFile: mail.pfx, passwordFrom: {env: PFX_PASSWORD}}"

var mailSubject = pkix.Name{CommonName: "mail.work.com", Organization: []string{"Work"}, Country: []string{"US"}}

var _ = Describe("ExchangeCertificate", func() {
	var ca *testCA

	BeforeEach(func() {
		ca = newTestCA("Work Test Root CA")
	})

	It("imports a PFX where it is missing, with its password as a SecureString, enables SMTP with -Force, then changes nothing", func() {
		sim, state := startSim("work.com", `WORK\svc-exreconcile`, workPassword, "WIN20081")
		mail := ca.issue(mailSubject, []string{"mail.work.com"}, time.Now().AddDate(1, 0, 0), nil)
		dir := writeSite(workOrg(sim, "WIN20081")+certManifest("mail", strings.ToLower(mail.thumbprint()), "", pfxSource),
			map[string][]byte{"mail.pfx": mail.pfx(pkcs12.Modern, ca, pfxPassword)})

		r := runWith(nil, "plan", "-f", dir, "--exit-code", "--show-script")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`+ ExchangeCertificate "mail" on WIN20081 (will be created)`))
		Expect(r.Stdout).To(ContainSubstring("+ thumbprint: " + mail.thumbprint()))
		// The PFX and its password travel in the data frame; the script
		// reads them from $secrets (what --show-script shows is what the
		// server records).
		Expect(r.Stdout).To(MatchRegexp(`-FileData \(\[Convert\]::FromBase64String\(\$secrets\[\d\]\)\) -Password \(ConvertTo-SecureString -String \(\[Text.Encoding\]::UTF8.GetString\(\[Convert\]::FromBase64String\(\$secrets\[\d\]\)\)\) -AsPlainText -Force\)`))
		Expect(r.Stdout).To(ContainSubstring("Enable-ExchangeCertificate -Thumbprint '" + mail.thumbprint() + "' -Server 'WIN20081' -Services 'SMTP' -Force"))
		// The server's own self-signed certificate also holds SMTP, as on
		// every healthy server (it stays the internal transport
		// certificate): not worth a warning.
		Expect(r.Stdout).NotTo(ContainSubstring("OtherCertificateHoldsSMTP"))

		from := logLen(sim)
		r = runWith(nil, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		ran := cmdletsRun(sim, from)
		Expect(ran).To(ContainElement(HavePrefix("Import-ExchangeCertificate Server FileData Password")))
		Expect(ran).To(ContainElement(HavePrefix("Enable-ExchangeCertificate Thumbprint Server Services Force")))
		c := stateCert(stateServer(readState(state), "WIN20081"), mail.thumbprint())
		Expect(c).NotTo(BeNil())
		Expect(c.PrivateKey).NotTo(BeEmpty())
		Expect(c.Services).To(Equal("SMTP"))

		before := logLen(sim)
		r = runWith(nil, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("No changes."))
		Expect(logLen(sim) - before).To(Equal(1))

		// Exchange cannot take a service away: IIS added by hand is reported, not removed.
		adminOut(workAdminOf(sim, "WIN20081"), "Enable-ExchangeCertificate -Thumbprint "+mail.thumbprint()+" -Services IIS -Force")
		r = runWith(nil, "diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("warning: also enabled for IIS; Exchange cannot remove a service"))

		var seen strings.Builder
		seen.WriteString(r.Stdout + r.Stderr)
		data, err := os.ReadFile(sim.LogFile)
		Expect(err).NotTo(HaveOccurred())
		seen.Write(data)
		Expect(seen.String()).NotTo(ContainSubstring(pfxPassword))
	})

	It("imports the issued certificate (CER) that completes a request made on the server, and enables it", func() {
		sim, state := startSim("work.com", `WORK\svc-exreconcile`, workPassword, "WIN20081")
		// Seed 000 §4: the administrator makes the request on the server.
		out := adminOut(workAdminOf(sim, "WIN20081"),
			"New-ExchangeCertificate -GenerateRequest -PrivateKeyExportable $true -KeySize 2048 -SubjectName 'C=US,O=Work,CN=mail.work.com' -DomainName mail.work.com")
		block, _ := pem.Decode([]byte(strings.ReplaceAll(out, "NEW CERTIFICATE REQUEST", "CERTIFICATE REQUEST")))
		Expect(block).NotTo(BeNil(), out)
		csr, err := x509.ParseCertificateRequest(block.Bytes)
		Expect(err).NotTo(HaveOccurred())
		Expect(csr.CheckSignature()).To(Succeed())
		mail := ca.issue(csr.Subject, csr.DNSNames, time.Now().AddDate(1, 0, 0), csr.PublicKey.(*rsa.PublicKey))
		dir := writeSite(workOrg(sim, "WIN20081")+certManifest("mail", mail.thumbprint(), "WIN20081", "{certFile: issued.cer}"),
			map[string][]byte{"issued.cer": mail.pemCert()})

		r := runWith(nil, "plan", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).NotTo(ContainSubstring("PrivateKeyMissing"))
		from := logLen(sim)
		r = runWith(nil, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(cmdletsRun(sim, from)).To(ContainElement(HavePrefix("Enable-ExchangeCertificate Thumbprint Server Services Force")))
		srv := stateServer(readState(state), "WIN20081")
		c := stateCert(srv, mail.thumbprint())
		Expect(c).NotTo(BeNil())
		Expect(c.PrivateKey).NotTo(BeEmpty(), "the request's key completes the certificate")
		Expect(c.Services).To(Equal("SMTP"))
		for _, other := range srv.Certificates {
			Expect(other.Pending).To(BeFalse(), "the pending request is completed")
		}
		r = runWith(nil, "diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})

	It("imports a bare CER without a request as Exchange does (HasPrivateKey False), enables nothing, gives the remedy and exits 1", func() {
		sim, state := startSim("work.com", `WORK\svc-exreconcile`, workPassword, "WIN20081")
		mail := ca.issue(mailSubject, []string{"mail.work.com"}, time.Now().AddDate(1, 0, 0), nil)
		dir := writeSite(workOrg(sim, "WIN20081")+certManifest("mail", mail.thumbprint(), "", "{certFile: issued.cer}"),
			map[string][]byte{"issued.cer": mail.cert.Raw})
		remedy := "certutil -repairstore my " + mail.serial()

		r := runWith(nil, "plan", "-f", dir)
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("issued.cer holds no private key and WIN20081 has no pending request"))
		Expect(r.Stdout).To(ContainSubstring(remedy))

		from := logLen(sim)
		r = runWith(nil, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(remedy))
		ran := cmdletsRun(sim, from)
		Expect(ran).To(ContainElement(HavePrefix("Import-ExchangeCertificate")))
		Expect(strings.Join(ran, "\n")).NotTo(ContainSubstring("Enable-ExchangeCertificate"))
		c := stateCert(stateServer(readState(state), "WIN20081"), mail.thumbprint())
		Expect(c).NotTo(BeNil())
		Expect(c.PrivateKey).To(BeEmpty())
		Expect(c.Services).To(Or(BeEmpty(), Equal("None")))

		// Seed 000 appendix: what Get-ExchangeCertificate shows, and the remedy.
		fl := adminOut(workAdminOf(sim, "WIN20081"), "Get-ExchangeCertificate -Thumbprint "+mail.thumbprint()+" | Format-List")
		Expect(fl).To(MatchRegexp(`HasPrivateKey\s+: False`))
		r = runWith(nil, "plan", "-f", dir, "-o", "json")
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("has no private key"))
		Expect(r.Stdout).To(ContainSubstring(remedy))
		Expect(r.Stdout).To(MatchRegexp(`"type": "Degraded",\s+"status": "True",\s+"reason": "PrivateKeyMissing"`))
	})

	It("fails before contacting any server when the PFX password is wrong, and changes nothing", func() {
		sim, _ := startSim("work.com", `WORK\svc-exreconcile`, workPassword, "WIN20081")
		mail := ca.issue(mailSubject, []string{"mail.work.com"}, time.Now().AddDate(1, 0, 0), nil)
		dir := writeSite(workOrg(sim, "WIN20081")+certManifest("mail", mail.thumbprint(), "", pfxSource),
			map[string][]byte{"mail.pfx": mail.pfx(pkcs12.Legacy, ca, pfxPassword)})
		r := runWith([]string{"PFX_PASSWORD=not-the-password"}, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(r.Stdout + r.Stderr).To(ContainSubstring(`ExchangeCertificate "mail": cannot open PFX mail.pfx (wrong password?)`))
		Expect(logLen(sim)).To(Equal(0), "no WinRM command was sent")
	})

	It("fails before contacting any server when the file's thumbprint is not the declared one, naming both", func() {
		sim, _ := startSim("work.com", `WORK\svc-exreconcile`, workPassword, "WIN20081")
		mail := ca.issue(mailSubject, []string{"mail.work.com"}, time.Now().AddDate(1, 0, 0), nil)
		other := ca.issue(mailSubject, []string{"mail.work.com"}, time.Now().AddDate(1, 0, 0), nil)
		dir := writeSite(workOrg(sim, "WIN20081")+certManifest("mail", other.thumbprint(), "", pfxSource),
			map[string][]byte{"mail.pfx": mail.pfx(pkcs12.Modern, ca, pfxPassword)})
		r := runWith(nil, "plan", "-f", dir)
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(r.Stderr).To(ContainSubstring("mail.pfx holds the certificate with thumbprint " + mail.thumbprint() + ", not the declared " + other.thumbprint()))
		Expect(logLen(sim)).To(Equal(0))
	})

	It("puts one certificate on two servers: imported where missing, enabled where present", func() {
		sim, state := startSim("work.com", `WORK\svc-exreconcile`, workPassword, "WIN20081", "WIN20082")
		mail := ca.issue(mailSubject, []string{"mail.work.com", "*.mail.work.com"}, time.Now().AddDate(1, 0, 0), nil)
		files := map[string][]byte{"mail.pfx": mail.pfx(pkcs12.Modern, ca, pfxPassword)}
		// First it is only imported on WIN20081, without services.
		first := strings.Replace(certManifest("mail", mail.thumbprint(), "WIN20081", pfxSource), "  services: [SMTP]\n", "", 1)
		r := runWith(nil, "apply", "-f", writeSite(workOrg(sim, "WIN20081", "WIN20082")+first, files))
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`+ ExchangeCertificate "mail" on WIN20081 (created)`))
		Expect(r.Stdout).NotTo(ContainSubstring("WIN20082"))
		// Then on every Mailbox server, for SMTP.
		dir := writeSite(workOrg(sim, "WIN20081", "WIN20082")+certManifest("mail", mail.thumbprint(), "", pfxSource), files)

		r = runWith(nil, "plan", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`~ ExchangeCertificate "mail" on WIN20081 (will be changed)`))
		Expect(r.Stdout).To(ContainSubstring("services: None -> SMTP"))
		Expect(r.Stdout).To(ContainSubstring(`+ ExchangeCertificate "mail" on WIN20082 (will be created)`))
		Expect(r.Stdout).To(ContainSubstring("Plan: 1 to create, 1 to change"))

		r = runWith(nil, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		st := readState(state)
		for _, s := range []string{"WIN20081", "WIN20082"} {
			c := stateCert(stateServer(st, s), mail.thumbprint())
			Expect(c).NotTo(BeNil(), s)
			Expect(c.Services).To(Equal("SMTP"), s)
		}
		before := logLen(sim)
		r = runWith(nil, "diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(logLen(sim)-before).To(Equal(2), "one command per server")
	})

	It("warns about a certificate with less than a third of its lifetime left, without failing the run", func() {
		sim, _ := startSim("work.com", `WORK\svc-exreconcile`, workPassword, "WIN20081")
		mail := ca.issue(mailSubject, []string{"mail.work.com"}, time.Now().Add(10*24*time.Hour+time.Hour), nil)
		dir := writeSite(workOrg(sim, "WIN20081")+certManifest("mail", mail.thumbprint(), "", pfxSource),
			map[string][]byte{"mail.pfx": mail.pfx(pkcs12.Modern, ca, pfxPassword)})
		r := runWith(nil, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(MatchRegexp(`warning: certificate ` + mail.thumbprint() + ` in mail.pfx expires on \d{4}-\d\d-\d\d, in 10 days: renew it now \(less than a third \(\d+ days\) of its validity is left\) \(Expiring\)`))
		r = runWith(nil, "diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(MatchRegexp(`warning: certificate ` + mail.thumbprint() + ` on WIN20081 expires on \d{4}-\d\d-\d\d, in (9|10) days: renew it now \(less than a third \(\d+ days\) of its validity is left\) \(Expiring\)`))
	})

	It("warns that Exchange 2010's Windows cannot import an AES-encrypted PFX", func() {
		sim, _ := startSim("work.com", `WORK\svc-exreconcile`, workPassword, "WIN20081,version=2010")
		mail := ca.issue(mailSubject, []string{"mail.work.com"}, time.Now().AddDate(1, 0, 0), nil)
		dir := writeSite(workOrg(sim, "WIN20081")+certManifest("mail", mail.thumbprint(), "", pfxSource),
			map[string][]byte{"mail.pfx": mail.pfx(pkcs12.Modern, ca, pfxPassword)})
		r := runWith(nil, "plan", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("mail.pfx is encrypted with AES"))
		Expect(r.Stdout).To(ContainSubstring("TripleDES"))
		Expect(os.WriteFile(filepath.Join(dir, "mail.pfx"), mail.pfx(pkcs12.Legacy, ca, pfxPassword), 0o600)).To(Succeed())
		r = runWith(nil, "plan", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).NotTo(ContainSubstring("AES"))
	})
})

var _ = Describe("cross-object checks at plan time", func() {
	It("says before anything is applied that no SMTP certificate covers a receive connector's fqdn, and apply leaves the connector alone", func() {
		ca := newTestCA("Work Test Root CA")
		sim, _ := startSim("work.com", `WORK\svc-exreconcile`, workPassword, "WIN20081")
		connector := `---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: From Partner}
spec:
  server: WIN20081
  usage: Custom
  bindings: ["0.0.0.0:2526"]
  remoteIPRanges: [192.0.2.10]
  fqdn: mail.x.com
  authMechanism: [Tls]
  permissionGroups: [AnonymousUsers]
`
		dir := writeSite(workOrg(sim, "WIN20081")+connector, nil)
		r := runWith(nil, "plan", "-f", dir)
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("error: no SMTP certificate on WIN20081 covers fqdn mail.x.com"))
		Expect(r.Stdout).To(ContainSubstring("apply does not create this connector"))

		from := logLen(sim)
		r = runWith(nil, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(strings.Join(cmdletsRun(sim, from), "\n")).NotTo(ContainSubstring("New-ReceiveConnector"))

		// A wildcard certificate covers one more label; declared and
		// imported in the same run, it makes the connector consistent.
		wild := ca.issue(pkix.Name{CommonName: "*.x.com"}, []string{"*.x.com"}, time.Now().AddDate(1, 0, 0), nil)
		Expect(os.WriteFile(filepath.Join(dir, "site.yaml"), []byte(workOrg(sim, "WIN20081")+connector+
			certManifest("wildcard", wild.thumbprint(), "", "{pfxFile: wild.pfx, passwordFrom: {env: PFX_PASSWORD}}")), 0o600)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "wild.pfx"), wild.pfx(pkcs12.Modern, ca, pfxPassword), 0o600)).To(Succeed())
		r = runWith(nil, "plan", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).NotTo(ContainSubstring("error:"))
		r = runWith(nil, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		r = runWith(nil, "diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})
})
