package exchange

import (
	"fmt"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// ObservedReceiveConnector is one receive connector of one server as
// Get-ReceiveConnector -Server reports it.
type ObservedReceiveConnector struct {
	Name string `json:"name"`
	// Identity is Server\Name.
	Identity         string                 `json:"identity"`
	Server           string                 `json:"server"`
	Bindings         []value.IPBinding      `json:"bindings"`
	RemoteIPRanges   value.IPRangeSet       `json:"remoteIPRanges"`
	Fqdn             string                 `json:"fqdn"`
	AuthMechanism    value.AuthMechanisms   `json:"authMechanism"`
	PermissionGroups value.PermissionGroups `json:"permissionGroups"`
	RequireTLS       bool                   `json:"requireTLS"`
	// DomainSecureEnabled is mutual TLS for the domains in
	// TLSReceiveDomainSecureList.
	DomainSecureEnabled bool           `json:"domainSecureEnabled"`
	Enabled             bool           `json:"enabled"`
	MaxMessageSize      value.ByteSize `json:"maxMessageSize"`
	Banner              string         `json:"banner,omitempty"`
	Comment             string         `json:"comment,omitempty"`
	// TransportRole and TlsCertificateName are empty on Exchange 2010.
	TransportRole        string `json:"transportRole,omitempty"`
	TlsCertificateName   string `json:"tlsCertificateName,omitempty"`
	ProtocolLoggingLevel string `json:"protocolLoggingLevel"`
	// WhenChanged (UTC) is read with Reads.TransportServices only.
	WhenChanged time.Time        `json:"whenChanged,omitempty"`
	Problems    []*PropertyError `json:"problems,omitempty"`
}

var receiveConnectorProperties = []string{"Name", "Identity", "Server", "Bindings", "RemoteIPRanges", "Fqdn",
	"AuthMechanism", "PermissionGroups", "RequireTLS", "DomainSecureEnabled", "Enabled", "MaxMessageSize",
	"Banner", "Comment", "TransportRole", "TlsCertificateName", "ProtocolLoggingLevel"}

const receiveConnectorFrame = "receiveconnectors"

// receiveConnectorPart lists the server's receive connectors (-Server; the
// -Identity set would fail for a connector that does not exist yet).
func receiveConnectorPart(server string) observePart {
	get := newCall("Get-ReceiveConnector").Arg("Server", lit(server))
	return observePart{frame: receiveConnectorFrame, get: *get, props: receiveConnectorProperties}
}

// transportRoleNumbers are ServerRole's values for the two transport roles
// (docs/exchange.md "Plain enums"), for a deserialised enum that arrives as its number.
var transportRoleNumbers = map[int]string{32: "HubTransport", 16384: "FrontendTransport"}

func parseReceiveConnectors(scan *stdoutScan) ([]ObservedReceiveConnector, error) {
	recs, err := frameRecords(scan, receiveConnectorFrame, "receive connector", "Identity")
	if err != nil {
		return nil, err
	}
	out := make([]ObservedReceiveConnector, 0, len(recs))
	for _, r := range recs {
		c := ObservedReceiveConnector{
			Name:                 r.str("Name"),
			Identity:             r.str("Identity"),
			Server:               r.str("Server"),
			Bindings:             parsedList(r, "Bindings", value.ParseIPBinding),
			RemoteIPRanges:       parsedList(r, "RemoteIPRanges", value.ParseIPRange),
			Fqdn:                 r.str("Fqdn"),
			AuthMechanism:        parsed(r, "AuthMechanism", value.ParseAuthMechanisms),
			PermissionGroups:     parsed(r, "PermissionGroups", value.ParsePermissionGroups),
			RequireTLS:           r.boolean("RequireTLS"),
			DomainSecureEnabled:  r.boolean("DomainSecureEnabled"),
			Enabled:              r.boolean("Enabled"),
			MaxMessageSize:       parsed(r, "MaxMessageSize", value.ParseByteSize),
			Banner:               r.str("Banner"),
			Comment:              r.str("Comment"),
			TransportRole:        enum(r, "TransportRole", value.TransportRole, transportRoleNumbers),
			TlsCertificateName:   r.str("TlsCertificateName"),
			ProtocolLoggingLevel: enum(r, "ProtocolLoggingLevel", value.ProtocolLoggingLevel, protocolLoggingNumbers),
			WhenChanged:          whenChanged(r),
		}
		if c.Identity == "" && c.Server != "" {
			c.Identity = c.Server + `\` + c.Name
		}
		c.Problems = r.problems
		out = append(out, c)
	}
	return out, nil
}

// ReceiveConnectorSpec is the settings a New- or Set-ReceiveConnector call
// passes. A nil field is left out; an empty non-nil list or string clears.
type ReceiveConnectorSpec struct {
	Bindings             []value.IPBinding
	RemoteIPRanges       []value.IPRange
	Fqdn                 *string
	AuthMechanism        *value.AuthMechanisms
	PermissionGroups     *value.PermissionGroups
	RequireTLS           *bool
	DomainSecureEnabled  *bool
	Enabled              *bool
	MaxMessageSize       *value.ByteSize
	Banner               *string
	Comment              *string
	TransportRole        *string
	TlsCertificateName   *string
	ProtocolLoggingLevel *string
}

func (s ReceiveConnectorSpec) args(c *Call) {
	if s.Bindings != nil {
		c.optList("Bindings", strs(s.Bindings))
	}
	if s.RemoteIPRanges != nil {
		c.optList("RemoteIPRanges", strs(s.RemoteIPRanges))
	}
	c.optString("Fqdn", s.Fqdn)
	if s.AuthMechanism != nil {
		c.Arg("AuthMechanism", lits(s.AuthMechanism.Slice()))
	}
	if s.PermissionGroups != nil {
		c.Arg("PermissionGroups", lits(s.PermissionGroups.Slice()))
	}
	c.optBool("RequireTLS", s.RequireTLS)
	c.optBool("DomainSecureEnabled", s.DomainSecureEnabled)
	if s.MaxMessageSize != nil {
		c.Arg("MaxMessageSize", lit(s.MaxMessageSize.String()))
	}
	c.optString("Banner", s.Banner)
	c.optString("TransportRole", s.TransportRole)
	c.optString("TlsCertificateName", s.TlsCertificateName)
	c.optString("ProtocolLoggingLevel", s.ProtocolLoggingLevel)
	c.optBool("Enabled", s.Enabled)
	c.optString("Comment", s.Comment)
}

// usageRules says, per usage type, whether New-ReceiveConnector requires or
// refuses Bindings and RemoteIPRanges (docs/exchange.md "Receive connector usage"; the reference text
// wins over the SYNTAX blocks that list them as optional).
var usageRules = map[string]struct{ bindings, ranges string }{
	"Client":   {bindings: "refused", ranges: "required"},
	"Internal": {bindings: "refused", ranges: "required"},
	"Internet": {bindings: "required", ranges: "refused"},
	"Partner":  {bindings: "required", ranges: "required"},
	"Custom":   {bindings: "required", ranges: "required"},
}

// NewReceiveConnector builds the calls that create a receive connector on
// server: New-ReceiveConnector with the usage type, and, when the spec sets
// Bindings or RemoteIPRanges that the usage type refuses at creation, a
// Set-ReceiveConnector right after it that sets them.
func NewReceiveConnector(v Version, server, name, usage string, spec ReceiveConnectorSpec) ([]Call, error) {
	if strings.Contains(name, `\`) {
		return nil, fmt.Errorf("%w: receive connector name %q contains \\", ErrInvalidRequest, name)
	}
	u, err := value.ReceiveConnectorUsage.Parse(usage)
	if err != nil {
		return nil, fmt.Errorf("%w: receive connector %q: %v", ErrInvalidRequest, name, err)
	}
	rule := usageRules[u]
	var later ReceiveConnectorSpec
	first := spec
	if rule.bindings == "refused" && spec.Bindings != nil {
		first.Bindings, later.Bindings = nil, spec.Bindings
	}
	if rule.ranges == "refused" && spec.RemoteIPRanges != nil {
		first.RemoteIPRanges, later.RemoteIPRanges = nil, spec.RemoteIPRanges
	}
	if rule.bindings == "required" && len(first.Bindings) == 0 {
		return nil, fmt.Errorf("%w: receive connector %q of usage %s needs Bindings", ErrInvalidRequest, name, u)
	}
	if rule.ranges == "required" && len(first.RemoteIPRanges) == 0 {
		return nil, fmt.Errorf("%w: receive connector %q of usage %s needs RemoteIPRanges", ErrInvalidRequest, name, u)
	}
	c := newCall("New-ReceiveConnector").Arg("Name", lit(name)).Arg("Server", lit(server)).Arg("Usage", lit(u))
	first.args(c)
	calls := []Call{*c}
	if later.Bindings != nil || later.RemoteIPRanges != nil {
		set := newCall("Set-ReceiveConnector").Arg("Identity", lit(server+`\`+name))
		later.args(set)
		calls = append(calls, *set)
	}
	for _, call := range calls {
		if err := CheckCall(v, call); err != nil {
			return nil, err
		}
	}
	return calls, nil
}

// SetReceiveConnector builds Set-ReceiveConnector for the fields in change.
// identity is Server\Name.
func SetReceiveConnector(v Version, identity string, change ReceiveConnectorSpec) (Call, error) {
	c := newCall("Set-ReceiveConnector").Arg("Identity", lit(identity))
	change.args(c)
	return *c, CheckCall(v, *c)
}

// RemoveReceiveConnector builds Remove-ReceiveConnector -Confirm:$false.
func RemoveReceiveConnector(identity string) Call {
	return *newCall("Remove-ReceiveConnector").Arg("Identity", lit(identity)).SwitchValue("Confirm", false)
}
