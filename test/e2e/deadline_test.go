package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// silentListener accepts TCP connections and never writes a byte: a server
// whose WinRM service hangs, or a firewall that accepts and black-holes.
func silentListener() string {
	GinkgoHelper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	DeferCleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

// withSilentServer adds a second server, WIN20083, answering at addr, to the
// work-com organisation of file, and optionally sets spec.timeout.
func withSilentServer(file, addr, specTimeout string) {
	GinkgoHelper()
	b, err := os.ReadFile(file)
	Expect(err).NotTo(HaveOccurred())
	text := string(b)
	anchor := "  servers:\n"
	Expect(text).To(ContainSubstring(anchor))
	extra := ""
	if specTimeout != "" {
		extra = "  timeout: " + specTimeout + "\n"
	}
	silent := fmt.Sprintf("%s  servers:\n    - name: WIN20083\n      fqdn: win20083.work.com\n      endpoint: https://%s/wsman\n", extra, addr)
	// The silent server goes last: the organisation-wide objects are read
	// on the first one, the healthy WIN20081.
	i := strings.Index(text, anchor)
	rest := text[i+len(anchor):]
	end := strings.Index(rest, "  auth:\n")
	Expect(end).To(BeNumerically(">", 0))
	text = text[:i] + anchor + rest[:end] + strings.TrimPrefix(silent, extra+"  servers:\n") + extra + rest[end:]
	Expect(os.WriteFile(file, []byte(text), 0o600)).To(Succeed())
}

var _ = Describe("a server that accepts and never answers (issue 11, deadlines)", func() {
	It("fails that server as TimedOut within --timeout and converges the healthy one", func() {
		work := startOrg("work.com", `WORK\svc-exreconcile`, workPassword, nil, "WIN20081")
		dir := site("two-forests", work)
		only := filepath.Join(dir, "work-com.yaml")
		healthy, err := os.ReadFile(only)
		Expect(err).NotTo(HaveOccurred())
		withSilentServer(only, silentListener(), "")

		start := time.Now()
		r := exreconcile("apply", "-f", only, "--timeout", "5s")
		took := time.Since(start)
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(took).To(BeNumerically("<", 45*time.Second), "the run must end soon after the 5s deadline (and the 15s close bound)")
		out := r.Stdout + r.Stderr
		Expect(out).To(ContainSubstring("WIN20083"))
		Expect(out).To(ContainSubstring("timed out after 5s (--timeout)"))
		Expect(out).NotTo(ContainSubstring("WIN20081: timed out"))

		// The healthy server converged in the same run.
		healthyOnly := filepath.Join(GinkgoT().TempDir(), "work-com.yaml")
		Expect(os.WriteFile(healthyOnly, healthy, 0o600)).To(Succeed())
		r = exreconcile("diff", "-f", healthyOnly, "--exit-code")
		Expect(r.ExitCode).To(Equal(0), r.Stdout+r.Stderr)
	})

	It("takes the deadline from spec.timeout when --timeout is not given, and reports the class in JSON", func() {
		work := startOrg("work.com", `WORK\svc-exreconcile`, workPassword, nil, "WIN20081")
		only := filepath.Join(site("two-forests", work), "work-com.yaml")
		withSilentServer(only, silentListener(), "3s")
		start := time.Now()
		r := exreconcile("plan", "-f", only, "-o", "json")
		Expect(r.ExitCode).To(Equal(1), r.Stdout+r.Stderr)
		Expect(time.Since(start)).To(BeNumerically("<", 40*time.Second))
		Expect(r.Stdout).To(ContainSubstring(`"class": "TimedOut"`))
		Expect(r.Stdout).To(ContainSubstring(`timed out after 3s (spec.timeout of ExchangeOrganization \"work-com\")`))
	})
})
