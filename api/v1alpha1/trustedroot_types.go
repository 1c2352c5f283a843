package v1alpha1

// A TrustedRootCertificate declares a CA certificate that must be (or must not be) in the
// LocalMachine Root store (Trusted Root Certification Authorities) of servers of the
// organisation: the partner's or the CA's root that seed 000 §6 installs with the MMC. Its
// identity is metadata.name; the certificate is found on the servers by the thumbprint of
// spec.file.
type TrustedRootCertificate struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata" jsonschema:"required"`
	// Spec is the CA certificate and the servers whose Root store holds it.
	Spec TrustedRootCertificateSpec `json:"spec" jsonschema:"required"`
}

// GetOrganizationRef returns spec.organizationRef.
func (c *TrustedRootCertificate) GetOrganizationRef() string { return c.Spec.OrganizationRef }

// TrustedRootCertificateSpec says which CA certificate, on which servers.
type TrustedRootCertificateSpec struct {
	// OrganizationRef is the metadata.name of the ExchangeOrganization whose servers trust the
	// certificate; it may be left out when exactly one organisation is declared.
	OrganizationRef string `json:"organizationRef,omitempty"`
	// File is the CA certificate, DER or PEM (one certificate). A relative path is relative to
	// the manifest's folder. It is read before any server is contacted; its SHA-1 thumbprint
	// is what the servers' Root stores are searched for.
	File string `json:"file" jsonschema:"required,minLength=1"`
	// Servers are the names of the organisation's servers whose Root store must hold the
	// certificate. Default: every server of the organisation (Edge servers too).
	Servers []string `json:"servers,omitempty"`
	// Ensure is Present (default: added with the .NET X509Store API, which works on PowerShell
	// 2.0) or Absent (exactly this certificate is removed; no other root is ever touched).
	Ensure Ensure `json:"ensure,omitempty" jsonschema:"enum=Present,enum=Absent"`
}

// Default sets ensure Present.
func (c *TrustedRootCertificate) Default() {
	if c.Spec.Ensure == "" {
		c.Spec.Ensure = EnsurePresent
	}
}

// defaultServers sets spec.servers to every server of org when it was left out.
func (c *TrustedRootCertificate) defaultServers(org *ExchangeOrganization) {
	if c.Spec.Servers == nil && org != nil {
		c.Spec.Servers = org.ServerNames("")
	}
}

// Identity of a TrustedRootCertificate is its metadata.name within the organisation; on each
// server it is bound to the Root store of that server.
func (c *TrustedRootCertificate) Identity() Identity {
	return Identity{Kind: KindTrustedRootCertificate, Name: c.Name}
}

// TrustedRootCertificates returns the declared TrustedRootCertificates.
func (s *Site) TrustedRootCertificates() []*TrustedRootCertificate {
	return ObjectsOf[*TrustedRootCertificate](s)
}
