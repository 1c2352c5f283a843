package controller

import (
	"bytes"
	"context"
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
	var errs []RunError
	for _, o := range orgs {
		for _, s := range o.servers {
			if s.err != nil {
				errs = append(errs, newRunError(s.spec.Name, "", "", s.err, "%s", s.err.Error()))
			}
		}
		docs = append(docs, exportOrganization(o.org))
		multi := len(orgs) > 1
		ref := ""
		if multi {
			ref = o.org.Name
		}
		if os := o.orgServer; os != nil {
			for _, c := range sortedSend(os.obs.SendConnectors) {
				docs = append(docs, exportSend(c, ref))
			}
			if tc := os.obs.TransportConfig; tc != nil {
				docs = append(docs, exportTransportConfig(o.org.Name, tc, ref))
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
// complete site; its password source is kept as declared (a reference, never a value).
func exportOrganization(o *v1alpha1.ExchangeOrganization) *v1alpha1.ExchangeOrganization {
	c := *o
	c.TypeMeta = typeMeta("ExchangeOrganization")
	return &c
}

func exportSend(c exchange.ObservedSendConnector, ref string) *v1alpha1.SendConnector {
	sc := &v1alpha1.SendConnector{TypeMeta: typeMeta(v1alpha1.KindSendConnector), ObjectMeta: v1alpha1.ObjectMeta{Name: c.Name}}
	s := &sc.Spec
	s.OrganizationRef = ref
	s.AddressSpaces = c.AddressSpaces
	s.DNSRoutingEnabled = ptr(c.DNSRoutingEnabled)
	if len(c.SmartHosts) > 0 {
		s.SmartHosts = c.SmartHosts
	}
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
		s.AuthenticationCredential = &v1alpha1.Credential{Username: "CHANGE-ME", PasswordFrom: &v1alpha1.PasswordFrom{Env: env}}
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
	return sc
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

func exportTransportConfig(org string, tc *exchange.ObservedTransportConfig, ref string) *v1alpha1.TransportConfig {
	out := &v1alpha1.TransportConfig{TypeMeta: typeMeta(v1alpha1.KindTransportConfig), ObjectMeta: v1alpha1.ObjectMeta{Name: org}}
	out.Spec.OrganizationRef = ref
	// An empty list is declared as empty (managed: "no domains"), not left out.
	out.Spec.TLSSendDomainSecureList = append([]string{}, tc.TLSSendDomainSecureList...)
	out.Spec.TLSReceiveDomainSecureList = append([]string{}, tc.TLSReceiveDomainSecureList...)
	return out
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
