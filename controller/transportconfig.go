package controller

import (
	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// transportConfigKind is the kind name in reports.
const transportConfigKind = "TransportConfig"

// planTransportConfig compares the declared domain-secure lists with the
// organisation's TransportConfig. A declared list is the whole set; the change
// is sent as @{Add=...;Remove=...} so that it names only what differs.
func planTransportConfig(org string, tc *v1alpha1.TransportConfig, cur *exchange.ObservedTransportConfig,
	v exchange.Version) (*Entry, error) {
	e := &Entry{Subject: Subject{Kind: transportConfigKind, Organization: org, Name: tc.Name}, Action: ActionUnchanged}
	var d differ
	var change exchange.TransportConfigChange
	if want := tc.Spec.TLSSendDomainSecureList; want != nil && !equalFoldSet(want, cur.TLSSendDomainSecureList) {
		d.add("tlsSendDomainSecureList", want, cur.TLSSendDomainSecureList)
		change.TLSSendDomainSecureList = listChange(want, cur.TLSSendDomainSecureList)
	}
	if want := tc.Spec.TLSReceiveDomainSecureList; want != nil && !equalFoldSet(want, cur.TLSReceiveDomainSecureList) {
		d.add("tlsReceiveDomainSecureList", want, cur.TLSReceiveDomainSecureList)
		change.TLSReceiveDomainSecureList = listChange(want, cur.TLSReceiveDomainSecureList)
	}
	e.Fields = d.fields
	if len(d.fields) == 0 {
		return e, nil
	}
	e.Action = ActionConfigure
	call, err := exchange.SetTransportConfig(v, change)
	if err != nil {
		return e, err
	}
	e.setCalls(call)
	return e, nil
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
