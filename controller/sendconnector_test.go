package controller

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// sendCred is the resolved smart-host credential of sendFixture.
var sendCred = &exchange.CredentialSpec{Username: `CANOE\relay`, Password: "s3cret-relay"}

// credFP is sendCred's fingerprint with the tests' salt (credential_test.go).
const credFP = "[exreconcile-credential: scrypt$32768$8$1$AAECAwQFBgcICQoLDA0ODw==$kOn55B/Dip7OcgNOoPRjKIQRdUlnW5lzUPbrhZEEcF0=]"

// credArg is how a plan shows sendCred.
const credArg = ` -AuthenticationCredential (New-Object System.Management.Automation.PSCredential -ArgumentList 'CANOE\relay', (ConvertTo-SecureString -String '<redacted>' -AsPlainText -Force))`

// sendFixture declares every field of a smart-host send connector.
func sendFixture() *v1alpha1.SendConnector {
	return &v1alpha1.SendConnector{
		ObjectMeta: v1alpha1.ObjectMeta{Name: "To Canoe"},
		Spec: v1alpha1.SendConnectorSpec{
			Ensure:                 v1alpha1.EnsurePresent,
			Usage:                  ptr(v1alpha1.SendUsagePartner),
			AddressSpaces:          addressSpaces("canoe.com", "SMTP:other.com;2"),
			DNSRoutingEnabled:      ptr(false),
			SmartHosts:             smartHosts("relay.canoe.com", "10.0.0.5"),
			SmartHostAuthMechanism: ptr(v1alpha1.SmartHostAuthBasicAuth),
			AuthenticationCredential: &v1alpha1.Credential{Username: `CANOE\relay`,
				PasswordFrom: &v1alpha1.PasswordFrom{Env: "RELAY_PASSWORD"}},
			RequireTLS:             ptr(true),
			IgnoreSTARTTLS:         ptr(false),
			DomainSecureEnabled:    ptr(false),
			TLSAuthLevel:           ptr(v1alpha1.TLSAuthDomainValidation),
			TLSDomain:              ptr("canoe.com"),
			TLSCertificateName:     ptr("<I>CN=Work CA<S>CN=mail.work.com"),
			Port:                   ptr(int32(25)),
			FQDN:                   ptr("mail.work.com"),
			SourceTransportServers: []string{"WIN20081", "WIN20082"},
			Enabled:                ptr(true),
			MaxMessageSize:         ptr(byteSize("10MB")),
			ProtocolLoggingLevel:   ptr(v1alpha1.ProtocolLoggingVerbose),
			Comment:                ptr("to canoe"),
		},
	}
}

// observedSend is sendFixture as Exchange prints it: the same values in
// other spellings and orders, and the ownership marker in the comment.
func observedSend() exchange.ObservedSendConnector {
	return exchange.ObservedSendConnector{
		Name:                        "to canoe",
		Identity:                    "To Canoe",
		AddressSpaces:               addressSpaces("smtp:OTHER.com;2", "SMTP:Canoe.com;1"),
		DNSRoutingEnabled:           false,
		SmartHosts:                  smartHosts("10.0.0.5", "RELAY.canoe.com"),
		SmartHostAuthMechanism:      "BasicAuth",
		HasAuthenticationCredential: true,
		RequireTLS:                  true,
		TlsAuthLevel:                "DomainValidation",
		TlsDomain:                   "Canoe.COM",
		TlsCertificateName:          "<I>CN=Work CA<S>CN=mail.work.com",
		Port:                        25,
		Fqdn:                        "MAIL.work.com",
		SourceTransportServers:      []string{"win20082", "WIN20081"},
		Enabled:                     true,
		MaxMessageSize:              byteSize("10MB"),
		ProtocolLoggingLevel:        "Verbose",
		Comment:                     "to canoe " + ownershipMarker,
	}
}

func sendSubject(name string) v1alpha1.Identity {
	return v1alpha1.Identity{Kind: v1alpha1.KindSendConnector, Organization: testOrg, Name: name}
}

func TestPlanSendConnectorNoDriftWhenEqual(t *testing.T) {
	tests := []struct {
		name     string
		reason   string
		spec     func(*v1alpha1.SendConnectorSpec)
		observed func(*exchange.ObservedSendConnector)
	}{
		{name: "EveryFieldEqual", reason: "names, domains and enums compare case-insensitively, sets in any order, `canoe.com` is `SMTP:canoe.com;1`"},
		{name: "NothingDeclared", reason: "a field left out is not managed, whatever the server has",
			spec: func(s *v1alpha1.SendConnectorSpec) {
				*s = v1alpha1.SendConnectorSpec{Ensure: v1alpha1.EnsurePresent}
			},
			observed: func(o *exchange.ObservedSendConnector) {
				*o = exchange.ObservedSendConnector{Name: "To Canoe", Identity: "To Canoe", Port: 587, Comment: "by hand"}
			}},
		{name: "NoneMechanismIsEmpty", reason: "an unset SmartHostAuthMechanism reads as None",
			spec: func(s *v1alpha1.SendConnectorSpec) {
				s.SmartHostAuthMechanism = ptr(v1alpha1.SmartHostAuthNone)
				s.AuthenticationCredential = nil
			},
			observed: func(o *exchange.ObservedSendConnector) { o.SmartHostAuthMechanism = "" }},
		{name: "CommentWithoutMarker", reason: "a connector made by hand is compared by its comment alone",
			observed: func(o *exchange.ObservedSendConnector) { o.Comment = "to canoe" }},
		{name: "EmptyCommentOfOwnConnector", reason: "the marker alone is an empty user comment",
			spec:     func(s *v1alpha1.SendConnectorSpec) { s.Comment = ptr("") },
			observed: func(o *exchange.ObservedSendConnector) { o.Comment = ownershipMarker }},
		{name: "UnlimitedSize", reason: "unlimited equals Unlimited",
			spec:     func(s *v1alpha1.SendConnectorSpec) { s.MaxMessageSize = ptr(byteSize("unlimited")) },
			observed: func(o *exchange.ObservedSendConnector) { o.MaxMessageSize = byteSize("Unlimited") }},
		{name: "InternalUsageUnlimited", reason: "usage Internal matches a connector of unlimited size",
			spec: func(s *v1alpha1.SendConnectorSpec) {
				s.Usage = ptr(v1alpha1.SendUsageInternal)
				s.MaxMessageSize = nil
			},
			observed: func(o *exchange.ObservedSendConnector) { o.MaxMessageSize = byteSize("Unlimited") }},
		{name: "PartnerUsageLimited", reason: "usage Partner matches a connector with a size limit",
			spec:     func(s *v1alpha1.SendConnectorSpec) { s.MaxMessageSize = nil },
			observed: func(o *exchange.ObservedSendConnector) { o.MaxMessageSize = byteSize("35MB") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := sendFixture()
			if tt.spec != nil {
				tt.spec(&sc.Spec)
			}
			obs := observedSend()
			if tt.observed != nil {
				tt.observed(&obs)
			}
			cred := sendCred
			if sc.Spec.AuthenticationCredential == nil {
				cred = nil
			}
			got, err := planSendConnector(testOrg, sc, []exchange.ObservedSendConnector{obs}, exchange.Exchange2019, cred)
			if err != nil {
				t.Fatalf("planSendConnector: %v", err)
			}
			want := &Entry{Identity: sendSubject("To Canoe"), Action: ActionUnchanged}
			if diff := cmp.Diff(want, got, entryOpts); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestPlanSendConnectorFieldDrift(t *testing.T) {
	const set = "Set-SendConnector -Identity 'To Canoe'"
	tests := []struct {
		name     string
		reason   string
		spec     func(*v1alpha1.SendConnectorSpec)
		observed func(*exchange.ObservedSendConnector)
		field    FieldDiff
		call     string
	}{
		{name: "AddressSpaces", reason: "the whole declared set is sent",
			observed: func(o *exchange.ObservedSendConnector) { o.AddressSpaces = addressSpaces("canoe.com;5", "other.com;2") },
			field:    FieldDiff{Field: "addressSpaces", Desired: "[SMTP:canoe.com;1, SMTP:other.com;2]", Actual: "[SMTP:canoe.com;5, SMTP:other.com;2]"},
			call:     set + " -AddressSpaces 'SMTP:canoe.com;1','SMTP:other.com;2'"},
		{name: "DNSRoutingEnabled", reason: "-DNSRoutingEnabled $false needs -SmartHosts on the same line",
			observed: func(o *exchange.ObservedSendConnector) { o.DNSRoutingEnabled = true },
			field:    FieldDiff{Field: "dnsRoutingEnabled", Desired: "false", Actual: "true"},
			call:     set + " -DNSRoutingEnabled $false -SmartHosts 'relay.canoe.com','10.0.0.5'"},
		{name: "DNSRoutingEnabledBackToDNS", reason: "going back to DNS sends no smart hosts (Exchange clears them)",
			spec: func(s *v1alpha1.SendConnectorSpec) {
				s.DNSRoutingEnabled = ptr(true)
				s.SmartHosts, s.SmartHostAuthMechanism, s.AuthenticationCredential = nil, nil, nil
			},
			field: FieldDiff{Field: "dnsRoutingEnabled", Desired: "true", Actual: "false"},
			call:  set + " -DNSRoutingEnabled $true"},
		{name: "SmartHosts", reason: "-SmartHosts goes with -DNSRoutingEnabled $false",
			observed: func(o *exchange.ObservedSendConnector) { o.SmartHosts = smartHosts("old.canoe.com") },
			field:    FieldDiff{Field: "smartHosts", Desired: "[relay.canoe.com, 10.0.0.5]", Actual: "[old.canoe.com]"},
			call:     set + " -DNSRoutingEnabled $false -SmartHosts 'relay.canoe.com','10.0.0.5'"},
		{name: "SmartHostAuthMechanism", reason: "the mechanism is sent with the routing it needs and the credential",
			observed: func(o *exchange.ObservedSendConnector) { o.SmartHostAuthMechanism = "None" },
			field:    FieldDiff{Field: "smartHostAuthMechanism", Desired: "BasicAuth", Actual: "None"},
			call: set + " -DNSRoutingEnabled $false -SmartHosts '10.0.0.5','RELAY.canoe.com' -SmartHostAuthMechanism 'BasicAuth'" + credArg +
				" -Comment 'to canoe [managed-by: exreconcile] " + credFP + "'"},
		{name: "CredentialMissing", reason: "a declared credential the server does not hold is set, with its mechanism",
			observed: func(o *exchange.ObservedSendConnector) { o.HasAuthenticationCredential = false },
			field:    FieldDiff{Field: "authenticationCredential", Desired: `CANOE\relay (password set)`, Actual: "(none)"},
			call: set + " -DNSRoutingEnabled $false -SmartHosts '10.0.0.5','RELAY.canoe.com' -SmartHostAuthMechanism 'BasicAuth'" + credArg +
				" -Comment 'to canoe [managed-by: exreconcile] " + credFP + "'"},
		{name: "RequireTLS", reason: "-RequireTLS $true goes with -TlsAuthLevel",
			observed: func(o *exchange.ObservedSendConnector) { o.RequireTLS = false },
			field:    FieldDiff{Field: "requireTLS", Desired: "true", Actual: "false"},
			call:     set + " -RequireTLS $true -TlsAuthLevel 'DomainValidation'"},
		{name: "RequireTLSOff", reason: "turning RequireTLS off clears the stored TlsAuthLevel in the same call",
			spec: func(s *v1alpha1.SendConnectorSpec) {
				s.RequireTLS = ptr(false)
				s.TLSAuthLevel, s.TLSDomain = nil, nil
			},
			field: FieldDiff{Field: "requireTLS", Desired: "false", Actual: "true"},
			call:  set + " -RequireTLS $false -TlsAuthLevel $null"},
		{name: "TlsAuthLevel", reason: "-TlsAuthLevel goes with -RequireTLS $true",
			observed: func(o *exchange.ObservedSendConnector) { o.TlsAuthLevel = "EncryptionOnly" },
			field:    FieldDiff{Field: "tlsAuthLevel", Desired: "DomainValidation", Actual: "EncryptionOnly"},
			call:     set + " -RequireTLS $true -TlsAuthLevel 'DomainValidation'"},
		{name: "TlsDomain",
			reason:   "domains compare case-insensitively, a different one is drift",
			observed: func(o *exchange.ObservedSendConnector) { o.TlsDomain = "canoe.net" },
			field:    FieldDiff{Field: "tlsDomain", Desired: "canoe.com", Actual: "canoe.net"},
			call:     set + " -TlsDomain 'canoe.com'"},
		{name: "IgnoreSTARTTLS", reason: "a boolean alone",
			observed: func(o *exchange.ObservedSendConnector) { o.IgnoreSTARTTLS = true },
			field:    FieldDiff{Field: "ignoreSTARTTLS", Desired: "false", Actual: "true"},
			call:     set + " -IgnoreSTARTTLS $false"},
		{name: "DomainSecureEnabled", reason: "a boolean alone",
			observed: func(o *exchange.ObservedSendConnector) { o.DomainSecureEnabled = true },
			field:    FieldDiff{Field: "domainSecureEnabled", Desired: "false", Actual: "true"},
			call:     set + " -DomainSecureEnabled $false"},
		{name: "TlsCertificateName", reason: "a string alone",
			observed: func(o *exchange.ObservedSendConnector) { o.TlsCertificateName = "" },
			field:    FieldDiff{Field: "tlsCertificateName", Desired: "<I>CN=Work CA<S>CN=mail.work.com", Actual: `""`},
			call:     set + " -TlsCertificateName '<I>CN=Work CA<S>CN=mail.work.com'"},
		{name: "Port", reason: "a number alone",
			observed: func(o *exchange.ObservedSendConnector) { o.Port = 587 },
			field:    FieldDiff{Field: "port", Desired: "25", Actual: "587"},
			call:     set + " -Port 25"},
		{name: "Fqdn", reason: "a name alone",
			observed: func(o *exchange.ObservedSendConnector) { o.Fqdn = "" },
			field:    FieldDiff{Field: "fqdn", Desired: "mail.work.com", Actual: `""`},
			call:     set + " -Fqdn 'mail.work.com'"},
		{name: "SourceTransportServers", reason: "the whole declared set is sent",
			observed: func(o *exchange.ObservedSendConnector) { o.SourceTransportServers = []string{"WIN20081"} },
			field:    FieldDiff{Field: "sourceTransportServers", Desired: "[WIN20081, WIN20082]", Actual: "[WIN20081]"},
			call:     set + " -SourceTransportServers 'WIN20081','WIN20082'"},
		{name: "Enabled", reason: "enabling needs no -Force",
			observed: func(o *exchange.ObservedSendConnector) { o.Enabled = false },
			field:    FieldDiff{Field: "enabled", Desired: "true", Actual: "false"},
			call:     set + " -Enabled $true"},
		{name: "Disabled", reason: "disabling asks for confirmation unless -Force",
			spec:  func(s *v1alpha1.SendConnectorSpec) { s.Enabled = ptr(false) },
			field: FieldDiff{Field: "enabled", Desired: "false", Actual: "true"},
			call:  set + " -Enabled $false -Force"},
		{name: "MaxMessageSize", reason: "sizes compare by bytes",
			observed: func(o *exchange.ObservedSendConnector) { o.MaxMessageSize = byteSize("35MB") },
			field:    FieldDiff{Field: "maxMessageSize", Desired: "10MB", Actual: "35MB"},
			call:     set + " -MaxMessageSize '10MB'"},
		{name: "ProtocolLoggingLevel", reason: "an enum alone",
			observed: func(o *exchange.ObservedSendConnector) { o.ProtocolLoggingLevel = "None" },
			field:    FieldDiff{Field: "protocolLoggingLevel", Desired: "Verbose", Actual: "None"},
			call:     set + " -ProtocolLoggingLevel 'Verbose'"},
		{name: "CommentKeepsMarker", reason: "the user's comment changes, the ownership marker stays",
			observed: func(o *exchange.ObservedSendConnector) { o.Comment = "old text " + ownershipMarker },
			field:    FieldDiff{Field: "comment", Desired: "to canoe", Actual: "old text"},
			call:     set + " -Comment 'to canoe [managed-by: exreconcile]'"},
		{name: "CommentOfHandMadeConnector", reason: "a connector without the marker does not get one (it would become prunable)",
			observed: func(o *exchange.ObservedSendConnector) { o.Comment = "old text" },
			field:    FieldDiff{Field: "comment", Desired: "to canoe", Actual: "old text"},
			call:     set + " -Comment 'to canoe'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := sendFixture()
			if tt.spec != nil {
				tt.spec(&sc.Spec)
			}
			obs := observedSend()
			if tt.observed != nil {
				tt.observed(&obs)
			}
			cred := sendCred
			if sc.Spec.AuthenticationCredential == nil {
				cred = nil
			}
			got, err := planSendConnector(testOrg, sc, []exchange.ObservedSendConnector{obs}, exchange.Exchange2019, cred)
			if err != nil {
				t.Fatalf("planSendConnector: %v", err)
			}
			want := &Entry{Identity: sendSubject("To Canoe"), Action: ActionChange,
				Fields: []FieldDiff{tt.field}, Calls: []string{tt.call}}
			if diff := cmp.Diff(want, got, entryOpts); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestPlanSendConnectorLifecycle(t *testing.T) {
	minimal := func(usage *v1alpha1.SendUsage) *v1alpha1.SendConnector {
		return &v1alpha1.SendConnector{ObjectMeta: v1alpha1.ObjectMeta{Name: "To Canoe"},
			Spec: v1alpha1.SendConnectorSpec{Ensure: v1alpha1.EnsurePresent, Usage: usage, AddressSpaces: addressSpaces("canoe.com")}}
	}
	withSize := func(size string) []exchange.ObservedSendConnector {
		o := exchange.ObservedSendConnector{Name: "To Canoe", Identity: "To Canoe", AddressSpaces: addressSpaces("canoe.com"),
			DNSRoutingEnabled: true, Enabled: true, Port: 25, MaxMessageSize: byteSize(size)}
		return []exchange.ObservedSendConnector{o}
	}
	others := []exchange.ObservedSendConnector{{Name: "Mail to O365", Identity: "Mail to O365"}}
	replaceNote := func(usage, size string) Note {
		return Note{Severity: "warning", Reason: ReasonRequiresReplacement,
			Message: "usage " + usage + " is set only at creation and the connector's MaxMessageSize " + size +
				" shows it was created with another usage; apply --allow-replace removes and recreates it"}
	}
	tests := []struct {
		name     string
		reason   string
		sc       *v1alpha1.SendConnector
		cred     *exchange.CredentialSpec
		observed []exchange.ObservedSendConnector
		want     *Entry
	}{
		{name: "CreateEveryField", reason: "New-SendConnector carries the usage, every declared field and the marker after the comment",
			sc: sendFixture(), cred: sendCred, observed: others,
			want: &Entry{Identity: sendSubject("To Canoe"), Action: ActionCreate, Calls: []string{
				"New-SendConnector -Name 'To Canoe' -Usage 'Partner' -AddressSpaces 'SMTP:canoe.com;1','SMTP:other.com;2'" +
					" -DNSRoutingEnabled $false -SmartHosts 'relay.canoe.com','10.0.0.5' -SmartHostAuthMechanism 'BasicAuth'" + credArg +
					" -Port 25 -Fqdn 'mail.work.com' -RequireTLS $true -TlsAuthLevel 'DomainValidation' -TlsDomain 'canoe.com'" +
					" -IgnoreSTARTTLS $false -DomainSecureEnabled $false -TlsCertificateName '<I>CN=Work CA<S>CN=mail.work.com'" +
					" -SourceTransportServers 'WIN20081','WIN20082' -MaxMessageSize '10MB' -ProtocolLoggingLevel 'Verbose'" +
					" -Enabled $true -Comment 'to canoe [managed-by: exreconcile] " + credFP + "'"}}},
		{name: "CreateMinimal", reason: "without a comment the marker is the whole comment",
			sc: minimal(ptr(v1alpha1.SendUsageInternet)),
			want: &Entry{Identity: sendSubject("To Canoe"), Action: ActionCreate, Calls: []string{
				"New-SendConnector -Name 'To Canoe' -Usage 'Internet' -AddressSpaces 'SMTP:canoe.com;1' -Comment '[managed-by: exreconcile]'"}}},
		{name: "CreateWithoutUsage", reason: "no usage leaves Exchange's default",
			sc: minimal(nil),
			want: &Entry{Identity: sendSubject("To Canoe"), Action: ActionCreate, Calls: []string{
				"New-SendConnector -Name 'To Canoe' -AddressSpaces 'SMTP:canoe.com;1' -Comment '[managed-by: exreconcile]'"}}},
		{name: "AbsentPresent", reason: "ensure Absent removes an existing connector without a prompt",
			sc: func() *v1alpha1.SendConnector {
				sc := minimal(nil)
				sc.Spec.Ensure = v1alpha1.EnsureAbsent
				sc.Name = "TO CANOE"
				return sc
			}(),
			observed: withSize("35MB"),
			want: &Entry{Identity: sendSubject("TO CANOE"), Action: ActionRemove,
				Calls: []string{"Remove-SendConnector -Identity 'To Canoe' -Confirm:$false"}}},
		{name: "AbsentAbsent", reason: "ensure Absent of a missing connector is in sync",
			sc: func() *v1alpha1.SendConnector {
				sc := minimal(nil)
				sc.Spec.Ensure = v1alpha1.EnsureAbsent
				return sc
			}(),
			observed: others,
			want:     &Entry{Identity: sendSubject("To Canoe"), Action: ActionUnchanged}},
		{name: "CredentialPresent", reason: "a stored credential cannot be read back; its presence is not drift",
			sc: func() *v1alpha1.SendConnector {
				sc := minimal(nil)
				sc.Spec.AuthenticationCredential = sendFixture().Spec.AuthenticationCredential
				return sc
			}(),
			cred: sendCred,
			observed: func() []exchange.ObservedSendConnector {
				o := withSize("35MB")
				o[0].HasAuthenticationCredential = true
				return o
			}(),
			want: &Entry{Identity: sendSubject("To Canoe"), Action: ActionUnchanged}},
		{name: "CredentialMissingAlone", reason: "a credential without a declared mechanism is set alone",
			sc: func() *v1alpha1.SendConnector {
				sc := minimal(nil)
				sc.Spec.AuthenticationCredential = sendFixture().Spec.AuthenticationCredential
				return sc
			}(),
			cred: sendCred, observed: withSize("35MB"),
			want: &Entry{Identity: sendSubject("To Canoe"), Action: ActionChange,
				Fields: []FieldDiff{{Field: "authenticationCredential", Desired: `CANOE\relay (password set)`, Actual: "(none)"}},
				Calls:  []string{"Set-SendConnector -Identity 'To Canoe'" + credArg + " -Comment '" + credFP + "'"}}},
		{name: "UsageInternalButLimited", reason: "an Internal connector is unlimited; a limit shows another usage, fixed only by replacement",
			sc: minimal(ptr(v1alpha1.SendUsageInternal)), observed: withSize("35MB"),
			want: &Entry{Identity: sendSubject("To Canoe"), Action: ActionReplace,
				Notes: []Note{replaceNote("Internal", "35MB")},
				Calls: []string{"Remove-SendConnector -Identity 'To Canoe' -Confirm:$false",
					"New-SendConnector -Name 'To Canoe' -Usage 'Internal' -AddressSpaces 'SMTP:canoe.com;1' -Comment '[managed-by: exreconcile]'"}}},
		{name: "UsagePartnerButUnlimited", reason: "only Internal connectors start unlimited",
			sc: minimal(ptr(v1alpha1.SendUsagePartner)), observed: withSize("Unlimited"),
			want: &Entry{Identity: sendSubject("To Canoe"), Action: ActionReplace,
				Notes: []Note{replaceNote("Partner", "Unlimited")},
				Calls: []string{"Remove-SendConnector -Identity 'To Canoe' -Confirm:$false",
					"New-SendConnector -Name 'To Canoe' -Usage 'Partner' -AddressSpaces 'SMTP:canoe.com;1' -Comment '[managed-by: exreconcile]'"}}},
		{name: "UsageWithDeclaredSize", reason: "a declared maxMessageSize is managed as a field; the usage says nothing then",
			sc: func() *v1alpha1.SendConnector {
				sc := minimal(ptr(v1alpha1.SendUsageInternal))
				sc.Spec.MaxMessageSize = ptr(byteSize("35MB"))
				return sc
			}(),
			observed: withSize("35MB"),
			want:     &Entry{Identity: sendSubject("To Canoe"), Action: ActionUnchanged}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := planSendConnector(testOrg, tt.sc, tt.observed, exchange.Exchange2019, tt.cred)
			if err != nil {
				t.Fatalf("planSendConnector: %v", err)
			}
			checkCreatedFields(t, tt.want, got)
			if diff := cmp.Diff(tt.want, got, entryOpts); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			if len(got.calls) != len(got.Calls) {
				t.Errorf("%d typed calls behind %d call texts", len(got.calls), len(got.Calls))
			}
		})
	}
}
