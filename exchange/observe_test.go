package exchange

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/exreconcile/exreconcile/exchange/value"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// frame wraps a ConvertTo-Xml document the way the observe script prints
// it, with the body broken every 80 characters as PowerShell 2.0 over WinRS
// does.
func frame(name, doc string) string {
	b64 := base64.StdEncoding.EncodeToString([]byte(doc))
	var lines []string
	for len(b64) > 80 {
		lines = append(lines, b64[:80])
		b64 = b64[80:]
	}
	lines = append(lines, b64)
	return beginMarker(name) + "\r\n" + strings.Join(lines, "\r\n") + "\r\n" + endMarker(name) + "\r\n"
}

// xmlDoc builds ConvertTo-Xml -As String -NoTypeInformation output (Windows
// PowerShell's declaration, two-space indent, CRLF) around objects.
func xmlDoc(objects ...string) string {
	if len(objects) == 0 {
		return "<?xml version=\"1.0\"?>\r\n<Objects />"
	}
	return "<?xml version=\"1.0\"?>\r\n<Objects>\r\n" + strings.Join(objects, "\r\n") + "\r\n</Objects>"
}

func object(props ...string) string {
	return "  <Object>\r\n    " + strings.Join(props, "\r\n    ") + "\r\n  </Object>"
}

func prop(name, text string) string {
	if text == "" {
		return `<Property Name="` + name + `" />`
	}
	return `<Property Name="` + name + `">` + text + `</Property>`
}

// items is a collection written item by item, ConvertTo-Xml's own shape.
func items(name string, vals ...string) string {
	if len(vals) == 0 {
		return `<Property Name="` + name + `" />`
	}
	s := `<Property Name="` + name + `">`
	for _, v := range vals {
		s += "\r\n      <Property>" + v + "</Property>"
	}
	return s + "\r\n    </Property>"
}

var server2019 = frame(serverFrame, xmlDoc(object(prop("Name", "WIN20081"), prop("Fqdn", "win20081.work.com"),
	prop("AdminDisplayVersion", "Version 15.2 (Build 986.5)"), prop("ServerRole", "Mailbox"), prop("IsEdgeServer", "False"))))

// The five receive connector property sets below are the real values of
// docs/exchange.md "Default receive connectors" (Exchange 2019) and seed 001 (Exchange 2007/2010 era).
var rcDefault = object(prop("Name", "Default WIN-CTD3L0RGEN4"), prop("Identity", `WIN-CTD3L0RGEN4\Default WIN-CTD3L0RGEN4`),
	prop("Server", "WIN-CTD3L0RGEN4"), items("Bindings", "0.0.0.0:2525", "[::]:2525"),
	items("RemoteIPRanges", "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0.0.0.0-255.255.255.255"),
	prop("Fqdn", "WIN-CTD3L0RGEN4.exlab.dom"), prop("AuthMechanism", "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"),
	prop("PermissionGroups", "ExchangeUsers, ExchangeServers, ExchangeLegacyServers"), prop("RequireTLS", "False"),
	prop("DomainSecureEnabled", "False"), prop("Enabled", "True"), prop("MaxMessageSize", "36 MB (37,748,736 bytes)"),
	prop("Banner", ""), prop("Comment", ""), prop("TransportRole", "HubTransport"), prop("TlsCertificateName", ""),
	prop("ProtocolLoggingLevel", "None"))

// rcDeserialised is the same kind of connector as a remote session may
// deliver it: enums as numbers, collections as one {a, b} text.
var rcDeserialised = object(prop("Name", "From-Canoe.com"), prop("Identity", `WIN20081\From-Canoe.com`),
	prop("Server", "WIN20081"), prop("Bindings", "{191.121.0.200:26}"), prop("RemoteIPRanges", "{191.121.111.200-191.121.111.200}"),
	prop("Fqdn", "win20081.work.com"), prop("AuthMechanism", "1"), prop("PermissionGroups", "15"),
	prop("RequireTLS", "False"), prop("DomainSecureEnabled", "True"), prop("Enabled", "True"),
	prop("MaxMessageSize", "10 MB (10,485,760 bytes)"), prop("Banner", ""), prop("Comment", "Zürich – ‘partner’ &amp; &lt;co&gt;"),
	prop("TransportRole", "32"), prop("TlsCertificateName", ""), prop("ProtocolLoggingLevel", "1"))

// rcWrapped has values written "as string with notes": the text is the
// first unnamed child.
var rcWrapped = object(prop("Name", "Client WIN20081"), prop("Identity", `WIN20081\Client WIN20081`), prop("Server", "WIN20081"),
	`<Property Name="Bindings"><Property><Property>0.0.0.0:587</Property><Property Name="Port">587</Property></Property></Property>`,
	items("RemoteIPRanges", "0.0.0.0-255.255.255.255"), prop("Fqdn", "win20081.work.com"),
	`<Property Name="AuthMechanism"><Property>Tls, Integrated</Property><Property Name="value__">3</Property></Property>`,
	prop("PermissionGroups", "ExchangeUsers"), prop("RequireTLS", "True"), prop("DomainSecureEnabled", "False"),
	prop("Enabled", "True"), prop("MaxMessageSize", "Unlimited"), prop("Banner", "220 hello"), prop("Comment", ""),
	prop("TransportRole", ""), prop("TlsCertificateName", ""), prop("ProtocolLoggingLevel", "Verbose"))

func mustParse[T any](t *testing.T, parse func(string) (T, error), s string) T {
	t.Helper()
	v, err := parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseReceiveConnectors(t *testing.T) {
	tests := []struct {
		name   string
		objs   []string
		want   []ObservedReceiveConnector
		reason string
	}{
		{name: "none", reason: "an empty pipeline serialises as <Objects />", want: []ObservedReceiveConnector{}},
		{
			name: "2019 default, nested items", objs: []string{rcDefault},
			reason: "the shape ConvertTo-Xml writes for a MultiValuedProperty",
			want: []ObservedReceiveConnector{{
				Name: "Default WIN-CTD3L0RGEN4", Identity: `WIN-CTD3L0RGEN4\Default WIN-CTD3L0RGEN4`, Server: "WIN-CTD3L0RGEN4",
				Bindings:       []value.IPBinding{mustParse(t, value.ParseIPBinding, "0.0.0.0:2525"), mustParse(t, value.ParseIPBinding, "[::]:2525")},
				RemoteIPRanges: value.IPRangeSet{mustParse(t, value.ParseIPRange, "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), mustParse(t, value.ParseIPRange, "0.0.0.0-255.255.255.255")},
				Fqdn:           "WIN-CTD3L0RGEN4.exlab.dom", AuthMechanism: 31, PermissionGroups: 14,
				Enabled: true, MaxMessageSize: value.ByteSize{Bytes: 37748736}, TransportRole: "HubTransport", ProtocolLoggingLevel: "None",
			}},
		},
		{
			name: "deserialised numbers and braces", objs: []string{rcDeserialised},
			reason: "remote sessions may deliver enums as integers and lists as one {a, b} string; non-ASCII survives the base64 frame",
			want: []ObservedReceiveConnector{{
				Name: "From-Canoe.com", Identity: `WIN20081\From-Canoe.com`, Server: "WIN20081",
				Bindings:       []value.IPBinding{mustParse(t, value.ParseIPBinding, "191.121.0.200:26")},
				RemoteIPRanges: value.IPRangeSet{mustParse(t, value.ParseIPRange, "191.121.111.200")},
				Fqdn:           "win20081.work.com", AuthMechanism: value.AuthTls, PermissionGroups: 15, DomainSecureEnabled: true,
				Enabled: true, MaxMessageSize: value.ByteSize{Bytes: 10 << 20}, Comment: "Zürich – ‘partner’ & <co>",
				TransportRole: "HubTransport", ProtocolLoggingLevel: "Verbose",
			}},
		},
		{
			name: "wrapped values", objs: []string{rcWrapped},
			reason: "a value serialised as string with notes is read from its first unnamed child",
			want: []ObservedReceiveConnector{{
				Name: "Client WIN20081", Identity: `WIN20081\Client WIN20081`, Server: "WIN20081",
				Bindings:       []value.IPBinding{mustParse(t, value.ParseIPBinding, "0.0.0.0:587")},
				RemoteIPRanges: value.IPRangeSet{mustParse(t, value.ParseIPRange, "0.0.0.0-255.255.255.255")},
				Fqdn:           "win20081.work.com", AuthMechanism: 3, PermissionGroups: value.PermissionExchangeUsers, RequireTLS: true,
				Enabled: true, MaxMessageSize: value.Unlimited, Banner: "220 hello", ProtocolLoggingLevel: "Verbose",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scan, err := scanStdout(frame(receiveConnectorFrame, xmlDoc(tt.objs...)) + markerDone)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseReceiveConnectors(scan)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestParseSendConnectors(t *testing.T) {
	// docs/exchange.md "Send connector defaults" (2019 hybrid connector) and seed 000 (smart host with
	// Basic auth, IP literal in brackets, Exchange 2007/2010 lower-case smtp).
	o365 := object(prop("Name", "Mail to O365"), prop("Identity", "Mail to O365"), items("AddressSpaces", "SMTP:*;1"),
		prop("DNSRoutingEnabled", "False"), items("SmartHosts", "microsoft-com.mail.protection.outlook.com"),
		prop("SmartHostAuthMechanism", "None"), prop("AuthenticationCredential", ""), prop("RequireTLS", "False"),
		prop("IgnoreSTARTTLS", "False"), prop("DomainSecureEnabled", "False"), prop("TlsAuthLevel", ""), prop("TlsDomain", ""),
		prop("TlsCertificateName", "&lt;I&gt;CN=localhost&lt;S&gt;CN=localhost"), prop("Port", "25"), prop("Fqdn", ""),
		items("SourceTransportServers", "WIN-CTD3L0RGEN4"), prop("Enabled", "True"), prop("MaxMessageSize", "35 MB (36,700,160 bytes)"),
		prop("ProtocolLoggingLevel", "None"), prop("Comment", ""))
	ssha := object(prop("Name", "To SSHA Smart Host"), prop("Identity", "To SSHA Smart Host"), prop("AddressSpaces", "{smtp:*;1}"),
		prop("DNSRoutingEnabled", "False"), prop("SmartHosts", "{[142.46.226.22]}"), prop("SmartHostAuthMechanism", "BasicAuth"),
		prop("AuthenticationCredential", "System.Management.Automation.PSCredential"), prop("RequireTLS", "True"),
		prop("IgnoreSTARTTLS", "False"), prop("DomainSecureEnabled", "False"), prop("TlsAuthLevel", "EncryptionOnly"),
		prop("TlsDomain", ""), prop("TlsCertificateName", ""), prop("Port", "25"), prop("Fqdn", ""),
		prop("SourceTransportServers", "{EX01}"), prop("Enabled", "True"), prop("MaxMessageSize", "10 MB (10,485,760 bytes)"),
		prop("ProtocolLoggingLevel", "None"), prop("Comment", ""))
	scan, err := scanStdout(frame(sendConnectorFrame, xmlDoc(o365, ssha)) + markerDone)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseSendConnectors(scan)
	if err != nil {
		t.Fatal(err)
	}
	want := []ObservedSendConnector{
		{Name: "Mail to O365", Identity: "Mail to O365", AddressSpaces: []value.AddressSpace{{Type: "SMTP", Domain: "*", Cost: 1}},
			SmartHosts: []value.SmartHost{{Host: "microsoft-com.mail.protection.outlook.com"}}, SmartHostAuthMechanism: "None",
			TlsCertificateName: "<I>CN=localhost<S>CN=localhost", Port: 25, SourceTransportServers: []string{"WIN-CTD3L0RGEN4"},
			Enabled: true, MaxMessageSize: value.ByteSize{Bytes: 35 << 20}, ProtocolLoggingLevel: "None"},
		{Name: "To SSHA Smart Host", Identity: "To SSHA Smart Host", AddressSpaces: []value.AddressSpace{{Type: "SMTP", Domain: "*", Cost: 1}},
			SmartHosts: smartHosts(t, "142.46.226.22"), SmartHostAuthMechanism: "BasicAuth", HasAuthenticationCredential: true,
			RequireTLS: true, TlsAuthLevel: "EncryptionOnly", Port: 25, SourceTransportServers: []string{"EX01"}, Enabled: true,
			MaxMessageSize: value.ByteSize{Bytes: 10 << 20}, ProtocolLoggingLevel: "None"},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseCertificates(t *testing.T) {
	cert := func(notAfter, services string) string {
		// Seed 000's certificate (Exchange 2010, Format-List transcript).
		return object(prop("Thumbprint", "41137E14BFD2509E666148FA974C594F4F6EC3E0"), prop("Services", services),
			prop("Status", "RevocationCheckFailure"), prop("HasPrivateKey", "True"), prop("NotAfter", notAfter),
			prop("NotBefore", "4/22/2010 2:00:54 PM"), prop("Subject", "CN=e2k10.poc, O=E2K10, S=ON, C=CA"),
			prop("Issuer", "CN=IS Development Lab Root Certificate Authority, DC=isdevlab, DC=local"),
			items("CertificateDomains", "e2k10.poc"), prop("SerialNumber", "14F0301300000000000003"), prop("IsSelfSigned", "False"),
			prop("FriendlyName", ""), prop("RootCAType", "Registry"))
	}
	base := ObservedCertificate{Thumbprint: "41137E14BFD2509E666148FA974C594F4F6EC3E0", Services: value.ServiceSMTP,
		Status: "RevocationCheckFailure", HasPrivateKey: true, NotAfter: time.Date(2011, 4, 22, 14, 10, 54, 0, time.UTC),
		NotBefore: time.Date(2010, 4, 22, 14, 0, 54, 0, time.UTC), Subject: "CN=e2k10.poc, O=E2K10, S=ON, C=CA",
		Issuer:             "CN=IS Development Lab Root Certificate Authority, DC=isdevlab, DC=local",
		CertificateDomains: []string{"e2k10.poc"}, SerialNumber: "14F0301300000000000003", RootCAType: "Registry"}
	tests := []struct {
		name     string
		notAfter string
		services string
		want     ObservedCertificate
		problems []string
		reason   string
	}{
		{name: "en-US", notAfter: "4/22/2011 2:10:54 PM", services: "SMTP", want: base, reason: "the en-US DateTime.ToString of seed 000"},
		{name: "ISO 8601", notAfter: "2011-04-22T14:10:54", services: "SMTP", want: base, reason: "the invariant form"},
		{name: "services as number", notAfter: "4/22/2011 2:10:54 PM", services: "16", want: base, reason: "a deserialised flags enum"},
		{name: "several services", notAfter: "4/22/2011 2:10:54 PM", services: "IMAP, POP, IIS, SMTP",
			want: func() ObservedCertificate {
				c := base
				c.Services = value.ServiceIMAP | value.ServicePOP | value.ServiceIIS | value.ServiceSMTP
				return c
			}(), reason: "Exchange's joined flag names"},
		{name: "ru-RU date", notAfter: "02.02.2028 4:22:23", services: "SMTP",
			want:     func() ObservedCertificate { c := base; c.NotAfter = time.Time{}; return c }(),
			problems: []string{"NotAfter"}, reason: "another culture's date is reported, never guessed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scan, err := scanStdout(frame(certificateFrame, xmlDoc(cert(tt.notAfter, tt.services))) + markerDone)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseCertificates(scan)
			if err != nil || len(got) != 1 {
				t.Fatalf("parseCertificates: %v, %d certificates", err, len(got))
			}
			var problems []string
			for _, p := range got[0].Problems {
				problems = append(problems, p.Property)
			}
			got[0].Problems = nil
			if diff := cmp.Diff(tt.want, got[0], cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			if diff := cmp.Diff(tt.problems, problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestParseTransportConfig(t *testing.T) {
	tests := []struct {
		name     string
		obj      string
		wantSend []string
		wantRecv []string
		reason   string
	}{
		{name: "fresh", obj: object(prop("TLSSendDomainSecureList", ""), prop("TLSReceiveDomainSecureList", "")),
			reason: "an empty MultiValuedProperty is an empty element"},
		{name: "seed 001", obj: object(items("TLSSendDomainSecureList", "canoe.com"), items("TLSReceiveDomainSecureList", "work.com")),
			wantSend: []string{"canoe.com"}, wantRecv: []string{"work.com"}, reason: "one item each"},
		{name: "braces", obj: object(prop("TLSSendDomainSecureList", "{contoso.com, fabrikam.com}"), prop("TLSReceiveDomainSecureList", "{}")),
			wantSend: []string{"contoso.com", "fabrikam.com"}, reason: "the {a, b} text shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scan, _ := scanStdout(frame(transportConfigFrame, xmlDoc(tt.obj)) + markerDone)
			got, err := parseTransportConfig(scan)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantSend, got.TLSSendDomainSecureList, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("send (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			if diff := cmp.Diff(tt.wantRecv, got.TLSReceiveDomainSecureList, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("receive (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestParseAdminDisplayVersion(t *testing.T) {
	tests := []struct {
		in     string
		want   Version
		reason string
	}{
		{in: "Version 14.3 (Build 123.4)", want: Exchange2010, reason: "2010 SP3"},
		{in: "Version 15.0 (Build 1497.2)", want: Exchange2013, reason: "2013 CU23"},
		{in: "Version 15.1 (Build 2507.6)", want: Exchange2016, reason: "2016 CU23"},
		{in: "Version 15.2 (Build 986.5)", want: Exchange2019, reason: "2019 CU11 ([HC])"},
		{in: "Version 15.2 (Build 2562.17)", want: ExchangeSE, reason: "SE keeps 15.2; the build tells"},
		{in: "15.2.1748.10", want: Exchange2019, reason: "a bare build number"},
		{in: "Version 8.3 (Build 83.6)", want: VersionUnknown, reason: "Exchange 2007 is out of range"},
		{in: "", want: VersionUnknown, reason: "no value"},
	}
	for _, tt := range tests {
		got, err := ParseAdminDisplayVersion(tt.in)
		if got != tt.want || (tt.want == VersionUnknown) != errors.Is(err, ErrUnknownVersion) {
			t.Errorf("ParseAdminDisplayVersion(%q) = %v, %v; want %v (%s)", tt.in, got, err, tt.want, tt.reason)
		}
	}
}

func TestParseObservation(t *testing.T) {
	req := ObserveRequest{Target: mailbox(VersionUnknown), Reads: Reads{ReceiveConnectors: true}}
	tests := []struct {
		name    string
		stdout  string
		stderr  string
		exit    int
		wantErr error
		reason  string
	}{
		{name: "complete", stdout: server2019 + frame(receiveConnectorFrame, xmlDoc(rcDefault)) + markerDone + "\r\n",
			reason: "frames and the done marker"},
		{name: "no done marker", stdout: server2019 + frame(receiveConnectorFrame, xmlDoc(rcDefault)),
			wantErr: ErrRemote, reason: "a script that did not reach its end is a failure, not an empty list"},
		{name: "cut frame", stdout: server2019 + beginMarker(receiveConnectorFrame) + "\r\nPD94\r\n" + markerDone,
			wantErr: ErrUnreadable, reason: "a frame without its end marker is not zero objects"},
		{name: "server not found", stdout: "", exit: 1, wantErr: ErrNotFound,
			stderr: "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">The operation couldn't be performed because object 'WIN20081' couldn't be found on 'dc1.work.com'._x000D__x000A_</S><S S=\"Error\">    + CategoryInfo          : NotSpecified: (:) [Get-ExchangeServer], ManagementObjectNotFoundException_x000D__x000A_</S><S S=\"Error\">    + FullyQualifiedErrorId : [Server=WIN20081,RequestId=1,TimeStamp=1/1/2026 1:00:00 AM] [FailureCategory=Cmdlet-ManagementObjectNotFoundException] 1082ECE3,Microsoft.Exchange.Management.SystemConfigurationTasks.GetExchangeServer_x000D__x000A_</S><S S=\"Error\"> _x000D__x000A_</S></Objs>",
			reason: "the error record is classified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs, err := ParseObservation(req, &Result{Stdout: tt.stdout, Stderr: tt.stderr, ExitCode: tt.exit})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v (%s)", err, tt.wantErr, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if obs.Server.Version != Exchange2019 || len(obs.ReceiveConnectors) != 1 || obs.Err() != nil {
				t.Errorf("got version %v, %d connectors, problems %v (%s)", obs.Server.Version, len(obs.ReceiveConnectors), obs.Err(), tt.reason)
			}
		})
	}
}

func TestPropertyProblems(t *testing.T) {
	bad := object(prop("Name", "Broken"), prop("Identity", `S\Broken`), prop("Server", "S"), items("Bindings", "not-a-binding"),
		items("RemoteIPRanges"), prop("Fqdn", "s"), prop("AuthMechanism", "Tls, Kerberos"), prop("PermissionGroups", "None"),
		prop("RequireTLS", "maybe"), prop("DomainSecureEnabled", ""), prop("Enabled", "True"), prop("MaxMessageSize", "Unlimited"),
		prop("TransportRole", "7"), prop("ProtocolLoggingLevel", "None"))
	scan, _ := scanStdout(frame(receiveConnectorFrame, xmlDoc(bad)) + markerDone)
	got, err := parseReceiveConnectors(scan)
	if err != nil {
		t.Fatal(err)
	}
	var props []string
	for _, p := range got[0].Problems {
		props = append(props, p.Property)
		if p.Object != `S\Broken` || p.Kind != "receive connector" {
			t.Errorf("problem %v does not name its object", p)
		}
	}
	want := []string{"Bindings", "AuthMechanism", "RequireTLS", "DomainSecureEnabled", "TransportRole"}
	if diff := cmp.Diff(want, props); diff != "" {
		t.Errorf("problems (-want +got):\n%s\nreason: every unreadable property is named, none guessed", diff)
	}
	if !errors.Is(ParseErrors(got[0].Problems), ErrUnreadable) {
		t.Error("ParseErrors should match ErrUnreadable")
	}
}

// FuzzParseOutput feeds arbitrary output to the readers: whatever a server
// (or something in between) prints, they return an error, never panic.
func FuzzParseOutput(f *testing.F) {
	f.Add(server2019+frame(receiveConnectorFrame, xmlDoc(rcDefault))+markerDone, "")
	f.Add(markers(callBegin(1), callEnd(1), callBegin(2)), "#< CLIXML\r\n"+objsOpen+errorLines("x : y", "    + CategoryInfo          : a", " ")+"</Objs>")
	f.Add(frame(serverFrame, "<Objects><Object><Property Name=\"Name\"><Property/><Property Name=\"x\"/></Property></Object></Objects>")+markerDone, "#< CLIXML\r\n<Objs")
	req := ObserveRequest{Target: mailbox(VersionUnknown), Reads: allReads}
	apply := ApplyRequest{Target: mailbox(Exchange2019), Calls: []Call{RemoveSendConnector("a"), RemoveSendConnector("b")}}
	f.Fuzz(func(t *testing.T, stdout, stderr string) {
		_, _ = ParseObservation(req, &Result{Stdout: stdout, Stderr: stderr})
		out, _ := ParseApply(apply, &Result{Stdout: stdout, Stderr: stderr, ExitCode: 1})
		if out == nil || len(out.Calls) != 2 {
			t.Fatalf("ParseApply must always report every call")
		}
	})
}
