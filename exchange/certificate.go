package exchange

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// ObservedCertificate is one certificate of one server as
// Get-ExchangeCertificate -Server reports it.
type ObservedCertificate struct {
	// Thumbprint is upper-case hex, as Exchange prints it.
	Thumbprint string                `json:"thumbprint"`
	Services   value.AllowedServices `json:"services"`
	Status     string                `json:"status"`
	// HasPrivateKey false means Exchange cannot use the certificate for TLS
	// (the remedy is certutil -repairstore my <serial>).
	HasPrivateKey bool `json:"hasPrivateKey"`
	// NotAfter and NotBefore are the server's local wall-clock times (the
	// zone is not in the output), stored with time.UTC as location. They are
	// read from en-US or ISO 8601 text only; see parseDateTime.
	NotAfter           time.Time        `json:"notAfter"`
	NotBefore          time.Time        `json:"notBefore"`
	Subject            string           `json:"subject"`
	Issuer             string           `json:"issuer"`
	CertificateDomains []string         `json:"certificateDomains"`
	SerialNumber       string           `json:"serialNumber"`
	IsSelfSigned       bool             `json:"isSelfSigned"`
	FriendlyName       string           `json:"friendlyName,omitempty"`
	RootCAType         string           `json:"rootCAType,omitempty"`
	CertificateRequest string           `json:"certificateRequest,omitempty"` // a pending request's PKCS #10 text (Base64)
	Problems           []*PropertyError `json:"problems,omitempty"`
}

var certificateProperties = []string{"Thumbprint", "Services", "Status", "HasPrivateKey", "NotAfter", "NotBefore",
	"Subject", "Issuer", "CertificateDomains", "SerialNumber", "IsSelfSigned", "FriendlyName", "RootCAType", "CertificateRequest"}

const certificateFrame = "certificates"

// certificatePart lists the server's certificates; a thumbprint that is not
// there is simply absent (Get-ExchangeCertificate -Thumbprint would fail).
func certificatePart(server string) observePart {
	get := newCall("Get-ExchangeCertificate").Arg("Server", lit(server))
	return observePart{frame: certificateFrame, get: *get, props: certificateProperties}
}

func parseCertificates(scan *stdoutScan) ([]ObservedCertificate, error) {
	recs, err := frameRecords(scan, certificateFrame, "certificate", "Thumbprint")
	if err != nil {
		return nil, err
	}
	out := make([]ObservedCertificate, 0, len(recs))
	for _, r := range recs {
		c := ObservedCertificate{
			Thumbprint:         strings.ToUpper(strings.TrimSpace(r.str("Thumbprint"))),
			Services:           parsed(r, "Services", value.ParseAllowedServices),
			Status:             enum(r, "Status", value.CertificateStatus, nil),
			HasPrivateKey:      r.boolean("HasPrivateKey"),
			NotAfter:           parsed(r, "NotAfter", parseDateTime),
			NotBefore:          parsed(r, "NotBefore", parseDateTime),
			Subject:            r.str("Subject"),
			Issuer:             r.str("Issuer"),
			CertificateDomains: r.list("CertificateDomains"),
			SerialNumber:       r.str("SerialNumber"),
			IsSelfSigned:       r.boolean("IsSelfSigned"),
			FriendlyName:       r.str("FriendlyName"),
			RootCAType:         r.str("RootCAType"),
			CertificateRequest: r.str("CertificateRequest"),
		}
		if !r.has("NotAfter") {
			r.fail("NotAfter", "", errors.New("no value"))
		}
		c.Problems = r.problems
		out = append(out, c)
	}
	return out, nil
}

// dateLayouts are the DateTime texts parseDateTime accepts. ConvertTo-Xml
// writes a DateTime with ToString() in the culture of the powershell.exe
// that runs the script, and a straight-line script cannot ask for an
// invariant form (that needs a script block per object). So only en-US (the
// culture of a default English install and of exsim) and ISO 8601 are read;
// any other culture is reported, not guessed: 02.02.2028 and 12/02/2018 are
// ambiguous without knowing the culture.
var dateLayouts = []string{
	"1/2/2006 3:04:05 PM",
	time.RFC3339Nano,
	"2006-01-02T15:04:05.9999999",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z",
	"2006-01-02 15:04:05",
}

// parseDateTime reads a DateTime printed as en-US or ISO 8601 text. Times
// without a zone are returned as wall-clock times in time.UTC.
func parseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not an en-US (M/d/yyyy h:mm:ss AM) or ISO 8601 date; " +
		"exreconcile reads dates only in these forms: run the WinRM account with the en-US culture")
}

// ImportOptions are the optional settings of Import-ExchangeCertificate.
type ImportOptions struct {
	// Password protects a PFX; nil for a certificate without a key.
	Password *Secret
	// PrivateKeyExportable marks the imported key exportable.
	PrivateKeyExportable *bool
	FriendlyName         string
}

// ImportExchangeCertificate builds Import-ExchangeCertificate -FileData for
// server. The file's bytes travel inside the script as base64 (-FileData
// works on every version; -FileName only on 2013), and they are secret in
// every human rendering: a PFX holds the private key.
func ImportExchangeCertificate(v Version, server string, data []byte, opts ImportOptions) (Call, error) {
	if len(data) == 0 {
		return Call{}, fmt.Errorf("%w: certificate file for %s is empty", ErrInvalidRequest, server)
	}
	c := newCall("Import-ExchangeCertificate").Arg("Server", lit(server)).Arg("FileData", byteArray(data, true))
	if opts.Password != nil {
		c.Arg("Password", secureString(*opts.Password))
	}
	c.optBool("PrivateKeyExportable", opts.PrivateKeyExportable)
	if opts.FriendlyName != "" {
		c.Arg("FriendlyName", lit(opts.FriendlyName))
	}
	return *c, CheckCall(v, *c)
}

// EnableExchangeCertificate builds Enable-ExchangeCertificate -Force. The
// services are added to those already enabled (Exchange cannot remove one).
// -Force is required: enabling SMTP asks whether to replace the default SMTP
// certificate, and a non-interactive session cannot answer.
func EnableExchangeCertificate(v Version, server, thumbprint string, services value.AllowedServices) (Call, error) {
	if services == value.ServiceNone {
		return Call{}, fmt.Errorf("%w: certificate %s: no services to enable", ErrInvalidRequest, thumbprint)
	}
	c := newCall("Enable-ExchangeCertificate").Arg("Thumbprint", lit(strings.ToUpper(thumbprint))).
		Arg("Server", lit(server)).Arg("Services", lits(services.Slice())).Switch("Force")
	return *c, CheckCall(v, *c)
}

// TransportServiceName is the Windows service of the Transport service
// (HubTransport receive connectors, send connectors, certificates) on
// every version and role, and of everything on 2010 and on an Edge server.
const TransportServiceName = "MSExchangeTransport"

// FrontEndTransportServiceName is the Windows service of the Front End
// Transport service on a 2013+ Mailbox server, which reads the
// FrontendTransport receive connectors (docs/exchange.md "Receive
// connector usage"; event 12014 is logged by it).
const FrontEndTransportServiceName = "MSExchangeFrontEndTransport"

// RestartTransportService builds Restart-Service <service> -Force (-Force
// because other services depend on it) for one of the two transport
// services above. It runs in the WinRM session on the server itself, not
// through the Exchange session.
func RestartTransportService(service string) Call {
	if service != FrontEndTransportServiceName {
		service = TransportServiceName
	}
	return *newCall("Restart-Service").Arg("Name", lit(service)).Switch("Force")
}
