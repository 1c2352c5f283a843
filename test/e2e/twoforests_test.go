package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/test/framework"
)

var _ = Describe("the two-forests scenario (seeds 001, 002, 004)", Ordered, func() {
	var work, canoe *framework.Exsim
	var dir string
	var workAdmin framework.Admin

	BeforeAll(func() {
		work = startOrg("work.com", `WORK\svc-exreconcile`, workPassword, nil, "WIN20081")
		canoe = startOrg("canoe.com", `CANOE\svc-exreconcile`, canoePassword, nil, "WIN20082")
		dir = site("two-forests", work, canoe)
		workAdmin = framework.Admin{Endpoint: work.Endpoint("WIN20081"), CAFile: work.CAFile, User: `WORK\svc-exreconcile`,
			Password: workPassword, FQDN: "win20081.work.com"}
		// Brownfield, as in seed 001: the administrator already made an
		// Internet send connector to canoe.com by hand.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, errOut, code, err := workAdmin.Run(ctx,
			"New-SendConnector -Name 'to-canoe.com' -Usage 'Internet' -AddressSpaces 'SMTP:canoe.com;1' -DNSRoutingEnabled $true -SourceTransportServers 'WIN20081'")
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(0), out+errOut)
	})

	It("plans the seed's changes", func() {
		r := exreconcile("plan", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`~ SendConnector "to-canoe.com"`))
		Expect(r.Stdout).To(ContainSubstring("port: 25 -> 26"))
		Expect(r.Stdout).To(ContainSubstring("domainSecureEnabled: false -> true"))
		Expect(r.Stdout).To(ContainSubstring(`+ ReceiveConnector "WIN20081\From-canoe.com"`))
		Expect(r.Stdout).To(ContainSubstring(`+ SendConnector "to-work.com"`))
		Expect(r.Stdout).To(ContainSubstring(`~ TransportConfig "work-com"`))
		Expect(r.Stdout).To(MatchRegexp(`Plan: 3 to create, 3 to change, 0 to remove`))
	})

	It("applies, and then nothing drifts", func() {
		r := exreconcile("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		r = exreconcile("diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("No changes."))
	})

	It("changes nothing on a second apply, with one WinRM command per server", func() {
		wb, cb := logLen(work), logLen(canoe)
		r := exreconcile("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("No changes."))
		Expect(logLen(work) - wb).To(Equal(1))
		Expect(logLen(canoe) - cb).To(Equal(1))
	})

	It("catches an administrator's out-of-band change and restores it", func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, errOut, code, err := workAdmin.Run(ctx,
			"Set-SendConnector 'to-canoe.com' -DomainSecureEnabled $false",
			"Set-TransportConfig -TLSSendDomainSecureList $null")
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(0), out+errOut)

		r := exreconcile("diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("domainSecureEnabled: false -> true"))
		Expect(r.Stdout).To(ContainSubstring("tlsSendDomainSecureList:\n      + canoe.com\n"))

		r = exreconcile("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		r = exreconcile("diff", "-f", dir, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})

	It("exports the live state, and diff on the export finds no drift", func() {
		r := exreconcile("export", "-f", filepath.Join(dir, "work-com.yaml"))
		Expect(r.ExitCode).To(Equal(0), r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("kind: SendConnector"))
		Expect(r.Stdout).To(ContainSubstring("name: From-canoe.com"))
		Expect(r.Stdout).NotTo(ContainSubstring("Default WIN20081"))
		exported := filepath.Join(GinkgoT().TempDir(), "live.yaml")
		Expect(os.WriteFile(exported, []byte(r.Stdout), 0o600)).To(Succeed())
		r = exreconcile("validate", "-f", exported)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		r = exreconcile("diff", "-f", exported, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})

	It("reports json and yaml with conditions", func() {
		r := exreconcile("plan", "-f", dir, "-o", "json")
		Expect(r.ExitCode).To(Equal(0), r.Stderr)
		Expect(r.Stdout).To(ContainSubstring(`"type": "Ready"`))
		Expect(r.Stdout).To(ContainSubstring(`"mode": "plan"`))
		r = exreconcile("diff", "-f", dir, "-o", "yaml")
		Expect(r.ExitCode).To(Equal(0), r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("type: Synced"))
	})

	It("never shows a password: stdout, stderr, -v logs, --show-script, exsim's log", func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _, _, err := workAdmin.Run(ctx, "Set-SendConnector 'to-canoe.com' -Port 25")
		Expect(err).NotTo(HaveOccurred())
		var seen strings.Builder
		for _, args := range [][]string{
			{"plan", "-f", dir, "--show-script", "-v", "-v"},
			{"apply", "-f", dir, "-v", "-v", "-o", "json"},
			{"diff", "-f", dir, "-o", "yaml", "-v"},
		} {
			r := exreconcile(args...)
			seen.WriteString(r.Stdout + r.Stderr)
		}
		Expect(seen.String()).To(ContainSubstring("Set-SendConnector"))
		for _, sim := range []*framework.Exsim{work, canoe} {
			data, err := os.ReadFile(sim.LogFile)
			Expect(err).NotTo(HaveOccurred())
			seen.Write(data)
			seen.WriteString(sim.Output())
		}
		for _, pw := range []string{workPassword, canoePassword} {
			Expect(seen.String()).NotTo(ContainSubstring(pw))
		}
	})
})

var _ = Describe("failures", func() {
	It("rejects a wrong password with the authentication error and changes nothing", func() {
		work := startOrg("work.com", `WORK\svc-exreconcile`, workPassword, nil, "WIN20081")
		dir := site("two-forests", work)
		only := filepath.Join(dir, "work-com.yaml")
		r := framework.Run(bins.Exreconcile, []string{"WORK_PASSWORD=wrong-password"}, "", "apply", "-f", only)
		Expect(r.ExitCode).To(Equal(1))
		Expect(r.Stdout + r.Stderr).To(ContainSubstring("authentication failed"))
		Expect(r.Stdout + r.Stderr).To(ContainSubstring("WIN20081"))
		lines, err := work.Log()
		Expect(err).NotTo(HaveOccurred())
		Expect(lines).To(BeEmpty())
	})

	It("converges the reachable organisation when another server is down, and names the unreachable one", func() {
		work := startOrg("work.com", `WORK\svc-exreconcile`, workPassword, nil, "WIN20081")
		canoe := startOrg("canoe.com", `CANOE\svc-exreconcile`, canoePassword, nil, "WIN20082")
		dir := site("two-forests", work, canoe)
		canoe.Stop()
		r := exreconcile("apply", "-f", dir)
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(r.Stdout + r.Stderr).To(ContainSubstring("WIN20082"))
		Expect(r.Stdout + r.Stderr).To(ContainSubstring("connection refused"))
		r = framework.Run(bins.Exreconcile, []string{"WORK_PASSWORD=" + workPassword}, "", "diff", "-f", filepath.Join(dir, "work-com.yaml"), "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})

	It("reports the calls done and Exchange's message when a cmdlet fails mid-apply, and a rerun converges", func() {
		work := startOrg("work.com", `WORK\svc-exreconcile`, workPassword, []string{"--fault", "Set-TransportConfig:error"}, "WIN20081")
		dir := site("two-forests", work)
		only := filepath.Join(dir, "work-com.yaml")
		env := []string{"WORK_PASSWORD=" + workPassword}
		r := framework.Run(bins.Exreconcile, env, "", "apply", "-f", only)
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("Set-TransportConfig"))
		Expect(r.Stdout).To(MatchRegexp(`after \d+ of \d+ calls`))
		r = framework.Run(bins.Exreconcile, env, "", "plan", "-f", only)
		Expect(r.Stdout).To(ContainSubstring(`~ TransportConfig`))
		Expect(r.Stdout).NotTo(ContainSubstring(`+ ReceiveConnector`))
	})
})

func logLen(sim *framework.Exsim) int {
	GinkgoHelper()
	lines, err := sim.Log()
	Expect(err).NotTo(HaveOccurred())
	return len(lines)
}
