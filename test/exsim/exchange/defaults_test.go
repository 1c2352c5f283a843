package exchange

import (
	"crypto/sha1"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
	"github.com/google/go-cmp/cmp"
)

// transcript reads a Format-List transcript of docs/exchange.md "How Exchange objects print" (testdata) and maps the
// [HC] lab's names onto the test org; lines that differ per object (ids,
// dates, the DC) are dropped on both sides.
func transcript(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	r := strings.NewReplacer("WIN-CTD3L0RGEN4.exlab.dom", "win20081.work.com", "WIN-CTD3L0RGEN4", "WIN20081",
		"DC=exlab,DC=dom", "DC=work,DC=com", "exlab.dom", "work.com")
	return stable(strings.Split(r.Replace(string(data)), "\n"))
}

var volatile = []string{"RunspaceId", "Guid", "WhenChanged", "WhenCreated", "WhenChangedUTC", "WhenCreatedUTC", "OriginatingServer"}

func stable(lines []string) []string {
	var out []string
	for _, l := range lines {
		l = strings.TrimRight(l, " ")
		name := strings.TrimSpace(strings.SplitN(l, ":", 2)[0])
		skip := l == ""
		for _, v := range volatile {
			skip = skip || name == v
		}
		if !skip {
			out = append(out, l)
		}
	}
	return out
}

func rendered(objs ...any) []string {
	return stable(strings.Split(formatList(objs, "*"), "\n"))
}

func TestFreshReceiveConnectorsMatchHC(t *testing.T) {
	cases := []struct {
		name, identity, file, reason string
	}{
		{"Default", `WIN20081\Default WIN20081`, "receive_2019_default.txt", "[HC] Default connector, setup values"},
		{"Client Frontend", `WIN20081\Client Frontend WIN20081`, "receive_2019_client_frontend.txt", "[HC] Client Frontend connector"},
	}
	o := newTestOrg(t)
	sh := remoteShell(t, o, "WIN20081")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := sh.must("Get-ReceiveConnector", map[string]any{"Identity": tc.identity})
			if diff := cmp.Diff(transcript(t, tc.file), rendered(out...)); diff != "" {
				t.Errorf("%s (-transcript +exsim):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestSendConnectorMatchesHC(t *testing.T) {
	o := newTestOrg(t)
	sh := remoteShell(t, o, "WIN20081")
	sh.must("New-SendConnector", map[string]any{
		"Name": "Mail to O365", "AddressSpaces": []any{"*"}, "SmartHosts": []any{"microsoft-com.mail.protection.outlook.com"},
		"DNSRoutingEnabled": false, "TlsCertificateName": "<I>CN=localhost<S>CN=localhost", "CloudServicesMailEnabled": true,
	})
	out := sh.must("Get-SendConnector", map[string]any{"Identity": "Mail to O365"})
	if diff := cmp.Diff(transcript(t, "send_2019_o365.txt"), rendered(out...)); diff != "" {
		t.Errorf("[HC] send connector (-transcript +exsim):\n%s", diff)
	}
}

func TestExchangeServerPropertyOrder(t *testing.T) {
	o := newTestOrg(t)
	out := remoteShell(t, o, "WIN20081").must("Get-ExchangeServer", nil)
	var want []string
	for _, l := range transcript(t, "exchangeserver_2019.txt") {
		want = append(want, strings.TrimSpace(strings.SplitN(l, ":", 2)[0]))
	}
	var got []string
	for _, n := range propNames(out[0].(*ps.Object)) {
		if !contains(","+strings.Join(volatile, ",")+",", ","+n+",") {
			got = append(got, n)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get-ExchangeServer property order (-[HC] +exsim):\n%s", diff)
	}
	if v := prop(t, out[0], "AdminDisplayVersion"); v != "Version 15.2 (Build 1748.10)" {
		t.Errorf("AdminDisplayVersion = %q", v)
	}
}

func TestFreshServerDefaults(t *testing.T) {
	cases := []struct {
		name       string
		spec       ServerSpec
		connectors []string
		bindings   map[string]string
		certs      []string
		version    string
		reason     string
	}{
		{"2019 mailbox", ServerSpec{Name: "EX19", Version: V2019},
			[]string{"Default EX19", "Client Proxy EX19", "Default Frontend EX19", "Outbound Proxy Frontend EX19", "Client Frontend EX19"},
			map[string]string{"Default EX19": "{0.0.0.0:2525, [::]:2525}", "Default Frontend EX19": "{[::]:25, 0.0.0.0:25}", "Client Frontend EX19": "{[::]:587, 0.0.0.0:587}"},
			[]string{"CN=Microsoft Exchange Server Auth Certificate", "CN=EX19", "CN=WMSvc-SHA2-EX19"}, "Version 15.2 (Build 1748.10)",
			"docs/exchange.md#default-receive-connectors and #default-certificates"},
		{"2013 mailbox", ServerSpec{Name: "EX13", Version: V2013},
			[]string{"Default EX13", "Client Proxy EX13", "Default Frontend EX13", "Outbound Proxy Frontend EX13", "Client Frontend EX13"},
			map[string]string{"Outbound Proxy Frontend EX13": "{[::]:717, 0.0.0.0:717}", "Client Proxy EX13": "{[::]:465, 0.0.0.0:465}"},
			[]string{"CN=Microsoft Exchange Server Auth Certificate", "CN=EX13", "CN=WMSvc-EX13"}, "Version 15.0 (Build 1497.2)",
			"same five connectors on 2013"},
		{"2010 hub", ServerSpec{Name: "EX10", Version: V2010},
			[]string{"Default EX10", "Client EX10"},
			map[string]string{"Default EX10": "{[::]:25, 0.0.0.0:25}", "Client EX10": "{[::]:587, 0.0.0.0:587}"},
			[]string{"CN=EX10", "CN=WMSvc-EX10"}, "Version 14.3 (Build 123.4)", "docs/exchange.md#default-receive-connectors, no Auth certificate before 2013"},
		{"edge", ServerSpec{Name: "EDGE1", Version: V2016, Role: Edge},
			[]string{"Default internal receive connector EDGE1"},
			map[string]string{"Default internal receive connector EDGE1": "{0.0.0.0:25}"},
			[]string{"CN=EDGE1"}, "Version 15.1 (Build 2507.6)", "docs/exchange.md#default-receive-connectors and #default-certificates"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := newTestOrg(t, tc.spec)
			sh := snapinShell(t, o, tc.spec.Name)
			out := sh.must("Get-ReceiveConnector", nil)
			var names []string
			for _, c := range out {
				names = append(names, prop(t, c, "Name"))
				if want, ok := tc.bindings[prop(t, c, "Name")]; ok && prop(t, c, "Bindings") != want {
					t.Errorf("%s: %s Bindings = %s, want %s", tc.reason, prop(t, c, "Name"), prop(t, c, "Bindings"), want)
				}
			}
			if diff := cmp.Diff(tc.connectors, names); diff != "" {
				t.Errorf("%s: connectors (-want +got):\n%s", tc.reason, diff)
			}
			certs := sh.must("Get-ExchangeCertificate", nil)
			var subjects []string
			for _, c := range certs {
				subjects = append(subjects, prop(t, c, "Subject"))
				raw := c.(*ps.Object).Get("RawData").Value.([]byte)
				sum := sha1.Sum(raw)
				if prop(t, c, "Thumbprint") != strings.ToUpper(hex.EncodeToString(sum[:])) {
					t.Errorf("thumbprint is not the SHA-1 of the DER")
				}
			}
			if diff := cmp.Diff(tc.certs, subjects); diff != "" {
				t.Errorf("%s: certificates (-want +got):\n%s", tc.reason, diff)
			}
			srv := sh.must("Get-ExchangeServer", map[string]any{"Identity": tc.spec.Name})
			if got := prop(t, srv[0], "AdminDisplayVersion"); got != tc.version {
				t.Errorf("AdminDisplayVersion = %q, want %q", got, tc.version)
			}
		})
	}
}

func TestDefaultCertificate(t *testing.T) {
	o := newTestOrg(t)
	sh := remoteShell(t, o, "WIN20081")
	out := sh.must("Get-ExchangeCertificate", nil)
	want := map[string]struct{ services, domains, root, str string }{
		"CN=WIN20081": {"IMAP, POP, IIS, SMTP", "{WIN20081, win20081.work.com}", "Registry", "IP.WS.."},
		"CN=Microsoft Exchange Server Auth Certificate": {"SMTP", "{}", "None", "....S.."},
		"CN=WMSvc-SHA2-WIN20081":                        {"None", "{WMSvc-SHA2-WIN20081}", "Registry", "......."},
	}
	for _, c := range out {
		w := want[prop(t, c, "Subject")]
		got := []string{prop(t, c, "Services"), prop(t, c, "CertificateDomains"), prop(t, c, "RootCAType"), prop(t, c, "ServicesStringForm"),
			prop(t, c, "HasPrivateKey"), prop(t, c, "Status"), prop(t, c, "PublicKeySize")}
		if diff := cmp.Diff([]string{w.services, w.domains, w.root, w.str, "True", "Valid", "2048"}, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", prop(t, c, "Subject"), diff)
		}
		if len(c.(*ps.Object).ListView) != 14 {
			t.Errorf("the default list view has 14 properties (docs/exchange.md#how-exchange-objects-print)")
		}
	}
}
