package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
)

const orgManifest = `apiVersion: exreconcile.io/v1alpha1
kind: ExchangeOrganization
metadata: {name: work-com}
spec:
  servers:
    - {name: WIN20081, endpoint: "%s"}
  allowUnencrypted: %t
  auth: {username: 'WORK\svc', passwordFrom: {env: EXRECONCILE_PASSWORD}}
`

const sendManifest = `---
apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata: {name: to canoe.com}
spec:
  addressSpaces: [%s]
`

// site writes a manifest file and returns its path.
func site(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "site.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var (
	validSite   = fmt.Sprintf(orgManifest, "https://win20081.work.com:5986/wsman", false) + fmt.Sprintf(sendManifest, "canoe.com")
	invalidSite = fmt.Sprintf(orgManifest, "https://win20081.work.com:5986/wsman", false) + fmt.Sprintf(sendManifest, `canoe.com, "*canoe.com"`)
	warningSite = fmt.Sprintf(orgManifest, "https://win20081.work.com:5986/wsman", false) +
		"---\napiVersion: exreconcile.io/v1alpha1\nkind: ReceiveConnector\nmetadata: {name: Default WIN20081}\nspec: {server: WIN20081, fqdn: mail.work.com}\n"
)

// result is what one in-process run of the CLI produced.
type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, stdin string, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, streams{in: strings.NewReader(stdin), out: &out, err: &errOut},
		func(k string) string { return env[k] })
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func TestValidateExitCodes(t *testing.T) {
	valid, invalid, warning := site(t, validSite), site(t, invalidSite), site(t, warningSite)
	cases := map[string]struct {
		reason     string
		args       []string
		stdin      string
		code       int
		stderrHas  []string
		stdoutHas  []string
		stdoutNone bool
	}{
		"Valid": {
			reason: "Valid manifests exit 0 with a summary on stderr and nothing on stdout.",
			args:   []string{"validate", "-f", valid}, code: 0,
			stderrHas: []string{"valid: 0 errors, 0 warnings in 2 objects"}, stdoutNone: true,
		},
		"Invalid": {
			reason: "Invalid manifests exit 1 and every problem is on stderr with file:line:col and field path.",
			args:   []string{"validate", "-f", invalid}, code: 1,
			stderrHas:  []string{invalid + `:14:30: SendConnector "to canoe.com": spec.addressSpaces[1]: invalid address space "*canoe.com"`, "invalid: 1 error"},
			stdoutNone: true,
		},
		"WarningsOnly": {
			reason: "Warnings are printed but do not fail validation.",
			args:   []string{"validate", "-f", warning}, code: 0,
			stderrHas: []string{"warning: ReceiveConnector \"Default WIN20081\": spec.fqdn", "valid: 0 errors, 1 warning"},
		},
		"SeveralFiles": {
			reason: "Several -f are loaded together; the same send connector in two files is a duplicate.",
			args:   []string{"validate", "-f", valid, "-f", site(t, fmt.Sprintf(sendManifest, "canoe.com"))}, code: 1,
			stderrHas: []string{"is declared more than once"},
		},
		"Stdin": {
			reason: "-f - reads stdin.",
			args:   []string{"validate", "-f", "-"}, stdin: validSite, code: 0,
			stderrHas: []string{"valid: 0 errors, 0 warnings in 2 objects"},
		},
		"NoFiles": {
			reason: "validate without -f says how to call it.",
			args:   []string{"validate"}, code: 1,
			stderrHas: []string{"no manifests given; use -f"},
		},
		"MissingFile": {
			reason: "An unreadable path is an invalid manifest set.",
			args:   []string{"validate", "-f", filepath.Join(t.TempDir(), "nope.yaml")}, code: 1,
			stderrHas: []string{"cannot read: no such file or directory"},
		},
		"BadOutput": {
			reason: "-o lists the formats.",
			args:   []string{"validate", "-f", valid, "-o", "xml"}, code: 1,
			stderrHas: []string{"allowed values are text, json, yaml"},
		},
		"UnknownFlag": {
			reason: "Usage errors exit 1.",
			args:   []string{"validate", "--nope"}, code: 1,
			stderrHas: []string{"unknown flag: --nope"},
		},
		"Verbose": {
			reason: "-v logs debug lines (logr V(1)) on stderr.",
			args:   []string{"-v", "validate", "-f", valid}, code: 0,
			stderrHas: []string{"level=DEBUG", "validated manifests", "objects=2"},
		},
		"Quiet": {
			reason: "Without -v there are no debug lines.",
			args:   []string{"validate", "-f", valid}, code: 0,
			stdoutNone: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := runCLI(t, tc.stdin, nil, tc.args...)
			if r.code != tc.code {
				t.Errorf("\nReason: %s\nexit code = %d, want %d\nstderr:\n%s", tc.reason, r.code, tc.code, r.stderr)
			}
			for _, s := range tc.stderrHas {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("\nReason: %s\nstderr lacks %q:\n%s", tc.reason, s, r.stderr)
				}
			}
			if tc.stdoutNone && r.stdout != "" {
				t.Errorf("\nReason: %s\nstdout = %q, want nothing", tc.reason, r.stdout)
			}
			if name == "Quiet" && strings.Contains(r.stderr, "DEBUG") {
				t.Errorf("\nReason: %s\nstderr has debug lines:\n%s", tc.reason, r.stderr)
			}
		})
	}
}

func TestValidateJSON(t *testing.T) {
	cases := map[string]struct {
		reason string
		site   string
		code   int
		want   v1alpha1.Report
	}{
		"Invalid": {
			reason: "-o json prints the diagnostics as one JSON document on stdout; the exit code still says invalid.",
			site:   invalidSite, code: 1,
			want: v1alpha1.Report{Valid: false, Errors: 1, Objects: 2, Diagnostics: v1alpha1.Diagnostics{{
				Severity: v1alpha1.SeverityError, Line: 14, Column: 30, Kind: "SendConnector", Name: "to canoe.com",
				Path: "spec.addressSpaces[1]", Rule: "Field",
			}}},
		},
		"Valid": {
			reason: "A valid set is a report with valid true and an empty list.",
			site:   validSite, code: 0,
			want: v1alpha1.Report{Valid: true, Objects: 2, Diagnostics: v1alpha1.Diagnostics{}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := site(t, tc.site)
			r := runCLI(t, "", nil, "validate", "-f", path, "-o", "json")
			if r.code != tc.code {
				t.Errorf("\nReason: %s\nexit code = %d, want %d", tc.reason, r.code, tc.code)
			}
			var got v1alpha1.Report
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("stdout is not a JSON report: %v\n%s", err, r.stdout)
			}
			for i := range got.Diagnostics {
				if got.Diagnostics[i].File != path || got.Diagnostics[i].Message == "" {
					t.Errorf("diagnostic %d: file %q, message %q", i, got.Diagnostics[i].File, got.Diagnostics[i].Message)
				}
				got.Diagnostics[i].File, got.Diagnostics[i].Message = "", ""
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\nReason: %s\nreport: -want, +got:\n%s", tc.reason, diff)
			}
			if r.stderr != "" {
				t.Errorf("stderr = %q, want nothing with -o json", r.stderr)
			}
		})
	}
	r := runCLI(t, "", nil, "validate", "-f", site(t, invalidSite), "-o", "yaml")
	var got v1alpha1.Report
	if err := yaml.Unmarshal([]byte(r.stdout), &got); err != nil || got.Valid || got.Errors != 1 || r.code != 1 {
		t.Errorf("-o yaml: code %d, report %+v, err %v", r.code, got, err)
	}
}

// TestValidateOpensNoConnection declares a server whose endpoint is a listener of this test and
// checks that validate never connects to it: validation is offline.
func TestValidateOpensNoConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	endpoint := "http://" + ln.Addr().String() + "/wsman"
	path := site(t, fmt.Sprintf(orgManifest, endpoint, true)+fmt.Sprintf(sendManifest, "canoe.com"))
	if r := runCLI(t, "", nil, "validate", "-f", path); r.code != 0 {
		t.Fatalf("validate: exit %d\n%s", r.code, r.stderr)
	}
	select {
	case c := <-accepted:
		c.Close()
		t.Error("validate connected to the declared endpoint")
	case <-time.After(100 * time.Millisecond):
	}
}

func TestColor(t *testing.T) {
	a := &app{getenv: func(k string) string { return map[string]string{"NO_COLOR": "1"}[k] }}
	if a.color(os.Stderr) {
		t.Error("NO_COLOR set: no colour, even on a terminal")
	}
	a.getenv = func(string) string { return "" }
	if a.color(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal: no colour")
	}
	var b bytes.Buffer
	writeDiagnostics(&b, v1alpha1.NewReport(v1alpha1.Diagnostics{{Severity: v1alpha1.SeverityWarning, Message: "w"}}, 1), true)
	if !strings.Contains(b.String(), ansiYellow+"warning: w"+ansiReset) {
		t.Errorf("coloured output = %q", b.String())
	}
	b.Reset()
	writeDiagnostics(&b, v1alpha1.NewReport(nil, 1), false)
	if strings.Contains(b.String(), "\x1b[") {
		t.Errorf("uncoloured output has escapes: %q", b.String())
	}
}

func TestVersion(t *testing.T) {
	r := runCLI(t, "", nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "exreconcile dev (") || !strings.Contains(r.stdout, "go1.") {
		t.Errorf("version: exit %d, stdout %q", r.code, r.stdout)
	}
	r = runCLI(t, "", nil, "version", "-o", "json")
	var v versionInfo
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Version != "dev" || v.GoVersion == "" || v.Platform == "" {
		t.Errorf("version -o json: %v %+v", err, v)
	}
	old := version
	defer func() { version = old }()
	version = "v1.2.3"
	if r := runCLI(t, "", nil, "version"); !strings.HasPrefix(r.stdout, "exreconcile v1.2.3 ") {
		t.Errorf("the ldflags version must show: %q", r.stdout)
	}
}

func TestMachineOutputWhenValidationFails(t *testing.T) {
	for _, mode := range []string{"plan", "apply", "diff"} {
		t.Run(mode, func(t *testing.T) {
			r := runCLI(t, "", nil, mode, "-f", site(t, invalidSite), "-o", "json")
			if r.code != 1 {
				t.Errorf("exit code %d, want 1", r.code)
			}
			var got struct {
				APIVersion  string                `json:"apiVersion"`
				Kind        string                `json:"kind"`
				Diagnostics []v1alpha1.Diagnostic `json:"diagnostics"`
				Summary     struct {
					Outcomes map[string]int `json:"outcomes"`
					Changes  bool           `json:"changes"`
					Failed   bool           `json:"failed"`
				} `json:"summary"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("stdout is not a JSON report: %v\n%s\nreason: -o json prints a report even when the run stops at validation", err, r.stdout)
			}
			if got.Kind != "Report" || len(got.Diagnostics) != 1 || got.Diagnostics[0].Line != 14 || got.Diagnostics[0].Path != "spec.addressSpaces[1]" ||
				!got.Summary.Failed || got.Summary.Changes || len(got.Summary.Outcomes) != 8 {
				t.Errorf("report %+v\nreason: the diagnostics (line, field) and a failed summary with every outcome counted", got)
			}
		})
	}
}
