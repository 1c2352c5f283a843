package v1alpha1

// A HybridConfiguration declares what exreconcile manages of the organisation's one hybrid
// configuration object (Get-/Set-HybridConfiguration, which the Hybrid Configuration Wizard
// creates): its TlsCertificateName. The other properties (domains, features, transport
// servers) are observed and reported, never changed. There is one per organisation;
// metadata.name is only a label.
type HybridConfiguration struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata" jsonschema:"required"`
	// Spec is the hybrid configuration's certificate.
	Spec HybridConfigurationSpec `json:"spec" jsonschema:"required"`
}

// GetOrganizationRef returns spec.organizationRef.
func (c *HybridConfiguration) GetOrganizationRef() string { return c.Spec.OrganizationRef }

// HybridConfigurationSpec names the certificate of the hybrid mail flow with Exchange Online.
// At most one of tlsCertificateRef and tlsCertificateName is set; with neither, nothing is
// managed and the object is only observed.
type HybridConfigurationSpec struct {
	// OrganizationRef is the metadata.name of the ExchangeOrganization; it may be left out when
	// exactly one organisation is declared.
	OrganizationRef string `json:"organizationRef,omitempty"`
	// TLSCertificateRef is the metadata.name of an ExchangeCertificate whose Issuer and Subject,
	// as Exchange reports them, make -TlsCertificateName (Exchange 2013 and later). A renewal
	// switches it once every server the certificate is declared for holds the new one.
	TLSCertificateRef *string `json:"tlsCertificateRef,omitempty" jsonschema:"minLength=1"`
	// TLSCertificateName is -TlsCertificateName written out, "<I>issuer DN<S>subject DN"
	// (Exchange 2013 and later). Not with tlsCertificateRef.
	TLSCertificateName *string `json:"tlsCertificateName,omitempty" jsonschema:"pattern=^<I>.+<S>.+$"`
}

// Default sets nothing: the hybrid configuration has no setting of exreconcile's own.
func (c *HybridConfiguration) Default() {}

// Identity of a HybridConfiguration is the organisation's one hybrid configuration;
// metadata.name is only a label, which Key leaves out.
func (c *HybridConfiguration) Identity() Identity {
	return Identity{Kind: KindHybridConfiguration, Name: c.Name}
}

// HybridConfigurations returns the declared HybridConfigurations (at most one per organisation
// in a valid Site).
func (s *Site) HybridConfigurations() []*HybridConfiguration {
	return ObjectsOf[*HybridConfiguration](s)
}
