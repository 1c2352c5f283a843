package v1alpha1

// A TransportConfig declares the organisation-wide transport settings exreconcile manages
// (Set-TransportConfig). There is one per organisation; metadata.name is only a label.
type TransportConfig struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata" jsonschema:"required"`
	// Spec is the desired organisation transport settings.
	Spec TransportConfigSpec `json:"spec" jsonschema:"required"`
}

// GetOrganizationRef returns spec.organizationRef.
func (c *TransportConfig) GetOrganizationRef() string { return c.Spec.OrganizationRef }

// TransportConfigSpec holds the domain-secure (mutual TLS) domain lists. Fields left out are not
// managed; an empty list manages the property to empty.
type TransportConfigSpec struct {
	// OrganizationRef is the metadata.name of the ExchangeOrganization the settings belong to;
	// it may be left out when exactly one organisation is declared.
	OrganizationRef string `json:"organizationRef,omitempty"`
	// TLSSendDomainSecureList is -TLSSendDomainSecureList: the domains mail is sent to with
	// mutual TLS, through a domainSecureEnabled Send connector whose address spaces cover them.
	// Plain domains, no wildcards. A set.
	TLSSendDomainSecureList []string `json:"tlsSendDomainSecureList,omitempty"`
	// TLSReceiveDomainSecureList is -TLSReceiveDomainSecureList: the domains mail is received
	// from with mutual TLS, on domainSecureEnabled Receive connectors. Plain domains, no
	// wildcards. A set.
	TLSReceiveDomainSecureList []string `json:"tlsReceiveDomainSecureList,omitempty"`
}
