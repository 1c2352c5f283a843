package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	yaml "go.yaml.in/yaml/v3"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	exsim "github.com/exreconcile/exreconcile/test/exsim/exchange"
	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

var update = flag.Bool("update", false, "rewrite testdata/plans/<example>.txt and .json from the current plans")

// The golden plans: for every folder of manifests/examples, what `plan -f
// <example>` and `plan -f <example> -o json` print against a freshly
// installed organisation (exsim in process: the default receive connectors
// and certificates of each server's version and role, no send connectors,
// empty domain-secure lists), on a fixed clock. A reviewer sees in the diff
// what a change does to the plan of every example.

// goldenNow is the clock of exsim and of the run.
var goldenNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// exampleVersions is the Exchange version an example's servers run, when it
// is not 2019 (the scenario the example comes from says which).
var exampleVersions = map[string]string{
	"onemail":          "2010", // seed 000: Exchange 2010
	"onemail-from-csr": "2010", // seed 000 from nothing: Exchange 2010
	"public-tls":       "2016", // seed 003: Exchange 2016
}

const goldenDir = "testdata/plans"

// fingerprint is the salt and hash of a credential marker (a random salt per
// run), masked in the goldens.
var fingerprint = regexp.MustCompile(`(scrypt\$\d+\$\d+\$\d+\$)[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+`)

func TestExamplePlans(t *testing.T) {
	root := filepath.Join("..", "..", "manifests", "examples")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		example := e.Name()
		t.Run(example, func(t *testing.T) {
			dir := copyExample(t, filepath.Join(root, example))
			// Files the example expects from its user (an issued
			// certificate, say), and manifests adapted to them.
			if overlay := filepath.Join(goldenDir, example+".files"); exists(overlay) {
				copyInto(t, overlay, dir)
			}
			provideSecrets(t, dir)
			version := exampleVersions[example]
			if version == "" {
				version = "2019"
			}
			for _, out := range []struct{ ext, flag string }{{"txt", ""}, {"json", "json"}} {
				args := []string{"plan", "-f", dir}
				if out.flag != "" {
					args = append(args, "-o", out.flag)
				}
				res := runInProcess(t, version, args...)
				got := res.stdout
				if got == "" {
					// The run stopped before a plan (a file the example
					// expects is missing: see <example>.files): that is
					// what the golden shows.
					got = fmt.Sprintf("exit %d\n%s", res.code, res.stderr)
					t.Logf("plan -f %s stopped before planning (exit %d); if it needs files its user provides, put them in %s.files/",
						example, res.code, filepath.Join(goldenDir, example))
				}
				// The copy's folder is where the files were read from; a
				// credential fingerprint has a random salt.
				got = strings.ReplaceAll(got, dir, "manifests/examples/"+example)
				got = fingerprint.ReplaceAllString(got, "${1}<salt>$$<hash>")
				compareGolden(t, filepath.Join(goldenDir, example+"."+out.ext), got)
			}
		})
	}
	if n == 0 {
		t.Fatal("no example folders found")
	}
	// A golden without its example is left over from a removed or renamed one.
	goldens, _ := filepath.Glob(filepath.Join(goldenDir, "*"))
	for _, g := range goldens {
		name := strings.TrimSuffix(filepath.Base(g), filepath.Ext(g))
		if filepath.Ext(g) == ".files" {
			name = strings.TrimSuffix(filepath.Base(g), ".files")
		}
		if _, err := os.Stat(filepath.Join(root, name)); err != nil {
			t.Errorf("%s has no example %s: remove it", g, name)
		}
	}
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s is missing: a new example needs its golden plan; run go test ./cmd/exreconcile -run TestExamplePlans -update and review it", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-golden +got); if the change is intended, run go test ./cmd/exreconcile -run TestExamplePlans -update and review:\n%s", path, diff)
	}
}

// copyExample copies the example folder, so that secret files can be put
// where it names them without touching the repository.
func copyExample(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	copyInto(t, src, dst)
	return dst
}

// copyInto copies the files of folder src into dst, replacing those there;
// a README.md of src is left out.
func copyInto(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if strings.HasSuffix(src, ".files") && rel == "README.md" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// provideSecrets gives every passwordFrom of the example a value: an
// environment variable is set, a missing relative file is written next to
// the manifest, an absolute path (a Kubernetes Secret's mount) is pointed
// at a temporary file in the copy.
func provideSecrets(t *testing.T, dir string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.y*ml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc any
			if err := dec.Decode(&doc); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			walkPasswordFrom(doc, func(env, file string) {
				switch {
				case env != "":
					t.Setenv(env, "Golden-Pw-"+env)
				case filepath.IsAbs(file):
					secret := filepath.Join(t.TempDir(), "secret")
					writeSecret(t, secret)
					text = strings.ReplaceAll(text, file, secret)
				case file != "":
					if p := filepath.Join(filepath.Dir(f), file); !exists(p) {
						writeSecret(t, p)
					}
				}
			})
		}
		if text != string(data) {
			if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func writeSecret(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("Golden-Pw-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// walkPasswordFrom calls f for every passwordFrom: {env|file} in a document.
func walkPasswordFrom(v any, f func(env, file string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if k == "passwordFrom" {
				if m, ok := val.(map[string]any); ok {
					env, _ := m["env"].(string)
					file, _ := m["file"].(string)
					f(env, file)
				}
				continue
			}
			walkPasswordFrom(val, f)
		}
	case []any:
		for _, it := range x {
			walkPasswordFrom(it, f)
		}
	}
}

// runInProcess runs the CLI with every server answered by an in-process
// exsim organisation (one per declared organisation, its servers freshly
// installed with version) on the fixed clock.
func runInProcess(t *testing.T, version string, args ...string) result {
	t.Helper()
	v, err := exsim.ParseVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	sims := &inProcessSims{version: v, orgs: map[string]*exsim.Org{}}
	var out, errOut bytes.Buffer
	a := &app{streams: streams{in: strings.NewReader(""), out: &out, err: &errOut},
		getenv: func(string) string { return "" }, connect: sims.connect, now: func() time.Time { return goldenNow }}
	root := newRootCommand(a)
	root.SetArgs(args)
	root.SetIn(a.in)
	root.SetOut(a.out)
	root.SetErr(a.err)
	// As run does: an error that is not an exit code is printed, exit 1.
	code := exitOK
	if err := root.ExecuteContext(context.Background()); err != nil {
		var ec exitCodeError
		if errors.As(err, &ec) {
			code = int(ec)
		} else {
			fmt.Fprintf(&errOut, "exreconcile: %v\n", err)
			code = exitError
		}
	}
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// inProcessSims builds one exsim organisation per declared one, when the
// run connects to its first server.
type inProcessSims struct {
	version exsim.Version
	mu      sync.Mutex
	orgs    map[string]*exsim.Org
}

func (s *inProcessSims) connect(org *v1alpha1.ExchangeOrganization, srv v1alpha1.Server, pw exchange.Secret) (exchange.Remote, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgs[org.Name]
	if o == nil {
		var specs []exsim.ServerSpec
		for _, x := range org.Spec.Servers {
			spec := exsim.ServerSpec{Name: x.Name, Version: s.version}
			if x.Role == v1alpha1.RoleEdge {
				spec.Role = exsim.Edge
			}
			specs = append(specs, spec)
		}
		var err error
		o, err = exsim.NewOrg(exsim.Options{Domain: orgDomain(org), Servers: specs, Clock: func() time.Time { return goldenNow }})
		if err != nil {
			return nil, fmt.Errorf("exsim for %s: %w", org.Name, err)
		}
		s.orgs[org.Name] = o
	}
	xs, ok := o.Server(srv.Name)
	if !ok {
		return nil, fmt.Errorf("exsim has no server %s", srv.Name)
	}
	t := exchange.Target{Name: srv.Name, FQDN: xs.FQDN(), Role: exchange.Role(srv.Role),
		Session: exchange.SessionMode(org.Spec.Session), Username: org.Spec.Auth.Username, Password: pw}
	runner := &inProcessRunner{org: o, server: srv.Name, user: org.Spec.Auth.Username, password: pw.Reveal()}
	return &goldenRemote{Server: exchange.NewServer(t, runner)}, nil
}

// orgDomain is the DNS domain of the first server: its FQDN, or its
// endpoint's host, without the first label.
func orgDomain(org *v1alpha1.ExchangeOrganization) string {
	host := org.Spec.Servers[0].FQDN
	if host == "" {
		if u, err := url.Parse(org.Spec.Servers[0].Endpoint); err == nil {
			host = u.Hostname()
		}
	}
	if i := strings.IndexByte(host, '.'); i > 0 {
		return host[i+1:]
	}
	return "example.org"
}

// inProcessRunner runs a script as a WinRM command would, on exsim's
// interpreter: the fixed command line, the script on stdin.
type inProcessRunner struct {
	org            *exsim.Org
	server         string
	user, password string
	mu             sync.Mutex
	commands       int
}

func (r *inProcessRunner) Run(ctx context.Context, s *exchange.Script) (*exchange.Result, error) {
	r.mu.Lock()
	r.commands++
	r.mu.Unlock()
	loader, err := r.org.Loader(r.server, r.user, r.password)
	if err != nil {
		return nil, err
	}
	cmds, err := r.org.HostCommands(r.server)
	if err != nil {
		return nil, err
	}
	stores, err := r.org.CertStores(r.server)
	if err != nil {
		return nil, err
	}
	xs, _ := r.org.Server(r.server)
	host := &ps.Host{Commands: cmds, ServerName: r.server, UserName: r.user, PSVersion: xs.PSVersion(), BufferWidth: 80,
		Codepage: 65001, Modules: loader, CertStores: stores}
	var stdout, stderr bytes.Buffer
	code := ps.Run(ctx, host, exchange.CommandLine(), bytes.NewReader(exchange.Stdin(s)), &stdout, &stderr)
	return &exchange.Result{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: code}, nil
}

// Commands counts the commands run, as the WinRM client does.
func (r *inProcessRunner) Commands() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.commands
}

// goldenRemote makes exsim's observation reproducible: its setup
// certificates get fresh keys and serial numbers in every process, so their
// thumbprints and serials are replaced by ones derived from what else the
// certificate shows.
type goldenRemote struct {
	*exchange.Server
}

func (g *goldenRemote) Observe(ctx context.Context, reads exchange.Reads) (*exchange.Observation, error) {
	obs, err := g.Server.Observe(ctx, reads)
	if obs != nil {
		for i := range obs.Certificates {
			c := &obs.Certificates[i]
			sum := sha1.Sum([]byte(c.Subject + "\x00" + c.Issuer + "\x00" + c.FriendlyName + "\x00" + c.NotBefore.String()))
			c.Thumbprint = strings.ToUpper(hex.EncodeToString(sum[:]))
			c.SerialNumber = strings.ToUpper(hex.EncodeToString(sum[:8]))
		}
	}
	return obs, err
}
