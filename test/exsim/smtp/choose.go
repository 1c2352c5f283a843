package smtp

import (
	"math/big"
	"net/netip"
	"strings"

	"github.com/exreconcile/exreconcile/test/exsim/exchange"
)

// choose picks the Receive connector that answers a client of addr that
// reached server's local endpoint local, as Microsoft's "Receive connectors"
// page describes (learn.microsoft.com/exchange/mail-flow/connectors/receive-connectors,
// sections "Receive connector local address bindings" and "Receive connector
// remote addresses"): among the enabled connectors of that server listening
// on the endpoint, the one whose RemoteIPRanges hold the client's address
// with the most specific (smallest) range; "When remote IP address ranges
// overlap, the remote IP address range that has the most specific match to
// the connecting server's IP address is used."
//
// A listener for a specific address also matches connectors bound to the
// wildcard address of its family and port (0.0.0.0 or [::]); on equal
// ranges the specific binding wins [INFER: the page does not rank bindings].
// A listener for a wildcard binding stands for an address no specific
// binding claims, so only wildcard connectors match it. ok is false when no
// connector accepts the client.
func choose(conns []exchange.SMTPConnector, server string, local netip.AddrPort, addr netip.Addr) (exchange.SMTPConnector, bool) {
	var best exchange.SMTPConnector
	var bestSize *big.Int
	bestExact := false
	found := false
	for _, c := range conns {
		if !strings.EqualFold(c.Server, server) || !c.Enabled {
			continue
		}
		exact, listens := false, false
		for _, b := range c.Bindings {
			switch {
			case b == local:
				exact, listens = true, true
			case b.Port() == local.Port() && b.Addr().IsUnspecified() && b.Addr().Is4() == local.Addr().Is4():
				listens = true
			}
		}
		if !listens {
			continue
		}
		for _, r := range c.RemoteIPRanges {
			if !r.Contains(addr) {
				continue
			}
			size := rangeSize(r)
			cmp := 1
			if found {
				cmp = bestSize.Cmp(size) // > 0: r is more specific
				if cmp == 0 && exact && !bestExact {
					cmp = 1
				}
			}
			if cmp > 0 {
				best, bestSize, bestExact, found = c, size, exact, true
			}
		}
	}
	return best, found
}

// rangeSize is the number of addresses in r.
func rangeSize(r exchange.IPRange) *big.Int {
	lo := new(big.Int).SetBytes(r.Lo.AsSlice())
	hi := new(big.Int).SetBytes(r.Hi.AsSlice())
	return hi.Sub(hi, lo).Add(hi, big.NewInt(1))
}
