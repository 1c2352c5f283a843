package exchange

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exreconcile/exreconcile/exchange/value"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.ps1.golden")

// goldenCase is one generated script kept as testdata/<name>.ps1.golden, so
// a reviewer sees the exact PowerShell in the diff.
type goldenCase struct {
	name    string
	version Version
	script  func(t *testing.T) *Script
}

// Targets the golden scripts run against.
func mailbox(v Version) Target {
	return Target{Name: "WIN20081", FQDN: "win20081.work.com", Role: RoleMailbox, Version: v,
		Username: `WORK\svc-exreconcile`, Password: "Pa'ss-w0rd"}
}

func edge(v Version) Target {
	return Target{Name: "WIN20083", FQDN: "win20083.work.com", Role: RoleEdge, Version: v}
}

var allReads = Reads{Organization: true, ReceiveConnectors: true, Certificates: true}

func observeCase(name string, t Target, reads Reads) goldenCase {
	return goldenCase{name: name, version: t.Version, script: func(tb *testing.T) *Script {
		s, err := ObserveScript(ObserveRequest{Target: t, Reads: reads})
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}}
}

func applyCase(name string, t Target, calls func(tb *testing.T) []Call) goldenCase {
	return goldenCase{name: name, version: t.Version, script: func(tb *testing.T) *Script {
		s, err := ApplyScript(ApplyRequest{Target: t, Calls: calls(tb)})
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}}
}

func must[T any](tb *testing.T) func(T, error) T {
	return func(v T, err error) T {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return v
	}
}

func addressSpaces(tb *testing.T, ss ...string) []value.AddressSpace {
	var out []value.AddressSpace
	for _, s := range ss {
		out = append(out, must[value.AddressSpace](tb)(value.ParseAddressSpace(s)))
	}
	return out
}

func bindings(tb *testing.T, ss ...string) []value.IPBinding {
	var out []value.IPBinding
	for _, s := range ss {
		out = append(out, must[value.IPBinding](tb)(value.ParseIPBinding(s)))
	}
	return out
}

func ranges(tb *testing.T, ss ...string) []value.IPRange {
	var out []value.IPRange
	for _, s := range ss {
		out = append(out, must[value.IPRange](tb)(value.ParseIPRange(s)))
	}
	return out
}

func smartHosts(tb *testing.T, ss ...string) []value.SmartHost {
	var out []value.SmartHost
	for _, s := range ss {
		out = append(out, must[value.SmartHost](tb)(value.ParseSmartHost(s)))
	}
	return out
}

// goldenCases covers every script variant: observe per role, session mode,
// version and reads; apply per action kind.
func goldenCases() []goldenCase {
	return append([]goldenCase{
		observeCase("observe-mailbox-2019-org", mailbox(Exchange2019), allReads),
		observeCase("observe-mailbox-unknown-server", mailbox(VersionUnknown), Reads{ReceiveConnectors: true, Certificates: true}),
		observeCase("observe-mailbox-2010-snapin", func() Target { t := mailbox(Exchange2010); t.Session = SessionSnapIn; return t }(), allReads),
		observeCase("observe-edge-unknown", edge(VersionUnknown), Reads{ReceiveConnectors: true, Certificates: true}),
		observeCase("observe-edge-2016", edge(Exchange2016), Reads{ReceiveConnectors: true, Certificates: true}),
		observeCase("observe-edge-2010", edge(Exchange2010), Reads{ReceiveConnectors: true, Certificates: true}),
		// restartTransportService: OnChange reads the transport services and the connectors' WhenChangedUTC.
		observeCase("observe-mailbox-2019-services", mailbox(Exchange2019), Reads{Organization: true, ReceiveConnectors: true, Certificates: true, TransportServices: true}),
		observeCase("observe-edge-2010-services", edge(Exchange2010), Reads{Organization: true, ReceiveConnectors: true, Certificates: true, TransportServices: true}),
		applyCase("apply-new-sendconnector-smarthost", mailbox(Exchange2019), func(tb *testing.T) []Call {
			// Seed 000: smart host with Basic auth over required TLS.
			return []Call{must[Call](tb)(NewSendConnector(Exchange2019, "To SSHA Smart Host", "Custom", SendConnectorSpec{
				AddressSpaces:            addressSpaces(tb, "*"),
				SmartHosts:               smartHosts(tb, "142.46.226.22"),
				SmartHostAuthMechanism:   ptr("BasicAuth"),
				AuthenticationCredential: &CredentialSpec{Username: "ssha-relay", Password: "smart-host-pw"},
				RequireTLS:               ptr(true),
				TlsAuthLevel:             ptr("CertificateValidation"),
				SourceTransportServers:   []string{"WIN20081"},
				MaxMessageSize:           &value.ByteSize{Bytes: 10 << 20},
				Comment:                  ptr("managed by exreconcile: O'Brien's relay"),
			}))}
		}),
		applyCase("apply-new-sendconnector-partner", mailbox(Exchange2010), func(tb *testing.T) []Call {
			// Seed 001: partner connector, port 26, domain secured.
			return []Call{must[Call](tb)(NewSendConnector(Exchange2010, "To-canoe.com", "Partner", SendConnectorSpec{
				AddressSpaces:          addressSpaces(tb, "SMTP:canoe.com;1"),
				DNSRoutingEnabled:      ptr(true),
				Port:                   ptr(26),
				DomainSecureEnabled:    ptr(true),
				SourceTransportServers: []string{"WIN20081"},
			}))}
		}),
		applyCase("apply-set-sendconnector", mailbox(Exchange2019), func(tb *testing.T) []Call {
			cur := &ObservedSendConnector{Name: "To-canoe.com", DNSRoutingEnabled: false,
				SmartHosts: smartHosts(tb, "relay.canoe.com"), IgnoreSTARTTLS: true, TlsAuthLevel: ""}
			return []Call{must[Call](tb)(SetSendConnector(Exchange2019, "To-canoe.com", SendConnectorSpec{
				SmartHostAuthMechanism: ptr("None"),
				RequireTLS:             ptr(true),
				TlsCertificateName:     ptr("<I>CN=Work CA, DC=work, DC=com<S>CN=win20081.work.com"),
				AddressSpaces:          addressSpaces(tb, "canoe.com;20", "*.canoe.com"),
			}, cur))}
		}),
		applyCase("apply-remove-sendconnector", mailbox(Exchange2016), func(tb *testing.T) []Call {
			return []Call{RemoveSendConnector("Old ISP relay")}
		}),
		applyCase("apply-new-receiveconnector", mailbox(Exchange2019), func(tb *testing.T) []Call {
			// Seed 001: Internet usage with bindings; the RemoteIPRanges the
			// Internet usage refuses at creation follow in a Set call.
			return must[[]Call](tb)(NewReceiveConnector(Exchange2019, "WIN20081", "From-canoe.com", "Internet", ReceiveConnectorSpec{
				Bindings:         bindings(tb, "191.121.0.200:26"),
				RemoteIPRanges:   ranges(tb, "191.121.111.200", "10.0.0.0/30"),
				Fqdn:             ptr("win20081.work.com"),
				AuthMechanism:    ptr(value.AuthTls),
				PermissionGroups: ptr(value.PermissionAnonymousUsers | value.PermissionExchangeServers),
				TransportRole:    ptr("FrontendTransport"),
				Banner:           ptr("220 Zürich relay"),
			}))
		}),
		applyCase("apply-set-receiveconnector", mailbox(Exchange2013), func(tb *testing.T) []Call {
			auth := must[value.AuthMechanisms](tb)(value.ParseAuthMechanisms("Tls, Integrated, BasicAuth"))
			return []Call{must[Call](tb)(SetReceiveConnector(Exchange2013, `WIN20081\Default WIN20081`, ReceiveConnectorSpec{
				AuthMechanism:       &auth,
				RequireTLS:          ptr(true),
				DomainSecureEnabled: ptr(true),
				MaxMessageSize:      &value.ByteSize{Bytes: 36 << 20},
				Comment:             ptr(""),
			}))}
		}),
		applyCase("apply-remove-receiveconnector", mailbox(Exchange2019), func(tb *testing.T) []Call {
			return []Call{RemoveReceiveConnector(`WIN20081\From-canoe.com`)}
		}),
		applyCase("apply-set-transportconfig", mailbox(Exchange2019), func(tb *testing.T) []Call {
			return []Call{
				must[Call](tb)(SetTransportConfig(Exchange2019, TransportConfigChange{
					TLSSendDomainSecureList:    AddRemoveList([]string{"canoe.com"}, []string{"old.example"}),
					TLSReceiveDomainSecureList: AddRemoveList([]string{"canoe.com", "fabrikam.com"}, nil),
				})),
				must[Call](tb)(SetTransportConfig(Exchange2019, TransportConfigChange{
					TLSSendDomainSecureList: ReplaceList(nil),
				})),
			}
		}),
		applyCase("apply-import-enable-certificate", mailbox(Exchange2019), func(tb *testing.T) []Call {
			pw := Secret("pfx-pass")
			smtp := value.ServiceSMTP
			return []Call{
				must[Call](tb)(ImportExchangeCertificate(Exchange2019, "WIN20081", []byte("not really a PFX, but bytes"),
					ImportOptions{Password: &pw, PrivateKeyExportable: ptr(false), FriendlyName: "win20081 2026"})),
				must[Call](tb)(EnableExchangeCertificate(Exchange2019, "WIN20081", "41137e14bfd2509e666148fa974c594f4f6ec3e0", smtp|value.ServiceIIS)),
				RestartTransportService(TransportServiceName),
			}
		}),
		applyCase("apply-restart-only", mailbox(Exchange2016), func(tb *testing.T) []Call {
			return []Call{RestartTransportService(TransportServiceName)}
		}),
		applyCase("apply-restart-frontend", mailbox(Exchange2016), func(tb *testing.T) []Call {
			return []Call{RestartTransportService(FrontEndTransportServiceName)}
		}),
		// A pending restart (restartTransportService: OnChange) runs alone; the verify
		// reads the services again, so the report sees the new process start.
		{name: "apply-restart-pending-verify-services", version: Exchange2019, script: func(tb *testing.T) *Script {
			s, err := ApplyScript(ApplyRequest{Target: mailbox(Exchange2019),
				Groups: []CallGroup{{Calls: []Call{RestartTransportService(FrontEndTransportServiceName)}}},
				Verify: &Reads{ReceiveConnectors: true, Certificates: true, TransportServices: true}})
			if err != nil {
				tb.Fatal(err)
			}
			return s
		}},
		applyCase("apply-edge-2010", edge(Exchange2010), func(tb *testing.T) []Call {
			return []Call{
				must[Call](tb)(SetReceiveConnector(Exchange2010, `WIN20083\Default internal receive connector WIN20083`, ReceiveConnectorSpec{
					PermissionGroups: ptr(value.PermissionAnonymousUsers | value.PermissionExchangeServers | value.PermissionPartners),
				})),
				must[Call](tb)(EnableExchangeCertificate(Exchange2010, "WIN20083", "76C00F8EDD81F1310BC00D511B66E4A3D349F541", value.ServiceSMTP)),
				RestartTransportService(TransportServiceName),
			}
		}),
	}, append(csrGoldenCases(), rotationGoldenCases()...)...)
}

func TestGoldenScripts(t *testing.T) {
	for _, gc := range goldenCases() {
		t.Run(gc.name, func(t *testing.T) {
			s := gc.script(t)
			got := s.Redacted()
			path := filepath.Join("testdata", gc.name+".ps1.golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./exchange -update)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s differs (-golden +generated), run go test ./exchange -update and review:\n%s", path, diff)
			}
		})
	}
}

// TestGoldenParams checks every (cmdlet, parameter) pair of every golden
// script against params.tsv for the script's version (and the built-in
// table for PowerShell's own commands), once from the recorded calls and
// once by lexing the golden text itself.
func TestGoldenParams(t *testing.T) {
	for _, gc := range goldenCases() {
		t.Run(gc.name, func(t *testing.T) {
			s := gc.script(t)
			for _, c := range s.Calls() {
				for _, p := range c.Params {
					checkPair(t, gc.version, c.Cmdlet, p.Name, "recorded call")
				}
			}
			for _, c := range lexCommands(t, s.Redacted()) {
				for _, p := range c.Params {
					checkPair(t, gc.version, c.Cmdlet, p.Name, "script text")
				}
			}
		})
	}
}

func checkPair(t *testing.T, v Version, cmdlet, param, where string) {
	t.Helper()
	if IsExchangeCmdlet(cmdlet) {
		if !ParamSupported(v, cmdlet, param) {
			t.Errorf("%s: %s -%s is not in params.tsv for Exchange %s", where, cmdlet, param, v)
		}
		return
	}
	allowed, ok := builtinParams[cmdlet]
	if !ok {
		t.Errorf("%s: %s is neither an Exchange cmdlet nor a known built-in", where, cmdlet)
		return
	}
	for _, a := range allowed {
		if strings.EqualFold(a, param) {
			return
		}
	}
	if param != "" {
		t.Errorf("%s: %s -%s is not an allowed parameter of the built-in", where, cmdlet, param)
	}
}

// TestGoldenLint applies the PowerShell 2.0 and straight-line rules to every
// golden script (the grammar check is hack/check-scripts.sh).
func TestGoldenLint(t *testing.T) {
	for _, gc := range goldenCases() {
		t.Run(gc.name, func(t *testing.T) {
			for _, problem := range lintScript(gc.script(t).Plaintext()) {
				t.Error(problem)
			}
		})
	}
}

// TestGoldenFilesHaveCases catches a golden file whose case was removed.
func TestGoldenFilesHaveCases(t *testing.T) {
	names := map[string]bool{}
	for _, gc := range goldenCases() {
		names[gc.name+".ps1.golden"] = true
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.ps1.golden"))
	for _, f := range files {
		if !names[filepath.Base(f)] {
			t.Errorf("%s has no golden case; delete it", f)
		}
	}
}
