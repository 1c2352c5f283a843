package exchange

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
	"software.sslmate.com/src/go-pkcs12"
)

// One key for all the test certificates here (RSA generation is slow).
var (
	tlsKeyOnce sync.Once
	tlsKey     *rsa.PrivateKey
)

func tlsTestKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	tlsKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		tlsKey = k
	})
	return tlsKey
}

// issuedPFX is a PFX of a certificate the test CA issued for dns names,
// valid from notBefore for a year.
func issuedPFX(t testing.TB, cn string, dns []string, notBefore time.Time) []byte {
	t.Helper()
	c := theCA(t)
	key := tlsTestKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		DNSNames: dns, NotBefore: notBefore, NotAfter: notBefore.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &key.PublicKey, c.key)
	if err != nil {
		t.Fatal(err)
	}
	parsed, _ := x509.ParseCertificate(der)
	pfx, err := pkcs12.Modern.Encode(key, parsed, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	return pfx
}

func TestSTARTTLSSelection(t *testing.T) {
	month := testClock.AddDate(0, -1, 0)
	type cert struct {
		cn     string
		dns    []string
		nb     time.Time
		smtp   bool
		expect bool // the one selection should return
	}
	cases := []struct {
		name      string
		certs     []cert
		set       args // Set-ReceiveConnector "Default Frontend WIN20081"
		wantSelf  bool // the Exchange self-signed default is presented
		wantNone  string
		wantEvent bool
		reason    string
	}{
		{name: "fresh server", wantSelf: true,
			reason: "the self-signed certificate setup enables for SMTP names the server FQDN"},
		{name: "CA-issued before self-signed",
			certs:  []cert{{cn: "win20081.work.com", dns: []string{"win20081.work.com"}, nb: month, smtp: true, expect: true}},
			reason: "a CA-issued certificate is preferred over a self-signed one"},
		{name: "not enabled for SMTP", wantSelf: true,
			certs:  []cert{{cn: "win20081.work.com", dns: []string{"win20081.work.com"}, nb: month}},
			reason: "only SMTP-enabled certificates are candidates (event 12014: Enable-ExchangeCertificate -Services SMTP)"},
		{name: "exact before wildcard", set: args{"Fqdn": "mail.work.com"},
			certs: []cert{{cn: "*.work.com", dns: []string{"*.work.com"}, nb: month.AddDate(0, 0, 10), smtp: true},
				{cn: "mail.work.com", dns: []string{"mail.work.com"}, nb: month, smtp: true, expect: true}},
			reason: "an exact name wins even over a newer wildcard"},
		{name: "wildcard covers one label", set: args{"Fqdn": "mail.work.com"},
			certs:  []cert{{cn: "*.work.com", dns: []string{"*.work.com"}, nb: month, smtp: true, expect: true}},
			reason: "*.work.com covers mail.work.com"},
		{name: "wildcard does not cover two labels", set: args{"Fqdn": "a.mail.work.com"}, wantNone: "NoCertificateForFqdn", wantEvent: true,
			certs:  []cert{{cn: "*.work.com", dns: []string{"*.work.com"}, nb: month, smtp: true}},
			reason: "a wildcard covers a single label"},
		{name: "newest NotBefore", set: args{"Fqdn": "mail.work.com"},
			certs: []cert{{cn: "mail.work.com", dns: []string{"mail.work.com"}, nb: month, smtp: true},
				{cn: "mail.work.com", dns: []string{"mail.work.com", "smtp.work.com"}, nb: month.AddDate(0, 0, 7), smtp: true, expect: true}},
			reason: "among equals, the most recent NotBefore"},
		{name: "expired not used", set: args{"Fqdn": "mail.work.com"}, wantNone: "NoCertificateForFqdn", wantEvent: true,
			certs:  []cert{{cn: "mail.work.com", dns: []string{"mail.work.com"}, nb: testClock.AddDate(-2, 0, 0), smtp: true}},
			reason: "an expired certificate is not presented"},
		{name: "TlsCertificateName", set: args{"Fqdn": "other.work.com", "TlsCertificateName": "<I>CN=Zeeman7 Test CA<S>CN=mail.work.com"},
			certs:  []cert{{cn: "mail.work.com", dns: []string{"mail.work.com"}, nb: month, expect: true}},
			reason: "the named certificate, whatever the Fqdn and the Services"},
		{name: "TlsCertificateName absent", set: args{"TlsCertificateName": "<I>CN=R11, O=Let's Encrypt, C=US<S>CN=mail.work.com"},
			wantNone: "TlsCertificateNameNotFound", wantEvent: true,
			reason: "a name that matches nothing: no STARTTLS (event 12014), no fallback to the Fqdn"},
		{name: "no Tls auth", set: args{"AuthMechanism": "ExchangeServer", "DomainSecureEnabled": false}, wantNone: "TlsNotEnabled",
			reason: "without Tls in AuthMechanism STARTTLS is not advertised"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := newTestOrg(t)
			sh := remoteShell(t, o, "WIN20081")
			want := ""
			for _, c := range tc.certs {
				out := sh.must("Import-ExchangeCertificate", args{"FileData": issuedPFX(t, c.cn, c.dns, c.nb), "Password": ps.NewSecureString("pw")})
				th := thumbOf(t, out)
				if c.smtp {
					sh.must("Enable-ExchangeCertificate", args{"Thumbprint": th, "Services": "SMTP", "Force": true})
				}
				if c.expect {
					want = th
				}
			}
			if tc.wantSelf {
				s, _ := o.Server("WIN20081")
				for _, c := range s.certs {
					if c.friendly == "Microsoft Exchange" {
						want = c.thumbprint()
					}
				}
			}
			if tc.set != nil {
				a := args{"Identity": "Default Frontend WIN20081"}
				for k, v := range tc.set {
					a[k] = v
				}
				sh.must("Set-ReceiveConnector", a)
			}
			got, err := o.STARTTLSCertificate("WIN20081", `WIN20081\Default Frontend WIN20081`)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantNone != "" {
				if got.Cert != nil || got.Reason != tc.wantNone || (got.Event != "") != tc.wantEvent {
					t.Fatalf("%s: got %+v, want none (%s)", tc.reason, got, tc.wantNone)
				}
				return
			}
			if got.Cert == nil || got.Cert.Thumbprint != want {
				t.Fatalf("%s: got %+v, want %s", tc.reason, got.Cert, want)
			}
			if _, err := tls.X509KeyPair(pemCert(got.Cert.DER), pemKey(t, got.Cert.Key)); err != nil {
				t.Fatalf("the key must pair with the certificate: %v", err)
			}
		})
	}
}

func pemKey(t testing.TB, k any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func TestReceiveConnectorSnapshot(t *testing.T) {
	o := newTestOrg(t)
	gen, ch := o.Changes()
	list, err := o.ReceiveConnectors("win20081.work.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 5 {
		t.Fatalf("a 2019 Mailbox server has 5 default connectors, got %d", len(list))
	}
	var front ReceiveConnectorInfo
	for _, c := range list {
		if c.Name == "Default Frontend WIN20081" {
			front = c
		}
	}
	if front.Fqdn != "win20081.work.com" || front.TransportRole != "FrontendTransport" || !front.HasAuth("Tls") ||
		!front.HasPermission("AnonymousUsers") || front.MaxMessageSize != 36<<20 || len(front.Bindings) != 2 ||
		!front.Enabled || front.RequireTLS {
		t.Fatalf("Default Frontend snapshot: %+v", front)
	}
	if !front.RemoteIPRanges[1].Contains(netip.MustParseAddr("192.0.2.1")) || front.RemoteIPRanges[1].Contains(netip.MustParseAddr("::1")) {
		t.Errorf("ranges: %+v", front.RemoteIPRanges)
	}
	select {
	case <-ch:
		t.Fatal("no change yet")
	default:
	}
	sh := remoteShell(t, o, "WIN20081")
	sh.must("Set-ReceiveConnector", args{"Identity": "Default Frontend WIN20081", "Banner": "220 hello", "RequireTLS": true,
		"RemoteIPRanges": []any{"10.0.0.0/8"}})
	select {
	case <-ch:
	default:
		t.Fatal("a change must close the channel")
	}
	if g2, _ := o.Changes(); g2 <= gen {
		t.Errorf("generation %d after %d", g2, gen)
	}
	list, _ = o.ReceiveConnectors("WIN20081")
	for _, c := range list {
		if c.Name == "Default Frontend WIN20081" && (c.Banner != "220 hello" || !c.RequireTLS || len(c.RemoteIPRanges) != 1 ||
			!c.RemoteIPRanges[0].Contains(netip.MustParseAddr("10.1.2.3"))) {
			t.Errorf("after Set: %+v", c)
		}
	}
	if _, err := o.ReceiveConnectors("NOPE"); err == nil {
		t.Error("unknown server")
	}
}
