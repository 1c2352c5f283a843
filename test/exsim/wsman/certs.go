package wsman

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Certificate lifetimes. Files are reused across restarts while they have
// more than certRenewBefore left, so a CA pinned by a CI job stays valid.
const (
	caLifetime      = 10 * 365 * 24 * time.Hour
	serverLifetime  = 2 * 365 * 24 * time.Hour
	certRenewBefore = 7 * 24 * time.Hour
)

// CA is exsim's self-signed certificate authority. Clients pin CertPEM
// (written to ca.pem) to verify every endpoint's certificate.
type CA struct {
	Cert    *x509.Certificate
	CertPEM []byte
	key     crypto.Signer
	dir     string
}

// LoadOrCreateCA reads DIR/ca.pem and DIR/ca-key.pem, or creates them (and
// DIR) when missing, unreadable or near expiry.
func LoadOrCreateCA(dir string) (*CA, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the certificate directory: %w", err)
	}
	certPath, keyPath := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	if cert, key, certPEM, err := loadPair(certPath, keyPath); err == nil && cert.IsCA && fresh(cert) {
		return &CA{Cert: cert, CertPEM: certPEM, key: key, dir: dir}, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("cannot generate the CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "exsim test CA", Organization: []string{"exreconcile exsim"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("cannot sign the CA certificate: %w", err)
	}
	cert, _ := x509.ParseCertificate(der)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := writePair(certPath, keyPath, certPEM, key); err != nil {
		return nil, err
	}
	return &CA{Cert: cert, CertPEM: certPEM, key: key, dir: dir}, nil
}

// ServerCertificate returns the TLS certificate of the endpoint called name
// (written to DIR/lower(name).pem and DIR/lower(name)-key.pem), reusing the
// files when they are signed by this CA, fresh, and cover every host: the
// loopback addresses, localhost and the given extra hosts (the FQDN, the
// listen address).
func (ca *CA) ServerCertificate(name string, hosts ...string) (tls.Certificate, error) {
	base := strings.ToLower(name)
	certPath, keyPath := filepath.Join(ca.dir, base+".pem"), filepath.Join(ca.dir, base+"-key.pem")
	dnsNames, ips := sans(hosts)
	if cert, key, certPEM, err := loadPair(certPath, keyPath); err == nil && fresh(cert) &&
		cert.CheckSignatureFrom(ca.Cert) == nil && covers(cert, dnsNames, ips) {
		return tlsPair(certPEM, key)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("cannot generate the key of %s: %w", name, err)
	}
	cn := name
	if len(dnsNames) > 1 {
		cn = dnsNames[1] // the FQDN, after localhost
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(serverLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     dnsNames,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("cannot sign the certificate of %s: %w", name, err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := writePair(certPath, keyPath, certPEM, key); err != nil {
		return tls.Certificate{}, err
	}
	return tlsPair(certPEM, key)
}

// sans lists the subject alternative names: localhost and the loopback
// addresses always, then hosts (names or addresses, ports stripped).
func sans(hosts []string) ([]string, []net.IP) {
	dnsNames := []string{"localhost"}
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	for _, h := range hosts {
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		h = strings.Trim(strings.TrimSpace(h), "[]")
		if h == "" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil {
			if !ip.IsUnspecified() && !slices.ContainsFunc(ips, ip.Equal) {
				ips = append(ips, ip)
			}
		} else if h = strings.ToLower(h); !slices.Contains(dnsNames, h) {
			dnsNames = append(dnsNames, h)
		}
	}
	return dnsNames, ips
}

func covers(cert *x509.Certificate, dnsNames []string, ips []net.IP) bool {
	for _, d := range dnsNames {
		if !slices.Contains(cert.DNSNames, d) {
			return false
		}
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

func fresh(cert *x509.Certificate) bool {
	now := time.Now()
	return now.After(cert.NotBefore) && now.Add(certRenewBefore).Before(cert.NotAfter)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(fmt.Sprintf("wsman: crypto/rand failed: %v", err))
	}
	return n
}

func loadPair(certPath, keyPath string) (*x509.Certificate, crypto.Signer, []byte, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, nil, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, nil, errors.New("not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, nil, err
	}
	key, ok := k.(crypto.Signer)
	if !ok {
		return nil, nil, nil, errors.New("key cannot sign")
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil || !bytes.Equal(pub, cert.RawSubjectPublicKeyInfo) {
		return nil, nil, nil, errors.New("key does not match the certificate")
	}
	return cert, key, certPEM, nil
}

func writePair(certPath, keyPath string, certPEM []byte, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("cannot encode the key for %s: %w", keyPath, err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return fmt.Errorf("cannot write %s: %w", keyPath, err)
	}
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", certPath, err)
	}
	return nil
}

func tlsPair(certPEM []byte, key crypto.Signer) (tls.Certificate, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("cannot encode the server key: %w", err)
	}
	pair, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("cannot load the server key pair: %w", err)
	}
	return pair, nil
}
