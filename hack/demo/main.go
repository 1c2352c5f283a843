// Command demo is `make demo`: it builds both binaries, starts exsim on free
// loopback ports (HTTPS with a generated CA, NTLM) for the two organisations
// of manifests/examples/two-forests, then plans and applies the scenario,
// makes an administrator's out-of-band change over WinRM, shows
// `diff --exit-code` catching it (exit 2) and apply restoring it, and cleans up.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/test/framework"
)

const (
	workPassword  = "demo-Work-Pa55"
	canoePassword = "demo-Canoe-Pa55"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("\ndemo finished: plan, apply, drift caught (exit 2), drift repaired (exit 0), STARTTLS and RequireTLS proved on the wire.")
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp, err := os.MkdirTemp("", "exreconcile-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	step("building bin/exreconcile and bin/exsim")
	root, err := framework.ModuleRoot()
	if err != nil {
		return err
	}
	bins, err := framework.Build(filepath.Join(root, "bin"))
	if err != nil {
		return err
	}

	step("starting exsim: work.com (WIN20081) and canoe.com (WIN20082), HTTPS + NTLM on loopback")
	var sims []*framework.Exsim
	for _, o := range []struct{ org, server, user, pw string }{
		{"work.com", "WIN20081", `WORK\svc-exreconcile`, workPassword},
		{"canoe.com", "WIN20082", `CANOE\svc-exreconcile`, canoePassword},
	} {
		sim, err := framework.StartExsim(ctx, bins.Exsim, framework.ExsimOptions{Org: o.org, User: o.user, Password: o.pw,
			HTTPS: true, Auth: "ntlm", Dir: filepath.Join(tmp, o.org), Servers: []framework.ExsimServer{{Name: o.server}},
			Extra: []string{"--smtp"}})
		if err != nil {
			return err
		}
		defer sim.Stop()
		sims = append(sims, sim)
		fmt.Printf("  %s %s at %s (CA %s)\n", o.org, o.server, sim.Endpoint(o.server), sim.CAFile)
	}
	site := filepath.Join(tmp, "site")
	if err := framework.PointAt(filepath.Join(root, "manifests", "examples", "two-forests"), site, sims...); err != nil {
		return err
	}
	// The partner connectors accept only each other's addresses, which this
	// host does not have; a client connector open to loopback gives verify
	// something it can prove from here.
	if err := os.WriteFile(filepath.Join(site, "demo-loopback.yaml"), []byte(loopbackConnector), 0o600); err != nil {
		return err
	}

	exreconcile := func(want int, args ...string) error {
		fmt.Printf("\n$ exreconcile %s\n", strings.Join(args, " "))
		r := framework.Run(bins.Exreconcile, []string{"WORK_PASSWORD=" + workPassword, "CANOE_PASSWORD=" + canoePassword}, "", args...)
		fmt.Print(indent(r.Stdout + r.Stderr))
		fmt.Printf("  (exit %d)\n", r.ExitCode)
		if r.ExitCode != want {
			return fmt.Errorf("exreconcile %s exited %d, want %d", args[0], r.ExitCode, want)
		}
		return nil
	}

	step("plan: what would change on two fresh servers")
	if err := exreconcile(2, "plan", "-f", site, "--exit-code"); err != nil {
		return err
	}
	step("apply: one WinRM command per server to observe, one to apply, one to verify")
	if err := exreconcile(0, "apply", "-f", site); err != nil {
		return err
	}
	step("diff: in sync")
	if err := exreconcile(0, "diff", "-f", site, "--exit-code"); err != nil {
		return err
	}

	step("an administrator turns domain security off by hand, over WinRM")
	admin := framework.Admin{Endpoint: sims[0].Endpoint("WIN20081"), CAFile: sims[0].CAFile, User: `WORK\svc-exreconcile`,
		Password: workPassword, FQDN: "win20081.work.com"}
	fmt.Println("  Set-SendConnector 'to-canoe.com' -DomainSecureEnabled $false")
	fmt.Println("  Set-TransportConfig -TLSSendDomainSecureList @{Remove='canoe.com'}")
	if _, se, code, err := admin.Run(ctx, "Set-SendConnector 'to-canoe.com' -DomainSecureEnabled $false",
		"Set-TransportConfig -TLSSendDomainSecureList @{Remove='canoe.com'}"); err != nil || code != 0 {
		return fmt.Errorf("out-of-band change failed (exit %d): %v %s", code, err, se)
	}

	step("diff --exit-code catches it")
	if err := exreconcile(2, "diff", "-f", site, "--exit-code"); err != nil {
		return err
	}
	step("apply restores it")
	if err := exreconcile(0, "apply", "-f", site); err != nil {
		return err
	}
	if err := exreconcile(0, "diff", "-f", site, "--exit-code"); err != nil {
		return err
	}

	step("verify over SMTP: exsim --smtp listens on loopback for each binding; --connect-to sends the probes there")
	args := []string{"verify", "-f", site, "--ehlo", "demo.example"}
	for _, b := range []struct {
		sim             *framework.Exsim
		server, binding string
	}{{sims[0], "WIN20081", "191.121.0.200:26"}, {sims[1], "WIN20082", "191.121.111.200:26"}, {sims[0], "WIN20081", "191.121.0.200:2587"}} {
		addr, err := smtpAddr(b.sim, b.server, b.binding)
		if err != nil {
			return err
		}
		args = append(args, "--connect-to", b.binding+":"+addr)
	}
	// The partner connectors accept only each other's address, so from this
	// host they are reported NotProbeableFromHere (exit 0), not failed; the
	// loopback connector's checks run and must pass.
	return exreconcile(0, args...)
}

// loopbackConnector is a receive connector for clients on this host that
// requires TLS, added to the demo's copy of the example.
const loopbackConnector = `apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata:
  name: Demo loopback clients
spec:
  organizationRef: work-com
  server: WIN20081
  usage: Custom
  bindings: ["191.121.0.200:2587"]
  remoteIPRanges: ["127.0.0.1"]
  fqdn: win20081.work.com
  authMechanism: [Tls]
  requireTLS: true
  permissionGroups: [AnonymousUsers]
`

// smtpAddr finds exsim's announcement "exsim: SMTP <server> <binding> at <addr>".
func smtpAddr(sim *framework.Exsim, server, binding string) (string, error) {
	prefix := "exsim: SMTP " + server + " " + binding + " at "
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, l := range strings.Split(sim.Output(), "\n") {
			if addr, ok := strings.CutPrefix(l, prefix); ok {
				return strings.TrimSpace(addr), nil
			}
		}
	}
	return "", fmt.Errorf("exsim announced no SMTP listener for %s %s", server, binding)
}

func step(s string) { fmt.Printf("\n==> %s\n", s) }

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}
