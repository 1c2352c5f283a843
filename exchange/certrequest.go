package exchange

import (
	"fmt"
	"strings"
)

// RequestOptions are the parameters of New-ExchangeCertificate
// -GenerateRequest that exreconcile sets.
type RequestOptions struct {
	// SubjectName is -SubjectName, an X.500 name ("C=US,O=Work,CN=mail.work.com").
	SubjectName string
	// DomainNames is -DomainName (Exchange adds the subject's CN itself).
	DomainNames []string
	// KeySize is -KeySize (1024, 2048, 4096); 0 leaves Exchange's default (2048).
	KeySize int
	// FriendlyName is -FriendlyName; "" leaves Exchange's default.
	FriendlyName string
	// PrivateKeyExportable is -PrivateKeyExportable; nil leaves the default ($false).
	PrivateKeyExportable *bool
}

// NewCertificateRequest builds New-ExchangeCertificate -GenerateRequest on
// server: Windows makes the key pair there and keeps the private key with a
// pending request (Status PendingRequest); the PKCS #10 request is printed.
// The apply script sends printed output to Out-Null, so the request text is
// read back from the pending request's CertificateRequest property by the
// verification that ends the same command. -RequestFile is not used: it
// exists only on 2013 and writes on the server, not where exreconcile runs.
func NewCertificateRequest(v Version, server string, o RequestOptions) (Call, error) {
	if strings.TrimSpace(o.SubjectName) == "" {
		return Call{}, fmt.Errorf("%w: a certificate request for %s needs a subject name", ErrInvalidRequest, server)
	}
	c := newCall("New-ExchangeCertificate").Arg("Server", lit(server)).Switch("GenerateRequest").
		Arg("SubjectName", lit(o.SubjectName))
	if len(o.DomainNames) > 0 {
		c.Arg("DomainName", lits(o.DomainNames))
	}
	if o.KeySize != 0 {
		c.Arg("KeySize", integer(int64(o.KeySize)))
	}
	if o.FriendlyName != "" {
		c.Arg("FriendlyName", lit(o.FriendlyName))
	}
	c.optBool("PrivateKeyExportable", o.PrivateKeyExportable)
	return *c, CheckCall(v, *c)
}
