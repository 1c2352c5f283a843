package exchange

import (
	"strings"
)

// Send connector errors. The [DECOMP] names of the validation errors are
// in docs/exchange.md "Error texts"; their English texts were not found, so every message
// here is worded as Exchange words its DataValidationExceptions (one short
// sentence about the property) [INFER].
var (
	errSendIgnoreRequireTLS = errDef{key: "IgnoreRequireTLSConflict", category: "InvalidOperation", exception: exInvalidOperation,
		format: "IgnoreSTARTTLS can't be set to $true when RequireTLS is set to $true."}
	errSendSmartHostsWithDNS = errDef{key: "DNSRoutingEnabledMustNotBeSpecified", category: "InvalidArgument", exception: exArgument,
		format: "SmartHosts can't be specified when DNSRoutingEnabled is $true. Set DNSRoutingEnabled to $false on the same command line."}
	errSendAuthNeedsDNSParam = errDef{key: "DNSRoutingEnabledMustBeSpecifiedForAuthMechanism", category: "InvalidArgument", exception: exArgument,
		format: "DNSRoutingEnabled must be set to $false on the same command line when SmartHostAuthMechanism is specified."}
	errSendUsage = errDef{key: "NewSendConnectorIncorrectUsageParameters", category: "InvalidArgument", exception: exArgument,
		format: "Only one usage type can be specified. Use one of the Custom, Internal, Internet or Partner parameters, or the Usage parameter."}
	errSendSubscribedEdge = errDef{key: "CannotRunOnSubscribedEdge", category: "InvalidOperation", exception: exInvalidOperation,
		format: "This cmdlet can't be run on an Edge Transport server that's subscribed to an Active Directory site. Make the change on a Mailbox server; EdgeSync replicates it to this server."}
	errSendSourceServersOnEdge = errDef{key: "SendConnectorSourceServersSetForEdge", category: "InvalidArgument", exception: exArgument,
		format: "SourceTransportServers can't be set on an Edge Transport server."}
	errSendSourceNotHub = errDef{key: "SourceServerNotHub", category: "InvalidArgument", exception: exArgument,
		format: "The server %s can't be a source server of a Send connector: only Mailbox servers and subscribed Edge Transport servers can."}
	errSendSourceIPOffEdge = errDef{key: "SourceIPAddressOffEdge", category: "InvalidArgument", exception: exArgument,
		format: "SourceIPAddress can be set only on an Edge Transport server."}
	errSendDashDash = errDef{key: "SendConnectorDashdashAddressSpaceNotOffEdge", category: "InvalidArgument", exception: exArgument,
		format: "The address space \"--\" can be used only on an Edge Transport server."}
	errSendEnabledPrompt = errNonInteractive

	errNoAddressSpaces = errDef{key: "NoAddressSpaces", category: "NotSpecified", exception: exDataValidation,
		format: "The Send connector must have at least one address space or connected domain."}
	errLinkedWithAddressSpaces = errDef{key: "LinkedConnectorWithAddressSpaces", category: "NotSpecified", exception: exDataValidation,
		format: "A Send connector that's linked to a Receive connector can't have address spaces."}
	errSmartHostNotSet = errDef{key: "SmartHostNotSet", category: "NotSpecified", exception: exDataValidation,
		format: "SmartHosts must be set when DNSRoutingEnabled is $false."}
	errAuthCredentialNotSet = errDef{key: "AuthenticationCredentialNotSet", category: "NotSpecified", exception: exDataValidation,
		format: "AuthenticationCredential must be set when SmartHostAuthMechanism is BasicAuth or BasicAuthRequireTLS."}
	errAuthWithDNSRouting = errDef{key: "SmartHostAuthWithDNSRouting", category: "NotSpecified", exception: exDataValidation,
		format: "SmartHostAuthMechanism can be set only when DNSRoutingEnabled is $false and smart hosts are configured."}
	errDomainSecureNoDNS = errDef{key: "DomainSecureWithoutDNSRoutingEnabled", category: "NotSpecified", exception: exDataValidation,
		format: "DomainSecureEnabled can be $true only when DNSRoutingEnabled is $true."}
	errDomainSecureIgnoreTLS = errDef{key: "DomainSecureWithIgnoreStartTLSEnabled", category: "NotSpecified", exception: exDataValidation,
		format: "DomainSecureEnabled can't be $true when IgnoreSTARTTLS is $true."}
	errTlsAuthNoRequireTLS = errDef{key: "TlsAuthLevelWithRequireTlsDisabled", category: "NotSpecified", exception: exDataValidation,
		format: "TlsAuthLevel can be set only when RequireTLS is $true."}
	errTlsAuthDomainSecure = errDef{key: "TlsAuthLevelWithDomainSecureEnabled", category: "NotSpecified", exception: exDataValidation,
		format: "TlsAuthLevel can't be set when DomainSecureEnabled is $true."}
	errTlsDomainLevel = errDef{key: "TlsDomainWithIncorrectTlsAuthLevel", category: "NotSpecified", exception: exDataValidation,
		format: "TlsDomain can be set only when TlsAuthLevel is DomainValidation."}
	errTlsDomainSmartHost = errDef{key: "TlsAuthLevelWithNoDomainOnSmartHost", category: "NotSpecified", exception: exDataValidation,
		format: "TlsDomain must be set when TlsAuthLevel is DomainValidation on a Send connector that routes mail through smart hosts."}
	errNonSMTPNeedsSmartHost = errDef{key: "NonSmtpAddressSpaceRequiresSmartHost", category: "NotSpecified", exception: exDataValidation,
		format: "The address space type %s requires smart hosts: set DNSRoutingEnabled to $false and specify SmartHosts."}
	errNonSMTPOnEdge = errDef{key: "NonSmtpAddressSpaceOnEdge", category: "NotSpecified", exception: exDataValidation,
		format: "Only SMTP address spaces can be used on an Edge Transport server."}
	errSourceAddress = errDef{key: "InvalidSourceAddressSetting", category: "NotSpecified", exception: exDataValidation,
		format: "SourceIPAddress can't be a multicast or broadcast address."}
)

func (x *invocation) refuseOnSubscribedEdge() error {
	if x.srv.role == Edge && x.srv.subscribed {
		return x.fail(errSendSubscribedEdge)
	}
	return nil
}

func newSendConnector(x *invocation) ([]any, error) {
	if err := x.refuseOnSubscribedEdge(); err != nil {
		return nil, err
	}
	usage, err := x.sendUsage()
	if err != nil {
		return nil, err
	}
	name := x.str("Name")
	if name == "" || len(name) > 64 || strings.Contains(name, `\`) {
		return nil, x.fail(errConnectorName, name)
	}
	list := x.org.sendConnectorsOf(x.srv)
	c := &sendConnector{name: name, guid: newGUID(), rec: newSendRecord(x.srv), created: x.org.now()}
	c.changed = c.created
	for _, y := range *list {
		if strings.EqualFold(y.name, name) {
			return nil, x.fail(errAlreadyExists, x.org.dc, c.dn(x.org))
		}
	}
	if err := x.applyArgs(sendSchema, c.rec); err != nil {
		return nil, err
	}
	// Usage only sets defaults (docs/exchange.md "Send connector usage").
	if usage == "Internal" && !x.has("MaxMessageSize") {
		c.rec["MaxMessageSize"] = byteSize{Unlimited: true}
	}
	if usage == "Partner" {
		if !x.has("DomainSecureEnabled") {
			c.rec["DomainSecureEnabled"] = true
		}
		if !x.has("DNSRoutingEnabled") {
			c.rec["DNSRoutingEnabled"] = true
		}
	}
	if x.has("SmartHostAuthMechanism") && !x.has("DNSRoutingEnabled") {
		return nil, x.fail(errSendAuthNeedsDNSParam)
	}
	if err := x.sendCommandRules(c); err != nil {
		return nil, err
	}
	if x.srv.role == Mailbox && !x.has("SourceTransportServers") {
		c.rec["SourceTransportServers"] = []any{plainText(x.srv.name)}
	}
	if err := x.validateSend(c); err != nil {
		return nil, err
	}
	if enabled, given := x.boolArg("Enabled"); given && !enabled && !x.flag("Force") && x.srv.role != Edge {
		// New-SendConnector -Enabled $false asks for confirmation unless
		// -Force ([DECOMP] docs/exchange.md "Send connector defaults"); NonInteractive cannot answer.
		return nil, x.fail(errSendEnabledPrompt)
	}
	if err := x.confirm(false); err != nil {
		return nil, err
	}
	*list = append(*list, c)
	return []any{x.r.sendConnector(c)}, nil
}

// sendUsage reads the mutually exclusive usage switches and -Usage.
func (x *invocation) sendUsage() (string, error) {
	var usages []string
	for _, sw := range []string{"Custom", "Internal", "Internet", "Partner"} {
		if x.flag(sw) {
			usages = append(usages, sw)
		}
	}
	if x.has("Usage") {
		n, err := sendUsages.parse(x.call.Args["Usage"])
		if err != nil {
			return "", x.bindErr("Usage", x.call.Args["Usage"], err)
		}
		usages = append(usages, sendUsages.format(n))
	}
	if len(usages) > 1 {
		return "", x.fail(errSendUsage)
	}
	if len(usages) == 0 {
		return "Custom", nil
	}
	return usages[0], nil
}

func setSendConnector(x *invocation) ([]any, error) {
	if err := x.refuseOnSubscribedEdge(); err != nil {
		return nil, err
	}
	c, err := x.oneSendConnector(false)
	if err != nil {
		return nil, err
	}
	staged := &sendConnector{name: c.name, guid: c.guid, rec: c.rec.clone(), created: c.created}
	if x.has("Name") {
		staged.name = x.str("Name")
		for _, y := range *x.org.sendConnectorsOf(x.srv) {
			if y != c && strings.EqualFold(y.name, staged.name) {
				return nil, x.fail(errAlreadyExists, x.org.dc, staged.dn(x.org))
			}
		}
	}
	if err := x.applyArgs(sendSchema, staged.rec); err != nil {
		return nil, err
	}
	if err := x.sendCommandRules(staged); err != nil {
		return nil, err
	}
	if err := x.validateSend(staged); err != nil {
		return nil, err
	}
	if err := x.confirm(false); err != nil {
		return nil, err
	}
	if staged.name == c.name && x.unchanged(sendSchema, c.rec, staged.rec, c.name) {
		return nil, nil
	}
	c.name, c.rec, c.changed = staged.name, staged.rec, x.org.now()
	return nil, nil
}

// sendCommandRules are the checks New-/Set-SendConnector make on the
// command line itself ([DECOMP] NewSendConnector, docs/exchange.md "Send connector rules" items 1-3 and 8).
func (x *invocation) sendCommandRules(c *sendConnector) error {
	r := c.rec
	if r.bool("RequireTLS") && r.bool("IgnoreSTARTTLS") {
		return x.fail(errSendIgnoreRequireTLS)
	}
	if x.has("SmartHosts") && len(r.list("SmartHosts")) > 0 && r.bool("DNSRoutingEnabled") {
		return x.fail(errSendSmartHostsWithDNS)
	}
	if dns, given := x.boolArg("DNSRoutingEnabled"); given && dns {
		// ClearSmartHostsListIfNecessary / SetSmartHostAuthMechanismIfNecessary.
		r["SmartHosts"] = []any{}
		r["SmartHostAuthMechanism"] = uint64(0)
		r["AuthenticationCredential"] = nil
	}
	if x.srv.role == Edge && x.has("SourceTransportServers") && len(r.list("SourceTransportServers")) > 0 {
		return x.fail(errSendSourceServersOnEdge)
	}
	var servers []any
	for _, s := range r.list("SourceTransportServers") {
		srv, err := x.resolveServer(s.(plainText).String())
		if err != nil {
			return err
		}
		if srv.role == Edge && !srv.subscribed {
			return x.fail(errSendSourceNotHub, srv.name)
		}
		servers = append(servers, plainText(srv.name))
	}
	if servers != nil {
		r["SourceTransportServers"] = servers
	}
	if ip, ok := r["SourceIPAddress"].(ipAddress); ok && !ip.Addr.IsUnspecified() && x.srv.role != Edge && x.has("SourceIPAddress") {
		return x.fail(errSendSourceIPOffEdge)
	}
	return nil
}

// validateSend is the object validation on write ([DECOMP]
// SmtpSendConnectorConfig.ValidateWrite, docs/exchange.md "Rules Exchange enforces").
func (x *invocation) validateSend(c *sendConnector) error {
	r := c.rec
	fail := func(d errDef, args ...any) error { return x.failOn(c.name, d, args...) }
	spaces := r.list("AddressSpaces")
	linked := r.has("LinkedReceiveConnector")
	switch {
	case linked && len(spaces) > 0:
		return fail(errLinkedWithAddressSpaces)
	case !linked && len(spaces) == 0 && len(r.list("ConnectedDomains")) == 0:
		return fail(errNoAddressSpaces)
	}
	dns := r.bool("DNSRoutingEnabled")
	hosts := len(r.list("SmartHosts"))
	if !dns && hosts == 0 {
		return fail(errSmartHostNotSet)
	}
	auth := smartHostAuth.format(r.flags("SmartHostAuthMechanism"))
	if (auth == "BasicAuth" || auth == "BasicAuthRequireTLS") && !r.has("AuthenticationCredential") {
		return fail(errAuthCredentialNotSet)
	}
	if auth != "None" && dns {
		return fail(errAuthWithDNSRouting)
	}
	if r.bool("DomainSecureEnabled") && !dns {
		return fail(errDomainSecureNoDNS)
	}
	if r.bool("DomainSecureEnabled") && r.bool("IgnoreSTARTTLS") {
		return fail(errDomainSecureIgnoreTLS)
	}
	level := ""
	if r.has("TlsAuthLevel") {
		level = tlsAuthLevels.format(r.flags("TlsAuthLevel"))
		if !r.bool("RequireTLS") {
			return fail(errTlsAuthNoRequireTLS)
		}
		if r.bool("DomainSecureEnabled") {
			return fail(errTlsAuthDomainSecure)
		}
	}
	if r.has("TlsDomain") && level != "DomainValidation" {
		return fail(errTlsDomainLevel)
	}
	if level == "DomainValidation" && !dns && !r.has("TlsDomain") {
		return fail(errTlsDomainSmartHost)
	}
	for _, s := range spaces {
		as := s.(addressSpace)
		switch {
		case !as.isSMTP() && x.srv.role == Edge:
			return fail(errNonSMTPOnEdge)
		case !as.isSMTP() && (dns || hosts == 0):
			return fail(errNonSMTPNeedsSmartHost, as.Type)
		case as.Address == "--" && x.srv.role != Edge:
			return x.fail(errSendDashDash)
		}
	}
	if ip, ok := r["SourceIPAddress"].(ipAddress); ok {
		a := ip.Addr
		if a.IsMulticast() || (a.Is4() && a.As4() == [4]byte{255, 255, 255, 255}) {
			return fail(errSourceAddress)
		}
	}
	return nil
}

// sendConnectorsUsing lists the Send connectors whose TlsCertificateName
// names a certificate's issuer and subject (Remove-ExchangeCertificate).
func (o *Org) sendConnectorsUsing(issuer, subject string) []string {
	var names []string
	for _, c := range o.send {
		id, ok := c.rec["TlsCertificateName"].(x509Id)
		if ok && strings.EqualFold(id.Subject, subject) && (id.Issuer == "" || strings.EqualFold(id.Issuer, issuer)) {
			names = append(names, c.name)
		}
	}
	return names
}
