package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/test/framework"
)

// Issue 13 point 9: a failed Restart-Service is not forgotten. The rerun
// finds every field in sync, but the connectors changed after the transport
// service's process started, which the server itself says (Win32_Service,
// Win32_Process and WhenChangedUTC, read by the one observe command).
var _ = Describe("a failed transport restart (restartTransportService: OnChange)", func() {
	It("fails the apply, is planned as pending on the rerun, which restarts, and is in sync after", func() {
		work := startOrg("work.com", `WORK\svc-exreconcile`, workPassword, []string{"--fault", "Restart-Service:error:1"}, "WIN20081")
		only := filepath.Join(site("two-forests", work), "work-com.yaml")
		data, err := os.ReadFile(only)
		Expect(err).NotTo(HaveOccurred())
		patched := strings.Replace(string(data), "  tls:\n", "  restartTransportService: OnChange\n  tls:\n", 1)
		Expect(patched).NotTo(Equal(string(data)))
		Expect(os.WriteFile(only, []byte(patched), 0o600)).To(Succeed())
		// WhenChanged has whole seconds: changes in the second the
		// services started would not show as after it.
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1100 * time.Millisecond)))

		restartAttempts := func() int {
			GinkgoHelper()
			lines, err := work.Log()
			Expect(err).NotTo(HaveOccurred())
			n := 0
			for _, l := range lines {
				for _, c := range l.Cmdlets {
					if c.Name == "Restart-Service" {
						n++
					}
				}
			}
			return n
		}

		By("apply changes the connectors, then Restart-Service fails: exit 1, the restart reported failed")
		r := exreconcile("apply", "-f", only)
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("! restart MSExchangeTransport on WIN20081 (interrupts mail flow)\n    failed: "))
		Expect(r.Stdout).To(ContainSubstring("Cannot start service MSExchangeTransport"))
		Expect(r.Stdout).To(ContainSubstring("1 restart failed."))
		Expect(restartAttempts()).To(Equal(1))

		By("the rerun finds no field to change, and plans the restart the server still waits for")
		before := logLen(work)
		r = exreconcile("plan", "-f", only, "--exit-code")
		Expect(r.ExitCode).To(Equal(2), "a pending restart is something apply would do: "+r.Stdout+r.Stderr)
		Expect(r.Stdout).To(MatchRegexp(`! restart MSExchangeTransport on WIN20081 \(interrupts mail flow\) \(pending: ` +
			`SendConnector "to-canoe\.com" changed at \S+Z after the service started at \S+Z; ` +
			`ReceiveConnector "WIN20081\\From-canoe\.com" changed at \S+Z after the service started at \S+Z; ` +
			`TransportConfig "work-com" changed at \S+Z after the service started at \S+Z\)`))
		Expect(r.Stdout).To(ContainSubstring("Plan: 0 to create, 0 to change, 0 to remove, 0 to replace, 3 unchanged, 1 restart."))
		lines, err := work.Log()
		Expect(err).NotTo(HaveOccurred())
		Expect(framework.CommandsPerServer(lines, before)).To(Equal(map[string]int{"WIN20081": 1}), "the services are read by the one observe command")
		Expect(strings.Join(cmdletsRun(work, before), "\n")).To(ContainSubstring("Get-WmiObject Class Filter"))

		r = exreconcile("plan", "-f", only, "-o", "json")
		Expect(r.Stdout).To(ContainSubstring(`"pending": [`))
		Expect(r.Stdout).To(ContainSubstring(`"serviceStartedAt": "`))

		By("apply runs the restart alone")
		r = exreconcile("apply", "-f", only)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("(pending: "))
		Expect(r.Stdout).To(ContainSubstring("\n    restarted\n"))
		Expect(r.Stdout).To(ContainSubstring(", 1 restarted."))
		Expect(restartAttempts()).To(Equal(2))

		By("the third run is in sync: the service started after the changes")
		before = logLen(work)
		r = exreconcile("apply", "-f", only)
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
		Expect(r.Stdout).NotTo(ContainSubstring("! restart"))
		Expect(r.Stdout).To(ContainSubstring("No changes."))
		Expect(restartAttempts()).To(Equal(2))
		lines, err = work.Log()
		Expect(err).NotTo(HaveOccurred())
		Expect(framework.CommandsPerServer(lines, before)).To(Equal(map[string]int{"WIN20081": 1}))
		r = exreconcile("diff", "-f", only, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})
})
