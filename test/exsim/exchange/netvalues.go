package exchange

import (
	"fmt"
	"math/big"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Exchange's value syntax (docs/exchange.md "Value syntax"), read independently of the
// client's parsers on purpose (docs/winrm.md "The remote contract": two readings catch each other).

const (
	tAddressSpace = "Microsoft.Exchange.Data.AddressSpace"
	tIPBinding    = "Microsoft.Exchange.Data.IPBinding"
	tIPRange      = "Microsoft.Exchange.Data.IPRange"
	tSmartHost    = "Microsoft.Exchange.Data.SmartHost"
	tSmtpDomain   = "Microsoft.Exchange.Data.SmtpDomain"
	tSmtpDomainWS = "Microsoft.Exchange.Data.SmtpDomainWithSubdomains"
	tFqdn         = "Microsoft.Exchange.Data.Fqdn"
	tX509Id       = "Microsoft.Exchange.Data.SmtpX509Identifier"
	tDomainCap    = "Microsoft.Exchange.Data.SmtpReceiveDomainCapabilities"
	tIPAddress    = "System.Net.IPAddress"
)

// addressSpace is one entry of a Send connector's AddressSpaces:
// Type:Address;Cost. Type keeps the case it was typed in (docs/exchange.md "Address spaces":
// seed 001 prints smtp:, [HC] prints SMTP:), default SMTP; cost 1..100.
type addressSpace struct {
	Type    string
	Address string
	Cost    int
}

func (a addressSpace) String() string { return fmt.Sprintf("%s:%s;%d", a.Type, a.Address, a.Cost) }

func (a addressSpace) isSMTP() bool { return strings.EqualFold(a.Type, "SMTP") }

var (
	labelRE   = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?$`)
	addrTypRE = regexp.MustCompile(`^[A-Za-z0-9]+$`)
)

func parseAddressSpace(v any) (addressSpace, error) {
	s := strings.TrimSpace(fmt.Sprint(v))
	as := addressSpace{Type: "SMTP", Cost: 1}
	if i := strings.Index(s, ":"); i >= 0 {
		as.Type, s = s[:i], s[i+1:]
		if !addrTypRE.MatchString(as.Type) {
			return as, badValue(v, tAddressSpace, "The address space type %q isn't valid.", as.Type)
		}
	}
	if i := strings.LastIndex(s, ";"); i >= 0 {
		cost, err := strconv.Atoi(strings.TrimSpace(s[i+1:]))
		if err != nil || cost < 1 || cost > 100 {
			return as, badValue(v, tAddressSpace, "The address space cost %q isn't valid. The cost must be between 1 and 100.", s[i+1:])
		}
		as.Cost, s = cost, s[:i]
	}
	as.Address = strings.TrimSpace(s)
	if as.Address == "" {
		return as, badValue(v, tAddressSpace, "The address space can't be empty.")
	}
	if as.isSMTP() && as.Address != "--" && !validDomain(as.Address, true) {
		return as, badValue(v, tAddressSpace, "The address space %q isn't a valid SMTP domain. A wildcard is allowed only as \"*\" or at the start followed by a period, for example \"*.contoso.com\".", as.Address)
	}
	return as, nil
}

// validDomain checks an SMTP domain: labels of letters, digits, hyphens and
// underscores; with wildcard, also "*" and "*.domain" (never "*domain").
func validDomain(s string, wildcard bool) bool {
	if wildcard {
		if s == "*" {
			return true
		}
		s = strings.TrimPrefix(s, "*.")
	}
	if s == "" || len(s) > 255 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if len(l) > 63 || !labelRE.MatchString(l) {
			return false
		}
	}
	return true
}

// domainValue is an SmtpDomain or SmtpDomainWithSubdomains.
type domainValue struct{ Domain string }

func (d domainValue) String() string { return d.Domain }

func parseDomain(v any, wildcard bool) (domainValue, error) {
	s := strings.TrimSpace(fmt.Sprint(v))
	typ := tSmtpDomain
	if wildcard {
		typ = tSmtpDomainWS
	}
	if !validDomain(s, wildcard) {
		return domainValue{}, badValue(v, typ, "The domain %q isn't valid.", s)
	}
	return domainValue{Domain: s}, nil
}

// fqdnValue is a Microsoft.Exchange.Data.Fqdn.
type fqdnValue struct{ Name string }

func (f fqdnValue) String() string { return f.Name }

func parseFqdn(v any) (fqdnValue, error) {
	s := strings.TrimSpace(fmt.Sprint(v))
	if !validDomain(strings.TrimSuffix(s, "."), false) {
		return fqdnValue{}, badValue(v, tFqdn, "%q isn't a valid fully qualified domain name.", s)
	}
	return fqdnValue{Name: s}, nil
}

// binding is a Receive connector binding: local IP address and port.
type binding struct {
	Addr netip.Addr
	Port int
}

func (b binding) String() string {
	if b.Addr.Is6() {
		return fmt.Sprintf("[%s]:%d", b.Addr, b.Port)
	}
	return fmt.Sprintf("%s:%d", b.Addr, b.Port)
}

func (b binding) wildcard() bool { return b.Addr.IsUnspecified() }

// overlaps reports whether two bindings listen on a common local endpoint.
func (b binding) overlaps(o binding) bool {
	if b.Port != o.Port || b.Addr.Is4() != o.Addr.Is4() {
		return false
	}
	return b.Addr == o.Addr || b.wildcard() || o.wildcard()
}

func parseBinding(v any) (binding, error) {
	s := strings.TrimSpace(fmt.Sprint(v))
	bad := badValue(v, tIPBinding, "%q isn't a valid IP binding. Use the form IPAddress:Port, for example 0.0.0.0:25 or [::]:25.", s)
	i := strings.LastIndex(s, ":")
	if i <= 0 {
		return binding{}, bad
	}
	host, portText := s[:i], s[i+1:]
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return binding{}, bad
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	} else if strings.Contains(host, ":") {
		return binding{}, bad
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || addr.Zone() != "" {
		return binding{}, bad
	}
	return binding{Addr: addr.Unmap(), Port: port}, nil
}

// ipRange is one RemoteIPRanges entry. The form it was given in is kept for
// printing (a single address, lo-hi, or CIDR) [INFER: Exchange's IPRange
// keeps its format; CIDR prints the network address].
type ipRange struct {
	Lo, Hi netip.Addr
	Bits   int // CIDR prefix length, or -1
	Single bool
}

func (r ipRange) String() string {
	switch {
	case r.Bits >= 0:
		return fmt.Sprintf("%s/%d", r.Lo, r.Bits)
	case r.Single:
		return r.Lo.String()
	}
	return fmt.Sprintf("%s-%s", r.Lo, r.Hi)
}

func (r ipRange) contains(o ipRange) bool {
	return r.Lo.Is4() == o.Lo.Is4() && r.Lo.Compare(o.Lo) <= 0 && r.Hi.Compare(o.Hi) >= 0
}

func (r ipRange) overlaps(o ipRange) bool {
	return r.Lo.Is4() == o.Lo.Is4() && r.Lo.Compare(o.Hi) <= 0 && o.Lo.Compare(r.Hi) <= 0
}

func (r ipRange) equal(o ipRange) bool { return r.Lo == o.Lo && r.Hi == o.Hi }

func parseIPRange(v any) (ipRange, error) {
	s := strings.TrimSpace(fmt.Sprint(v))
	bad := badValue(v, tIPRange, "%q isn't a valid IP address range. Use an address, a range a-b or a CIDR range a/n.", s)
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, err1 := netip.ParseAddr(strings.TrimSpace(lo))
		b, err2 := netip.ParseAddr(strings.TrimSpace(hi))
		if err1 != nil || err2 != nil || a.Is4() != b.Is4() || a.Compare(b) > 0 {
			return ipRange{}, bad
		}
		return ipRange{Lo: a.WithZone(""), Hi: b.WithZone(""), Bits: -1}, nil
	}
	if addr, bits, ok := strings.Cut(s, "/"); ok {
		p, err := netip.ParsePrefix(strings.TrimSpace(addr) + "/" + strings.TrimSpace(bits))
		if err != nil {
			return ipRange{}, bad
		}
		p = p.Masked()
		return ipRange{Lo: p.Addr(), Hi: lastAddr(p), Bits: p.Bits()}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return ipRange{}, bad
	}
	return ipRange{Lo: a, Hi: a, Bits: -1, Single: true}, nil
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	n := new(big.Int).SetBytes(b)
	host := len(b)*8 - p.Bits()
	mask := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(host)), big.NewInt(1))
	n.Or(n, mask)
	out := make([]byte, len(b))
	n.FillBytes(out)
	a, _ := netip.AddrFromSlice(out)
	return a
}

// smartHost is a Send connector smart host: an FQDN or an IP literal,
// printed in brackets ({[142.46.226.22]}, seed 000).
type smartHost struct {
	Host string
	IP   bool
}

func (h smartHost) String() string {
	if h.IP {
		return "[" + h.Host + "]"
	}
	return h.Host
}

func parseSmartHost(v any) (smartHost, error) {
	s := strings.TrimSpace(fmt.Sprint(v))
	inner := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if a, err := netip.ParseAddr(inner); err == nil {
		return smartHost{Host: a.String(), IP: true}, nil
	}
	if s == "--" || validDomain(strings.TrimSuffix(s, "."), false) {
		return smartHost{Host: s}, nil
	}
	return smartHost{}, badValue(v, tSmartHost, "%q isn't a valid smart host. Use an FQDN or an IP address.", s)
}

// ipAddress is a System.Net.IPAddress.
type ipAddress struct{ Addr netip.Addr }

func (a ipAddress) String() string { return a.Addr.String() }

func parseIPAddress(v any) (ipAddress, error) {
	a, err := netip.ParseAddr(strings.TrimSpace(fmt.Sprint(v)))
	if err != nil {
		return ipAddress{}, badValue(v, tIPAddress, "An invalid IP address was specified.")
	}
	return ipAddress{Addr: a}, nil
}

// x509Id is a TlsCertificateName: "<I>issuer DN<S>subject DN".
type x509Id struct{ Issuer, Subject string }

func (x x509Id) String() string {
	if x.Issuer == "" {
		return "<S>" + x.Subject
	}
	return "<I>" + x.Issuer + "<S>" + x.Subject
}

func parseX509Id(v any) (x509Id, error) {
	s := strings.TrimSpace(fmt.Sprint(v))
	bad := badValue(v, tX509Id, "%q isn't a valid certificate name. Use the format \"<I>X.500Issuer<S>X.500Subject\".", s)
	lower := strings.ToLower(s)
	si := strings.Index(lower, "<s>")
	if si < 0 {
		return x509Id{}, bad
	}
	x := x509Id{Subject: strings.TrimSpace(s[si+3:])}
	if strings.HasPrefix(lower, "<i>") {
		x.Issuer = strings.TrimSpace(s[3:si])
	} else if si != 0 {
		return x509Id{}, bad
	}
	if x.Subject == "" {
		return x509Id{}, bad
	}
	// Both parts are X.500 names ("The value in the certificate's Issuer
	// field", Set-SendConnector -TlsCertificateName); an unparsable one is
	// refused like a missing <S> [INFER: same message].
	for _, dn := range []string{x.Issuer, x.Subject} {
		if dn == "" {
			continue
		}
		if _, err := parseDN(dn); err != nil {
			return x509Id{}, bad
		}
	}
	return x, nil
}

// domainCapability is a TlsDomainCapabilities entry "domain:Cap1,Cap2".
type domainCapability struct {
	Domain string
	Caps   []string
}

func (d domainCapability) String() string { return d.Domain + ":" + strings.Join(d.Caps, ",") }

// knownCapabilities are the capability names of the reference
// (AcceptCloudServicesMail 2013+, AcceptOorgProtocol 2010) plus the other
// members of SmtpReceiveCapabilities admins use [INFER].
var knownCapabilities = []string{"AcceptOorgProtocol", "AcceptOrgHeaders", "AcceptCrossForestMail",
	"AcceptCloudServicesMail", "AcceptProxyProtocol", "AcceptProxyFromProtocol", "AcceptProxyToProtocol",
	"AcceptXOriginatorProtocol", "AcceptXSysProbeProtocol", "AllowSubmit", "AllowConsumerMail", "AcceptXAttrProtocol"}

func parseDomainCapability(v any) (domainCapability, error) {
	s := strings.TrimSpace(fmt.Sprint(v))
	bad := badValue(v, tDomainCap, "%q isn't valid. Use the format \"Domain:Capability1,Capability2\".", s)
	dom, caps, ok := strings.Cut(s, ":")
	if !ok || (dom != "NO-TLS" && !validDomain(dom, true)) {
		return domainCapability{}, bad
	}
	out := domainCapability{Domain: dom}
	for _, c := range strings.Split(caps, ",") {
		c = strings.TrimSpace(c)
		found := ""
		for _, k := range knownCapabilities {
			if strings.EqualFold(k, c) {
				found = k
			}
		}
		if found == "" {
			return domainCapability{}, bad
		}
		out.Caps = append(out.Caps, found)
	}
	return out, nil
}
