package exchange

import (
	"fmt"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// ObservedSendConnector is one send connector as Get-SendConnector reports
// it. Send connectors are organisation-wide: they are read through the
// organisation's chosen server only.
type ObservedSendConnector struct {
	Name                   string               `json:"name"`
	Identity               string               `json:"identity"`
	AddressSpaces          []value.AddressSpace `json:"addressSpaces"`
	DNSRoutingEnabled      bool                 `json:"dnsRoutingEnabled"`
	SmartHosts             []value.SmartHost    `json:"smartHosts"`
	SmartHostAuthMechanism string               `json:"smartHostAuthMechanism,omitempty"`
	// HasAuthenticationCredential: a smart-host credential is stored. Its
	// password can never be read back, only replaced.
	HasAuthenticationCredential bool   `json:"hasAuthenticationCredential"`
	RequireTLS                  bool   `json:"requireTLS"`
	IgnoreSTARTTLS              bool   `json:"ignoreSTARTTLS"`
	DomainSecureEnabled         bool   `json:"domainSecureEnabled"`
	TlsAuthLevel                string `json:"tlsAuthLevel,omitempty"`
	TlsDomain                   string `json:"tlsDomain,omitempty"`
	// TlsCertificateName is empty on Exchange 2010, which lacks it.
	TlsCertificateName     string         `json:"tlsCertificateName,omitempty"`
	Port                   int            `json:"port"`
	Fqdn                   string         `json:"fqdn,omitempty"`
	SourceTransportServers []string       `json:"sourceTransportServers"`
	Enabled                bool           `json:"enabled"`
	MaxMessageSize         value.ByteSize `json:"maxMessageSize"`
	ProtocolLoggingLevel   string         `json:"protocolLoggingLevel"`
	Comment                string         `json:"comment,omitempty"`
	// WhenChanged (UTC) is read with Reads.TransportServices only.
	WhenChanged time.Time        `json:"whenChanged,omitempty"`
	Problems    []*PropertyError `json:"problems,omitempty"`
}

var sendConnectorProperties = []string{"Name", "Identity", "AddressSpaces", "DNSRoutingEnabled", "SmartHosts",
	"SmartHostAuthMechanism", "AuthenticationCredential", "RequireTLS", "IgnoreSTARTTLS", "DomainSecureEnabled",
	"TlsAuthLevel", "TlsDomain", "TlsCertificateName", "Port", "Fqdn", "SourceTransportServers", "Enabled",
	"MaxMessageSize", "ProtocolLoggingLevel", "Comment"}

const sendConnectorFrame = "sendconnectors"

// sendConnectorPart lists all send connectors; a missing one is simply not
// in the list (Get-SendConnector -Identity would fail instead).
//
// Through a remote session AuthenticationCredential is a PSCredential, which
// Export-Clixml does not write in exsim (its README, "Files and
// Export-Clixml"); it is read in a frame of its own, see
// sendConnectorCredentialPart.
func sendConnectorPart(t Target) observePart {
	props := sendConnectorProperties
	if t.Mode() != SessionSnapIn {
		props = nil
		for _, p := range sendConnectorProperties {
			if p != "AuthenticationCredential" {
				props = append(props, p)
			}
		}
	}
	return observePart{frame: sendConnectorFrame, get: *newCall("Get-SendConnector"), props: props}
}

const sendConnectorCredentialFrame = "sendconnectorcredentials"

// sendConnectorCredentialPart reads whether each send connector stores a
// smart-host credential, with ConvertTo-Xml (which writes a PSCredential as
// its type name): only the Identity and the credential, so a control
// character in any other property cannot break it.
func sendConnectorCredentialPart() observePart {
	return observePart{frame: sendConnectorCredentialFrame, get: *newCall("Get-SendConnector"),
		props: []string{"Identity", "AuthenticationCredential"}, convertToXML: true}
}

// protocolLoggingNumbers are ProtocolLoggingLevel's enum values, for a
// deserialised enum that arrives as its number.
var protocolLoggingNumbers = map[int]string{0: "None", 1: "Verbose"}

func parseSendConnectors(scan *stdoutScan) ([]ObservedSendConnector, error) {
	recs, err := frameRecords(scan, sendConnectorFrame, "send connector", "Name")
	if err != nil {
		return nil, err
	}
	out := make([]ObservedSendConnector, 0, len(recs))
	for _, r := range recs {
		c := ObservedSendConnector{
			Name:                        r.str("Name"),
			Identity:                    r.str("Identity"),
			AddressSpaces:               parsedList(r, "AddressSpaces", value.ParseAddressSpace),
			DNSRoutingEnabled:           r.boolean("DNSRoutingEnabled"),
			SmartHosts:                  parsedList(r, "SmartHosts", value.ParseSmartHost),
			SmartHostAuthMechanism:      enum(r, "SmartHostAuthMechanism", value.SmartHostAuthMechanism, nil),
			HasAuthenticationCredential: r.has("AuthenticationCredential"),
			RequireTLS:                  r.boolean("RequireTLS"),
			IgnoreSTARTTLS:              r.boolean("IgnoreSTARTTLS"),
			DomainSecureEnabled:         r.boolean("DomainSecureEnabled"),
			TlsAuthLevel:                enum(r, "TlsAuthLevel", value.TlsAuthLevel, nil),
			TlsDomain:                   r.str("TlsDomain"),
			TlsCertificateName:          r.str("TlsCertificateName"),
			Port:                        r.integer("Port"),
			Fqdn:                        r.str("Fqdn"),
			SourceTransportServers:      r.list("SourceTransportServers"),
			Enabled:                     r.boolean("Enabled"),
			MaxMessageSize:              parsed(r, "MaxMessageSize", value.ParseByteSize),
			ProtocolLoggingLevel:        enum(r, "ProtocolLoggingLevel", value.ProtocolLoggingLevel, protocolLoggingNumbers),
			Comment:                     r.str("Comment"),
			WhenChanged:                 whenChanged(r),
		}
		c.Problems = r.problems
		out = append(out, c)
	}
	if _, ok := scan.frames[sendConnectorCredentialFrame]; ok {
		creds, err := frameRecords(scan, sendConnectorCredentialFrame, "send connector", "Identity")
		if err != nil {
			return nil, err
		}
		has := map[string]bool{}
		for _, r := range creds {
			has[r.name] = r.has("AuthenticationCredential")
		}
		for i := range out {
			out[i].HasAuthenticationCredential = has[out[i].Identity]
		}
	}
	return out, nil
}

// SendConnectorSpec is the settings a New- or Set-SendConnector call passes.
// A nil field is left out of the call; an empty non-nil list or string
// clears the property.
type SendConnectorSpec struct {
	AddressSpaces            []value.AddressSpace
	DNSRoutingEnabled        *bool
	SmartHosts               []value.SmartHost
	SmartHostAuthMechanism   *string
	AuthenticationCredential *CredentialSpec
	Port                     *int
	Fqdn                     *string
	RequireTLS               *bool
	TlsAuthLevel             *string
	TlsDomain                *string
	IgnoreSTARTTLS           *bool
	DomainSecureEnabled      *bool
	TlsCertificateName       *string
	SourceTransportServers   []string
	MaxMessageSize           *value.ByteSize
	ProtocolLoggingLevel     *string
	Enabled                  *bool
	Comment                  *string
}

// CredentialSpec is a username and password passed as a PSCredential.
type CredentialSpec struct {
	Username string
	Password Secret
}

func ptr[T any](v T) *T { return &v }

// complete adds the parameters Exchange wants on the same command line as
// the ones the caller set (docs/exchange.md "Send connector rules"), taking their
// values from cur (nil for a new connector), and refuses combinations
// Exchange refuses:
//   - SmartHosts need -DNSRoutingEnabled $false, and -DNSRoutingEnabled
//     $false needs the SmartHosts ("it must be specified on the same
//     command line");
//   - -SmartHostAuthMechanism needs -DNSRoutingEnabled in the same call;
//   - -TlsAuthLevel needs -RequireTLS $true, and turning RequireTLS off
//     clears a stored TlsAuthLevel;
//   - -RequireTLS $true needs IgnoreSTARTTLS $false;
//   - Basic smart-host authentication needs a credential.
func (in SendConnectorSpec) complete(cur *ObservedSendConnector) (SendConnectorSpec, error) {
	s := in
	bad := func(format string, args ...any) (SendConnectorSpec, error) {
		return s, fmt.Errorf("%w: "+format, append([]any{ErrInvalidRequest}, args...)...)
	}
	if len(s.SmartHosts) > 0 {
		if s.DNSRoutingEnabled != nil && *s.DNSRoutingEnabled {
			return bad("SmartHosts need DNSRoutingEnabled $false")
		}
		s.DNSRoutingEnabled = ptr(false)
	}
	if s.SmartHostAuthMechanism != nil && s.DNSRoutingEnabled == nil {
		dns := true
		if cur != nil {
			dns = cur.DNSRoutingEnabled
		}
		s.DNSRoutingEnabled = &dns
	}
	if s.DNSRoutingEnabled != nil && !*s.DNSRoutingEnabled && len(s.SmartHosts) == 0 {
		if cur == nil || len(cur.SmartHosts) == 0 {
			return bad("DNSRoutingEnabled $false needs SmartHosts in the same call")
		}
		s.SmartHosts = cur.SmartHosts
	}
	if s.DNSRoutingEnabled != nil && *s.DNSRoutingEnabled {
		// Exchange clears the smart hosts itself and refuses any given.
		s.SmartHosts = nil
	}
	if s.TlsAuthLevel != nil && *s.TlsAuthLevel != "" {
		if s.RequireTLS != nil && !*s.RequireTLS {
			return bad("TlsAuthLevel needs RequireTLS $true")
		}
		s.RequireTLS = ptr(true)
	}
	if s.RequireTLS != nil && !*s.RequireTLS && s.TlsAuthLevel == nil && cur != nil && cur.TlsAuthLevel != "" {
		s.TlsAuthLevel = ptr("")
	}
	if s.RequireTLS != nil && *s.RequireTLS {
		if s.IgnoreSTARTTLS != nil && *s.IgnoreSTARTTLS {
			return bad("RequireTLS $true needs IgnoreSTARTTLS $false")
		}
		if s.IgnoreSTARTTLS == nil && cur != nil && cur.IgnoreSTARTTLS {
			s.IgnoreSTARTTLS = ptr(false)
		}
	}
	if s.SmartHostAuthMechanism != nil && strings.HasPrefix(strings.ToLower(*s.SmartHostAuthMechanism), "basicauth") &&
		s.AuthenticationCredential == nil && (cur == nil || !cur.HasAuthenticationCredential) {
		return bad("SmartHostAuthMechanism %s needs an AuthenticationCredential", *s.SmartHostAuthMechanism)
	}
	return s, nil
}

// args appends the parameters in a fixed, readable order.
func (s SendConnectorSpec) args(c *Call) {
	if s.AddressSpaces != nil {
		c.optList("AddressSpaces", strs(s.AddressSpaces))
	}
	c.optBool("DNSRoutingEnabled", s.DNSRoutingEnabled)
	if s.SmartHosts != nil {
		c.optList("SmartHosts", strs(s.SmartHosts))
	}
	c.optString("SmartHostAuthMechanism", s.SmartHostAuthMechanism)
	if s.AuthenticationCredential != nil {
		c.Arg("AuthenticationCredential", credential(s.AuthenticationCredential.Username, s.AuthenticationCredential.Password))
	}
	c.optInt("Port", s.Port)
	c.optString("Fqdn", s.Fqdn)
	c.optBool("RequireTLS", s.RequireTLS)
	c.optString("TlsAuthLevel", s.TlsAuthLevel)
	c.optString("TlsDomain", s.TlsDomain)
	c.optBool("IgnoreSTARTTLS", s.IgnoreSTARTTLS)
	c.optBool("DomainSecureEnabled", s.DomainSecureEnabled)
	c.optString("TlsCertificateName", s.TlsCertificateName)
	c.optList("SourceTransportServers", s.SourceTransportServers)
	if s.MaxMessageSize != nil {
		c.Arg("MaxMessageSize", lit(s.MaxMessageSize.String()))
	}
	c.optString("ProtocolLoggingLevel", s.ProtocolLoggingLevel)
	c.optBool("Enabled", s.Enabled)
	c.optString("Comment", s.Comment)
}

// NewSendConnector builds New-SendConnector. usage is Custom, Internal,
// Internet or Partner ("" leaves Exchange's default, Custom); it only
// matters at creation. AddressSpaces are required. A disabled connector
// gets -Force: New-SendConnector -Enabled $false otherwise asks to confirm.
func NewSendConnector(v Version, name, usage string, spec SendConnectorSpec) (Call, error) {
	if len(spec.AddressSpaces) == 0 {
		return Call{}, fmt.Errorf("%w: send connector %q needs AddressSpaces", ErrInvalidRequest, name)
	}
	s, err := spec.complete(nil)
	if err != nil {
		return Call{}, fmt.Errorf("send connector %q: %w", name, err)
	}
	c := newCall("New-SendConnector").Arg("Name", lit(name))
	if usage != "" {
		u, err := value.SendConnectorUsage.Parse(usage)
		if err != nil {
			return Call{}, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
		}
		c.Arg("Usage", lit(u))
	}
	s.args(c)
	if s.Enabled != nil && !*s.Enabled {
		c.Switch("Force")
	}
	return *c, CheckCall(v, *c)
}

// SetSendConnector builds Set-SendConnector for the fields in change; cur is
// the connector as observed, for the companion parameters (see complete).
func SetSendConnector(v Version, identity string, change SendConnectorSpec, cur *ObservedSendConnector) (Call, error) {
	s, err := change.complete(cur)
	if err != nil {
		return Call{}, fmt.Errorf("send connector %q: %w", identity, err)
	}
	c := newCall("Set-SendConnector").Arg("Identity", lit(identity))
	s.args(c)
	if s.Enabled != nil && !*s.Enabled {
		c.Switch("Force")
	}
	return *c, CheckCall(v, *c)
}

// RemoveSendConnector builds Remove-SendConnector -Confirm:$false (Remove-*
// cmdlets ask for confirmation otherwise).
func RemoveSendConnector(identity string) Call {
	return *newCall("Remove-SendConnector").Arg("Identity", lit(identity)).SwitchValue("Confirm", false)
}
