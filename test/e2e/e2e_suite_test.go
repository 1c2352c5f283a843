// Package e2e holds the end-to-end specs: they build bin/exreconcile and
// bin/exsim, start exsim on loopback with HTTPS and NTLM, and drive the real
// binaries over WinRM as a user would.
package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/test/framework"
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "exreconcile end to end")
}

var bins framework.Binaries

var _ = BeforeSuite(func() {
	dir, err := os.MkdirTemp("", "exreconcile-e2e-bin-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(os.RemoveAll, dir)
	bins, err = framework.Build(dir)
	Expect(err).NotTo(HaveOccurred())
})

// Canary passwords: they must never appear in any output, log or script
// rendering (the secrets spec greps for them).
const (
	workPassword  = "Work-Canary-7f3#Pw'q’"
	canoePassword = "Canoe-Canary-91$(Pw)‘x"
)

// startOrg starts one exsim for an organisation with HTTPS, NTLM and the
// given servers, and stops it when the spec ends.
func startOrg(org, user, password string, extra []string, servers ...string) *framework.Exsim {
	GinkgoHelper()
	var ss []framework.ExsimServer
	for _, s := range servers {
		ss = append(ss, framework.ExsimServer{Name: s})
	}
	return startExsim(org, user, password, extra, ss)
}

// startOrgServers is startOrg with per-server options (version, role).
func startOrgServers(org, user, password string, servers ...framework.ExsimServer) *framework.Exsim {
	GinkgoHelper()
	return startExsim(org, user, password, nil, servers)
}

func startExsim(org, user, password string, extra []string, ss []framework.ExsimServer) *framework.Exsim {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sim, err := framework.StartExsim(ctx, bins.Exsim, framework.ExsimOptions{
		Org: org, Servers: ss, User: user, Password: password, HTTPS: true, Auth: "ntlm",
		Dir: GinkgoT().TempDir(), Extra: extra,
	})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(sim.Stop)
	return sim
}

// site copies an example folder with its endpoints pointed at the sims.
func site(example string, sims ...*framework.Exsim) string {
	GinkgoHelper()
	root, err := framework.ModuleRoot()
	Expect(err).NotTo(HaveOccurred())
	dst := GinkgoT().TempDir()
	Expect(framework.PointAt(filepath.Join(root, "manifests", "examples", example), dst, sims...)).To(Succeed())
	return dst
}

// exreconcile runs the binary with the passwords of both organisations set.
func exreconcile(args ...string) framework.Result {
	return framework.Run(bins.Exreconcile, []string{"WORK_PASSWORD=" + workPassword, "CANOE_PASSWORD=" + canoePassword}, "", args...)
}
