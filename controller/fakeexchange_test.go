package controller

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/exreconcile/exreconcile/exchange"
)

// fakeOrg is the organisation-wide state the fake servers of one
// organisation share, as ConvertTo-Xml objects.
type fakeOrg struct {
	mu         sync.Mutex
	send       []xobj
	tlsSend    []string
	tlsReceive []string
}

// fakeServer is a recording exchange.Runner that answers observe scripts
// from its state in the framing exchange's parser reads (ConvertTo-Xml
// documents as base64 between <<EXR-BEGIN name>> and <<EXR-END name>>
// lines) and apply scripts with the per-call markers.
type fakeServer struct {
	name    string
	version string // AdminDisplayVersion
	org     *fakeOrg

	mu      sync.Mutex
	receive []xobj
	certs   []xobj
	// down makes every command fail in transport, as an unreachable server.
	down bool
	// failCmdlet makes the first call of that cmdlet fail with failMessage.
	failCmdlet, failMessage string
	// onApply is told the calls that completed, to change the state as
	// Exchange would.
	onApply func(s *fakeServer, calls []exchange.Call)

	scripts []*exchange.Script
}

func newFakeServer(name string, org *fakeOrg) *fakeServer {
	return &fakeServer{name: name, version: "Version 15.2 (Build 986.5)", org: org}
}

// Commands is what the engine counts per server.
func (f *fakeServer) Commands() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.scripts)
}

// kinds lists what each recorded script was: "observe", "observe+org",
// "apply".
func (f *fakeServer) kinds() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.scripts {
		k := s.Name
		for _, c := range s.Calls() {
			if c.Cmdlet == "Get-SendConnector" {
				k += "+org"
			}
		}
		out = append(out, k)
	}
	return out
}

// applied returns the Exchange calls of every apply script, redacted.
func (f *fakeServer) applied() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.scripts {
		if s.Name == "apply" {
			for _, c := range applyCalls(s) {
				out = append(out, c.Without("ErrorAction").Redacted())
			}
		}
	}
	return out
}

func (f *fakeServer) Run(_ context.Context, s *exchange.Script) (*exchange.Result, error) {
	f.mu.Lock()
	f.scripts = append(f.scripts, s)
	down := f.down
	f.mu.Unlock()
	if down {
		return nil, &exchange.TransportError{Kind: exchange.TransportRefused, Endpoint: "https://" + strings.ToLower(f.name) + ".work.com:5986/wsman",
			Detail: "nothing listens on the WinRM port", Err: errors.New("dial tcp: connection refused")}
	}
	switch s.Name {
	case "observe":
		return f.observe(s), nil
	case "apply":
		return f.apply(s), nil
	}
	return nil, errors.New("fake: unknown script " + s.Name)
}

func (f *fakeServer) observe(s *exchange.Script) *exchange.Result {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out strings.Builder
	for _, c := range s.Calls() {
		switch c.Cmdlet {
		case "Get-ExchangeServer":
			out.WriteString(frame("server", xmlDoc(xobj{p("Name", f.name), p("Fqdn", strings.ToLower(f.name)+".work.com"),
				p("AdminDisplayVersion", f.version), p("ServerRole", "Mailbox"), p("IsEdgeServer", "False")})))
		case "Get-ReceiveConnector":
			out.WriteString(frame("receiveconnectors", xmlDoc(f.receive...)))
		case "Get-ExchangeCertificate":
			out.WriteString(frame("certificates", xmlDoc(f.certs...)))
		case "Get-SendConnector":
			f.org.mu.Lock()
			out.WriteString(frame("sendconnectors", xmlDoc(f.org.send...)))
			f.org.mu.Unlock()
		case "Get-TransportConfig":
			f.org.mu.Lock()
			out.WriteString(frame("transportconfig", xmlDoc(xobj{ps("TLSSendDomainSecureList", f.org.tlsSend...),
				ps("TLSReceiveDomainSecureList", f.org.tlsReceive...)})))
			f.org.mu.Unlock()
		}
	}
	out.WriteString("<<EXR-DONE>>\r\n")
	return &exchange.Result{Stdout: out.String()}
}

// applyCalls are the calls an apply script runs between its markers.
func applyCalls(s *exchange.Script) []exchange.Call {
	var out []exchange.Call
	for _, c := range s.Calls() {
		if exchange.IsExchangeCmdlet(c.Cmdlet) || c.Cmdlet == "Restart-Service" {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeServer) apply(s *exchange.Script) *exchange.Result {
	calls := applyCalls(s)
	var out strings.Builder
	res := &exchange.Result{}
	done := calls
	for i, c := range calls {
		n := strconv.Itoa(i + 1)
		out.WriteString("<<EXR-CALL " + n + " BEGIN>>\r\n")
		if f.failCmdlet != "" && c.Cmdlet == f.failCmdlet {
			res.ExitCode = 1
			res.Stderr = clixmlError(f.name, c.Cmdlet, f.failMessage)
			done = calls[:i]
			break
		}
		out.WriteString("<<EXR-CALL " + n + " END>>\r\n")
	}
	if res.ExitCode == 0 {
		out.WriteString("<<EXR-DONE>>\r\n")
	}
	res.Stdout = out.String()
	f.removeObjects(done)
	if f.onApply != nil {
		f.mu.Lock()
		f.onApply(f, done)
		f.mu.Unlock()
	}
	return res
}

// removeObjects does what the Remove-* calls among calls do.
func (f *fakeServer) removeObjects(calls []exchange.Call) {
	drop := func(list []xobj, identity string) []xobj {
		var out []xobj
		for _, o := range list {
			if !strings.EqualFold(o.get("Identity"), identity) {
				out = append(out, o)
			}
		}
		return out
	}
	for _, c := range calls {
		id, _ := c.Param("Identity")
		identity := strings.ReplaceAll(strings.Trim(id.Value.Plaintext(), "'"), "''", "'")
		switch c.Cmdlet {
		case "Remove-SendConnector":
			f.org.mu.Lock()
			f.org.send = drop(f.org.send, identity)
			f.org.mu.Unlock()
		case "Remove-ReceiveConnector":
			f.mu.Lock()
			f.receive = drop(f.receive, identity)
			f.mu.Unlock()
		}
	}
}

// clixmlError is stderr as powershell.exe writes an Exchange error record.
func clixmlError(server, cmdlet, msg string) string {
	line := func(s string) string { return `<S S="Error">` + s + `_x000D__x000A_</S>` }
	return "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">" +
		line(msg) +
		line("    + CategoryInfo          : InvalidArgument: (:) ["+cmdlet+"], ArgumentException") +
		line("    + FullyQualifiedErrorId : [Server="+server+",RequestId=1,TimeStamp=1/1/2026 1:00:00 AM] [FailureCategory=Cmdlet-ArgumentException] 5D2B1A2F,Microsoft.Exchange.Management.SystemConfigurationTasks."+strings.ReplaceAll(cmdlet, "-", "")) +
		line(" ") + "</Objs>"
}

// xprop is one <Property> of a ConvertTo-Xml object: a text, or items.
type xprop struct {
	name  string
	text  string
	items []string
	list  bool
}

type xobj []xprop

func p(name, text string) xprop { return xprop{name: name, text: text} }

func ps(name string, items ...string) xprop { return xprop{name: name, items: items, list: true} }

// with returns o with the properties in over replaced (or added).
func (o xobj) with(over ...xprop) xobj {
	out := append(xobj(nil), o...)
	for _, v := range over {
		found := false
		for i := range out {
			if out[i].name == v.name {
				out[i], found = v, true
			}
		}
		if !found {
			out = append(out, v)
		}
	}
	return out
}

func (o xobj) get(name string) string {
	for _, v := range o {
		if v.name == name {
			return v.text
		}
	}
	return ""
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (o xobj) xml() string {
	var b strings.Builder
	b.WriteString("  <Object>\r\n")
	for _, v := range o {
		switch {
		case v.list && len(v.items) > 0:
			b.WriteString(`    <Property Name="` + v.name + `">`)
			for _, it := range v.items {
				b.WriteString("\r\n      <Property>" + esc(it) + "</Property>")
			}
			b.WriteString("\r\n    </Property>\r\n")
		case v.text == "" || v.list:
			b.WriteString(`    <Property Name="` + v.name + `" />` + "\r\n")
		default:
			b.WriteString(`    <Property Name="` + v.name + `">` + esc(v.text) + "</Property>\r\n")
		}
	}
	b.WriteString("  </Object>")
	return b.String()
}

// xmlDoc is ConvertTo-Xml -As String -NoTypeInformation output.
func xmlDoc(objs ...xobj) string {
	if len(objs) == 0 {
		return "<?xml version=\"1.0\"?>\r\n<Objects />"
	}
	parts := make([]string, len(objs))
	for i, o := range objs {
		parts[i] = o.xml()
	}
	return "<?xml version=\"1.0\"?>\r\n<Objects>\r\n" + strings.Join(parts, "\r\n") + "\r\n</Objects>"
}

// frame prints a document as the observe script does: base64 of UTF-8,
// broken every 80 characters, between marker lines.
func frame(name, doc string) string {
	b64 := base64.StdEncoding.EncodeToString([]byte(doc))
	var lines []string
	for len(b64) > 80 {
		lines = append(lines, b64[:80])
		b64 = b64[80:]
	}
	lines = append(lines, b64)
	return "<<EXR-BEGIN " + name + ">>\r\n" + strings.Join(lines, "\r\n") + "\r\n<<EXR-END " + name + ">>\r\n"
}

// sendObj is a send connector as Get-SendConnector | Select-Object prints it.
func sendObj(name string, over ...xprop) xobj {
	return xobj{p("Name", name), p("Identity", name), ps("AddressSpaces", "SMTP:*;1"), p("DNSRoutingEnabled", "True"),
		ps("SmartHosts"), p("SmartHostAuthMechanism", "None"), p("AuthenticationCredential", ""), p("RequireTLS", "False"),
		p("IgnoreSTARTTLS", "False"), p("DomainSecureEnabled", "False"), p("TlsAuthLevel", ""), p("TlsDomain", ""),
		p("TlsCertificateName", ""), p("Port", "25"), p("Fqdn", ""), ps("SourceTransportServers", "WIN20081"),
		p("Enabled", "True"), p("MaxMessageSize", "35 MB (36,700,160 bytes)"), p("ProtocolLoggingLevel", "None"),
		p("Comment", "")}.with(over...)
}

// receiveObj is a receive connector as Get-ReceiveConnector prints it.
func receiveObj(server, name string, over ...xprop) xobj {
	return xobj{p("Name", name), p("Identity", server+`\`+name), p("Server", server), ps("Bindings", "0.0.0.0:25"),
		ps("RemoteIPRanges", "0.0.0.0-255.255.255.255"), p("Fqdn", strings.ToLower(server)+".work.com"),
		p("AuthMechanism", "Tls"), p("PermissionGroups", "Partners"), p("RequireTLS", "False"),
		p("DomainSecureEnabled", "False"), p("Enabled", "True"), p("MaxMessageSize", "36 MB (37,748,736 bytes)"),
		p("Banner", ""), p("Comment", ""), p("TransportRole", "FrontendTransport"), p("TlsCertificateName", ""),
		p("ProtocolLoggingLevel", "None")}.with(over...)
}

// certObj is a certificate as Get-ExchangeCertificate prints it.
func certObj(thumb string, over ...xprop) xobj {
	return xobj{p("Thumbprint", thumb), p("Services", "SMTP"), p("Status", "Valid"), p("HasPrivateKey", "True"),
		p("NotAfter", "4/22/2099 2:10:54 PM"), p("NotBefore", "4/22/2020 2:00:54 PM"), p("Subject", "CN=mail.work.com"),
		p("Issuer", "CN=Work CA"), ps("CertificateDomains", "mail.work.com"), p("SerialNumber", "14F0301300000000000003"),
		p("IsSelfSigned", "False"), p("FriendlyName", ""), p("RootCAType", "Registry")}.with(over...)
}
