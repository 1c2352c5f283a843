package exchange

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// State is everything exsim keeps, as written by --state and Snapshot.
// Property values use Exchange's input syntax ("SMTP:canoe.com;1",
// "0.0.0.0:25", "36MB", "Tls, BasicAuth"), so a brownfield state can be
// written by hand. A server whose receiveConnectors or certificates are left
// out (null) gets the defaults of a fresh install; [] means none.
type State struct {
	Domain           string           `json:"domain"`
	OrganizationName string           `json:"organizationName,omitempty"`
	DomainController string           `json:"domainController,omitempty"`
	Servers          []ServerState    `json:"servers"`
	SendConnectors   []ConnectorState `json:"sendConnectors"`
	TransportConfig  map[string]any   `json:"transportConfig,omitempty"`
	// HybridConfiguration is the organisation's one hybrid object, absent
	// until New-HybridConfiguration.
	HybridConfiguration *ConnectorState `json:"hybridConfiguration,omitempty"`
}

// ServerState is one server.
type ServerState struct {
	Name                string `json:"name"`
	Version             string `json:"version,omitempty"`
	Role                string `json:"role,omitempty"`
	Subscribed          bool   `json:"subscribed,omitempty"`
	AdminDisplayVersion string `json:"adminDisplayVersion,omitempty"`
	Guid                string `json:"guid,omitempty"`
	// SMTPCertificate is the thumbprint of the internal transport certificate.
	SMTPCertificate   string             `json:"smtpCertificate,omitempty"`
	ReceiveConnectors []ConnectorState   `json:"receiveConnectors"`
	Certificates      []CertificateState `json:"certificates"`
	Restarts          []Restart          `json:"restarts,omitempty"`
	// Edge servers keep their own Send connectors and TransportConfig.
	SendConnectors  []ConnectorState `json:"sendConnectors,omitempty"`
	TransportConfig map[string]any   `json:"transportConfig,omitempty"`

	// RootCertificates is the LocalMachine Root store as PEM; left out
	// (null) the fresh set of rootstore.go, [] an empty store.
	RootCertificates *[]string `json:"rootCertificates,omitempty"`
}

// ConnectorState is a Send or Receive connector. Usage, when set, applies
// the usage's creation defaults before Properties.
type ConnectorState struct {
	Name       string         `json:"name"`
	Guid       string         `json:"guid,omitempty"`
	Usage      string         `json:"usage,omitempty"`
	Created    *time.Time     `json:"created,omitempty"`
	Changed    *time.Time     `json:"changed,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
}

// CertificateState is a certificate store entry (PEM).
type CertificateState struct {
	Thumbprint           string `json:"thumbprint,omitempty"`
	Certificate          string `json:"certificate"`
	PrivateKey           string `json:"privateKey,omitempty"`
	Services             string `json:"services,omitempty"`
	FriendlyName         string `json:"friendlyName,omitempty"`
	PrivateKeyExportable bool   `json:"privateKeyExportable,omitempty"`
	RootCAType           string `json:"rootCAType,omitempty"`
	Pending              bool   `json:"pending,omitempty"`
	Request              string `json:"request,omitempty"`
}

// Snapshot returns a copy of the whole organisation (for tests).
func (o *Org) Snapshot() State {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.snapshot()
}

func (o *Org) snapshot() State {
	st := State{Domain: o.domain, OrganizationName: o.orgName, DomainController: o.dc,
		Servers: []ServerState{}, SendConnectors: encodeSend(o.send), TransportConfig: encodeRecord(transportSchema, o.config.rec),
		HybridConfiguration: o.hybridState()}
	for _, s := range o.servers {
		ss := ServerState{Name: s.name, Version: s.version.String(), Role: s.role.String(), Subscribed: s.subscribed,
			AdminDisplayVersion: s.adminVersion, Guid: s.guid, SMTPCertificate: s.smtpCert,
			ReceiveConnectors: []ConnectorState{}, Certificates: []CertificateState{}, Restarts: append([]Restart(nil), s.restarts...)}
		for _, c := range s.receive {
			ss.ReceiveConnectors = append(ss.ReceiveConnectors, connectorState(c.name, c.guid, c.created, c.changed, encodeRecord(receiveSchema, c.rec)))
		}
		for _, c := range s.certs {
			ss.Certificates = append(ss.Certificates, encodeCert(c))
		}
		ss.RootCertificates = o.encodeRoots(s)
		if s.role == Edge {
			ss.SendConnectors = encodeSend(s.edgeSend)
			ss.TransportConfig = encodeRecord(transportSchema, s.edgeConfig.rec)
		}
		st.Servers = append(st.Servers, ss)
	}
	return st
}

func connectorState(name, guid string, created, changed time.Time, props map[string]any) ConnectorState {
	c, ch := created, changed
	return ConnectorState{Name: name, Guid: guid, Created: &c, Changed: &ch, Properties: props}
}

func encodeSend(list []*sendConnector) []ConnectorState {
	out := []ConnectorState{}
	for _, c := range list {
		out = append(out, connectorState(c.name, c.guid, c.created, c.changed, encodeRecord(sendSchema, c.rec)))
	}
	return out
}

func encodeCert(c *certificate) CertificateState {
	cs := CertificateState{Thumbprint: c.thumbprint(), Services: allowedServices.format(c.services),
		Certificate:  string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.der})),
		FriendlyName: c.friendly, PrivateKeyExportable: c.exportable, RootCAType: c.rootCA, Pending: c.pending}
	if c.key != nil {
		if der, err := x509.MarshalPKCS8PrivateKey(c.key); err == nil {
			cs.PrivateKey = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		}
	}
	if c.pending {
		cs.Request = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: c.csr}))
	}
	return cs
}

// SaveFile writes the state as YAML (atomically: a reader never sees half a file).
func (o *Org) SaveFile(path string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.saveLocked(path)
}

func (o *Org) saveLocked(path string) error {
	data, err := yaml.Marshal(o.snapshot())
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".exsim-state-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// LoadFile builds an organisation from a state file. Servers of
// opts.Servers missing from the file are added fresh; a server in both must
// agree on version and role.
func LoadFile(path string, opts Options) (*Org, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st State
	if err := yaml.UnmarshalStrict(data, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	o, err := FromState(st, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return o, nil
}

// FromState builds an organisation from a State (see LoadFile).
func FromState(st State, opts Options) (*Org, error) {
	if opts.Domain != "" && !strings.EqualFold(opts.Domain, st.Domain) {
		return nil, fmt.Errorf("state is for organisation %s, not %s", st.Domain, opts.Domain)
	}
	opts.Domain = st.Domain
	if st.OrganizationName != "" {
		opts.OrganizationName = st.OrganizationName
	}
	if st.DomainController != "" {
		opts.DomainController = st.DomainController
	}
	o, err := newEmptyOrg(opts)
	if err != nil {
		return nil, err
	}
	for _, ss := range st.Servers {
		if err := o.loadServer(ss); err != nil {
			return nil, fmt.Errorf("server %s: %w", ss.Name, err)
		}
	}
	for _, spec := range opts.Servers {
		if s := o.server(spec.Name); s != nil {
			if (spec.Version != 0 && spec.Version != s.version) || spec.Role != s.role {
				return nil, fmt.Errorf("server %s is %s %s in the state, not %s %s", s.name, s.version, s.role, spec.Version, spec.Role)
			}
			continue
		}
		if _, err := o.addServer(spec, true); err != nil {
			return nil, err
		}
	}
	first := o.firstMailbox()
	if o.send, err = o.decodeSend(st.SendConnectors, first); err != nil {
		return nil, err
	}
	if err := decodeRecord(transportSchema, o.config.rec, st.TransportConfig); err != nil {
		return nil, fmt.Errorf("transportConfig: %w", err)
	}
	if err := o.loadHybrid(st.HybridConfiguration); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *Org) firstMailbox() *Server {
	for _, s := range o.servers {
		if s.role == Mailbox {
			return s
		}
	}
	return &Server{org: o, version: V2019, role: Mailbox}
}

func (o *Org) loadServer(ss ServerState) error {
	v := V2019
	if ss.Version != "" {
		var err error
		if v, err = ParseVersion(ss.Version); err != nil {
			return err
		}
	}
	role, err := ParseRole(ss.Role)
	if err != nil {
		return err
	}
	s, err := o.addServer(ServerSpec{Name: ss.Name, Version: v, Role: role, Subscribed: ss.Subscribed,
		AdminDisplayVersion: ss.AdminDisplayVersion}, false)
	if err != nil {
		return err
	}
	if ss.Guid != "" {
		s.guid = ss.Guid
	}
	s.restarts = append(s.restarts, ss.Restarts...)
	if err := o.decodeRoots(s, ss.RootCertificates); err != nil {
		return err
	}
	if ss.ReceiveConnectors == nil {
		s.receive = defaultReceiveConnectors(s)
	}
	for _, cs := range ss.ReceiveConnectors {
		rec := baseReceiveRecord(s)
		applyUsageDefaults(rec, cs.Usage, s)
		if err := decodeRecord(receiveSchema, rec, cs.Properties); err != nil {
			return fmt.Errorf("receive connector %s: %w", cs.Name, err)
		}
		c := &receiveConnector{name: cs.Name, guid: orGUID(cs.Guid), srv: s, rec: rec}
		c.created, c.changed = times(o, cs)
		s.receive = append(s.receive, c)
	}
	if ss.Certificates == nil {
		if err := s.installDefaultCertificates(); err != nil {
			return err
		}
	} else {
		s.certs = []*certificate{}
	}
	for _, cs := range ss.Certificates {
		c, err := decodeCert(cs)
		if err != nil {
			return err
		}
		s.certs = append(s.certs, c)
	}
	if ss.SMTPCertificate != "" {
		s.smtpCert = strings.ToUpper(ss.SMTPCertificate)
	} else if ss.Certificates != nil {
		for _, c := range s.certs {
			if c.services&allowedServices.must("SMTP") != 0 && !c.pending {
				s.smtpCert = c.thumbprint()
				break
			}
		}
	}
	if role == Edge {
		if s.edgeSend, err = o.decodeSend(ss.SendConnectors, s); err != nil {
			return err
		}
		if err := decodeRecord(transportSchema, s.edgeConfig.rec, ss.TransportConfig); err != nil {
			return fmt.Errorf("transportConfig: %w", err)
		}
	}
	return nil
}

func (o *Org) decodeSend(list []ConnectorState, srv *Server) ([]*sendConnector, error) {
	var out []*sendConnector
	for _, cs := range list {
		rec := newSendRecord(srv)
		if strings.EqualFold(cs.Usage, "Internal") {
			rec["MaxMessageSize"] = byteSize{Unlimited: true}
		}
		if strings.EqualFold(cs.Usage, "Partner") {
			rec["DomainSecureEnabled"] = true
		}
		if err := decodeRecord(sendSchema, rec, cs.Properties); err != nil {
			return nil, fmt.Errorf("send connector %s: %w", cs.Name, err)
		}
		c := &sendConnector{name: cs.Name, guid: orGUID(cs.Guid), rec: rec}
		c.created, c.changed = times(o, cs)
		out = append(out, c)
	}
	return out, nil
}

func orGUID(g string) string {
	if g != "" {
		return g
	}
	return newGUID()
}

func times(o *Org, cs ConnectorState) (time.Time, time.Time) {
	created, changed := o.now(), o.now()
	if cs.Created != nil {
		created = *cs.Created
	}
	if cs.Changed != nil {
		changed = *cs.Changed
	}
	return created, changed
}

func decodeCert(cs CertificateState) (*certificate, error) {
	block, _ := pem.Decode([]byte(cs.Certificate))
	if block == nil {
		return nil, fmt.Errorf("certificate %s: no PEM certificate", cs.Thumbprint)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", cs.Thumbprint, err)
	}
	c := &certificate{der: block.Bytes, cert: cert, friendly: cs.FriendlyName, exportable: cs.PrivateKeyExportable,
		rootCA: cs.RootCAType, pending: cs.Pending}
	if c.rootCA == "" {
		c.rootCA = "ThirdParty"
	}
	if cs.Thumbprint != "" && !strings.EqualFold(cs.Thumbprint, c.thumbprint()) {
		return nil, fmt.Errorf("certificate %s: the PEM's thumbprint is %s", cs.Thumbprint, c.thumbprint())
	}
	if cs.Services != "" {
		if c.services, err = allowedServices.parse(cs.Services); err != nil {
			return nil, fmt.Errorf("certificate %s: %v", c.thumbprint(), err)
		}
	}
	if cs.PrivateKey != "" {
		kb, _ := pem.Decode([]byte(cs.PrivateKey))
		if kb == nil {
			return nil, fmt.Errorf("certificate %s: no PEM private key", c.thumbprint())
		}
		key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %s: %w", c.thumbprint(), err)
		}
		signer, ok := key.(crypto.Signer)
		if !ok || !publicKeysEqual(signer.Public(), cert.PublicKey) {
			return nil, fmt.Errorf("certificate %s: the private key does not match the certificate", c.thumbprint())
		}
		c.key = signer
	}
	if cs.Pending {
		rb, _ := pem.Decode([]byte(cs.Request))
		if rb == nil {
			return nil, fmt.Errorf("certificate %s: a pending request needs its request PEM", c.thumbprint())
		}
		c.csr = rb.Bytes
	}
	return c, nil
}
