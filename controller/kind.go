package controller

import (
	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// The kind contract.
//
// A kind is one row of the kinds table below: its name (the api constant),
// whether its objects live on one server or in the organisation, and a
// bind function that turns the declared objects of one organisation (and,
// for per-server kinds, one server) into resources: each declared object
// bound to what the observation holds of it. A resource answers the few
// questions the engine's one decision skeleton (decide) asks. No kind has
// its own plan function; adding a kind is adding a row and a resource.
//
// Connector-like kinds build their resource from a field table (field.go):
// one line per declared field says how to read it from the declaration,
// how to compare it with the observed object and where it goes in the
// exchange spec. A test fails when a declared field has no line.

// scope is where the objects of a kind live.
type scope int

const (
	// organizationScope objects are read and changed through the
	// organisation's server (send connectors, TransportConfig).
	organizationScope scope = iota
	// serverScope objects live on one server each (receive connectors,
	// certificates).
	serverScope
)

// kind is the contract of one kind of object.
type kind struct {
	name  string
	scope scope
	// bind returns the resources of one organisation (organizationScope)
	// or of one server (serverScope). It is called with b.obs nil when the
	// server could not be observed; resources must still name themselves.
	bind func(b *binding) []resource
}

// kinds lists every kind in the order a run plans and applies them: the
// roots that certificate chains need, certificates before the connectors
// that use them, connectors before the TransportConfig lists that refer to
// their domains.
var kinds = []kind{
	{name: v1alpha1.KindTrustedRootCertificate, scope: serverScope, bind: bindTrustedRoots},
	{name: v1alpha1.KindExchangeCertificate, scope: serverScope, bind: bindCertificates},
	{name: v1alpha1.KindSendConnector, scope: organizationScope, bind: bindSendConnectors},
	{name: v1alpha1.KindReceiveConnector, scope: serverScope, bind: bindReceiveConnectors},
	{name: v1alpha1.KindTransportConfig, scope: organizationScope, bind: bindTransportConfig},
	{name: v1alpha1.KindHybridConfiguration, scope: organizationScope, bind: bindHybridConfiguration},
}

// kindRank is the position of a kind in the kinds table.
func kindRank(name string) int {
	for i, k := range kinds {
		if k.name == name {
			return i
		}
	}
	return len(kinds)
}

// binding is what a kind's bind function may read.
type binding struct {
	r   *runner
	org *orgRun
	// server is the server observed: the organisation's server for
	// organizationScope kinds.
	server *serverRun
	// obs is server's observation, nil when it could not be read.
	obs *exchange.Observation
	// perServer is set for serverScope kinds: their identities name the server.
	perServer bool
}

// version is the Exchange version the calls are built for.
func (b *binding) version() exchange.Version {
	if b.obs == nil {
		return exchange.VersionUnknown
	}
	return b.obs.Server.Version
}

// identity fills the organisation (and, for serverScope, the server) of an
// object's identity.
func (b *binding) identity(obj v1alpha1.Identified) v1alpha1.Identity {
	id := b.r.site.IdentityOf(obj)
	if id.Server == "" && b.perServer {
		id.Server = b.server.spec.Name
	}
	return id
}

// resource is one object bound to what was observed of it: everything the
// engine needs to decide what to do with it.
type resource interface {
	// identity names the object.
	identity() v1alpha1.Identity
	// absent reports whether the object is declared ensure: Absent (or is
	// pruned).
	absent() bool
	// exists reports whether the object was observed.
	exists() bool
	// protected returns why exreconcile never removes the object, or "".
	protected() string
	// diff compares the declared fields with the observed object (only
	// called when it exists) and returns those that differ.
	diff() []FieldDiff
	// replacement reports a creation-only field that differs: the object
	// can get the declared value only by being removed and created again.
	replacement() (Note, bool)
	// created lists the fields the object will be created with (actual
	// "(none)"), for the plan of a creation.
	created() []FieldDiff
	// create, change and remove build the calls of each action; change
	// sets exactly the fields diff returned.
	create() ([]exchange.Call, error)
	change() ([]exchange.Call, error)
	remove() []exchange.Call
	// notes are what the plan must say besides the changes: health
	// findings, refusals. Called last.
	notes() []Note
	// observed is what -o json|yaml shows under status.observed (nil for none).
	observed() map[string]string
}

// decide is the one decision skeleton of every kind:
//
//	declared absent  -> remove when it exists (refused when protected)
//	not observed     -> create
//	creation-only    -> replace (remove + create)
//	fields differ    -> change, with exactly the fields that differ
//	otherwise        -> unchanged
//
// The action follows from the field diffs alone, so a plan can never show
// a difference and call the object unchanged.
func decide(res resource) (*Entry, error) {
	e := &Entry{Identity: res.identity(), Action: ActionUnchanged}
	var err error
	switch {
	case res.absent():
		if !res.exists() {
			break
		}
		if why := res.protected(); why != "" {
			e.Notes = append(e.Notes, errorNote(ReasonDefaultConnectorProtected, "%s", why))
			break
		}
		e.Action = ActionRemove
		e.setCalls(res.remove()...)
	case !res.exists():
		var calls []exchange.Call
		if calls, err = res.create(); err == nil && len(calls) > 0 {
			e.Action = ActionCreate
			e.Fields = res.created()
			e.setCalls(calls...)
		}
	default:
		e.Fields = res.diff()
		if note, ok := res.replacement(); ok {
			e.Notes = append(e.Notes, note)
			var calls []exchange.Call
			if calls, err = res.create(); err == nil {
				e.Action = ActionReplace
				e.setCalls(append(res.remove(), calls...)...)
			}
			break
		}
		if len(e.Fields) == 0 {
			break
		}
		var calls []exchange.Call
		if calls, err = res.change(); err == nil {
			e.Action = ActionChange
			e.setCalls(calls...)
		}
	}
	e.Notes = append(e.Notes, res.notes()...)
	if m := res.observed(); m != nil {
		e.status().Observed = m
	}
	return e, err
}
