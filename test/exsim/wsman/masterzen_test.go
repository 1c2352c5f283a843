package wsman_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/masterzen/winrm"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/test/exsim/wsman"
)

// faultBody returns the fault envelope masterzen reports: it does not fail
// on HTTP 500 but on the fault action, keeping the envelope in the error.
func faultBody(err error) string {
	GinkgoHelper()
	var ece *winrm.ExecuteCommandError
	Expect(errors.As(err, &ece)).To(BeTrue(), "want an ExecuteCommandError, got %v", err)
	return ece.Body
}

var _ = Describe("the WinRS endpoint driven by masterzen/winrm", func() {
	var launcher *fakeLauncher
	BeforeEach(func() { launcher = newFakeLauncher() })

	for _, ntlm := range []bool{false, true} {
		name := map[bool]string{false: "Basic", true: "NTLM"}[ntlm]
		Context("over HTTP with "+name, func() {
			var client *winrm.Client
			BeforeEach(func() {
				srv := startServer(launcher, nil)
				client = newClient(srv, clientOptions{ntlm: ntlm})
			})

			It("feeds multi-chunk stdin larger than the envelope and returns all of stdout", func() {
				input := make([]byte, 300*1024)
				_, _ = rand.Read(input)
				var stdout, stderr bytes.Buffer
				code, err := client.RunWithContextWithInput(testContext(), "cat", &stdout, &stderr, bytes.NewReader(input))
				Expect(err).NotTo(HaveOccurred())
				Expect(code).To(Equal(0))
				Expect(stderr.Len()).To(BeZero())
				Expect(bytes.Equal(stdout.Bytes(), input)).To(BeTrue(), "stdout differs from stdin (%d vs %d bytes)", stdout.Len(), len(input))
			})

			It("returns stdout, stderr and the exit code", func() {
				stdout, stderr, code, err := client.RunCmdWithContext(testContext(), "fail 3 something broke")
				Expect(err).NotTo(HaveOccurred())
				Expect(code).To(Equal(3))
				Expect(stdout).To(Equal("before failing\r\n"))
				Expect(stderr).To(Equal("something broke\r\n"))
			})

			It("runs several commands in one shell", func() {
				shell, err := client.CreateShell()
				Expect(err).NotTo(HaveOccurred())
				defer shell.Close()
				for i := range 3 {
					cmd, err := shell.ExecuteWithContext(testContext(), "echo", fmt.Sprintf("run %d", i))
					Expect(err).NotTo(HaveOccurred())
					var out bytes.Buffer
					go func() { _, _ = io.Copy(io.Discard, cmd.Stderr) }()
					_, _ = out.ReadFrom(cmd.Stdout)
					cmd.Wait()
					Expect(out.String()).To(Equal(fmt.Sprintf("run %d\r\n", i)))
					Expect(cmd.Close()).To(Succeed())
				}
			})
		})
	}

	It("keeps a command alive across OperationTimeout faults until it completes", func() {
		srv := startServer(launcher, nil)
		client := newClient(srv, clientOptions{ntlm: true, timeout: "PT2S"})
		start := time.Now()
		stdout, _, code, err := client.RunCmdWithContext(testContext(), "sleep 3s")
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(0))
		Expect(stdout).To(Equal("slept"))
		Expect(time.Since(start)).To(BeNumerically(">=", 3*time.Second))
	})

	It("terminates a command on Signal", func() {
		srv := startServer(launcher, nil)
		client := newClient(srv, clientOptions{})
		shell, err := client.CreateShell()
		Expect(err).NotTo(HaveOccurred())
		defer shell.Close()
		cmd, err := shell.ExecuteWithContext(testContext(), "hang")
		Expect(err).NotTo(HaveOccurred())
		Consistently(launcher.terminated, 200*time.Millisecond).ShouldNot(Receive())
		Expect(cmd.Close()).To(Succeed())
		Eventually(launcher.terminated, 5*time.Second).Should(Receive())
	})

	It("gives the cmd.exe answer to a command line over 8191 characters", func() {
		srv := startServer(launcher, nil)
		client := newClient(srv, clientOptions{})
		_, stderr, code, err := client.RunCmdWithContext(testContext(), "echo "+strings.Repeat("a", 8200))
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(1))
		Expect(stderr).To(Equal("The command line is too long.\r\n"))
		stdout, _, code, err := client.RunCmdWithContext(testContext(), "echo "+strings.Repeat("b", 8186))
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(0))
		Expect(stdout).To(HaveLen(8186 + 2))
	})

	It("answers an unknown shell with the InvalidSelectors fault", func() {
		srv := startServer(launcher, nil)
		client := newClient(srv, clientOptions{})
		_, err := client.NewShell("0F8F4E4F-0000-4000-8000-000000000000").ExecuteWithContext(testContext(), "echo hi")
		body := faultBody(err)
		Expect(body).To(ContainSubstring("<s:Value>w:InvalidSelectors</s:Value>"))
		Expect(body).To(ContainSubstring(`Code="2150858843"`))
		Expect(body).To(ContainSubstring("ShellId 0F8F4E4F-0000-4000-8000-000000000000 failed because the shell was not found on the server"))
	})

	DescribeTable("refuses wrong credentials with 401",
		func(ntlm bool, user, password string) {
			srv := startServer(launcher, nil)
			client := newClient(srv, clientOptions{ntlm: ntlm, user: user, password: password})
			_, err := client.CreateShell()
			Expect(err).To(MatchError(ContainSubstring("401")))
			Expect(srv.ShellCount()).To(BeZero())
		},
		Entry("Basic, wrong password", false, testUser, "wrong"),
		Entry("Basic, unknown user", false, `WORK\mallory`, testPassword),
		Entry("NTLM, wrong password", true, testUser, "wrong"),
		Entry("NTLM, unknown user", true, `WORK\mallory`, testPassword),
		Entry("Basic, other domain", false, `OTHER\admin`, testPassword),
	)

	DescribeTable("accepts the user in every form Windows accepts",
		func(ntlm bool, user string) {
			srv := startServer(launcher, nil)
			client := newClient(srv, clientOptions{ntlm: ntlm, user: user, password: testPassword})
			stdout, _, code, err := client.RunCmdWithContext(testContext(), "echo ok")
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(0))
			Expect(stdout).To(Equal("ok\r\n"))
			Expect(launcher.processes()).To(HaveLen(1))
			Expect(launcher.processes()[0].User).To(Equal(testUser))
		},
		Entry("NTLM, upper case", true, `WORK\ADMIN`),
		Entry("NTLM, DNS domain", true, `work.com\admin`),
		Entry("NTLM, no domain", true, `admin`),
		Entry("Basic, lower-case domain", false, `work\Admin`),
		Entry("Basic, UPN", false, `admin@work.com`),
	)

	It("enforces MaxShellsPerUser with the Windows quota fault", func() {
		srv := startServer(launcher, func(c *wsman.Config) { c.MaxShellsPerUser = 2 })
		client := newClient(srv, clientOptions{ntlm: true})
		first, err := client.CreateShell()
		Expect(err).NotTo(HaveOccurred())
		_, err = client.CreateShell()
		Expect(err).NotTo(HaveOccurred())
		_, err = client.CreateShell()
		body := faultBody(err)
		Expect(body).To(ContainSubstring("This user is allowed a maximum number of 2 concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user."))
		Expect(body).To(ContainSubstring(`Code="2150859173"`))
		Expect(first.Close()).To(Succeed())
		_, err = client.CreateShell()
		Expect(err).NotTo(HaveOccurred())
	})

	It("drops the connection on the command after drop-after:N, once", func() {
		srv := startServer(launcher, func(c *wsman.Config) {
			Expect(c.Faults.Add("drop-after:2")).To(Succeed())
		})
		client := newClient(srv, clientOptions{})
		for i := range 2 {
			_, _, code, err := client.RunCmdWithContext(testContext(), fmt.Sprintf("echo %d", i))
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(0))
		}
		_, _, _, err := client.RunCmdWithContext(testContext(), "echo dropped")
		Expect(err).To(MatchError(Or(ContainSubstring("EOF"), ContainSubstring("connection reset"))))
		stdout, _, _, err := client.RunCmdWithContext(testContext(), "echo after")
		Expect(err).NotTo(HaveOccurred())
		Expect(stdout).To(Equal("after\r\n"))
		Expect(launcher.processes()).To(HaveLen(3), "the dropped command must not run")
	})

	It("delays shell creation by the session latency", func() {
		srv := startServer(launcher, func(c *wsman.Config) { c.Latency.Session = 400 * time.Millisecond })
		client := newClient(srv, clientOptions{})
		start := time.Now()
		shell, err := client.CreateShell()
		Expect(err).NotTo(HaveOccurred())
		Expect(time.Since(start)).To(BeNumerically(">=", 400*time.Millisecond))
		Expect(shell.Close()).To(Succeed())
	})

	DescribeTable("refuses unencrypted traffic unless allowed",
		func(ntlm bool) {
			srv := startServer(launcher, func(c *wsman.Config) { c.AllowUnencrypted = false })
			client := newClient(srv, clientOptions{ntlm: ntlm})
			_, err := client.CreateShell()
			Expect(err).To(MatchError(ContainSubstring("401")))
			Expect(launcher.processes()).To(BeEmpty())
		},
		Entry("Basic", false),
		Entry("NTLM", true),
	)

	Context("over HTTP without allow-unencrypted, with NTLM sealing (winrm.NewEncryption)", func() {
		var srv *wsman.Server
		BeforeEach(func() { srv = startServer(launcher, func(c *wsman.Config) { c.AllowUnencrypted = false }) })

		It("returns stdout, stderr and the exit code of sealed exchanges", func() {
			client := newClient(srv, clientOptions{encrypt: true})
			stdout, stderr, code, err := client.RunCmdWithContext(testContext(), "fail 3 sealed ’ $()")
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(3))
			Expect(stdout).To(Equal("before failing\r\n"))
			Expect(stderr).To(Equal("sealed ’ $()\r\n"))
		})

		It("serves large output over several sealed Receive replies", func() {
			client := newClient(srv, clientOptions{encrypt: true})
			stdout, _, code, err := client.RunCmdWithContext(testContext(), "big 400000")
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(0))
			Expect(stdout).To(HaveLen(400000))
		})

		It("keeps a command alive across sealed OperationTimeout faults", func() {
			client := newClient(srv, clientOptions{encrypt: true, timeout: "PT1S"})
			stdout, _, code, err := client.RunCmdWithContext(testContext(), "sleep 2500ms")
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(0))
			Expect(stdout).To(Equal("slept"))
		})

		It("refuses a wrong password", func() {
			client := newClient(srv, clientOptions{encrypt: true, user: testUser, password: "wrong ’ $()"})
			_, err := client.CreateShell()
			Expect(err).To(MatchError(ContainSubstring("401")))
			Expect(srv.ShellCount()).To(BeZero())
		})
	})

	It("offers only the schemes configured", func() {
		srv := startServer(launcher, func(c *wsman.Config) { c.Auth = []wsman.AuthScheme{wsman.AuthNTLM} })
		_, err := newClient(srv, clientOptions{}).CreateShell()
		Expect(err).To(MatchError(ContainSubstring("401")), "Basic must be refused when only ntlm is offered")
		shell, err := newClient(srv, clientOptions{ntlm: true}).CreateShell()
		Expect(err).NotTo(HaveOccurred())
		Expect(shell.Close()).To(Succeed())
	})

	It("serves large output in several Receive replies", func() {
		srv := startServer(launcher, nil)
		client := newClient(srv, clientOptions{})
		stdout, _, code, err := client.RunCmdWithContext(testContext(), "big 700000")
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(0))
		Expect(stdout).To(HaveLen(700000))
	})

	It("passes the process what Windows would", func() {
		srv := startServer(launcher, nil)
		client := newClient(srv, clientOptions{})
		shell, err := client.CreateShell()
		Expect(err).NotTo(HaveOccurred())
		defer shell.Close()
		cmd, err := shell.ExecuteWithContext(testContext(), "digest", "-a", "b c")
		Expect(err).NotTo(HaveOccurred())
		go func() { _, _ = cmd.Stdin.Write([]byte("abc")); _ = cmd.Stdin.Close() }()
		var out bytes.Buffer
		go func() { _, _ = io.Copy(io.Discard, cmd.Stderr) }()
		_, _ = out.ReadFrom(cmd.Stdout)
		cmd.Wait()
		sum := sha256.Sum256([]byte("abc"))
		Expect(out.String()).To(Equal("3 " + hex.EncodeToString(sum[:])))
		p := launcher.processes()[0]
		Expect(p.CommandLine).To(Equal("digest -a b c"))
		Expect(p.Server).To(Equal("WIN20081"))
		Expect(p.User).To(Equal(testUser))
		Expect(p.Codepage).To(Equal(65001))
		Expect(p.ShellID).NotTo(BeEmpty())
	})
})
