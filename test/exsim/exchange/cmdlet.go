package exchange

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

const nsSystemConfig = "Microsoft.Exchange.Management.SystemConfigurationTasks."

// cmdSpec is one Exchange cmdlet: its name, .NET class and implementation.
type cmdSpec struct {
	name    string
	class   string // short class name, under nsSystemConfig
	run     func(x *invocation) ([]any, error)
	mutates bool
	// defaultSet is the cmdlet's DefaultParameterSetName, where it has sets.
	defaultSet string
}

// exchangeCmdlets are the cmdlets a remote session exports and the snap-in
// adds. Each exists on the versions params.tsv lists it for.
var exchangeCmdlets = []*cmdSpec{
	{name: "Get-SendConnector", class: "GetSendConnector", run: getSendConnector},
	{name: "New-SendConnector", class: "NewSendConnector", run: newSendConnector, mutates: true, defaultSet: "AddressSpaces"},
	{name: "Set-SendConnector", class: "SetSendConnector", run: setSendConnector, mutates: true},
	{name: "Remove-SendConnector", class: "RemoveSendConnector", run: removeSendConnector, mutates: true},
	{name: "Get-ReceiveConnector", class: "GetReceiveConnector", run: getReceiveConnector, defaultSet: "Identity"},
	{name: "New-ReceiveConnector", class: "NewReceiveConnector", run: newReceiveConnector, mutates: true, defaultSet: "Custom"},
	{name: "Set-ReceiveConnector", class: "SetReceiveConnector", run: setReceiveConnector, mutates: true},
	{name: "Remove-ReceiveConnector", class: "RemoveReceiveConnector", run: removeReceiveConnector, mutates: true},
	{name: "Get-TransportConfig", class: "GetTransportConfig", run: getTransportConfig},
	{name: "Set-TransportConfig", class: "SetTransportConfig", run: setTransportConfig, mutates: true},
	{name: "Get-ExchangeCertificate", class: "GetExchangeCertificate", run: getExchangeCertificate, defaultSet: "Thumbprint"},
	{name: "New-ExchangeCertificate", class: "NewExchangeCertificate", run: newExchangeCertificate, mutates: true, defaultSet: "Certificate"},
	{name: "Import-ExchangeCertificate", class: "ImportExchangeCertificate", run: importExchangeCertificate, mutates: true, defaultSet: "FileData"},
	{name: "Enable-ExchangeCertificate", class: "EnableExchangeCertificate", run: enableExchangeCertificate, mutates: true, defaultSet: "Thumbprint"},
	{name: "Remove-ExchangeCertificate", class: "RemoveExchangeCertificate", run: removeExchangeCertificate, mutates: true, defaultSet: "Thumbprint"},
	{name: "Export-ExchangeCertificate", class: "ExportExchangeCertificate", run: exportExchangeCertificate, mutates: true, defaultSet: "Thumbprint"},
	{name: "Get-HybridConfiguration", class: "GetHybridConfiguration", run: getHybridConfiguration},
	{name: "New-HybridConfiguration", class: "NewHybridConfiguration", run: newHybridConfiguration, mutates: true},
	{name: "Set-HybridConfiguration", class: "SetHybridConfiguration", run: setHybridConfiguration, mutates: true},
	{name: "Get-ExchangeServer", class: "GetExchangeServer", run: getExchangeServer, defaultSet: "Identity"},
	{name: "Get-TransportService", class: "GetTransportService", run: getTransportService},
	{name: "Get-TransportServer", class: "GetTransportServer", run: getTransportService},
}

// cmdlet is a ps.Command bound to the server it runs on and to the remote
// session it was imported from (nil when added with the snap-in).
type cmdlet struct {
	spec   *cmdSpec
	org    *Org
	srv    *Server
	sess   *session
	params []ps.ParamSpec
}

// Name is the cmdlet name.
func (c *cmdlet) Name() string { return c.spec.name }

// ClassName is the .NET class for the snap-in; an imported command is a
// proxy function, whose class is its name (api.go).
func (c *cmdlet) ClassName() string {
	if c.sess != nil {
		return c.spec.name
	}
	return c.fullClass()
}

// fullClass is the Exchange task class, which Exchange's own error ids name
// also through a remote session.
func (c *cmdlet) fullClass() string { return nsSystemConfig + c.spec.class }

// DefaultParameterSet is the cmdlet's DefaultParameterSetName ("" if none).
func (c *cmdlet) DefaultParameterSet() string { return c.spec.defaultSet }

// Params lists the parameters params.tsv gives for the server's version.
func (c *cmdlet) Params() []ps.ParamSpec { return append([]ps.ParamSpec(nil), c.params...) }

var _ ps.Command = (*cmdlet)(nil)
var _ ps.DefaultParameterSetter = (*cmdlet)(nil)

// commandsFor returns the Exchange cmdlets of srv's version.
func (o *Org) commandsFor(srv *Server, sess *session) []ps.Command {
	var out []ps.Command
	for _, spec := range exchangeCmdlets {
		if !cmdletExists(spec.name, srv.version) {
			continue
		}
		out = append(out, &cmdlet{spec: spec, org: o, srv: srv, sess: sess, params: paramSpecs(spec.name, srv.version)})
	}
	return out
}

// invocation is one run of a cmdlet.
type invocation struct {
	c       *cmdlet
	call    *ps.Call
	org     *Org
	srv     *Server
	sess    *session
	r       *render
	version Version
}

// Invoke runs the cmdlet: injected latency first (outside the lock, so
// parallel servers stay parallel), then the model under the org's mutex.
func (c *cmdlet) Invoke(call *ps.Call) ([]any, error) {
	ctx := call.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if d := c.org.cmdletLatency(c.spec.name); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	c.org.mu.Lock()
	defer c.org.mu.Unlock()
	x := &invocation{c: c, call: call, org: c.org, srv: c.srv, sess: c.sess, version: c.srv.version}
	x.r = &render{remote: c.sess != nil, version: c.srv.version, org: c.org, srv: c.srv}
	if c.sess != nil {
		x.r.runspaceID = c.sess.runspaceID
		if c.sess.closed {
			return nil, x.sessionClosed()
		}
	}
	if call.Args == nil {
		call.Args = map[string]any{}
	}
	if kind := c.org.fault(c.spec.name); kind != "" {
		return nil, x.fail(errInjected, c.org.dc)
	}
	if c.srv.role == Edge && call.Has("DomainController") {
		return nil, x.fail(errDCOnEdge)
	}
	if c.spec.mutates && x.whatIf() {
		// -WhatIf: no change; the "What if:" line goes to the host, which
		// the contract does not expose.
		return nil, nil
	}
	out, err := c.spec.run(x)
	if err != nil {
		return out, err
	}
	if c.spec.mutates {
		c.org.changed()
	}
	return out, nil
}

func (x *invocation) whatIf() bool {
	b, _ := x.call.Args["WhatIf"].(bool)
	return b
}

// sessionClosed is what an imported command does after Remove-PSSession
// [INFER: implicit remoting cannot reach the removed runspace].
func (x *invocation) sessionClosed() *ps.ErrorRecord {
	e := x.record(fmt.Sprintf("The session %s is not available: it was closed by Remove-PSSession.", x.sess.name),
		"InvalidOperation", "System.Management.Automation.PSInvalidOperationException", "InvalidSessionState,"+x.c.Name())
	e.Remote = false
	return e
}

// arg helpers.

func (x *invocation) has(name string) bool { return x.call.Has(name) }

func (x *invocation) str(name string) string {
	v, ok := x.call.Args[name]
	if !ok || v == nil {
		return ""
	}
	if o, isObj := v.(*ps.Object); isObj {
		return objectText(o)
	}
	if l, isList := v.([]any); isList && len(l) == 1 {
		return fmt.Sprint(l[0])
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

func (x *invocation) flag(name string) bool {
	v, _ := x.call.Args[name].(bool)
	return v
}

// boolArg returns a Boolean parameter's value and whether it was given.
func (x *invocation) boolArg(name string) (bool, bool) {
	v, ok := x.call.Args[name]
	if !ok {
		return false, false
	}
	b, _ := v.(bool)
	return b, true
}

// identities returns the Identity argument, or the identities of the
// pipeline objects when the binder left the parameter to the cmdlet.
// nilGiven reports -Identity $null (documented to return all objects).
func (x *invocation) identities(param string) (ids []string, nilGiven bool) {
	if v, ok := x.call.Args[param]; ok {
		if v == nil {
			return nil, true
		}
		for _, it := range flatten(v) {
			ids = append(ids, strings.TrimSpace(fmt.Sprint(it)))
		}
		return ids, false
	}
	for _, in := range x.call.Input {
		for _, it := range flatten(in) {
			ids = append(ids, strings.TrimSpace(fmt.Sprint(it)))
		}
	}
	return ids, false
}

// wildcardMatch matches PowerShell's * and ? wildcards, case-insensitively.
func wildcardMatch(pattern, s string) bool {
	p, t := strings.ToLower(pattern), strings.ToLower(s)
	var match func(i, j int) bool
	match = func(i, j int) bool {
		for i < len(p) {
			switch p[i] {
			case '*':
				for k := j; k <= len(t); k++ {
					if match(i+1, k) {
						return true
					}
				}
				return false
			case '?':
				if j >= len(t) {
					return false
				}
			default:
				if j >= len(t) || p[i] != t[j] {
					return false
				}
			}
			i++
			j++
		}
		return j == len(t)
	}
	return match(0, 0)
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }
