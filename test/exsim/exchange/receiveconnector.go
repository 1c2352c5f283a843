package exchange

import (
	"math"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// receiveSchema is a Receive connector's property list in the order of the
// 2019 [HC] objects (docs/exchange.md "Default receive connectors"). 2013 lacks the 2016+ properties;
// 2010 lacks the 2013+ ones too (order of the rest kept, [INFER]).
var receiveSchema = newSchema([]string{
	"Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector",
	"Microsoft.Exchange.Data.Directory.ADConfigurationObject",
	"Microsoft.Exchange.Data.Directory.ADObject",
	"Microsoft.Exchange.Data.ConfigurableObject",
	"System.Object",
},
	p("AuthMechanism", enumKind{e: authMechanisms}),
	p("Banner", stringKind{}),
	p("BinaryMimeEnabled", boolKind{}),
	p("Bindings", mvp(kBinding)),
	p("ChunkingEnabled", boolKind{}),
	p("DefaultDomain", valueKind{typ: tADObjectID, nullable: true, fn: kServerRef.fn}),
	p("DeliveryStatusNotificationEnabled", boolKind{}),
	p("EightBitMimeEnabled", boolKind{}),
	p("SmtpUtf8Enabled", boolKind{}).from(V2013),
	p("BareLinefeedRejectionEnabled", boolKind{}),
	p("DomainSecureEnabled", boolKind{}),
	p("EnhancedStatusCodesEnabled", boolKind{}),
	p("LongAddressesEnabled", boolKind{}),
	p("OrarEnabled", boolKind{}),
	p("SuppressXAnonymousTls", boolKind{}),
	ro("ProxyEnabled", boolKind{}),
	p("AdvertiseClientSettings", boolKind{}),
	p("Fqdn", kFqdn),
	p("ServiceDiscoveryFqdn", kFqdn).from(V2013),
	p("TlsCertificateName", kX509Id).from(V2013),
	p("Comment", stringKind{}),
	p("Enabled", boolKind{}),
	p("ConnectionTimeout", spanKind{time.Second, 24 * time.Hour}),
	p("ConnectionInactivityTimeout", spanKind{time.Second, 24 * time.Hour}),
	p("MessageRateLimit", unlimitedIntKind{1, math.MaxInt32}),
	p("MessageRateSource", enumKind{e: rateSources}),
	p("MaxInboundConnection", unlimitedIntKind{1, math.MaxInt32}),
	p("MaxInboundConnectionPerSource", unlimitedIntKind{1, 10000}),
	p("MaxInboundConnectionPercentagePerSource", intKind{1, 100}),
	p("MaxHeaderSize", sized(false, 1, math.MaxInt32)),
	p("MaxHopCount", intKind{1, 500}),
	p("MaxLocalHopCount", intKind{0, 50}),
	p("MaxLogonFailures", intKind{0, 10}),
	p("MaxMessageSize", sized(false, 65536, math.MaxInt32)),
	p("MaxProtocolErrors", unlimitedIntKind{0, math.MaxInt32}),
	p("MaxRecipientsPerMessage", intKind{1, 512000}),
	p("PermissionGroups", enumKind{e: permissionGroups}),
	p("PipeliningEnabled", boolKind{}),
	p("ProtocolLoggingLevel", enumKind{e: protocolLogging}),
	p("RemoteIPRanges", mvp(kIPRange)),
	p("RequireEHLODomain", boolKind{}),
	p("RequireTLS", boolKind{}),
	p("EnableAuthGSSAPI", boolKind{}),
	p("ExtendedProtectionPolicy", enumKind{e: extProtections}),
	ro("LiveCredentialEnabled", boolKind{}),
	p("TlsDomainCapabilities", mvp(kDomainCap)),
	cp("Server", kServerRef),
	p("TransportRole", enumKind{e: transportRoles}).from(V2013),
	p("RejectReservedTopLevelRecipientDomains", boolKind{}).from(V2016),
	p("RejectReservedSecondLevelRecipientDomains", boolKind{}).from(V2016),
	p("RejectSingleLabelRecipientDomains", boolKind{}).from(V2016),
	ro("AcceptConsumerMail", boolKind{}).from(V2013),
	p("SizeEnabled", enumKind{e: sizeModes}),
	p("TarpitInterval", spanKind{0, 10 * time.Minute}),
	p("AuthTarpitInterval", spanKind{0, 10 * time.Minute}).from(V2016),
	p("MaxAcknowledgementDelay", spanKind{0, 10 * time.Minute}),
)

// receiveConnector is one Receive connector of a server.
type receiveConnector struct {
	name    string
	guid    string
	srv     *Server
	rec     record
	created time.Time
	changed time.Time
}

func (c *receiveConnector) identity() string { return c.srv.name + `\` + c.name }

func (c *receiveConnector) dn() string {
	return "CN=" + c.name + ",CN=SMTP Receive Connectors,CN=Protocols," + c.srv.dn()
}

// All addresses, as the defaults print them (docs/exchange.md "Default receive connectors").
const (
	allIPv6 = "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
	allIPv4 = "0.0.0.0-255.255.255.255"
)

// baseReceiveRecord holds the settings every Receive connector of srv
// starts with (docs/exchange.md "Default receive connectors"): Mailbox 2013+ values, 2010's 10 MB /
// 64 KB / 8 hops, Edge's 5/1 minute timeouts and 600 messages per minute.
func baseReceiveRecord(srv *Server) record {
	r := record{
		"AuthMechanism": authMechanisms.must("Tls"), "Banner": "", "BinaryMimeEnabled": true,
		"Bindings": []any{}, "ChunkingEnabled": true, "DefaultDomain": nil,
		"DeliveryStatusNotificationEnabled": true, "EightBitMimeEnabled": true, "SmtpUtf8Enabled": true,
		"BareLinefeedRejectionEnabled": false, "DomainSecureEnabled": false, "EnhancedStatusCodesEnabled": true,
		"LongAddressesEnabled": false, "OrarEnabled": false, "SuppressXAnonymousTls": false, "ProxyEnabled": false,
		"AdvertiseClientSettings": false, "Fqdn": fqdnValue{Name: srv.fqdn}, "ServiceDiscoveryFqdn": nil,
		"TlsCertificateName": nil, "Comment": "", "Enabled": true,
		"ConnectionTimeout": 10 * time.Minute, "ConnectionInactivityTimeout": 5 * time.Minute,
		"MessageRateLimit": unlimitedInt{Unlimited: true}, "MessageRateSource": rateSources.must("IPAddress"),
		"MaxInboundConnection": unlimitedInt{N: 5000}, "MaxInboundConnectionPerSource": unlimitedInt{N: 20},
		"MaxInboundConnectionPercentagePerSource": 2, "MaxHeaderSize": byteSize{Bytes: 256 << 10},
		"MaxHopCount": 60, "MaxLocalHopCount": 5, "MaxLogonFailures": 3, "MaxMessageSize": byteSize{Bytes: 36 << 20},
		"MaxProtocolErrors": unlimitedInt{N: 5}, "MaxRecipientsPerMessage": 200,
		"PermissionGroups": uint64(0), "PipeliningEnabled": true, "ProtocolLoggingLevel": uint64(0),
		"RemoteIPRanges": []any{}, "RequireEHLODomain": false, "RequireTLS": false, "EnableAuthGSSAPI": false,
		"ExtendedProtectionPolicy": uint64(0), "LiveCredentialEnabled": false, "TlsDomainCapabilities": []any{},
		"TransportRole": transportRoles.must("HubTransport"), "RejectReservedTopLevelRecipientDomains": false,
		"RejectReservedSecondLevelRecipientDomains": false, "RejectSingleLabelRecipientDomains": false,
		"AcceptConsumerMail": false, "SizeEnabled": sizeModes.must("Enabled"),
		"TarpitInterval": 5 * time.Second, "AuthTarpitInterval": 5 * time.Second, "MaxAcknowledgementDelay": 30 * time.Second,
	}
	if srv.version == V2010 {
		r["MaxMessageSize"] = byteSize{Bytes: 10 << 20}
		r["MaxHeaderSize"] = byteSize{Bytes: 64 << 10}
		r["MaxLocalHopCount"] = 8
	}
	if srv.role == Edge {
		r["ConnectionTimeout"] = 5 * time.Minute
		r["ConnectionInactivityTimeout"] = time.Minute
		r["MessageRateLimit"] = unlimitedInt{N: 600}
	}
	return r
}

// mustList parses literal default values (bindings, ranges).
func mustList(k kind, items ...string) []any {
	args := make([]any, len(items))
	for i, s := range items {
		args[i] = s
	}
	v, err := mvp(k).parse(args)
	if err != nil {
		panic(err)
	}
	return v.([]any)
}

// defaultReceiveConnectors are the connectors setup creates (docs/exchange.md
// "Default receive connectors"): five on a 2013+ Mailbox server in the order Get-ReceiveConnector
// returned them in [HC], two on a 2010 Hub, one on an Edge.
func defaultReceiveConnectors(srv *Server) []*receiveConnector {
	all := []string{allIPv6, allIPv4}
	full := authMechanisms.must("Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS", "ExchangeServer")
	client := authMechanisms.must("Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS")
	perms := permissionGroups.must
	type spec struct {
		prefix string
		set    record
	}
	var specs []spec
	switch {
	case srv.role == Edge:
		specs = []spec{{"Default internal receive connector", record{
			"Bindings": mustList(kBinding, "0.0.0.0:25"), "RemoteIPRanges": mustList(kIPRange, allIPv4),
			"AuthMechanism":    authMechanisms.must("Tls", "ExchangeServer"),
			"PermissionGroups": perms("AnonymousUsers", "ExchangeServers", "Partners"), "DomainSecureEnabled": true}}}
	case srv.version == V2010:
		// [INFER, unverified] by analogy with 2013 (docs/exchange.md "Default receive connectors").
		specs = []spec{
			{"Default", record{"Bindings": mustList(kBinding, "[::]:25", "0.0.0.0:25"), "RemoteIPRanges": mustList(kIPRange, all...),
				"AuthMechanism": full, "PermissionGroups": perms("ExchangeUsers", "ExchangeServers", "ExchangeLegacyServers")}},
			{"Client", record{"Bindings": mustList(kBinding, "[::]:587", "0.0.0.0:587"), "RemoteIPRanges": mustList(kIPRange, all...),
				"AuthMechanism": client, "PermissionGroups": perms("ExchangeUsers"), "EnableAuthGSSAPI": true}},
		}
	default:
		hub, front := transportRoles.must("HubTransport"), transportRoles.must("FrontendTransport")
		specs = []spec{
			{"Default", record{"TransportRole": hub, "Bindings": mustList(kBinding, "0.0.0.0:2525", "[::]:2525"),
				"AuthMechanism": full, "PermissionGroups": perms("ExchangeUsers", "ExchangeServers", "ExchangeLegacyServers"),
				"MaxInboundConnectionPerSource": unlimitedInt{Unlimited: true}, "MaxInboundConnectionPercentagePerSource": 100,
				"MaxRecipientsPerMessage": 5000, "SizeEnabled": sizeModes.must("EnabledWithoutValue")}},
			{"Client Proxy", record{"TransportRole": hub, "Bindings": mustList(kBinding, "[::]:465", "0.0.0.0:465"),
				"AuthMechanism": full, "PermissionGroups": perms("ExchangeUsers", "ExchangeServers"),
				"MessageRateLimit": unlimitedInt{N: 5}, "MessageRateSource": rateSources.must("User"), "EnableAuthGSSAPI": true}},
			{"Default Frontend", record{"TransportRole": front, "Bindings": mustList(kBinding, "[::]:25", "0.0.0.0:25"),
				"AuthMechanism": full, "PermissionGroups": perms("AnonymousUsers", "ExchangeServers", "ExchangeLegacyServers"),
				"DomainSecureEnabled": true, "ProtocolLoggingLevel": protocolLogging.must("Verbose")}},
			{"Outbound Proxy Frontend", record{"TransportRole": front, "Bindings": mustList(kBinding, "[::]:717", "0.0.0.0:717"),
				"AuthMechanism": full, "PermissionGroups": perms("ExchangeServers"), "DomainSecureEnabled": true,
				"ProtocolLoggingLevel": protocolLogging.must("Verbose"), "TarpitInterval": time.Duration(0)}},
			{"Client Frontend", record{"TransportRole": front, "Bindings": mustList(kBinding, "[::]:587", "0.0.0.0:587"),
				"AuthMechanism": client, "PermissionGroups": perms("ExchangeUsers"),
				"MessageRateLimit": unlimitedInt{N: 5}, "MessageRateSource": rateSources.must("User"), "EnableAuthGSSAPI": true}},
		}
	}
	var out []*receiveConnector
	for _, s := range specs {
		rec := baseReceiveRecord(srv)
		if s.set["RemoteIPRanges"] == nil {
			rec["RemoteIPRanges"] = mustList(kIPRange, all...)
		}
		for k, v := range s.set {
			rec[k] = v
		}
		out = append(out, &receiveConnector{name: s.prefix + " " + srv.name, guid: newGUID(), srv: srv, rec: rec,
			created: srv.created, changed: srv.created})
	}
	return out
}

// receiveConnector writes the connector as Get-ReceiveConnector returns it.
func (r *render) receiveConnector(c *receiveConnector) *ps.Object {
	computed := map[string]any{"Server": scalar{typ: r.tn(tADObjectID), text: c.srv.name}}
	p := r.object(receiveSchema, c.rec, computed)
	o := p.adTail(c.name, c.dn(), c.identity(), c.guid, "ms-Exch-Smtp-Receive-Connector",
		[]any{"top", "msExchSmtpReceiveConnector"}, c.created, c.changed).o
	o.TableView = []ps.TableColumn{{Property: "Identity"}, {Property: "Bindings"}, {Property: "Enabled"}}
	return o
}

// findReceiveConnectors resolves an identity: Server\Name, Name (on every
// visible server), GUID; wildcards when allowed (Get).
func (x *invocation) findReceiveConnectors(id string, servers []*Server, allowWildcard bool) []*receiveConnector {
	name := id
	if i := strings.Index(id, `\`); i >= 0 {
		var match []*Server
		for _, s := range servers {
			if strings.EqualFold(s.name, id[:i]) || strings.EqualFold(s.fqdn, id[:i]) {
				match = append(match, s)
			}
		}
		servers, name = match, id[i+1:]
	}
	var out []*receiveConnector
	for _, s := range servers {
		for _, c := range s.receive {
			if strings.EqualFold(c.name, name) || strings.EqualFold(c.guid, name) ||
				(allowWildcard && hasWildcard(name) && wildcardMatch(name, c.name)) {
				out = append(out, c)
			}
		}
	}
	return out
}

func (x *invocation) oneReceiveConnector() (*receiveConnector, error) {
	ids, _ := x.identities("Identity")
	if len(ids) == 0 {
		return nil, x.missingMandatory("Identity")
	}
	found := x.findReceiveConnectors(ids[0], x.org.connectorServers(x.srv), false)
	switch len(found) {
	case 0:
		return nil, x.notFound(ids[0])
	case 1:
		return found[0], nil
	}
	return nil, x.fail(errAmbiguous, ids[0])
}

func getReceiveConnector(x *invocation) ([]any, error) {
	servers := x.org.connectorServers(x.srv)
	if x.has("Server") {
		s, err := x.targetServer(x.str("Server"))
		if err != nil {
			return nil, err
		}
		servers = []*Server{s}
	}
	ids, nilGiven := x.identities("Identity")
	var found []*receiveConnector
	if len(ids) == 0 || nilGiven {
		for _, s := range servers {
			found = append(found, s.receive...)
		}
	}
	for _, id := range ids {
		match := x.findReceiveConnectors(id, servers, true)
		if len(match) == 0 && !hasWildcard(id) {
			return nil, x.notFound(id)
		}
		found = append(found, match...)
	}
	out := make([]any, 0, len(found))
	for _, c := range found {
		out = append(out, x.r.receiveConnector(c))
	}
	return out, nil
}

func removeReceiveConnector(x *invocation) ([]any, error) {
	c, err := x.oneReceiveConnector()
	if err != nil {
		return nil, err
	}
	if err := x.confirm(true); err != nil {
		return nil, err
	}
	for i, y := range c.srv.receive {
		if y == c {
			c.srv.receive = append(c.srv.receive[:i], c.srv.receive[i+1:]...)
			break
		}
	}
	return nil, nil
}
