package exchange

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// certificate is one entry of a server's certificate store as Exchange
// sees it: the certificate, its private key if the store has one, and the
// metadata Exchange keeps (Services, FriendlyName).
type certificate struct {
	der        []byte
	cert       *x509.Certificate
	key        crypto.Signer // nil: HasPrivateKey False
	services   uint64
	friendly   string
	exportable bool
	rootCA     string
	// pending marks a request made with New-ExchangeCertificate
	// -GenerateRequest; cert is then the placeholder Windows keeps in the
	// REQUEST store (its thumbprint is the one Exchange shows), csr the
	// PKCS#10 request.
	pending bool
	csr     []byte
}

// thumbprint is the SHA-1 of the DER, upper-case hex, as Windows prints it.
func (c *certificate) thumbprint() string {
	sum := sha1.Sum(c.der)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func (c *certificate) subject() string { return formatDN(c.cert.RawSubject) }
func (c *certificate) issuer() string  { return formatDN(c.cert.RawIssuer) }

// selfSigned: subject equals issuer and the certificate's own key verifies
// its signature. CheckSignature, not CheckSignatureFrom: the latter refuses
// SHA-1 (setup's certificates) and leaf key usages, which Windows does not.
func (c *certificate) selfSigned() bool {
	return string(c.cert.RawSubject) == string(c.cert.RawIssuer) && signedBy(c.cert, c.cert)
}

func signedBy(child, parent *x509.Certificate) bool {
	return parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature) == nil
}

// status is Get-ExchangeCertificate's Status. exsim has no trust store and
// no revocation check, so an issued certificate within its dates is Valid
// (seed 000 shows RevocationCheckFailure on a real server whose CRL was
// unreachable).
func (c *certificate) status(now time.Time) string {
	switch {
	case c.pending:
		return "PendingRequest"
	case now.Before(c.cert.NotBefore) || now.After(c.cert.NotAfter):
		return "DateInvalid"
	}
	return "Valid"
}

// domains is CertificateDomains: the DNS names of the subject alternative
// names, or the subject CN when there are none (seed 000: a CA that does not
// support SANs still shows the CN; the Auth certificate's CN is no domain).
func (c *certificate) domains() []string {
	if len(c.cert.DNSNames) > 0 {
		return c.cert.DNSNames
	}
	if cn := c.cert.Subject.CommonName; cn != "" && validDomain(cn, true) {
		return []string{cn}
	}
	return nil
}

// servicesString is ServicesStringForm: one letter per service, IPUWSFC on
// 2013+ and the first six letters on 2010 (docs/exchange.md "Flag enums").
func servicesString(services uint64, v Version) string {
	letters := []struct {
		c    byte
		name string
	}{{'I', "IMAP"}, {'P', "POP"}, {'U', "UM"}, {'W', "IIS"}, {'S', "SMTP"}, {'F', "Federation"}, {'C', "UMCallRouter"}}
	if v == V2010 {
		letters = letters[:6]
	}
	out := make([]byte, len(letters))
	for i, l := range letters {
		out[i] = '.'
		if services&allowedServices.must(l.name) != 0 {
			out[i] = l.c
		}
	}
	return string(out)
}

const tCertificate = "Microsoft.Exchange.Management.SystemConfigurationTasks.ExchangeCertificate"

// certificateObject writes a certificate as Get-ExchangeCertificate does,
// all properties in alphabetical order (the order of `Format-List *` in
// [REF], [INFER]); the 14-property default list view needs a view in ps.
func (r *render) certificateObject(srv *Server, c *certificate) *ps.Object {
	p := r.newObject(tCertificate, "System.Security.Cryptography.X509Certificates.X509Certificate2",
		"System.Security.Cryptography.X509Certificates.X509Certificate", "System.Object")
	var rules []any
	if !r.remote && c.key != nil {
		// Local runs show the key's ACL; the remote session shows it empty
		// (docs/exchange.md "How Exchange objects print").
		for i := 0; i < 3; i++ {
			rules = append(rules, scalar{typ: "System.Security.AccessControl.CryptoKeyAccessRule", text: "System.Security.AccessControl.CryptoKeyAccessRule"})
		}
	}
	var domains, dnsNames []any
	for _, d := range c.domains() {
		domains = append(domains, scalar{typ: r.tn(tSmtpDomainWS), text: d})
		dnsNames = append(dnsNames, d)
	}
	var ekus []any
	for _, u := range c.cert.ExtKeyUsage {
		if u == x509.ExtKeyUsageServerAuth {
			ekus = append(ekus, scalar{typ: r.tn("Microsoft.Exchange.Data.FederationCertificateEnhancedKeyUsage"), text: "Server Authentication (1.3.6.1.5.5.7.3.1)"})
		}
	}
	var exts []any
	for range c.cert.Extensions {
		exts = append(exts, scalar{typ: r.tn("System.Security.Cryptography.X509Certificates.X509Extension"), text: "System.Security.Cryptography.X509Certificates.X509Extension"})
	}
	var request any
	if c.pending {
		request = requestText(c.csr)
	}
	var iis []any
	if c.services&allowedServices.must("IIS") != 0 {
		iis = []any{"IIS://" + srv.name + "/W3SVC/1", "IIS://" + srv.name + "/W3SVC/2"}
	}
	var privateKey any
	if c.key != nil {
		privateKey = scalar{typ: r.tn("System.Security.Cryptography.RSACryptoServiceProvider"), text: "System.Security.Cryptography.RSACryptoServiceProvider"}
	}
	bits := 0
	if k, ok := c.cert.PublicKey.(*rsa.PublicKey); ok {
		bits = k.N.BitLen()
	}
	dn := func() scalar {
		return scalar{typ: r.tn("System.Security.Cryptography.X509Certificates.X500DistinguishedName"), text: "System.Security.Cryptography.X509Certificates.X500DistinguishedName"}
	}
	now := r.org.now()
	p.list("AccessRules", "System.Security.AccessControl.AuthorizationRuleCollection", rules...)
	if r.remote {
		p.o.Props[len(p.o.Props)-1].Value = nil
	}
	p.add("Archived", false, "System.Boolean").
		list("CertificateDomains", tMVP+"["+tSmtpDomainWS+"]", domains...).
		add("CertificateRequest", request, "System.String").
		list("DnsNameList", "System.Collections.Generic.IEnumerable`1[System.Security.Cryptography.X509Certificates.DnsNameRepresentation]", dnsNames...).
		list("EnhancedKeyUsageList", "System.Collections.Generic.IList`1[Microsoft.Exchange.Data.FederationCertificateEnhancedKeyUsage]", ekus...).
		list("Extensions", "System.Security.Cryptography.X509Certificates.X509ExtensionCollection", exts...).
		add("FriendlyName", c.friendly, "System.String").
		text("Handle", "System.IntPtr", fmt.Sprint(2310837696848+int64(len(c.der)))).
		add("HasPrivateKey", c.key != nil, "System.Boolean").
		list("IISServices", "System.Collections.Generic.IList`1[Microsoft.Exchange.Data.Directory.SystemConfiguration.IISService]", iis...).
		add("Identity", srv.fqdn+`\`+c.thumbprint(), "System.String").
		add("IsSelfSigned", c.selfSigned(), "System.Boolean").
		add("Issuer", c.issuer(), "System.String").
		add("IssuerName", dn(), "System.Security.Cryptography.X509Certificates.X500DistinguishedName").
		add("KeyIdentifier", strings.ToUpper(hex.EncodeToString(c.cert.SubjectKeyId)), "System.String").
		add("NotAfter", r.date(c.cert.NotAfter), tDateTime).
		add("NotBefore", r.date(c.cert.NotBefore), tDateTime).
		add("PrivateKey", privateKey, "System.Security.Cryptography.AsymmetricAlgorithm").
		add("PrivateKeyExportable", c.exportable, "System.Boolean").
		text("PublicKey", "System.Security.Cryptography.X509Certificates.PublicKey", "System.Security.Cryptography.X509Certificates.PublicKey").
		add("PublicKeySize", bits, "System.Int32").
		add("RawData", append([]byte(nil), c.der...), "System.Byte[]").
		text("RootCAType", "Microsoft.Exchange.Management.SystemConfigurationTasks.CertificateRootCAType", c.rootCA).
		add("SendAsTrustedIssuer", false, "System.Boolean").
		add("SerialNumber", strings.ToUpper(hex.EncodeToString(c.cert.SerialNumber.Bytes())), "System.String").
		add("Services", scalar{typ: r.tn(allowedServices.typ), text: allowedServices.format(c.services)}, allowedServices.typ).
		add("ServicesStringForm", servicesString(c.services, r.version), "System.String").
		text("SignatureAlgorithm", "System.Security.Cryptography.Oid", "System.Security.Cryptography.Oid").
		text("Status", "Microsoft.Exchange.Management.SystemConfigurationTasks.CertificateStatus", c.status(now)).
		add("Subject", c.subject(), "System.String").
		add("SubjectKeyIdentifier", strings.ToUpper(hex.EncodeToString(c.cert.SubjectKeyId)), "System.String").
		add("SubjectName", dn(), "System.Security.Cryptography.X509Certificates.X500DistinguishedName").
		add("Thumbprint", c.thumbprint(), "System.String").
		add("Version", 3, "System.Int32")
	p.o.Text = certText(r, c)
	p.o.ListView = certificateListView
	p.o.TableView = []ps.TableColumn{{Property: "Thumbprint", Width: 41}, {Label: "Services", Property: "ServicesStringForm", Width: 10},
		{Property: "Subject"}}
	return p.o
}

// certificateListView is the 14-property default list view of
// Get-ExchangeCertificate (docs/exchange.md "How Exchange objects print"); Format-List * shows all.
var certificateListView = []string{"AccessRules", "CertificateDomains", "HasPrivateKey", "IsSelfSigned", "Issuer",
	"NotAfter", "NotBefore", "PublicKeySize", "RootCAType", "SerialNumber", "Services", "Status", "Subject", "Thumbprint"}

// certText is X509Certificate2.ToString(): what the object turns into when
// bound to a String parameter (Import-ExchangeCertificate | Enable-... binds
// it to -Thumbprint, which certTargets reads back).
func certText(r *render, c *certificate) string {
	section := func(name, value string) string { return "[" + name + "]\r\n  " + value + "\r\n" }
	return section("Subject", c.subject()) + "\r\n" + section("Issuer", c.issuer()) + "\r\n" +
		section("Serial Number", strings.ToUpper(hex.EncodeToString(c.cert.SerialNumber.Bytes()))) + "\r\n" +
		section("Not Before", formatDate(c.cert.NotBefore.In(r.org.loc))) + "\r\n" +
		section("Not After", formatDate(c.cert.NotAfter.In(r.org.loc))) + "\r\n" +
		section("Thumbprint", c.thumbprint())
}

// requestText is the Base64 request New-ExchangeCertificate prints (seed 000).
func requestText(der []byte) string {
	var b strings.Builder
	b.WriteString("-----BEGIN NEW CERTIFICATE REQUEST-----\r\n")
	enc := encodeBase64(der)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n-----END NEW CERTIFICATE REQUEST-----")
	return b.String()
}

var (
	defaultKeyOnce sync.Once
	defaultKeyVal  *rsa.PrivateKey
	defaultKeyErr  error
)

// defaultKey is the RSA key of the certificates setup creates. One key is
// shared by all of them in a process so that a fresh server starts fast;
// their thumbprints still differ (subject, serial and dates differ).
func defaultKey() (*rsa.PrivateKey, error) {
	defaultKeyOnce.Do(func() { defaultKeyVal, defaultKeyErr = rsa.GenerateKey(rand.Reader, 2048) })
	return defaultKeyVal, defaultKeyErr
}

// certTemplate describes a certificate to create.
type certTemplate struct {
	subject   []byte // DER of the subject name
	dnsNames  []string
	notBefore time.Time
	notAfter  time.Time
	sigAlg    x509.SignatureAlgorithm
	dataEnc   bool
}

func createCertificate(t certTemplate, key *rsa.PrivateKey) (*x509.Certificate, []byte, error) {
	serial := make([]byte, 16)
	if _, err := rand.Read(serial); err != nil {
		return nil, nil, err
	}
	serial[0] &= 0x7f
	serial[0] |= 0x10
	usage := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	if t.dataEnc {
		usage |= x509.KeyUsageDataEncipherment
	}
	tmpl := &x509.Certificate{
		SerialNumber:       new(big.Int).SetBytes(serial),
		RawSubject:         t.subject,
		DNSNames:           t.dnsNames,
		NotBefore:          t.notBefore,
		NotAfter:           t.notAfter,
		KeyUsage:           usage,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		SignatureAlgorithm: t.sigAlg,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	c, err := x509.ParseCertificate(der)
	return c, der, err
}

func mustDN(s string) []byte {
	raw, err := parseDN(s)
	if err != nil {
		panic(err)
	}
	return raw
}

// installDefaultCertificates creates what setup leaves in the store
// (docs/exchange.md "Default certificates"): the Microsoft Exchange self-signed certificate enabled
// for IMAP, POP, IIS, SMTP (SMTP only on Edge [INFER]), the org's one Auth
// certificate on 2013+ Mailbox servers, and the WMSvc certificate of IIS.
func (s *Server) installDefaultCertificates() error {
	key, err := defaultKey()
	if err != nil {
		return err
	}
	o := s.org
	// Setup creates the certificates minutes before the server object is
	// final; the Auth certificate ~1.5 minutes after the Exchange one ([HC]).
	nb := s.created.UTC().Add(-10 * time.Minute)
	cert, der, err := createCertificate(certTemplate{subject: mustDN("CN=" + s.name), dnsNames: []string{s.name, s.fqdn},
		notBefore: nb, notAfter: nb.AddDate(5, 0, 0), sigAlg: x509.SHA1WithRSA}, key)
	if err != nil {
		return err
	}
	services := allowedServices.must("IMAP", "POP", "IIS", "SMTP")
	if s.role == Edge {
		services = allowedServices.must("SMTP")
	}
	main := &certificate{der: der, cert: cert, key: key, services: services, friendly: "Microsoft Exchange", rootCA: "Registry"}
	s.smtpCert = main.thumbprint()
	if s.role == Edge {
		s.certs = []*certificate{main}
		return nil
	}
	s.certs = []*certificate{}
	if s.version >= V2013 {
		if o.authCert == nil {
			ac, ader, err := createCertificate(certTemplate{subject: mustDN("CN=Microsoft Exchange Server Auth Certificate"),
				notBefore: nb.Add(90 * time.Second), notAfter: nb.Add(90*time.Second + 1800*24*time.Hour), sigAlg: x509.SHA1WithRSA}, key)
			if err != nil {
				return err
			}
			o.authCert = &certificate{der: ader, cert: ac, key: key, services: allowedServices.must("SMTP"),
				friendly: "Microsoft Exchange Server Auth Certificate", exportable: true, rootCA: "None"}
		}
		auth := *o.authCert
		s.certs = append(s.certs, &auth)
	}
	s.certs = append(s.certs, main)
	wmsvc := "WMSvc-" + s.name
	if s.version >= V2016 {
		wmsvc = "WMSvc-SHA2-" + s.name
	}
	wc, wder, err := createCertificate(certTemplate{subject: mustDN("CN=" + wmsvc), notBefore: nb.Add(-time.Hour),
		notAfter: nb.Add(-time.Hour).AddDate(10, 0, 0), sigAlg: x509.SHA256WithRSA, dataEnc: true}, key)
	if err != nil {
		return err
	}
	s.certs = append(s.certs, &certificate{der: wder, cert: wc, key: key, friendly: "", exportable: true, rootCA: "Registry"})
	return nil
}

// findCert finds a certificate by thumbprint (case-insensitive).
func (s *Server) findCert(thumb string) *certificate {
	for _, c := range s.certs {
		if strings.EqualFold(c.thumbprint(), strings.TrimSpace(thumb)) {
			return c
		}
	}
	return nil
}
