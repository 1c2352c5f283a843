package exchange

import (
	"fmt"
	"strings"
	"time"
)

// Receive connector errors. The two binding-conflict texts are from
// docs/exchange.md "Error texts" (the first verified on 2016, the second from memory); the
// others are [INFER] wordings of the documented rules (docs/exchange.md "Receive connector rules" items 11-21;
// [DECOMP] ReceiveConnector validation in docs/exchange.md "Receive connector usage").
var (
	errBindingRoles = errDef{key: "BindingConflictRoles", category: "InvalidOperation", exception: exInvalidOperation,
		format: "The values that you specified for the Bindings and RemoteIPRanges parameters conflict with the settings on Receive connector \"%s\". Receive connectors assigned to different Transport roles on a single server must listen on unique local IP address & port bindings."}
	errBindingUnique = errDef{key: "BindingConflict", category: "InvalidOperation", exception: exInvalidOperation,
		format: "The values that you specified for the Bindings and RemoteIPRanges parameters conflict with the settings on Receive connector \"%s\". A Receive connector must have a unique combination of a local IP address & port bindings and remote IP address ranges. Change at least one of these values."}
	errAuthNoneAlone = errDef{key: "AuthNoneWithOthers", category: "NotSpecified", exception: exDataValidation,
		format: "The authentication mechanism None can't be combined with other authentication mechanisms."}
	errAuthBasicTLS = errDef{key: "BasicAuthRequireTLSWithoutBasicAndTls", category: "NotSpecified", exception: exDataValidation,
		format: "BasicAuthRequireTLS requires both BasicAuth and Tls in AuthMechanism."}
	errAuthExternalOnlyTls = errDef{key: "ExternalAuthoritativeWithOthers", category: "NotSpecified", exception: exDataValidation,
		format: "ExternalAuthoritative can only be combined with Tls in AuthMechanism."}
	errAuthExternalGroups = errDef{key: "ExternalAuthoritativeWithoutExchangeServers", category: "NotSpecified", exception: exDataValidation,
		format: "ExternalAuthoritative requires the ExchangeServers permission group."}
	errRequireTLSNoTls = errDef{key: "RequireTLSWithoutTls", category: "NotSpecified", exception: exDataValidation,
		format: "RequireTLS can be $true only when AuthMechanism includes Tls."}
	errDomainSecureNoTls = errDef{key: "DomainSecureEnabledWithoutTls", category: "NotSpecified", exception: exDataValidation,
		format: "DomainSecureEnabled can be $true only when AuthMechanism includes Tls."}
	errDomainSecureExternal = errDef{key: "DomainSecureEnabledWithExternalAuthoritative", category: "NotSpecified", exception: exDataValidation,
		format: "DomainSecureEnabled can't be $true when AuthMechanism includes ExternalAuthoritative."}
	errCustomPermission = errDef{key: "CustomPermissionGroup", category: "InvalidArgument", exception: exArgument,
		format: "The Custom permission group can't be set with this cmdlet. Use Add-ADPermission to grant individual permissions."}
	errLegacyOnEdge = errDef{key: "ExchangeLegacyServersOnEdge", category: "NotSpecified", exception: exDataValidation,
		format: "The ExchangeLegacyServers permission group can't be used on an Edge Transport server."}
	errInactivityTimeout = errDef{key: "ConnectionInactivityTimeoutTooLarge", category: "NotSpecified", exception: exDataValidation,
		format: "ConnectionInactivityTimeout (%s) can't be greater than ConnectionTimeout (%s)."}
	errBinaryMime = errDef{key: "BinaryMimeWithoutChunking", category: "NotSpecified", exception: exDataValidation,
		format: "BinaryMimeEnabled can be $true only when ChunkingEnabled is $true."}
	errNoBindings = errDef{key: "NoBindings", category: "NotSpecified", exception: exDataValidation,
		format: "A Receive connector must have at least one binding."}
	errNoRemoteRanges = errDef{key: "NoRemoteIPRanges", category: "NotSpecified", exception: exDataValidation,
		format: "A Receive connector must have at least one remote IP address range."}
	errRangeOverlap = errDef{key: "RemoteIPRangesOverlap", category: "NotSpecified", exception: exDataValidation,
		format: "The remote IP address ranges %s and %s overlap. Ranges can overlap only when one contains the other."}
	errConnectorName = errDef{key: "InvalidConnectorName", category: "InvalidArgument", exception: exArgument,
		format: "The name \"%s\" isn't valid. A connector name can have up to 64 characters and can't contain \"\\\"."}
	errUsageForbids = errDef{key: "UsageForbidsParameter", category: "InvalidArgument", exception: exArgument,
		format: "The %s parameter can't be used with the %s usage type."}
	errRoleOnEdge = errDef{key: "TransportRoleOnEdge", category: "InvalidArgument", exception: exArgument,
		format: "The TransportRole parameter can't be used on an Edge Transport server."}
	errRoleValue = errDef{key: "TransportRoleValue", category: "InvalidArgument", exception: exArgument,
		format: "TransportRole must be FrontendTransport or HubTransport."}
)

// receiveUsage reads -Client/-Custom/-Internal/-Internet/-Partner or -Usage
// ("" when none: the Custom parameter set without the switch).
func (x *invocation) receiveUsage() (string, error) {
	for _, sw := range []string{"Client", "Custom", "Internal", "Internet", "Partner"} {
		if x.flag(sw) {
			return sw, nil
		}
	}
	if x.has("Usage") {
		n, err := receiveUsages.parse(x.call.Args["Usage"])
		if err != nil {
			return "", x.bindErr("Usage", x.call.Args["Usage"], err)
		}
		return receiveUsages.format(n), nil
	}
	return "", nil
}

func newReceiveConnector(x *invocation) ([]any, error) {
	usage, err := x.receiveUsage()
	if err != nil {
		return nil, err
	}
	srv := x.srv
	if x.has("Server") {
		if srv, err = x.targetServer(x.str("Server")); err != nil {
			return nil, err
		}
	}
	name := x.str("Name")
	if name == "" || len(name) > 64 || strings.Contains(name, `\`) {
		return nil, x.fail(errConnectorName, name)
	}
	c := &receiveConnector{name: name, guid: newGUID(), srv: srv, rec: baseReceiveRecord(srv), created: x.org.now()}
	c.changed = c.created
	for _, y := range srv.receive {
		if strings.EqualFold(y.name, name) {
			return nil, x.fail(errAlreadyExists, x.org.dc, c.dn())
		}
	}
	if err := x.usageParameters(usage); err != nil {
		return nil, err
	}
	applyUsageDefaults(c.rec, usage, srv)
	if err := x.applyArgs(receiveSchema, c.rec); err != nil {
		return nil, err
	}
	if c.rec.flags("PermissionGroups")&permissionGroups.must("Custom") != 0 {
		return nil, x.fail(errCustomPermission)
	}
	if err := x.validateReceive(c); err != nil {
		return nil, err
	}
	if err := x.confirm(false); err != nil {
		return nil, err
	}
	srv.receive = append(srv.receive, c)
	return []any{x.r.receiveConnector(c)}, nil
}

// usageParameters enforces which of Bindings and RemoteIPRanges a usage
// requires or forbids (docs/exchange.md "Receive connector usage", which says to follow the
// product text over the SYNTAX blocks).
func (x *invocation) usageParameters(usage string) error {
	needBindings, needRanges := true, true
	switch usage {
	case "Client", "Internal":
		if x.has("Bindings") {
			return x.fail(errUsageForbids, "Bindings", usage)
		}
		needBindings = false
	case "Internet":
		if x.has("RemoteIPRanges") {
			return x.fail(errUsageForbids, "RemoteIPRanges", usage)
		}
		needRanges = false
	}
	var missing []string
	if needBindings && !x.has("Bindings") {
		missing = append(missing, "Bindings")
	}
	if needRanges && !x.has("RemoteIPRanges") {
		missing = append(missing, "RemoteIPRanges")
	}
	if len(missing) > 0 {
		return x.missingMandatory(missing...)
	}
	return nil
}

// applyUsageDefaults sets what a usage type sets at creation (docs/exchange.md "Receive connector usage";
// [DECOMP] for no usage, Partner and Internal).
func applyUsageDefaults(r record, usage string, srv *Server) {
	auth, perms := authMechanisms.must, permissionGroups.must
	edge := srv.role == Edge
	switch usage {
	case "Client":
		r["PermissionGroups"] = perms("ExchangeUsers")
		r["AuthMechanism"] = auth("Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS")
		r["Bindings"] = mustList(kBinding, "0.0.0.0:587")
	case "Internal":
		r["PermissionGroups"] = perms("ExchangeServers", "ExchangeLegacyServers")
		if edge {
			r["PermissionGroups"] = perms("ExchangeServers")
		}
		r["AuthMechanism"] = auth("Tls", "ExchangeServer")
		r["Bindings"] = mustList(kBinding, "0.0.0.0:25")
		if !edge {
			r["SizeEnabled"] = sizeModes.must("EnabledWithoutValue")
			r["MaxInboundConnectionPercentagePerSource"] = 100
		}
	case "Internet":
		r["PermissionGroups"] = perms("AnonymousUsers")
		r["AuthMechanism"] = auth("Tls")
		r["RemoteIPRanges"] = mustList(kIPRange, allIPv4)
	case "Partner":
		r["PermissionGroups"] = perms("Partners")
		r["AuthMechanism"] = auth("Tls")
		r["DomainSecureEnabled"] = true
	case "Custom":
		r["PermissionGroups"] = perms("None")
		r["AuthMechanism"] = auth("Tls")
	default:
		if edge {
			r["PermissionGroups"] = perms("AnonymousUsers", "ExchangeServers", "Partners")
			r["AuthMechanism"] = auth("Tls", "ExchangeServer")
		} else {
			r["PermissionGroups"] = perms("ExchangeUsers", "ExchangeServers", "ExchangeLegacyServers")
			r["AuthMechanism"] = auth("Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS", "ExchangeServer")
		}
	}
}

func setReceiveConnector(x *invocation) ([]any, error) {
	c, err := x.oneReceiveConnector()
	if err != nil {
		return nil, err
	}
	if x.has("TransportRole") && c.srv.role == Edge {
		return nil, x.fail(errRoleOnEdge)
	}
	staged := &receiveConnector{name: c.name, guid: c.guid, srv: c.srv, rec: c.rec.clone(), created: c.created}
	if x.has("Name") {
		staged.name = x.str("Name")
		if staged.name == "" || len(staged.name) > 64 || strings.Contains(staged.name, `\`) {
			return nil, x.fail(errConnectorName, staged.name)
		}
		for _, y := range c.srv.receive {
			if y != c && strings.EqualFold(y.name, staged.name) {
				return nil, x.fail(errAlreadyExists, x.org.dc, staged.dn())
			}
		}
	}
	if err := x.applyArgs(receiveSchema, staged.rec); err != nil {
		return nil, err
	}
	if err := x.validateReceive(staged); err != nil {
		return nil, err
	}
	if err := x.confirm(false); err != nil {
		return nil, err
	}
	if staged.name == c.name && x.unchanged(receiveSchema, c.rec, staged.rec, c.identity()) {
		return nil, nil
	}
	c.name, c.rec, c.changed = staged.name, staged.rec, x.org.now()
	return nil, nil
}

// validateReceive checks a connector as Exchange validates it on write.
func (x *invocation) validateReceive(c *receiveConnector) error {
	r := c.rec
	fail := func(d errDef, args ...any) error { return x.failOn(c.identity(), d, args...) }
	auth := r.flags("AuthMechanism")
	has := func(names ...string) bool { return auth&authMechanisms.must(names...) == authMechanisms.must(names...) }
	tls, ext := authMechanisms.must("Tls"), authMechanisms.must("ExternalAuthoritative")
	perms := r.flags("PermissionGroups")
	switch {
	case len(r.list("Bindings")) == 0:
		return fail(errNoBindings)
	case len(r.list("RemoteIPRanges")) == 0:
		return fail(errNoRemoteRanges)
	case x.has("AuthMechanism") && strings.Contains(strings.ToLower(fmt.Sprint(x.call.Args["AuthMechanism"])), "none") && auth != 0:
		return fail(errAuthNoneAlone)
	case has("BasicAuthRequireTLS") && !has("BasicAuth", "Tls"):
		return fail(errAuthBasicTLS)
	case auth&ext != 0 && auth&^(ext|tls) != 0:
		return fail(errAuthExternalOnlyTls)
	case auth&ext != 0 && perms&permissionGroups.must("ExchangeServers") == 0:
		return fail(errAuthExternalGroups)
	case r.bool("RequireTLS") && auth&tls == 0:
		return fail(errRequireTLSNoTls)
	case r.bool("DomainSecureEnabled") && auth&tls == 0:
		return fail(errDomainSecureNoTls)
	case r.bool("DomainSecureEnabled") && auth&ext != 0:
		return fail(errDomainSecureExternal)
	case c.srv.role == Edge && perms&permissionGroups.must("ExchangeLegacyServers") != 0:
		return fail(errLegacyOnEdge)
	case r.bool("BinaryMimeEnabled") && !r.bool("ChunkingEnabled"):
		return fail(errBinaryMime)
	}
	if a, b := r["ConnectionInactivityTimeout"], r["ConnectionTimeout"]; a != nil && b != nil && spanOf(a) > spanOf(b) {
		return fail(errInactivityTimeout, formatTimeSpan(spanOf(a)), formatTimeSpan(spanOf(b)))
	}
	role := r.flags("TransportRole")
	if c.srv.version >= V2013 && role != transportRoles.must("HubTransport") && role != transportRoles.must("FrontendTransport") {
		return x.fail(errRoleValue)
	}
	if c.srv.role == Edge && role != transportRoles.must("HubTransport") {
		return x.fail(errRoleOnEdge)
	}
	ranges := r.list("RemoteIPRanges")
	for i, a := range ranges {
		for _, b := range ranges[i+1:] {
			ra, rb := a.(ipRange), b.(ipRange)
			if ra.overlaps(rb) && !ra.contains(rb) && !rb.contains(ra) {
				return fail(errRangeOverlap, ra, rb)
			}
		}
	}
	return x.bindingConflicts(c)
}

// bindingConflicts enforces unique local endpoint + remote ranges per server
// (docs/exchange.md "Receive connector rules" items 12-13; [DECOMP] ReceiveConnectorNoMappingConflictCondition).
func (x *invocation) bindingConflicts(c *receiveConnector) error {
	for _, other := range c.srv.receive {
		if other.guid == c.guid || !bindingsOverlap(c.rec.list("Bindings"), other.rec.list("Bindings")) {
			continue
		}
		if c.srv.version >= V2013 && c.rec.flags("TransportRole") != other.rec.flags("TransportRole") {
			return x.fail(errBindingRoles, other.identity())
		}
		if rangesConflict(c.rec.list("RemoteIPRanges"), other.rec.list("RemoteIPRanges")) {
			return x.fail(errBindingUnique, other.identity())
		}
	}
	return nil
}

func bindingsOverlap(a, b []any) bool {
	for _, x := range a {
		for _, y := range b {
			if x.(binding).overlaps(y.(binding)) {
				return true
			}
		}
	}
	return false
}

// rangesConflict: two connectors sharing an endpoint must differ in remote
// ranges, and overlapping ranges are allowed only when one contains the other.
func rangesConflict(a, b []any) bool {
	if sameRanges(a, b) {
		return true
	}
	for _, x := range a {
		for _, y := range b {
			rx, ry := x.(ipRange), y.(ipRange)
			if rx.overlaps(ry) && !rx.contains(ry) && !ry.contains(rx) {
				return true
			}
		}
	}
	return false
}

func sameRanges(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			found = found || x.(ipRange).equal(y.(ipRange))
		}
		if !found {
			return false
		}
	}
	return true
}

func spanOf(v any) time.Duration {
	d, _ := v.(time.Duration)
	return d
}
