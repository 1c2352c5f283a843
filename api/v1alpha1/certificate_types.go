package v1alpha1

import (
	"strings"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// An ExchangeCertificate declares a certificate that must be present on servers of the
// organisation and enabled for services (Import-/Enable-/Get-ExchangeCertificate). Its identity
// is the thumbprint; metadata.name is only a label.
type ExchangeCertificate struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata" jsonschema:"required"`
	// Spec is the certificate and where it is used.
	Spec ExchangeCertificateSpec `json:"spec" jsonschema:"required"`
}

// GetOrganizationRef returns spec.organizationRef.
func (c *ExchangeCertificate) GetOrganizationRef() string { return c.Spec.OrganizationRef }

// ExchangeCertificateSpec says which certificate, on which servers, for which services, and
// where to import it from when a server lacks it.
type ExchangeCertificateSpec struct {
	// OrganizationRef is the metadata.name of the ExchangeOrganization the certificate belongs
	// to; it may be left out when exactly one organisation is declared.
	OrganizationRef string `json:"organizationRef,omitempty"`
	// Thumbprint is -Thumbprint: the SHA-1 hash of the certificate, 40 hexadecimal digits
	// (compared case-insensitively; spaces are not allowed). Required unless source or request
	// determines it: left out, it is the thumbprint of source's file, or, with only a request,
	// the certificate that will be issued for it.
	Thumbprint string `json:"thumbprint,omitempty" jsonschema:"pattern=^[0-9A-Fa-f]{40}$"`
	// Servers are the names of the organisation's servers that must hold the certificate.
	// Default: every Mailbox server of the organisation.
	Servers []string `json:"servers,omitempty"`
	// Services is Enable-ExchangeCertificate -Services, a list of: IIS, IMAP, POP, SMTP, UM,
	// UMCallRouter. These must be enabled; Exchange cannot take a service away, so extra
	// services are reported, not removed.
	Services *value.AllowedServices `json:"services,omitempty"`
	// Source is the file a server lacking the certificate imports it from
	// (Import-ExchangeCertificate); the imported thumbprint must equal thumbprint.
	Source *CertificateSource `json:"source,omitempty"`
	// Request describes the certificate request (New-ExchangeCertificate -GenerateRequest) for
	// the CSR flow: the request is made on the server, the issued certificate is imported from
	// source.certFile.
	Request *CertificateRequest `json:"request,omitempty"`
	// RenewBefore is how long before NotAfter the plan warns that the certificate must be
	// renewed, a Go duration such as 720h. Default: a third of the certificate's lifetime,
	// which fits the short lifetimes of public certificates (200 days since 2026-03-15, 100 from
	// 2027-03-15, 47 from 2029-03-15: CA/Browser Forum ballot SC-081).
	RenewBefore *Duration `json:"renewBefore,omitempty"`
	// RetireSuperseded removes, after every reference switched to this certificate and was
	// verified, the certificates it supersedes on its servers: same Subject and
	// CertificateDomains, an earlier NotAfter, named by no connector or hybrid configuration,
	// neither the Exchange Auth certificate nor the internal transport certificate. Default false:
	// superseded certificates are reported, not removed.
	RetireSuperseded *bool `json:"retireSuperseded,omitempty"`
}

// CertificateSource is where an Exchange certificate is imported from: a PFX (PKCS #12) file
// with its private key, or the issued certificate (DER or PEM) completing a pending request.
// Exactly one of PFXFile and CertFile is set.
type CertificateSource struct {
	// PFXFile is a PKCS #12 file holding the certificate and its private key. A relative path is
	// relative to the manifest's folder.
	PFXFile string `json:"pfxFile,omitempty"`
	// CertFile is the issued certificate for a request made on the server (its private key stays
	// there). A relative path is relative to the manifest's folder.
	CertFile string `json:"certFile,omitempty"`
	// PasswordFrom says where the PFX file's password is read at run time (-Password).
	PasswordFrom *PasswordFrom `json:"passwordFrom,omitempty"`
}

// CertificateRequest is what New-ExchangeCertificate -GenerateRequest asks for. A request names
// exactly one server (spec.servers), where the private key is made and stays. Apply makes the
// request there when no pending request with this subject exists, and writes the CSR to
// requestFile; once the CA has issued the certificate, set source.certFile to it and apply
// imports it, which pairs it with the pending key.
type CertificateRequest struct {
	// SubjectName is -SubjectName, an X.500 name such as "C=US,O=Work,CN=mail.work.com".
	SubjectName string `json:"subjectName" jsonschema:"required,minLength=1"`
	// DomainNames is -DomainName: the subject alternative names (letters, digits, hyphens and
	// dots; a leading *. for a wildcard certificate).
	DomainNames []string `json:"domainNames,omitempty"`
	// KeySize is -KeySize: 1024, 2048 (the default) or 4096; 1024 is warned about.
	KeySize *int32 `json:"keySize,omitempty" jsonschema:"enum=1024,enum=2048,enum=4096"`
	// FriendlyName is -FriendlyName (less than 64 characters; Exchange's default "Microsoft
	// Exchange").
	FriendlyName string `json:"friendlyName,omitempty" jsonschema:"maxLength=63"`
	// PrivateKeyExportable is -PrivateKeyExportable (Exchange's default false).
	PrivateKeyExportable *bool `json:"privateKeyExportable,omitempty"`
	// RequestFile is the local file the CSR (PEM, "NEW CERTIFICATE REQUEST") is written to, for
	// the CA. A relative path is relative to the manifest's folder. It is written atomically and
	// never overwritten with another request: a file holding a request that is not pending on
	// the server stops the plan until it is moved away.
	RequestFile string `json:"requestFile" jsonschema:"required,minLength=1"`
}

// DefaultKeySize is the -KeySize of a request that declares none.
const DefaultKeySize = 2048

// NormalizedThumbprint returns the thumbprint in upper case, the form Exchange prints, so that
// thumbprints compare as Exchange compares them.
func (c *ExchangeCertificate) NormalizedThumbprint() string {
	return strings.ToUpper(c.Spec.Thumbprint)
}
