package exchange

import (
	"fmt"
	"time"
)

// ObservedTransportConfig is the organisation's transport configuration, as
// far as exreconcile manages it: the domain-secured (mutual TLS) lists.
type ObservedTransportConfig struct {
	TLSSendDomainSecureList    []string `json:"tlsSendDomainSecureList"`
	TLSReceiveDomainSecureList []string `json:"tlsReceiveDomainSecureList"`
	// WhenChanged (UTC) is read with Reads.TransportServices only.
	WhenChanged time.Time        `json:"whenChanged,omitempty"`
	Problems    []*PropertyError `json:"problems,omitempty"`
}

var transportConfigProperties = []string{"TLSSendDomainSecureList", "TLSReceiveDomainSecureList"}

const transportConfigFrame = "transportconfig"

func transportConfigPart() observePart {
	return observePart{frame: transportConfigFrame, get: *newCall("Get-TransportConfig"), props: transportConfigProperties}
}

func parseTransportConfig(scan *stdoutScan) (ObservedTransportConfig, error) {
	recs, err := frameRecords(scan, transportConfigFrame, "transport config", "")
	if err != nil {
		return ObservedTransportConfig{}, err
	}
	if len(recs) != 1 {
		return ObservedTransportConfig{}, fmt.Errorf("%w: Get-TransportConfig returned %d objects, want 1", ErrUnreadable, len(recs))
	}
	r := recs[0]
	r.name = "TransportConfig"
	tc := ObservedTransportConfig{
		TLSSendDomainSecureList:    r.list("TLSSendDomainSecureList"),
		TLSReceiveDomainSecureList: r.list("TLSReceiveDomainSecureList"),
		WhenChanged:                whenChanged(r),
	}
	tc.Problems = r.problems
	return tc, nil
}

// ListChange changes a multi-valued property: either the whole value
// (Replace), or entries added and removed without touching the others
// (@{Add=...; Remove=...}), which leaves entries someone else manages alone.
type ListChange struct {
	// Replace sets the whole list when Full is set ($null for none).
	Replace []string
	Full    bool
	Add     []string
	Remove  []string
}

// ReplaceList is a ListChange that sets the whole list.
func ReplaceList(items []string) ListChange { return ListChange{Replace: items, Full: true} }

// AddRemoveList is a ListChange that adds and removes entries.
func AddRemoveList(add, remove []string) ListChange { return ListChange{Add: add, Remove: remove} }

// Empty reports whether the change does nothing.
func (l ListChange) Empty() bool { return !l.Full && len(l.Add) == 0 && len(l.Remove) == 0 }

func (l ListChange) code() Code {
	if l.Full {
		return lits(l.Replace)
	}
	return addRemove(l.Add, l.Remove)
}

// TransportConfigChange is a Set-TransportConfig call's changes.
type TransportConfigChange struct {
	TLSSendDomainSecureList    ListChange
	TLSReceiveDomainSecureList ListChange
}

// SetTransportConfig builds Set-TransportConfig. An empty change is an
// error: the caller should not plan a call that does nothing.
func SetTransportConfig(v Version, change TransportConfigChange) (Call, error) {
	c := newCall("Set-TransportConfig")
	if !change.TLSSendDomainSecureList.Empty() {
		c.Arg("TLSSendDomainSecureList", change.TLSSendDomainSecureList.code())
	}
	if !change.TLSReceiveDomainSecureList.Empty() {
		c.Arg("TLSReceiveDomainSecureList", change.TLSReceiveDomainSecureList.code())
	}
	if len(c.Params) == 0 {
		return Call{}, fmt.Errorf("%w: Set-TransportConfig without changes", ErrInvalidRequest)
	}
	return *c, CheckCall(v, *c)
}
