package v1alpha1

import "testing"

func org(spec string) string { return doc(KindExchangeOrganization, "work-com", spec) }

var organizationCases = map[string]ruleCase{
	"Valid": {
		reason: "The test organisation itself is valid.",
		want:   nil,
	},
	"NoServers": {
		reason: "An organisation without servers has nothing to manage.",
		noOrg:  true,
		docs:   []string{org(`{servers: [], auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   []string{"error OrganizationServers spec.servers"},
	},
	"DuplicateServer": {
		reason: "Server names compare case-insensitively, as Exchange compares them.",
		noOrg:  true,
		docs: []string{org(`{servers: [{name: WIN1, endpoint: "https://a.work.com/wsman"}, {name: win1, endpoint: "https://b.work.com/wsman"}],
  auth: {username: u, passwordFrom: {env: P}}}`)},
		want: []string{"error OrganizationServers spec.servers[1].name"},
	},
	"ServerNameIsFQDN": {
		reason: "The Exchange server name is the computer name; an FQDN there would never match -Server.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: win1.work.com, endpoint: "https://a.work.com/wsman"}], auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   []string{"error OrganizationServerName spec.servers[0].name"},
	},
	"EndpointPath": {
		reason: "WinRM listens on /wsman; another path is a typo.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: WIN1, endpoint: "https://a.work.com:5986/PowerShell"}], auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   []string{"error OrganizationEndpoint spec.servers[0].endpoint"},
	},
	"EndpointScheme": {
		reason: "Only http and https reach WinRM.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: WIN1, endpoint: "ftp://a.work.com/wsman"}], auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   []string{"error OrganizationEndpoint spec.servers[0].endpoint"},
	},
	"EndpointPort": {
		reason: "A port outside 1..65535 cannot be dialled.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: WIN1, endpoint: "https://a.work.com:70000/wsman"}], auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   []string{"error OrganizationEndpoint spec.servers[0].endpoint"},
	},
	"HTTPNTLMSealed": {
		reason: "ntlm over http:// is sealed and signed, as Windows' default listener requires: nothing to allow.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: WIN1, endpoint: "http://win1.work.com:5985/wsman"}], auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   nil,
	},
	"HTTPAllowed": {
		reason: "allowUnencrypted sends unsealed messages over http: warned.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: WIN1, endpoint: "http://win1.work.com:5985/wsman"}], allowUnencrypted: true, auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   []string{"warning OrganizationInsecureTransport spec.allowUnencrypted"},
	},
	"HTTPKerberosRefused": {
		reason: "exreconcile cannot seal Kerberos messages over http.",
		noOrg:  true,
		docs: []string{org(`{servers: [{name: WIN1, endpoint: "http://win1.work.com:5985/wsman"}],
  auth: {method: kerberos, username: u, passwordFrom: {env: P}, kerberos: {realm: WORK.COM, krb5Conf: krb5.conf}}}`)},
		want: []string{"error OrganizationUnencryptedEndpoint spec.servers[0].endpoint"},
	},
	"HTTPKerberos": {
		reason: "The Kerberos transport does not encrypt messages over http either: the warning stays.",
		noOrg:  true,
		docs: []string{org(`{servers: [{name: WIN1, endpoint: "http://win1.work.com:5985/wsman"}], allowUnencrypted: true,
  auth: {method: kerberos, username: u, passwordFrom: {env: P}, kerberos: {realm: WORK.COM, krb5Conf: krb5.conf}}}`)},
		want: []string{"warning OrganizationInsecureTransport spec.allowUnencrypted"},
	},
	"TimeoutInRange": {
		reason: "A Go duration bounds the run on each server.",
		noOrg:  true,
		docs:   []string{org(`{timeout: 5m, servers: [{name: WIN1, endpoint: "https://a.work.com/wsman"}], auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   nil,
	},
	"TimeoutTooShort": {
		reason: "Under a second cannot open a session.",
		noOrg:  true,
		docs:   []string{org(`{timeout: 10ms, servers: [{name: WIN1, endpoint: "https://a.work.com/wsman"}], auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   []string{"error OrganizationTimeout spec.timeout"},
	},
	"TimeoutTooLong": {
		reason: "Over a day is a hang by another name.",
		noOrg:  true,
		docs:   []string{org(`{timeout: 25h, servers: [{name: WIN1, endpoint: "https://a.work.com/wsman"}], auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   []string{"error OrganizationTimeout spec.timeout"},
	},
	"UsernameColon": {
		reason: "NTLM and Basic split user and password on ':'.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: WIN1, endpoint: "https://a.work.com/wsman"}], auth: {username: "WORK:svc", passwordFrom: {env: P}}}`)},
		want:   []string{"error OrganizationUsername spec.auth.username"},
	},
	"BasicOverHTTP": {
		reason: "Basic authentication over http sends the password in clear text and needs allowBasicOverHTTP.",
		noOrg:  true,
		docs: []string{org(`{servers: [{name: WIN1, endpoint: "http://win1.work.com:5985/wsman"}],
  auth: {method: basic, username: u, passwordFrom: {env: P}}}`)},
		want: []string{"error OrganizationBasicOverHTTP spec.auth.method"},
	},
	"BasicOverHTTPAllowed": {
		reason: "allowBasicOverHTTP is the separate, warned opt-in; allowUnencrypted does not do it.",
		noOrg:  true,
		docs: []string{org(`{servers: [{name: WIN1, endpoint: "http://win1.work.com:5985/wsman"}], allowBasicOverHTTP: true,
  auth: {method: basic, username: u, passwordFrom: {env: P}}}`)},
		want: []string{"warning OrganizationInsecureTransport spec.allowBasicOverHTTP"},
	},
	"BasicOverHTTPNotByAllowUnencrypted": {
		reason: "allowUnencrypted alone does not permit Basic over http.",
		noOrg:  true,
		docs: []string{org(`{servers: [{name: WIN1, endpoint: "http://win1.work.com:5985/wsman"}], allowUnencrypted: true,
  auth: {method: basic, username: u, passwordFrom: {env: P}}}`)},
		want: []string{"error OrganizationBasicOverHTTP spec.auth.method", "warning OrganizationInsecureTransport spec.allowUnencrypted"},
	},
	"AllowBasicOverHTTPUnused": {
		reason: "allowBasicOverHTTP with ntlm allows nothing.",
		noOrg:  true,
		docs: []string{org(`{servers: [{name: WIN1, endpoint: "http://win1.work.com:5985/wsman"}], allowBasicOverHTTP: true,
  auth: {username: u, passwordFrom: {env: P}}}`)},
		want: []string{"warning OrganizationAllowUnencryptedUnused spec.allowBasicOverHTTP"},
	},
	"AllowBasicOverHTTPOnlyHTTPS": {
		reason: "With https:// endpoints Basic is encrypted by TLS: allowBasicOverHTTP allows nothing and is not an insecure transport.",
		noOrg:  true,
		docs: []string{org(`{servers: [{name: WIN1, endpoint: "https://win1.work.com:5986/wsman"}], allowBasicOverHTTP: true,
  auth: {method: basic, username: u, passwordFrom: {env: P}}}`)},
		want: []string{"warning OrganizationAllowUnencryptedUnused spec.allowBasicOverHTTP"},
	},
	"BasicOverHTTPBothOptIns": {
		reason: "Each opt-in that weakens the transport is warned about on its own field.",
		noOrg:  true,
		docs: []string{org(`{servers: [{name: WIN1, endpoint: "http://win1.work.com:5985/wsman"}], allowBasicOverHTTP: true, allowUnencrypted: true,
  tls: {insecureSkipVerify: true}, auth: {method: basic, username: u, passwordFrom: {env: P}}}`)},
		want: []string{"warning OrganizationInsecureTransport spec.allowBasicOverHTTP", "warning OrganizationInsecureTransport spec.allowUnencrypted",
			"warning OrganizationInsecureTransport spec.tls.insecureSkipVerify"},
	},
	"OwnerValid": {
		reason: "An owner id such as a repository name is kept in the connectors' marker.",
		noOrg:  true,
		docs:   []string{org(`{owner: corp/exchange-site-a, servers: [{name: WIN1, endpoint: "https://a.work.com/wsman"}], auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   nil,
	},
	"OwnerWithBracket": {
		reason: "An owner with ']' or a space would end or split the marker in the Comment.",
		noOrg:  true,
		docs:   []string{org(`{owner: "site a]", servers: [{name: WIN1, endpoint: "https://a.work.com/wsman"}], auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   []string{"error OrganizationOwner spec.owner"},
	},
	"KerberosNeedsRealm": {
		reason: "A Kerberos login needs the realm and the krb5.conf naming its KDCs.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: WIN1, endpoint: "https://win1.work.com/wsman"}], auth: {method: kerberos, username: u, passwordFrom: {env: P}}}`)},
		want:   []string{"error OrganizationKerberos spec.auth.method"},
	},
	"KerberosComplete": {
		reason: "Realm and krb5Conf are enough for method kerberos.",
		noOrg:  true,
		docs: []string{org(`{servers: [{name: WIN1, endpoint: "https://win1.work.com/wsman"}],
  auth: {method: kerberos, username: u, passwordFrom: {env: P}, kerberos: {realm: WORK.COM, krb5Conf: /etc/krb5.conf}}}`)},
		want: nil,
	},
	"KerberosUnused": {
		reason: "A kerberos block with method ntlm does nothing and is probably a mistake.",
		noOrg:  true,
		docs: []string{org(`{servers: [{name: WIN1, endpoint: "https://win1.work.com/wsman"}],
  auth: {username: u, passwordFrom: {env: P}, kerberos: {realm: WORK.COM, krb5Conf: /etc/krb5.conf}}}`)},
		want: []string{"warning OrganizationKerberos spec.auth.kerberos"},
	},
	"AllowUnencryptedUnused": {
		reason: "allowUnencrypted with only https endpoints would let a later typo go unencrypted.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: WIN1, endpoint: "https://win1.work.com/wsman"}], allowUnencrypted: true, auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   []string{"warning OrganizationAllowUnencryptedUnused spec.allowUnencrypted"},
	},
	"FQDNFromIPEndpoint": {
		reason: "The remote PowerShell URI needs a host name; an IP endpoint gives none.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: WIN1, endpoint: "https://10.0.0.1:5986/wsman"}], auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   []string{"warning OrganizationServerFQDN spec.servers[0].endpoint"},
	},
	"FQDNFromIPEndpointEdge": {
		reason: "Edge servers load the snap-in and need no FQDN.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: EDGE1, role: Edge, endpoint: "https://10.0.0.1:5986/wsman"}], auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   nil,
	},
	"FQDNInvalid": {
		reason: "An explicit fqdn must be a host name.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: WIN1, fqdn: "win1..work.com", endpoint: "https://10.0.0.1:5986/wsman"}], auth: {username: u, passwordFrom: {env: P}}}`)},
		want:   []string{"error OrganizationServerFQDN spec.servers[0].fqdn"},
	},
	"PasswordFromBoth": {
		reason: "passwordFrom names one source.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: WIN1, endpoint: "https://win1.work.com/wsman"}], auth: {username: u, passwordFrom: {env: P, file: /run/p}}}`)},
		want:   []string{"error OrganizationPasswordFrom spec.auth.passwordFrom"},
	},
	"PasswordFromNone": {
		reason: "An empty passwordFrom names no source.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: WIN1, endpoint: "https://win1.work.com/wsman"}], auth: {username: u, passwordFrom: {}}}`)},
		want:   []string{"error OrganizationPasswordFrom spec.auth.passwordFrom"},
	},
	"PasswordFromBadEnv": {
		reason: "An environment variable name cannot hold a dash.",
		noOrg:  true,
		docs:   []string{org(`{servers: [{name: WIN1, endpoint: "https://win1.work.com/wsman"}], auth: {username: u, passwordFrom: {env: EXRE-PW}}}`)},
		want:   []string{"error OrganizationPasswordFrom spec.auth.passwordFrom.env"},
	},
	"RemotePowerShellWithEdge": {
		reason: "Edge servers have no Exchange remote PowerShell endpoint.",
		noOrg:  true,
		docs: []string{org(`{servers: [{name: EDGE1, role: Edge, endpoint: "https://edge1.work.com/wsman"}], session: RemotePowerShell,
  auth: {username: u, passwordFrom: {env: P}}}`)},
		want: []string{"error OrganizationSessionEdge spec.session"},
	},
	"CAFileIgnored": {
		reason: "insecureSkipVerify makes caFile pointless.",
		noOrg:  true,
		docs: []string{org(`{servers: [{name: WIN1, endpoint: "https://win1.work.com/wsman"}], tls: {caFile: ca.pem, insecureSkipVerify: true},
  auth: {username: u, passwordFrom: {env: P}}}`)},
		want: []string{"warning OrganizationInsecureTransport spec.tls.insecureSkipVerify", "warning OrganizationTLS spec.tls.caFile"},
	},
}

func init() { allRuleCases["organization"] = organizationCases }

func TestOrganizationRules(t *testing.T) { runRuleCases(t, "organization", organizationCases) }
