package v1alpha1

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// diagLines renders Diagnostics in their text form, for comparisons.
func diagLines(ds Diagnostics) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

func TestLoadSources(t *testing.T) {
	site := filepath.Join("testdata", "site")
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "README.md"), []byte("no manifests"), 0o644); err != nil {
		t.Fatal(err)
	}
	org := filepath.Join(site, "org.yaml")
	stdinDoc := send("from stdin", `{addressSpaces: [vanarts.com]}`)
	cases := map[string]struct {
		reason string
		paths  []string
		stdin  string
		names  []string
		diags  []string
	}{
		"Folder": {
			reason: "A folder is searched recursively for *.yaml and *.yml in sorted order; dot folders and other files are skipped.",
			paths:  []string{site},
			names:  []string{"From-canoe.com", "To-canoe.com", "work-com"},
		},
		"FileAndFolderOverlap": {
			reason: "A file reached twice is read once, so its objects are not duplicates of themselves.",
			paths:  []string{org, site},
			names:  []string{"work-com", "From-canoe.com", "To-canoe.com"},
		},
		"Stdin": {
			reason: "- reads stdin, which can join files.",
			paths:  []string{org, "-"},
			stdin:  stdinDoc,
			names:  []string{"work-com", "from stdin"},
		},
		"StdinTwice": {
			reason: "stdin can be read once.",
			paths:  []string{org, "-", "-"},
			stdin:  stdinDoc,
			names:  []string{"work-com", "from stdin"},
			diags:  []string{"-: stdin (-) is given more than once"},
		},
		"Missing": {
			reason: "A path that does not exist is an error naming it.",
			paths:  []string{org, filepath.Join("testdata", "nope.yaml")},
			names:  []string{"work-com"},
			diags:  []string{"testdata/nope.yaml: cannot read: no such file or directory"},
		},
		"EmptyFolder": {
			reason: "A folder without manifests is probably a wrong path: warn, and fail when nothing at all is loaded.",
			paths:  []string{empty},
			diags: []string{
				"no objects found in " + empty,
				empty + ": warning: no *.yaml or *.yml files in this folder",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s, ds := Loader{Stdin: strings.NewReader(tc.stdin)}.Load(tc.paths...)
			var names []string
			for _, o := range s.Objects {
				names = append(names, o.GetName())
			}
			if diff := cmp.Diff(tc.names, names); diff != "" {
				t.Errorf("\nReason: %s\nobjects: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.diags, diagLines(ds)); diff != "" {
				t.Errorf("\nReason: %s\ndiagnostics: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestLoadFolderValid(t *testing.T) {
	s, ds := Loader{}.LoadAndValidate(filepath.Join("testdata", "site"))
	if len(ds) != 0 {
		t.Fatalf("testdata/site: %v", diagLines(ds))
	}
	rc := s.ReceiveConnectors()[0]
	if got := s.Organization(rc); got == nil || got.Name != "work-com" {
		t.Errorf("Organization(receive connector) = %v, want work-com (the only one declared)", got)
	}
	file, pos := s.Source(rc)
	if want := filepath.Join("testdata", "site", "connectors", "receive.yaml"); file != want || pos.Line != 1 {
		t.Errorf("Source() = %s:%d, want %s:1", file, pos.Line, want)
	}
	if got, want := s.Path(rc, "certs/a.pfx"), filepath.Join("testdata", "site", "connectors", "certs", "a.pfx"); got != want {
		t.Errorf("Path() = %s, want %s (relative to the manifest)", got, want)
	}
	if got := s.Resolver(rc).BaseDir; got != filepath.Join("testdata", "site", "connectors") {
		t.Errorf("Resolver().BaseDir = %s", got)
	}
}

// TestLoadReadsNoSecret checks that loading and validating never touch passwordFrom sources:
// the environment variable is unset and the file does not exist, yet the manifests are valid.
func TestLoadReadsNoSecret(t *testing.T) {
	os.Unsetenv("EXRECONCILE_PASSWORD")
	_, ds := Parse("a.yaml", []byte(testOrg+"---\n"+send("x", `{addressSpaces: [canoe.com], dnsRoutingEnabled: false, smartHosts: [relay.canoe.com],
  smartHostAuthMechanism: BasicAuth, authenticationCredential: {username: u, passwordFrom: {file: /nonexistent/secret}}}`)))
	if len(ds) != 0 {
		t.Errorf("diagnostics: %v", diagLines(ds))
	}
}

func TestDecode(t *testing.T) {
	s, ds := Parse("a.yaml", []byte(testOrg+"---\n"+`apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata: {name: x, labels: {app.kubernetes.io/part-of: mail}}
spec:
  addressSpaces: ["SMTP:canoe.com;1", "*.vanarts.com;5"]
  requireTLS: ~
  sourceTransportServers: []
  tlsAuthLevel: domainvalidation
  ensure: present
  port: 0x1A
  maxMessageSize: 10485760
  comment: ""
`))
	if len(ds) != 0 {
		t.Fatalf("diagnostics: %v", diagLines(ds))
	}
	sc := s.SendConnectors()[0]
	got := sc.Spec
	if got.RequireTLS != nil {
		t.Errorf("requireTLS: ~ must leave the field unmanaged, got %v", *got.RequireTLS)
	}
	if got.SourceTransportServers == nil || len(got.SourceTransportServers) != 0 {
		t.Errorf("sourceTransportServers: [] must be managed and empty, got %#v", got.SourceTransportServers)
	}
	if got.DNSRoutingEnabled != nil || got.SmartHosts != nil {
		t.Errorf("fields left out must stay nil")
	}
	if *got.TLSAuthLevel != TLSAuthDomainValidation || got.Ensure != EnsurePresent {
		t.Errorf("enums must be canonical: tlsAuthLevel %q, ensure %q", *got.TLSAuthLevel, got.Ensure)
	}
	if *got.Port != 26 || got.MaxMessageSize.Bytes != 10<<20 || *got.Comment != "" {
		t.Errorf("port %d, maxMessageSize %v, comment %q", *got.Port, got.MaxMessageSize, *got.Comment)
	}
	if got.AddressSpaces[1].String() != "SMTP:*.vanarts.com;5" {
		t.Errorf("addressSpaces[1] = %s", got.AddressSpaces[1])
	}
	if sc.Labels["app.kubernetes.io/part-of"] != "mail" {
		t.Errorf("labels = %v", sc.Labels)
	}
	org := s.origins[sc]
	for path, want := range map[string]Position{
		"spec.addressSpaces":    {Line: 15, Column: 3},  // a list: its key
		"spec.addressSpaces[1]": {Line: 15, Column: 39}, // an element: its value
		"spec.port":             {Line: 20, Column: 9},
		"spec.tlsDomain":        {Line: 14, Column: 1}, // absent: where it belongs
		"metadata.name":         {Line: 13, Column: 18},
	} {
		if got := org.position(path); got != want {
			t.Errorf("position(%s) = %v, want %v", path, got, want)
		}
	}
}

func TestDefaults(t *testing.T) {
	s, ds := Parse("a.yaml", []byte(testOrg+"---\n"+send("s", `{addressSpaces: [canoe.com]}`)+"---\n"+
		receive("r", `{server: WIN20081}`)+"---\n"+cert("c", `{thumbprint: "`+thumb+`"}`)+"---\n"+
		cert("d", `{thumbprint: "`+strings.Repeat("A", 40)+`", servers: [EDGE1]}`)))
	if len(ds) != 0 {
		t.Fatalf("diagnostics: %v", diagLines(ds))
	}
	o := s.Organizations()[0]
	want := ExchangeOrganizationSpec{
		Servers: []Server{
			{Name: "WIN20081", FQDN: "win20081.work.com", Endpoint: "https://win20081.work.com:5986/wsman", Role: RoleMailbox},
			{Name: "WIN20082", FQDN: "win20082.work.com", Endpoint: "https://win20082.work.com:5986/wsman", Role: RoleMailbox},
			{Name: "EDGE1", FQDN: "edge1.work.com", Endpoint: "https://edge1.work.com:5986/wsman", Role: RoleEdge},
		},
		Auth:                    &OrganizationAuth{Method: AuthNTLM, Username: `WORK\svc`, PasswordFrom: &PasswordFrom{Env: "EXRECONCILE_PASSWORD"}},
		Session:                 SessionAuto,
		RestartTransportService: RestartNever,
	}
	if diff := cmp.Diff(want, o.Spec); diff != "" {
		t.Errorf("organization defaults: -want, +got:\n%s", diff)
	}
	if s.SendConnectors()[0].Spec.Ensure != EnsurePresent || s.ReceiveConnectors()[0].Spec.Ensure != EnsurePresent {
		t.Error("ensure must default to Present")
	}
	certs := s.ExchangeCertificates()
	if diff := cmp.Diff([]string{"WIN20081", "WIN20082"}, certs[0].Spec.Servers); diff != "" {
		t.Errorf("certificate servers default to the Mailbox servers: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"EDGE1"}, certs[1].Spec.Servers); diff != "" {
		t.Errorf("declared certificate servers are kept: -want, +got:\n%s", diff)
	}
	if SessionAuto.For(RoleEdge) != SessionSnapIn || SessionAuto.For(RoleMailbox) != SessionRemotePowerShell || SessionSnapIn.For(RoleMailbox) != SessionSnapIn {
		t.Error("SessionMode.For picks the wrong session")
	}
}

func TestSyntaxErrorsExplained(t *testing.T) {
	tests := []struct {
		name, reason, doc, want string
		col                     int
	}{
		{name: "Tab", reason: "a tab in the indentation is named, with its column", col: 1,
			doc: "kind: SendConnector\nmetadata:\n\tname: x\n", want: "replace the tab with spaces"},
		{name: "Backslash", reason: "DOMAIN\\user in double quotes is an escape: say so", col: 16,
			doc: "kind: ExchangeOrganization\nusername: \"WORK\\svc\"\n", want: "use single quotes for DOMAIN\\user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Parse("site.yaml", []byte(tt.doc))
			if len(diags) == 0 {
				t.Fatalf("no diagnostic\nreason: %s", tt.reason)
			}
			d := diags[0]
			if !strings.Contains(d.Message, tt.want) || d.Column != tt.col {
				t.Errorf("diagnostic %+v, want column %d and %q\nreason: %s", d, tt.col, tt.want, tt.reason)
			}
		})
	}
}
