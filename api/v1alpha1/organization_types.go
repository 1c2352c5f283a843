package v1alpha1

import (
	"strings"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// An ExchangeOrganization declares one Exchange organisation: the servers exreconcile talks to
// and how it connects to them. Every other object belongs to one organisation through
// spec.organizationRef.
type ExchangeOrganization struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata" jsonschema:"required"`
	// Spec is the organisation's servers and connection settings.
	Spec ExchangeOrganizationSpec `json:"spec" jsonschema:"required"`
}

// GetOrganizationRef returns "": an organisation is not part of another one.
func (*ExchangeOrganization) GetOrganizationRef() string { return "" }

// ExchangeOrganizationSpec lists the servers of an organisation and how to reach them over WinRM.
type ExchangeOrganizationSpec struct {
	// Servers are the Exchange servers exreconcile manages; receive connectors and certificates
	// name one of them in server/servers. At least one.
	Servers []Server `json:"servers" jsonschema:"required,minItems=1"`
	// Auth is the WinRM account and how its password is read.
	Auth *OrganizationAuth `json:"auth" jsonschema:"required"`
	// TLS configures certificate verification for https:// endpoints.
	TLS *TLSConfig `json:"tls,omitempty"`
	// AllowUnencrypted sends WinRM messages over http:// unsealed, for a lab listener configured
	// with AllowUnencrypted=true. Without it, http:// endpoints with ntlm are sealed and signed
	// (NTLM message encryption, as Windows' default listener requires) and kerberos needs
	// https://. Default false.
	AllowUnencrypted bool `json:"allowUnencrypted,omitempty"`
	// AllowBasicOverHTTP permits auth.method basic on http:// endpoints, which sends the
	// password and every script readable on the network (Basic cannot seal messages). A separate
	// opt-in from allowUnencrypted, for labs only. Default false.
	AllowBasicOverHTTP bool `json:"allowBasicOverHTTP,omitempty"`
	// Timeout bounds all the work of one run on one server (observe, apply, verify), a Go
	// duration such as 5m; a server that exceeds it fails as TimedOut and the other servers go
	// on. The --timeout flag, when given, wins. Default 10m.
	Timeout *Duration `json:"timeout,omitempty"`
	// Session says how the Exchange cmdlets are loaded: Auto (default; Mailbox servers through
	// the Exchange remote PowerShell endpoint, Edge servers through the local snap-in),
	// RemotePowerShell or SnapIn.
	Session SessionMode `json:"session,omitempty"`
	// RestartTransportService says whether the transport service is restarted after changes:
	// Never (default) or OnChange (once per server, after that server's changes).
	RestartTransportService RestartPolicy `json:"restartTransportService,omitempty"`
	// Owner names the site (for example the repository) that manages these manifests. Connectors
	// this site creates carry [managed-by: exreconcile owner=<owner>] in their Comment; --prune
	// needs an owner and removes only connectors with this owner's marker. Letters, digits, '.',
	// '_', '-' and '/', at most 64 characters.
	Owner string `json:"owner,omitempty" jsonschema:"maxLength=64,pattern=^[A-Za-z0-9._/-]+$"`
}

// A Server is one Exchange server of the organisation.
type Server struct {
	// Name is the Exchange server name, as used in -Server and SourceTransportServers (for
	// example WIN20081).
	Name string `json:"name" jsonschema:"required,minLength=1"`
	// FQDN is the server's fully qualified domain name, used in the Exchange remote PowerShell
	// URI http://<fqdn>/PowerShell/. Default: the endpoint's host.
	FQDN string `json:"fqdn,omitempty"`
	// Endpoint is the server's WinRM endpoint, http(s)://host[:port]/wsman (for example
	// https://win20081.work.com:5986/wsman).
	Endpoint string `json:"endpoint" jsonschema:"required,minLength=1,pattern=^[hH][tT][tT][pP][sS]?://[^/]+/wsman$"`
	// Role is Mailbox (default) or Edge; Edge servers have no remote PowerShell endpoint and no
	// SourceTransportServers.
	Role ServerRole `json:"role,omitempty"`
}

// OrganizationAuth is the account exreconcile uses for WinRM and for the Exchange remote
// session.
type OrganizationAuth struct {
	// Method is the WinRM authentication: ntlm (default), kerberos or basic. basic needs https://
	// endpoints unless allowBasicOverHTTP is true; kerberos needs https:// unless
	// allowUnencrypted is true.
	Method AuthMethod `json:"method,omitempty"`
	// Username is the account, for example 'WORK\svc-exreconcile' or svc@work.com.
	Username string `json:"username" jsonschema:"required,minLength=1"`
	// PasswordFrom says where the account's password is read at run time. Required, except
	// with method kerberos and kerberos.ccache for servers that load the Exchange snap-in (Edge,
	// or session SnapIn): the Exchange remote session of a Mailbox server needs the password,
	// because a ticket from the ccache cannot be passed on from the WinRM shell (no double hop).
	PasswordFrom *PasswordFrom `json:"passwordFrom,omitempty"`
	// Kerberos configures method kerberos: the realm and the krb5.conf the client reads.
	Kerberos *KerberosAuth `json:"kerberos,omitempty"`
}

// KerberosAuth is what a Kerberos login needs besides the account.
type KerberosAuth struct {
	// Realm is the Kerberos realm, usually the AD domain in upper case (WORK.COM).
	Realm string `json:"realm" jsonschema:"required,minLength=1"`
	// Krb5Conf is the path of a krb5.conf naming the realm's KDCs. A relative path is relative
	// to the manifest's folder.
	Krb5Conf string `json:"krb5Conf" jsonschema:"required,minLength=1"`
	// CCache is an optional credential cache file (kinit); when set, WinRM authenticates with
	// its ticket, and the password (if given) only opens Mailbox servers' Exchange remote
	// sessions.
	CCache string `json:"ccache,omitempty"`
	// SPN overrides the service principal name (default HTTP/<endpoint host>).
	SPN string `json:"spn,omitempty"`
}

// TLSConfig configures how exreconcile verifies the servers' https:// certificates.
type TLSConfig struct {
	// CAFile is a PEM file of CA certificates to trust instead of the system roots. A relative
	// path is relative to the manifest's folder.
	CAFile string `json:"caFile,omitempty"`
	// InsecureSkipVerify turns certificate verification off. Default false; for labs only.
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty"`
}

// AuthMethod is the WinRM authentication method.
type AuthMethod string

// Values of AuthMethod.
const (
	AuthNTLM     AuthMethod = "ntlm"
	AuthKerberos AuthMethod = "kerberos"
	AuthBasic    AuthMethod = "basic"
)

var authMethodEnum = value.EnumSpec{Name: "auth method", Values: enumStrings(AuthNTLM, AuthKerberos, AuthBasic)}

// Values lists the allowed values of AuthMethod.
func (AuthMethod) Values() []string { return authMethodEnum.Values }

// UnmarshalText accepts ntlm, kerberos or basic in any letter case.
func (m *AuthMethod) UnmarshalText(b []byte) error { return parseEnum(m, authMethodEnum, b) }

// ServerRole is the Exchange server role that matters to exreconcile.
type ServerRole string

// Values of ServerRole.
const (
	RoleMailbox ServerRole = "Mailbox"
	RoleEdge    ServerRole = "Edge"
)

var serverRoleEnum = value.EnumSpec{Name: "server role", Values: enumStrings(RoleMailbox, RoleEdge)}

// Values lists the allowed values of ServerRole.
func (ServerRole) Values() []string { return serverRoleEnum.Values }

// UnmarshalText accepts Mailbox or Edge in any letter case.
func (r *ServerRole) UnmarshalText(b []byte) error { return parseEnum(r, serverRoleEnum, b) }

// SessionMode says how the Exchange cmdlets are loaded on a server.
type SessionMode string

// Values of SessionMode.
const (
	SessionAuto             SessionMode = "Auto"
	SessionRemotePowerShell SessionMode = "RemotePowerShell"
	SessionSnapIn           SessionMode = "SnapIn"
)

var sessionEnum = value.EnumSpec{Name: "session", Values: enumStrings(SessionAuto, SessionRemotePowerShell, SessionSnapIn)}

// Values lists the allowed values of SessionMode.
func (SessionMode) Values() []string { return sessionEnum.Values }

// UnmarshalText accepts Auto, RemotePowerShell or SnapIn in any letter case.
func (m *SessionMode) UnmarshalText(b []byte) error { return parseEnum(m, sessionEnum, b) }

// For returns the session a server of the given role gets: Auto picks RemotePowerShell for
// Mailbox servers and SnapIn for Edge servers, which have no remote PowerShell endpoint.
func (m SessionMode) For(role ServerRole) SessionMode {
	if m != SessionAuto && m != "" {
		return m
	}
	if role == RoleEdge {
		return SessionSnapIn
	}
	return SessionRemotePowerShell
}

// RestartPolicy says when the transport service is restarted.
type RestartPolicy string

// Values of RestartPolicy.
const (
	RestartNever    RestartPolicy = "Never"
	RestartOnChange RestartPolicy = "OnChange"
)

var restartEnum = value.EnumSpec{Name: "restartTransportService", Values: enumStrings(RestartNever, RestartOnChange)}

// Values lists the allowed values of RestartPolicy.
func (RestartPolicy) Values() []string { return restartEnum.Values }

// UnmarshalText accepts Never or OnChange in any letter case.
func (p *RestartPolicy) UnmarshalText(b []byte) error { return parseEnum(p, restartEnum, b) }

// Server returns the declared server with the given name (case-insensitive), or nil.
func (o *ExchangeOrganization) Server(name string) *Server {
	for i := range o.Spec.Servers {
		if strings.EqualFold(o.Spec.Servers[i].Name, name) {
			return &o.Spec.Servers[i]
		}
	}
	return nil
}

// ServerNames returns the names of the declared servers with the given role, or of all servers
// when role is "".
func (o *ExchangeOrganization) ServerNames(role ServerRole) []string {
	var names []string
	for _, s := range o.Spec.Servers {
		if role == "" || s.Role == role {
			names = append(names, s.Name)
		}
	}
	return names
}
