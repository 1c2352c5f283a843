package v1alpha1

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// Rule names for ExchangeCertificate.
const (
	RuleCertThumbprint   = "CertificateThumbprint"
	RuleCertServers      = "CertificateServers"
	RuleCertServices     = "CertificateServices"
	RuleCertSource       = "CertificateSource"
	RuleCertRequest      = "CertificateRequest"
	RuleCertPasswordFrom = "CertificatePasswordFrom"
	// RuleCertThumbprintSource: a certificate without thumbprint needs a source or a request.
	RuleCertThumbprintSource = "CertificateThumbprintSource"
	// RuleCertRequestSubject: two requests of one server would share a subject.
	RuleCertRequestSubject = "CertificateRequestSubject"
)

var certificateRules = []rule[*ExchangeCertificate]{
	{RuleCertThumbprint, "thumbprint is 40 hexadecimal digits.", checkCertThumbprint},
	{RuleCertServers, "servers are declared servers of the organisation, each once.", checkCertServers},
	{RuleCertServices, "services excludes Federation (set through New-/Set-FederationTrust); UM and UMCallRouter do not exist on Exchange 2019 and later (warning).", checkCertServices},
	{RuleCertSource, "source names exactly one of pfxFile or certFile; passwordFrom only goes with pfxFile.", checkCertSource},
	{RuleCertRequest, "request has an X.500 subjectName, valid domainNames, keySize 1024 (warning), 2048 or 4096, a friendlyName under 64 characters, a requestFile other than source.certFile, exactly one server in spec.servers, and goes with source.certFile, not pfxFile.", checkCertRequest},
	{RuleCertThumbprintSource, "thumbprint is declared, or determined by source or request.", checkCertThumbprintSource},
	{RuleCertRequestSubject, "two requests on one server have different subjects (the pending request is found by server and subject).", checkCertRequestSubject},
	{RuleCertPasswordFrom, "source.passwordFrom names exactly one of env or file.", checkCertPasswordFrom},
}

var hexThumbprint = regexp.MustCompile(`^[0-9A-Fa-f]{40}$`)

func checkCertThumbprint(c *checker, x *ExchangeCertificate) {
	t := x.Spec.Thumbprint
	if t == "" || hexThumbprint.MatchString(t) {
		return
	}
	msg := fmt.Sprintf("invalid thumbprint %q: want 40 hexadecimal digits (the SHA-1 hash of the certificate)", t)
	if strings.ContainsAny(t, " :\u200e\u200f\ufeff") {
		msg += "; remove spaces, colons and the invisible mark that the Windows certificate dialog adds when copying"
	} else if n := len(t); n != 40 {
		msg += fmt.Sprintf("; it has %d characters", n)
	}
	c.errorf("spec.thumbprint", "%s", msg)
}

func checkCertServers(c *checker, x *ExchangeCertificate) {
	if x.Spec.Servers != nil && len(x.Spec.Servers) == 0 {
		c.errorf("spec.servers", "list at least one server, or leave servers out for every Mailbox server of the organisation")
	}
	checkServerSet(c, "spec.servers", x.Spec.Servers, true)
}

func checkCertServices(c *checker, x *ExchangeCertificate) {
	s := x.Spec.Services
	if s == nil {
		return
	}
	if s.Has(value.ServiceFederation) {
		c.errorf("spec.services", "Federation is not enabled with Enable-ExchangeCertificate; use New-FederationTrust or Set-FederationTrust")
	}
	if s.Has(value.ServiceUM) || s.Has(value.ServiceUMCallRouter) {
		c.warnf("spec.services", "UM and UMCallRouter do not exist on Exchange 2019 and later, and need UMStartupMode TLS or Dual on 2013 and 2016")
	}
}

func checkCertSource(c *checker, x *ExchangeCertificate) {
	src := x.Spec.Source
	if src == nil {
		return
	}
	switch {
	case src.PFXFile == "" && src.CertFile == "":
		c.errorf("spec.source", "set one of pfxFile (certificate with private key) or certFile (certificate issued for a request made on the server)")
	case src.PFXFile != "" && src.CertFile != "":
		c.errorf("spec.source", "set only one of pfxFile or certFile, not both")
	case src.CertFile != "" && src.PasswordFrom != nil:
		c.errorf("spec.source.passwordFrom", "passwordFrom is the PFX password; a certFile has none")
	}
}

// x500Name is a distinguished name of attribute=value pairs separated by commas.
var x500Name = regexp.MustCompile(`^\s*[A-Za-z][A-Za-z0-9.]*\s*=[^=]+(,\s*[A-Za-z][A-Za-z0-9.]*\s*=[^=]+)*$`)

func checkCertRequest(c *checker, x *ExchangeCertificate) {
	req := x.Spec.Request
	if req == nil {
		return
	}
	if req.SubjectName != "" && !x500Name.MatchString(req.SubjectName) {
		c.errorf("spec.request.subjectName", "invalid subjectName %q: write an X.500 name such as \"C=US,O=Work,CN=mail.work.com\"", req.SubjectName)
	}
	for i, d := range req.DomainNames {
		p := fmt.Sprintf("spec.request.domainNames[%d]", i)
		_, err := value.ParseDomainWithSubdomains(d)
		switch {
		case err != nil:
			c.errorf(p, "%v", err)
		case d == "*":
			c.errorf(p, `invalid domain name "*": a wildcard certificate names its domain, such as *.work.com`)
		case slices.ContainsFunc(req.DomainNames[:i], func(e string) bool { return strings.EqualFold(e, d) }):
			c.errorf(p, "domain name %q is listed twice", d)
		}
	}
	switch k := req.KeySize; {
	case k == nil, *k == 2048, *k == 4096:
	case *k == 1024:
		c.warnf("spec.request.keySize", "keySize 1024 is below 2048: public CAs refuse such keys and NIST deprecated them in 2013; use 2048 unless your CA asks for 1024 (seed 000's did)")
	default:
		c.errorf("spec.request.keySize", "invalid keySize %d: allowed values are 1024, 2048, 4096", *k)
	}
	if n := len([]rune(req.FriendlyName)); n >= 64 {
		c.errorf("spec.request.friendlyName", "friendlyName has %d characters; Exchange wants less than 64", n)
	}
	if req.RequestFile != "" && x.Spec.Source != nil && x.Spec.Source.CertFile != "" &&
		filepath.Clean(req.RequestFile) == filepath.Clean(x.Spec.Source.CertFile) {
		c.errorf("spec.request.requestFile", "requestFile is where the CSR is written, source.certFile the certificate the CA issued: name two files")
	}
	servers := x.Spec.Servers
	if !c.v.site.written(x, "spec.servers") {
		servers = nil
	}
	switch len(servers) {
	case 0:
		c.errorf("spec.servers", "a request names exactly one server in spec.servers: the one whose store makes and keeps the private key (the issued certificate can be imported only there)")
	case 1:
	default:
		c.errorf("spec.servers", "a request names exactly one server, where its private key stays, not %d; declare one ExchangeCertificate with a request per server", len(servers))
	}
	if x.Spec.Source != nil && x.Spec.Source.PFXFile != "" {
		c.errorf("spec.request", "request is for the CSR flow, which imports the issued certificate from source.certFile; a pfxFile brings its own private key")
	}
}

func checkCertThumbprintSource(c *checker, x *ExchangeCertificate) {
	if x.Spec.Thumbprint == "" && x.Spec.Source == nil && x.Spec.Request == nil {
		c.errorf("spec.thumbprint", "declare thumbprint, or a source (or request) that determines it")
	}
}

func checkCertRequestSubject(c *checker, x *ExchangeCertificate) {
	if x.Spec.Request == nil || len(x.Spec.Servers) != 1 {
		return
	}
	for _, o := range c.v.site.ExchangeCertificates() {
		if o == x {
			return // report the later one only
		}
		if o.Spec.Request == nil || len(o.Spec.Servers) != 1 || c.v.site.Organization(o) != c.org ||
			!strings.EqualFold(o.Spec.Servers[0], x.Spec.Servers[0]) || dnKey(o.Spec.Request.SubjectName) != dnKey(x.Spec.Request.SubjectName) {
			continue
		}
		c.errorf("spec.request.subjectName", "ExchangeCertificate %q also requests %q on %s: the pending request is found by server and subject, "+
			"so two requests on one server need two subjects", o.Name, x.Spec.Request.SubjectName, x.Spec.Servers[0])
		return
	}
}

// dnKey is an X.500 name as a comparable text: its attribute=value pairs, upper-cased attribute
// names (ST as S), trimmed, sorted. Exchange prints the subject in the reverse order of
// -SubjectName, so the order does not count.
func dnKey(dn string) string {
	var pairs []string
	for _, p := range strings.Split(dn, ",") {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		if k == "ST" {
			k = "S"
		}
		pairs = append(pairs, k+"="+strings.ToLower(strings.TrimSpace(v)))
	}
	slices.Sort(pairs)
	return strings.Join(pairs, ",")
}

func checkCertPasswordFrom(c *checker, x *ExchangeCertificate) {
	if x.Spec.Source != nil {
		checkPasswordFrom(c, "spec.source.passwordFrom", x.Spec.Source.PasswordFrom)
	}
}
