package wsman_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/masterzen/winrm"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/test/exsim/wsman"
	"github.com/exreconcile/exreconcile/test/framework"
)

// The realm of the Kerberos specs: the account of every spec, a principal
// that is no account of the endpoint, and the service principals of the
// endpoint and of another server.
const (
	krbRealm           = "WORK.COM"
	krbSPN             = "HTTP/win20081.work.com"
	krbOtherSPN        = "HTTP/win20082.work.com"
	krbStranger        = "mallory"
	krbStrangerPasword = "Str4nger ’ ' $()"
)

var _ = Describe("Kerberos against a real MIT KDC", Ordered, func() {
	var (
		kdc      *framework.KDC
		kt       *keytab.Keytab
		launcher *fakeLauncher
		srv      *wsman.Server
		caFile   string
		caPEM    []byte
	)
	BeforeAll(func() {
		if why := framework.KDCMissing(); why != "" {
			Skip("Kerberos specs skipped: " + why)
		}
		var err error
		kdc, err = framework.StartKDC(context.Background(), framework.KDCOptions{
			Realm:    krbRealm,
			Users:    map[string]string{"admin": testPassword, krbStranger: krbStrangerPasword},
			Services: []string{krbSPN, krbOtherSPN},
			Dir:      filepath.Join(GinkgoT().TempDir(), "kdc"),
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(kdc.Stop)
		kt, err = keytab.Load(kdc.Keytab)
		Expect(err).NotTo(HaveOccurred())
	})
	BeforeEach(func() {
		launcher = newFakeLauncher()
		srv, caPEM = startHTTPSServer(launcher, func(c *wsman.Config) {
			c.Auth = []wsman.AuthScheme{wsman.AuthKerberos, wsman.AuthNTLM}
			c.Keytab, c.Realm = kt, krbRealm
		})
		caFile = filepath.Join(GinkgoT().TempDir(), "ca.pem")
		Expect(os.WriteFile(caFile, caPEM, 0o644)).To(Succeed())
	})

	// kerberosClient is masterzen's ClientKerberos as exreconcile would set
	// it up: the bare user name, the realm, the krb5.conf and an SPN
	// override, since the endpoint is an address.
	kerberosClient := func(user, password, spn, ccache string) *winrm.Client {
		GinkgoHelper()
		host, portText, err := net.SplitHostPort(srv.Addr())
		Expect(err).NotTo(HaveOccurred())
		port, _ := strconv.Atoi(portText)
		ep := &winrm.Endpoint{Host: host, Port: port, HTTPS: true, CACert: caPEM, Timeout: 60 * time.Second}
		params := winrm.NewParameters("PT60S", "en-US", 153600)
		params.TransportDecorator = func() winrm.Transporter {
			return &winrm.ClientKerberos{Username: user, Password: password, Realm: krbRealm, Hostname: host, Port: port,
				Proto: "https", SPN: spn, KrbConf: kdc.Krb5Conf, KrbCCache: ccache}
		}
		c, err := winrm.NewClientWithParameters(ep, user, password, params)
		Expect(err).NotTo(HaveOccurred())
		return c
	}

	// pyKerberos runs pywinrm's kerberos transport with the ccache of kinit.
	pyKerberos := func(principal, ccache string) pyResult {
		GinkgoHelper()
		return runPywinrmEnv(srv, map[string]any{"transport": "kerberos", "user": principal, "password": "",
			"kerberos_hostname_override": strings.TrimPrefix(krbSPN, "HTTP/"), "ca": caFile,
			"action": "cmd", "command": "echo", "args": []string{"kerberos", "’", "$()"}},
			[]string{"KRB5_CONFIG=" + kdc.Krb5Conf, "KRB5CCNAME=FILE:" + ccache, "REQUESTS_CA_BUNDLE=" + caFile})
	}

	Context("masterzen's ClientKerberos over HTTPS", func() {
		It("runs a command with the account's password", func() {
			stdout, _, code, err := kerberosClient("admin", testPassword, krbSPN, "").RunCmdWithContext(testContext(), "echo kerberos ’ $()")
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(0))
			Expect(stdout).To(Equal("kerberos ’ $()\r\n"))
			Expect(launcher.processes()[0].User).To(Equal(testUser))
		})

		It("runs a command with a ccache from kinit", func() {
			ccache, err := kdc.Kinit(testContext(), "admin", testPassword)
			Expect(err).NotTo(HaveOccurred())
			stdout, _, _, err := kerberosClient("admin", "", krbSPN, ccache).RunCmdWithContext(testContext(), "echo from ccache")
			Expect(err).NotTo(HaveOccurred())
			Expect(stdout).To(Equal("from ccache\r\n"))
		})

		It("is refused by the KDC with a wrong password", func() {
			_, err := kerberosClient("admin", "wrong ’ $()", krbSPN, "").CreateShell()
			Expect(err).To(MatchError(ContainSubstring("KDC_ERR_PREAUTH_FAILED")))
			Expect(srv.ShellCount()).To(BeZero())
		})

		It("refuses a principal that is not the account", func() {
			_, err := kerberosClient(krbStranger, krbStrangerPasword, krbSPN, "").CreateShell()
			Expect(err).To(MatchError(ContainSubstring("401")))
			Expect(srv.ShellCount()).To(BeZero())
		})

		It("refuses a ticket made out to another server", func() {
			_, err := kerberosClient("admin", testPassword, krbOtherSPN, "").CreateShell()
			Expect(err).To(MatchError(ContainSubstring("401")))
			Expect(srv.ShellCount()).To(BeZero())
		})
	})

	Context("Debian's pywinrm with its kerberos transport over HTTPS", func() {
		BeforeEach(func() {
			if why := pywinrmMissing(); why != "" {
				Skip("pywinrm specs skipped: " + why)
			}
			if out, err := exec.Command(systemPython, "-c", "import requests_kerberos").CombinedOutput(); err != nil {
				Skip("pywinrm Kerberos specs skipped: apt-get install -y python3-requests-kerberos: " + strings.TrimSpace(string(out)))
			}
		})

		It("runs a command with the ccache of kinit, verifying the AP-REP", func() {
			ccache, err := kdc.Kinit(testContext(), "admin", testPassword)
			Expect(err).NotTo(HaveOccurred())
			res := pyKerberos("admin@"+krbRealm, ccache)
			Expect(res.OK).To(BeTrue(), res.ErrorType+": "+res.Error)
			Expect(res.Stdout).To(Equal("kerberos ’ $()\r\n"))
			Expect(launcher.processes()[0].User).To(Equal(testUser))
		})

		It("refuses a principal that is not the account", func() {
			ccache, err := kdc.Kinit(testContext(), krbStranger, krbStrangerPasword)
			Expect(err).NotTo(HaveOccurred())
			res := pyKerberos(krbStranger+"@"+krbRealm, ccache)
			Expect(res.OK).To(BeFalse())
			Expect(res.ErrorType).To(Equal("InvalidCredentialsError"))
			Expect(launcher.processes()).To(BeEmpty())
		})
	})

	It("makes kinit fail with a wrong password, without echoing it", func() {
		_, err := kdc.Kinit(testContext(), "admin", "wrong ’ ' $()")
		Expect(err).To(MatchError(ContainSubstring("Password incorrect")))
		Expect(err.Error()).NotTo(ContainSubstring("wrong ’"))
	})
})
