package v1alpha1

import (
	"slices"
	"strings"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// Rule names of the TLS checks across objects that the seed documents teach.
const (
	RuleDomainSecurePair          = "DomainSecurePair"
	RulePartnerUsageTLSAuthLevel  = "PartnerUsageTLSAuthLevel"
	RulePartnersNeedDomainSecured = "PartnersNeedDomainSecurity"
)

func init() {
	siteRules = append(siteRules,
		siteRule{RuleDomainSecurePair, "When both organisations of a domain-secure pair are declared, both sides are: A's tlsSendDomainSecureList names B's domain, B's tlsReceiveDomainSecureList names A's, A has a domainSecureEnabled send connector for B's domain and B a domainSecureEnabled receive connector (warning; seed 001).", checkDomainSecurePairs},
		siteRule{RulePartnerUsageTLSAuthLevel, "A send connector of usage Partner is created domain-secured, which Exchange refuses together with tlsAuthLevel (TlsAuthLevelWithDomainSecureEnabled), unless domainSecureEnabled false is declared.", checkPartnerUsageTLSAuthLevel},
		siteRule{RulePartnersNeedDomainSecured, "permissionGroups Partners is granted only to domain-secured (mutual TLS) sessions, so a receive connector with it needs domainSecureEnabled (warning).", checkPartnersNeedDomainSecurity},
	)
}

// orgDomains are the DNS domains an organisation's servers live in (win20081.work.com ->
// work.com): the domains its partners list.
func orgDomains(org *ExchangeOrganization) []string {
	var out []string
	for _, s := range org.Spec.Servers {
		if _, parent, ok := strings.Cut(strings.ToLower(s.FQDN), "."); ok && strings.Contains(parent, ".") && !slices.Contains(out, parent) {
			out = append(out, parent)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

// checkDomainSecurePairs looks at every ordered pair (A, B) of declared organisations where A
// sends domain-secured mail to one of B's domains, and reports what B (or A) lacks.
func checkDomainSecurePairs(c *checker) {
	s := c.v.site
	orgs := s.Organizations()
	for _, a := range orgs {
		ta := transportConfigOf(s, a)
		if ta == nil {
			continue
		}
		for _, b := range orgs {
			if a == b {
				continue
			}
			for _, dom := range orgDomains(b) {
				if !containsFold(ta.Spec.TLSSendDomainSecureList, dom) {
					continue
				}
				checkPairSide(c, a, ta, b, dom)
			}
		}
	}
}

func checkPairSide(c *checker, a *ExchangeOrganization, ta *TransportConfig, b *ExchangeOrganization, dom string) {
	s := c.v.site
	secureSend := false
	for _, sc := range s.SendConnectors() {
		if s.Organization(sc) != a || sc.Spec.Ensure == EnsureAbsent || !sendDomainSecure(sc) {
			continue
		}
		for _, as := range sc.Spec.AddressSpaces {
			secureSend = secureSend || as.Covers(dom)
		}
	}
	if !secureSend {
		c.at(ta).warnf("spec.tlsSendDomainSecureList", "%s sends domain-secured mail to %s, but none of its send connectors for %s has domainSecureEnabled: the mail goes without mutual TLS", a.Name, dom, dom)
	}
	tb := transportConfigOf(s, b)
	aDomains := orgDomains(a)
	if tb == nil || !slices.ContainsFunc(aDomains, func(d string) bool { return containsFold(tb.Spec.TLSReceiveDomainSecureList, d) }) {
		target := Object(b)
		path := "spec"
		if tb != nil {
			target, path = tb, "spec.tlsReceiveDomainSecureList"
		}
		c.at(target).warnf(path, "%s sends domain-secured mail to %s (tlsSendDomainSecureList in %s), but %s's tlsReceiveDomainSecureList does not name %s: %s will not accept it as domain-secured",
			a.Name, dom, c.where(ta, "spec.tlsSendDomainSecureList"), b.Name, strings.Join(aDomains, " or "), b.Name)
	}
	secureReceive := false
	for _, rc := range s.ReceiveConnectors() {
		if s.Organization(rc) == b && rc.Spec.Ensure != EnsureAbsent && receiveDomainSecure(rc) {
			secureReceive = true
		}
	}
	if !secureReceive {
		c.at(b).warnf("spec", "%s sends domain-secured mail to %s, but %s declares no receive connector with domainSecureEnabled", a.Name, dom, b.Name)
	}
}

func sendDomainSecure(sc *SendConnector) bool {
	if sc.Spec.DomainSecureEnabled != nil {
		return *sc.Spec.DomainSecureEnabled
	}
	return sc.Spec.Usage != nil && *sc.Spec.Usage == SendUsagePartner
}

func receiveDomainSecure(rc *ReceiveConnector) bool {
	if rc.Spec.DomainSecureEnabled != nil {
		return *rc.Spec.DomainSecureEnabled
	}
	return rc.Spec.Usage != nil && *rc.Spec.Usage == ReceiveUsagePartner
}

func checkPartnerUsageTLSAuthLevel(c *checker) {
	for _, sc := range c.v.site.SendConnectors() {
		if sc.Spec.Usage == nil || *sc.Spec.Usage != SendUsagePartner || sc.Spec.TLSAuthLevel == nil || isFalse(sc.Spec.DomainSecureEnabled) {
			continue
		}
		c.at(sc).errorf("spec.tlsAuthLevel", "usage Partner creates the connector with domainSecureEnabled true, and Exchange refuses tlsAuthLevel on a domain-secured connector (TlsAuthLevelWithDomainSecureEnabled): drop tlsAuthLevel, or declare domainSecureEnabled: false")
	}
}

func checkPartnersNeedDomainSecurity(c *checker) {
	for _, rc := range c.v.site.ReceiveConnectors() {
		if rc.Spec.Ensure == EnsureAbsent || rc.Spec.PermissionGroups == nil || !rc.Spec.PermissionGroups.Has(value.PermissionPartners) || receiveDomainSecure(rc) {
			continue
		}
		path := "spec.permissionGroups"
		if rc.Spec.DomainSecureEnabled != nil {
			path = "spec.domainSecureEnabled"
		}
		c.at(rc).warnf(path, "permissionGroups holds Partners, which Exchange grants only to domain-secured (mutual TLS) sessions, but the connector is not domainSecureEnabled: no partner can use it that way")
	}
}
