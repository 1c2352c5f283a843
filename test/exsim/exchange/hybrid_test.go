package exchange

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
	"github.com/google/go-cmp/cmp"
)

const hybridTLSName = "<I>CN=R11, O=Let's Encrypt, C=US<S>CN=mail.work.com"

func TestHybridConfiguration(t *testing.T) {
	cases := []struct {
		name    string
		v       Version
		create  args // New-HybridConfiguration; nil: not created
		set     args // Set-HybridConfiguration; nil: not run
		wantErr string
		want    map[string]string
		reason  string
	}{
		{name: "none", want: nil, reason: "Get returns nothing until New"},
		{name: "set before new", set: args{"Features": []any{"FreeBusy"}},
			wantErr: "The operation couldn't be performed because object 'Hybrid Configuration' couldn't be found on 'DC01.work.com'.",
			reason:  "Set needs the object"},
		{name: "new defaults", create: args{},
			want: map[string]string{"Name": "Hybrid Configuration", "Identity": "Hybrid Configuration", "Features": "{}", "Domains": "{}",
				"TlsCertificateName": "", "ServiceInstance": "0", "SendingTransportServers": "{}"},
			reason: "empty lists, ServiceInstance 0"},
		{name: "wizard values", create: args{},
			set: args{"TlsCertificateName": hybridTLSName, "OnPremisesSmartHost": "mail.work.com", "Domains": []any{"work.com", "autod:work.com"},
				"Features":                []any{"onlinearchive", "FreeBusy", "MailTips", "MessageTracking", "OWARedirection", "SecureMail", "Photos"},
				"SendingTransportServers": []any{"win20081.work.com", "WIN20082"}, "ReceivingTransportServers": []any{"win20081"}},
			want: map[string]string{"TlsCertificateName": hybridTLSName, "OnPremisesSmartHost": "mail.work.com", "Domains": "{work.com, autod:work.com}",
				"Features":                "{OnlineArchive, FreeBusy, MailTips, MessageTracking, OWARedirection, SecureMail, Photos}",
				"SendingTransportServers": "{WIN20081, WIN20082}", "ReceivingTransportServers": "{WIN20081}"},
			reason: "what the Hybrid Configuration Wizard sets; features in the documented case, servers as their names"},
		{name: "new twice", create: args{}, set: nil,
			wantErr: "", reason: "(checked below)"},
		{name: "bad TlsCertificateName", create: args{}, set: args{"TlsCertificateName": "CN=mail.work.com"},
			wantErr: "isn't a valid certificate name. Use the format", reason: "SmtpX509Identifier syntax"},
		{name: "TlsCertificateName bad issuer DN", create: args{}, set: args{"TlsCertificateName": "<I>Let's Encrypt R11<S>CN=mail.work.com"},
			wantErr: "isn't a valid certificate name", reason: "the issuer is an X.500 name"},
		{name: "subject only", create: args{}, set: args{"TlsCertificateName": "<S>CN=mail.work.com"},
			want: map[string]string{"TlsCertificateName": "<S>CN=mail.work.com"}, reason: "<S> alone is a valid SmtpX509Identifier"},
		{name: "TlsCertificateName on 2010", v: V2010, create: args{}, set: args{"TlsCertificateName": hybridTLSName},
			wantErr: "A parameter cannot be found that matches parameter name 'TlsCertificateName'", reason: "2013+; 2010 uses SecureMailCertificateThumbprint"},
		{name: "2010 thumbprint", v: V2010, create: args{"TransportServers": []any{"WIN20081"}},
			set:    args{"SecureMailCertificateThumbprint": "AC00F35CBA8359953F4126E0984B5CCAFA2F4F17"},
			want:   map[string]string{"SecureMailCertificateThumbprint": "AC00F35CBA8359953F4126E0984B5CCAFA2F4F17", "TransportServers": "{WIN20081}"},
			reason: "reference example 1"},
		{name: "unknown feature", create: args{}, set: args{"Features": []any{"Teleport"}}, wantErr: "Teleport",
			reason: "only the documented features"},
		{name: "unknown server", create: args{}, set: args{"SendingTransportServers": []any{"NOPE"}},
			wantErr: "The operation couldn't be performed because object 'NOPE' couldn't be found", reason: "servers must exist"},
		{name: "edge in mailbox list", create: args{}, set: args{"SendingTransportServers": []any{"EDGE1"}},
			wantErr: "isn't a Mailbox server", reason: "Sending/Receiving name Mailbox servers"},
		{name: "edge with mailbox lists", create: args{}, set: args{"SendingTransportServers": []any{"WIN20081"}, "EdgeTransportServers": []any{"EDGE1"}},
			wantErr: "The SendingTransportServers parameter must be blank when you use the EdgeTransportServers parameter.",
			reason:  "the reference: must be $null with EdgeTransportServers"},
		{name: "edge alone", create: args{}, set: args{"EdgeTransportServers": []any{"edge1"}},
			want: map[string]string{"EdgeTransportServers": "{EDGE1}", "SendingTransportServers": "{}"}, reason: "Edge servers alone"},
		{name: "IPv6 external address", create: args{}, set: args{"ExternalIPAddresses": []any{"2001:db8::1"}},
			wantErr: "IPv6 addresses aren't supported", reason: "the reference"},
		{name: "ServiceInstance 2", create: args{}, set: args{"ServiceInstance": 2}, wantErr: "ServiceInstance",
			reason: "0, or 1 for 21Vianet"},
		{name: "add and remove", create: args{"Domains": []any{"work.com"}}, set: args{"Domains": &ps.Hashtable{Keys: []string{"Add"}, Values: map[string]any{"add": "canoe.com"}}},
			want: map[string]string{"Domains": "{work.com, canoe.com}"}, reason: "@{Add=...} on a multi-valued parameter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			if v == 0 {
				v = V2019
			}
			o := newTestOrg(t, ServerSpec{Name: "WIN20081", Version: v}, ServerSpec{Name: "WIN20082", Version: v}, ServerSpec{Name: "EDGE1", Role: Edge, Version: v})
			sh := remoteShell(t, o, "WIN20081")
			var err error
			if tc.create != nil {
				_, err = sh.run(call{name: "New-HybridConfiguration", args: tc.create})
				if err == nil && tc.name == "new twice" {
					_, err = sh.run(call{name: "New-HybridConfiguration", args: args{}})
					if err == nil || !strings.Contains(err.Error(), "already exists") {
						t.Fatalf("there can be only one HybridConfiguration object: %v", err)
					}
					return
				}
			}
			if err == nil && tc.set != nil {
				_, err = sh.run(call{name: "Set-HybridConfiguration", args: tc.set})
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: error = %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			out := sh.must("Get-HybridConfiguration", nil)
			if tc.want == nil {
				if len(out) != 0 {
					t.Fatalf("%s: got %d objects", tc.reason, len(out))
				}
				return
			}
			for k, w := range tc.want {
				if got := prop(t, out[0], k); got != w {
					t.Errorf("%s: %s = %q, want %q", tc.reason, k, got, w)
				}
			}
		})
	}
}

func TestHybridStateRoundTrip(t *testing.T) {
	o := newTestOrg(t)
	sh := remoteShell(t, o, "WIN20081")
	sh.must("New-HybridConfiguration", args{"Features": []any{"SecureMail"}})
	sh.must("Set-HybridConfiguration", args{"TlsCertificateName": hybridTLSName, "SendingTransportServers": []any{"WIN20081"}, "Domains": []any{"work.com"}})
	path := filepath.Join(t.TempDir(), "state.yaml")
	if err := o.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadFile(path, Options{Clock: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(o.Snapshot(), loaded.Snapshot()); diff != "" {
		t.Errorf("hybrid configuration save/load (-saved +loaded):\n%s", diff)
	}
	got := remoteShell(t, loaded, "WIN20081").must("Get-HybridConfiguration", nil)
	if len(got) != 1 || prop(t, got[0], "TlsCertificateName") != hybridTLSName || prop(t, got[0], "Features") != "{SecureMail}" {
		t.Errorf("reloaded: %v", got)
	}
	// A state without the object has none.
	fresh := newTestOrg(t)
	if fresh.Snapshot().HybridConfiguration != nil {
		t.Error("no hybrid configuration in a fresh state")
	}
}
