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

	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/test/framework"
)

// The account of the transport specs, with characters quoting could get
// wrong, and the Kerberos realm (exsim's default: --org upper-cased).
const (
	transportUser     = `WORK\svc-exreconcile`
	transportPassword = "Transport-Canary’$(Pw)'q"
	transportRealm    = "WORK.COM"
)

// pyResult is what test/exsim/wsman/testdata/pywinrm_client.py prints.
type pyResult struct {
	OK        bool   `json:"ok"`
	Stdout    string `json:"stdout"`
	Stderr    string `json:"stderr"`
	Code      int    `json:"code"`
	ErrorType string `json:"error_type"`
	Error     string `json:"error"`
}

// runPywinrm sends one request to Debian's pywinrm (python3-winrm 0.3.0);
// the request, password included, goes on stdin.
func runPywinrm(req map[string]any, env ...string) pyResult {
	GinkgoHelper()
	if out, err := exec.Command("/usr/bin/python3", "-c", "import winrm, requests_ntlm").CombinedOutput(); err != nil {
		Skip("pywinrm specs skipped: /usr/bin/python3 lacks python3-winrm (apt-get install -y python3-winrm): " + strings.TrimSpace(string(out)))
	}
	root, err := framework.ModuleRoot()
	Expect(err).NotTo(HaveOccurred())
	spec, err := json.Marshal(req)
	Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", filepath.Join(root, "test/exsim/wsman/testdata/pywinrm_client.py"))
	cmd.Env = append(append(os.Environ(), "OPENSSL_CONF="+filepath.Join(root, "test/exsim/wsman/testdata/openssl-legacy.cnf"),
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost"), env...)
	cmd.Stdin = strings.NewReader(string(spec))
	cmd.Stderr = GinkgoWriter
	out, err := cmd.Output()
	Expect(err).NotTo(HaveOccurred(), "pywinrm client: %s", out)
	var res pyResult
	Expect(json.Unmarshal(out, &res)).To(Succeed(), string(out))
	return res
}

// transportSite writes a one-server organisation and a TransportConfig
// change into a folder; auth is the YAML of spec.auth and extra more spec
// lines (tls).
func transportSite(endpoint, auth, extra string) string {
	GinkgoHelper()
	dir := GinkgoT().TempDir()
	doc := `apiVersion: exreconcile.io/v1alpha1
kind: ExchangeOrganization
metadata: {name: work-com}
spec:
  servers:
    - {name: WIN20081, fqdn: win20081.work.com, endpoint: "` + endpoint + `"}
  auth: ` + auth + `
` + extra + `
---
apiVersion: exreconcile.io/v1alpha1
kind: TransportConfig
metadata: {name: work-com}
spec:
  tlsReceiveDomainSecureList: [canoe.com]
`
	Expect(os.WriteFile(filepath.Join(dir, "work-com.yaml"), []byte(doc), 0o644)).To(Succeed())
	return dir
}

func transportRun(args ...string) framework.Result {
	return framework.Run(bins.Exreconcile, []string{"WORK_PASSWORD=" + transportPassword}, "", args...)
}

// converges plans, applies and diffs dir: one change, applied, then in sync.
func converges(dir string) {
	GinkgoHelper()
	r := transportRun("plan", "-f", dir)
	Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	Expect(r.Stdout).To(MatchRegexp(`tlsReceiveDomainSecureList:\n\s+\+ canoe\.com\n`))
	r = transportRun("apply", "-f", dir)
	Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	r = transportRun("diff", "-f", dir, "--exit-code")
	Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	Expect(r.Stdout + r.Stderr).NotTo(ContainSubstring(transportPassword))
}

var _ = Describe("the transport (issue 11)", func() {
	Context("NTLM over plain HTTP on a listener as Windows ships it (AllowUnencrypted=false)", func() {
		var sim *framework.Exsim
		BeforeEach(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var err error
			sim, err = framework.StartExsim(ctx, bins.Exsim, framework.ExsimOptions{Org: "work.com", User: transportUser,
				Password: transportPassword, Auth: "ntlm", SealedHTTP: true, Dir: GinkgoT().TempDir(),
				Servers: []framework.ExsimServer{{Name: "WIN20081"}}})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(sim.Stop)
			Expect(sim.Endpoint("WIN20081")).To(HavePrefix("http://127.0.0.1:"))
			Eventually(sim.Output).Should(ContainSubstring("only NTLM-sealed messages are served"))
		})

		It("converges with exreconcile, without allowUnencrypted: every message sealed", func() {
			dir := transportSite(sim.Endpoint("WIN20081"), `{method: ntlm, username: '`+transportUser+`', passwordFrom: {env: WORK_PASSWORD}}`, "")
			r := transportRun("validate", "-f", dir)
			Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
			Expect(r.Stdout + r.Stderr).NotTo(ContainSubstring("allowUnencrypted"))
			converges(dir)
			lines, err := sim.Log()
			Expect(err).NotTo(HaveOccurred())
			Expect(lines).To(HaveLen(4), "plan observes; apply observes, then applies and verifies; diff observes")
			// exsim serves nothing unsealed on this listener and says so
			// for every refused message.
			Expect(sim.Output()).NotTo(ContainSubstring("refused an unencrypted request"))
		})

		It("accepts Debian's pywinrm with message_encryption='always' and refuses 'never'", func() {
			req := func(enc string) map[string]any {
				return map[string]any{"transport": "ntlm", "message_encryption": enc, "endpoint": sim.Endpoint("WIN20081"),
					"user": transportUser, "password": transportPassword, "action": "ps", "script": "'sealed by pywinrm'"}
			}
			res := runPywinrm(req("always"))
			Expect(res.OK).To(BeTrue(), res.ErrorType+": "+res.Error)
			Expect(res.Stdout).To(Equal("sealed by pywinrm\r\n"))
			res = runPywinrm(req("never"))
			Expect(res.OK).To(BeFalse())
			Expect(res.ErrorType).To(Equal("InvalidCredentialsError"))
			Eventually(sim.Output).Should(ContainSubstring("refused an unencrypted request"))
			lines, err := sim.Log()
			Expect(err).NotTo(HaveOccurred())
			Expect(lines).To(HaveLen(1), "only the sealed command ran")
		})
	})

	Context("Kerberos against a real MIT KDC", Ordered, func() {
		var (
			kdc *framework.KDC
			sim *framework.Exsim
		)
		BeforeAll(func() {
			if why := framework.KDCMissing(); why != "" {
				Skip("Kerberos specs skipped: " + why)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			var err error
			kdc, err = framework.StartKDC(ctx, framework.KDCOptions{Realm: transportRealm,
				Users:    map[string]string{"svc-exreconcile": transportPassword},
				Services: []string{"HTTP/win20081.work.com", "HTTP/win20083.work.com"}, Dir: filepath.Join(GinkgoT().TempDir(), "kdc")})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(kdc.Stop)
			sim, err = framework.StartExsim(ctx, bins.Exsim, framework.ExsimOptions{Org: "work.com", User: transportUser,
				Password: transportPassword, HTTPS: true, Auth: "kerberos,ntlm", Dir: GinkgoT().TempDir(),
				Extra:   []string{"--keytab", kdc.Keytab},
				Servers: []framework.ExsimServer{{Name: "WIN20081"}, {Name: "WIN20083", Options: "role=Edge"}}})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(sim.Stop)
		})

		It("converges with exreconcile: auth.method kerberos, the password, an spn override, HTTPS with the CA file", func() {
			dir := transportSite(sim.Endpoint("WIN20081"),
				`{method: kerberos, username: '`+transportUser+`', passwordFrom: {env: WORK_PASSWORD},
    kerberos: {realm: `+transportRealm+`, krb5Conf: "`+kdc.Krb5Conf+`", spn: HTTP/win20081.work.com}}`,
				`  tls: {caFile: "`+sim.CAFile+`"}`)
			converges(dir)
		})

		It("runs a command through Debian's pywinrm kerberos transport (kinit ccache, hostname override, CA bundle)", func() {
			if out, err := exec.Command("/usr/bin/python3", "-c", "import requests_kerberos").CombinedOutput(); err != nil {
				Skip("pywinrm Kerberos spec skipped: apt-get install -y python3-requests-kerberos: " + strings.TrimSpace(string(out)))
			}
			ccache, err := kdc.Kinit(context.Background(), "svc-exreconcile", transportPassword)
			Expect(err).NotTo(HaveOccurred())
			res := runPywinrm(map[string]any{"transport": "kerberos", "endpoint": sim.Endpoint("WIN20081"),
				"user": "svc-exreconcile@" + transportRealm, "password": "", "kerberos_hostname_override": "win20081.work.com",
				"ca": sim.CAFile, "action": "ps", "script": "'kerberos by pywinrm'"},
				"KRB5_CONFIG="+kdc.Krb5Conf, "KRB5CCNAME=FILE:"+ccache, "REQUESTS_CA_BUNDLE="+sim.CAFile)
			Expect(res.OK).To(BeTrue(), res.ErrorType+": "+res.Error)
			Expect(res.Stdout).To(Equal("kerberos by pywinrm\r\n"))
		})

		It("lets a manifest use a ccache alone for an Edge server and refuses it, before any connection, for a Mailbox server", func() {
			ccache, err := kdc.Kinit(context.Background(), "svc-exreconcile", transportPassword)
			Expect(err).NotTo(HaveOccurred())
			manifest := func(name, role string) string {
				dir := GinkgoT().TempDir()
				doc := `apiVersion: exreconcile.io/v1alpha1
kind: ExchangeOrganization
metadata: {name: work-com}
spec:
  servers:
    - {name: ` + name + `, role: ` + role + `, fqdn: ` + strings.ToLower(name) + `.work.com, endpoint: "` + sim.Endpoint(name) + `"}
  auth:
    method: kerberos
    username: '` + transportUser + `'
    kerberos: {realm: ` + transportRealm + `, krb5Conf: "` + kdc.Krb5Conf + `", ccache: "` + ccache + `", spn: HTTP/` + strings.ToLower(name) + `.work.com}
  tls: {caFile: "` + sim.CAFile + `"}
`
				Expect(os.WriteFile(filepath.Join(dir, "org.yaml"), []byte(doc), 0o644)).To(Succeed())
				return dir
			}
			before := logLen(sim)
			r := framework.Run(bins.Exreconcile, nil, "", "plan", "-f", manifest("WIN20081", "Mailbox"))
			Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
			Expect(r.Stderr).To(ContainSubstring("no double hop"))
			Expect(logLen(sim)).To(Equal(before), "refused before any connection")

			r = framework.Run(bins.Exreconcile, nil, "", "plan", "-f", manifest("WIN20083", "Edge"))
			Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
			Expect(logLen(sim)).To(Equal(before+1), "one observe command over Kerberos with the ccache's ticket")
		})

		It("refuses a ccache alone for a Mailbox server (no double hop) and accepts it for an Edge server", func() {
			ccache, err := kdc.Kinit(context.Background(), "svc-exreconcile", transportPassword)
			Expect(err).NotTo(HaveOccurred())
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			connect := func(name string, role exchange.Role) (*exchange.Server, *exchange.Client) {
				c, err := exchange.NewClient(exchange.ConnectionConfig{Endpoint: sim.Endpoint(name), Auth: exchange.AuthKerberos,
					Username: transportUser, CAFile: sim.CAFile, Kerberos: exchange.KerberosConfig{Realm: transportRealm,
						Krb5Conf: kdc.Krb5Conf, CCache: ccache, SPN: "HTTP/" + strings.ToLower(name) + ".work.com"}})
				Expect(err).NotTo(HaveOccurred())
				DeferCleanup(func() { _ = c.Close(context.Background()) })
				return exchange.NewServer(exchange.Target{Name: name, FQDN: strings.ToLower(name) + ".work.com", Role: role,
					Username: transportUser}, c), c
			}
			mailbox, mc := connect("WIN20081", exchange.RoleMailbox)
			_, err = mailbox.Observe(ctx, exchange.Reads{Organization: true})
			Expect(err).To(MatchError(exchange.ErrInvalidRequest))
			Expect(err).To(MatchError(ContainSubstring("needs the account's password: a Kerberos ccache alone")))
			Expect(err).To(MatchError(ContainSubstring("no double hop")))
			Expect(mc.Commands()).To(BeZero(), "refused before anything is sent")

			edge, ec := connect("WIN20083", exchange.RoleEdge)
			obs, err := edge.Observe(ctx, exchange.Reads{ReceiveConnectors: true})
			Expect(err).NotTo(HaveOccurred())
			Expect(obs.Err()).NotTo(HaveOccurred())
			Expect(obs.ReceiveConnectors).NotTo(BeEmpty())
			Expect(ec.Commands()).To(Equal(1))
		})
	})
})
