package controller

import (
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// pruneSend returns a removal for every send connector that carries
// exreconcile's ownership marker and that no manifest of the organisation
// declares any more. Connectors without the marker are never touched.
func pruneSend(org string, site *v1alpha1.Site, o *v1alpha1.ExchangeOrganization, observed []exchange.ObservedSendConnector) []*Entry {
	var out []*Entry
	for _, c := range observed {
		if !hasMarker(c.Comment) || sendDeclared(site, o, c.Name) {
			continue
		}
		e := &Entry{Subject: Subject{Kind: sendConnectorKind, Organization: org, Name: c.Name}, Action: ActionRemove,
			Notes: []Note{{Severity: "warning", Reason: "Pruned", Message: "created by exreconcile and no longer declared"}}}
		e.setCalls(exchange.RemoveSendConnector(c.Identity))
		out = append(out, e)
	}
	return out
}

// pruneReceive is pruneSend for one server's receive connectors. The
// server's default connectors never carry the marker, and are skipped by
// name as well.
func pruneReceive(org string, site *v1alpha1.Site, o *v1alpha1.ExchangeOrganization, server string, observed []exchange.ObservedReceiveConnector) []*Entry {
	var out []*Entry
	for _, c := range observed {
		if !hasMarker(c.Comment) || isDefaultReceiveConnector(server, c.Name) || receiveDeclared(site, o, server, c.Name) {
			continue
		}
		e := &Entry{Subject: Subject{Kind: receiveConnectorKind, Organization: org, Server: server, Name: c.Name}, Action: ActionRemove,
			Notes: []Note{{Severity: "warning", Reason: "Pruned", Message: "created by exreconcile and no longer declared"}}}
		e.setCalls(exchange.RemoveReceiveConnector(server + `\` + c.Name))
		out = append(out, e)
	}
	return out
}

func sendDeclared(site *v1alpha1.Site, o *v1alpha1.ExchangeOrganization, name string) bool {
	for _, sc := range site.SendConnectors() {
		if site.Organization(sc) == o && strings.EqualFold(sc.Name, name) {
			return true
		}
	}
	return false
}

func receiveDeclared(site *v1alpha1.Site, o *v1alpha1.ExchangeOrganization, server, name string) bool {
	for _, rc := range site.ReceiveConnectors() {
		if site.Organization(rc) == o && strings.EqualFold(rc.Spec.Server, server) && strings.EqualFold(rc.Name, name) {
			return true
		}
	}
	return false
}
