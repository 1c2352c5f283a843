package exchange

import (
	"fmt"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// The organisation's one HybridConfiguration object, from the reference
// pages of Get-, New- and Set-HybridConfiguration
// (https://learn.microsoft.com/powershell/module/exchange/set-hybridconfiguration):
// "There can be only one HybridConfiguration object in an Exchange
// organization". Get returns nothing until New creates it (the Hybrid
// Configuration Wizard runs New once, then Set).

// hybridFeatures are the documented values of -Features. The numeric
// values keep the documented order [INFER].
var hybridFeatures = newEnum("Microsoft.Exchange.Data.HybridFeature", false,
	"OnlineArchive", 0, "FreeBusy", 1, "MailTips", 2, "MessageTracking", 3, "OWARedirection", 4,
	"SecureMail", 5, "Centralized", 6, "Photos", 7)

const tAutoDiscoverDomain = "Microsoft.Exchange.Data.AutoDiscoverSmtpDomain"

// autoDiscoverDomain is a Domains entry: a domain, or "autod:domain" for the
// domain the wizard uses for Autodiscover [INFER: the prefix as wizard logs
// show it].
type autoDiscoverDomain struct {
	Domain       string
	AutoDiscover bool
}

func (d autoDiscoverDomain) String() string {
	if d.AutoDiscover {
		return "autod:" + d.Domain
	}
	return d.Domain
}

func parseAutoDiscoverDomain(v any) (autoDiscoverDomain, error) {
	s := strings.TrimSpace(fmt.Sprint(v))
	out := autoDiscoverDomain{Domain: s}
	if rest, ok := cutPrefixFold(s, "autod:"); ok {
		out = autoDiscoverDomain{Domain: rest, AutoDiscover: true}
	}
	if !validDomain(out.Domain, false) {
		return autoDiscoverDomain{}, badValue(v, tAutoDiscoverDomain, "The domain %q isn't valid.", s)
	}
	return out, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// parseIPv4 is an ExternalIPAddresses entry: "IPv6 addresses aren't supported".
func parseIPv4(v any) (ipAddress, error) {
	a, err := parseIPAddress(v)
	if err == nil && !a.Addr.Is4() {
		return ipAddress{}, badValue(v, tIPAddress, "IPv6 addresses aren't supported.")
	}
	return a, err
}

var (
	kAutoDiscoverDomain = valueKind{typ: tAutoDiscoverDomain, fn: stringer(parseAutoDiscoverDomain)}
	kIPv4               = valueKind{typ: tIPAddress, fn: stringer(parseIPv4)}
	kSmartHostDomain    = valueKind{typ: tSmtpDomain, nullable: true, fn: kSmtpDomain.fn}
)

// hybridSchema: the parameters of Set-HybridConfiguration, gated as
// params.tsv gates them; property order [INFER] (no transcript).
var hybridSchema = newSchema([]string{
	"Microsoft.Exchange.Data.Directory.Management.HybridConfiguration",
	"Microsoft.Exchange.Data.Directory.ADConfigurationObject",
	"Microsoft.Exchange.Data.Directory.ADObject",
	"Microsoft.Exchange.Data.ConfigurableObject",
	"System.Object",
},
	p("ClientAccessServers", mvp(kServerRef)),
	p("EdgeTransportServers", mvp(kServerRef)).from(V2013),
	p("ReceivingTransportServers", mvp(kServerRef)).from(V2013),
	p("SendingTransportServers", mvp(kServerRef)).from(V2013),
	p("TransportServers", mvp(kServerRef)).upTo(V2010),
	p("OnPremisesSmartHost", kSmartHostDomain),
	p("Domains", mvp(kAutoDiscoverDomain)),
	p("Features", mvp(enumKind{e: hybridFeatures})),
	p("ExternalIPAddresses", mvp(kIPv4)),
	p("TlsCertificateName", kX509Id).from(V2013),
	p("SecureMailCertificateThumbprint", stringKind{nullable: true}).upTo(V2010),
	p("ServiceInstance", intKind{0, 1}).from(V2013),
)

// hybridConfig is the object; nil in Org until New-HybridConfiguration.
type hybridConfig struct {
	guid    string
	rec     record
	created time.Time
	changed time.Time
}

func newHybridRecord() record {
	return record{"ClientAccessServers": []any{}, "EdgeTransportServers": []any{}, "ReceivingTransportServers": []any{},
		"SendingTransportServers": []any{}, "TransportServers": []any{}, "OnPremisesSmartHost": nil, "Domains": []any{},
		"Features": []any{}, "ExternalIPAddresses": []any{}, "TlsCertificateName": nil, "SecureMailCertificateThumbprint": nil,
		"ServiceInstance": 0}
}

const hybridName = "Hybrid Configuration"

// hybridDN [INFER: the container of the same name under the organisation].
func (o *Org) hybridDN() string { return "CN=" + hybridName + ",CN=" + hybridName + "," + o.orgDN() }

// Hybrid errors [INFER wording]; the Edge rule is the reference's
// ("must be blank ($null) when you use the EdgeTransportServers parameter").
var (
	errHybridEdgeAndMailbox = errDef{key: "HybridEdge", category: "InvalidArgument", exception: exDataValidation,
		format: "The %s parameter must be blank when you use the EdgeTransportServers parameter."}
	errHybridServerRole = errDef{key: "HybridServerRole", category: "InvalidArgument", exception: exArgument,
		format: "The server %s specified in the %s parameter isn't %s."}
)

func getHybridConfiguration(x *invocation) ([]any, error) {
	if x.org.hybrid == nil {
		return nil, nil
	}
	return []any{x.r.hybridConfiguration(x.org.hybrid)}, nil
}

func newHybridConfiguration(x *invocation) ([]any, error) {
	if x.org.hybrid != nil {
		return nil, x.fail(errAlreadyExists, x.org.dc, x.org.hybridDN())
	}
	rec := newHybridRecord()
	if err := x.applyHybrid(rec); err != nil {
		return nil, err
	}
	if err := x.confirm(false); err != nil {
		return nil, err
	}
	now := x.org.now()
	x.org.hybrid = &hybridConfig{guid: newGUID(), rec: rec, created: now, changed: now}
	return []any{x.r.hybridConfiguration(x.org.hybrid)}, nil
}

func setHybridConfiguration(x *invocation) ([]any, error) {
	h := x.org.hybrid
	if h == nil {
		return nil, x.notFound(hybridName)
	}
	staged := h.rec.clone()
	if err := x.applyHybrid(staged); err != nil {
		return nil, err
	}
	if err := x.confirm(false); err != nil {
		return nil, err
	}
	if x.unchanged(hybridSchema, h.rec, staged, hybridName) {
		return nil, nil
	}
	h.rec, h.changed = staged, x.org.now()
	return nil, nil
}

// applyHybrid sets the parameters on rec and checks the server lists: each
// entry names a server of the organisation (stored as its name, as an
// ADObjectId prints), Mailbox servers for the transport and client access
// lists, Edge servers for EdgeTransportServers.
func (x *invocation) applyHybrid(rec record) error {
	if err := x.applyArgs(hybridSchema, rec); err != nil {
		return err
	}
	lists := []struct {
		name string
		role Role
	}{{"ClientAccessServers", Mailbox}, {"TransportServers", Mailbox}, {"SendingTransportServers", Mailbox},
		{"ReceivingTransportServers", Mailbox}, {"EdgeTransportServers", Edge}}
	for _, l := range lists {
		if !x.has(l.name) {
			continue
		}
		var names []any
		for _, v := range rec.list(l.name) {
			id := fmt.Sprint(v)
			s := x.org.server(id)
			if s == nil {
				return x.notFound(id)
			}
			if s.role != l.role {
				what := "a Mailbox server"
				if l.role == Edge {
					what = "an Edge Transport server"
				}
				return x.fail(errHybridServerRole, s.name, l.name, what)
			}
			names = append(names, plainText(s.name))
		}
		if names == nil {
			names = []any{}
		}
		rec[l.name] = names
	}
	if len(rec.list("EdgeTransportServers")) > 0 {
		for _, name := range []string{"SendingTransportServers", "ReceivingTransportServers"} {
			if len(rec.list(name)) > 0 {
				return x.fail(errHybridEdgeAndMailbox, name)
			}
		}
	}
	return nil
}

func (r *render) hybridConfiguration(h *hybridConfig) *ps.Object {
	p := r.object(hybridSchema, h.rec, nil)
	return p.adTail(hybridName, r.org.hybridDN(), hybridName, h.guid, "ms-Exch-Coexistence-Relationship",
		[]any{"top", "msExchCoexistenceRelationship"}, h.created, h.changed).o
}

// hybridUses reports whether the hybrid configuration's TlsCertificateName
// names the certificate (Remove-ExchangeCertificate).
func (o *Org) hybridUses(c *certificate) bool {
	if o.hybrid == nil {
		return false
	}
	id, ok := o.hybrid.rec["TlsCertificateName"].(x509Id)
	return ok && id.names(c)
}

// hybridState and loadHybrid persist the object with --state.
func (o *Org) hybridState() *ConnectorState {
	if o.hybrid == nil {
		return nil
	}
	cs := connectorState(hybridName, o.hybrid.guid, o.hybrid.created, o.hybrid.changed, encodeRecord(hybridSchema, o.hybrid.rec))
	return &cs
}

func (o *Org) loadHybrid(cs *ConnectorState) error {
	if cs == nil {
		return nil
	}
	rec := newHybridRecord()
	if err := decodeRecord(hybridSchema, rec, cs.Properties); err != nil {
		return fmt.Errorf("hybridConfiguration: %w", err)
	}
	created, changed := times(o, *cs)
	o.hybrid = &hybridConfig{guid: orGUID(cs.Guid), rec: rec, created: created, changed: changed}
	return nil
}
