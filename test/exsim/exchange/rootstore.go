package exchange

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	_ "embed"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// The Trusted Root Certification Authorities store (Cert:\LocalMachine\Root)
// of each server, as .NET's X509Store and the Cert: drive see it. A fresh
// server holds a small set of well-known roots that Windows trusts: the
// public certificates of Microsoft's 2017 roots, DigiCert, ISRG (Let's
// Encrypt), USERTrust (Sectigo) and GlobalSign, taken from the Mozilla CA
// bundle (Debian ca-certificates). A real Windows Server holds more (older
// Microsoft roots the bundle lacks, roots Windows Update adds on demand).

//go:embed rootstore_defaults.pem
var defaultRootsPEM []byte

// friendlyNames are the FriendlyName Windows shows for the default roots
// [INFER: as certmgr shows them on recent Windows Server builds].
var friendlyNames = map[string]string{
	"CN=DigiCert Global Root CA, OU=www.digicert.com, O=DigiCert Inc, C=US":                                "DigiCert",
	"CN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US":                                "DigiCert Global Root G2",
	"CN=DigiCert High Assurance EV Root CA, OU=www.digicert.com, O=DigiCert Inc, C=US":                     "DigiCert",
	"CN=ISRG Root X1, O=Internet Security Research Group, C=US":                                            "ISRG Root X1",
	"CN=GlobalSign Root CA, OU=Root CA, O=GlobalSign nv-sa, C=BE":                                          "GlobalSign Root CA - R1",
	"CN=Microsoft RSA Root Certificate Authority 2017, O=Microsoft Corporation, C=US":                      "Microsoft RSA Root Certificate Authority 2017",
	"CN=Microsoft ECC Root Certificate Authority 2017, O=Microsoft Corporation, C=US":                      "Microsoft ECC Root Certificate Authority 2017",
	"CN=USERTrust RSA Certification Authority, O=The USERTRUST Network, L=Jersey City, S=New Jersey, C=US": "Sectigo (formerly Comodo CA)",
}

// rootStore is one server's Root store; modified stores are saved in the
// state file, fresh ones are left out of it.
type rootStore struct {
	certs    []*x509.Certificate
	modified bool
}

func defaultRoots() []*x509.Certificate {
	var out []*x509.Certificate
	rest := defaultRootsPEM
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return out
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			panic(fmt.Sprintf("rootstore_defaults.pem: %v", err))
		}
		out = append(out, c)
	}
}

// rootsOf returns s's store, creating the fresh one. o.mu is held.
func (o *Org) rootsOf(s *Server) *rootStore {
	if o.roots == nil {
		o.roots = map[string]*rootStore{}
	}
	key := strings.ToLower(s.name)
	rs := o.roots[key]
	if rs == nil {
		rs = &rootStore{certs: defaultRoots()}
		o.roots[key] = rs
	}
	return rs
}

func (o *Org) encodeRoots(s *Server) *[]string {
	rs := o.roots[strings.ToLower(s.name)]
	if rs == nil || !rs.modified {
		return nil
	}
	out := []string{}
	for _, c := range rs.certs {
		out = append(out, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})))
	}
	return &out
}

func (o *Org) decodeRoots(s *Server, pems *[]string) error {
	if pems == nil {
		return nil
	}
	rs := &rootStore{certs: []*x509.Certificate{}, modified: true}
	for i, text := range *pems {
		b, _ := pem.Decode([]byte(text))
		if b == nil || b.Type != "CERTIFICATE" {
			return fmt.Errorf("rootCertificates[%d]: not a PEM certificate", i)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return fmt.Errorf("rootCertificates[%d]: %w", i, err)
		}
		rs.certs = append(rs.certs, c)
	}
	if o.roots == nil {
		o.roots = map[string]*rootStore{}
	}
	o.roots[strings.ToLower(s.name)] = rs
	return nil
}

// certStores implements ps.CertStores for one server.
type certStores struct {
	org *Org
	srv *Server
}

// CertStores returns the certificate stores of a powershell.exe running on
// server, for ps.Host.CertStores.
func (o *Org) CertStores(server string) (ps.CertStores, error) {
	s, ok := o.Server(server)
	if !ok {
		return nil, fmt.Errorf("no server %q in organisation %s", server, o.domain)
	}
	return &certStores{org: o, srv: s}, nil
}

// errNoCertificate is the CryptographicException of X509Certificate2 for
// bytes that hold no certificate (CRYPT_E_NOT_FOUND).
var errNoCertificate = errors.New("Cannot find the requested object.\r\n")

// Parse reads DER, PEM or base64 text, as the X509Certificate2(byte[])
// constructor does (CryptQueryObject accepts the base64 forms too).
func (cs *certStores) Parse(data []byte) (*ps.X509Certificate, error) {
	der := data
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] != 0x30 {
		if b, _ := pem.Decode(t); b != nil {
			if b.Type != "CERTIFICATE" {
				return nil, errNoCertificate
			}
			der = b.Bytes
		} else if raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(t)), "")); err == nil {
			der = raw
		}
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, errNoCertificate
	}
	cs.org.mu.Lock()
	defer cs.org.mu.Unlock()
	return cs.object(c, ""), nil
}

// object is the X509Certificate2 of c: dates in the server's time zone
// (DateTimeKind.Local), names as .NET formats them.
func (cs *certStores) object(c *x509.Certificate, friendly string) *ps.X509Certificate {
	sum := sha1.Sum(c.Raw)
	serial := c.SerialNumber.Bytes()
	if len(serial) == 0 || serial[0]&0x80 != 0 {
		serial = append([]byte{0}, serial...)
	}
	loc := cs.org.loc
	return &ps.X509Certificate{Raw: c.Raw, Thumbprint: fmt.Sprintf("%X", sum[:]),
		Subject: formatDN(c.RawSubject), Issuer: formatDN(c.RawIssuer), SerialNumber: fmt.Sprintf("%X", serial),
		FriendlyName: friendly, Version: c.Version,
		NotBefore: ps.DateTime{Time: c.NotBefore.In(loc), Text: formatDate(c.NotBefore.In(loc))},
		NotAfter:  ps.DateTime{Time: c.NotAfter.In(loc), Text: formatDate(c.NotAfter.In(loc))}}
}

func isRoot(location, name string) bool {
	return strings.EqualFold(location, "LocalMachine") && strings.EqualFold(name, "Root")
}

// List returns the Root store; other stores are not simulated.
func (cs *certStores) List(location, name string) ([]*ps.X509Certificate, bool) {
	if !isRoot(location, name) {
		return nil, false
	}
	cs.org.mu.Lock()
	defer cs.org.mu.Unlock()
	var out []*ps.X509Certificate
	for _, c := range cs.org.rootsOf(cs.srv).certs {
		out = append(out, cs.object(c, friendlyNames[formatDN(c.RawSubject)]))
	}
	return out, true
}

// Add puts c into the store (CERT_STORE_ADD_REPLACE_EXISTING: a
// certificate already there stays, no error).
func (cs *certStores) Add(location, name string, c *ps.X509Certificate) error {
	if !isRoot(location, name) {
		return fmt.Errorf("the %s\\%s store is not simulated", location, name)
	}
	cert, err := x509.ParseCertificate(c.Raw)
	if err != nil {
		return errNoCertificate
	}
	cs.org.mu.Lock()
	defer cs.org.mu.Unlock()
	rs := cs.org.rootsOf(cs.srv)
	for _, have := range rs.certs {
		if bytes.Equal(have.Raw, cert.Raw) {
			return nil
		}
	}
	rs.certs = append(rs.certs, cert)
	rs.modified = true
	cs.org.changed()
	return nil
}

// Remove takes c out of the store; one that is not there is no error.
func (cs *certStores) Remove(location, name string, c *ps.X509Certificate) error {
	if !isRoot(location, name) {
		return fmt.Errorf("the %s\\%s store is not simulated", location, name)
	}
	cs.org.mu.Lock()
	defer cs.org.mu.Unlock()
	rs := cs.org.rootsOf(cs.srv)
	for i, have := range rs.certs {
		if bytes.Equal(have.Raw, c.Raw) {
			rs.certs = append(rs.certs[:i], rs.certs[i+1:]...)
			rs.modified = true
			cs.org.changed()
			return nil
		}
	}
	return nil
}
