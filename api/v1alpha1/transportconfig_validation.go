package v1alpha1

import (
	"fmt"
	"slices"
	"strings"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// Rule names for TransportConfig and the domain-secure checks across objects.
const (
	RuleTransportDomainList     = "TransportConfigDomainList"
	RuleDomainSecureSendList    = "DomainSecureSendList"
	RuleDomainSecureSendConn    = "DomainSecureSendConnector"
	RuleDomainSecureReceiveList = "DomainSecureReceiveList"
	RuleDomainSecureReceiveConn = "DomainSecureReceiveConnector"
)

var transportConfigRules = []rule[*TransportConfig]{
	{RuleTransportDomainList, "tlsSendDomainSecureList and tlsReceiveDomainSecureList hold plain domains, no wildcards, each once.", checkTransportDomainLists},
}

// siteRules run once over all objects.
var siteRules = []siteRule{
	{RuleReceiveBindingConflict, "Two present receive connectors on one server share a binding only with remoteIPRanges covering different addresses, and never across transport roles.", checkReceiveBindingConflicts},
	{RuleDomainSecureSendList, "Every domain of tlsSendDomainSecureList is covered by the address spaces of a domainSecureEnabled send connector (warning).", checkDomainSecureSendList},
	{RuleDomainSecureSendConn, "Every address space domain of a domainSecureEnabled send connector is in tlsSendDomainSecureList (warning).", checkDomainSecureSendConnectors},
	{RuleDomainSecureReceiveList, "Every domain of tlsReceiveDomainSecureList has a domainSecureEnabled receive connector (warning).", checkDomainSecureReceiveList},
	{RuleDomainSecureReceiveConn, "A domainSecureEnabled receive connector needs a non-empty tlsReceiveDomainSecureList (warning).", checkDomainSecureReceiveConnectors},
}

func checkTransportDomainLists(c *checker, t *TransportConfig) {
	checkDomainList(c, "spec.tlsSendDomainSecureList", t.Spec.TLSSendDomainSecureList)
	checkDomainList(c, "spec.tlsReceiveDomainSecureList", t.Spec.TLSReceiveDomainSecureList)
}

func checkDomainList(c *checker, path string, domains []string) {
	for i, d := range domains {
		p := fmt.Sprintf("%s[%d]", path, i)
		if value.IsWildcardDomain(d) {
			c.errorf(p, "%q is a wildcard; the domain-secure lists hold plain domains only (mutual TLS authenticates one named domain)", d)
			continue
		}
		if _, err := value.ParseDomain(d); err != nil {
			c.errorf(p, "%v", err)
			continue
		}
		if j := slices.IndexFunc(domains[:i], func(e string) bool { return strings.EqualFold(e, d) }); j >= 0 {
			c.errorf(p, "domain %q is listed twice (also %s[%d])", d, path, j)
		}
	}
}

// transportConfigOf returns the organisation's TransportConfig, or nil.
func transportConfigOf(s *Site, org *ExchangeOrganization) *TransportConfig {
	for _, t := range s.TransportConfigs() {
		if s.Organization(t) == org {
			return t
		}
	}
	return nil
}

// domainSecureSenders returns the present domainSecureEnabled send connectors of org.
func domainSecureSenders(s *Site, org *ExchangeOrganization) []*SendConnector {
	var out []*SendConnector
	for _, sc := range s.SendConnectors() {
		if s.Organization(sc) == org && sc.Spec.Ensure != EnsureAbsent && isTrue(sc.Spec.DomainSecureEnabled) {
			out = append(out, sc)
		}
	}
	return out
}

// domainSecureReceivers returns the present domainSecureEnabled receive connectors of org.
func domainSecureReceivers(s *Site, org *ExchangeOrganization) []*ReceiveConnector {
	var out []*ReceiveConnector
	for _, rc := range s.ReceiveConnectors() {
		if s.Organization(rc) == org && rc.Spec.Ensure != EnsureAbsent && isTrue(rc.Spec.DomainSecureEnabled) {
			out = append(out, rc)
		}
	}
	return out
}

func checkDomainSecureSendList(c *checker) {
	s := c.v.site
	for _, t := range s.TransportConfigs() {
		org := s.Organization(t)
		if org == nil {
			continue
		}
		senders := domainSecureSenders(s, org)
		for i, d := range t.Spec.TLSSendDomainSecureList {
			if _, err := value.ParseDomain(d); err != nil {
				continue // reported by TransportConfigDomainList
			}
			covered := slices.ContainsFunc(senders, func(sc *SendConnector) bool {
				return slices.ContainsFunc(sc.Spec.AddressSpaces, func(a value.AddressSpace) bool { return a.Covers(d) })
			})
			if !covered {
				c.at(t).warnf(fmt.Sprintf("spec.tlsSendDomainSecureList[%d]", i),
					"no SendConnector with domainSecureEnabled: true has an address space covering %q; mail to it is not domain-secured", d)
			}
		}
	}
}

func checkDomainSecureSendConnectors(c *checker) {
	s := c.v.site
	for _, org := range s.Organizations() {
		t := transportConfigOf(s, org)
		for _, sc := range domainSecureSenders(s, org) {
			cc := c.at(sc)
			if t == nil || t.Spec.TLSSendDomainSecureList == nil {
				cc.warnf("spec.domainSecureEnabled", "no TransportConfig manages tlsSendDomainSecureList; domain security needs this connector's domains listed there")
				continue
			}
			for i, a := range sc.Spec.AddressSpaces {
				if !a.IsSMTP() || a.IsWildcard() || a.AllAcceptedDomains() || a.Domain == "" {
					continue
				}
				if !slices.ContainsFunc(t.Spec.TLSSendDomainSecureList, func(d string) bool { return strings.EqualFold(d, a.Domain) }) {
					cc.warnf(fmt.Sprintf("spec.addressSpaces[%d]", i),
						"%q is not in TransportConfig %q tlsSendDomainSecureList (%s); mail to it is not domain-secured", a.Domain, t.Name, cc.where(t, "spec.tlsSendDomainSecureList"))
				}
			}
		}
	}
}

func checkDomainSecureReceiveList(c *checker) {
	s := c.v.site
	for _, t := range s.TransportConfigs() {
		org := s.Organization(t)
		if org == nil || len(domainSecureReceivers(s, org)) > 0 {
			continue
		}
		for i, d := range t.Spec.TLSReceiveDomainSecureList {
			if _, err := value.ParseDomain(d); err != nil {
				continue // reported by TransportConfigDomainList
			}
			c.at(t).warnf(fmt.Sprintf("spec.tlsReceiveDomainSecureList[%d]", i),
				"no ReceiveConnector with domainSecureEnabled: true is declared; mail from %q is not domain-secured", d)
		}
	}
}

func checkDomainSecureReceiveConnectors(c *checker) {
	s := c.v.site
	for _, org := range s.Organizations() {
		t := transportConfigOf(s, org)
		if t != nil && len(t.Spec.TLSReceiveDomainSecureList) > 0 {
			continue
		}
		for _, rc := range domainSecureReceivers(s, org) {
			msg := "no TransportConfig manages tlsReceiveDomainSecureList; domain security needs the partner domains listed there"
			if t != nil && t.Spec.TLSReceiveDomainSecureList != nil {
				msg = fmt.Sprintf("TransportConfig %q has an empty tlsReceiveDomainSecureList; domain security needs the partner domains listed there", t.Name)
			}
			c.at(rc).warnf("spec.domainSecureEnabled", "%s", msg)
		}
	}
}
