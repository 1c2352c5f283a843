package controller

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// ccNow is the clock of the cross-check tests.
var ccNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// ccOrg declares WIN20081 (2019) and WIN20082 of work-com.
const ccOrg = `apiVersion: exreconcile.io/v1alpha1
kind: ExchangeOrganization
metadata: {name: work-com}
spec:
  servers:
    - name: WIN20081
      endpoint: https://win20081.work.com:5986/wsman
    - name: WIN20082
      endpoint: https://win20082.work.com:5986/wsman
  auth:
    username: 'WORK\svc-exreconcile'
    passwordFrom: {env: CC_TEST_PASSWORD}
`

// ccLoad validates manifests written to a temporary folder, as the CLI does.
func ccLoad(t *testing.T, manifests string) *v1alpha1.Site {
	t.Helper()
	return loadSiteIn(t, t.TempDir(), manifests)
}

// ccPlan plans site against the observations by server name (a server
// without one could not be observed) with the prepared certificate sources.
func ccPlan(t *testing.T, site *v1alpha1.Site, obs map[string]*exchange.Observation, certs map[string]*certSource) *ChangeSet {
	t.Helper()
	org := site.Organizations()[0]
	r := &runner{site: site, opts: Options{Mode: ModePlan, Now: func() time.Time { return ccNow }}}
	if certs == nil {
		certs = map[string]*certSource{}
	}
	o := &orgRun{org: org, creds: map[string]*exchange.CredentialSpec{}, certs: certs}
	for _, srv := range org.Spec.Servers {
		s := &serverRun{spec: srv, obs: obs[srv.Name]}
		if s.obs == nil {
			s.err = errors.New("connection refused")
		} else if o.orgServer == nil {
			o.orgServer, s.readsOrg = s, true
		}
		o.servers = append(o.servers, s)
	}
	cs := &ChangeSet{}
	r.plan(o, cs)
	return cs
}

// ccObservation is a healthy 2019 server: its self-signed certificate holds
// SMTP for its own names, and its Default connector answers with its FQDN.
func ccObservation(name string) *exchange.Observation {
	fqdn := strings.ToLower(name) + ".work.com"
	return &exchange.Observation{
		Server: exchange.ObservedServer{Name: name, Fqdn: fqdn, Version: exchange.Exchange2019},
		Certificates: []exchange.ObservedCertificate{{Thumbprint: "AA00000000000000000000000000000000000001",
			Services: value.ServiceSMTP | value.ServiceIIS, Status: "Valid", HasPrivateKey: true, NotAfter: ccNow.AddDate(2, 0, 0),
			Subject: "CN=" + name, Issuer: "CN=" + name, CertificateDomains: []string{name, fqdn}}},
		ReceiveConnectors: []exchange.ObservedReceiveConnector{{Name: "Default " + name, Identity: name + `\Default ` + name, Server: name,
			Fqdn: fqdn, AuthMechanism: value.AuthTls | value.AuthIntegrated}},
	}
}

// ccCert is an observed certificate enabled for SMTP with the given domains.
func ccCert(thumb, subject string, domains ...string) exchange.ObservedCertificate {
	return exchange.ObservedCertificate{Thumbprint: thumb, Services: value.ServiceSMTP, Status: "Valid", HasPrivateKey: true,
		NotAfter: ccNow.AddDate(1, 0, 0), Subject: subject, Issuer: "CN=Work CA, O=Work", CertificateDomains: domains}
}

// ccIssue makes a CA-issued certificate (ECDSA: the tests only read it).
func ccIssue(t *testing.T, subject pkix.Name, dns []string, notAfter time.Time) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Work CA", Organization: []string{"Work"}},
		NotBefore: ccNow.AddDate(-1, 0, 0), NotAfter: ccNow.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(0x14F0301300000003), Subject: subject, DNSNames: dns,
		NotBefore: ccNow.AddDate(0, -1, 0), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

const (
	ccThumbPartner = "BB00000000000000000000000000000000000002"
	ccThumbWild    = "CC00000000000000000000000000000000000003"
	ccThumbPending = "DD00000000000000000000000000000000000004"
)

// ccView is what a cross-check test compares of one entry: its notes as
// "severity Reason", and whether apply would run anything for it.
type ccView struct {
	Notes []string
	Calls bool
}

func ccViews(cs *ChangeSet, kinds ...string) map[string]ccView {
	out := map[string]ccView{}
	for _, e := range cs.Entries {
		want := len(kinds) == 0
		for _, k := range kinds {
			want = want || e.Kind == k
		}
		if !want {
			continue
		}
		v := ccView{Calls: len(e.calls) > 0}
		for _, n := range e.Notes {
			if n.Reason != ReasonOtherCertificateHoldsSMTP {
				v.Notes = append(v.Notes, string(n.Severity)+" "+string(n.Reason))
			}
		}
		out[e.Identity.String()] = v
	}
	return out
}

func TestCrossCheckConnectorCertificates(t *testing.T) {
	partnerCert, _ := ccIssue(t, pkix.Name{CommonName: "mail.x.com", Organization: []string{"Work"}}, []string{"mail.x.com"}, ccNow.AddDate(1, 0, 0))
	partnerSrc := &certSource{data: partnerCert.Raw, thumbprint: thumbprintOfCC(partnerCert), file: "partner.pfx", cert: partnerCert}
	partnerCER := &certSource{data: partnerCert.Raw, thumbprint: thumbprintOfCC(partnerCert), file: "partner.cer", cert: partnerCert, keyless: true}
	declared := func(thumb string) string {
		return "---\napiVersion: exreconcile.io/v1alpha1\nkind: ExchangeCertificate\nmetadata: {name: partner}\nspec:\n  thumbprint: " + thumb +
			"\n  servers: [WIN20081]\n  services: [SMTP]\n"
	}
	receive := func(extra string) string {
		return "---\napiVersion: exreconcile.io/v1alpha1\nkind: ReceiveConnector\nmetadata: {name: From Partner}\nspec:\n  server: WIN20081\n" +
			"  bindings: [\"0.0.0.0:2526\"]\n  remoteIPRanges: [192.0.2.10]\n" + extra
	}
	send := func(extra string) string {
		return "---\napiVersion: exreconcile.io/v1alpha1\nkind: SendConnector\nmetadata: {name: To Partner}\nspec:\n  addressSpaces: [partner.example]\n" +
			"  dnsRoutingEnabled: true\n  sourceTransportServers: [WIN20081]\n" + extra
	}
	const rcSubject, scSubject = `ReceiveConnector "WIN20081\From Partner"`, `SendConnector "To Partner"`
	existing := exchange.ObservedReceiveConnector{Name: "From Partner", Identity: `WIN20081\From Partner`, Server: "WIN20081",
		Bindings: bindings("0.0.0.0:2526"), RemoteIPRanges: ipRanges("192.0.2.10"), Fqdn: "win20081.work.com", AuthMechanism: value.AuthTls}

	tests := []struct {
		name      string
		reason    string
		manifests string
		observe   func(o *exchange.Observation)
		certs     map[string]*certSource
		want      map[string]ccView
	}{
		{name: "CoveredByServerCertificate", reason: "the server's own SMTP certificate covers its FQDN",
			manifests: receive("  fqdn: WIN20081.Work.com\n"),
			want:      map[string]ccView{rcSubject: {Calls: true}}},
		{name: "NotCovered", reason: "no SMTP certificate covers the FQDN: an error, and the connector is not created",
			manifests: receive("  fqdn: mail.x.com\n"),
			want:      map[string]ccView{rcSubject: {Notes: []string{"error " + string(ReasonNoCertificateForFqdn)}}}},
		{name: "CoveredByObservedCertificate", reason: "a certificate enabled for SMTP by hand counts",
			manifests: receive("  fqdn: mail.x.com\n"),
			observe: func(o *exchange.Observation) {
				o.Certificates = append(o.Certificates, ccCert(ccThumbPartner, "CN=mail.x.com", "mail.x.com"))
			},
			want: map[string]ccView{rcSubject: {Calls: true}}},
		{name: "ObservedWithoutSMTP", reason: "a certificate not enabled for SMTP is not offered",
			manifests: receive("  fqdn: mail.x.com\n"),
			observe: func(o *exchange.Observation) {
				c := ccCert(ccThumbPartner, "CN=mail.x.com", "mail.x.com")
				c.Services = value.ServiceIIS
				o.Certificates = append(o.Certificates, c)
			},
			want: map[string]ccView{rcSubject: {Notes: []string{"error " + string(ReasonNoCertificateForFqdn)}}}},
		{name: "ObservedWithoutKey", reason: "a certificate without its private key cannot be offered",
			manifests: receive("  fqdn: mail.x.com\n"),
			observe: func(o *exchange.Observation) {
				c := ccCert(ccThumbPartner, "CN=mail.x.com", "mail.x.com")
				c.HasPrivateKey = false
				o.Certificates = append(o.Certificates, c)
			},
			want: map[string]ccView{rcSubject: {Notes: []string{"error " + string(ReasonNoCertificateForFqdn)}}}},
		{name: "WildcardOneLabel", reason: "*.x.com covers mail.x.com",
			manifests: receive("  fqdn: mail.x.com\n"),
			observe: func(o *exchange.Observation) {
				o.Certificates = append(o.Certificates, ccCert(ccThumbWild, "CN=*.x.com", "*.x.com"))
			},
			want: map[string]ccView{rcSubject: {Calls: true}}},
		{name: "WildcardTwoLabels", reason: "*.x.com does not cover a.mail.x.com",
			manifests: receive("  fqdn: a.mail.x.com\n"),
			observe: func(o *exchange.Observation) {
				o.Certificates = append(o.Certificates, ccCert(ccThumbWild, "CN=*.x.com", "*.x.com"))
			},
			want: map[string]ccView{rcSubject: {Notes: []string{"error " + string(ReasonNoCertificateForFqdn)}}}},
		{name: "DeclaredPFX", reason: "a certificate imported and enabled for SMTP in the same run covers the FQDN",
			manifests: declared(thumbprintOfCC(partnerCert)) + receive("  fqdn: mail.x.com\n"),
			certs:     map[string]*certSource{thumbprintOfCC(partnerCert): partnerSrc},
			want: map[string]ccView{rcSubject: {Calls: true},
				`ExchangeCertificate "partner" on WIN20081`: {Calls: true}}},
		{name: "DeclaredCERWithoutRequest", reason: "an issued certificate without a pending request will lack its key: it covers nothing",
			manifests: declared(thumbprintOfCC(partnerCert)) + receive("  fqdn: mail.x.com\n"),
			certs:     map[string]*certSource{thumbprintOfCC(partnerCert): partnerCER},
			want: map[string]ccView{rcSubject: {Notes: []string{"error " + string(ReasonNoCertificateForFqdn)}},
				`ExchangeCertificate "partner" on WIN20081`: {Notes: []string{"error " + string(ReasonPrivateKeyMissing)}, Calls: true}}},
		{name: "DeclaredCERCompletingRequest", reason: "an issued certificate completing a pending request covers the FQDN",
			manifests: declared(thumbprintOfCC(partnerCert)) + receive("  fqdn: mail.x.com\n"),
			observe: func(o *exchange.Observation) {
				o.Certificates = append(o.Certificates, exchange.ObservedCertificate{Thumbprint: ccThumbPending, Status: "PendingRequest",
					HasPrivateKey: true, Subject: "CN=mail.x.com"})
			},
			certs: map[string]*certSource{thumbprintOfCC(partnerCert): partnerCER},
			want: map[string]ccView{rcSubject: {Calls: true},
				`ExchangeCertificate "partner" on WIN20081`: {Calls: true}}},
		{name: "DeclaredElsewhere", reason: "a certificate declared for another server does not help this one",
			manifests: strings.Replace(declared(thumbprintOfCC(partnerCert)), "[WIN20081]", "[WIN20082]", 1) + receive("  fqdn: mail.x.com\n"),
			certs:     map[string]*certSource{thumbprintOfCC(partnerCert): partnerSrc},
			want: map[string]ccView{rcSubject: {Notes: []string{"error " + string(ReasonNoCertificateForFqdn)}},
				`ExchangeCertificate "partner" on WIN20082`: {Notes: []string{"warning " + string(ReasonCertificateUnusedByConnectors)}, Calls: true}}},
		{name: "NoTLSOffered", reason: "without Tls in authMechanism no STARTTLS is offered, so the FQDN selects no certificate",
			manifests: receive("  fqdn: mail.x.com\n  authMechanism: [Integrated]\n"),
			want:      map[string]ccView{rcSubject: {Calls: true}}},
		{name: "ExistingUnrelatedChange", reason: "a mismatch that is already there does not hold back an unrelated change",
			manifests: receive("  fqdn: mail.x.com\n  banner: 220 partner gateway\n"),
			observe: func(o *exchange.Observation) {
				c := existing
				c.Fqdn = "mail.x.com"
				o.ReceiveConnectors = append(o.ReceiveConnectors, c)
			},
			want: map[string]ccView{rcSubject: {Notes: []string{"error " + string(ReasonNoCertificateForFqdn)}, Calls: true}}},
		{name: "ExistingFqdnChange", reason: "apply does not point an existing connector at a name no certificate covers",
			manifests: receive("  fqdn: mail.x.com\n"),
			observe:   func(o *exchange.Observation) { o.ReceiveConnectors = append(o.ReceiveConnectors, existing) },
			want:      map[string]ccView{rcSubject: {Notes: []string{"error " + string(ReasonNoCertificateForFqdn)}}}},
		{name: "SendNotCovered", reason: "a send connector is reported but still applied: its certificate is only a client certificate",
			manifests: send("  fqdn: mail.x.com\n"),
			want:      map[string]ccView{scSubject: {Notes: []string{"error " + string(ReasonNoCertificateForFqdn)}, Calls: true}}},
		{name: "SendIgnoringSTARTTLS", reason: "a send connector that never uses TLS needs no certificate",
			manifests: send("  fqdn: mail.x.com\n  ignoreSTARTTLS: true\n"),
			want:      map[string]ccView{scSubject: {Calls: true}}},
		{name: "SendWithoutFqdn", reason: "without a declared fqdn there is nothing to check",
			manifests: send(""),
			want:      map[string]ccView{scSubject: {Calls: true}}},
		{name: "TLSCertificateNameMatches", reason: "issuer and subject compare as DNs: order, spacing and S/ST do not matter",
			manifests: receive("  fqdn: mail.x.com\n  tlsCertificateName: '<I>O=Work,CN=Work CA<S>CN=mail.x.com,S=ON,O=Work'\n"),
			observe: func(o *exchange.Observation) {
				o.Certificates = append(o.Certificates, ccCert(ccThumbPartner, "CN=mail.x.com, O=Work, ST=ON", "mail.x.com"))
			},
			want: map[string]ccView{rcSubject: {Calls: true}}},
		{name: "TLSCertificateNameUnknown", reason: "tlsCertificateName must name an SMTP certificate of the server",
			manifests: receive("  fqdn: mail.x.com\n  tlsCertificateName: '<I>CN=Other CA<S>CN=mail.x.com'\n"),
			observe: func(o *exchange.Observation) {
				o.Certificates = append(o.Certificates, ccCert(ccThumbPartner, "CN=mail.x.com", "mail.x.com"))
			},
			want: map[string]ccView{rcSubject: {Notes: []string{"error " + string(ReasonTlsCertificateNameUnknown)}}}},
		{name: "DomainSecureValid", reason: "domain security with a Valid certificate for the FQDN",
			manifests: receive("  fqdn: mail.x.com\n  authMechanism: [Tls]\n  domainSecureEnabled: true\n"),
			observe: func(o *exchange.Observation) {
				o.Certificates = append(o.Certificates, ccCert(ccThumbPartner, "CN=mail.x.com", "mail.x.com"))
			},
			want: map[string]ccView{rcSubject: {Calls: true}}},
		{name: "DomainSecureRevocationCheckFailure", reason: "seed 001: a certificate whose CRL cannot be reached is not Valid",
			manifests: receive("  fqdn: mail.x.com\n  authMechanism: [Tls]\n  domainSecureEnabled: true\n"),
			observe: func(o *exchange.Observation) {
				c := ccCert(ccThumbPartner, "CN=mail.x.com", "mail.x.com")
				c.Status = "RevocationCheckFailure"
				o.Certificates = append(o.Certificates, c)
			},
			want: map[string]ccView{rcSubject: {Notes: []string{"error " + string(ReasonDomainSecureWithoutValidCertificate)}}}},
		{name: "SendDomainSecureNeedsValid", reason: "a domain-secure send connector without fqdn needs any Valid SMTP certificate",
			manifests: send("  domainSecureEnabled: true\n"),
			observe: func(o *exchange.Observation) {
				o.Certificates[0].Status = "Untrusted"
			},
			want: map[string]ccView{scSubject: {Notes: []string{"error " + string(ReasonDomainSecureWithoutValidCertificate)}, Calls: true}}},
		{name: "AbsentIgnored", reason: "a connector to be removed needs no certificate",
			manifests: receive("  fqdn: mail.x.com\n  ensure: Absent\n"),
			want:      map[string]ccView{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := ccLoad(t, ccOrg+tt.manifests)
			obs := ccObservation("WIN20081")
			if tt.observe != nil {
				tt.observe(obs)
			}
			cs := ccPlan(t, site, map[string]*exchange.Observation{"WIN20081": obs, "WIN20082": ccObservation("WIN20082")}, tt.certs)
			got := ccViews(cs, v1alpha1.KindReceiveConnector, v1alpha1.KindSendConnector, v1alpha1.KindExchangeCertificate)
			for k, v := range got {
				if v.Notes == nil && !v.Calls && tt.want[k].Notes == nil && !tt.want[k].Calls {
					delete(got, k)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestCrossCheckMessages(t *testing.T) {
	site := ccLoad(t, ccOrg+`---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: From Partner}
spec:
  server: WIN20081
  bindings: ["0.0.0.0:2526"]
  remoteIPRanges: [192.0.2.10]
  fqdn: mail.x.com
`)
	cs := ccPlan(t, site, map[string]*exchange.Observation{"WIN20081": ccObservation("WIN20081")}, nil)
	e := cs.find(v1alpha1.Identity{Kind: v1alpha1.KindReceiveConnector, Organization: "work-com", Server: "WIN20081", Name: "From Partner"})
	want := []Note{{Severity: "error", Reason: ReasonNoCertificateForFqdn,
		Message: "no SMTP certificate on WIN20081 covers fqdn mail.x.com (its SMTP certificates cover WIN20081, win20081.work.com): " +
			"Exchange offers STARTTLS with a certificate for the connector's FQDN only; declare an ExchangeCertificate for WIN20081 " +
			"with services [SMTP] whose domains include mail.x.com, or change fqdn; apply does not create this connector until the manifests are consistent"}}
	if diff := cmp.Diff(want, e.Notes); diff != "" {
		t.Errorf("(-want +got):\n%s\nreason: the plan names the server, the fqdn, what the server has and the remedy", diff)
	}
	if e.Action != ActionCreate || len(e.Calls) != 0 {
		t.Errorf("action %s with calls %v: want create (what the manifest asks) with no calls (what apply will do)", e.Action, e.Calls)
	}
}

func TestCrossCheckUnreachableServer(t *testing.T) {
	site := ccLoad(t, ccOrg+`---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata: {name: From Partner}
spec:
  server: WIN20082
  bindings: ["0.0.0.0:2526"]
  fqdn: mail.x.com
`)
	cs := ccPlan(t, site, map[string]*exchange.Observation{"WIN20081": ccObservation("WIN20081")}, nil)
	e := cs.find(v1alpha1.Identity{Kind: v1alpha1.KindReceiveConnector, Organization: "work-com", Server: "WIN20082", Name: "From Partner"})
	if e == nil || e.Action != ActionUnknown || len(e.Notes) != 0 {
		t.Errorf("entry %+v: want unknown without cross-check notes (nothing is known about an unreachable server)", e)
	}
}

func TestCrossCheckCertificateUsed(t *testing.T) {
	const cert = `---
apiVersion: exreconcile.io/v1alpha1
kind: ExchangeCertificate
metadata: {name: partner}
spec:
  thumbprint: ` + ccThumbPartner + `
  servers: [WIN20081]
  services: [SMTP]
`
	const subject = `ExchangeCertificate "partner" on WIN20081`
	tests := []struct {
		name      string
		reason    string
		manifests string
		observe   func(o *exchange.Observation)
		want      []string
	}{
		{name: "Unused", reason: "no connector of the server answers with the certificate's name",
			manifests: cert, want: []string{"warning " + string(ReasonCertificateUnusedByConnectors)}},
		{name: "DeclaredReceiveFqdn", reason: "a declared receive connector's fqdn uses it",
			manifests: cert + "---\napiVersion: exreconcile.io/v1alpha1\nkind: ReceiveConnector\nmetadata: {name: From Partner}\nspec:\n  server: WIN20081\n  bindings: [\"0.0.0.0:2526\"]\n  fqdn: mail.x.com\n"},
		{name: "ObservedReceiveFqdn", reason: "a connector made by hand uses it",
			manifests: cert,
			observe: func(o *exchange.Observation) {
				o.ReceiveConnectors = append(o.ReceiveConnectors, exchange.ObservedReceiveConnector{Name: "Hand Made", Server: "WIN20081", Fqdn: "MAIL.x.com"})
			}},
		{name: "DeclaredSendFqdn", reason: "a send connector from the server uses it",
			manifests: cert + "---\napiVersion: exreconcile.io/v1alpha1\nkind: SendConnector\nmetadata: {name: Out}\nspec:\n  addressSpaces: ['*']\n  sourceTransportServers: [WIN20081]\n  fqdn: mail.x.com\n"},
		{name: "ReceiveFqdnChangedAway", reason: "the declared fqdn replaces the observed one",
			manifests: cert + "---\napiVersion: exreconcile.io/v1alpha1\nkind: ReceiveConnector\nmetadata: {name: Hand Made}\nspec:\n  server: WIN20081\n  fqdn: win20081.work.com\n",
			observe: func(o *exchange.Observation) {
				o.ReceiveConnectors = append(o.ReceiveConnectors, exchange.ObservedReceiveConnector{Name: "Hand Made", Server: "WIN20081",
					Fqdn: "mail.x.com", AuthMechanism: value.AuthTls})
			},
			want: []string{"warning " + string(ReasonCertificateUnusedByConnectors)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := ccObservation("WIN20081")
			obs.Certificates = append(obs.Certificates, ccCert(ccThumbPartner, "CN=mail.x.com", "mail.x.com"))
			if tt.observe != nil {
				tt.observe(obs)
			}
			cs := ccPlan(t, ccLoad(t, ccOrg+tt.manifests), map[string]*exchange.Observation{"WIN20081": obs}, nil)
			if diff := cmp.Diff(tt.want, ccViews(cs, v1alpha1.KindExchangeCertificate)[subject].Notes); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestCoversAny(t *testing.T) {
	tests := []struct {
		name    string
		domains []string
		fqdn    string
		want    bool
	}{
		{name: "Exact", domains: []string{"mail.x.com"}, fqdn: "mail.x.com", want: true},
		{name: "Case", domains: []string{"SMTP.CanM"}, fqdn: "smtp.canm", want: true},
		{name: "TrailingDot", domains: []string{"mail.x.com"}, fqdn: "mail.x.com.", want: true},
		{name: "Other", domains: []string{"mail.x.com"}, fqdn: "smtp.x.com"},
		{name: "WildcardOneLabel", domains: []string{"*.x.com"}, fqdn: "mail.x.com", want: true},
		{name: "WildcardTwoLabels", domains: []string{"*.x.com"}, fqdn: "a.mail.x.com"},
		{name: "WildcardApex", domains: []string{"*.x.com"}, fqdn: "x.com"},
		{name: "WildcardSuffixOnly", domains: []string{"*.x.com"}, fqdn: "mailx.com"},
		{name: "Empty", domains: []string{""}, fqdn: ""},
		{name: "SecondDomain", domains: []string{"a.example", "mail.x.com"}, fqdn: "mail.x.com", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := coversAny(tt.domains, tt.fqdn); got != tt.want {
				t.Errorf("coversAny(%q, %q) = %v, want %v", tt.domains, tt.fqdn, got, tt.want)
			}
		})
	}
}

func TestSameDN(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{name: "Equal", a: "CN=mail.x.com, O=Work", b: "CN=mail.x.com, O=Work", want: true},
		{name: "SpacingAndCase", a: "CN=Mail.X.com,o=Work", b: "cn=mail.x.com , O=work", want: true},
		{name: "Order", a: "C=US, O=Work, CN=mail.x.com", b: "CN=mail.x.com, O=Work, C=US", want: true},
		{name: "StateAlias", a: "CN=a, S=ON", b: "CN=a, ST=ON", want: true},
		{name: "QuotedComma", a: `CN=a, O="Work, Inc."`, b: `O="Work, Inc.", CN=a`, want: true},
		{name: "Different", a: "CN=a, O=Work", b: "CN=a, O=Play"},
		{name: "Missing", a: "CN=a, O=Work", b: "CN=a"},
		{name: "Empty", a: "", b: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameDN(tt.a, tt.b); got != tt.want {
				t.Errorf("sameDN(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestWindowsDNAndDomains(t *testing.T) {
	subject := pkix.Name{CommonName: "SMTP.CanM", OrganizationalUnit: []string{"Applications", "CanM"}, Country: []string{"CA"},
		Province: []string{"ON"}, ExtraNames: []pkix.AttributeTypeAndValue{{Type: []int{0, 9, 2342, 19200300, 100, 1, 25}, Value: "ssh"}}}
	cert, _ := ccIssue(t, subject, nil, ccNow.AddDate(1, 0, 0))
	if got, want := windowsDN(cert.RawSubject), "DC=ssh, CN=SMTP.CanM, OU=CanM, OU=Applications, S=ON, C=CA"; got != want {
		t.Errorf("windowsDN = %q, want %q (most specific first, S= for the state, as Get-ExchangeCertificate prints)", got, want)
	}
	if got := certificateDomains(cert); !cmp.Equal(got, []string{"SMTP.CanM"}) {
		t.Errorf("certificateDomains = %q, want the CN when the CA issued no SANs (seed 000)", got)
	}
	withSAN, _ := ccIssue(t, pkix.Name{CommonName: "Work Mail"}, []string{"mail.x.com", "x.com"}, ccNow.AddDate(1, 0, 0))
	if got := certificateDomains(withSAN); !cmp.Equal(got, []string{"mail.x.com", "x.com"}) {
		t.Errorf("certificateDomains = %q, want the SANs and no CN that is not a name", got)
	}
}

// thumbprintOfCC is the certificate's thumbprint as Exchange prints it.
func thumbprintOfCC(c *x509.Certificate) string {
	sum := sha1.Sum(c.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}
