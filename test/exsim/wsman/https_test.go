package wsman_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/test/exsim/wsman"
)

// startHTTPSServer runs an HTTPS endpoint whose certificate comes from a CA
// in a fresh directory, and returns the CA's PEM for clients to pin.
func startHTTPSServer(l *fakeLauncher, change func(*wsman.Config)) (*wsman.Server, []byte) {
	dir := GinkgoT().TempDir()
	ca, err := wsman.LoadOrCreateCA(dir)
	Expect(err).NotTo(HaveOccurred())
	cert, err := ca.ServerCertificate("WIN20081", "win20081.work.com")
	Expect(err).NotTo(HaveOccurred())
	srv := startServer(l, func(c *wsman.Config) {
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		c.AllowUnencrypted = false
		if change != nil {
			change(c)
		}
	})
	return srv, ca.CertPEM
}

var _ = Describe("the WinRS endpoint over HTTPS", func() {
	var launcher *fakeLauncher
	BeforeEach(func() { launcher = newFakeLauncher() })

	DescribeTable("serves clients that pin the generated CA",
		func(ntlm bool) {
			srv, caPEM := startHTTPSServer(launcher, nil)
			Expect(srv.URL()).To(HavePrefix("https://127.0.0.1:"))
			client := newClient(srv, clientOptions{ntlm: ntlm, caPEM: caPEM})
			stdout, _, code, err := client.RunCmdWithContext(testContext(), "echo secure")
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(0))
			Expect(stdout).To(Equal("secure\r\n"))
		},
		Entry("Basic", false),
		Entry("NTLM", true),
	)

	It("is refused by a client that does not trust the CA", func() {
		srv, _ := startHTTPSServer(launcher, nil)
		_, err := newClient(srv, clientOptions{}).CreateShell()
		Expect(err).To(MatchError(ContainSubstring("certificate")))
	})
})

var _ = Describe("the certificate directory", func() {
	It("creates a CA and server certificates with the endpoint's names", func() {
		dir := GinkgoT().TempDir()
		ca, err := wsman.LoadOrCreateCA(dir)
		Expect(err).NotTo(HaveOccurred())
		_, err = ca.ServerCertificate("WIN20081", "win20081.work.com", "127.0.0.2:5986")
		Expect(err).NotTo(HaveOccurred())
		for _, f := range []string{"ca.pem", "ca-key.pem", "win20081.pem", "win20081-key.pem"} {
			Expect(filepath.Join(dir, f)).To(BeAnExistingFile())
		}
		leaf := readCert(filepath.Join(dir, "win20081.pem"))
		Expect(leaf.DNSNames).To(ConsistOf("localhost", "win20081.work.com"))
		Expect(leaf.IPAddresses).To(HaveLen(3))
		Expect(leaf.Subject.CommonName).To(Equal("win20081.work.com"))
		roots := x509.NewCertPool()
		Expect(roots.AppendCertsFromPEM(ca.CertPEM)).To(BeTrue())
		for _, name := range []string{"localhost", "win20081.work.com", "127.0.0.1", "::1", "127.0.0.2"} {
			_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name})
			Expect(err).NotTo(HaveOccurred(), name)
		}
		info, err := os.Stat(filepath.Join(dir, "ca-key.pem"))
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)))
	})

	It("reuses valid files on restart and reissues a certificate that lacks a name", func() {
		dir := GinkgoT().TempDir()
		ca, err := wsman.LoadOrCreateCA(dir)
		Expect(err).NotTo(HaveOccurred())
		_, err = ca.ServerCertificate("WIN20081", "win20081.work.com")
		Expect(err).NotTo(HaveOccurred())
		first := readCert(filepath.Join(dir, "win20081.pem"))

		again, err := wsman.LoadOrCreateCA(dir)
		Expect(err).NotTo(HaveOccurred())
		Expect(again.CertPEM).To(Equal(ca.CertPEM))
		_, err = again.ServerCertificate("WIN20081", "win20081.work.com")
		Expect(err).NotTo(HaveOccurred())
		Expect(readCert(filepath.Join(dir, "win20081.pem")).SerialNumber).To(Equal(first.SerialNumber))

		_, err = again.ServerCertificate("WIN20081", "win20081.work.com", "mail.work.com")
		Expect(err).NotTo(HaveOccurred())
		reissued := readCert(filepath.Join(dir, "win20081.pem"))
		Expect(reissued.SerialNumber).NotTo(Equal(first.SerialNumber))
		Expect(reissued.DNSNames).To(ContainElement("mail.work.com"))
	})

	It("replaces a damaged CA", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("garbage"), 0o644)).To(Succeed())
		ca, err := wsman.LoadOrCreateCA(dir)
		Expect(err).NotTo(HaveOccurred())
		Expect(ca.Cert.IsCA).To(BeTrue())
	})
})

func readCert(path string) *x509.Certificate {
	GinkgoHelper()
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	block, _ := pem.Decode(data)
	Expect(block).NotTo(BeNil())
	cert, err := x509.ParseCertificate(block.Bytes)
	Expect(err).NotTo(HaveOccurred())
	return cert
}
