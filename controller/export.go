package controller

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// Export observes every server of the site's organisations and returns the
// live state as manifests, one document per object: every send connector,
// every receive connector of each declared server except the server's
// defaults, the TransportConfig lists and the certificates enabled for any
// service. Only fields the API has are written, and values equal to
// Exchange's defaults are left out, so the result reads like a manifest a
// person would write. Secrets are never exported: a smart-host credential
// becomes a passwordFrom placeholder to fill in. Exporting and then diffing
// the result shows no drift.
func Export(ctx context.Context, site *v1alpha1.Site, opts Options) ([]byte, []RunError, error) {
	if opts.Parallel <= 0 {
		opts.Parallel = 8
	}
	if opts.Connect == nil {
		opts.Connect = Dial
	}
	r := &runner{site: site, opts: opts, sem: make(chan struct{}, opts.Parallel)}
	orgs, err := r.prepare()
	if err != nil {
		return nil, nil, err
	}
	defer r.closeAll(context.WithoutCancel(ctx), orgs)
	r.observeAll(ctx, orgs)

	var docs []any
	// notes[i] is the YAML comment written above docs[i].
	notes := map[int]string{}
	var errs []RunError
	for _, o := range orgs {
		for _, s := range o.servers {
			if s.err != nil {
				errs = append(errs, newRunError(s.spec.Name, "", "", s.err, "%s", s.err.Error()))
			}
		}
		docs = append(docs, r.exportOrganization(o.org, opts.ExportDir))
		multi := len(orgs) > 1
		ref := ""
		if multi {
			ref = o.org.Name
		}
		if os := o.orgServer; os != nil {
			for _, c := range sortedSend(os.obs.SendConnectors) {
				sc, note := exportSend(c, ref)
				if note != "" {
					notes[len(docs)] = note
				}
				docs = append(docs, sc)
			}
			if tc := os.obs.TransportConfig; tc != nil {
				docs = append(docs, exportTransportConfig(o.org.Name, tc, ref))
			}
			if h := os.obs.HybridConfiguration; h != nil && h.TlsCertificateName != "" {
				docs = append(docs, exportHybrid(h, ref))
			}
		}
		certs := map[string]*v1alpha1.ExchangeCertificate{}
		var certOrder []string
		for _, s := range o.servers {
			if s.err != nil {
				continue
			}
			for _, c := range s.obs.ReceiveConnectors {
				if isDefaultReceiveConnector(s.spec.Name, c.Name) {
					if rc := exportDefaultReceive(s, c, ref); rc != nil {
						notes[len(docs)] = "# A default receive connector: only the fields that differ from the version's defaults (docs/exchange.md \"Default receive connectors\")."
						docs = append(docs, rc)
					}
					continue
				}
				docs = append(docs, exportReceive(s.spec.Name, c, ref))
			}
			for _, c := range s.obs.Certificates {
				if c.Services == value.ServiceNone {
					continue
				}
				key := strings.ToUpper(c.Thumbprint)
				ec, ok := certs[key]
				if !ok {
					ec = exportCertificate(c, ref)
					certs[key] = ec
					certOrder = append(certOrder, key)
				}
				ec.Spec.Servers = append(ec.Spec.Servers, s.spec.Name)
				// Services are enabled per server; declare the ones
				// every server has.
				common := *ec.Spec.Services & c.Services
				ec.Spec.Services = &common
			}
		}
		for _, k := range certOrder {
			docs = append(docs, certs[k])
		}
	}
	var out bytes.Buffer
	for i, d := range docs {
		if i > 0 {
			out.WriteString("---\n")
		}
		if n := notes[i]; n != "" {
			out.WriteString(n + "\n")
		}
		b, err := yaml.Marshal(d)
		if err != nil {
			return nil, errs, err
		}
		out.Write(b)
	}
	return out.Bytes(), errs, nil
}

func typeMeta(kind string) v1alpha1.TypeMeta {
	return v1alpha1.TypeMeta{APIVersion: v1alpha1.APIVersion, Kind: kind}
}

// exportOrganization repeats the declared organisation, so the export is a
// complete site; its password source is kept as declared (a reference,
// never a value). The files it names are written relative to dir, the
// folder of --out, or absolute when dir is "" (stdout).
func (r *runner) exportOrganization(o *v1alpha1.ExchangeOrganization, dir string) *v1alpha1.ExchangeOrganization {
	c := *o
	c.TypeMeta = typeMeta("ExchangeOrganization")
	path := func(p string) string {
		if p == "" {
			return p
		}
		abs, err := filepath.Abs(r.site.Path(o, p))
		if err != nil {
			return p
		}
		if dir == "" {
			return abs
		}
		if d, err := filepath.Abs(dir); err == nil {
			if rel, err := filepath.Rel(d, abs); err == nil {
				return rel
			}
		}
		return abs
	}
	if t := o.Spec.TLS; t != nil {
		tls := *t
		tls.CAFile = path(t.CAFile)
		c.Spec.TLS = &tls
	}
	if a := o.Spec.Auth; a != nil {
		auth := *a
		if pf := a.PasswordFrom; pf != nil {
			p := *pf
			p.File = path(pf.File)
			auth.PasswordFrom = &p
		}
		if k := a.Kerberos; k != nil {
			krb := *k
			krb.Krb5Conf, krb.CCache = path(k.Krb5Conf), path(k.CCache)
			auth.Kerberos = &krb
		}
		c.Spec.Auth = &auth
	}
	return &c
}

// exportSend writes a send connector. A smart-host credential cannot be
// read back, so the connector is exported without it and without its
// authentication mechanism (both then unmanaged, so diff is in sync), and
// note, the YAML comment above it, shows how to declare them.
func exportSend(c exchange.ObservedSendConnector, ref string) (*v1alpha1.SendConnector, string) {
	sc := &v1alpha1.SendConnector{TypeMeta: typeMeta(v1alpha1.KindSendConnector), ObjectMeta: v1alpha1.ObjectMeta{Name: c.Name}}
	s := &sc.Spec
	s.OrganizationRef = ref
	s.AddressSpaces = c.AddressSpaces
	s.DNSRoutingEnabled = ptr(c.DNSRoutingEnabled)
	if len(c.SmartHosts) > 0 {
		s.SmartHosts = c.SmartHosts
	}
	note := ""
	if c.SmartHostAuthMechanism != "" && !strings.EqualFold(c.SmartHostAuthMechanism, "None") {
		m := v1alpha1.SmartHostAuthMechanism(c.SmartHostAuthMechanism)
		s.SmartHostAuthMechanism = &m
	}
	if c.HasAuthenticationCredential {
		env := "SMTP_PASSWORD_" + strings.ToUpper(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return '_'
		}, c.Name))
		note = fmt.Sprintf("# %q has a smart-host credential, which Exchange never returns. To manage it, add to spec:\n"+
			"#   smartHostAuthMechanism: %s\n#   authenticationCredential:\n#     username: <the smart host's user>\n#     passwordFrom: {env: %s}",
			c.Name, orNone(c.SmartHostAuthMechanism), env)
		s.SmartHostAuthMechanism = nil
	}
	s.RequireTLS = ptr(c.RequireTLS)
	s.IgnoreSTARTTLS = ptr(c.IgnoreSTARTTLS)
	s.DomainSecureEnabled = ptr(c.DomainSecureEnabled)
	if c.TlsAuthLevel != "" {
		l := v1alpha1.TLSAuthLevel(c.TlsAuthLevel)
		s.TLSAuthLevel = &l
	}
	if c.TlsDomain != "" {
		s.TLSDomain = ptr(c.TlsDomain)
	}
	if c.TlsCertificateName != "" {
		s.TLSCertificateName = ptr(c.TlsCertificateName)
	}
	if c.Port != 25 {
		s.Port = ptr(int32(c.Port))
	}
	if c.Fqdn != "" {
		s.FQDN = ptr(c.Fqdn)
	}
	if len(c.SourceTransportServers) > 0 {
		s.SourceTransportServers = c.SourceTransportServers
	}
	if !c.Enabled {
		s.Enabled = ptr(false)
	}
	s.MaxMessageSize = ptr(c.MaxMessageSize)
	if c.ProtocolLoggingLevel != "" && !strings.EqualFold(c.ProtocolLoggingLevel, "None") {
		l := v1alpha1.ProtocolLoggingLevel(c.ProtocolLoggingLevel)
		s.ProtocolLoggingLevel = &l
	}
	if uc := userComment(c.Comment); uc != "" {
		s.Comment = ptr(uc)
	}
	return sc, note
}

func exportReceive(server string, c exchange.ObservedReceiveConnector, ref string) *v1alpha1.ReceiveConnector {
	rc := &v1alpha1.ReceiveConnector{TypeMeta: typeMeta(v1alpha1.KindReceiveConnector), ObjectMeta: v1alpha1.ObjectMeta{Name: c.Name}}
	s := &rc.Spec
	s.OrganizationRef = ref
	s.Server = server
	s.Bindings = c.Bindings
	s.RemoteIPRanges = []value.IPRange(c.RemoteIPRanges)
	if c.Fqdn != "" {
		s.FQDN = ptr(c.Fqdn)
	}
	s.AuthMechanism = ptr(c.AuthMechanism)
	s.PermissionGroups = ptr(c.PermissionGroups)
	s.RequireTLS = ptr(c.RequireTLS)
	s.DomainSecureEnabled = ptr(c.DomainSecureEnabled)
	if !c.Enabled {
		s.Enabled = ptr(false)
	}
	s.MaxMessageSize = ptr(c.MaxMessageSize)
	if c.Banner != "" {
		s.Banner = ptr(c.Banner)
	}
	if uc := userComment(c.Comment); uc != "" {
		s.Comment = ptr(uc)
	}
	if c.TransportRole != "" {
		t := v1alpha1.TransportRole(c.TransportRole)
		s.TransportRole = &t
	}
	if c.TlsCertificateName != "" {
		s.TLSCertificateName = ptr(c.TlsCertificateName)
	}
	if c.ProtocolLoggingLevel != "" && !strings.EqualFold(c.ProtocolLoggingLevel, "None") {
		l := v1alpha1.ProtocolLoggingLevel(c.ProtocolLoggingLevel)
		s.ProtocolLoggingLevel = &l
	}
	return rc
}

// exportTransportConfig writes the domain-secure lists. An empty list is
// written as [] (managed: "no domains"), not left out; the api type's
// omitempty would drop it, so the document is a map.
func exportTransportConfig(org string, tc *exchange.ObservedTransportConfig, ref string) any {
	spec := map[string]any{
		"tlsSendDomainSecureList":    append([]string{}, tc.TLSSendDomainSecureList...),
		"tlsReceiveDomainSecureList": append([]string{}, tc.TLSReceiveDomainSecureList...),
	}
	if ref != "" {
		spec["organizationRef"] = ref
	}
	return map[string]any{"apiVersion": v1alpha1.APIVersion, "kind": v1alpha1.KindTransportConfig,
		"metadata": map[string]any{"name": org}, "spec": spec}
}

// receiveDefaults are the permission groups and authentication of the
// default receive connectors of a 2013+ Mailbox server, by name prefix
// (docs/exchange.md "Default receive connectors").
var receiveDefaults = map[string][2]string{
	"Default Frontend":        {"AnonymousUsers, ExchangeServers, ExchangeLegacyServers", "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"},
	"Outbound Proxy Frontend": {"ExchangeServers", "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"},
	"Client Frontend":         {"ExchangeUsers", "Tls, Integrated, BasicAuth, BasicAuthRequireTLS"},
	"Default":                 {"ExchangeUsers, ExchangeServers, ExchangeLegacyServers", "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"},
	"Client Proxy":            {"ExchangeUsers, ExchangeServers", "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"},
}

// exportDefaultReceive writes a default receive connector with only the
// fields that differ from what setup gives it (never its bindings, which
// exreconcile does not change), or nil when nothing differs. The defaults
// of permission groups and authentication are known for 2013+ Mailbox
// servers; elsewhere only fqdn, banner and comment are compared.
func exportDefaultReceive(s *serverRun, c exchange.ObservedReceiveConnector, ref string) *v1alpha1.ReceiveConnector {
	rc := &v1alpha1.ReceiveConnector{TypeMeta: typeMeta(v1alpha1.KindReceiveConnector), ObjectMeta: v1alpha1.ObjectMeta{Name: c.Name}}
	sp := &rc.Spec
	sp.OrganizationRef, sp.Server = ref, s.spec.Name
	differs := false
	if c.Fqdn != "" && !strings.EqualFold(c.Fqdn, s.obs.Server.Fqdn) {
		sp.FQDN, differs = ptr(c.Fqdn), true
	}
	if c.Banner != "" {
		sp.Banner, differs = ptr(c.Banner), true
	}
	if uc := userComment(c.Comment); uc != "" {
		sp.Comment, differs = ptr(uc), true
	}
	if s.obs.Server.Version >= exchange.Exchange2013 && s.spec.Role != v1alpha1.RoleEdge {
		for prefix, d := range receiveDefaults {
			if !strings.EqualFold(c.Name, prefix+" "+s.spec.Name) {
				continue
			}
			if pg, err := value.ParsePermissionGroups(d[0]); err == nil && pg != c.PermissionGroups {
				sp.PermissionGroups, differs = ptr(c.PermissionGroups), true
			}
			if am, err := value.ParseAuthMechanisms(d[1]); err == nil && am != c.AuthMechanism {
				sp.AuthMechanism, differs = ptr(c.AuthMechanism), true
			}
		}
	}
	if !differs {
		return nil
	}
	return rc
}

func exportCertificate(c exchange.ObservedCertificate, ref string) *v1alpha1.ExchangeCertificate {
	name := strings.ToLower(c.Thumbprint[:min(8, len(c.Thumbprint))])
	if cn := commonName(c.Subject); cn != "" {
		name = strings.Trim(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
				return r
			}
			return '-'
		}, cn), "-.") + "-" + name
	}
	ec := &v1alpha1.ExchangeCertificate{TypeMeta: typeMeta(v1alpha1.KindExchangeCertificate), ObjectMeta: v1alpha1.ObjectMeta{Name: name}}
	ec.Spec.OrganizationRef = ref
	ec.Spec.Thumbprint = strings.ToUpper(c.Thumbprint)
	ec.Spec.Services = ptr(c.Services)
	return ec
}

func commonName(subject string) string {
	for _, part := range strings.Split(subject, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && strings.EqualFold(k, "CN") {
			return strings.ToLower(strings.TrimSpace(v))
		}
	}
	return ""
}

func sortedSend(list []exchange.ObservedSendConnector) []exchange.ObservedSendConnector {
	out := append([]exchange.ObservedSendConnector(nil), list...)
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}
