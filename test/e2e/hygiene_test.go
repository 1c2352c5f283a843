package e2e

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf16"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/test/framework"
)

// hygieneCanary is a password with every character that quoting could get
// wrong: ', ’ (PowerShell treats it as a single quote), $() and a backtick.
const hygieneCanary = "Hyg'iene’$(Canary)`Pw"

// secretForms are the ways a secret could appear in a script block: as is,
// single-quoted with its quotes doubled, base64 of UTF-8 and of UTF-16LE.
func secretForms(s string) []string {
	quoted := strings.NewReplacer("'", "''", "’", "’’").Replace(s)
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return []string{s, quoted, base64.StdEncoding.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString(b)}
}

func hygieneRun(args ...string) framework.Result {
	return framework.Run(bins.Exreconcile, []string{"WORK_PASSWORD=" + hygieneCanary}, "", args...)
}

var _ = Describe("what a real server records and keeps (issue 12)", func() {
	It("never puts a secret into a script block (event 4104)", func() {
		work := startOrg("work.com", `WORK\svc-exreconcile`, hygieneCanary, nil, "WIN20081")
		only := filepath.Join(site("two-forests", work), "work-com.yaml")
		r := hygieneRun("apply", "-f", only)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		r = hygieneRun("diff", "-f", only, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		lines, err := work.Log()
		Expect(err).NotTo(HaveOccurred())
		Expect(lines).To(HaveLen(3), "observe, apply+verify, then an in-sync observe")
		for i, l := range lines {
			Expect(l.RedactedSecretLiterals).To(Equal(0), "command %d put a secret literal into code", i)
			Expect(len(l.ScriptBlocks)).To(BeNumerically(">=", 2), "command %d: the bootstrap and the script", i)
			Expect(l.StdinBytes).To(BeNumerically(">", 0))
			for _, block := range l.ScriptBlocks {
				// exsim redacts known secrets in its log: a <redacted>
				// in a script block means a secret was there.
				Expect(block).NotTo(ContainSubstring("<redacted>"), "command %d", i)
				for _, form := range secretForms(hygieneCanary) {
					Expect(block).NotTo(ContainSubstring(form), "command %d", i)
				}
			}
			Expect(l.CommandLine).NotTo(ContainSubstring("<redacted>"))
		}
		Expect(lines[1].ScriptBlocks[1]).To(ContainSubstring("$secrets[0]"))
		Expect(lines[1].ScriptBlocks[1]).To(ContainSubstring("} finally {"))
	})

	It("removes its session whatever fails: 25 failed applies in a row, then it converges", func() {
		work := startOrg("work.com", `WORK\svc-exreconcile`, hygieneCanary, []string{"--fault", "Set-TransportConfig:error:25"}, "WIN20081")
		only := filepath.Join(site("two-forests", work), "work-com.yaml")
		for i := 1; i <= 25; i++ {
			r := hygieneRun("apply", "-f", only)
			Expect(r.ExitCode).To(Equal(1), "run %d: %s", i, r.Stdout+r.Stderr)
			// Without finally the 19th would fail with Exchange's
			// MaxConcurrency error instead of the injected one.
			Expect(r.Stdout+r.Stderr).NotTo(ContainSubstring("MaxConcurrency"), "run %d", i)
			Expect(r.Stdout).To(ContainSubstring("Set-TransportConfig"), "run %d", i)
		}
		before := logLen(work)
		r := hygieneRun("apply", "-f", only)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		lines, err := work.Log()
		Expect(err).NotTo(HaveOccurred())
		Expect(framework.CommandsPerServer(lines, before)).To(Equal(map[string]int{"WIN20081": 2}), "observe, then apply and verify in one command")
		before = len(lines)
		r = hygieneRun("apply", "-f", only)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		lines, err = work.Log()
		Expect(err).NotTo(HaveOccurred())
		Expect(framework.CommandsPerServer(lines, before)).To(Equal(map[string]int{"WIN20081": 1}), "an in-sync run is one command")
	})

	It("observes a server where an administrator typed control characters, and shows them escaped", func() {
		work := startOrg("work.com", `WORK\svc-exreconcile`, workPassword, nil, "WIN20081")
		dir := site("two-forests", work)
		only := filepath.Join(dir, "work-com.yaml")
		data, err := os.ReadFile(only)
		Expect(err).NotTo(HaveOccurred())
		declared := strings.Replace(string(data), "  domainSecureEnabled: true\n", "  domainSecureEnabled: true\n  comment: managed\n", 1)
		Expect(declared).NotTo(Equal(string(data)))
		Expect(os.WriteFile(only, []byte(declared), 0o600)).To(Succeed())
		admin := framework.Admin{Endpoint: work.Endpoint("WIN20081"), CAFile: work.CAFile, User: `WORK\svc-exreconcile`,
			Password: workPassword, FQDN: "win20081.work.com"}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// NUL through a double-quoted escape, ESC typed into the literal.
		out, errOut, code, err := admin.Run(ctx, "New-SendConnector -Name 'to-canoe.com' -Usage 'Internet' -AddressSpaces 'SMTP:canoe.com;1' "+
			"-DNSRoutingEnabled $true -SourceTransportServers 'WIN20081' -Comment (\"nul`0\" + 'esc\x1b[31m red')")
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(0), out+errOut)

		r := exreconcile("plan", "-f", only, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`comment: nul\x00esc\x1b[31m red -> managed`))
		Expect(r.Stdout+r.Stderr).NotTo(ContainSubstring("\x1b"), "a control character reached the terminal")
		Expect(r.Stdout + r.Stderr).NotTo(ContainSubstring("\x00"))
		r = exreconcile("apply", "-f", only)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		r = exreconcile("diff", "-f", only, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})
})
