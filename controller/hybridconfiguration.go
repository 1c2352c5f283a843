package controller

import (
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// ReasonNoHybridConfiguration: a HybridConfiguration is declared but the
// organisation has none (the Hybrid Configuration Wizard creates it).
const ReasonNoHybridConfiguration Reason = "NoHybridConfiguration"

// hybridConfiguration is the resource of the organisation's one hybrid
// configuration: exreconcile sets its TlsCertificateName (declared, or
// resolved from tlsCertificateRef) and reports the rest. It never creates
// one: New-HybridConfiguration belongs to the Hybrid Configuration Wizard,
// which also configures Exchange Online.
type hybridConfiguration struct {
	id    v1alpha1.Identity
	want  *string
	cur   *exchange.ObservedHybridConfiguration
	v     exchange.Version
	extra []Note
}

// bindHybridConfiguration binds the organisation's declared HybridConfiguration.
func bindHybridConfiguration(b *binding) []resource {
	var out []resource
	for _, h := range b.r.site.HybridConfigurations() {
		if b.r.site.Organization(h) != b.org.org {
			continue
		}
		res := &hybridConfiguration{id: b.identity(h), want: h.Spec.TLSCertificateName, v: b.version()}
		if b.obs != nil {
			res.cur = b.obs.HybridConfiguration
		}
		if h.Spec.TLSCertificateRef != nil {
			res.want, res.extra = b.bindRef(res.id, h.Spec.TLSCertificateRef, hybridRefServers(b, h))
		}
		out = append(out, res)
	}
	return out
}

// hybridRefServers are the servers the hybrid configuration's certificate
// must be on before it switches: every server the certificate is declared for.
func hybridRefServers(b *binding, h *v1alpha1.HybridConfiguration) []string {
	c := b.org.declaredCertificate(b.r.site, *h.Spec.TLSCertificateRef)
	if c == nil {
		return nil
	}
	return certificateServers(b.org, c)
}

// needsHybrid reports whether the organisation's observe must read the
// hybrid configuration: one is declared, or a superseded certificate may be
// retired (the hybrid configuration may still name it). Otherwise it is not
// read, so an account without the hybrid RBAC role still works (export
// included: it writes the hybrid configuration only for a site that
// declares one).
func (r *runner) needsHybrid(o *orgRun) bool {
	// An Edge server has no hybrid configuration cmdlets; it reads the
	// organisation only when no Mailbox server is declared.
	if rs := o.orgReaders(); len(rs) == 0 || rs[0].spec.Role == v1alpha1.RoleEdge {
		return false
	}
	for _, h := range r.site.HybridConfigurations() {
		if r.site.Organization(h) == o.org {
			return true
		}
	}
	for _, c := range r.site.ExchangeCertificates() {
		if r.site.Organization(c) == o.org && c.Spec.RetireSuperseded != nil && *c.Spec.RetireSuperseded {
			return true
		}
	}
	return false
}

func (h *hybridConfiguration) identity() v1alpha1.Identity { return h.id }
func (h *hybridConfiguration) absent() bool                { return false }
func (h *hybridConfiguration) protected() string           { return "" }
func (h *hybridConfiguration) replacement() (Note, bool)   { return Note{}, false }
func (h *hybridConfiguration) created() []FieldDiff        { return nil }
func (h *hybridConfiguration) remove() []exchange.Call     { return nil }
func (h *hybridConfiguration) notes() []Note               { return h.extra }

// exists reports whether the organisation has a hybrid configuration; a
// missing one is reported by create, which makes nothing.
func (h *hybridConfiguration) exists() bool { return h.cur != nil }

func (h *hybridConfiguration) create() ([]exchange.Call, error) {
	h.extra = append(h.extra, warningNote(ReasonNoHybridConfiguration,
		"the organisation has no hybrid configuration (Get-HybridConfiguration returns nothing); run the Hybrid Configuration Wizard, which creates it; exreconcile only keeps its TlsCertificateName"))
	return nil, nil
}

func (h *hybridConfiguration) diff() []FieldDiff {
	if h.want == nil || *h.want == h.cur.TlsCertificateName {
		return nil
	}
	return []FieldDiff{{Field: "tlsCertificateName", Desired: show(*h.want), Actual: show(h.cur.TlsCertificateName)}}
}

func (h *hybridConfiguration) change() ([]exchange.Call, error) {
	c, err := exchange.SetHybridConfiguration(h.v, *h.want)
	if err != nil {
		return nil, err
	}
	return []exchange.Call{c}, nil
}

func (h *hybridConfiguration) observed() map[string]string {
	if h.cur == nil {
		return nil
	}
	m := map[string]string{"tlsCertificateName": h.cur.TlsCertificateName}
	for k, v := range map[string][]string{"domains": h.cur.Domains, "features": h.cur.Features,
		"sendingTransportServers": h.cur.SendingTransportServers, "receivingTransportServers": h.cur.ReceivingTransportServers,
		"edgeTransportServers": h.cur.EdgeTransportServers} {
		if len(v) > 0 {
			m[k] = strings.Join(v, ", ")
		}
	}
	if h.cur.OnPremisesSmartHost != "" {
		m["onPremisesSmartHost"] = h.cur.OnPremisesSmartHost
	}
	return m
}

// exportHybrid writes the hybrid configuration's TlsCertificateName as a
// literal, the way export writes every other object: diff on the result
// finds no drift.
func exportHybrid(h *exchange.ObservedHybridConfiguration, ref string) *v1alpha1.HybridConfiguration {
	name := h.TlsCertificateName
	return &v1alpha1.HybridConfiguration{TypeMeta: typeMeta(v1alpha1.KindHybridConfiguration), ObjectMeta: v1alpha1.ObjectMeta{Name: "hybrid"},
		Spec: v1alpha1.HybridConfigurationSpec{OrganizationRef: ref, TLSCertificateName: &name}}
}
