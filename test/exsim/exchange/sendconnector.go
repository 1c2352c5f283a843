package exchange

import (
	"net/netip"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// sendSchema is a Send connector's property list in the order of the 2019
// [HC] object (docs/exchange.md "Send connector defaults"); properties that a version lacks are gated
// by params.tsv's applicable lines. The 2010-only properties are placed
// after IsSmtpConnector [INFER: no 2010 transcript].
var sendSchema = newSchema([]string{
	"Microsoft.Exchange.Data.Directory.SystemConfiguration.SmtpSendConnectorConfig",
	"Microsoft.Exchange.Data.Directory.SystemConfiguration.SendConnector",
	"Microsoft.Exchange.Data.Directory.SystemConfiguration.MailGateway",
	"Microsoft.Exchange.Data.Directory.ADLegacyVersionableObject",
	"Microsoft.Exchange.Data.Directory.ADConfigurationObject",
	"Microsoft.Exchange.Data.Directory.ADObject",
	"Microsoft.Exchange.Data.ConfigurableObject",
	"System.Object",
},
	p("DNSRoutingEnabled", boolKind{}),
	p("TlsDomain", kTlsDomain),
	p("TlsAuthLevel", enumKind{e: tlsAuthLevels, nullable: true}),
	p("ErrorPolicies", enumKind{e: errorPolicies}),
	p("SmartHosts", mvp(kSmartHost)),
	p("Port", intKind{0, 65535}),
	p("ConnectionInactivityTimeOut", spanKind{time.Second, 24 * time.Hour}),
	p("ForceHELO", boolKind{}),
	p("FrontendProxyEnabled", boolKind{}).from(V2013),
	p("IgnoreSTARTTLS", boolKind{}),
	p("CloudServicesMailEnabled", boolKind{}).from(V2013),
	p("Fqdn", kFqdn),
	p("TlsCertificateName", kX509Id).from(V2013),
	p("RequireTLS", boolKind{}),
	p("RequireOorg", boolKind{}),
	p("Enabled", boolKind{}),
	p("ProtocolLoggingLevel", enumKind{e: protocolLogging}),
	p("SmartHostAuthMechanism", enumKind{e: smartHostAuth}),
	p("AuthenticationCredential", credKind{}),
	p("UseExternalDNSServersEnabled", boolKind{}),
	p("DomainSecureEnabled", boolKind{}),
	p("SourceIPAddress", kIPAddress),
	p("SmtpMaxMessagesPerConnection", intKind{1, 2147483647}),
	p("ConnectorType", enumKind{e: connectorTypes}).from(V2016),
	cp("SmartHostsString", stringKind{}),
	cp("CertificateSubject", stringKind{}).from(V2013),
	cp("Region", valueKind{typ: "Microsoft.Exchange.Data.SendConnectorRegion"}).from(V2016),
	p("AddressSpaces", mvp(kAddressSpace)),
	ro("ConnectedDomains", mvp(kText)),
	p("IsScopedConnector", boolKind{}),
	cp("IsSmtpConnector", boolKind{}),
	p("LinkedReceiveConnector", valueKind{typ: tADObjectID, nullable: true, fn: kServerRef.fn}).upTo(V2010),
	p("IsCoexistenceConnector", boolKind{}).upTo(V2010),
	p("Comment", stringKind{}),
	cp("SourceRoutingGroup", kServerRef),
	p("SourceTransportServers", listKind{elem: kServerRef, typ: tADMVP + "[" + tADObjectID + "]"}),
	cp("HomeMTA", kServerRef),
	cp("HomeMtaServerId", kServerRef),
	p("MaxMessageSize", sized(true, 0, 2147483647)),
)

const routingGroup = "Exchange Routing Group (DWBGZMFD01QNBJR)"

// sendConnector is one Send connector. Name lives outside the record
// because it prints in the AD tail, not among the settings.
type sendConnector struct {
	name    string
	guid    string
	rec     record
	created time.Time
	changed time.Time
}

// newSendRecord holds New-SendConnector's defaults (docs/exchange.md "Send connector defaults"):
// 35 MB (10 MB on 2010), port 25, DNS routing, no TLS settings.
func newSendRecord(srv *Server) record {
	size := byteSize{Bytes: 35 << 20}
	if srv.version == V2010 {
		size = byteSize{Bytes: 10 << 20}
	}
	return record{
		"DNSRoutingEnabled": true, "TlsDomain": nil, "TlsAuthLevel": nil, "ErrorPolicies": uint64(0),
		"SmartHosts": []any{}, "Port": 25, "ConnectionInactivityTimeOut": 10 * time.Minute,
		"ForceHELO": false, "FrontendProxyEnabled": false, "IgnoreSTARTTLS": false,
		"CloudServicesMailEnabled": false, "Fqdn": nil, "TlsCertificateName": nil, "RequireTLS": false,
		"RequireOorg": false, "Enabled": true, "ProtocolLoggingLevel": uint64(0),
		"SmartHostAuthMechanism": uint64(0), "AuthenticationCredential": nil,
		"UseExternalDNSServersEnabled": srv.role == Edge, "DomainSecureEnabled": false,
		"SourceIPAddress": ipAddress{Addr: netip.IPv4Unspecified()}, "SmtpMaxMessagesPerConnection": 20,
		"ConnectorType": uint64(0), "AddressSpaces": []any{}, "ConnectedDomains": []any{},
		"IsScopedConnector": false, "LinkedReceiveConnector": nil, "IsCoexistenceConnector": false,
		"Comment": "", "SourceTransportServers": []any{}, "MaxMessageSize": size,
	}
}

func (c *sendConnector) dn(o *Org) string {
	return "CN=" + c.name + ",CN=Connections,CN=" + routingGroup + ",CN=Routing Groups," + o.adminGroupDN()
}

// object writes the connector as Get-SendConnector returns it. On read
// Exchange recomputes DNSRoutingEnabled from SmartHostsString ([DECOMP]
// GetSendConnector.WriteResult), which the rules keep consistent anyway.
func (r *render) sendConnector(c *sendConnector) *ps.Object {
	var hosts []string
	for _, h := range c.rec.list("SmartHosts") {
		hosts = append(hosts, h.(smartHost).String())
	}
	home := ""
	if srcs := c.rec.list("SourceTransportServers"); len(srcs) > 0 {
		home = srcs[0].(plainText).String()
	} else if r.srv.role == Edge {
		home = r.srv.name
	}
	computed := map[string]any{
		"SmartHostsString":   strings.Join(hosts, ","),
		"CertificateSubject": nil,
		"Region":             scalar{typ: r.tn("Microsoft.Exchange.Data.SendConnectorRegion"), text: "NotSpecified"},
		"IsSmtpConnector":    true,
		"SourceRoutingGroup": scalar{typ: r.tn(tADObjectID), text: routingGroup},
		"HomeMTA":            scalar{typ: r.tn(tADObjectID), text: "Microsoft MTA"},
		"HomeMtaServerId":    scalar{typ: r.tn(tADObjectID), text: home},
	}
	if home == "" {
		computed["HomeMtaServerId"] = nil
	}
	p := r.object(sendSchema, c.rec, computed)
	o := p.adTail(c.name, c.dn(r.org), c.name, c.guid, "ms-Exch-Routing-SMTP-Connector",
		[]any{"top", "msExchConnector", "mailGateway", "msExchRoutingSMTPConnector"}, c.created, c.changed).o
	// Exchange's default table for Send connectors (api.go TableView).
	o.TableView = []ps.TableColumn{{Property: "Identity"}, {Property: "AddressSpaces"}, {Property: "Enabled"}}
	return o
}

// findSendConnectors resolves a Send connector identity: name, GUID,
// Server\Name on Get/Remove (docs/exchange.md "Identities"), wildcards on Get.
func (x *invocation) findSendConnectors(id string, allowServer, allowWildcard bool) []*sendConnector {
	list := *x.org.sendConnectorsOf(x.srv)
	name := id
	if i := strings.Index(id, `\`); i >= 0 && allowServer && x.org.server(id[:i]) != nil {
		name = id[i+1:]
	}
	var out []*sendConnector
	for _, c := range list {
		if strings.EqualFold(c.name, name) || strings.EqualFold(c.guid, name) ||
			(allowWildcard && hasWildcard(name) && wildcardMatch(name, c.name)) {
			out = append(out, c)
		}
	}
	return out
}

// oneSendConnector resolves the single connector Set/Remove act on.
func (x *invocation) oneSendConnector(allowServer bool) (*sendConnector, error) {
	ids, _ := x.identities("Identity")
	if len(ids) == 0 {
		return nil, x.missingMandatory("Identity")
	}
	found := x.findSendConnectors(ids[0], allowServer, false)
	switch len(found) {
	case 0:
		return nil, x.notFound(ids[0])
	case 1:
		return found[0], nil
	}
	return nil, x.fail(errAmbiguous, ids[0])
}

func getSendConnector(x *invocation) ([]any, error) {
	ids, nilGiven := x.identities("Identity")
	list := *x.org.sendConnectorsOf(x.srv)
	var found []*sendConnector
	if len(ids) == 0 || nilGiven {
		found = list
	}
	for _, id := range ids {
		match := x.findSendConnectors(id, true, true)
		if len(match) == 0 && !hasWildcard(id) {
			return nil, x.notFound(id)
		}
		found = append(found, match...)
	}
	out := make([]any, 0, len(found))
	for _, c := range found {
		out = append(out, x.r.sendConnector(c))
	}
	return out, nil
}

func removeSendConnector(x *invocation) ([]any, error) {
	if err := x.refuseOnSubscribedEdge(); err != nil {
		return nil, err
	}
	c, err := x.oneSendConnector(true)
	if err != nil {
		return nil, err
	}
	if err := x.confirm(true); err != nil {
		return nil, err
	}
	list := x.org.sendConnectorsOf(x.srv)
	for i, y := range *list {
		if y == c {
			*list = append((*list)[:i], (*list)[i+1:]...)
			break
		}
	}
	return nil, nil
}
