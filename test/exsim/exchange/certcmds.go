package exchange

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// Certificate errors. Texts marked real are verbatim from seed 000 and
// Microsoft Q&A threads (docs/exchange.md "Error texts"); ids where a real one was seen.
var (
	// real: "The certificate with thumbprint X was not found." (Get-ExchangeCertificate, 2016+).
	errCertNotFound = errDef{key: "CertNotFound", category: "NotSpecified", exception: exInvalidOperation, id: "71D7F7B0",
		format: "The certificate with thumbprint %s was not found."}
	// real: seed 000 (2010, id 77ABCDD8) and Q&A (2016+, id DA6D9EA1).
	errPrivateKeyMissing = errDef{key: "PrivateKeyMissing", category: "NotSpecified", exception: exInvalidOperation,
		format: "The certificate with thumbprint %s was found but is not valid for use with Exchange Server (reason: %s)."}
	// real (Microsoft troubleshooting article "Can't remove a certificate").
	errCertInUse = errDef{key: "CertInUse", category: "InvalidArgument", exception: exInvalidOperation, id: "23FA4F48",
		format: "These certificates are tagged with following Send Connectors : %s. Removing and replacing certificates from Send Connector would break the mail flow. If you still want to proceed then replace or remove these certificates from Send Connector and then try this command."}
	// [INFER] by analogy with the Send connector text: a Receive connector's
	// TlsCertificateName, the hybrid configuration's, the Auth certificate
	// (Get-AuthConfig's current certificate; Microsoft's guidance is to
	// replace it with New-AuthConfig before removal).
	errCertInUseReceive = errDef{key: "CertInUseReceive", category: "InvalidArgument", exception: exInvalidOperation,
		format: "These certificates are tagged with following Receive Connectors : %s. Removing and replacing certificates from Receive Connector would break the mail flow. If you still want to proceed then replace or remove these certificates from Receive Connector and then try this command."}
	errCertInUseHybrid = errDef{key: "CertInUseHybrid", category: "InvalidArgument", exception: exInvalidOperation,
		format: "This certificate is tagged with the Hybrid Configuration (TlsCertificateName). Removing it would break the mail flow. If you still want to proceed then replace or remove this certificate from the Hybrid Configuration and then try this command."}
	errAuthCertRemove = errDef{key: "AuthCertRemove", category: "InvalidOperation", exception: exInvalidOperation,
		format: "The certificate with thumbprint %s is the current Exchange Server Auth certificate and can't be removed. Configure a new Auth certificate with Set-AuthConfig first."}
	// [INFER] Federation is set with Set-FederationTrust; UM is gone in 2019 (docs/exchange.md "Certificate rules" item 22).
	errServiceNotAllowed = errDef{key: "ServiceNotAllowed", category: "InvalidArgument", exception: exArgument,
		format: "The %s service can't be enabled with this cmdlet on this server."}
	// ValidateSet wording of KeySize [INFER].
	errKeySize = errDef{key: "KeySize", category: "InvalidArgument", exception: exArgument,
		format: "The value %d isn't valid for the KeySize parameter. Valid values are 1024, 2048 and 4096."}
	// [INFER] -Identity Server\Thumbprint with another -Server.
	errCertIdentity = errDef{key: "CertIdentity", category: "InvalidArgument", exception: exArgument,
		format: "The Identity value \"%s\" isn't valid. Use a thumbprint or ServerName\\Thumbprint."}
)

// certTarget is a certificate a cmdlet acts on.
type certTarget struct {
	srv   *Server
	thumb string
	id    string // as typed, for messages
}

// certTargets resolves -Thumbprint [-Server], -Identity Server\Thumbprint
// (2013+) or pipeline objects (Import-ExchangeCertificate | Enable-...).
func (x *invocation) certTargets() ([]certTarget, error) {
	srv := x.srv
	if x.has("Server") {
		var err error
		if srv, err = x.targetServer(x.str("Server")); err != nil {
			return nil, err
		}
	}
	var raw []any
	for _, name := range []string{"Thumbprint", "Identity"} {
		if v, ok := x.call.Args[name]; ok && v != nil {
			raw = append(raw, v)
		}
	}
	if len(raw) == 0 {
		raw = x.call.Input
	}
	var out []certTarget
	for _, v := range raw {
		for _, it := range flattenCert(v) {
			t := certTarget{srv: srv, thumb: it, id: it}
			if i := strings.LastIndex(it, `\`); i >= 0 {
				s, err := x.targetServer(it[:i])
				if err != nil {
					return nil, err
				}
				t.srv, t.thumb = s, it[i+1:]
			}
			if t.thumb == "" {
				return nil, x.fail(errCertIdentity, it)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// flattenCert reads identities from arguments and pipeline objects: an
// ExchangeCertificate object gives its Identity (Server\Thumbprint).
func flattenCert(v any) []string {
	var out []string
	for _, it := range flatten(v) {
		s := fmt.Sprint(it)
		if _, rest, ok := strings.Cut(s, "[Thumbprint]"); ok {
			s = rest
		}
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

func getExchangeCertificate(x *invocation) ([]any, error) {
	targets, err := x.certTargets()
	if err != nil {
		return nil, err
	}
	srv := x.srv
	if x.has("Server") {
		srv, _ = x.targetServer(x.str("Server"))
	}
	var out []any
	if len(targets) == 0 {
		domains := flatten(x.call.Args["DomainName"])
		for _, c := range srv.certs {
			if len(domains) == 0 || certMatchesDomain(c, domains) {
				out = append(out, x.r.certificateObject(srv, c))
			}
		}
		return out, nil
	}
	for _, t := range targets {
		c := t.srv.findCert(t.thumb)
		if c == nil {
			return out, x.rpcFail(t.srv, errCertNotFound, t.thumb)
		}
		out = append(out, x.r.certificateObject(t.srv, c))
	}
	return out, nil
}

// certMatchesDomain: a certificate matches a -DomainName value when one of
// its CertificateDomains equals it or is a wildcard covering it.
func certMatchesDomain(c *certificate, domains []any) bool {
	for _, d := range domains {
		want := strings.ToLower(fmt.Sprint(d))
		for _, have := range c.domains() {
			have = strings.ToLower(have)
			if have == want || (strings.HasPrefix(have, "*.") && strings.HasSuffix(want, have[1:]) && !strings.Contains(strings.TrimSuffix(want, have[1:]), ".")) {
				return true
			}
		}
	}
	return false
}

// parseServices reads -Services (AllowedServices): "SMTP", "IMAP, POP", an array.
func (x *invocation) parseServices(name string) (uint64, error) {
	v := x.call.Args[name]
	n, err := allowedServices.parse(v)
	if err != nil {
		return 0, x.bindErr(name, v, err)
	}
	if n&allowedServices.must("Federation") != 0 {
		return 0, x.fail(errServiceNotAllowed, "Federation")
	}
	if n&allowedServices.must("UM", "UMCallRouter") != 0 && x.version >= V2019 {
		return 0, x.fail(errServiceNotAllowed, "UM")
	}
	return n, nil
}

// smtpPrompt models ConfirmOverwriteInternalTransportCertificate: enabling
// SMTP on another certificate than the internal transport certificate asks
// "Overwrite the existing default SMTP certificate?" unless -Force, and a
// NonInteractive host cannot answer (docs/exchange.md "Prompts and confirmation").
func (x *invocation) smtpPrompt(srv *Server, thumb string, services uint64) error {
	if services&allowedServices.must("SMTP") == 0 || x.flag("Force") {
		return nil
	}
	if srv.smtpCert != "" && !strings.EqualFold(srv.smtpCert, thumb) && srv.findCert(srv.smtpCert) != nil {
		return x.fail(errNonInteractive)
	}
	return nil
}

// assignServices adds services (never removes: docs/exchange.md "Certificate rules" item 22). IIS
// has one certificate per site binding, so it moves [INFER from the
// ServicesStringForm W letter following the IIS binding].
func assignServices(srv *Server, c *certificate, services uint64) {
	iis := allowedServices.must("IIS")
	if services&iis != 0 {
		for _, o := range srv.certs {
			o.services &^= iis
		}
	}
	c.services |= services
	if services&allowedServices.must("SMTP") != 0 {
		srv.smtpCert = c.thumbprint()
	}
}

func enableExchangeCertificate(x *invocation) ([]any, error) {
	targets, err := x.certTargets()
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return nil, x.missingMandatory("Thumbprint")
	}
	services, err := x.parseServices("Services")
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		c := t.srv.findCert(t.thumb)
		// A pending request lives in the REQUEST store, which Enable does
		// not search [INFER].
		if c == nil || c.pending {
			return nil, x.rpcFail(t.srv, errCertNotFound, t.thumb)
		}
		if reason := unusableReason(c); reason != "" {
			d := errPrivateKeyMissing
			d.id = "DA6D9EA1"
			if x.version == V2010 {
				d.id = "77ABCDD8"
			}
			return nil, x.rpcFail(t.srv, d, c.thumbprint(), reason)
		}
		if err := x.smtpPrompt(t.srv, c.thumbprint(), services); err != nil {
			return nil, err
		}
		if err := x.confirm(false); err != nil {
			return nil, err
		}
		assignServices(t.srv, c, services)
	}
	return nil, nil
}

// unusableReason is ValidateExchangeCertificate's first failing check
// ([DECOMP]: PrivateKeyMissing first; then usages).
func unusableReason(c *certificate) string {
	if c.key == nil {
		return "PrivateKeyMissing"
	}
	if len(c.cert.ExtKeyUsage) > 0 {
		ok := false
		for _, u := range c.cert.ExtKeyUsage {
			ok = ok || u == x509.ExtKeyUsageServerAuth || u == x509.ExtKeyUsageAny
		}
		if !ok {
			return "PkixKpServerAuthNotFoundInEnhancedKeyUsage"
		}
	}
	return ""
}

func removeExchangeCertificate(x *invocation) ([]any, error) {
	targets, err := x.certTargets()
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return nil, x.missingMandatory("Thumbprint")
	}
	for _, t := range targets {
		c := t.srv.findCert(t.thumb)
		if c == nil {
			return nil, x.rpcFail(t.srv, errCertNotFound, t.thumb)
		}
		if !c.pending {
			if names := x.org.sendConnectorsUsing(c.issuer(), c.subject()); len(names) > 0 {
				return nil, x.rpcFail(t.srv, errCertInUse, strings.Join(names, ", "))
			}
			if names := t.srv.receiveConnectorsUsing(c); len(names) > 0 {
				return nil, x.rpcFail(t.srv, errCertInUseReceive, strings.Join(names, ", "))
			}
			if x.org.hybridUses(c) {
				return nil, x.rpcFail(t.srv, errCertInUseHybrid)
			}
			if x.org.isAuthCert(c) {
				return nil, x.rpcFail(t.srv, errAuthCertRemove, c.thumbprint())
			}
		}
		if err := x.confirm(true); err != nil {
			return nil, err
		}
		for i, y := range t.srv.certs {
			if y == c {
				t.srv.certs = append(t.srv.certs[:i], t.srv.certs[i+1:]...)
				break
			}
		}
		if strings.EqualFold(t.srv.smtpCert, c.thumbprint()) {
			t.srv.smtpCert = ""
		}
	}
	return nil, nil
}

// New-ExchangeCertificate errors [INFER wording]: the reference states the
// rules (FriendlyName "must be less than 64 characters"; BinaryEncoded and
// RequestFile "only when you use the GenerateRequest switch").
var (
	errFriendlyNameLength = errDef{key: "FriendlyNameLength", category: "InvalidArgument", exception: exArgument,
		format: "The FriendlyName value must be less than 64 characters."}
	errRequestOnly = errDef{key: "RequestOnly", category: "InvalidArgument", exception: exArgument,
		format: "The %s parameter can be used only with the GenerateRequest switch."}
)

// newCertRequest is what New-ExchangeCertificate was asked for, after the
// defaults of the reference
// (https://learn.microsoft.com/powershell/module/exchangepowershell/new-exchangecertificate).
type newCertRequest struct {
	subject    []byte
	domains    []string
	bits       int
	friendly   string
	exportable bool
	services   uint64
}

// renewed is the certificate piped in (Get-ExchangeCertificate X |
// New-ExchangeCertificate: the reference's renewal examples 2 and 6-8),
// or nil.
func (x *invocation) renewed(srv *Server) *certificate {
	var raw []any
	if v, ok := x.call.Args["Instance"]; ok && v != nil {
		raw = append(raw, v)
	}
	raw = append(raw, x.call.Input...)
	for _, v := range raw {
		for _, id := range flattenCert(v) {
			if i := strings.LastIndex(id, `\`); i >= 0 {
				id = id[i+1:]
			}
			if c := srv.findCert(id); c != nil && !c.pending {
				return c
			}
		}
	}
	return nil
}

func (x *invocation) newCertRequest(srv *Server, request bool) (*newCertRequest, error) {
	old := x.renewed(srv)
	req := &newCertRequest{bits: 2048, friendly: "Microsoft Exchange", services: allowedServices.must("IMAP", "POP", "SMTP")}
	if old != nil {
		// A renewal keeps the subject, names, key size, friendly name and,
		// for a self-signed renewal, the services [INFER: the reference
		// says only that the certificate is renewed].
		req.subject, req.domains, req.friendly = old.cert.RawSubject, append([]string(nil), old.domains()...), old.friendly
		if k, ok := old.cert.PublicKey.(*rsa.PublicKey); ok {
			req.bits = k.N.BitLen()
		}
		if old.services != 0 {
			req.services = old.services
		}
	}
	if x.has("KeySize") {
		n, _ := toInt64(x.call.Args["KeySize"])
		if n != 1024 && n != 2048 && n != 4096 {
			return nil, x.fail(errKeySize, n)
		}
		req.bits = int(n)
	}
	includes := false
	var domains []string
	for _, d := range flatten(x.call.Args["DomainName"]) {
		dv, err := parseDomain(d, true)
		if err != nil {
			return nil, x.bindErr("DomainName", d, err)
		}
		domains = appendUnique(domains, dv.Domain)
	}
	if x.flag("IncludeServerNetBIOSName") {
		domains, includes = appendUnique(domains, srv.name), true
	}
	if x.flag("IncludeServerFQDN") {
		domains, includes = appendUnique(domains, srv.fqdn), true
	}
	// "For new self-signed certificates, if you don't use the Services
	// parameter, the certificate is only assigned to SMTP" (IncludeAcceptedDomains,
	// IncludeAutoDiscover). exsim's only accepted domain is the org's domain.
	if x.flag("IncludeAcceptedDomains") {
		domains, includes = appendUnique(domains, x.org.domain), true
		req.services = allowedServices.must("SMTP")
	}
	if x.flag("IncludeAutoDiscover") {
		domains, includes = appendUnique(domains, "autodiscover."+x.org.domain), true
		req.services = allowedServices.must("SMTP")
	}
	if len(domains) > 0 || old == nil {
		req.domains = domains
	}
	if x.has("SubjectName") {
		subject := x.str("SubjectName")
		raw, err := parseDN(subject)
		if err != nil {
			return nil, x.bindErr("SubjectName", subject, badValue(subject,
				"System.Security.Cryptography.X509Certificates.X500DistinguishedName", "%s", err.Error()))
		}
		req.subject = raw
	}
	if req.subject == nil {
		// "If you don't use this parameter, the default value is the name
		// of the Exchange server" (CN=Mailbox01).
		req.subject = mustDN("CN=" + srv.name)
	}
	// The DomainName default: the server's name and FQDN, when neither
	// DomainName nor an Include switch is used.
	if old == nil && !x.has("DomainName") && !includes {
		req.domains = []string{srv.name, srv.fqdn}
	}
	// "the CN value that you specify for SubjectName is automatically
	// included in the DomainName values" (placed first [INFER]).
	if cn := subjectCN(req.subject); cn != "" && validDomain(cn, true) && !containsFold(req.domains, cn) {
		req.domains = append([]string{cn}, req.domains...)
	}
	if x.has("FriendlyName") {
		req.friendly = x.str("FriendlyName")
		if len([]rune(req.friendly)) >= 64 {
			return nil, x.fail(errFriendlyNameLength)
		}
	}
	if v, given := x.boolArg("PrivateKeyExportable"); given {
		req.exportable = v
	}
	if x.has("Services") && !request {
		var err error
		if req.services, err = x.parseServices("Services"); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// subjectCN is the last CN of a DER name, "" when it has none.
func subjectCN(raw []byte) string {
	var name pkix.RDNSequence
	if _, err := asn1.Unmarshal(raw, &name); err != nil {
		return ""
	}
	var n pkix.Name
	n.FillFromRDNSequence(&name)
	return n.CommonName
}

func newExchangeCertificate(x *invocation) ([]any, error) {
	srv := x.srv
	if x.has("Server") {
		var err error
		if srv, err = x.targetServer(x.str("Server")); err != nil {
			return nil, err
		}
	}
	request := x.flag("GenerateRequest")
	if !request {
		for _, name := range []string{"BinaryEncoded", "RequestFile"} {
			if x.has(name) {
				return nil, x.fail(errRequestOnly, name)
			}
		}
	}
	req, err := x.newCertRequest(srv, request)
	if err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, req.bits)
	if err != nil {
		return nil, err
	}
	nb := x.org.now().UTC()
	cert, der, err := createCertificate(certTemplate{subject: req.subject, dnsNames: req.domains, notBefore: nb,
		notAfter: nb.AddDate(5, 0, 0), sigAlg: x509.SHA256WithRSA}, key)
	if err != nil {
		return nil, err
	}
	c := &certificate{der: der, cert: cert, key: key, friendly: req.friendly, exportable: req.exportable, rootCA: "None"}
	if request {
		// The key stays on the server with a placeholder in the REQUEST
		// store (Status PendingRequest, RootCAType Unknown); the issued
		// certificate completes it (Import-ExchangeCertificate).
		csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{RawSubject: req.subject, DNSNames: req.domains,
			SignatureAlgorithm: x509.SHA256WithRSA}, key)
		if err != nil {
			return nil, err
		}
		c.pending, c.csr, c.rootCA = true, csr, "Unknown"
		if err := x.confirm(false); err != nil {
			return nil, err
		}
		srv.certs = append(srv.certs, c)
		if x.has("RequestFile") {
			// 2013 only: the Base64 request is also written to the file.
			srv.writeFile(x.str("RequestFile"), []byte(requestText(csr)))
		}
		if x.flag("BinaryEncoded") {
			// A BinaryFileDataObject whose FileData is the DER (the
			// reference's example 5 writes $binrequest.FileData).
			p := x.r.newObject("Microsoft.Exchange.Data.BinaryFileDataObject", "System.Object")
			p.add("FileData", append([]byte(nil), csr...), "System.Byte[]")
			return []any{p.o}, nil
		}
		return []any{requestText(csr)}, nil
	}
	if err := x.smtpPrompt(srv, c.thumbprint(), req.services); err != nil {
		return nil, err
	}
	if err := x.confirm(false); err != nil {
		return nil, err
	}
	srv.certs = append(srv.certs, c)
	assignServices(srv, c, req.services)
	return []any{x.r.certificateObject(srv, c)}, nil
}

var _ ps.Scalar = scalar{}

// receiveConnectorsUsing lists the server's Receive connectors whose
// TlsCertificateName names c.
func (s *Server) receiveConnectorsUsing(c *certificate) []string {
	var names []string
	for _, rc := range s.receive {
		if id, ok := rc.rec["TlsCertificateName"].(x509Id); ok && id.names(c) {
			names = append(names, rc.identity())
		}
	}
	return names
}

// isAuthCert: the organisation's Exchange Server Auth certificate (2013+
// setup creates it, one for the organisation, on every Mailbox server).
func (o *Org) isAuthCert(c *certificate) bool {
	if o.authCert != nil {
		return strings.EqualFold(o.authCert.thumbprint(), c.thumbprint())
	}
	return c.subject() == "CN=Microsoft Exchange Server Auth Certificate"
}
