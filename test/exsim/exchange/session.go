package exchange

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// Snap-in names (docs/exchange.md "Loading the cmdlets").
const (
	snapin2010 = "Microsoft.Exchange.Management.PowerShell.E2010"
	snapin2013 = "Microsoft.Exchange.Management.PowerShell.SnapIn"
)

// session is the model's side of a remote Exchange session
// (RemoteSession.Handle): the server whose /PowerShell endpoint it reached.
type session struct {
	srv        *Server
	name       string
	computer   string // host of the ConnectionUri, as typed (PSComputerName)
	runspaceID string
	closed     bool
	// user is the throttled account; orphaned is set when the
	// powershell.exe that opened the session ended without removing it,
	// idleSince when it did.
	user      string
	orphaned  bool
	idleSince time.Time
}

// Exchange's throttling of remote PowerShell (the throttling policy's
// PowerShellMaxConcurrency, 18 by default): each user may hold that many
// remote sessions at once on a server (budgets live in the server's
// PowerShell application: administrators report that recycling
// MSExchangePowerShellAppPool clears them); one more fails in New-PSSession.
// Remove-PSSession frees a slot at once; a session its process left open
// (the WinRM command ended, or was terminated) stays counted until it has
// been idle for the idle timeout (15 minutes by default, the IIS
// PowerShell application's session timeout [INFER: 15 minutes is what
// administrators report; Set-ThrottlingPolicy documents the limit:
// https://learn.microsoft.com/powershell/module/exchange/set-throttlingpolicy]).
const (
	defaultMaxSessionsPerUser = 18
	defaultSessionIdleTimeout = 15 * time.Minute
)

func (o *Org) sessionLimits() (int, time.Duration) {
	limit, idle := o.opts.MaxSessionsPerUser, o.opts.SessionIdleTimeout
	if limit <= 0 {
		limit = defaultMaxSessionsPerUser
	}
	if idle <= 0 {
		idle = defaultSessionIdleTimeout
	}
	return limit, idle
}

// openSessions returns the sessions of user that still count, dropping
// those removed or idle past the timeout. o.mu is held.
func (o *Org) openSessions(user string) []*session {
	_, idle := o.sessionLimits()
	now := o.clock()
	var live []*session
	for _, s := range o.sessions[user] {
		if s.closed || (s.orphaned && now.Sub(s.idleSince) >= idle) {
			s.closed = true
			continue
		}
		live = append(live, s)
	}
	if o.sessions == nil {
		o.sessions = map[string][]*session{}
	}
	o.sessions[user] = live
	return live
}

// OpenSessions reports how many remote sessions user holds on all
// servers (for tests and diagnostics).
func (o *Org) OpenSessions(user string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for key := range o.sessions {
		if strings.HasPrefix(key, throttleKey(user)+"|") {
			n += len(o.openSessions(key))
		}
	}
	return n
}

// throttleKey identifies the account whatever the spelling: the user name,
// lower-cased.
func throttleKey(user string) string { return strings.ToLower(userPart(user)) }

// throttled is New-PSSession's error when the user holds the maximum. On
// 2013 and later the AuthZ module of the /PowerShell endpoint refuses the
// runspace (wording as administrators report it, e.g.
// Microsoft365DSC#359 for Exchange Online, with 18 on premises); on 2010
// the WinRM plugin quota answers (as reported for Exchange 2010). Both
// are PSRemotingTransportExceptions of New-PSSession.
func (l *loader) throttled(host, user string, active, limit int) *ps.ErrorRecord {
	if l.srv.version == V2010 {
		e := remoteErr(host, fmt.Sprintf("The WS-Management service cannot process the request. This user is allowed a maximum of %d concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user.", limit), "-2144108123")
		return e
	}
	now := l.org.clock().UTC()
	detail := fmt.Sprintf("[ClientAccessServer=%s,BackEndServer=%s,RequestId=%s,TimeStamp=%s] [AuthZRequestId=%s][FailureCategory=AuthZ-AuthorizationException] "+
		"Fail to create a runspace because you have exceeded the maximum number of connections allowed : %d for the policy party : MaxConcurrency. Please close existing runspace and try again.\r\n"+
		"Policy: CN=GlobalThrottlingPolicy_%s,CN=Global Settings,CN=%s,CN=Microsoft Exchange,CN=Services,CN=Configuration,%s; \r\n"+
		"Snapshot: Owner:\tSid~%s~WSMan~false\r\nBudgetType:\tWSMan\r\nActiveRunspaces:\t%d/%d",
		l.srv.name, l.srv.fqdn, newGUID(), now.Format("1/2/2006 3:04:05 PM"), newGUID(), limit,
		throttlingPolicyGUID(l.org.domain), l.org.orgName, l.org.domainDN(), userSID(user), active, limit)
	e := remoteErr(host, detail, "-2144108477")
	e.Message = strings.Replace(e.Message, "Connecting to remote server "+host+" failed with the following error message : ",
		"Processing data from remote server "+host+" failed with the following error message: ", 1)
	return e
}

// throttlingPolicyGUID is a stable GUID for the organisation's global policy.
func throttlingPolicyGUID(domain string) string {
	var h uint64 = 1469598103934665603
	for _, c := range []byte(domain) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(h), uint16(h>>32), uint16(h>>44)&0xfff, uint16(h>>20)&0xfff, h&0xffffffffffff)
}

// userSID is a stable SID-shaped text for user (the snapshot's Owner).
func userSID(user string) string {
	var h uint32 = 2166136261
	for _, c := range []byte(strings.ToLower(user)) {
		h = (h ^ uint32(c)) * 16777619
	}
	return fmt.Sprintf("S-1-5-21-%d-%d-%d-1105", h%1000000000, (h>>3)%1000000000, (h>>7)%1000000000)
}

// ProcessExited is called by the interpreter when the powershell.exe that
// owns this loader ends: the sessions it did not remove become orphans
// that count until they have been idle for the timeout.
func (l *loader) ProcessExited() {
	l.org.mu.Lock()
	defer l.org.mu.Unlock()
	now := l.org.clock()
	for _, s := range l.opened {
		if !s.closed && !s.orphaned {
			s.orphaned, s.idleSince = true, now
		}
	}
}

// loader implements ps.ModuleLoader for one powershell.exe on one server.
type loader struct {
	org      *Org
	srv      *Server
	user     string
	password string
	opened   []*session // the sessions this process opened
	// ctx is the process's context (from New-PSSession's call), for the
	// import latency.
	ctx context.Context
}

// Loader returns the ModuleLoader for a powershell.exe running on server,
// whose remote Exchange sessions accept the configured exsim credentials.
func (o *Org) Loader(server, user, password string) (ps.ModuleLoader, error) {
	s, ok := o.Server(server)
	if !ok {
		return nil, fmt.Errorf("no server %q in organisation %s", server, o.domain)
	}
	return &loader{org: o, srv: s, user: user, password: password}, nil
}

// remoteErr is a New-PSSession failure: PowerShell's own records, local
// (not remote) and non-terminating (New-PSSession writes the error and
// returns nothing). Wording from PowerShell's remoting resources [INFER:
// recalled, not seen in the shared sources].
func remoteErr(computer, detail, fqid string) *ps.ErrorRecord {
	return &ps.ErrorRecord{
		Message: fmt.Sprintf("Connecting to remote server %s failed with the following error message : %s "+
			"For more information, see the about_Remote_Troubleshooting Help topic.", computer, detail),
		Category:              "OpenError",
		Reason:                "PSRemotingTransportException",
		ExceptionType:         "System.Management.Automation.Remoting.PSRemotingTransportException",
		TargetName:            "System.Management.Automation.RemoteRunspace",
		TargetType:            "RemoteRunspace",
		FullyQualifiedErrorId: fqid + ",PSSessionOpenFailed",
	}
}

// NewPSSession validates New-PSSession -ConfigurationName Microsoft.Exchange
// -ConnectionUri http://<fqdn>/PowerShell/ -Authentication Kerberos
// -Credential $cred (docs/exchange.md "Loading the cmdlets") and opens a session.
func (l *loader) NewPSSession(call *ps.Call) (*ps.RemoteSession, error) {
	rawURI := argText(call, "ConnectionUri")
	if rawURI == "" {
		rawURI = "http://" + argText(call, "ComputerName") + ":5985/wsman"
	}
	u, err := url.Parse(rawURI)
	host := ""
	if err == nil {
		host = u.Hostname()
	}
	if err != nil || host == "" {
		return nil, remoteErr(rawURI, "The WinRM client cannot process the request because the server name cannot be resolved.", "-2144108103")
	}
	if call.Ctx != nil {
		l.ctx = call.Ctx
	}
	if d := l.org.opts.SessionLatency; d > 0 {
		ctx := call.Ctx
		if ctx == nil {
			ctx = context.Background()
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(d):
		}
	}
	l.org.mu.Lock()
	defer l.org.mu.Unlock()
	target := l.org.server(host)
	if target == nil {
		return nil, remoteErr(host, "WinRM cannot process the request. The following error occurred while using Kerberos authentication: "+
			"Cannot find the computer "+host+". Verify that the computer exists on the network and that the name provided is spelled correctly.", "NetworkPathNotFound")
	}
	if target.role == Edge || l.srv.role == Edge {
		// Edge has no IIS /PowerShell endpoint and is not domain-joined:
		// its shell is local (docs/exchange.md "Loading the cmdlets").
		return nil, remoteErr(host, "WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is accessible over the network, "+
			"and that a firewall exception for the WinRM service is enabled and allows access from this computer.", "WinRMOperationTimeout")
	}
	if strings.EqualFold(u.Scheme, "https") {
		// The IIS site answers with Exchange's self-signed certificate.
		return nil, remoteErr(host, "The server certificate on the destination computer ("+host+":443) has the following errors: "+
			"The SSL certificate is signed by an unknown certificate authority.", "12175")
	}
	if !strings.EqualFold(u.Scheme, "http") || !strings.EqualFold(strings.TrimSuffix(u.Path, "/"), "/PowerShell") || (u.Port() != "" && u.Port() != "80") {
		return nil, remoteErr(host, "The WinRM client sent a request to an HTTP server and got a response saying the requested HTTP URL was not available. "+
			"This is usually returned by a HTTP server that does not support the WS-Management protocol.", "URLNotAvailable")
	}
	if cfg := argText(call, "ConfigurationName"); !strings.EqualFold(cfg, "Microsoft.Exchange") {
		if cfg == "" {
			cfg = "Microsoft.PowerShell"
		}
		return nil, remoteErr(host, "The WS-Management service cannot process the request. Cannot find the "+cfg+
			" session configuration in the WSMan: drive on the "+host+" computer.", "InvalidResourceUri")
	}
	switch auth := strings.ToLower(argText(call, "Authentication")); auth {
	case "", "default", "kerberos", "negotiate":
	case "basic":
		return nil, remoteErr(host, "The WinRM client cannot process the request. Unencrypted traffic is currently disabled in the client configuration. "+
			"Change the client configuration and try the request again.", "-2144108322")
	default:
		return nil, remoteErr(host, "The WinRM client cannot process the request. The authentication mechanism requested by the client is not supported by the server "+
			"or unencrypted traffic is disabled in the service configuration.", "-2144108297")
	}
	cred, _ := call.Args["Credential"].(*ps.Credential)
	if cred == nil {
		// Over WinRS the process has no network credentials: the second hop fails.
		return nil, remoteErr(host, "WinRM cannot process the request. The following error with errorcode 0x8009030e occurred while using Kerberos authentication: "+
			"A specified logon session does not exist. It may already have been terminated.", "-2144108387")
	}
	if !l.credentialOK(cred) {
		return nil, remoteErr(host, "Access is denied.", "AccessDenied")
	}
	// Budgets are kept by the server that hosts the runspaces (the IIS
	// /PowerShell application of the ConnectionUri's server).
	user := throttleKey(cred.UserName) + "|" + strings.ToLower(target.name)
	limit, _ := l.org.sessionLimits()
	if open := l.org.openSessions(user); len(open) >= limit {
		return nil, l.throttled(host, domainPart(l.user)+`\`+userPart(l.user), len(open), limit)
	}
	l.org.seq++
	name := fmt.Sprintf("WinRM%d", l.org.seq)
	if call.Host != nil && call.Host.PSVersion == "2.0" {
		name = fmt.Sprintf("Session%d", l.org.seq)
	}
	s := &session{srv: target, name: name, computer: host, runspaceID: newGUID(), user: user}
	l.org.sessions[user] = append(l.org.sessions[user], s)
	l.opened = append(l.opened, s)
	return &ps.RemoteSession{ID: l.org.seq, Name: name, ComputerName: host, ConfigurationName: "Microsoft.Exchange",
		State: "Opened", Handle: s}, nil
}

// credentialOK compares with the configured user: DOMAIN\user or
// user@domain, case-insensitive; the password exactly.
func (l *loader) credentialOK(c *ps.Credential) bool {
	pw := ""
	if c.Password != nil {
		pw = c.Password.Plain()
	}
	if pw != l.password {
		return false
	}
	return strings.EqualFold(userPart(c.UserName), userPart(l.user)) &&
		(domainPart(c.UserName) == "" || domainPart(l.user) == "" || l.domainMatches(domainPart(c.UserName), domainPart(l.user)))
}

func userPart(u string) string {
	if i := strings.LastIndex(u, `\`); i >= 0 {
		return u[i+1:]
	}
	if i := strings.Index(u, "@"); i >= 0 {
		return u[:i]
	}
	return u
}

func domainPart(u string) string {
	if i := strings.LastIndex(u, `\`); i >= 0 {
		return u[:i]
	}
	if i := strings.Index(u, "@"); i >= 0 {
		return u[i+1:]
	}
	return ""
}

// domainMatches accepts the NetBIOS domain (WORK) and the DNS domain (work.com).
func (l *loader) domainMatches(a, b string) bool {
	norm := func(d string) string {
		d = strings.ToLower(d)
		if strings.EqualFold(d, l.org.domain) {
			return strings.Split(l.org.domain, ".")[0]
		}
		return d
	}
	return norm(a) == norm(b)
}

// ImportPSSession returns the session's Exchange cmdlets, only those named
// in commandNames when given (wildcards allowed; unknown names ignored as
// PowerShell ignores them).
func (l *loader) ImportPSSession(rs *ps.RemoteSession, commandNames []string) ([]ps.Command, error) {
	s, ok := rs.Handle.(*session)
	if !ok || s == nil {
		return nil, fmt.Errorf("the session %s was not opened by the Exchange model", rs.Name)
	}
	l.org.mu.Lock()
	if s.closed {
		l.org.mu.Unlock()
		return nil, &ps.ErrorRecord{Message: fmt.Sprintf("The session %s is not in the Opened state.", rs.Name),
			Category: "InvalidArgument", Reason: "PSArgumentException", ExceptionType: "System.Management.Automation.PSArgumentException",
			FullyQualifiedErrorId: "InvalidSessionState,Microsoft.PowerShell.Commands.ImportPSSessionCommand"}
	}
	cmds := filterCommands(l.org.commandsFor(s.srv, s), commandNames)
	l.org.mu.Unlock()
	// --latency import=: Import-PSSession fetches each command's metadata
	// and generates a proxy function per command; the cost grows with the
	// number of commands imported.
	if d := l.org.opts.ImportLatency * time.Duration(len(cmds)); d > 0 {
		ctx := l.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	return cmds, nil
}

func filterCommands(all []ps.Command, names []string) []ps.Command {
	if len(names) == 0 {
		return all
	}
	var out []ps.Command
	for _, c := range all {
		for _, n := range names {
			if wildcardMatch(n, c.Name()) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// RemovePSSession closes the session; its imported commands stop working.
func (l *loader) RemovePSSession(rs *ps.RemoteSession) error {
	l.org.mu.Lock()
	defer l.org.mu.Unlock()
	if s, ok := rs.Handle.(*session); ok && s != nil {
		s.closed = true // frees its throttling slot
	}
	rs.State = "Closed"
	return nil
}

// AddPSSnapin loads the local Exchange snap-in: E2010 on 2010, SnapIn on
// 2013+; any other name is not installed.
func (l *loader) AddPSSnapin(name string) ([]ps.Command, error) {
	want := snapin2013
	if l.srv.version == V2010 {
		want = snapin2010
	}
	if !strings.EqualFold(strings.TrimSpace(name), want) {
		return nil, &ps.ErrorRecord{
			Message:               fmt.Sprintf("The Windows PowerShell snap-in '%s' is not installed on this computer.", name),
			Category:              "InvalidArgument",
			Reason:                "PSArgumentException",
			ExceptionType:         "System.Management.Automation.PSArgumentException",
			TargetName:            name,
			TargetType:            "String",
			FullyQualifiedErrorId: "AddPSSnapInRead,Microsoft.PowerShell.Commands.AddPSSnapinCommand",
		}
	}
	l.org.mu.Lock()
	defer l.org.mu.Unlock()
	return l.org.commandsFor(l.srv, nil), nil
}

// argText reads a New-PSSession argument as text.
func argText(call *ps.Call, name string) string {
	for k, v := range call.Args {
		if strings.EqualFold(k, name) && v != nil {
			if l, ok := v.([]any); ok && len(l) > 0 {
				v = l[0]
			}
			return strings.TrimSpace(fmt.Sprint(v))
		}
	}
	return ""
}
