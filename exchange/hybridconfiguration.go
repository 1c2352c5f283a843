package exchange

import (
	"fmt"
	"strings"
)

// ObservedHybridConfiguration is the organisation's one hybrid configuration
// object as Get-HybridConfiguration reports it. exreconcile manages only
// TlsCertificateName; the rest is reported.
type ObservedHybridConfiguration struct {
	// TlsCertificateName is "<I>issuer<S>subject", empty when not set (and
	// on Exchange 2010, which uses SecureMailCertificateThumbprint).
	TlsCertificateName        string           `json:"tlsCertificateName,omitempty"`
	Domains                   []string         `json:"domains,omitempty"`
	Features                  []string         `json:"features,omitempty"`
	SendingTransportServers   []string         `json:"sendingTransportServers,omitempty"`
	ReceivingTransportServers []string         `json:"receivingTransportServers,omitempty"`
	EdgeTransportServers      []string         `json:"edgeTransportServers,omitempty"`
	OnPremisesSmartHost       string           `json:"onPremisesSmartHost,omitempty"`
	Problems                  []*PropertyError `json:"problems,omitempty"`
}

var hybridConfigurationProperties = []string{"TlsCertificateName", "Domains", "Features", "SendingTransportServers",
	"ReceivingTransportServers", "EdgeTransportServers", "OnPremisesSmartHost"}

const hybridConfigurationFrame = "hybridconfiguration"

// hybridConfigurationPart reads the hybrid configuration. Get-HybridConfiguration
// returns nothing (no error) until the Hybrid Configuration Wizard ran
// New-HybridConfiguration, so an empty frame is "no hybrid configuration".
func hybridConfigurationPart() observePart {
	return observePart{frame: hybridConfigurationFrame, get: *newCall("Get-HybridConfiguration"), props: hybridConfigurationProperties}
}

// parseHybridConfiguration returns nil when the organisation has none.
func parseHybridConfiguration(scan *stdoutScan) (*ObservedHybridConfiguration, error) {
	recs, err := frameRecords(scan, hybridConfigurationFrame, "hybrid configuration", "")
	if err != nil {
		return nil, err
	}
	switch len(recs) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, fmt.Errorf("%w: Get-HybridConfiguration returned %d objects, want at most 1", ErrUnreadable, len(recs))
	}
	r := recs[0]
	r.name = "HybridConfiguration"
	h := &ObservedHybridConfiguration{
		TlsCertificateName:        strings.TrimSpace(r.str("TlsCertificateName")),
		Domains:                   r.list("Domains"),
		Features:                  r.list("Features"),
		SendingTransportServers:   r.list("SendingTransportServers"),
		ReceivingTransportServers: r.list("ReceivingTransportServers"),
		EdgeTransportServers:      r.list("EdgeTransportServers"),
		OnPremisesSmartHost:       r.str("OnPremisesSmartHost"),
	}
	h.Problems = r.problems
	return h, nil
}

// SetHybridConfiguration builds Set-HybridConfiguration -TlsCertificateName
// (Exchange 2013 and later).
func SetHybridConfiguration(v Version, tlsCertificateName string) (Call, error) {
	if tlsCertificateName == "" {
		return Call{}, fmt.Errorf("%w: Set-HybridConfiguration without a TlsCertificateName", ErrInvalidRequest)
	}
	c := newCall("Set-HybridConfiguration").Arg("TlsCertificateName", lit(tlsCertificateName))
	return *c, CheckCall(v, *c)
}

// RemoveExchangeCertificate builds Remove-ExchangeCertificate -Confirm:$false
// for one certificate of one server. Exchange refuses to remove a
// certificate a connector or the hybrid configuration still names, and the
// Auth certificate.
func RemoveExchangeCertificate(v Version, server, thumbprint string) (Call, error) {
	c := newCall("Remove-ExchangeCertificate").Arg("Thumbprint", lit(strings.ToUpper(thumbprint))).
		Arg("Server", lit(server)).SwitchValue("Confirm", false)
	return *c, CheckCall(v, *c)
}

// TLSCertificateName is the -TlsCertificateName of a certificate, from the
// Issuer and Subject strings Get-ExchangeCertificate reports for it.
func TLSCertificateName(issuer, subject string) string { return "<I>" + issuer + "<S>" + subject }
