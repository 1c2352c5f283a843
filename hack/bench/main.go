// Command bench measures exreconcile against exsim at 10 and 50 servers and
// compares it with a per-resource baseline (see docs/benchmark.md):
//
//	go run ./hack/bench [-servers 10,50] [-latency pssession=3s,import=50ms] [-parallel 8] [-repeat 1] [-md FILE]
//
// For each N it starts one exsim process serving N servers of one
// organisation (HTTPS, NTLM, injected latency), generates a site (per server
// two receive connectors, five send connectors, the TransportConfig), applies
// it (setup, not measured) and then measures, with the real bin/exreconcile:
//
//	diff      an in-sync `diff --exit-code`
//	apply     an apply repairing one out-of-band change per server (a
//	          receive connector's Banner, changed by an administrator first)
//
// and, through the same exsim, a per-resource baseline run by a child
// process of this program: one shell and one WinRM command per object to
// read it, plus one per changed object to set it.
//
// Wall time is measured around the process; WinRM commands come from the
// delta of exsim's command log; peak memory is the child's VmHWM polled from
// /proc (see runMeasured for why not rusage's Maxrss), CPU time its rusage.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/exreconcile/exreconcile/test/framework"
)

const benchPassword = "Bench-Pa55-w0rd"

type config struct {
	servers  []int
	latency  string
	parallel int
	repeat   int
	md       string
	keep     bool
	rev      string
}

func main() {
	var cfg config
	var serversFlag, baselineJobFile string
	flag.StringVar(&serversFlag, "servers", "10,50", "comma-separated server counts N")
	flag.StringVar(&cfg.latency, "latency", "pssession=3s,import=50ms", "exsim --latency")
	flag.IntVar(&cfg.parallel, "parallel", 8, "servers at once for exreconcile (--parallel), objects at once for the baseline")
	flag.IntVar(&cfg.repeat, "repeat", 1, "runs of each measured scenario; the median wall time is reported")
	flag.StringVar(&cfg.md, "md", "", "also write the markdown results (machine, command, table) to this file")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the temp dir (site, exsim log)")
	flag.StringVar(&cfg.rev, "rev", "", "the revision measured, for the results (default: git rev-parse HEAD, +dirty)")
	flag.StringVar(&baselineJobFile, "baseline-job", "", "internal: run the baseline described by this file and exit")
	flag.Parse()
	if baselineJobFile != "" {
		if err := runBaselineJob(baselineJobFile); err != nil {
			fmt.Fprintf(os.Stderr, "bench baseline: %v\n", err)
			os.Exit(1)
		}
		return
	}
	for _, f := range strings.Split(serversFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 250 {
			fmt.Fprintf(os.Stderr, "bench: -servers: %q is not a server count (1..250)\n", f)
			os.Exit(2)
		}
		cfg.servers = append(cfg.servers, n)
	}
	if cfg.repeat < 1 {
		cfg.repeat = 1
	}
	if err := run(cfg); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// measurement is one row of the table.
type measurement struct {
	N        int
	Scenario string
	Tool     string
	Walls    []time.Duration
	Commands int
	PerMax   int
	PerMaxAt string
	Changes  int // Set-/New-/Remove- cmdlets exsim ran
	Sessions int // New-PSSession calls: Exchange remote sessions opened
	MaxRSSKB int64
	CPU      time.Duration
	Exit     int
}

func (m measurement) wall() time.Duration {
	w := slices.Clone(m.Walls)
	slices.Sort(w)
	return w[len(w)/2]
}

func run(cfg config) error {
	root, err := framework.ModuleRoot()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if cfg.rev == "" {
		cfg.rev = revision(root)
	}
	logf("building bin/exreconcile and bin/exsim")
	bins, err := framework.Build(filepath.Join(root, "bin"))
	if err != nil {
		return err
	}
	started := time.Now()
	var rows []measurement
	for _, n := range cfg.servers {
		r, err := benchN(cfg, bins, self, n)
		rows = append(rows, r...)
		if err != nil {
			printResults(os.Stdout, cfg, rows, time.Since(started))
			return fmt.Errorf("N=%d: %w", n, err)
		}
	}
	var md bytes.Buffer
	printResults(&md, cfg, rows, time.Since(started))
	os.Stdout.Write(md.Bytes())
	if cfg.md != "" {
		return os.WriteFile(cfg.md, md.Bytes(), 0o644)
	}
	return nil
}

var fqdnInReady = regexp.MustCompile(`(\S+) ready at \S+ \(fqdn (\S+),`)

func benchN(cfg config, bins framework.Binaries, self string, n int) ([]measurement, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	tmp, err := os.MkdirTemp("", fmt.Sprintf("exreconcile-bench-%d-", n))
	if err != nil {
		return nil, err
	}
	if cfg.keep {
		logf("N=%d: keeping %s", n, tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	logf("N=%d: starting one exsim with %d servers (HTTPS, NTLM, --latency %s)", n, n, cfg.latency)
	var servers []framework.ExsimServer
	for i := 1; i <= n; i++ {
		servers = append(servers, framework.ExsimServer{Name: serverName(i)})
	}
	t0 := time.Now()
	sim, err := framework.StartExsim(ctx, bins.Exsim, framework.ExsimOptions{Org: orgName, User: orgUser, Password: benchPassword,
		HTTPS: true, Auth: "ntlm", Dir: filepath.Join(tmp, "exsim"), Servers: servers,
		Extra: []string{"--latency", cfg.latency}})
	if err != nil {
		return nil, err
	}
	defer sim.Stop()
	logf("N=%d: exsim ready in %s", n, time.Since(t0).Round(time.Millisecond))
	for _, m := range fqdnInReady.FindAllStringSubmatch(sim.Output(), -1) {
		if i, err := strconv.Atoi(strings.TrimPrefix(m[1], "EX")); err == nil && m[2] != serverFQDN(i) {
			return nil, fmt.Errorf("exsim gives %s the fqdn %s, the site declares %s", m[1], m[2], serverFQDN(i))
		}
	}

	site := filepath.Join(tmp, "site")
	if err := writeSite(site, n, func(i int) string { return sim.Endpoint(serverName(i)) }, sim.CAFile); err != nil {
		return nil, err
	}
	exr := func(want int, args ...string) (measurement, error) {
		args = append(args, "-f", site, "--parallel", strconv.Itoa(cfg.parallel))
		before, err := sim.Log()
		if err != nil {
			return measurement{}, err
		}
		r := runMeasured(bins.Exreconcile, nil, args...)
		m, err := countLog(sim, len(before))
		if err != nil {
			return m, err
		}
		m.N, m.Tool, m.Walls, m.MaxRSSKB, m.CPU, m.Exit = n, "exreconcile", []time.Duration{r.wall}, r.maxRSSKB, r.cpu, r.exit
		if r.exit != want {
			return m, fmt.Errorf("exreconcile %s exited %d, want %d\n%s%s", strings.Join(args, " "), r.exit, want, r.stdout, r.stderr)
		}
		return m, nil
	}
	baseline := func(apply bool) (measurement, error) {
		before, err := sim.Log()
		if err != nil {
			return measurement{}, err
		}
		job := baselineJob{Servers: map[string]baselineServer{}, CAFile: sim.CAFile, User: orgUser, Parallel: cfg.parallel,
			Objects: baselineObjects(n), Apply: apply}
		for i := 1; i <= n; i++ {
			job.Servers[serverName(i)] = baselineServer{Endpoint: sim.Endpoint(serverName(i)), FQDN: serverFQDN(i)}
		}
		data, _ := json.Marshal(job)
		jobFile := filepath.Join(tmp, "baseline-job.json")
		if err := os.WriteFile(jobFile, data, 0o600); err != nil {
			return measurement{}, err
		}
		r := runMeasured(self, nil, "-baseline-job", jobFile)
		m, err := countLog(sim, len(before))
		if err != nil {
			return m, err
		}
		m.N, m.Tool, m.Walls, m.MaxRSSKB, m.CPU, m.Exit = n, "baseline", []time.Duration{r.wall}, r.maxRSSKB, r.cpu, r.exit
		var res baselineResult
		if r.exit != 0 || json.Unmarshal([]byte(r.stdout), &res) != nil {
			return m, fmt.Errorf("baseline exited %d\n%s%s", r.exit, r.stdout, r.stderr)
		}
		if len(res.Failures) > 0 {
			return m, fmt.Errorf("baseline: %d of %d commands failed, first: %s", len(res.Failures), res.Reads+res.Sets, res.Failures[0])
		}
		return m, nil
	}
	// drift makes the apply scenario's change: an administrator sets
	// connector A's Banner on every server, over WinRM, parallel at once.
	drift := func() error {
		errs := make([]error, n)
		pool(n, cfg.parallel, func(k int) {
			i := k + 1
			a := framework.Admin{Endpoint: sim.Endpoint(serverName(i)), CAFile: sim.CAFile, User: orgUser,
				Password: benchPassword, FQDN: serverFQDN(i)}
			_, se, code, err := a.Run(ctx, fmt.Sprintf("Set-ReceiveConnector -Identity %s -Banner %s",
				psQuote(serverName(i)+`\`+connectorA), psQuote(driftBanner)), endSession)
			if err != nil || code != 0 {
				errs[k] = fmt.Errorf("out-of-band change on %s: exit %d, %v, %s", serverName(i), code, err, firstLine(se))
			}
		})
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	}

	logf("N=%d: setup: exreconcile validate, apply, diff (not measured)", n)
	if r := runMeasured(bins.Exreconcile, nil, "validate", "-f", site); r.exit != 0 {
		return nil, fmt.Errorf("the generated site is not valid:\n%s%s", r.stdout, r.stderr)
	}
	setup, err := exr(0, "apply")
	if err != nil {
		return nil, fmt.Errorf("setup apply: %w", err)
	}
	logf("N=%d: setup apply took %s, %d commands, %d changes", n, setup.Walls[0].Round(time.Millisecond), setup.Commands, setup.Changes)
	if _, err := exr(0, "diff", "--exit-code"); err != nil {
		return nil, fmt.Errorf("not in sync after the setup apply: %w", err)
	}

	// The four measured scenarios, cfg.repeat times each.
	var diffM, baseRead, applyM, baseApply measurement
	merge := func(into *measurement, m measurement, scenario string) {
		m.Scenario = scenario
		if into.Walls == nil {
			*into = m
			return
		}
		into.Walls = append(into.Walls, m.Walls...)
		into.MaxRSSKB = max(into.MaxRSSKB, m.MaxRSSKB)
		into.CPU = max(into.CPU, m.CPU)
		if m.Commands != into.Commands || m.Changes != into.Changes {
			logf("N=%d %s %s: commands %d/%d changes %d/%d differ between repeats", n, m.Tool, scenario,
				into.Commands, m.Commands, into.Changes, m.Changes)
		}
	}
	for rep := 1; rep <= cfg.repeat; rep++ {
		logf("N=%d run %d/%d: exreconcile diff --exit-code (in sync)", n, rep, cfg.repeat)
		m, err := exr(0, "diff", "--exit-code")
		if err != nil {
			return nil, err
		}
		merge(&diffM, m, "read, in sync")
		logf("  %s, %d commands, peak RSS %d KiB", m.Walls[0].Round(time.Millisecond), m.Commands, m.MaxRSSKB)

		logf("N=%d run %d/%d: baseline read (one shell + command per object)", n, rep, cfg.repeat)
		if m, err = baseline(false); err != nil {
			return nil, err
		}
		merge(&baseRead, m, "read, in sync")
		logf("  %s, %d commands, peak RSS %d KiB", m.Walls[0].Round(time.Millisecond), m.Commands, m.MaxRSSKB)

		logf("N=%d run %d/%d: out-of-band change on every server, then exreconcile apply", n, rep, cfg.repeat)
		if err := drift(); err != nil {
			return nil, err
		}
		if m, err = exr(0, "apply"); err != nil {
			return nil, err
		}
		merge(&applyM, m, "apply, 1 change/server")
		logf("  %s, %d commands, %d changes, peak RSS %d KiB", m.Walls[0].Round(time.Millisecond), m.Commands, m.Changes, m.MaxRSSKB)

		logf("N=%d run %d/%d: out-of-band change on every server, then baseline apply", n, rep, cfg.repeat)
		if err := drift(); err != nil {
			return nil, err
		}
		if m, err = baseline(true); err != nil {
			return nil, err
		}
		merge(&baseApply, m, "apply, 1 change/server")
		logf("  %s, %d commands, %d changes, peak RSS %d KiB", m.Walls[0].Round(time.Millisecond), m.Commands, m.Changes, m.MaxRSSKB)
		// The baseline's changes must leave the site in sync.
		if _, err := exr(0, "diff", "--exit-code"); err != nil {
			return nil, fmt.Errorf("not in sync after the baseline apply: %w", err)
		}
	}
	// Anything exsim said besides its ready lines (quota faults, refused
	// logons, shutdown) and any command that failed is reported, not hidden.
	for _, l := range strings.Split(sim.Output(), "\n") {
		if l != "" && !strings.Contains(l, " ready at ") && !strings.HasPrefix(l, "exsim: CA certificate at ") {
			logf("N=%d: exsim said: %s", n, l)
		}
	}
	if lines, err := sim.Log(); err == nil {
		failed := 0
		for _, l := range lines {
			if l.ExitCode != 0 {
				failed++
			}
		}
		logf("N=%d: exsim logged %d commands in all, %d with a non-zero exit code", n, len(lines), failed)
	}
	for _, m := range []measurement{applyM, baseApply} {
		if m.Changes != n {
			return nil, fmt.Errorf("%s apply made %d changes, want %d (one per server)", m.Tool, m.Changes, n)
		}
	}
	return []measurement{diffM, baseRead, applyM, baseApply}, nil
}

// countLog counts the commands exsim logged since line from.
func countLog(sim *framework.Exsim, from int) (measurement, error) {
	lines, err := sim.Log()
	if err != nil {
		return measurement{}, err
	}
	var m measurement
	for server, c := range framework.CommandsPerServer(lines, from) {
		m.Commands += c
		if c > m.PerMax || c == m.PerMax && server < m.PerMaxAt {
			m.PerMax, m.PerMaxAt = c, server
		}
	}
	for _, l := range lines[min(from, len(lines)):] {
		for _, c := range l.Cmdlets {
			if c.Name == "New-PSSession" {
				m.Sessions++
			}
			if strings.HasPrefix(c.Name, "Set-") || strings.HasPrefix(c.Name, "New-") && c.Name != "New-PSSession" && c.Name != "New-Object" ||
				strings.HasPrefix(c.Name, "Remove-") && c.Name != "Remove-PSSession" && c.Name != "Remove-Item" {
				m.Changes++
			}
		}
	}
	return m, nil
}

type runResult struct {
	stdout, stderr string
	exit           int
	wall           time.Duration
	maxRSSKB       int64
	cpu            time.Duration
}

// runMeasured runs bin as framework.Run does (minimal environment, no
// colour) and measures its wall time, peak RSS and CPU time.
//
// Peak RSS is VmHWM from /proc/<pid>/status, polled every pollEvery while
// the process runs. rusage's Maxrss cannot be used: os/exec starts children
// with clone(CLONE_VM|CLONE_VFORK), and execve carries the high-water mark
// of the parent's address space into the child's maxrss, so Maxrss reports
// at least this benchmark's own peak. CPU time (user+system) is the child's
// own rusage, which has no such inheritance.
func runMeasured(bin string, env []string, args ...string) runResult {
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "NO_COLOR=1",
		passwordEnv + "=" + benchPassword}, env...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	start := time.Now()
	err := cmd.Start()
	var r runResult
	if err == nil {
		done := make(chan struct{})
		peak := make(chan int64)
		go func() {
			var hwm int64
			t := time.NewTicker(pollEvery)
			defer t.Stop()
			for {
				hwm = max(hwm, vmHWM(cmd.Process.Pid))
				select {
				case <-done:
					peak <- hwm
					return
				case <-t.C:
				}
			}
		}()
		err = cmd.Wait()
		r.wall = time.Since(start)
		close(done)
		r.maxRSSKB = <-peak
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.exit = ee.ExitCode()
	} else if err != nil {
		r.exit = -1
		se.WriteString(err.Error())
	}
	r.stdout, r.stderr = so.String(), se.String()
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return r
}

// pollEvery is how often the peak RSS of a measured process is sampled.
const pollEvery = 2 * time.Millisecond

// vmHWM is the VmHWM of pid in KiB, 0 when it cannot be read (the process
// has exited; cmd.Start returns only after the exec, so the memory read
// is never this process's).
func vmHWM(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb
		}
	}
	return 0
}

func printResults(w io.Writer, cfg config, rows []measurement, total time.Duration) {
	fmt.Fprintf(w, "\n### Machine\n\n")
	fmt.Fprintf(w, "- %s\n", machine())
	fmt.Fprintf(w, "- exreconcile and exsim built from %s\n", cfg.rev)
	fmt.Fprintf(w, "- exsim --latency %s, HTTPS + NTLM, one exsim process, exreconcile --parallel %d, baseline %d objects at once, %d run(s) per scenario (median wall time)\n",
		cfg.latency, cfg.parallel, cfg.parallel, cfg.repeat)
	fmt.Fprintf(w, "- total benchmark time %s\n\n", total.Round(time.Second))
	fmt.Fprintf(w, "| N | scenario | tool | wall time | WinRM commands | per server (avg / max) | sessions per server | changes | peak RSS | CPU user+sys | vs baseline (commands / time) |\n")
	fmt.Fprintf(w, "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
	base := map[string]measurement{}
	for _, m := range rows {
		if m.Tool == "baseline" {
			base[fmt.Sprint(m.N, m.Scenario)] = m
		}
	}
	for _, m := range rows {
		wall := fmtDur(m.wall())
		if len(m.Walls) > 1 {
			s := slices.Clone(m.Walls)
			slices.Sort(s)
			wall += fmt.Sprintf(" (%s–%s)", fmtDur(s[0]), fmtDur(s[len(s)-1]))
		}
		ratio := ""
		if b, ok := base[fmt.Sprint(m.N, m.Scenario)]; ok && m.Tool != "baseline" && b.Commands > 0 {
			ratio = fmt.Sprintf("%.3f / %.2f (%.1f× fewer commands, %.1f× faster)",
				float64(m.Commands)/float64(b.Commands), m.wall().Seconds()/b.wall().Seconds(),
				float64(b.Commands)/float64(m.Commands), b.wall().Seconds()/m.wall().Seconds())
		}
		fmt.Fprintf(w, "| %d | %s | %s | %s | %d | %.2f / %d (%s) | %.2f | %d | %.1f MiB | %s | %s |\n",
			m.N, m.Scenario, m.Tool, wall, m.Commands, float64(m.Commands)/float64(m.N), m.PerMax, m.PerMaxAt,
			float64(m.Sessions)/float64(m.N), m.Changes, float64(m.MaxRSSKB)/1024, fmtDur(m.CPU), ratio)
	}
	fmt.Fprintf(w, "\nReproduce: `go run ./hack/bench -servers %s -latency %s -parallel %d -repeat %d`\n",
		joinInts(cfg.servers), cfg.latency, cfg.parallel, cfg.repeat)
}

func fmtDur(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func joinInts(ns []int) string {
	var s []string
	for _, n := range ns {
		s = append(s, strconv.Itoa(n))
	}
	return strings.Join(s, ",")
}

// machine describes where the numbers were taken.
func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "unknown memory"
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
					mem = fmt.Sprintf("%.1f GiB RAM", float64(kb)/1024/1024)
				}
			}
		}
	}
	kernel := ""
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = ", Linux " + strings.TrimSpace(string(data))
	}
	return fmt.Sprintf("%d CPUs (nproc), %s, %s, %s %s/%s%s, %s", runtime.NumCPU(), model, mem,
		runtime.Version(), runtime.GOOS, runtime.GOARCH, kernel, time.Now().UTC().Format("2006-01-02 15:04 UTC"))
}

// revision is the commit of the module root, "+dirty" when the tree differs.
func revision(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "an unknown revision (not a git checkout)"
	}
	rev := "commit " + strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		rev += " with uncommitted changes"
	}
	return rev
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
