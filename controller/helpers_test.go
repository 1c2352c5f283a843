package controller

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// The organisation every plan-level test plans for.
const testOrg = "work-com"

// entryOpts compares entries by what a reader of the plan sees: the typed
// calls behind Calls are checked through their redacted text.
// The elements a set field adds and removes are checked by
// TestSetFieldElements; the other tests compare the values.
var entryOpts = cmp.Options{cmpopts.IgnoreUnexported(Entry{}), cmpopts.EquateEmpty(), cmpopts.IgnoreFields(FieldDiff{}, "Added", "Removed", "DesiredValue", "ActualValue")}

// must returns v or panics: fixtures are constants, a parse error is a bug
// in the test.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func addressSpaces(ss ...string) []value.AddressSpace {
	out := make([]value.AddressSpace, 0, len(ss))
	for _, s := range ss {
		out = append(out, must(value.ParseAddressSpace(s)))
	}
	return out
}

func smartHosts(ss ...string) []value.SmartHost {
	out := make([]value.SmartHost, 0, len(ss))
	for _, s := range ss {
		out = append(out, must(value.ParseSmartHost(s)))
	}
	return out
}

func bindings(ss ...string) []value.IPBinding {
	out := make([]value.IPBinding, 0, len(ss))
	for _, s := range ss {
		out = append(out, must(value.ParseIPBinding(s)))
	}
	return out
}

func ipRanges(ss ...string) []value.IPRange {
	out := make([]value.IPRange, 0, len(ss))
	for _, s := range ss {
		out = append(out, must(value.ParseIPRange(s)))
	}
	return out
}

func byteSize(s string) value.ByteSize { return must(value.ParseByteSize(s)) }

// The plan-level tests drive one kind's resource through decide, as the
// engine does, without a site.

func planReceiveConnector(org string, rc *v1alpha1.ReceiveConnector, observed []exchange.ObservedReceiveConnector, v exchange.Version) (*Entry, error) {
	id := v1alpha1.Identity{Kind: v1alpha1.KindReceiveConnector, Organization: org, Server: rc.Spec.Server, Name: rc.Name}
	e, err := decide(&connector[receiveDecl, receiveObs, receiveSpec]{id: id, decl: &rc.Spec, cur: findReceive(observed, rc.Name),
		gone: rc.Spec.Ensure == v1alpha1.EnsureAbsent, v: v, ops: receiveOps})
	e.RunOn = rc.Spec.Server
	return e, err
}

func planSendConnector(org string, sc *v1alpha1.SendConnector, observed []exchange.ObservedSendConnector, v exchange.Version,
	cred *exchange.CredentialSpec) (*Entry, error) {
	id := v1alpha1.Identity{Kind: v1alpha1.KindSendConnector, Organization: org, Name: sc.Name}
	return decide(&connector[sendDecl, sendObs, sendSpec]{id: id, decl: &sendDecl{SendConnectorSpec: &sc.Spec, cred: cred},
		cur: findSend(observed, sc.Name), gone: sc.Spec.Ensure == v1alpha1.EnsureAbsent, v: v, ops: sendOps})
}

func planTransportConfig(org string, tc *v1alpha1.TransportConfig, cur *exchange.ObservedTransportConfig, v exchange.Version) (*Entry, error) {
	id := v1alpha1.Identity{Kind: v1alpha1.KindTransportConfig, Organization: org, Name: tc.Name}
	return decide(&connector[transportDecl, transportObs, transportChange]{id: id, decl: &tc.Spec, cur: cur, v: v, ops: transportOps})
}

// planCertificate plans c on e's server into e. The observed status is
// left out: the engine tests check it.
func planCertificate(e *Entry, c *v1alpha1.ExchangeCertificate, obs *exchange.Observation, src *certSource, now time.Time) {
	out, _ := decide(newCertificate(e.Identity, c, obs, src, now))
	*e = *out
	e.Status = nil
}

// pruneSend and pruneReceive bind the connectors of a site with --prune and
// return the entries of the pruned ones (the ones carrying a Pruned note).
func pruneSend(org string, site *v1alpha1.Site, o *v1alpha1.ExchangeOrganization, observed []exchange.ObservedSendConnector) []*Entry {
	srv := &serverRun{spec: o.Spec.Servers[0]}
	b := &binding{r: &runner{site: site, opts: Options{Prune: true}}, org: &orgRun{org: o, creds: map[string]*exchange.CredentialSpec{}},
		server: srv, obs: &exchange.Observation{SendConnectors: observed}}
	return prunedEntries(bindSendConnectors(b))
}

func pruneReceive(org string, site *v1alpha1.Site, o *v1alpha1.ExchangeOrganization, server string, observed []exchange.ObservedReceiveConnector) []*Entry {
	srv := &serverRun{spec: v1alpha1.Server{Name: server}}
	b := &binding{r: &runner{site: site, opts: Options{Prune: true}}, org: &orgRun{org: o}, server: srv,
		obs: &exchange.Observation{ReceiveConnectors: observed}, perServer: true}
	return prunedEntries(bindReceiveConnectors(b))
}

func prunedEntries(res []resource) []*Entry {
	var out []*Entry
	for _, r := range res {
		e, _ := decide(r)
		for _, n := range e.Notes {
			if n.Reason == ReasonPruned {
				out = append(out, e)
			}
		}
	}
	return out
}

// checkCreatedFields checks that a planned creation lists its declared
// fields against "(none)", then drops them from got when want leaves them
// out, so that a table case can state only the calls.
func checkCreatedFields(t *testing.T, want, got *Entry) {
	t.Helper()
	if got.Action != ActionCreate || want.Fields != nil {
		return
	}
	if len(got.Fields) == 0 {
		t.Errorf("a creation lists no fields")
	}
	for _, f := range got.Fields {
		if f.Actual != "(none)" {
			t.Errorf("created field %s: actual %q, want (none)", f.Field, f.Actual)
		}
	}
	got.Fields = nil
}
