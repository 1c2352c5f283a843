package e2e

import (
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/exreconcile/exreconcile/test/framework"
	"github.com/exreconcile/exreconcile/verify"
)

// smtpAddr waits for exsim --smtp to announce the loopback address of a
// server's binding ("exsim: SMTP WIN20081 191.121.0.200:26 at 127.0.0.1:P").
func smtpAddr(sim *framework.Exsim, server, binding string) string {
	GinkgoHelper()
	re := regexp.MustCompile(`exsim: SMTP ` + regexp.QuoteMeta(server) + ` ` + regexp.QuoteMeta(binding) + ` at (\S+)`)
	var addr string
	Eventually(func() bool {
		m := re.FindStringSubmatch(sim.Output())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	}, 10*time.Second, 50*time.Millisecond).Should(BeTrue(), "no SMTP listener for %s %s:\n%s", server, binding, sim.Output())
	return addr
}

// connectTo is the --connect-to that sends the probe for target to the
// listener exsim announced for binding.
func connectTo(sim *framework.Exsim, server, target, binding string) string {
	return "--connect-to=" + target + ":" + smtpAddr(sim, server, binding)
}

// verifyReport runs `exreconcile verify -o json` and decodes its report.
func verifyReport(run func(...string) framework.Result, args ...string) (verify.Report, framework.Result) {
	GinkgoHelper()
	r := run(append([]string{"verify", "-o", "json", "--ehlo", "probe.example"}, args...)...)
	var rep verify.Report
	Expect(json.Unmarshal([]byte(r.Stdout), &rep)).To(Succeed(), r.Stdout+r.Stderr)
	return rep, r
}

func resultOf(rep verify.Report, connector string) verify.Result {
	GinkgoHelper()
	for _, r := range rep.Results {
		if r.Connector == connector {
			return r
		}
	}
	Fail("no result for " + connector)
	return verify.Result{}
}

func checkOf(r verify.Result, name string) verify.Check {
	GinkgoHelper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	Fail(fmt.Sprintf("no check %s in %+v", name, r.Checks))
	return verify.Check{}
}

var _ = Describe("verify over SMTP against exsim --smtp (seed 001, Exchange 2019)", Ordered, func() {
	const pinned = "<I>CN=Work Test Root CA, O=Test PKI<S>CN=win20081.work.com"
	var sim *framework.Exsim
	var dir, thumb string
	var redirects []string

	BeforeAll(func() {
		sim = startOrg("work.com", `WORK\svc-exreconcile`, workPassword, []string{"--smtp"}, "WIN20081")
		// Seed 001 transport4/5: the CA-issued certificate for win20081.work.com, work.com and
		// win20081, enabled for SMTP.
		ca := newTestCA("Work Test Root CA")
		cert := ca.issue(pkix.Name{CommonName: "win20081.work.com"}, []string{"win20081.work.com", "work.com", "win20081"}, time.Now().AddDate(1, 0, 0), nil)
		thumb = cert.thumbprint()
		manifest := workOrg(sim, "WIN20081") + certManifest("win20081-smtp", thumb, "WIN20081", pfxSource) + `---
# Seed 001: the Internet connector from canoe.com on port 26.
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: From-canoe.com}
spec: {server: WIN20081, usage: Internet, bindings: ["191.121.0.200:26"], fqdn: win20081.work.com}
---
# Seed 001's Partner connector beside it: only canoe.com's server may use it.
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: From-canoe.com-partner}
spec: {server: WIN20081, usage: Partner, bindings: ["191.121.0.200:26"], remoteIPRanges: [191.121.111.200], authMechanism: [Tls], domainSecureEnabled: true}
---
# Submission that must be encrypted, pinned to the certificate by name.
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: Secure-submission}
spec:
  server: WIN20081
  usage: Custom
  bindings: ["0.0.0.0:2587"]
  remoteIPRanges: [0.0.0.0-255.255.255.255]
  fqdn: win20081.work.com
  authMechanism: [Tls, BasicAuth, BasicAuthRequireTLS]
  permissionGroups: [ExchangeUsers]
  requireTLS: true
  tlsCertificateName: "` + pinned + `"
---
apiVersion: exreconcile.io/v1alpha1
kind: TransportConfig
metadata: {name: work-com}
spec: {tlsReceiveDomainSecureList: [canoe.com]}
`
		dir = writeSite(manifest, map[string][]byte{"mail.pfx": cert.pfx(pkcs12.Modern, ca, pfxPassword)})
		r := runWith(nil, "apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		redirects = []string{
			connectTo(sim, "WIN20081", "191.121.0.200:26", "191.121.0.200:26"),
			connectTo(sim, "WIN20081", "win20081.work.com:2587", "0.0.0.0:2587"),
		}
	})

	It("passes every check after apply, and reports the partner connector as not probeable from here", func() {
		rep, r := verifyReport(func(a ...string) framework.Result { return runWith(nil, a...) }, append([]string{"-f", dir}, redirects...)...)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		inet := resultOf(rep, "From-canoe.com")
		Expect(inet.Status).To(Equal(verify.StatusPassed), r.Stdout)
		Expect(inet.Transcript[0]).To(MatchRegexp(`^S: 220 win20081.work.com Microsoft ESMTP MAIL Service ready at \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$`))
		Expect(checkOf(inet, verify.CheckCertificateSelected).Message).To(ContainSubstring(thumb))
		Expect(checkOf(inet, verify.CheckStartTLSOffered).Evidence).To(ContainElement("S: 250-STARTTLS"))
		sub := resultOf(rep, "Secure-submission")
		Expect(sub.Status).To(Equal(verify.StatusPassed), r.Stdout)
		for _, name := range []string{verify.CheckStartTLSOffered, verify.CheckTLSVersion, verify.CheckCertificateSelected,
			verify.CheckCertificateCoversFQDN, verify.CheckCertificateValid, verify.CheckRequireTLSEnforced, verify.CheckAuthOnlyAfterTLS} {
			Expect(checkOf(sub, name).Result).To(Equal(verify.CheckPassed), name)
		}
		Expect(checkOf(sub, verify.CheckRequireTLSEnforced).Evidence).To(ContainElement("S: 530 5.7.0 Must issue a STARTTLS command first"))
		partner := resultOf(rep, "From-canoe.com-partner")
		Expect(partner.Status).To(Equal(verify.StatusNotProbeableFromHere))
		Expect(partner.RemoteIPRanges).To(Equal([]string{"191.121.111.200"}))
		for _, l := range append(inet.Transcript, sub.Transcript...) {
			Expect(l).NotTo(HavePrefix("C: RCPT"))
			Expect(l).NotTo(HavePrefix("C: DATA"))
		}
	})

	It("fails RequireTLSEnforced (exit 3) when requireTLS was turned off out of band", func() {
		adminOut(workAdminOf(sim, "WIN20081"), `Set-ReceiveConnector -Identity 'WIN20081\Secure-submission' -RequireTLS $false`)
		rep, r := verifyReport(func(a ...string) framework.Result { return runWith(nil, a...) }, append([]string{"-f", dir}, redirects...)...)
		Expect(r.ExitCode).To(Equal(3), r.Stdout+r.Stderr)
		c := checkOf(resultOf(rep, "Secure-submission"), verify.CheckRequireTLSEnforced)
		Expect(c.Result).To(Equal(verify.CheckFailed))
		// The connector only admits authenticated users, so MAIL FROM is still
		// refused, but no longer for want of TLS.
		Expect(c.Evidence).To(Equal([]string{"C: MAIL FROM:<>", "S: 530 5.7.1 Client was not authenticated"}))
		Expect(c.Message).To(ContainSubstring("not for want of TLS"))
		Expect(resultOf(rep, "From-canoe.com").Status).To(Equal(verify.StatusPassed))
		// apply repairs it and, with --verify-smtp, proves it on the wire.
		r = runWith(nil, append([]string{"apply", "-f", dir, "--verify-smtp"}, redirects...)...)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("requireTLS: false -> true"))
		Expect(r.Stdout).To(ContainSubstring("PASS RequireTLSEnforced"))
	})

	It("fails StartTLSOffered (exit 3, with the EHLO transcript) when the pinned certificate name matches no certificate", func() {
		// Exchange refuses to remove a certificate a receive connector pins
		// ("These certificates are tagged with following Receive
		// Connectors"), so the outage comes the other way: the connector is
		// pinned to a name no certificate of the server has, as after a
		// renewal by a CA with another issuer name.
		adminOut(workAdminOf(sim, "WIN20081"), `Set-ReceiveConnector -Identity 'WIN20081\Secure-submission' -TlsCertificateName '<I>CN=R11, O=Let''s Encrypt, C=US<S>CN=mail.work.com'`)
		r := runWith(nil, append([]string{"verify", "-f", dir, "--ehlo", "probe.example"}, redirects...)...)
		Expect(r.ExitCode).To(Equal(3), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("FAIL StartTLSOffered"))
		Expect(r.Stdout).To(ContainSubstring("C: EHLO probe.example"))
		Expect(r.Stdout).To(ContainSubstring("S: 250-win20081.work.com Hello [127.0.0.1]"))
		rep, _ := verifyReport(func(a ...string) framework.Result { return runWith(nil, a...) }, append([]string{"-f", dir}, redirects...)...)
		sub := resultOf(rep, "Secure-submission")
		Expect(checkOf(sub, verify.CheckStartTLSOffered).Result).To(Equal(verify.CheckFailed))
		Expect(strings.Join(checkOf(sub, verify.CheckStartTLSOffered).Evidence, "\n")).NotTo(ContainSubstring("STARTTLS"))
		// The unpinned connector still finds its certificate by FQDN.
		inet := resultOf(rep, "From-canoe.com")
		Expect(checkOf(inet, verify.CheckStartTLSOffered).Result).To(Equal(verify.CheckPassed))
	})
})

var _ = Describe("verify after the ONE Mail scenario (seed 000, Exchange 2010)", func() {
	It("applies, then reports the ONE Mail-only connector as not probeable from here, with its ranges, and exits 0", func() {
		sim := startExsim("clinic.local", `CLINIC\svc-exreconcile`, clinicPassword, []string{"--smtp"},
			[]framework.ExsimServer{{Name: "EX01", Options: "version=2010"}})
		dir := site("onemail", sim)
		Expect(os.Remove(filepath.Join(dir, "retired-isp.yaml"))).To(Succeed())
		ca := newTestCA("Smart Systems for Health Agency Root Certificate Authority")
		cert := ca.issue(pkix.Name{CommonName: oneMailFqdn}, nil, time.Now().AddDate(3, 0, 0), nil)
		Expect(os.WriteFile(filepath.Join(dir, "one-mail.pfx"), cert.pfx(pkcs12.Legacy, ca, oneMailPFXPass), 0o600)).To(Succeed())
		patchOneMailCertificate(dir, cert.thumbprint())
		r := oneMail("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		rep, r := verifyReport(oneMail, "-f", dir, connectTo(sim, "EX01", "ex01.clinic.local:25", "0.0.0.0:25"))
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		res := resultOf(rep, oneMailReceive)
		Expect(res.Status).To(Equal(verify.StatusNotProbeableFromHere), r.Stdout)
		Expect(res.ClientAddress).To(Equal("127.0.0.1"))
		Expect(res.RemoteIPRanges).To(ConsistOf("76.75.133.96", "76.75.164.96", "76.75.149.54", "76.75.177.138"))
	})
})
