package exchange

import (
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// Server is one Exchange server: its Receive connectors and certificate
// store, and on an Edge its own Send connectors and TransportConfig.
type Server struct {
	org          *Org
	name         string
	fqdn         string
	version      Version
	role         Role
	subscribed   bool
	guid         string
	created      time.Time
	adminVersion string
	receive      []*receiveConnector
	certs        []*certificate
	// smtpCert is the thumbprint of the internal transport certificate (the
	// default SMTP certificate Enable-ExchangeCertificate offers to overwrite).
	smtpCert string
	restarts []Restart
	// procs are the processes of its services by lower-case service name
	// (services.go); a service without one runs since the boot.
	procs      map[string]*serviceProcess
	edgeSend   []*sendConnector
	edgeConfig *transportConfig
	// files are the paths Exchange 2013 cmdlets write and read on the
	// server (New-ExchangeCertificate -RequestFile, Export-/Import-
	// ExchangeCertificate -FileName), keyed by lower-case path (certfiles.go).
	files map[string][]byte
}

// Restart is one Restart-Service of a service on a server.
type Restart struct {
	Service string    `json:"service"`
	Time    time.Time `json:"time"`
}

// Name is the NetBIOS name (as in -Server and SourceTransportServers).
func (s *Server) Name() string { return s.name }

// FQDN is lower(Name).<domain>, the host of the remote PowerShell URI.
func (s *Server) FQDN() string { return s.fqdn }

// Version is the Exchange version.
func (s *Server) Version() Version { return s.version }

// Role is Mailbox or Edge.
func (s *Server) Role() Role { return s.role }

// PSVersion is the Windows PowerShell of the server's OS: 2.0 for Exchange
// 2010 (Windows Server 2008 R2), 5.1 otherwise.
func (s *Server) PSVersion() string {
	if s.version == V2010 {
		return "2.0"
	}
	return "5.1"
}

// TransportRestarts counts Restart-Service MSExchangeTransport on the server.
func (s *Server) TransportRestarts() int {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	n := 0
	for _, r := range s.restarts {
		if strings.EqualFold(r.Service, "MSExchangeTransport") {
			n++
		}
	}
	return n
}

// AdminDisplayVersion is the version string Get-ExchangeServer prints
// (docs/exchange.md "Version strings": 2010 SP3, 2013 CU23, 2016 CU23, 2019 CU15, SE RTM).
func (s *Server) AdminDisplayVersion() string {
	if s.adminVersion != "" {
		return s.adminVersion
	}
	switch s.version {
	case V2010:
		return "Version 14.3 (Build 123.4)"
	case V2013:
		return "Version 15.0 (Build 1497.2)"
	case V2016:
		return "Version 15.1 (Build 2507.6)"
	case VSE:
		return "Version 15.2 (Build 2562.17)"
	}
	return "Version 15.2 (Build 1748.10)"
}

func (s *Server) dn() string {
	return "CN=" + s.name + ",CN=Servers," + s.org.adminGroupDN()
}

func (s *Server) installPath() string {
	if s.version == V2010 {
		return `C:\Program Files\Microsoft\Exchange Server\V14`
	}
	return `C:\Program Files\Microsoft\Exchange Server\V15`
}

// visibleServers are the servers a cmdlet on s can see in the directory:
// the Mailbox servers and subscribed Edges of the org; an Edge sees only
// itself (its AD LDS).
func (o *Org) visibleServers(s *Server) []*Server {
	if s.role == Edge {
		return []*Server{s}
	}
	var out []*Server
	for _, x := range o.servers {
		if x.role == Mailbox || x.subscribed {
			out = append(out, x)
		}
	}
	return out
}

// resolveServer finds a -Server / Identity value among the visible servers.
func (x *invocation) resolveServer(id string) (*Server, error) {
	for _, s := range x.org.visibleServers(x.srv) {
		if strings.EqualFold(s.name, id) || strings.EqualFold(s.fqdn, strings.TrimSuffix(id, ".")) || strings.EqualFold(s.guid, id) {
			return s, nil
		}
	}
	return nil, x.notFound(id)
}

// targetServer resolves a server whose local objects (Receive connectors,
// certificates) a cmdlet acts on: from a Mailbox server any Mailbox server
// of the org; an Edge's objects live in its own AD LDS, reachable only on
// the Edge itself.
func (x *invocation) targetServer(id string) (*Server, error) {
	for _, s := range x.org.connectorServers(x.srv) {
		if strings.EqualFold(s.name, id) || strings.EqualFold(s.fqdn, strings.TrimSuffix(id, ".")) || strings.EqualFold(s.guid, id) {
			return s, nil
		}
	}
	return nil, x.notFound(id)
}

// connectorServers are the servers whose Receive connectors and
// certificates a cmdlet on s reaches.
func (o *Org) connectorServers(s *Server) []*Server {
	if s.role == Edge {
		return []*Server{s}
	}
	var out []*Server
	for _, x := range o.servers {
		if x.role == Mailbox {
			out = append(out, x)
		}
	}
	return out
}

// selectServers returns the servers matching an identity (wildcards allowed),
// or all visible ones when none is given.
func (x *invocation) selectServers(param string) ([]*Server, error) {
	ids, _ := x.identities(param)
	all := x.org.visibleServers(x.srv)
	if len(ids) == 0 {
		return all, nil
	}
	var out []*Server
	for _, id := range ids {
		if hasWildcard(id) {
			for _, s := range all {
				if wildcardMatch(id, s.name) || wildcardMatch(id, s.fqdn) {
					out = append(out, s)
				}
			}
			continue
		}
		s, err := x.resolveServer(id)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func getExchangeServer(x *invocation) ([]any, error) {
	servers, err := x.selectServers("Identity")
	if err != nil {
		return nil, err
	}
	if d := x.str("Domain"); d != "" {
		var keep []*Server
		for _, s := range servers {
			if strings.EqualFold(d, x.org.domain) {
				keep = append(keep, s)
			}
		}
		servers = keep
	}
	out := make([]any, 0, len(servers))
	for _, s := range servers {
		out = append(out, x.r.exchangeServer(s))
	}
	return out, nil
}

// props builds an object property by property.
type props struct {
	r *render
	o *ps.Object
}

func (r *render) newObject(typeNames ...string) *props {
	o := &ps.Object{}
	for _, t := range typeNames {
		o.TypeNames = append(o.TypeNames, r.tn(t))
	}
	if r.remote {
		o.Props = append(o.Props, &ps.Property{Name: "RunspaceId", Value: scalar{typ: "System.Guid", text: r.runspaceID}, TypeOfValue: "System.Guid"})
	}
	return &props{r: r, o: o}
}

func (p *props) add(name string, v any, typ string) *props {
	p.o.Props = append(p.o.Props, &ps.Property{Name: name, Value: v, TypeOfValue: p.r.tn(typ)})
	return p
}

func (p *props) text(name, typ, text string) *props {
	return p.add(name, scalar{typ: p.r.tn(typ), text: text}, typ)
}

func (p *props) list(name, typ string, items ...any) *props {
	return p.add(name, &ps.Collection{TypeName: p.r.tn(typ), Items: items}, typ)
}

// adTail adds the common AD object properties in the order the [HC]
// connector objects show them.
func (p *props) adTail(name, dn, identity, guid, category string, classes []any, created, changed time.Time) *props {
	r := p.r
	p.o.Text = identity
	return p.add("AdminDisplayName", "", "System.String").
		add("ExchangeVersion", scalar{typ: r.tn("Microsoft.Exchange.Data.ExchangeObjectVersion"), text: "0.1 (8.0.535.0)"}, "Microsoft.Exchange.Data.ExchangeObjectVersion").
		add("Name", name, "System.String").
		add("DistinguishedName", dn, "System.String").
		text("Identity", tADObjectID, identity).
		add("Guid", scalar{typ: "System.Guid", text: guid}, "System.Guid").
		text("ObjectCategory", tADObjectID, r.org.domain+"/Configuration/Schema/"+category).
		list("ObjectClass", tMVP+"[System.String]", classes...).
		add("WhenChanged", r.date(changed), tDateTime).
		add("WhenCreated", r.date(created), tDateTime).
		add("WhenChangedUTC", r.utc(changed), tDateTime).
		add("WhenCreatedUTC", r.utc(created), tDateTime).
		add("OrganizationId", nil, "Microsoft.Exchange.Data.Directory.OrganizationId").
		text("Id", tADObjectID, identity).
		add("OriginatingServer", scalar{typ: r.tn(tFqdn), text: r.org.dc}, tFqdn).
		add("IsValid", true, "System.Boolean").
		add("ObjectState", scalar{typ: r.tn("Microsoft.Exchange.Data.ObjectState"), text: "Unchanged"}, "Microsoft.Exchange.Data.ObjectState")
}

func (r *render) utc(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ps.DateTime{Time: t.UTC(), UTC: true, Text: formatDate(t.UTC())}
}

// exchangeServer writes Get-ExchangeServer's object (docs/exchange.md "Version strings").
func (r *render) exchangeServer(s *Server) *ps.Object {
	o := r.org
	mbx := s.role == Mailbox
	e15 := s.version >= V2013
	role := "Mailbox"
	switch {
	case !mbx:
		role = "Edge"
	case !e15:
		role = "Mailbox, ClientAccess, HubTransport"
	}
	dcs := []any{scalar{typ: r.tn(tFqdn), text: o.dc}}
	p := r.newObject("Microsoft.Exchange.Data.Directory.Management.ExchangeServer",
		"Microsoft.Exchange.Data.Directory.ADObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object")
	p.add("Name", s.name, "System.String").
		add("DataPath", s.installPath()+`\Mailbox`, "System.String").
		text("Domain", tFqdn, o.domain).
		add("Edition", scalar{typ: r.tn("Microsoft.Exchange.Data.ServerEditionType"), text: "Enterprise"}, "Microsoft.Exchange.Data.ServerEditionType").
		add("ExchangeLegacyDN", "/o="+o.orgName+"/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn="+s.name, "System.String").
		add("ExchangeLegacyServerRole", 0, "System.Int32").
		text("Fqdn", tFqdn, s.fqdn).
		add("CustomerFeedbackEnabled", true, "System.Nullable`1[System.Boolean]").
		add("InternetWebProxy", nil, "System.Uri").
		list("InternetWebProxyBypassList", tMVP+"[System.String]").
		add("IsHubTransportServer", mbx, "System.Boolean").
		add("IsClientAccessServer", mbx, "System.Boolean").
		add("IsExchange2007OrLater", true, "System.Boolean").
		add("IsEdgeServer", !mbx, "System.Boolean").
		add("IsMailboxServer", mbx, "System.Boolean").
		add("IsE14OrLater", true, "System.Boolean").
		add("IsE15OrLater", e15, "System.Boolean").
		add("IsProvisionedServer", false, "System.Boolean").
		add("IsUnifiedMessagingServer", mbx && (s.version == V2013 || s.version == V2016), "System.Boolean")
	if e15 {
		p.add("IsFrontendTransportServer", mbx, "System.Boolean")
	}
	p.list("NetworkAddress", "Microsoft.Exchange.Data.NetworkAddressCollection",
		"ncacn_vns_spp:"+s.name, "netbios:"+s.name, "ncacn_np:"+s.name, "ncacn_spx:"+s.name, "ncacn_ip_tcp:"+s.fqdn, "ncalrpc:"+s.name).
		add("OrganizationalUnit", o.domain+"/"+s.name, "System.String").
		text("AdminDisplayVersion", "Microsoft.Exchange.Data.ServerVersion", s.AdminDisplayVersion()).
		text("Site", tADObjectID, o.domain+"/Configuration/Sites/Default-First-Site-Name").
		text("ServerRole", "Microsoft.Exchange.Data.Directory.SystemConfiguration.ServerRole", role).
		add("ErrorReportingEnabled", true, "System.Nullable`1[System.Boolean]")
	if s.version >= V2016 {
		p.add("MitigationsEnabled", true, "System.Boolean")
	}
	p.list("StaticDomainControllers", tMVP+"[System.String]").
		list("StaticGlobalCatalogs", tMVP+"[System.String]").
		add("StaticConfigDomainController", nil, "System.String").
		list("StaticExcludedDomainControllers", tMVP+"[System.String]").
		add("MonitoringGroup", nil, "System.String").
		list("CurrentDomainControllers", tMVP+"["+tFqdn+"]", dcs...).
		list("CurrentGlobalCatalogs", tMVP+"["+tFqdn+"]", dcs...).
		text("CurrentConfigDomainController", tFqdn, o.dc).
		add("ProductID", nil, "System.String").
		add("IsExchangeTrialEdition", false, "System.Boolean").
		add("IsExpiredExchangeTrialEdition", false, "System.Boolean")
	if s.version >= V2016 {
		p.list("MailboxProvisioningAttributes", "Microsoft.Exchange.Data.MailboxProvisioningAttributes")
	}
	p.text("RemainingTrialPeriod", "System.TimeSpan", "00:00:00")
	if s.version >= V2016 {
		p.add("MitigationsApplied", nil, "System.String").
			add("MitigationsBlocked", nil, "System.String").
			add("DataCollectionEnabled", false, "System.Boolean")
	}
	p.text("Identity", tADObjectID, s.name).
		add("IsValid", true, "System.Boolean").
		add("ExchangeVersion", scalar{typ: r.tn("Microsoft.Exchange.Data.ExchangeObjectVersion"), text: "0.1 (8.0.535.0)"}, "Microsoft.Exchange.Data.ExchangeObjectVersion").
		add("DistinguishedName", s.dn(), "System.String").
		add("Guid", scalar{typ: "System.Guid", text: s.guid}, "System.Guid").
		text("ObjectCategory", tADObjectID, o.domain+"/Configuration/Schema/ms-Exch-Exchange-Server").
		list("ObjectClass", tMVP+"[System.String]", "top", "server", "msExchExchangeServer").
		add("WhenChanged", r.date(s.created), tDateTime).
		add("WhenCreated", r.date(s.created), tDateTime).
		add("WhenChangedUTC", r.utc(s.created), tDateTime).
		add("WhenCreatedUTC", r.utc(s.created), tDateTime).
		add("OrganizationId", nil, "Microsoft.Exchange.Data.Directory.OrganizationId").
		text("Id", tADObjectID, s.name).
		text("OriginatingServer", tFqdn, o.dc).
		text("ObjectState", "Microsoft.Exchange.Data.ObjectState", "Unchanged")
	p.o.Text = s.name
	// Exchange's table view of ExchangeServer [INFER from common output].
	p.o.TableView = []ps.TableColumn{{Property: "Name"}, {Property: "Site"}, {Property: "ServerRole"},
		{Property: "Edition"}, {Property: "AdminDisplayVersion"}}
	return p.o
}

// errTransportServiceOnEdge: Get-TransportService -Identity "can't be used
// on an Edge" [REF]; wording [INFER].
var errTransportServiceOnEdge = errDef{key: "tsedge", category: "InvalidArgument", exception: exArgument,
	format: "The Identity parameter can't be used on an Edge Transport server."}

func getTransportService(x *invocation) ([]any, error) {
	if x.srv.role == Edge && x.has("Identity") && x.c.spec.name == "Get-TransportService" {
		return nil, x.fail(errTransportServiceOnEdge)
	}
	if x.c.spec.name == "Get-TransportServer" && x.version >= V2013 {
		// [INFER] wording of the 2013+ deprecation warning (the reference
		// says to use Get-TransportService and update scripts).
		x.call.WriteWarning("The Get-TransportServer cmdlet will be removed in a future version of Exchange. Use the Get-TransportService cmdlet instead. " +
			"If you have any scripts that use the Get-TransportServer cmdlet, update them to use the Get-TransportService cmdlet.")
	}
	servers, err := x.selectServers("Identity")
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(servers))
	for _, s := range servers {
		out = append(out, x.r.transportService(s))
	}
	return out, nil
}

// transportService writes a Get-TransportService object: the transport
// settings of one server. Property list and values [INFER] from the
// Set-TransportService reference defaults; only a subset is simulated.
func (r *render) transportService(s *Server) *ps.Object {
	logs := s.installPath() + `\TransportRoles\Logs\Hub\`
	if s.role == Edge {
		logs = s.installPath() + `\TransportRoles\Logs\Edge\`
	}
	span := func(t string) scalar { return scalar{typ: r.tn(tTimeSpan), text: t} }
	p := r.newObject("Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportServer",
		"Microsoft.Exchange.Data.Directory.ADObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object")
	p.add("Name", s.name, "System.String").
		add("AntispamAgentsEnabled", s.role == Edge, "System.Boolean").
		add("ConnectivityLogEnabled", true, "System.Boolean").
		add("ConnectivityLogPath", logs+"Connectivity", "System.String").
		add("DelayNotificationTimeout", span("04:00:00"), tTimeSpan).
		list("InternalDNSServers", tMVP+"["+tIPAddress+"]").
		text("IntraOrgConnectorProtocolLoggingLevel", protocolLogging.typ, "None").
		add("IntraOrgConnectorSmtpMaxMessagesPerConnection", 20, "System.Int32").
		add("MaxOutboundConnections", scalar{typ: r.tn(tUnlInt), text: "1000"}, tUnlInt).
		add("MaxPerDomainOutboundConnections", scalar{typ: r.tn(tUnlInt), text: "20"}, tUnlInt).
		add("MessageExpirationTimeout", span("2.00:00:00"), tTimeSpan).
		add("MessageRetryInterval", span("00:15:00"), tTimeSpan).
		add("MessageTrackingLogEnabled", true, "System.Boolean").
		add("MessageTrackingLogPath", s.installPath()+`\TransportRoles\Logs\MessageTracking`, "System.String").
		add("OutboundConnectionFailureRetryInterval", span("00:10:00"), tTimeSpan).
		add("PickupDirectoryPath", s.installPath()+`\TransportRoles\Pickup`, "System.String").
		add("PoisonThreshold", 2, "System.Int32").
		add("ReceiveProtocolLogPath", logs+`ProtocolLog\SmtpReceive`, "System.String").
		add("SendProtocolLogPath", logs+`ProtocolLog\SmtpSend`, "System.String").
		add("TransientFailureRetryCount", 6, "System.Int32").
		add("TransientFailureRetryInterval", span("00:05:00"), tTimeSpan).
		add("UseDowngradedExchangeServerAuth", false, "System.Boolean")
	return p.adTail(s.name, s.dn(), s.name, s.guid, "ms-Exch-Exchange-Server",
		[]any{"top", "server", "msExchExchangeServer"}, s.created, s.created).o
}
