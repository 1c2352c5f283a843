package e2e

import (
	"context"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/test/framework"
	"github.com/exreconcile/exreconcile/verify"
)

// The seed 000 flow from nothing, with the onemail-from-csr example: the
// request is made on EX01 (Exchange 2010, PowerShell 2.0), the CSR written
// locally, signed in the spec with openssl as the partner's CA would, the
// issued certificate imported where its key is, SMTP enabled, the receive
// connector answering with the certificate's CN created, the CA's root put
// into LocalMachine\Root, then taken out again with ensure: Absent.
var _ = Describe("the certificate request flow (seed 000 from nothing) on Exchange 2010", Ordered, func() {
	const cn = "smtp.canm.subscribers.ssh"
	var state, dir, csrPath, caDir string
	var issuedThumb, rootThumb string
	var sim *framework.Exsim
	logAt := func() int { return logLen(sim) }

	openssl := func(args ...string) {
		GinkgoHelper()
		out, err := exec.Command("openssl", args...).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
	}
	pemThumb := func(path string) string {
		GinkgoHelper()
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		b, _ := pem.Decode(data)
		Expect(b).NotTo(BeNil())
		sum := sha1.Sum(b.Bytes)
		return strings.ToUpper(hex.EncodeToString(sum[:]))
	}
	roots := func() []string {
		GinkgoHelper()
		srv := stateServer(readState(state), "EX01")
		if srv.RootCertificates == nil {
			return nil // the fresh store
		}
		var out []string
		for _, p := range *srv.RootCertificates {
			b, _ := pem.Decode([]byte(p))
			Expect(b).NotTo(BeNil())
			sum := sha1.Sum(b.Bytes)
			out = append(out, strings.ToUpper(hex.EncodeToString(sum[:])))
		}
		return out
	}

	BeforeAll(func() {
		// startSim with exsim's SMTP listeners (--smtp), for verify.
		simDir := GinkgoT().TempDir()
		state = filepath.Join(simDir, "state.yaml")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var err error
		sim, err = framework.StartExsim(ctx, bins.Exsim, framework.ExsimOptions{Org: "clinic.local", User: `CLINIC\svc-exreconcile`, Password: clinicPassword,
			Servers: []framework.ExsimServer{{Name: "EX01", Options: "version=2010"}}, HTTPS: true, Auth: "ntlm", Dir: simDir, State: state,
			Extra: []string{"--smtp"}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(sim.Stop)
		dir = site("onemail-from-csr", sim)
		csrPath = filepath.Join(dir, "requests", "one-mail.csr")
		r := oneMail("validate", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})

	It("makes the request on EX01, writes the CSR and waits for the CA", func() {
		files := []string{"-f", filepath.Join(dir, "organization.yaml"), "-f", filepath.Join(dir, "certificate.yaml")}
		r := oneMail(append([]string{"plan", "--exit-code", "--show-script"}, files...)...)
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`+ ExchangeCertificate "one-mail-smtp" on EX01 (will be created)`))
		Expect(r.Stdout).To(ContainSubstring("New-ExchangeCertificate -Server 'EX01' -GenerateRequest -SubjectName 'C=CA,S=ON,O=Clinic,CN=" + cn +
			"' -DomainName '" + cn + "' -KeySize 2048 -FriendlyName 'ONE Mail'"))
		Expect(r.Stdout).To(ContainSubstring("waiting for the issued certificate: send requests/one-mail.csr to your CA"))
		Expect(csrPath).NotTo(BeAnExistingFile(), "plan writes nothing")

		from := logAt()
		r = oneMail(append([]string{"apply"}, files...)...)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("waiting for the issued certificate: send requests/one-mail.csr to your CA"))
		Expect(logAt()-from).To(Equal(2), "observe, then request and verify in one command")
		Expect(cmdletsRun(sim, from)).To(ContainElement(HavePrefix("New-ExchangeCertificate Server GenerateRequest SubjectName DomainName KeySize FriendlyName")))

		// The CSR is a PKCS #10 request signed by the key EX01 keeps.
		data, err := os.ReadFile(csrPath)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(HavePrefix("-----BEGIN NEW CERTIFICATE REQUEST-----\n"))
		b, _ := pem.Decode(data)
		Expect(b).NotTo(BeNil())
		csr, err := x509.ParseCertificateRequest(b.Bytes)
		Expect(err).NotTo(HaveOccurred())
		Expect(csr.CheckSignature()).To(Succeed())
		Expect(csr.Subject.CommonName).To(Equal(cn))
		Expect(csr.PublicKey.(*rsa.PublicKey).N.BitLen()).To(Equal(2048))
		var pending int
		for _, c := range stateServer(readState(state), "EX01").Certificates {
			if c.Pending {
				pending++
				Expect(c.PrivateKey).NotTo(BeEmpty(), "the key stays on the server")
			}
		}
		Expect(pending).To(Equal(1))

		// Rerun: waiting, one command, nothing made twice; diff is in sync.
		from = logAt()
		r = oneMail(append([]string{"apply", "-o", "json"}, files...)...)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(logAt() - from).To(Equal(1))
		Expect(r.Stdout).To(ContainSubstring(`"reason": "AwaitingIssuedCertificate"`))
		r = oneMail(append([]string{"diff", "--exit-code"}, files...)...)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)

		// A lost CSR file is written again from the pending request.
		again, _ := os.ReadFile(csrPath)
		Expect(os.Remove(csrPath)).To(Succeed())
		r = oneMail(append([]string{"apply"}, files...)...)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(os.ReadFile(csrPath)).To(Equal(again))
	})

	It("imports the certificate the CA issued for the CSR, enables SMTP, creates the connector and trusts the CA's root", func() {
		// The partner's CA, with openssl: a self-signed root, and the
		// request signed as the CA does (CN only, no SANs: seed 000's CA
		// ignores them).
		caDir = GinkgoT().TempDir()
		caKey, caCert := filepath.Join(caDir, "ca.key"), filepath.Join(caDir, "ca.pem")
		openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", caCert, "-days", "3650",
			"-subj", "/C=CA/O=Smart Systems for Health Agency/CN=SSHA Root CA")
		issuedPath := filepath.Join(dir, "one-mail-issued.cer")
		openssl("x509", "-req", "-in", csrPath, "-CA", caCert, "-CAkey", caKey, "-CAcreateserial", "-CAserial", filepath.Join(caDir, "ca.srl"),
			"-days", "365", "-out", issuedPath)
		root, err := os.ReadFile(caCert)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(dir, "ssha-root.cer"), root, 0o600)).To(Succeed())
		issuedThumb, rootThumb = pemThumb(issuedPath), pemThumb(caCert)

		path := filepath.Join(dir, "certificate.yaml")
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		patched := strings.Replace(string(data), "  # source:\n  #   certFile: one-mail-issued.cer\n", "  source:\n    certFile: one-mail-issued.cer\n", 1)
		Expect(patched).NotTo(Equal(string(data)))
		Expect(os.WriteFile(path, []byte(patched), 0o600)).To(Succeed())

		r := oneMail("plan", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`+ TrustedRootCertificate "ssha-root" on EX01 (will be created)`))
		Expect(r.Stdout).To(ContainSubstring("+ thumbprint: " + issuedThumb))
		Expect(r.Stdout).To(ContainSubstring(`+ ReceiveConnector "EX01\From ONE Mail"`))
		Expect(r.Stdout).NotTo(ContainSubstring("PrivateKeyMissing"))

		from := logAt()
		r = oneMail("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(logAt()-from).To(Equal(2), "observe, then everything and verify in one command")
		ran := cmdletsRun(sim, from)
		Expect(ran).To(ContainElement(HavePrefix("Import-ExchangeCertificate Server FileData")))
		Expect(ran).To(ContainElement(HavePrefix("Enable-ExchangeCertificate Thumbprint Server Services Force")))

		srv := stateServer(readState(state), "EX01")
		c := stateCert(srv, issuedThumb)
		Expect(c).NotTo(BeNil())
		Expect(c.PrivateKey).NotTo(BeEmpty(), "HasPrivateKey True: the issued certificate paired with the pending key")
		Expect(c.Services).To(Equal("SMTP"))
		for _, c := range srv.Certificates {
			Expect(c.Pending).To(BeFalse(), "the import completed the request")
		}
		rc := findConnector(srv.ReceiveConnectors, "From ONE Mail")
		Expect(prop(rc, "Fqdn")).To(Equal(cn))
		Expect(roots()).To(ContainElement(rootThumb))
		Expect(roots()).To(HaveLen(9), "the fresh store's 8 roots and the partner's")

		from = logAt()
		r = oneMail("diff", "-f", dir, "--exit-code", "-o", "json")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(logAt()-from).To(Equal(1), "the Root store is read by the one observe command")
		var report struct {
			ChangeSet struct {
				Entries []struct {
					Kind, Name string
					Status     struct{ Observed map[string]string }
				}
			}
		}
		Expect(json.Unmarshal([]byte(r.Stdout), &report)).To(Succeed())
		seen := map[string]map[string]string{}
		for _, e := range report.ChangeSet.Entries {
			seen[e.Kind+"/"+e.Name] = e.Status.Observed
		}
		Expect(seen["ExchangeCertificate/one-mail-smtp"]).To(HaveKeyWithValue("hasPrivateKey", "true"))
		Expect(seen["ExchangeCertificate/one-mail-smtp"]).To(HaveKeyWithValue("services", "SMTP"))
		Expect(seen["ExchangeCertificate/one-mail-smtp"]).To(HaveKeyWithValue("thumbprint", issuedThumb))
		Expect(seen["TrustedRootCertificate/ssha-root"]).To(HaveKeyWithValue("thumbprint", rootThumb))
		r = oneMail("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("No changes."))
	})

	It("answers STARTTLS with the issued certificate on a connector with its CN as FQDN (verify)", func() {
		// The partner connector takes only ONE Mail's addresses; a probe
		// connector beside it, with the same FQDN, answers this host.
		probe := "apiVersion: exreconcile.io/v1alpha1\nkind: ReceiveConnector\nmetadata: {name: Probe ONE Mail}\n" +
			"spec: {server: EX01, usage: Custom, bindings: [\"0.0.0.0:2525\"], remoteIPRanges: [127.0.0.1], fqdn: " + cn +
			", authMechanism: [Tls], permissionGroups: [AnonymousUsers]}\n"
		Expect(os.WriteFile(filepath.Join(dir, "probe.yaml"), []byte(probe), 0o600)).To(Succeed())
		r := oneMail("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		rep, r := verifyReport(oneMail, "-f", dir, connectTo(sim, "EX01", "ex01.clinic.local:2525", "0.0.0.0:2525"))
		res := resultOf(rep, "Probe ONE Mail")
		Expect(res.Status).To(Equal(verify.StatusPassed), r.Stdout+r.Stderr)
		Expect(checkOf(res, verify.CheckCertificateSelected).Message).To(ContainSubstring(issuedThumb))
		Expect(checkOf(res, verify.CheckCertificateCoversFQDN).Result).To(Equal(verify.CheckPassed))
		Expect(os.Remove(filepath.Join(dir, "probe.yaml"))).To(Succeed())
	})

	It("removes only that root with ensure: Absent", func() {
		path := filepath.Join(dir, "ssha-root.yaml")
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(path, append(data, []byte("  ensure: Absent\n")...), 0o600)).To(Succeed())
		before := roots()

		r := oneMail("plan", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`- TrustedRootCertificate "ssha-root" on EX01`))
		r = oneMail("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		after := roots()
		Expect(after).NotTo(ContainElement(rootThumb))
		Expect(after).To(HaveLen(len(before) - 1))
		for _, t := range before {
			if t != rootThumb {
				Expect(after).To(ContainElement(t), "every other root stays")
			}
		}
		r = oneMail("diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})
})
