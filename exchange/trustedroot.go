package exchange

import (
	"fmt"
	"strings"
	"time"
)

// ObservedRoot is one certificate of a server's LocalMachine Root store
// (Trusted Root Certification Authorities), as Get-ChildItem
// Cert:\LocalMachine\Root lists it.
type ObservedRoot struct {
	// Thumbprint is upper-case hex, as Windows prints it.
	Thumbprint   string           `json:"thumbprint"`
	Subject      string           `json:"subject"`
	Issuer       string           `json:"issuer"`
	NotBefore    time.Time        `json:"notBefore"`
	NotAfter     time.Time        `json:"notAfter"`
	FriendlyName string           `json:"friendlyName,omitempty"`
	Problems     []*PropertyError `json:"problems,omitempty"`
}

// rootStorePath is the Cert: drive path of the machine's Trusted Root
// Certification Authorities store.
const rootStorePath = `Cert:\LocalMachine\Root`

const rootFrame = "roots"

var rootProperties = []string{"Thumbprint", "Subject", "Issuer", "NotBefore", "NotAfter", "FriendlyName"}

// rootPart lists the Root store. Get-ChildItem runs in the WinRM session on
// the server itself (the Cert: provider exists on PowerShell 2.0), not
// through the Exchange session.
func rootPart() observePart {
	get := newCall("Get-ChildItem").Arg("Path", lit(rootStorePath))
	return observePart{frame: rootFrame, get: *get, props: rootProperties}
}

func parseRoots(scan *stdoutScan) ([]ObservedRoot, error) {
	recs, err := frameRecords(scan, rootFrame, "root certificate", "Thumbprint")
	if err != nil {
		return nil, err
	}
	out := make([]ObservedRoot, 0, len(recs))
	for _, r := range recs {
		c := ObservedRoot{
			Thumbprint:   strings.ToUpper(strings.TrimSpace(r.str("Thumbprint"))),
			Subject:      r.str("Subject"),
			Issuer:       r.str("Issuer"),
			NotBefore:    parsed(r, "NotBefore", parseDateTime),
			NotAfter:     parsed(r, "NotAfter", parseDateTime),
			FriendlyName: r.str("FriendlyName"),
		}
		c.Problems = r.problems
		out = append(out, c)
	}
	return out, nil
}

// x509StoreType and x509CertType are the .NET classes the Root store calls
// use; both exist in .NET 2.0, so the calls work on PowerShell 2.0 (Exchange
// 2010) as on later versions, with no PKI module.
const (
	x509StoreType = "System.Security.Cryptography.X509Certificates.X509Store"
	x509CertType  = "System.Security.Cryptography.X509Certificates.X509Certificate2"
)

// openRootStore is the statements that open the machine's Root store for
// writing into $rootStore.
func openRootStore() []Code {
	return []Code{
		raw("$rootStore = New-Object -TypeName " + x509StoreType + " -ArgumentList 'Root','LocalMachine'"),
		raw("$rootStore.Open('ReadWrite')"),
	}
}

// AddTrustedRoot builds the statements that add a CA certificate (DER) to
// the LocalMachine Root store of the server the script runs on:
// X509Store.Open('ReadWrite'), Add, Close. Add of a certificate already in
// the store changes nothing. The bytes are public (a CA certificate holds
// no key); they travel in the data frame like every byte array.
func AddTrustedRoot(der []byte, thumbprint string) (Call, error) {
	if len(der) == 0 {
		return Call{}, fmt.Errorf("%w: root certificate %s is empty", ErrInvalidRequest, thumbprint)
	}
	body := append(openRootStore(),
		concat(raw("$rootCert = New-Object -TypeName "+x509CertType+" -ArgumentList (,"), byteArray(der, false), raw(")")),
		raw("$rootStore.Add($rootCert)"),
		raw("$rootStore.Close()"))
	return Call{Cmdlet: "X509Store.Add", body: body, builtins: []Call{
		{Cmdlet: "New-Object", Params: []Param{{Name: "TypeName"}, {Name: "ArgumentList"}}}}}, nil
}

// RemoveTrustedRoot builds the statements that remove exactly the
// certificate with thumbprint from the LocalMachine Root store: it is read
// by its Cert: path (a missing one fails with ItemNotFound, so a root that
// is not there is reported, not silently skipped), then X509Store.Remove.
func RemoveTrustedRoot(thumbprint string) (Call, error) {
	t := strings.ToUpper(thumbprint)
	if !isThumbprint(t) {
		return Call{}, fmt.Errorf("%w: %q is not a thumbprint", ErrInvalidRequest, thumbprint)
	}
	body := append(openRootStore(),
		concat(raw("$rootCert = @(Get-ChildItem -Path "), lit(rootStorePath+`\`+t), raw(")[0]")),
		raw("$rootStore.Remove($rootCert)"),
		raw("$rootStore.Close()"))
	return Call{Cmdlet: "X509Store.Remove", body: body, builtins: []Call{
		{Cmdlet: "New-Object", Params: []Param{{Name: "TypeName"}, {Name: "ArgumentList"}}},
		{Cmdlet: "Get-ChildItem", Params: []Param{{Name: "Path"}}}}}, nil
}

func isThumbprint(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}
