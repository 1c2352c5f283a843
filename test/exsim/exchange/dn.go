package exchange

import (
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"

	"crypto/x509/pkix"
)

// X.500 names as Windows reads and prints them: -SubjectName
// "C=CA,S=ON,O=Org,CN=name" keeps the order given (CertStrToName), and
// .NET's X500DistinguishedName.Name prints the RDNs last first joined by
// ", " (seed 000: "CN=e2k10.poc, O=E2K10, S=ON, C=CA").

var dnKeys = []struct {
	key string
	oid asn1.ObjectIdentifier
	ia5 bool
}{
	{"CN", asn1.ObjectIdentifier{2, 5, 4, 3}, false},
	{"C", asn1.ObjectIdentifier{2, 5, 4, 6}, false},
	{"L", asn1.ObjectIdentifier{2, 5, 4, 7}, false},
	{"S", asn1.ObjectIdentifier{2, 5, 4, 8}, false},
	{"STREET", asn1.ObjectIdentifier{2, 5, 4, 9}, false},
	{"O", asn1.ObjectIdentifier{2, 5, 4, 10}, false},
	{"OU", asn1.ObjectIdentifier{2, 5, 4, 11}, false},
	{"T", asn1.ObjectIdentifier{2, 5, 4, 12}, false},
	{"SN", asn1.ObjectIdentifier{2, 5, 4, 4}, false},
	{"SERIALNUMBER", asn1.ObjectIdentifier{2, 5, 4, 5}, false},
	{"G", asn1.ObjectIdentifier{2, 5, 4, 42}, false},
	{"DC", asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}, true},
	{"E", asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, true},
}

// dnAliases are other spellings CertStrToName accepts.
var dnAliases = map[string]string{"ST": "S", "EMAIL": "E", "GIVENNAME": "G", "SURNAME": "SN"}

// errBadDN is .NET's CryptographicException text for an unparsable name.
const errBadDN = "The string contains an invalid X500 name attribute key, oid, value or delimiter."

// parseDN encodes an X.500 name string as DER.
func parseDN(s string) ([]byte, error) {
	parts, err := splitDN(s)
	if err != nil {
		return nil, err
	}
	var seq pkix.RDNSequence
	for _, part := range parts {
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.ToUpper(strings.TrimSpace(k)), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf(errBadDN)
		}
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = strings.ReplaceAll(v[1:len(v)-1], `""`, `"`)
		}
		if a, isAlias := dnAliases[k]; isAlias {
			k = a
		}
		var oid asn1.ObjectIdentifier
		ia5 := false
		for _, d := range dnKeys {
			if d.key == k {
				oid, ia5 = d.oid, d.ia5
			}
		}
		if oid == nil {
			if !strings.HasPrefix(k, "OID.") {
				return nil, fmt.Errorf(errBadDN)
			}
			for _, n := range strings.Split(k[4:], ".") {
				var x int
				if _, err := fmt.Sscanf(n, "%d", &x); err != nil {
					return nil, fmt.Errorf(errBadDN)
				}
				oid = append(oid, x)
			}
		}
		var value any = v
		if ia5 {
			value = asn1.RawValue{Tag: asn1.TagIA5String, Bytes: []byte(v)}
		} else if !isPrintable(v) {
			value = asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(v)}
		}
		seq = append(seq, []pkix.AttributeTypeAndValue{{Type: oid, Value: value}})
	}
	return asn1.Marshal(seq)
}

// splitDN splits at , and ; outside double quotes; an empty part (a
// trailing comma) is an error as in CertStrToName.
func splitDN(s string) ([]string, error) {
	var parts []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case (r == ',' || r == ';') && !quoted:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	parts = append(parts, cur.String())
	if quoted {
		return nil, fmt.Errorf(errBadDN)
	}
	for _, p := range parts {
		if strings.TrimSpace(p) == "" {
			return nil, fmt.Errorf(errBadDN)
		}
	}
	return parts, nil
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" '()+,-./:=?", r)) {
			return false
		}
	}
	return true
}

// formatDN prints a DER name as X500DistinguishedName.Name does.
func formatDN(raw []byte) string {
	var seq pkix.RDNSequence
	if _, err := asn1.Unmarshal(raw, &seq); err != nil {
		return ""
	}
	out := make([]string, 0, len(seq))
	for i := len(seq) - 1; i >= 0; i-- {
		var attrs []string
		for _, a := range seq[i] {
			key := "OID." + a.Type.String()
			for _, d := range dnKeys {
				if d.oid.Equal(a.Type) {
					key = d.key
				}
			}
			attrs = append(attrs, key+"="+quoteDNValue(fmt.Sprint(a.Value)))
		}
		out = append(out, strings.Join(attrs, " + "))
	}
	return strings.Join(out, ", ")
}

func quoteDNValue(v string) string {
	if v == "" || strings.ContainsAny(v, ",+=\"\n<>#;") || strings.TrimSpace(v) != v {
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	}
	return v
}

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
