package v1alpha1

import "strings"

// Rule names for TrustedRootCertificate.
const (
	RuleTrustedRootFile    = "TrustedRootFile"
	RuleTrustedRootServers = "TrustedRootServers"
)

var trustedRootRules = []rule[*TrustedRootCertificate]{
	{RuleTrustedRootFile, "file names a certificate file (.cer, .crt, .pem, .der), not a PFX.", checkTrustedRootFile},
	{RuleTrustedRootServers, "servers are declared servers of the organisation, each once.", checkTrustedRootServers},
}

func checkTrustedRootFile(c *checker, x *TrustedRootCertificate) {
	f := strings.ToLower(x.Spec.File)
	if strings.HasSuffix(f, ".pfx") || strings.HasSuffix(f, ".p12") {
		c.errorf("spec.file", "%s looks like a PFX; a trusted root is the CA's public certificate (DER or PEM), never a file with a private key", x.Spec.File)
	}
}

func checkTrustedRootServers(c *checker, x *TrustedRootCertificate) {
	if x.Spec.Servers != nil && len(x.Spec.Servers) == 0 {
		c.errorf("spec.servers", "list at least one server, or leave servers out for every server of the organisation")
	}
	checkServerSet(c, "spec.servers", x.Spec.Servers, true)
}
