package wsman_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/test/exsim/wsman"
)

// systemPython is Debian's interpreter: python3 on PATH may be another
// installation that does not see Debian's python3-winrm.
const systemPython = "/usr/bin/python3"

// pywinrmMissing says why the pywinrm specs cannot run, or "" when they can.
func pywinrmMissing() string {
	if _, err := os.Stat(systemPython); err != nil {
		return systemPython + " is missing"
	}
	if out, err := exec.Command(systemPython, "-c", "import winrm, requests_ntlm").CombinedOutput(); err != nil {
		return systemPython + " lacks the winrm module (apt-get install -y python3-winrm): " + strings.TrimSpace(string(out))
	}
	return ""
}

// pyResult is what testdata/pywinrm_client.py prints.
type pyResult struct {
	OK        bool   `json:"ok"`
	Stdout    string `json:"stdout"`
	Stderr    string `json:"stderr"`
	Code      int    `json:"code"`
	ErrorType string `json:"error_type"`
	Error     string `json:"error"`
}

// runPywinrm runs one pywinrm request against srv.
func runPywinrm(srv *wsman.Server, req map[string]any) pyResult {
	GinkgoHelper()
	return runPywinrmEnv(srv, req, nil)
}

// runPywinrmEnv runs one pywinrm request with extra environment variables
// (KRB5_CONFIG, KRB5CCNAME, REQUESTS_CA_BUNDLE).
func runPywinrmEnv(srv *wsman.Server, req map[string]any, env []string) pyResult {
	GinkgoHelper()
	req["endpoint"] = srv.URL()
	if _, ok := req["user"]; !ok {
		req["user"], req["password"] = testUser, testPassword
	}
	spec, err := json.Marshal(req)
	Expect(err).NotTo(HaveOccurred())
	conf, err := filepath.Abs(filepath.Join("testdata", "openssl-legacy.cnf"))
	Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, systemPython, filepath.Join("testdata", "pywinrm_client.py"))
	// The request goes on stdin: a stdin payload would overflow one argv string.
	cmd.Stdin = bytes.NewReader(spec)
	cmd.Env = append(append(os.Environ(), "OPENSSL_CONF="+conf, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost"), env...)
	cmd.Stderr = GinkgoWriter
	out, err := cmd.Output()
	Expect(err).NotTo(HaveOccurred(), "pywinrm client: %s", out)
	var res pyResult
	Expect(json.Unmarshal(out, &res)).To(Succeed(), string(out))
	return res
}

var _ = Describe("the WinRS endpoint driven by pywinrm", func() {
	var launcher *fakeLauncher
	BeforeEach(func() {
		if why := pywinrmMissing(); why != "" {
			Skip("pywinrm specs skipped: " + why)
		}
		launcher = newFakeLauncher()
	})

	Context("over HTTP", func() {
		var srv *wsman.Server
		BeforeEach(func() { srv = startServer(launcher, nil) })

		DescribeTable("runs a command with run_cmd",
			func(transport string) {
				res := runPywinrm(srv, map[string]any{"transport": transport, "message_encryption": "never",
					"action": "cmd", "command": "fail", "args": []string{"5", "bad", "thing"}})
				Expect(res.OK).To(BeTrue(), res.Error)
				Expect(res.Code).To(Equal(5))
				Expect(res.Stdout).To(Equal("before failing\r\n"))
				Expect(res.Stderr).To(Equal("bad thing\r\n"))
				Expect(launcher.processes()[0].CommandLine).To(Equal("fail 5 bad thing"))
				Expect(launcher.processes()[0].Codepage).To(Equal(437))
			},
			Entry("NTLM", "ntlm"),
			Entry("Basic", "basic"),
		)

		It("runs a PowerShell script with run_ps (powershell -encodedcommand)", func() {
			res := runPywinrm(srv, map[string]any{"transport": "ntlm", "message_encryption": "never",
				"action": "ps", "script": "Get-ExchangeServer | Select-Object Name"})
			Expect(res.OK).To(BeTrue(), res.Error)
			Expect(res.Code).To(Equal(0))
			Expect(res.Stdout).To(Equal("Get-ExchangeServer | Select-Object Name"))
			Expect(launcher.processes()[0].CommandLine).To(HavePrefix("powershell -encodedcommand "))
		})

		It("feeds stdin sent in several Send requests", func() {
			input := strings.Repeat("exsim-stdin-", 20000) // 240 KB
			res := runPywinrm(srv, map[string]any{"transport": "ntlm", "message_encryption": "never",
				"action": "stdin", "command": "digest", "stdin": input, "chunk": 60000})
			Expect(res.OK).To(BeTrue(), res.Error)
			sum := sha256.Sum256([]byte(input))
			Expect(res.Stdout).To(Equal("240000 " + hex.EncodeToString(sum[:])))
		})

		It("polls through OperationTimeout faults until the command completes", func() {
			res := runPywinrm(srv, map[string]any{"transport": "ntlm", "message_encryption": "never",
				"operation_timeout_sec": 1, "read_timeout_sec": 5, "action": "cmd", "command": "sleep 2500ms"})
			Expect(res.OK).To(BeTrue(), res.Error)
			Expect(res.Stdout).To(Equal("slept"))
		})

		DescribeTable("rejects a wrong password",
			func(transport string) {
				res := runPywinrm(srv, map[string]any{"transport": transport, "message_encryption": "never",
					"password": "wrong", "user": testUser, "action": "cmd", "command": "echo no"})
				Expect(res.OK).To(BeFalse())
				Expect(res.ErrorType).To(Equal("InvalidCredentialsError"))
				Expect(launcher.processes()).To(BeEmpty())
			},
			Entry("NTLM", "ntlm"),
			Entry("Basic", "basic"),
		)
	})

	Context("over HTTP without allow-unencrypted, as Windows ships", func() {
		var srv *wsman.Server
		BeforeEach(func() { srv = startServer(launcher, func(c *wsman.Config) { c.AllowUnencrypted = false }) })

		DescribeTable("serves NTLM-sealed messages",
			func(encryption string) {
				res := runPywinrm(srv, map[string]any{"transport": "ntlm", "message_encryption": encryption,
					"action": "cmd", "command": "fail", "args": []string{"5", "sealed", "’", "$()"}})
				Expect(res.OK).To(BeTrue(), res.Error)
				Expect(res.Code).To(Equal(5))
				Expect(res.Stdout).To(Equal("before failing\r\n"))
				Expect(res.Stderr).To(Equal("sealed ’ $()\r\n"))
			},
			Entry("message_encryption always", "always"),
			Entry("message_encryption auto (http:// means sealing)", "auto"),
		)

		It("feeds sealed stdin sent in several Send requests", func() {
			input := strings.Repeat("sealed-stdin-’-", 12000)
			res := runPywinrm(srv, map[string]any{"transport": "ntlm", "message_encryption": "always",
				"action": "stdin", "command": "digest", "stdin": input, "chunk": 50000})
			Expect(res.OK).To(BeTrue(), res.Error)
			sum := sha256.Sum256([]byte(input))
			Expect(res.Stdout).To(Equal(fmt.Sprintf("%d %s", len(input), hex.EncodeToString(sum[:]))))
		})

		It("polls through sealed OperationTimeout faults (HTTP 500) until the command completes", func() {
			res := runPywinrm(srv, map[string]any{"transport": "ntlm", "message_encryption": "always",
				"operation_timeout_sec": 1, "read_timeout_sec": 5, "action": "cmd", "command": "sleep 2500ms"})
			Expect(res.OK).To(BeTrue(), res.Error)
			Expect(res.Stdout).To(Equal("slept"))
		})

		DescribeTable("refuses what Windows refuses",
			func(transport, encryption, password string) {
				res := runPywinrm(srv, map[string]any{"transport": transport, "message_encryption": encryption,
					"user": testUser, "password": password, "action": "cmd", "command": "echo no"})
				Expect(res.OK).To(BeFalse())
				Expect(res.ErrorType).To(Equal("InvalidCredentialsError"))
				Expect(launcher.processes()).To(BeEmpty())
			},
			Entry("NTLM without sealing", "ntlm", "never", testPassword),
			Entry("Basic", "basic", "never", testPassword),
			Entry("sealed NTLM with a wrong password", "ntlm", "always", "wrong ’ $()"),
		)
	})

	DescribeTable("works over HTTPS with the CA pinned",
		func(transport string) {
			srv, caPEM := startHTTPSServer(launcher, nil)
			ca := filepath.Join(GinkgoT().TempDir(), "ca.pem")
			Expect(os.WriteFile(ca, caPEM, 0o644)).To(Succeed())
			res := runPywinrm(srv, map[string]any{"transport": transport, "ca": ca,
				"action": "cmd", "command": "echo", "args": []string{"over", "tls"}})
			Expect(res.OK).To(BeTrue(), res.Error)
			Expect(res.Stdout).To(Equal("over tls\r\n"))
		},
		Entry("ssl (Basic)", "ssl"),
		Entry("NTLM", "ntlm"),
	)
})
