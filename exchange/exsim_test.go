package exchange_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
	"github.com/exreconcile/exreconcile/test/framework"
)

// TestExsim runs the exchange package against exsim over real WinRM: observe
// a fresh server, create, change and remove each kind, read back. It needs
// exsim built from this tree (or $EXSIM_BIN), so it never runs a stale binary.
func TestExsim(t *testing.T) {
	exsimBin = os.Getenv("EXSIM_BIN")
	if exsimBin == "" {
		bins, err := framework.Build(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		exsimBin = bins.Exsim
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "exchange against exsim")
}

var exsimBin string

const (
	exsimUser     = `WORK\admin`
	exsimPassword = "Exsim-Pa'ss1"
)

var _ = Describe("the exchange package against exsim", Ordered, func() {
	var (
		sim     *framework.Exsim
		clients []*exchange.Client
		ctx     context.Context
	)

	connect := func(name string, role exchange.Role) (*exchange.Server, *exchange.Client) {
		c, err := exchange.NewClient(exchange.ConnectionConfig{Endpoint: sim.Endpoint(name), Auth: exchange.AuthNTLM,
			Username: exsimUser, Password: exsimPassword})
		Expect(err).NotTo(HaveOccurred())
		clients = append(clients, c)
		t := exchange.Target{Name: name, FQDN: strings.ToLower(name) + ".work.com", Role: role,
			Username: exsimUser, Password: exsimPassword}
		return exchange.NewServer(t, c), c
	}

	BeforeAll(func() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Minute)
		DeferCleanup(cancel)
		var err error
		// Plain HTTP as Windows ships it: every message NTLM-sealed.
		sim, err = framework.StartExsim(ctx, exsimBin, framework.ExsimOptions{Org: "work.com", User: exsimUser, Password: exsimPassword, SealedHTTP: true,
			Servers: []framework.ExsimServer{{Name: "WIN20081"}, {Name: "WIN20083", Options: "role=Edge,version=2010"}}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() {
			for _, c := range clients {
				_ = c.Close(context.Background())
			}
			sim.Stop()
		})
	})

	It("observes a fresh Mailbox server in one WinRM command", func() {
		srv, c := connect("WIN20081", exchange.RoleMailbox)
		obs, err := srv.Observe(ctx, exchange.Reads{Organization: true, ReceiveConnectors: true, Certificates: true})
		Expect(err).NotTo(HaveOccurred())
		Expect(obs.Err()).NotTo(HaveOccurred())
		Expect(c.Commands()).To(Equal(1))
		Expect(obs.Server.Version).To(Equal(exchange.Exchange2019))
		Expect(obs.ReceiveConnectors).To(HaveLen(5))
		Expect(obs.SendConnectors).To(BeEmpty())
		Expect(obs.TransportConfig.TLSSendDomainSecureList).To(BeEmpty())
		Expect(obs.Certificates).NotTo(BeEmpty())
	})

	It("observes an Edge 2010 server, learning the snap-in from the version", func() {
		srv, c := connect("WIN20083", exchange.RoleEdge)
		obs, err := srv.Observe(ctx, exchange.Reads{ReceiveConnectors: true, Certificates: true})
		Expect(err).NotTo(HaveOccurred())
		Expect(obs.Server.Version).To(Equal(exchange.Exchange2010))
		Expect(srv.Target().Version).To(Equal(exchange.Exchange2010))
		Expect(c.Commands()).To(Equal(1))
	})

	It("creates, changes and removes a send and a receive connector and the domain-secure lists", func() {
		srv, _ := connect("WIN20081", exchange.RoleMailbox)
		_, err := srv.Observe(ctx, exchange.Reads{})
		Expect(err).NotTo(HaveOccurred())
		v := srv.Target().Version
		as, _ := value.ParseAddressSpace("SMTP:canoe.com;1")
		b, _ := value.ParseIPBinding("191.121.0.200:26")
		r, _ := value.ParseIPRange("191.121.111.200")
		port := 26
		newSend, err := exchange.NewSendConnector(v, "To-canoe.com", "Partner", exchange.SendConnectorSpec{
			AddressSpaces: []value.AddressSpace{as}, SourceTransportServers: []string{"WIN20081"}, Comment: ptr("Zürich ‘x’")})
		Expect(err).NotTo(HaveOccurred())
		setSend, err := exchange.SetSendConnector(v, "To-canoe.com", exchange.SendConnectorSpec{Port: &port}, nil)
		Expect(err).NotTo(HaveOccurred())
		newRecv, err := exchange.NewReceiveConnector(v, "WIN20081", "From-canoe.com", "Partner", exchange.ReceiveConnectorSpec{
			Bindings: []value.IPBinding{b}, RemoteIPRanges: []value.IPRange{r}})
		Expect(err).NotTo(HaveOccurred())
		tc, err := exchange.SetTransportConfig(v, exchange.TransportConfigChange{
			TLSSendDomainSecureList: exchange.AddRemoveList([]string{"canoe.com"}, nil)})
		Expect(err).NotTo(HaveOccurred())
		before := srv.Commands()
		res, err := srv.Apply(ctx, []exchange.CallGroup{{Calls: []exchange.Call{newSend, setSend}}, {Calls: newRecv}, {Calls: []exchange.Call{tc}}},
			exchange.Reads{Organization: true, ReceiveConnectors: true})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Completed()).To(Equal(4))
		Expect(srv.Commands()-before).To(Equal(1), "apply and verify are one command")

		Expect(res.VerifyErr).NotTo(HaveOccurred())
		obs := res.Observation
		Expect(obs).NotTo(BeNil())
		Expect(obs.Err()).NotTo(HaveOccurred())
		Expect(obs.SendConnectors).To(HaveLen(1))
		Expect(obs.SendConnectors[0].Port).To(Equal(26))
		Expect(obs.SendConnectors[0].DomainSecureEnabled).To(BeTrue())
		Expect(obs.SendConnectors[0].Comment).To(Equal("Zürich ‘x’"))
		Expect(obs.TransportConfig.TLSSendDomainSecureList).To(ConsistOf("canoe.com"))
		var found bool
		for _, rc := range obs.ReceiveConnectors {
			if rc.Name == "From-canoe.com" {
				found = true
				Expect(rc.Bindings).To(HaveLen(1))
				Expect(rc.Bindings[0].Port).To(BeEquivalentTo(26))
			}
		}
		Expect(found).To(BeTrue())

		res, err = srv.Apply(ctx, []exchange.CallGroup{{Calls: []exchange.Call{exchange.RemoveSendConnector("To-canoe.com")}},
			{Calls: []exchange.Call{exchange.RemoveReceiveConnector(`WIN20081\From-canoe.com`)}}}, exchange.Reads{})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Completed()).To(Equal(2))
	})

	It("reports which call failed, with Exchange's message", func() {
		srv, _ := connect("WIN20081", exchange.RoleMailbox)
		_, err := srv.Observe(ctx, exchange.Reads{})
		Expect(err).NotTo(HaveOccurred())
		tc, err := exchange.SetTransportConfig(srv.Target().Version, exchange.TransportConfigChange{
			TLSSendDomainSecureList: exchange.AddRemoveList([]string{"fabrikam.com"}, nil)})
		Expect(err).NotTo(HaveOccurred())
		res, err := srv.Apply(ctx, []exchange.CallGroup{
			{Calls: []exchange.Call{exchange.RemoveSendConnector("No such connector"), exchange.RemoveSendConnector("Another")}},
			{Calls: []exchange.Call{tc}},
		}, exchange.Reads{Organization: true})
		Expect(err).To(MatchError(exchange.ErrNotFound))
		failed, ok := res.FailedCall()
		Expect(ok).To(BeTrue())
		Expect(failed.Message).To(ContainSubstring("No such connector"))
		Expect(failed.Err.Class).To(Equal(exchange.ClassNotFound))
		By("the rest of the failed object's calls do not run; the unrelated object's do, and verify still reads")
		Expect([]exchange.CallState{res.Calls[0].State, res.Calls[1].State, res.Calls[2].State}).To(Equal(
			[]exchange.CallState{exchange.CallFailed, exchange.CallNotRun, exchange.CallDone}))
		Expect(res.VerifyErr).NotTo(HaveOccurred())
		Expect(res.Observation.TransportConfig.TLSSendDomainSecureList).To(ContainElement("fabrikam.com"))
	})

	It("reads the transport services' process start and the connectors' WhenChanged in the same command, and a restart moves the start", func() {
		reads := exchange.Reads{Organization: true, ReceiveConnectors: true, TransportServices: true}
		srv, c := connect("WIN20081", exchange.RoleMailbox)
		obs, err := srv.Observe(ctx, reads)
		Expect(err).NotTo(HaveOccurred())
		Expect(obs.Err()).NotTo(HaveOccurred())
		Expect(c.Commands()).To(Equal(1))
		Expect(obs.TransportServices).To(HaveLen(2))
		hub := obs.Service(exchange.TransportServiceName)
		Expect(hub).NotTo(BeNil())
		Expect(hub.State).To(Equal("Running"))
		Expect(hub.Started).NotTo(BeZero())
		Expect(obs.Service(exchange.FrontEndTransportServiceName).Started).NotTo(BeZero())
		for _, rc := range obs.ReceiveConnectors {
			Expect(rc.WhenChanged).NotTo(BeZero(), rc.Name)
		}
		Expect(obs.TransportConfig.WhenChanged).NotTo(BeZero())

		By("a restart gives the service a new process, seen by the verify of the same command")
		as, _ := value.ParseAddressSpace("restart.example")
		newSend, err := exchange.NewSendConnector(srv.Target().Version, "To-restart", "Internet", exchange.SendConnectorSpec{
			AddressSpaces: []value.AddressSpace{as}, SourceTransportServers: []string{"WIN20081"}})
		Expect(err).NotTo(HaveOccurred())
		res, err := srv.Apply(ctx, []exchange.CallGroup{{Calls: []exchange.Call{newSend}},
			{Calls: []exchange.Call{exchange.RestartTransportService(exchange.TransportServiceName)}}}, reads)
		Expect(err).NotTo(HaveOccurred())
		Expect(res.VerifyErr).NotTo(HaveOccurred())
		Expect(res.Observation.SendConnectors).To(HaveLen(1))
		Expect(res.Observation.SendConnectors[0].WhenChanged).NotTo(BeZero())
		after := res.Observation.Service(exchange.TransportServiceName)
		Expect(after.Started).To(BeTemporally(">", hub.Started))
		Expect(after.ProcessID).NotTo(Equal(hub.ProcessID))

		By("an Edge 2010 (snap-in, ConvertTo-Xml) has only MSExchangeTransport")
		edge, _ := connect("WIN20083", exchange.RoleEdge)
		obs, err = edge.Observe(ctx, exchange.Reads{ReceiveConnectors: true, TransportServices: true})
		Expect(err).NotTo(HaveOccurred())
		Expect(obs.Err()).NotTo(HaveOccurred())
		Expect(obs.TransportServices).To(HaveLen(1))
		Expect(obs.TransportServices[0].Started).NotTo(BeZero())
		Expect(obs.ReceiveConnectors[0].WhenChanged).NotTo(BeZero())
	})
})

func ptr[T any](v T) *T { return &v }
