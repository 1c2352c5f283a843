package verify

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"
)

// windowsNames are the attribute names Windows' X500DistinguishedName uses,
// the form Get-ExchangeCertificate prints Issuer and Subject in, and so the
// form of TlsCertificateName ("<I>issuer<S>subject").
var windowsNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.11":                   "OU",
	"2.5.4.10":                   "O",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "S",
	"2.5.4.6":                    "C",
	"2.5.4.9":                    "STREET",
	"2.5.4.5":                    "SERIALNUMBER",
	"2.5.4.12":                   "T",
	"2.5.4.42":                   "G",
	"2.5.4.4":                    "SN",
	"1.2.840.113549.1.9.1":       "E",
	"0.9.2342.19200300.100.1.25": "DC",
}

// windowsDN prints a DER-encoded name as Windows does: most specific RDN
// first, ", " between RDNs, " + " inside a multi-valued RDN.
func windowsDN(raw []byte) string {
	var seq pkix.RDNSequence
	if _, err := asn1.Unmarshal(raw, &seq); err != nil {
		return ""
	}
	parts := make([]string, 0, len(seq))
	for i := len(seq) - 1; i >= 0; i-- {
		var atvs []string
		for _, atv := range seq[i] {
			name, ok := windowsNames[atv.Type.String()]
			if !ok {
				name = "OID." + atv.Type.String()
			}
			atvs = append(atvs, name+"="+quoteDNValue(fmt.Sprint(atv.Value)))
		}
		parts = append(parts, strings.Join(atvs, " + "))
	}
	return strings.Join(parts, ", ")
}

// quoteDNValue quotes a value holding a separator, as Windows does.
func quoteDNValue(v string) string {
	if strings.ContainsAny(v, `,+=<>#;"`) || strings.TrimSpace(v) != v {
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	}
	return v
}

// sameDN compares two names in Windows' form, ignoring letter case and the
// blanks around separators (an administrator may type "CN=a,O=b").
func sameDN(a, b string) bool { return normalizeDN(a) == normalizeDN(b) }

func normalizeDN(s string) string {
	var out []string
	for _, rdn := range strings.Split(s, ",") {
		var atvs []string
		for _, atv := range strings.Split(rdn, "+") {
			k, v, _ := strings.Cut(atv, "=")
			atvs = append(atvs, strings.ToUpper(strings.TrimSpace(k))+"="+strings.ToLower(strings.TrimSpace(v)))
		}
		out = append(out, strings.Join(atvs, "+"))
	}
	return strings.Join(out, ",")
}
