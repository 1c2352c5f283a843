package v1alpha1

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// Rule names for ExchangeOrganization.
const (
	RuleOrgServers         = "OrganizationServers"
	RuleOrgServerName      = "OrganizationServerName"
	RuleOrgEndpoint        = "OrganizationEndpoint"
	RuleOrgServerFQDN      = "OrganizationServerFQDN"
	RuleOrgUnencrypted     = "OrganizationUnencryptedEndpoint"
	RuleOrgBasicOverHTTP   = "OrganizationBasicOverHTTP"
	RuleOrgPasswordFrom    = "OrganizationPasswordFrom"
	RuleOrgSessionEdge     = "OrganizationSessionEdge"
	RuleOrgTLSSkipVerifyCA = "OrganizationTLS"
	RuleOrgUnusedAllowHTTP = "OrganizationAllowUnencryptedUnused"
	RuleOrgKerberos        = "OrganizationKerberos"
	RuleOrgOwner           = "OrganizationOwner"
	RuleOrgUsername        = "OrganizationUsername"
	RuleOrgInsecure        = "OrganizationInsecureTransport"
	RuleOrgTimeout         = "OrganizationTimeout"
	RuleOrgPassword        = "OrganizationPassword"
)

// The per-server run deadline's bounds: under a second cannot even open a
// session; over a day is a hang by another name.
const (
	minServerTimeout = time.Second
	maxServerTimeout = 24 * time.Hour
)

// WinRM's default ports, named in endpoint errors, and the longest computer name.
const (
	defaultWinRMHTTPPort    = 5985
	defaultWinRMHTTPSPort   = 5986
	maxServerNameCharacters = 63
)

var organizationRules = []rule[*ExchangeOrganization]{
	{RuleOrgServers, "spec.servers lists at least one server, each name once (case-insensitively).", checkOrgServers},
	{RuleOrgServerName, "A server name is a computer name: letters, digits and hyphens, at most 63 characters.", checkOrgServerName},
	{RuleOrgEndpoint, "An endpoint is http(s)://host[:port]/wsman, without user, query or fragment.", checkOrgEndpoint},
	{RuleOrgServerFQDN, "A server fqdn is a host name; an fqdn taken from an IP endpoint cannot address the Exchange remote PowerShell endpoint (warning).", checkOrgServerFQDN},
	{RuleOrgUnencrypted, "kerberos over http:// needs allowUnencrypted: true: exreconcile seals messages over http:// with NTLM only.", checkOrgUnencrypted},
	{RuleOrgBasicOverHTTP, "Basic authentication over http:// sends the password in clear text and needs allowBasicOverHTTP: true (which is warned about).", checkOrgBasicOverHTTP},
	{RuleOrgPasswordFrom, "auth.passwordFrom names exactly one of env or file.", checkOrgPasswordFrom},
	{RuleOrgSessionEdge, "session RemotePowerShell cannot reach Edge servers, which have no Exchange remote PowerShell endpoint.", checkOrgSessionEdge},
	{RuleOrgTLSSkipVerifyCA, "tls.caFile has no effect with insecureSkipVerify: true (warning).", checkOrgTLS},
	{RuleOrgUnusedAllowHTTP, "allowUnencrypted with only https:// endpoints, or allowBasicOverHTTP without basic on an http:// endpoint, allows nothing (warning).", checkOrgUnusedAllowHTTP},
	{RuleOrgOwner, "owner is letters, digits, '.', '_', '-' and '/', at most 64 characters: it goes into the connectors' Comment marker.", checkOrgOwner},
	{RuleOrgUsername, "auth.username has no ':' (NTLM and Basic split the user from the password on it) and no control characters.", checkOrgUsername},
	{RuleOrgInsecure, "tls.insecureSkipVerify, allowUnencrypted and allowBasicOverHTTP weaken the WinRM transport (warning).", checkOrgInsecure},
	{RuleOrgTimeout, "timeout is between 1s and 24h.", checkOrgTimeout},
	{RuleOrgPassword, "auth.passwordFrom is required, except with a kerberos ccache when every server loads the snap-in (Edge, or session SnapIn): a Mailbox server's Exchange remote session needs the password (no double hop).", checkOrgPassword},
	{RuleOrgKerberos, "auth.method kerberos needs auth.kerberos with realm and krb5Conf; auth.kerberos with another method is unused (warning).", checkOrgKerberos},
}

func checkOrgKerberos(c *checker, o *ExchangeOrganization) {
	a := o.Spec.Auth
	if a == nil {
		return
	}
	switch {
	case a.Method == AuthKerberos && a.Kerberos == nil:
		c.errorf("spec.auth.method", "method kerberos needs spec.auth.kerberos with realm (e.g. WORK.COM) and krb5Conf (the krb5.conf naming its KDCs)")
	case a.Method != AuthKerberos && a.Kerberos != nil:
		c.warnf("spec.auth.kerberos", "spec.auth.kerberos is used only with method kerberos (method is %s)", a.Method)
	}
}

// ownerID is what an owner id may hold: nothing that could end the
// [managed-by: exreconcile owner=<id>] marker or hide in a Comment.
var ownerID = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,64}$`)

func checkOrgOwner(c *checker, o *ExchangeOrganization) {
	if o.Spec.Owner != "" && !ownerID.MatchString(o.Spec.Owner) {
		c.errorf("spec.owner", "invalid owner %q: use letters, digits, '.', '_', '-' and '/' (at most 64), such as the repository name", o.Spec.Owner)
	}
}

func checkOrgUsername(c *checker, o *ExchangeOrganization) {
	a := o.Spec.Auth
	if a == nil {
		return
	}
	switch {
	case strings.Contains(a.Username, ":"):
		c.errorf("spec.auth.username", "username %q contains ':', which NTLM and Basic authentication take as the end of the user name; write DOMAIN\\user or user@domain", EscapeControl(a.Username))
	case strings.ContainsFunc(a.Username, unicode.IsControl) || strings.TrimSpace(a.Username) != a.Username:
		c.errorf("spec.auth.username", "username %q has control characters or leading or trailing spaces", EscapeControl(a.Username))
	}
}

func checkOrgInsecure(c *checker, o *ExchangeOrganization) {
	if t := o.Spec.TLS; t != nil && t.InsecureSkipVerify {
		c.warnf("spec.tls.insecureSkipVerify", "insecureSkipVerify: true accepts any server certificate, so a machine in the middle can read the WinRM password; set tls.caFile instead")
	}
	// allowUnencrypted turns NTLM sealing off, and the Kerberos transport
	// never seals, so no method is exempt from the warning.
	if o.Spec.AllowUnencrypted && len(httpServers(o)) > 0 {
		c.warnf("spec.allowUnencrypted", "allowUnencrypted: true sends WinRM messages over http:// unsealed, which a machine in the middle can read or change; leave it out (ntlm seals messages over http://) or use https://")
	}
	if o.Spec.AllowBasicOverHTTP && o.Spec.Auth != nil && o.Spec.Auth.Method == AuthBasic && len(httpServers(o)) > 0 {
		c.warnf("spec.allowBasicOverHTTP", "allowBasicOverHTTP: true sends the account's password and every script over http:// readable on the network; use ntlm (sealed over http://) or https://")
	}
}

func checkOrgPassword(c *checker, o *ExchangeOrganization) {
	a := o.Spec.Auth
	if a == nil || a.PasswordFrom != nil {
		return
	}
	if a.Method != AuthKerberos || a.Kerberos == nil || a.Kerberos.CCache == "" {
		c.errorf("spec.auth.passwordFrom", "required field is missing: the account's password, {env: VAR} or {file: path} (only a kerberos ccache can stand in for it, and only for Edge servers)")
		return
	}
	for i, s := range o.Spec.Servers {
		if o.Spec.Session == SessionSnapIn || (o.Spec.Session != SessionRemotePowerShell && s.Role == RoleEdge) {
			continue
		}
		c.errorf(fmt.Sprintf("spec.servers[%d]", i), "Mailbox server %q opens the Exchange remote session with the account's password, "+
			"which a ticket from kerberos.ccache cannot replace (it cannot be passed on from the WinRM shell: no double hop); "+
			"set spec.auth.passwordFrom, or use a ccache alone only for Edge servers", s.Name)
	}
}

func checkOrgTimeout(c *checker, o *ExchangeOrganization) {
	if t := o.Spec.Timeout; t != nil && (t.Duration < minServerTimeout || t.Duration > maxServerTimeout) {
		c.errorf("spec.timeout", "timeout %s is out of range: allowed 1s to 24h (the default is 10m)", t.Duration)
	}
}

func checkOrgServers(c *checker, o *ExchangeOrganization) {
	if o.Spec.Servers != nil && len(o.Spec.Servers) == 0 {
		c.errorf("spec.servers", "list at least one server")
	}
	for i, s := range o.Spec.Servers {
		j := slices.IndexFunc(o.Spec.Servers[:i], func(t Server) bool { return s.Name != "" && strings.EqualFold(t.Name, s.Name) })
		if j >= 0 {
			c.errorf(fmt.Sprintf("spec.servers[%d].name", i), "server %q is declared twice (also spec.servers[%d])", s.Name, j)
		}
	}
}

var computerName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$`)

func checkOrgServerName(c *checker, o *ExchangeOrganization) {
	for i, s := range o.Spec.Servers {
		if s.Name == "" {
			continue // a missing name is reported by the loader; an empty one here
		}
		if !computerName.MatchString(s.Name) || len(s.Name) > maxServerNameCharacters {
			c.errorf(fmt.Sprintf("spec.servers[%d].name", i),
				"invalid server name %q: the Exchange server name is its computer name (letters, digits and hyphens, at most %d characters), not its FQDN",
				s.Name, maxServerNameCharacters)
		}
	}
}

// parseEndpoint splits a WinRM endpoint URL, or says what is wrong with it.
func parseEndpoint(endpoint string) (*url.URL, error) {
	const want = "want http(s)://host[:port]/wsman, such as https://win20081.work.com:5986/wsman"
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("invalid endpoint %q: %s", endpoint, want)
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return nil, fmt.Errorf("invalid endpoint %q: scheme must be http or https; %s", endpoint, want)
	case u.Hostname() == "":
		return nil, fmt.Errorf("invalid endpoint %q: no host; %s", endpoint, want)
	case u.User != nil:
		return nil, fmt.Errorf("invalid endpoint %q: credentials do not belong in the URL; use spec.auth", endpoint)
	case u.RawQuery != "" || u.Fragment != "" || !strings.EqualFold(u.Path, "/wsman"):
		return nil, fmt.Errorf("invalid endpoint %q: the path must be /wsman; %s", endpoint, want)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("invalid endpoint %q: port %q must be a number from 1 to 65535 (WinRM uses %d for http, %d for https)",
				endpoint, p, defaultWinRMHTTPPort, defaultWinRMHTTPSPort)
		}
	}
	return u, nil
}

func checkOrgEndpoint(c *checker, o *ExchangeOrganization) {
	for i, s := range o.Spec.Servers {
		if s.Endpoint == "" {
			continue // reported as missing
		}
		if _, err := parseEndpoint(s.Endpoint); err != nil {
			c.errorf(fmt.Sprintf("spec.servers[%d].endpoint", i), "%v", err)
		}
	}
}

func checkOrgServerFQDN(c *checker, o *ExchangeOrganization) {
	for i, s := range o.Spec.Servers {
		path := fmt.Sprintf("spec.servers[%d].fqdn", i)
		if s.FQDN == "" {
			continue
		}
		explicit := c.v.site.written(o, path)
		if _, err := netip.ParseAddr(s.FQDN); err == nil {
			if !explicit && o.Spec.Session.For(s.Role) == SessionRemotePowerShell {
				c.warnf(fmt.Sprintf("spec.servers[%d].endpoint", i),
					"fqdn defaults to the endpoint host %s, an IP address; the Exchange remote PowerShell endpoint (Kerberos) needs the server's host name: set fqdn", s.FQDN)
			} else if explicit {
				c.errorf(path, "fqdn %q is an IP address; give the server's fully qualified host name", s.FQDN)
			}
			continue
		}
		if _, err := value.ParseFQDN(s.FQDN); err != nil && explicit {
			c.errorf(path, "%v", err)
		}
	}
}

// httpServers returns the indexes of servers whose endpoint is plain http.
func httpServers(o *ExchangeOrganization) []int {
	var out []int
	for i, s := range o.Spec.Servers {
		if u, err := parseEndpoint(s.Endpoint); err == nil && strings.EqualFold(u.Scheme, "http") {
			out = append(out, i)
		}
	}
	return out
}

func checkOrgUnencrypted(c *checker, o *ExchangeOrganization) {
	if o.Spec.AllowUnencrypted || o.Spec.Auth == nil || o.Spec.Auth.Method != AuthKerberos {
		return
	}
	for _, i := range httpServers(o) {
		c.errorf(fmt.Sprintf("spec.servers[%d].endpoint", i),
			"kerberos over http:// would send every message unsealed (exreconcile seals http:// messages with NTLM only); "+
				"use an https:// endpoint, auth.method ntlm, or spec.allowUnencrypted: true for a lab listener with AllowUnencrypted=true")
	}
}

func checkOrgBasicOverHTTP(c *checker, o *ExchangeOrganization) {
	if o.Spec.AllowBasicOverHTTP || o.Spec.Auth == nil || o.Spec.Auth.Method != AuthBasic {
		return
	}
	if idx := httpServers(o); len(idx) > 0 {
		c.errorf("spec.auth.method", "basic authentication over http:// (spec.servers[%d]) sends the password in clear text; use https://, auth.method ntlm, or set spec.allowBasicOverHTTP: true for a lab", idx[0])
	}
}

func checkOrgPasswordFrom(c *checker, o *ExchangeOrganization) {
	if o.Spec.Auth != nil {
		checkPasswordFrom(c, "spec.auth.passwordFrom", o.Spec.Auth.PasswordFrom)
	}
}

func checkOrgSessionEdge(c *checker, o *ExchangeOrganization) {
	if o.Spec.Session != SessionRemotePowerShell {
		return
	}
	for _, s := range o.Spec.Servers {
		if s.Role == RoleEdge {
			c.errorf("spec.session", "Edge server %q has no Exchange remote PowerShell endpoint; use session Auto (Edge servers load the snap-in) or SnapIn", s.Name)
			return
		}
	}
}

func checkOrgTLS(c *checker, o *ExchangeOrganization) {
	if t := o.Spec.TLS; t != nil && t.CAFile != "" && t.InsecureSkipVerify {
		c.warnf("spec.tls.caFile", "caFile is ignored because insecureSkipVerify is true")
	}
}

func checkOrgUnusedAllowHTTP(c *checker, o *ExchangeOrganization) {
	if len(o.Spec.Servers) == 0 {
		return
	}
	if o.Spec.AllowUnencrypted && len(httpServers(o)) == 0 {
		c.warnf("spec.allowUnencrypted", "allowUnencrypted is true but no endpoint uses http://; leave it out so that a mistyped endpoint cannot go unencrypted")
	}
	basic := o.Spec.Auth != nil && o.Spec.Auth.Method == AuthBasic
	if o.Spec.AllowBasicOverHTTP && (!basic || len(httpServers(o)) == 0) {
		c.warnf("spec.allowBasicOverHTTP", "allowBasicOverHTTP is true but no http:// endpoint uses basic authentication; leave it out")
	}
}
