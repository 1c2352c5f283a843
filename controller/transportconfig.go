package controller

import (
	"sort"
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

type (
	transportDecl   = v1alpha1.TransportConfigSpec
	transportObs    = exchange.ObservedTransportConfig
	transportChange = exchange.TransportConfigChange
)

// transportFields is every managed field of a TransportConfig (see
// receiveFields). A declared list is the whole set.
var transportFields = fields[transportDecl, transportObs, transportChange]{
	domainListField("tlsSendDomainSecureList", func(d *transportDecl) []string { return d.TLSSendDomainSecureList },
		func(o *transportObs) []string { return o.TLSSendDomainSecureList },
		func(c *transportChange) *exchange.ListChange { return &c.TLSSendDomainSecureList }),
	domainListField("tlsReceiveDomainSecureList", func(d *transportDecl) []string { return d.TLSReceiveDomainSecureList },
		func(o *transportObs) []string { return o.TLSReceiveDomainSecureList },
		func(c *transportChange) *exchange.ListChange { return &c.TLSReceiveDomainSecureList }),
}

// transportUnmanaged are the TransportConfigSpec fields that are not compared, and why.
var transportUnmanaged = map[string]string{"organizationRef": "names the organisation, not a setting"}

// domainListField is a MultiValuedProperty of domains, compared as a
// case-insensitive set and changed with @{Add=...;Remove=...} so that the
// call names only what differs.
func domainListField(name string, want func(*transportDecl) []string, have func(*transportObs) []string,
	to func(*transportChange) *exchange.ListChange) field[transportDecl, transportObs, transportChange] {
	return field[transportDecl, transportObs, transportChange]{name: name,
		declared: func(d *transportDecl) bool { return want(d) != nil },
		compare: func(d *transportDecl, o *transportObs) (string, string, bool) {
			return show(want(d)), show(have(o)), value.EqualFoldSets(want(d), have(o))
		},
		set: func(d *transportDecl, o *transportObs, c *transportChange) { *to(c) = listChange(want(d), have(o)) },
		// The elements are the ones the call adds and removes (foldDiff:
		// each once, sorted), so the plan says what Set-TransportConfig does.
		elements: func(d *transportDecl, o *transportObs) ([]string, []string) { return foldDiff(want(d), have(o)) },
		typed: func(d *transportDecl, o *transportObs) (any, any) {
			return append([]string{}, want(d)...), append([]string{}, have(o)...)
		},
	}
}

var transportOps = &connectorOps[transportDecl, transportObs, transportChange]{
	fields: transportFields,
	create: func(v1alpha1.Identity, *transportDecl, transportChange, exchange.Version, string) ([]exchange.Call, error) {
		return nil, nil // the organisation's TransportConfig always exists
	},
	set: func(_ v1alpha1.Identity, _ *transportObs, change transportChange, v exchange.Version) ([]exchange.Call, error) {
		c, err := exchange.SetTransportConfig(v, change)
		return []exchange.Call{c}, err
	},
	remove: func(v1alpha1.Identity, *transportObs) []exchange.Call { return nil },
}

// bindTransportConfig binds the organisation's TransportConfig.
func bindTransportConfig(b *binding) []resource {
	var out []resource
	for _, tc := range b.r.site.TransportConfigs() {
		if b.r.site.Organization(tc) != b.org.org {
			continue
		}
		var cur *transportObs
		if b.obs != nil {
			cur = b.obs.TransportConfig
		}
		out = append(out, &connector[transportDecl, transportObs, transportChange]{id: b.identity(tc), decl: &tc.Spec,
			cur: cur, v: b.version(), ops: transportOps})
	}
	return out
}

// listChange adds and removes entries, or replaces the list when it empties:
// removing every entry by name from an empty-bound list is the same as $null,
// and the whole value is clearer in the plan.
func listChange(want, have []string) exchange.ListChange {
	if len(want) == 0 {
		return exchange.ReplaceList(nil)
	}
	add, remove := foldDiff(want, have)
	return exchange.AddRemoveList(add, remove)
}

// foldDiff returns the entries of want missing from have and of have missing
// from want, case-insensitively, each sorted.
func foldDiff(want, have []string) (add, remove []string) {
	in := func(list []string, s string) bool {
		for _, x := range list {
			if strings.EqualFold(x, s) {
				return true
			}
		}
		return false
	}
	for _, w := range want {
		if !in(have, w) && !in(add, w) {
			add = append(add, w)
		}
	}
	for _, h := range have {
		if !in(want, h) && !in(remove, h) {
			remove = append(remove, h)
		}
	}
	sort.Strings(add)
	sort.Strings(remove)
	return add, remove
}
