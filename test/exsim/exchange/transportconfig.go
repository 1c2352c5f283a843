package exchange

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// TransportConfig enums (Set-TransportConfig reference values).
var (
	dsnConversion = newEnum("Microsoft.Exchange.Data.Directory.SystemConfiguration.DSNConversionOption", false,
		"UseExchangeDSNs", 0, "PreserveDSNBody", 1, "DoNotConvert", 2)
	headerPromotion = newEnum("Microsoft.Exchange.Data.Directory.SystemConfiguration.HeaderPromotionMode", false,
		"NoCreate", 0, "MayCreate", 1, "MustCreate", 2)
	shadowPreference = newEnum("Microsoft.Exchange.Data.Directory.SystemConfiguration.ShadowMessagePreference", false,
		"PreferRemote", 0, "LocalOnly", 1, "RemoteOnly", 2)
)

var kSmtpAddress = valueKind{typ: "Microsoft.Exchange.Data.SmtpAddress", nullable: true, fn: stringer(parseSmtpAddress)}

func parseSmtpAddress(v any) (plainText, error) {
	s := strings.TrimSpace(fmt.Sprint(v))
	local, dom, ok := strings.Cut(s, "@")
	if !ok || local == "" || !validDomain(dom, false) {
		return "", badValue(v, "Microsoft.Exchange.Data.SmtpAddress", "%q isn't a valid SMTP address.", s)
	}
	return plainText(s), nil
}

// transportSchema is Get-TransportConfig's on-premises property list. No
// on-premises transcript exists (docs/exchange.md "TransportConfig defaults"): the order follows the
// Exchange Online sample there, with the on-premises properties of
// params.tsv added alphabetically [INFER]. Only the TLS*DomainSecureList
// properties start with "tls", so `fl tls*` prints the seed 001 lines.
var transportSchema = newSchema([]string{
	"Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportConfigContainer",
	"Microsoft.Exchange.Data.Directory.ADConfigurationObject",
	"Microsoft.Exchange.Data.Directory.ADObject",
	"Microsoft.Exchange.Data.ConfigurableObject",
	"System.Object",
},
	p("AddressBookPolicyRoutingEnabled", boolKind{}).from(V2013),
	p("AgentGeneratedMessageLoopDetectionInSmtpEnabled", boolKind{}).from(V2013),
	p("AgentGeneratedMessageLoopDetectionInSubmissionEnabled", boolKind{}).from(V2013),
	ro("AnonymousSenderToRecipientRatePerHour", intKind{0, math.MaxInt32}),
	p("ClearCategories", boolKind{}),
	p("ConvertDisclaimerWrapperToEml", boolKind{}),
	p("DiagnosticsAggregationServicePort", intKind{1, 65535}).from(V2013),
	p("DSNConversionMode", enumKind{e: dsnConversion}),
	ro("JournalArchivingEnabled", boolKind{}),
	p("ExternalDelayDsnEnabled", boolKind{}),
	p("ExternalDsnDefaultLanguage", stringKind{nullable: true}),
	p("ExternalDsnLanguageDetectionEnabled", boolKind{}),
	p("ExternalDsnMaxMessageAttachSize", sized(false, 0, 10<<20)),
	p("ExternalDsnReportingAuthority", valueKind{typ: tSmtpDomain, nullable: true, fn: kSmtpDomain.fn}),
	p("ExternalDsnSendHtml", boolKind{}),
	p("ExternalPostmasterAddress", kSmtpAddress),
	p("GenerateCopyOfDSNFor", mvp(kText)),
	p("HeaderPromotionModeSetting", enumKind{e: headerPromotion}),
	p("InternalDelayDsnEnabled", boolKind{}),
	p("InternalDsnDefaultLanguage", stringKind{nullable: true}),
	p("InternalDsnLanguageDetectionEnabled", boolKind{}),
	p("InternalDsnMaxMessageAttachSize", sized(false, 0, 10<<20)),
	p("InternalDsnReportingAuthority", valueKind{typ: tSmtpDomain, nullable: true, fn: kSmtpDomain.fn}),
	p("InternalDsnSendHtml", boolKind{}),
	p("InternalSMTPServers", mvp(kIPRange)),
	p("JournalingReportNdrTo", kSmtpAddress),
	p("LegacyJournalingMigrationEnabled", boolKind{}).upTo(V2010),
	p("MaxAllowedAgentGeneratedMessageDepth", intKind{0, math.MaxInt32}).from(V2013),
	p("MaxAllowedAgentGeneratedMessageDepthPerAgent", intKind{0, math.MaxInt32}).from(V2013),
	p("MaxDumpsterSizePerDatabase", sized(false, 0, math.MaxInt64)),
	p("MaxDumpsterTime", spanKind{0, 24 * time.Hour * 365}),
	p("MaxReceiveSize", sized(true, 0, 2097151<<10)),
	p("MaxRecipientEnvelopeLimit", unlimitedIntKind{0, math.MaxInt32}),
	p("MaxRetriesForLocalSiteShadow", intKind{0, 255}).from(V2013),
	p("MaxRetriesForRemoteSiteShadow", intKind{0, 255}).from(V2013),
	p("MaxSendSize", sized(true, 0, 2097151<<10)),
	p("QueueDiagnosticsAggregationInterval", spanKind{time.Second, 24 * time.Hour}).from(V2013),
	p("RejectMessageOnShadowFailure", boolKind{}).from(V2013),
	p("Rfc2231EncodingEnabled", boolKind{}),
	p("SafetyNetHoldTime", spanKind{0, 24 * time.Hour * 365}).from(V2013),
	p("ShadowHeartbeatFrequency", spanKind{time.Second, 24 * time.Hour}).from(V2013),
	p("ShadowHeartbeatRetryCount", intKind{1, 15}),
	p("ShadowHeartbeatTimeoutInterval", spanKind{time.Second, 24 * time.Hour}),
	p("ShadowMessageAutoDiscardInterval", spanKind{5 * time.Second, 90 * 24 * time.Hour}),
	p("ShadowMessagePreferenceSetting", enumKind{e: shadowPreference}).from(V2013),
	p("ShadowRedundancyEnabled", boolKind{}),
	p("ShadowResubmitTimeSpan", spanKind{time.Second, 24 * time.Hour}).from(V2013),
	p("SupervisionTags", mvp(kText)),
	p("TLSReceiveDomainSecureList", mvp(kSmtpDomain)),
	p("TLSSendDomainSecureList", mvp(kSmtpDomain)),
	p("TransportRuleAttachmentTextScanLimit", sized(false, 0, math.MaxInt32)).from(V2013),
	p("VerifySecureSubmitEnabled", boolKind{}),
	p("VoicemailJournalingEnabled", boolKind{}),
	p("Xexch50Enabled", boolKind{}),
)

// transportConfig is the organisation's (or an Edge's) transport settings.
type transportConfig struct {
	guid    string
	rec     record
	created time.Time
	changed time.Time
}

// newTransportConfig holds the documented defaults (docs/exchange.md "TransportConfig defaults":
// 10 MB / 10 MB / 500, empty domain-secure lists; the rest from the
// Set-TransportConfig reference [INFER]).
func newTransportConfig(o *Org) *transportConfig {
	span := func(s string) time.Duration { d, _ := parseTimeSpan(s, tTimeSpan); return d }
	return &transportConfig{guid: newGUID(), created: o.now(), changed: o.now(), rec: record{
		"AddressBookPolicyRoutingEnabled": false, "AgentGeneratedMessageLoopDetectionInSmtpEnabled": true,
		"AgentGeneratedMessageLoopDetectionInSubmissionEnabled": true, "AnonymousSenderToRecipientRatePerHour": 1800,
		"ClearCategories": true, "ConvertDisclaimerWrapperToEml": false, "DiagnosticsAggregationServicePort": 9710,
		"DSNConversionMode": uint64(0), "JournalArchivingEnabled": false, "ExternalDelayDsnEnabled": true,
		"ExternalDsnDefaultLanguage": nil, "ExternalDsnLanguageDetectionEnabled": true,
		"ExternalDsnMaxMessageAttachSize": byteSize{Bytes: 10 << 20}, "ExternalDsnReportingAuthority": nil,
		"ExternalDsnSendHtml": true, "ExternalPostmasterAddress": nil, "GenerateCopyOfDSNFor": []any{},
		"HeaderPromotionModeSetting": uint64(0), "InternalDelayDsnEnabled": true, "InternalDsnDefaultLanguage": nil,
		"InternalDsnLanguageDetectionEnabled": true, "InternalDsnMaxMessageAttachSize": byteSize{Bytes: 10 << 20},
		"InternalDsnReportingAuthority": nil, "InternalDsnSendHtml": true, "InternalSMTPServers": []any{},
		"JournalingReportNdrTo": nil, "LegacyJournalingMigrationEnabled": false,
		"MaxAllowedAgentGeneratedMessageDepth": 3, "MaxAllowedAgentGeneratedMessageDepthPerAgent": 2,
		"MaxDumpsterSizePerDatabase": byteSize{Bytes: 18 << 20}, "MaxDumpsterTime": span("7.00:00:00"),
		"MaxReceiveSize": byteSize{Bytes: 10 << 20}, "MaxRecipientEnvelopeLimit": unlimitedInt{N: 500},
		"MaxRetriesForLocalSiteShadow": 2, "MaxRetriesForRemoteSiteShadow": 4, "MaxSendSize": byteSize{Bytes: 10 << 20},
		"QueueDiagnosticsAggregationInterval": span("00:01:00"), "RejectMessageOnShadowFailure": false,
		"Rfc2231EncodingEnabled": false, "SafetyNetHoldTime": span("2.00:00:00"), "ShadowHeartbeatFrequency": span("00:02:00"),
		"ShadowHeartbeatRetryCount": 12, "ShadowHeartbeatTimeoutInterval": span("00:15:00"),
		"ShadowMessageAutoDiscardInterval": span("2.00:00:00"), "ShadowMessagePreferenceSetting": uint64(0),
		"ShadowRedundancyEnabled": true, "ShadowResubmitTimeSpan": span("03:00:00"),
		"SupervisionTags": mustList(kText, "Reject", "Allow"), "TLSReceiveDomainSecureList": []any{},
		"TLSSendDomainSecureList": []any{}, "TransportRuleAttachmentTextScanLimit": byteSize{Bytes: 150 << 10},
		"VerifySecureSubmitEnabled": false, "VoicemailJournalingEnabled": true, "Xexch50Enabled": true,
	}}
}

func (o *Org) transportDN() string { return "CN=Transport Settings," + o.orgDN() }

// edgeSynced are the properties EdgeSync copies from the organisation onto
// a subscribed Edge, overwriting local edits (docs/exchange.md "Scopes"; [DECOMP]
// RestoreTransportSettings).
var edgeSynced = []string{"TLSReceiveDomainSecureList", "TLSSendDomainSecureList", "InternalSMTPServers"}

func getTransportConfig(x *invocation) ([]any, error) {
	tc := x.org.transportConfigOf(x.srv)
	rec := tc.rec
	if x.srv.role == Edge && x.srv.subscribed {
		rec = rec.clone()
		for _, k := range edgeSynced {
			rec[k] = x.org.config.rec[k]
		}
	}
	return []any{x.r.transportConfig(tc, rec)}, nil
}

func (r *render) transportConfig(tc *transportConfig, rec record) *ps.Object {
	p := r.object(transportSchema, rec, nil)
	return p.adTail("Transport Settings", r.org.transportDN(), "Transport Settings", tc.guid, "ms-Exch-Transport-Settings",
		[]any{"top", "container", "msExchTransportSettings"}, tc.created, tc.changed).o
}

func setTransportConfig(x *invocation) ([]any, error) {
	tc := x.org.transportConfigOf(x.srv)
	staged := tc.rec.clone()
	if err := x.applyArgs(transportSchema, staged); err != nil {
		return nil, err
	}
	if err := x.confirm(false); err != nil {
		return nil, err
	}
	if x.unchanged(transportSchema, tc.rec, staged, "Transport Settings") {
		return nil, nil
	}
	tc.rec, tc.changed = staged, x.org.now()
	return nil, nil
}
