package controller

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// receiveFixture declares every field of a partner receive connector.
func receiveFixture() *v1alpha1.ReceiveConnector {
	return &v1alpha1.ReceiveConnector{
		ObjectMeta: v1alpha1.ObjectMeta{Name: "From Canoe"},
		Spec: v1alpha1.ReceiveConnectorSpec{
			Server:               "WIN20081",
			Ensure:               v1alpha1.EnsurePresent,
			Usage:                ptr(v1alpha1.ReceiveUsagePartner),
			Bindings:             bindings("191.121.0.200:26", "[::]:26"),
			RemoteIPRanges:       ipRanges("10.0.0.0/30", "191.121.111.200"),
			FQDN:                 ptr("mail.work.com"),
			AuthMechanism:        ptr(value.AuthTls),
			PermissionGroups:     ptr(value.PermissionPartners),
			RequireTLS:           ptr(true),
			DomainSecureEnabled:  ptr(true),
			Enabled:              ptr(true),
			MaxMessageSize:       ptr(byteSize("10MB")),
			Banner:               ptr("220 mail.work.com"),
			Comment:              ptr("from canoe"),
			TransportRole:        ptr(v1alpha1.TransportRoleFrontend),
			TLSCertificateName:   ptr("<I>CN=Work CA<S>CN=mail.work.com"),
			ProtocolLoggingLevel: ptr(v1alpha1.ProtocolLoggingVerbose),
		},
	}
}

// observedReceive is receiveFixture as Exchange prints it.
func observedReceive() exchange.ObservedReceiveConnector {
	return exchange.ObservedReceiveConnector{
		Name:                 "FROM CANOE",
		Identity:             `WIN20081\FROM CANOE`,
		Server:               "WIN20081",
		Bindings:             bindings("[::]:26", "191.121.0.200:26"),
		RemoteIPRanges:       ipRanges("191.121.111.200-191.121.111.200", "10.0.0.0-10.0.0.3"),
		Fqdn:                 "MAIL.WORK.COM",
		AuthMechanism:        value.AuthTls,
		PermissionGroups:     value.PermissionPartners,
		RequireTLS:           true,
		DomainSecureEnabled:  true,
		Enabled:              true,
		MaxMessageSize:       byteSize("10MB"),
		Banner:               "220 mail.work.com",
		Comment:              "from canoe " + ownershipMarker,
		TransportRole:        "FrontendTransport",
		TlsCertificateName:   "<I>CN=Work CA<S>CN=mail.work.com",
		ProtocolLoggingLevel: "Verbose",
	}
}

func receiveSubject(name string) v1alpha1.Identity {
	return v1alpha1.Identity{Kind: v1alpha1.KindReceiveConnector, Organization: testOrg, Server: "WIN20081", Name: name}
}

func TestPlanReceiveConnectorNoDriftWhenEqual(t *testing.T) {
	tests := []struct {
		name     string
		reason   string
		spec     func(*v1alpha1.ReceiveConnectorSpec)
		observed func(*exchange.ObservedReceiveConnector)
	}{
		{name: "EveryFieldEqual", reason: "`10.0.0.0/30` is `10.0.0.0-10.0.0.3`, a single address is a one-address range, bindings are a set"},
		{name: "NothingDeclared", reason: "a field left out is not managed",
			spec: func(s *v1alpha1.ReceiveConnectorSpec) {
				*s = v1alpha1.ReceiveConnectorSpec{Server: "WIN20081", Ensure: v1alpha1.EnsurePresent}
			},
			observed: func(o *exchange.ObservedReceiveConnector) {
				*o = exchange.ObservedReceiveConnector{Name: "From Canoe", Banner: "by hand", Bindings: bindings("0.0.0.0:25")}
			}},
		{name: "UsageMatchesDefaults", reason: "usage Internet gives AnonymousUsers and Tls; a connector with them was made with it",
			spec: func(s *v1alpha1.ReceiveConnectorSpec) {
				s.Usage = ptr(v1alpha1.ReceiveUsageInternet)
				s.PermissionGroups, s.AuthMechanism = nil, nil
			},
			observed: func(o *exchange.ObservedReceiveConnector) { o.PermissionGroups = value.PermissionAnonymousUsers }},
		{name: "UsageCoveredByDeclaredFields", reason: "declared permissionGroups and authMechanism are managed as fields; the usage says nothing then",
			spec: func(s *v1alpha1.ReceiveConnectorSpec) { s.Usage = ptr(v1alpha1.ReceiveUsageInternet) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := receiveFixture()
			if tt.spec != nil {
				tt.spec(&rc.Spec)
			}
			obs := observedReceive()
			if tt.observed != nil {
				tt.observed(&obs)
			}
			got, err := planReceiveConnector(testOrg, rc, []exchange.ObservedReceiveConnector{obs}, exchange.Exchange2019)
			if err != nil {
				t.Fatalf("planReceiveConnector: %v", err)
			}
			want := &Entry{Identity: receiveSubject("From Canoe"), Action: ActionUnchanged, RunOn: "WIN20081"}
			if diff := cmp.Diff(want, got, entryOpts); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestPlanReceiveConnectorFieldDrift(t *testing.T) {
	const set = `Set-ReceiveConnector -Identity 'WIN20081\From Canoe'`
	tests := []struct {
		name     string
		reason   string
		spec     func(*v1alpha1.ReceiveConnectorSpec)
		observed func(*exchange.ObservedReceiveConnector)
		field    FieldDiff
		call     string
	}{
		{name: "Bindings", reason: "the whole declared set is sent",
			observed: func(o *exchange.ObservedReceiveConnector) { o.Bindings = bindings("191.121.0.200:26") },
			field:    FieldDiff{Field: "bindings", Desired: "[191.121.0.200:26, [::]:26]", Actual: "[191.121.0.200:26]"},
			call:     set + " -Bindings '191.121.0.200:26','[::]:26'"},
		{name: "RemoteIPRanges", reason: "ranges compare by meaning; a narrower range is drift",
			observed: func(o *exchange.ObservedReceiveConnector) {
				o.RemoteIPRanges = ipRanges("10.0.0.0/31", "191.121.111.200")
			},
			field: FieldDiff{Field: "remoteIPRanges", Desired: "[10.0.0.0/30, 191.121.111.200]", Actual: "[10.0.0.0/31, 191.121.111.200]"},
			call:  set + " -RemoteIPRanges '10.0.0.0/30','191.121.111.200'"},
		{name: "Fqdn", reason: "a name alone",
			observed: func(o *exchange.ObservedReceiveConnector) { o.Fqdn = "win20081.work.com" },
			field:    FieldDiff{Field: "fqdn", Desired: "mail.work.com", Actual: "win20081.work.com"},
			call:     set + " -Fqdn 'mail.work.com'"},
		{name: "AuthMechanism", reason: "flags compare as a set",
			observed: func(o *exchange.ObservedReceiveConnector) { o.AuthMechanism = value.AuthTls | value.AuthIntegrated },
			field:    FieldDiff{Field: "authMechanism", Desired: "Tls", Actual: "Tls, Integrated"},
			call:     set + " -AuthMechanism 'Tls'"},
		{name: "PermissionGroups", reason: "flags compare as a set",
			observed: func(o *exchange.ObservedReceiveConnector) {
				o.PermissionGroups = value.PermissionPartners | value.PermissionAnonymousUsers
			},
			field: FieldDiff{Field: "permissionGroups", Desired: "Partners", Actual: "AnonymousUsers, Partners"},
			call:  set + " -PermissionGroups 'Partners'"},
		{name: "RequireTLS", reason: "a boolean alone",
			observed: func(o *exchange.ObservedReceiveConnector) { o.RequireTLS = false },
			field:    FieldDiff{Field: "requireTLS", Desired: "true", Actual: "false"},
			call:     set + " -RequireTLS $true"},
		{name: "DomainSecureEnabled", reason: "a boolean alone",
			observed: func(o *exchange.ObservedReceiveConnector) { o.DomainSecureEnabled = false },
			field:    FieldDiff{Field: "domainSecureEnabled", Desired: "true", Actual: "false"},
			call:     set + " -DomainSecureEnabled $true"},
		{name: "Enabled", reason: "a boolean alone",
			observed: func(o *exchange.ObservedReceiveConnector) { o.Enabled = false },
			field:    FieldDiff{Field: "enabled", Desired: "true", Actual: "false"},
			call:     set + " -Enabled $true"},
		{name: "MaxMessageSize", reason: "sizes compare by bytes",
			observed: func(o *exchange.ObservedReceiveConnector) { o.MaxMessageSize = byteSize("36MB") },
			field:    FieldDiff{Field: "maxMessageSize", Desired: "10MB", Actual: "36MB"},
			call:     set + " -MaxMessageSize '10MB'"},
		{name: "Banner", reason: "the banner is text and compares exactly",
			observed: func(o *exchange.ObservedReceiveConnector) { o.Banner = "220 MAIL.work.com" },
			field:    FieldDiff{Field: "banner", Desired: "220 mail.work.com", Actual: "220 MAIL.work.com"},
			call:     set + " -Banner '220 mail.work.com'"},
		{name: "TransportRole", reason: "an enum alone",
			observed: func(o *exchange.ObservedReceiveConnector) { o.TransportRole = "HubTransport" },
			field:    FieldDiff{Field: "transportRole", Desired: "FrontendTransport", Actual: "HubTransport"},
			call:     set + " -TransportRole 'FrontendTransport'"},
		{name: "TlsCertificateName", reason: "a string alone",
			observed: func(o *exchange.ObservedReceiveConnector) { o.TlsCertificateName = "<I>CN=Old CA<S>CN=mail.work.com" },
			field:    FieldDiff{Field: "tlsCertificateName", Desired: "<I>CN=Work CA<S>CN=mail.work.com", Actual: "<I>CN=Old CA<S>CN=mail.work.com"},
			call:     set + " -TlsCertificateName '<I>CN=Work CA<S>CN=mail.work.com'"},
		{name: "ProtocolLoggingLevel", reason: "an enum alone",
			observed: func(o *exchange.ObservedReceiveConnector) { o.ProtocolLoggingLevel = "None" },
			field:    FieldDiff{Field: "protocolLoggingLevel", Desired: "Verbose", Actual: "None"},
			call:     set + " -ProtocolLoggingLevel 'Verbose'"},
		{name: "CommentKeepsMarker", reason: "the user's comment changes, the ownership marker stays",
			observed: func(o *exchange.ObservedReceiveConnector) { o.Comment = ownershipMarker },
			field:    FieldDiff{Field: "comment", Desired: "from canoe", Actual: `""`},
			call:     set + " -Comment 'from canoe [managed-by: exreconcile]'"},
		{name: "CommentOfHandMadeConnector", reason: "a connector without the marker does not get one",
			observed: func(o *exchange.ObservedReceiveConnector) { o.Comment = "" },
			field:    FieldDiff{Field: "comment", Desired: "from canoe", Actual: `""`},
			call:     set + " -Comment 'from canoe'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := receiveFixture()
			if tt.spec != nil {
				tt.spec(&rc.Spec)
			}
			obs := observedReceive()
			if tt.observed != nil {
				tt.observed(&obs)
			}
			got, err := planReceiveConnector(testOrg, rc, []exchange.ObservedReceiveConnector{obs}, exchange.Exchange2019)
			if err != nil {
				t.Fatalf("planReceiveConnector: %v", err)
			}
			want := &Entry{Identity: receiveSubject("From Canoe"), Action: ActionChange, RunOn: "WIN20081",
				Fields: []FieldDiff{tt.field}, Calls: []string{tt.call}}
			if diff := cmp.Diff(want, got, entryOpts); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestPlanReceiveConnectorLifecycle(t *testing.T) {
	declare := func(name string, usage *v1alpha1.ReceiveUsage, f func(*v1alpha1.ReceiveConnectorSpec)) *v1alpha1.ReceiveConnector {
		rc := &v1alpha1.ReceiveConnector{ObjectMeta: v1alpha1.ObjectMeta{Name: name},
			Spec: v1alpha1.ReceiveConnectorSpec{Server: "WIN20081", Ensure: v1alpha1.EnsurePresent, Usage: usage}}
		if f != nil {
			f(&rc.Spec)
		}
		return rc
	}
	absent := func(s *v1alpha1.ReceiveConnectorSpec) { s.Ensure = v1alpha1.EnsureAbsent }
	// The defaults of a 2019 Mailbox server (docs/exchange.md "Default receive connectors").
	defaults := []exchange.ObservedReceiveConnector{
		{Name: "Default WIN20081", Identity: `WIN20081\Default WIN20081`, Bindings: bindings("0.0.0.0:2525", "[::]:2525"),
			RemoteIPRanges: ipRanges("0.0.0.0-255.255.255.255"), Fqdn: "WIN20081.work.com",
			AuthMechanism:    value.AuthTls | value.AuthIntegrated | value.AuthBasicAuth | value.AuthBasicAuthRequireTLS | value.AuthExchangeServer,
			PermissionGroups: value.PermissionExchangeUsers | value.PermissionExchangeServers | value.PermissionExchangeLegacyServers,
			Enabled:          true, TransportRole: "HubTransport"},
		{Name: "Default Frontend WIN20081", Identity: `WIN20081\Default Frontend WIN20081`, Bindings: bindings("0.0.0.0:25", "[::]:25"),
			RemoteIPRanges: ipRanges("0.0.0.0-255.255.255.255"), Fqdn: "WIN20081.work.com",
			AuthMechanism:    value.AuthTls | value.AuthIntegrated | value.AuthBasicAuth | value.AuthBasicAuthRequireTLS | value.AuthExchangeServer,
			PermissionGroups: value.PermissionAnonymousUsers | value.PermissionExchangeServers | value.PermissionExchangeLegacyServers,
			Enabled:          true, TransportRole: "FrontendTransport", Banner: ""},
		{Name: "Old Partner", Identity: `WIN20081\Old Partner`, Bindings: bindings("191.121.0.200:26"),
			RemoteIPRanges: ipRanges("191.121.111.200"), AuthMechanism: value.AuthTls, PermissionGroups: value.PermissionPartners,
			Enabled: true, Comment: ownershipMarker},
	}
	refusedRemove := Note{Severity: "error", Reason: ReasonDefaultConnectorProtected,
		Message: `"WIN20081\Default WIN20081" is one of the server's default receive connectors; internal mail flow depends on it, so exreconcile never removes it`}
	refusedRebind := Note{Severity: "error", Reason: ReasonDefaultConnectorProtected,
		Message: `"WIN20081\Default Frontend WIN20081" is one of the server's default receive connectors; exreconcile never rebinds it (bindings: [0.0.0.0:25, [::]:25] -> [10.0.0.1:25]; declare a connector of your own for other bindings)`}
	tests := []struct {
		name   string
		reason string
		rc     *v1alpha1.ReceiveConnector
		want   *Entry
	}{
		{name: "AbsentPresent", reason: "ensure Absent removes a connector of one's own without a prompt",
			rc: declare("old partner", nil, absent),
			want: &Entry{Identity: receiveSubject("old partner"), Action: ActionRemove, RunOn: "WIN20081",
				Calls: []string{`Remove-ReceiveConnector -Identity 'WIN20081\old partner' -Confirm:$false`}}},
		{name: "AbsentAbsent", reason: "ensure Absent of a missing connector is in sync",
			rc:   declare("Gone", nil, absent),
			want: &Entry{Identity: receiveSubject("Gone"), Action: ActionUnchanged, RunOn: "WIN20081"}},
		{name: "DefaultNeverRemoved", reason: "internal mail flow depends on the default connectors",
			rc: declare("Default WIN20081", nil, absent),
			want: &Entry{Identity: receiveSubject("Default WIN20081"), Action: ActionUnchanged, RunOn: "WIN20081",
				Notes: []Note{refusedRemove}}},
		{name: "DefaultNeverRebound", reason: "a default connector's bindings are refused: no change, an error note naming the difference",
			rc: declare("Default Frontend WIN20081", nil, func(s *v1alpha1.ReceiveConnectorSpec) { s.Bindings = bindings("10.0.0.1:25") }),
			want: &Entry{Identity: receiveSubject("Default Frontend WIN20081"), Action: ActionUnchanged, RunOn: "WIN20081",
				Notes: []Note{refusedRebind}}},
		{name: "DefaultOtherFieldsStillManaged", reason: "refusing the bindings does not stop the other declared fields",
			rc: declare("Default Frontend WIN20081", nil, func(s *v1alpha1.ReceiveConnectorSpec) {
				s.Bindings = bindings("10.0.0.1:25")
				s.Banner = ptr("220 mail.work.com")
			}),
			want: &Entry{Identity: receiveSubject("Default Frontend WIN20081"), Action: ActionChange, RunOn: "WIN20081",
				Fields: []FieldDiff{{Field: "banner", Desired: "220 mail.work.com", Actual: `""`}},
				Notes:  []Note{refusedRebind},
				Calls:  []string{`Set-ReceiveConnector -Identity 'WIN20081\Default Frontend WIN20081' -Banner '220 mail.work.com'`}}},
		{name: "DefaultNeverReplaced", reason: "a usage that does not match a default connector never replaces it",
			rc:   declare("Default WIN20081", ptr(v1alpha1.ReceiveUsagePartner), nil),
			want: &Entry{Identity: receiveSubject("Default WIN20081"), Action: ActionUnchanged, RunOn: "WIN20081"}},
		{name: "UsageImpliesReplacement", reason: "a connector made with usage Partner has Partners; usage Internet needs a new connector",
			rc: declare("Old Partner", ptr(v1alpha1.ReceiveUsageInternet), func(s *v1alpha1.ReceiveConnectorSpec) {
				s.Bindings = bindings("191.121.0.200:26")
			}),
			want: &Entry{Identity: receiveSubject("Old Partner"), Action: ActionReplace, RunOn: "WIN20081",
				Notes: []Note{{Severity: "warning", Reason: ReasonRequiresReplacement,
					Message: "usage is set only at creation and the connector has PermissionGroups Partners (usage Internet gives AnonymousUsers)" +
						"; declare those fields to keep the connector, or apply --allow-replace to remove and recreate it"}},
				Calls: []string{`Remove-ReceiveConnector -Identity 'WIN20081\Old Partner' -Confirm:$false`,
					`New-ReceiveConnector -Name 'Old Partner' -Server 'WIN20081' -Usage 'Internet' -Bindings '191.121.0.200:26' -Comment '[managed-by: exreconcile]'`}}},
		{name: "UsageImpliesReplacementBothFields", reason: "every contradicting field is named",
			rc: declare("Old Partner", ptr(v1alpha1.ReceiveUsageInternal), func(s *v1alpha1.ReceiveConnectorSpec) {
				s.RemoteIPRanges = ipRanges("191.121.111.200")
			}),
			want: &Entry{Identity: receiveSubject("Old Partner"), Action: ActionReplace, RunOn: "WIN20081",
				Notes: []Note{{Severity: "warning", Reason: ReasonRequiresReplacement,
					Message: "usage is set only at creation and the connector has PermissionGroups Partners (usage Internal gives ExchangeServers, ExchangeLegacyServers)" +
						", AuthMechanism Tls (usage Internal gives Tls, ExchangeServer)" +
						"; declare those fields to keep the connector, or apply --allow-replace to remove and recreate it"}},
				Calls: []string{`Remove-ReceiveConnector -Identity 'WIN20081\Old Partner' -Confirm:$false`,
					`New-ReceiveConnector -Name 'Old Partner' -Server 'WIN20081' -Usage 'Internal' -RemoteIPRanges '191.121.111.200' -Comment '[managed-by: exreconcile]'`}}},
		{name: "CreatePartner", reason: "Partner takes bindings and ranges at creation; the marker follows the comment",
			rc: declare("From Canoe", ptr(v1alpha1.ReceiveUsagePartner), func(s *v1alpha1.ReceiveConnectorSpec) {
				s.Bindings = bindings("191.121.0.200:26")
				s.RemoteIPRanges = ipRanges("10.0.0.0/30")
				s.DomainSecureEnabled = ptr(true)
				s.Comment = ptr("from canoe")
			}),
			want: &Entry{Identity: receiveSubject("From Canoe"), Action: ActionCreate, RunOn: "WIN20081",
				Calls: []string{`New-ReceiveConnector -Name 'From Canoe' -Server 'WIN20081' -Usage 'Partner' -Bindings '191.121.0.200:26'` +
					` -RemoteIPRanges '10.0.0.0/30' -DomainSecureEnabled $true -Comment 'from canoe [managed-by: exreconcile]'`}}},
		{name: "CreateInternetWithRanges", reason: "Internet refuses RemoteIPRanges at creation: they follow in a Set",
			rc: declare("From Internet", ptr(v1alpha1.ReceiveUsageInternet), func(s *v1alpha1.ReceiveConnectorSpec) {
				s.Bindings = bindings("0.0.0.0:25")
				s.RemoteIPRanges = ipRanges("0.0.0.0/0")
			}),
			want: &Entry{Identity: receiveSubject("From Internet"), Action: ActionCreate, RunOn: "WIN20081",
				Calls: []string{`New-ReceiveConnector -Name 'From Internet' -Server 'WIN20081' -Usage 'Internet' -Bindings '0.0.0.0:25' -Comment '[managed-by: exreconcile]'`,
					`Set-ReceiveConnector -Identity 'WIN20081\From Internet' -RemoteIPRanges '0.0.0.0/0'`}}},
		{name: "CreateClientWithBindings", reason: "Client refuses Bindings at creation: they follow in a Set",
			rc: declare("Client 2", ptr(v1alpha1.ReceiveUsageClient), func(s *v1alpha1.ReceiveConnectorSpec) {
				s.Bindings = bindings("10.0.0.1:587")
				s.RemoteIPRanges = ipRanges("10.0.0.0/8")
			}),
			want: &Entry{Identity: receiveSubject("Client 2"), Action: ActionCreate, RunOn: "WIN20081",
				Calls: []string{`New-ReceiveConnector -Name 'Client 2' -Server 'WIN20081' -Usage 'Client' -RemoteIPRanges '10.0.0.0/8' -Comment '[managed-by: exreconcile]'`,
					`Set-ReceiveConnector -Identity 'WIN20081\Client 2' -Bindings '10.0.0.1:587'`}}},
		{name: "CreateCustomByDefault", reason: "no usage creates a Custom connector",
			rc: declare("Relay", nil, func(s *v1alpha1.ReceiveConnectorSpec) {
				s.Bindings = bindings("10.0.0.1:25")
				s.RemoteIPRanges = ipRanges("10.0.0.7")
				s.PermissionGroups = ptr(value.PermissionAnonymousUsers)
			}),
			want: &Entry{Identity: receiveSubject("Relay"), Action: ActionCreate, RunOn: "WIN20081",
				Calls: []string{`New-ReceiveConnector -Name 'Relay' -Server 'WIN20081' -Usage 'Custom' -Bindings '10.0.0.1:25'` +
					` -RemoteIPRanges '10.0.0.7' -PermissionGroups 'AnonymousUsers' -Comment '[managed-by: exreconcile]'`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := planReceiveConnector(testOrg, tt.rc, defaults, exchange.Exchange2019)
			if err != nil {
				t.Fatalf("planReceiveConnector: %v", err)
			}
			checkCreatedFields(t, tt.want, got)
			if diff := cmp.Diff(tt.want, got, entryOpts); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestIsDefaultReceiveConnector(t *testing.T) {
	tests := []struct {
		server, name string
		want         bool
		reason       string
	}{
		{"WIN20081", "Default WIN20081", true, "the Hub connector on 2525"},
		{"WIN20081", "default frontend win20081", true, "names compare case-insensitively"},
		{"WIN20081", "Client Proxy WIN20081", true, "port 465"},
		{"WIN20081", "Outbound Proxy Frontend WIN20081", true, "port 717"},
		{"EDGE1", "Default internal receive connector EDGE1", true, "the Edge default"},
		{"WIN20081", "Default WIN20082", false, "another server's default is an ordinary name here"},
		{"WIN20081", "Default", false, "the prefix alone"},
		{"WIN20081", "From Canoe", false, "an ordinary connector"},
	}
	for _, tt := range tests {
		if got := isDefaultReceiveConnector(tt.server, tt.name); got != tt.want {
			t.Errorf("isDefaultReceiveConnector(%q, %q) = %v, want %v (%s)", tt.server, tt.name, got, tt.want, tt.reason)
		}
	}
}
