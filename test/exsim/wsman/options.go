package wsman

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Latency is the injected delay of --latency: Session delays every shell
// Create (what opening a remote session costs on a real server); Cmdlet is
// applied per cmdlet by the interpreter and the Exchange model, wsman only
// carries it.
type Latency struct {
	Session time.Duration
	Cmdlet  time.Duration
}

// ParseLatency reads "session=2s,cmdlet=20ms" (either part may be left out).
func ParseLatency(spec string) (Latency, error) {
	var l Latency
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, value, ok := strings.Cut(part, "=")
		if !ok {
			return Latency{}, fmt.Errorf("latency %q: want NAME=DURATION", part)
		}
		d, err := time.ParseDuration(strings.TrimSpace(value))
		if err != nil || d < 0 {
			return Latency{}, fmt.Errorf("latency %q: bad duration %q", part, value)
		}
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "session":
			l.Session = d
		case "cmdlet":
			l.Cmdlet = d
		default:
			return Latency{}, fmt.Errorf("latency %q: unknown kind %q (want session, cmdlet)", part, key)
		}
	}
	return l, nil
}

// String formats l as ParseLatency reads it.
func (l Latency) String() string {
	return fmt.Sprintf("session=%s,cmdlet=%s", l.Session, l.Cmdlet)
}

// CmdletFault makes a cmdlet misbehave; the Exchange model interprets Kind
// (e.g. "error").
type CmdletFault struct {
	Cmdlet string
	Kind   string
}

// Faults are the injected faults of one or more --fault flags.
type Faults struct {
	// Drop, when set, closes the TCP connection without a reply on the
	// Command request that follows DropAfter commands on one endpoint, once.
	Drop      bool
	DropAfter int
	// Cmdlets are passed on to the Exchange model.
	Cmdlets []CmdletFault
}

var cmdletName = regexp.MustCompile(`^[A-Za-z]+-[A-Za-z0-9]+$`)

// Add parses one --fault value: "drop-after:N" or "Verb-Noun:kind".
func (f *Faults) Add(spec string) error {
	name, arg, ok := strings.Cut(strings.TrimSpace(spec), ":")
	name, arg = strings.TrimSpace(name), strings.TrimSpace(arg)
	if !ok || name == "" || arg == "" {
		return fmt.Errorf("fault %q: want drop-after:N or Cmdlet-Name:kind", spec)
	}
	if strings.EqualFold(name, "drop-after") {
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 {
			return fmt.Errorf("fault %q: drop-after wants a count of commands, got %q", spec, arg)
		}
		f.Drop, f.DropAfter = true, n
		return nil
	}
	if !cmdletName.MatchString(name) {
		return fmt.Errorf("fault %q: %q is neither drop-after nor a cmdlet name", spec, name)
	}
	f.Cmdlets = append(f.Cmdlets, CmdletFault{Cmdlet: name, Kind: strings.ToLower(arg)})
	return nil
}

// ParseFaults parses several --fault values.
func ParseFaults(specs []string) (Faults, error) {
	var f Faults
	for _, s := range specs {
		if err := f.Add(s); err != nil {
			return Faults{}, err
		}
	}
	return f, nil
}

// dropsCommand reports whether the nth Command request (1-based) is dropped.
func (f Faults) dropsCommand(n int64) bool {
	return f.Drop && n == int64(f.DropAfter)+1
}
