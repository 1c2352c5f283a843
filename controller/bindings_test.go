package controller

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

func TestCheckReceiveBindings(t *testing.T) {
	// The observed server: Default (HubTransport, 2525, every address) and
	// Default Frontend (FrontendTransport, 25, every address).
	observation := func() *exchange.Observation {
		o := ccObservation("WIN20081")
		o.ReceiveConnectors = []exchange.ObservedReceiveConnector{
			{Name: "Default WIN20081", Server: "WIN20081", TransportRole: "HubTransport", Bindings: bindings("0.0.0.0:2525", "[::]:2525"),
				RemoteIPRanges: ipRanges("0.0.0.0-255.255.255.255"), Fqdn: "win20081.work.com"},
			{Name: "Default Frontend WIN20081", Server: "WIN20081", TransportRole: "FrontendTransport", Bindings: bindings("0.0.0.0:25", "[::]:25"),
				RemoteIPRanges: ipRanges("0.0.0.0-255.255.255.255"), Fqdn: "win20081.work.com"},
		}
		return o
	}
	connector := func(spec string) string {
		return ccOrg + "---\napiVersion: exreconcile.io/v1alpha1\nkind: ReceiveConnector\nmetadata: {name: From Partner}\nspec:\n  server: WIN20081\n  authMechanism: [None]\n" + spec
	}
	tests := []struct {
		name, reason, spec string
		want               ccView
	}{
		{name: "SameBindingDistinctRanges", reason: "seed 000's partner connector (made in the EAC, which picks the front end) beside Default Frontend: the most specific range wins, Exchange accepts it",
			spec: "  transportRole: FrontendTransport\n  bindings: ['0.0.0.0:25']\n  remoteIPRanges: [191.121.111.200]\n", want: ccView{Calls: true}},
		{name: "UndeclaredRoleIsHub", reason: "New-ReceiveConnector on a 2013+ Mailbox server creates a HubTransport connector unless told otherwise, so port 25 collides with Default Frontend whatever the ranges",
			spec: "  bindings: ['0.0.0.0:25']\n  remoteIPRanges: [191.121.111.200]\n",
			want: ccView{Notes: []string{"error " + string(ReasonBindingConflict)}}},
		{name: "SameBindingSameRanges", reason: "an identical combination of bindings and ranges is refused",
			spec: "  bindings: ['0.0.0.0:25']\n  remoteIPRanges: [0.0.0.0-255.255.255.255]\n",
			want: ccView{Notes: []string{"error " + string(ReasonBindingConflict)}}},
		{name: "OtherRoleSameSocket", reason: "a HubTransport connector on the front end's port is refused whatever its ranges",
			spec: "  transportRole: HubTransport\n  bindings: ['10.0.0.5:25']\n  remoteIPRanges: [10.1.1.1]\n",
			want: ccView{Notes: []string{"error " + string(ReasonBindingConflict)}}},
		{name: "OwnPort", reason: "a port of its own collides with nothing",
			spec: "  bindings: ['10.0.0.5:26']\n  remoteIPRanges: [0.0.0.0-255.255.255.255]\n", want: ccView{Calls: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := ccPlan(t, ccLoad(t, connector(tt.spec)), map[string]*exchange.Observation{"WIN20081": observation()}, nil)
			got := ccViews(cs, v1alpha1.KindReceiveConnector)[`ReceiveConnector "WIN20081\From Partner"`]
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}
