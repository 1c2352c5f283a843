package controller

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// The controller tests fake Exchange at the engine's one seam,
// exchange.Remote: typed observations in, typed calls out. How the calls
// become PowerShell and how output is framed is exchange's business and is
// tested there.

// fakeOrg is the organisation-wide state the fake servers of one
// organisation share.
type fakeOrg struct {
	mu         sync.Mutex
	send       []exchange.ObservedSendConnector
	tlsSend    []string
	tlsReceive []string
	hybrid     *exchange.ObservedHybridConfiguration
	// tcChanged is the TransportConfig's WhenChanged.
	tcChanged time.Time
}

// fakeCommand is one command a fake server ran: observe, observe+org or
// apply, with the calls of an apply and the script the real Server would
// have sent (secrets in plain text: what the canary tests look for).
type fakeCommand struct {
	kind      string
	reads     exchange.Reads
	calls     []exchange.Call
	plaintext string
}

// fakeServer is an exchange.Remote that answers observations from its
// state and applies calls by recording them (and, through onApply, changing
// the state as Exchange would).
type fakeServer struct {
	name    string
	version exchange.Version
	org     *fakeOrg
	// password is what the engine connected with; it goes into the script
	// the real Server would send.
	password exchange.Secret

	mu      sync.Mutex
	receive []exchange.ObservedReceiveConnector
	certs   []exchange.ObservedCertificate
	roots   []exchange.ObservedRoot
	// services are the transport services (Reads.TransportServices); a
	// Restart-Service that completes starts its service at restartedAt.
	services    []exchange.ObservedService
	restartedAt time.Time
	// down makes every command fail in transport, as an unreachable server.
	down bool
	// silent makes every command wait for its context, as a server that
	// accepts the connection and never answers.
	silent bool
	// failCmdlet makes the first call of that cmdlet fail with failMessage.
	failCmdlet, failMessage string
	// onApply is told the calls that completed, to change the state as
	// Exchange would.
	onApply func(s *fakeServer, calls []exchange.Call)
	// failVerify, when set (by onApply), is why the apply command's
	// verification could not be read (the output ended after the calls).
	failVerify error

	commands []fakeCommand
}

func newFakeServer(name string, org *fakeOrg) *fakeServer {
	return &fakeServer{name: name, version: exchange.Exchange2019, org: org}
}

var _ exchange.Remote = (*fakeServer)(nil)

func (f *fakeServer) target() exchange.Target {
	return exchange.Target{Name: f.name, FQDN: strings.ToLower(f.name) + ".work.com", Role: exchange.RoleMailbox,
		Username: `WORK\svc-exreconcile`, Password: f.password, Version: f.version}
}

// Commands is what the engine counts per server.
func (f *fakeServer) Commands() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.commands)
}

// Close holds nothing open.
func (f *fakeServer) Close(context.Context) error { return nil }

// kinds lists what each command was: "observe", "observe+org", "apply".
func (f *fakeServer) kinds() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.commands {
		out = append(out, c.kind)
	}
	return out
}

// applied returns the calls of every apply command, redacted.
func (f *fakeServer) applied() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.commands {
		for _, call := range c.calls {
			out = append(out, call.Redacted())
		}
	}
	return out
}

// sent reports whether a command carried s to the server.
func (f *fakeServer) sent(s string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.commands {
		if strings.Contains(c.plaintext, s) {
			return true
		}
	}
	return false
}

func (f *fakeServer) unreachable() error {
	return &exchange.TransportError{Kind: exchange.TransportRefused, Endpoint: "https://" + strings.ToLower(f.name) + ".work.com:5986/wsman",
		Detail: "nothing listens on the WinRM port", Err: errors.New("dial tcp: connection refused")}
}

func (f *fakeServer) Observe(ctx context.Context, reads exchange.Reads) (*exchange.Observation, error) {
	if f.silent {
		<-ctx.Done()
		return nil, &exchange.TransportError{Kind: exchange.TransportTimeout, Endpoint: "https://" + strings.ToLower(f.name) + ".work.com:5986/wsman",
			Detail: "request abandoned", Err: ctx.Err()}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	kind := "observe"
	if reads.Organization {
		kind += "+org"
	}
	f.commands = append(f.commands, fakeCommand{kind: kind, reads: reads, plaintext: f.password.Reveal()})
	if f.down {
		return nil, f.unreachable()
	}
	return f.observation(reads), nil
}

// observation is what an observe of reads returns now (f.mu held).
func (f *fakeServer) observation(reads exchange.Reads) *exchange.Observation {
	obs := &exchange.Observation{Server: exchange.ObservedServer{Name: f.name, Fqdn: strings.ToLower(f.name) + ".work.com",
		AdminDisplayVersion: "Version 15.2 (Build 986.5)", Version: f.version, ServerRole: "Mailbox"}}
	if reads.ReceiveConnectors {
		obs.ReceiveConnectors = append([]exchange.ObservedReceiveConnector(nil), f.receive...)
	}
	if reads.Certificates {
		obs.Certificates = append([]exchange.ObservedCertificate(nil), f.certs...)
	}
	if reads.Roots {
		obs.Roots = append([]exchange.ObservedRoot(nil), f.roots...)
	}
	if reads.TransportServices {
		obs.TransportServices = append([]exchange.ObservedService(nil), f.services...)
	}
	defer func() {
		// As the real observe: WhenChangedUTC only with the services.
		if reads.TransportServices {
			return
		}
		for i := range obs.ReceiveConnectors {
			obs.ReceiveConnectors[i].WhenChanged = time.Time{}
		}
		for i := range obs.SendConnectors {
			obs.SendConnectors[i].WhenChanged = time.Time{}
		}
		if obs.TransportConfig != nil {
			obs.TransportConfig.WhenChanged = time.Time{}
		}
	}()
	if reads.Organization {
		f.org.mu.Lock()
		obs.SendConnectors = append([]exchange.ObservedSendConnector(nil), f.org.send...)
		obs.TransportConfig = &exchange.ObservedTransportConfig{TLSSendDomainSecureList: append([]string(nil), f.org.tlsSend...),
			TLSReceiveDomainSecureList: append([]string(nil), f.org.tlsReceive...), WhenChanged: f.org.tcChanged}
		if reads.Hybrid && f.org.hybrid != nil {
			h := *f.org.hybrid
			obs.HybridConfiguration = &h
		}
		f.org.mu.Unlock()
	}
	return obs
}

func (f *fakeServer) ApplyScript(groups []exchange.CallGroup, reads exchange.Reads) (string, error) {
	s, err := exchange.ApplyScript(exchange.ApplyRequest{Target: f.target(), Groups: groups, Verify: &reads})
	if err != nil {
		return "", err
	}
	return s.Redacted(), nil
}

// Apply runs the groups as the apply script does (a failed call skips the
// rest of its group only), then verifies in the same command: the result
// carries the observation of reads after the calls.
func (f *fakeServer) Apply(ctx context.Context, groups []exchange.CallGroup, reads exchange.Reads) (*exchange.ApplyResult, error) {
	// A real transport refuses to start a command on an ended context.
	if err := ctx.Err(); err != nil {
		return nil, &exchange.TransportError{Kind: exchange.TransportTimeout, Endpoint: "https://" + strings.ToLower(f.name) + ".work.com:5986/wsman",
			Detail: "request abandoned", Err: err}
	}
	script, err := exchange.ApplyScript(exchange.ApplyRequest{Target: f.target(), Groups: groups, Verify: &reads})
	if err != nil {
		return nil, err
	}
	var calls []exchange.Call
	for _, g := range groups {
		calls = append(calls, g.Calls...)
	}
	f.mu.Lock()
	// What reaches the server: the script text, and the data frame's
	// items decoded (the secrets travel there).
	sent := script.Plaintext()
	for _, item := range strings.Split(script.DataFrame(), ",")[1:] {
		b, _ := base64.StdEncoding.DecodeString(item)
		sent += "\n" + string(b)
	}
	f.commands = append(f.commands, fakeCommand{kind: "apply", reads: reads, calls: calls, plaintext: sent})
	down := f.down
	f.mu.Unlock()
	if down {
		return nil, f.unreachable()
	}
	res := &exchange.ApplyResult{}
	var failure error
	var done []exchange.Call
	for gi, g := range groups {
		groupFailed := false
		for _, c := range g.Calls {
			cr := exchange.CallResult{Call: c, Group: gi, State: exchange.CallDone}
			switch {
			case groupFailed:
				cr.State = exchange.CallNotRun
			case f.failCmdlet != "" && c.Cmdlet == f.failCmdlet:
				re := &exchange.RemoteError{Server: f.name, Class: exchange.ClassInvalid, ExitCode: 1, Record: exchange.ErrorRecord{
					Message: f.failMessage, Command: c.Cmdlet, Category: "InvalidArgument", Reason: "ArgumentException",
					FullyQualifiedErrorId: "[Server=" + f.name + ",RequestId=1,TimeStamp=1/1/2026 1:00:00 AM] [FailureCategory=Cmdlet-ArgumentException] 5D2B1A2F,Microsoft.Exchange.Management.SystemConfigurationTasks." + strings.ReplaceAll(c.Cmdlet, "-", "")}}
				cr.State, cr.Err, cr.Message, cr.FullyQualifiedErrorId = exchange.CallFailed, re, re.Record.Message, re.Record.FullyQualifiedErrorId
				if failure == nil {
					failure = re
				}
				groupFailed = true
			default:
				done = append(done, c)
			}
			res.Calls = append(res.Calls, cr)
		}
	}
	f.removeObjects(done)
	f.mu.Lock()
	f.restartServices(done)
	if f.onApply != nil {
		f.onApply(f, done)
	}
	if f.failVerify != nil {
		res.VerifyErr = f.failVerify
	} else {
		res.Observation = f.observation(reads)
	}
	f.mu.Unlock()
	return res, failure
}

// restartServices gives every service a completed Restart-Service names a
// new process started at restartedAt (f.mu held).
func (f *fakeServer) restartServices(calls []exchange.Call) {
	for _, c := range calls {
		if c.Cmdlet != "Restart-Service" {
			continue
		}
		p, _ := c.Param("Name")
		name := strings.Trim(p.Value.Redacted(), "'")
		for i := range f.services {
			if strings.EqualFold(f.services[i].Name, name) {
				f.services[i].ProcessID += 4
				f.services[i].Started = f.restartedAt
			}
		}
	}
}

// removeObjects does what the Remove-* calls among calls do.
func (f *fakeServer) removeObjects(calls []exchange.Call) {
	for _, c := range calls {
		id, _ := c.Param("Identity")
		identity := strings.ReplaceAll(strings.Trim(id.Value.Redacted(), "'"), "''", "'")
		switch c.Cmdlet {
		case "Remove-SendConnector":
			f.org.mu.Lock()
			var keep []exchange.ObservedSendConnector
			for _, o := range f.org.send {
				if !strings.EqualFold(o.Identity, identity) {
					keep = append(keep, o)
				}
			}
			f.org.send = keep
			f.org.mu.Unlock()
		case "Remove-ReceiveConnector":
			f.mu.Lock()
			var keep []exchange.ObservedReceiveConnector
			for _, o := range f.receive {
				if !strings.EqualFold(o.Identity, identity) {
					keep = append(keep, o)
				}
			}
			f.receive = keep
			f.mu.Unlock()
		}
	}
}

// sendObj is a send connector as a fresh New-SendConnector leaves it,
// changed by the options.
func sendObj(name string, over ...func(*exchange.ObservedSendConnector)) exchange.ObservedSendConnector {
	c := exchange.ObservedSendConnector{Name: name, Identity: name, AddressSpaces: addressSpaces("SMTP:*;1"), DNSRoutingEnabled: true,
		SmartHostAuthMechanism: "None", Port: 25, SourceTransportServers: []string{"WIN20081"}, Enabled: true,
		MaxMessageSize: byteSize("35MB"), ProtocolLoggingLevel: "None"}
	for _, o := range over {
		o(&c)
	}
	return c
}

// receiveObj is a receive connector of server, changed by the options.
func receiveObj(server, name string, over ...func(*exchange.ObservedReceiveConnector)) exchange.ObservedReceiveConnector {
	c := exchange.ObservedReceiveConnector{Name: name, Identity: server + `\` + name, Server: server, Bindings: bindings("0.0.0.0:25"),
		RemoteIPRanges: ipRanges("0.0.0.0-255.255.255.255"), Fqdn: strings.ToLower(server) + ".work.com",
		AuthMechanism: value.AuthTls, PermissionGroups: value.PermissionPartners, Enabled: true,
		MaxMessageSize: byteSize("36MB"), TransportRole: "FrontendTransport", ProtocolLoggingLevel: "None"}
	for _, o := range over {
		o(&c)
	}
	return c
}

// certObj is an SMTP certificate with its private key.
func certObj(thumb string) exchange.ObservedCertificate {
	return exchange.ObservedCertificate{Thumbprint: thumb, Services: value.ServiceSMTP, Status: "Valid", HasPrivateKey: true,
		NotAfter: time.Date(2099, 4, 22, 14, 10, 54, 0, time.UTC), NotBefore: time.Date(2020, 4, 22, 14, 0, 54, 0, time.UTC),
		Subject: "CN=mail.work.com", Issuer: "CN=Work CA", CertificateDomains: []string{"mail.work.com"},
		SerialNumber: "14F0301300000000000003", RootCAType: "Registry"}
}
