package verify

import (
	"fmt"
	"strconv"
	"strings"
)

// ConnectTo is one --connect-to HOST1:PORT1:HOST2:PORT2, in curl's syntax: a
// session verify would open to HOST1:PORT1 goes to HOST2:PORT2 instead. An
// empty HOST1 or PORT1 matches any; an empty HOST2 or PORT2 keeps the
// original. IPv6 addresses are written in brackets.
type ConnectTo struct {
	FromHost string
	FromPort uint16 // 0: any
	ToHost   string
	ToPort   uint16 // 0: unchanged
}

// ParseConnectTo reads one --connect-to value.
func ParseConnectTo(s string) (ConnectTo, error) {
	parts, err := splitHostPorts(s)
	if err != nil || len(parts) != 4 {
		return ConnectTo{}, fmt.Errorf("invalid --connect-to %q: want HOST1:PORT1:HOST2:PORT2 (parts may be empty, IPv6 in brackets)", s)
	}
	var c ConnectTo
	c.FromHost, c.ToHost = unbracket(parts[0]), unbracket(parts[2])
	for i, dst := range map[int]*uint16{1: &c.FromPort, 3: &c.ToPort} {
		if parts[i] == "" {
			continue
		}
		n, err := strconv.ParseUint(parts[i], 10, 16)
		if err != nil || n == 0 {
			return ConnectTo{}, fmt.Errorf("invalid --connect-to %q: %q is not a port", s, parts[i])
		}
		*dst = uint16(n)
	}
	return c, nil
}

// splitHostPorts splits at colons outside brackets.
func splitHostPorts(s string) ([]string, error) {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '[':
			depth++
		case ']':
			if depth--; depth < 0 {
				return nil, fmt.Errorf("unbalanced brackets")
			}
		case ':':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced brackets")
	}
	return append(parts, s[start:]), nil
}

func unbracket(h string) string { return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]") }

// redirect applies the first matching --connect-to to host:port.
func (o Options) redirect(host string, port uint16) string {
	for _, c := range o.ConnectTo {
		if (c.FromHost == "" || strings.EqualFold(c.FromHost, host)) && (c.FromPort == 0 || c.FromPort == port) {
			if c.ToHost != "" {
				host = c.ToHost
			}
			if c.ToPort != 0 {
				port = c.ToPort
			}
			break
		}
	}
	return joinHostPort(host, port)
}
