package exchange

import (
	"fmt"
	"sort"
	"strings"
)

// Role is an Exchange server role as far as loading the cmdlets goes.
type Role string

// Roles.
const (
	RoleMailbox Role = "Mailbox"
	RoleEdge    Role = "Edge"
)

// SessionMode is how a script loads the Exchange cmdlets.
type SessionMode string

// Session modes. Auto means RemotePowerShell on Mailbox servers and SnapIn
// on Edge, which has no remote PowerShell endpoint (docs/exchange.md "Loading the cmdlets").
const (
	SessionAuto             SessionMode = "Auto"
	SessionRemotePowerShell SessionMode = "RemotePowerShell"
	SessionSnapIn           SessionMode = "SnapIn"
)

// Snap-in names by version (docs/exchange.md "Loading the cmdlets").
const (
	snapIn2010 = "Microsoft.Exchange.Management.PowerShell.E2010"
	snapIn2013 = "Microsoft.Exchange.Management.PowerShell.SnapIn"
)

// Target is one Exchange server and how scripts reach its cmdlets.
type Target struct {
	// Name is the Exchange server name (-Server, SourceTransportServers).
	Name string
	// FQDN is the host of the remote PowerShell URI http://<fqdn>/PowerShell/.
	FQDN    string
	Role    Role
	Session SessionMode
	// Version is what an earlier observation learned (or configuration
	// said); VersionUnknown before the first observation.
	Version Version
	// Username and Password are the explicit credential of the remote
	// session. Passing it avoids the Kerberos double hop: the WinRM logon
	// cannot delegate to http://<fqdn>/PowerShell/ by itself.
	Username string
	Password Secret
}

// Mode resolves Auto.
func (t Target) Mode() SessionMode {
	switch t.Session {
	case SessionRemotePowerShell, SessionSnapIn:
		return t.Session
	}
	if t.Role == RoleEdge {
		return SessionSnapIn
	}
	return SessionRemotePowerShell
}

func (t Target) check() error {
	if t.Name == "" {
		return fmt.Errorf("%w: target has no server name", ErrInvalidRequest)
	}
	if t.Mode() == SessionRemotePowerShell && (t.FQDN == "" || t.Username == "") {
		return fmt.Errorf("%w: a remote PowerShell session to %s needs the server FQDN and a username", ErrInvalidRequest, t.Name)
	}
	if t.Mode() == SessionRemotePowerShell && t.Password == "" {
		// A Kerberos ccache logs on to WinRM, but that logon cannot
		// delegate to http://<fqdn>/PowerShell/ (no double hop): the
		// session needs the explicit credential.
		return fmt.Errorf("%w: the Exchange remote session to %s needs the account's password: a Kerberos ccache alone "+
			"logs on to WinRM but cannot open http://%s/PowerShell/ from there (no double hop); give the password too, "+
			"or use the snap-in (Edge servers, session SnapIn)", ErrInvalidRequest, t.Name, t.FQDN)
	}
	return nil
}

// sessionVar is the PSSession variable of the remote session.
const sessionVar = "$session"

// builtinCall records a call of a non-Exchange command for the parameter
// check (the text is written separately where positional syntax is used).
func builtinCall(s *Script, cmdlet string, params ...string) {
	c := Call{Cmdlet: cmdlet}
	for _, p := range params {
		c.Params = append(c.Params, Param{Name: p})
	}
	s.record(c)
}

// openSession writes the lines that make the Exchange cmdlets available and
// stop at the first error. cmdlets are the Exchange cmdlets the script uses:
// the remote session imports only those (faster, and RBAC-limited accounts
// may not see the rest).
func openSession(s *Script, t Target, cmdlets []string) {
	s.Line(raw("$ErrorActionPreference = 'Stop'"))
	if len(cmdlets) == 0 {
		// Only local commands (Restart-Service): no Exchange session, and
		// no Import-PSSession -CommandName $null, which would import all.
		return
	}
	switch t.Mode() {
	case SessionSnapIn:
		openSnapIn(s, t.Version)
	default:
		s.Line(concat(raw("$cred = New-Object System.Management.Automation.PSCredential -ArgumentList "),
			lit(t.Username), raw(", "), secureString(t.Password)))
		builtinCall(s, "New-Object", "TypeName", "ArgumentList")
		builtinCall(s, "ConvertTo-SecureString", "String", "AsPlainText", "Force")
		uri := "http://" + t.FQDN + "/PowerShell/"
		s.Line(concat(raw(sessionVar+" = New-PSSession -ConfigurationName "), lit("Microsoft.Exchange"),
			raw(" -ConnectionUri "), lit(uri), raw(" -Authentication "), lit("Kerberos"), raw(" -Credential $cred")))
		builtinCall(s, "New-PSSession", "ConfigurationName", "ConnectionUri", "Authentication", "Credential")
		// From here the session exists: whatever fails, the finally block
		// of closeSession removes it (sessions left open count against the
		// account's PowerShellMaxConcurrency until they time out,
		// docs/exchange.md "Loading the cmdlets").
		s.open("try {")
		s.Line(concat(raw("Import-PSSession "+sessionVar+" -CommandName "), lits(cmdlets),
			raw(" -DisableNameChecking | Out-Null")))
		builtinCall(s, "Import-PSSession", "Session", "CommandName", "DisableNameChecking")
		builtinCall(s, "Out-Null")
	}
}

// openSnapIn loads the local snap-in. Its name depends on the version; when
// the version is not known yet (the first observation of an Edge server)
// both names are tried, each with -ErrorAction SilentlyContinue, because a
// straight-line script cannot branch: exactly one is installed, and a
// missing one then shows as "Get-ExchangeServer is not recognized", which
// the classifier reports as a set-up failure.
func openSnapIn(s *Script, v Version) {
	var names []string
	switch {
	case v == Exchange2010:
		names = []string{snapIn2010}
	case v.Known():
		names = []string{snapIn2013}
	default:
		names = []string{snapIn2013, snapIn2010}
	}
	for _, n := range names {
		line := concat(raw("Add-PSSnapin -Name "), lit(n))
		params := []string{"Name"}
		if len(names) > 1 {
			line = concat(line, raw(" -ErrorAction "), lit("SilentlyContinue"))
			params = append(params, "ErrorAction")
		}
		s.Line(line)
		builtinCall(s, "Add-PSSnapin", params...)
	}
}

// closeSession removes the remote session in the finally block that
// openSession opened (sessions left open count against the account's quota
// on the server, also when a call failed) and writes the done marker, which
// tells the reader the whole script ran.
func closeSession(s *Script, t Target, cmdlets []string) {
	if t.Mode() == SessionRemotePowerShell && len(cmdlets) > 0 {
		s.reopen("} finally {")
		s.Line(raw("Remove-PSSession " + sessionVar))
		builtinCall(s, "Remove-PSSession", "Session")
		s.close("}")
	}
	s.Line(lit(markerDone))
}

// exchangeCmdlets lists the distinct Exchange cmdlets among calls, sorted.
func exchangeCmdlets(calls []Call) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range calls {
		k := strings.ToLower(c.Cmdlet)
		if IsExchangeCmdlet(c.Cmdlet) && !seen[k] {
			seen[k] = true
			out = append(out, c.Cmdlet)
		}
	}
	sort.Strings(out)
	return out
}

// builtinParams is every non-Exchange command a generated script may call,
// with the parameters it may pass. The golden-script test checks calls
// against it and against params.tsv; exsim implements exactly these.
var builtinParams = map[string][]string{
	"New-Object":             {"TypeName", "ArgumentList"},
	"ConvertTo-SecureString": {"String", "AsPlainText", "Force"},
	"New-PSSession":          {"ConfigurationName", "ConnectionUri", "Authentication", "Credential"},
	"Import-PSSession":       {"Session", "CommandName", "DisableNameChecking"},
	"Remove-PSSession":       {"Session"},
	"Add-PSSnapin":           {"Name", "ErrorAction"},
	"Select-Object":          {"Property"},
	"ConvertTo-Xml":          {"As", "Depth", "NoTypeInformation"},
	"Export-Clixml":          {"LiteralPath", "Depth"},
	"Remove-Item":            {"LiteralPath"},
	"Out-Null":               {},
	"Restart-Service":        {"Name", "Force", "ErrorAction"},
	"Get-ChildItem":          {"Path", "ErrorAction"},
	"Get-WmiObject":          {"Class", "Filter", "ErrorAction"},
}
