package exchange_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/test/framework"
)

// The certificate request and the Root store scripts against exsim: a 2019
// Mailbox server through the remote session, an Edge 2010 server through
// the snap-in (ConvertTo-Xml frames).
var _ = Describe("certificate requests and the Root store against exsim", Ordered, func() {
	var (
		sim *framework.Exsim
		ctx context.Context
	)
	connect := func(name string, role exchange.Role) *exchange.Server {
		c, err := exchange.NewClient(exchange.ConnectionConfig{Endpoint: sim.Endpoint(name), Auth: exchange.AuthNTLM,
			Username: exsimUser, Password: exsimPassword, AllowUnencrypted: true})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { _ = c.Close(context.Background()) })
		srv := exchange.NewServer(exchange.Target{Name: name, FQDN: strings.ToLower(name) + ".work.com", Role: role,
			Username: exsimUser, Password: exsimPassword}, c)
		_, err = srv.Observe(ctx, exchange.Reads{})
		Expect(err).NotTo(HaveOccurred())
		return srv
	}

	BeforeAll(func() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Minute)
		DeferCleanup(cancel)
		var err error
		sim, err = framework.StartExsim(ctx, exsimBin, framework.ExsimOptions{Org: "work.com", User: exsimUser, Password: exsimPassword,
			Servers: []framework.ExsimServer{{Name: "WIN20081"}, {Name: "WIN20083", Options: "role=Edge,version=2010"}}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(sim.Stop)
	})

	It("makes a request whose text the verification reads back", func() {
		srv := connect("WIN20081", exchange.RoleMailbox)
		call, err := exchange.NewCertificateRequest(srv.Target().Version, "WIN20081", exchange.RequestOptions{
			SubjectName: "C=US,O=Work,CN=mail.work.com", DomainNames: []string{"mail.work.com", "smtp.work.com"}, KeySize: 4096,
			FriendlyName: "mail 2026", PrivateKeyExportable: ptr(false)})
		Expect(err).NotTo(HaveOccurred())
		res, err := srv.Apply(ctx, []exchange.CallGroup{{Calls: []exchange.Call{call}}}, exchange.Reads{Certificates: true})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.VerifyErr).NotTo(HaveOccurred())
		var pending []exchange.ObservedCertificate
		for _, c := range res.Observation.Certificates {
			if c.Status == "PendingRequest" {
				pending = append(pending, c)
			}
		}
		Expect(pending).To(HaveLen(1))
		p := pending[0]
		Expect(p.Subject).To(Equal("CN=mail.work.com, O=Work, C=US"))
		Expect(p.HasPrivateKey).To(BeTrue())
		Expect(p.FriendlyName).To(Equal("mail 2026"))
		Expect(p.CertificateRequest).To(HavePrefix("-----BEGIN NEW CERTIFICATE REQUEST-----"))
		Expect(p.Problems).To(BeEmpty())
	})

	for _, tc := range []struct {
		server string
		role   exchange.Role
	}{{"WIN20081", exchange.RoleMailbox}, {"WIN20083", exchange.RoleEdge}} {
		It("reads, adds and removes one root on "+tc.server, func() {
			srv := connect(tc.server, tc.role)
			reads := exchange.Reads{Certificates: true, Roots: true}
			obs, err := srv.Observe(ctx, reads)
			Expect(err).NotTo(HaveOccurred())
			Expect(obs.Err()).NotTo(HaveOccurred())
			Expect(obs.Roots).To(HaveLen(8), "the fresh store")

			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			Expect(err).NotTo(HaveOccurred())
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "Canoe Root CA", Organization: []string{"Canoe"}},
				NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
			Expect(err).NotTo(HaveOccurred())
			sum := sha1.Sum(der)
			thumb := strings.ToUpper(hex.EncodeToString(sum[:]))

			add, err := exchange.AddTrustedRoot(der, thumb)
			Expect(err).NotTo(HaveOccurred())
			res, err := srv.Apply(ctx, []exchange.CallGroup{{Calls: []exchange.Call{add}}}, reads)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.VerifyErr).NotTo(HaveOccurred())
			Expect(res.Observation.Roots).To(HaveLen(9))
			var got *exchange.ObservedRoot
			for i := range res.Observation.Roots {
				if res.Observation.Roots[i].Thumbprint == thumb {
					got = &res.Observation.Roots[i]
				}
			}
			Expect(got).NotTo(BeNil())
			Expect(got.Subject).To(Equal("CN=Canoe Root CA, O=Canoe"))
			Expect(got.NotAfter.IsZero()).To(BeFalse())

			remove, err := exchange.RemoveTrustedRoot(thumb)
			Expect(err).NotTo(HaveOccurred())
			res, err = srv.Apply(ctx, []exchange.CallGroup{{Calls: []exchange.Call{remove}}}, reads)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Observation.Roots).To(HaveLen(8))

			By("removing a root that is not there fails, naming the path")
			res, err = srv.Apply(ctx, []exchange.CallGroup{{Calls: []exchange.Call{remove}}}, reads)
			Expect(err).To(HaveOccurred())
			failed, ok := res.FailedCall()
			Expect(ok).To(BeTrue())
			Expect(failed.Message).To(ContainSubstring(thumb))
		})
	}
})
