package exchange

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// The tests call the ps.Command implementations directly with hand-built
// *ps.Call values, as the interpreter's binder would after binding.

var testClock = time.Date(2024, 3, 5, 14, 7, 9, 0, time.UTC)

const (
	testUser     = `WORK\admin`
	testPassword = "P@ssw0rd!"
)

// newTestOrg builds work.com with the given servers (default: one 2019
// Mailbox server WIN20081).
func newTestOrg(t testing.TB, specs ...ServerSpec) *Org {
	t.Helper()
	if len(specs) == 0 {
		specs = []ServerSpec{{Name: "WIN20081"}}
	}
	o, err := NewOrg(Options{Domain: "work.com", Servers: specs, Clock: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// shell is one powershell.exe on a server with the Exchange cmdlets loaded,
// through a remote session (remote) or the snap-in.
type shell struct {
	t      testing.TB
	org    *Org
	server string
	cmds   map[string]ps.Command
	sess   *ps.RemoteSession
}

func remoteShell(t testing.TB, o *Org, server string) *shell {
	t.Helper()
	l, err := o.Loader(server, testUser, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := o.Server(server)
	rs, err := l.NewPSSession(&ps.Call{Args: map[string]any{
		"ConfigurationName": "Microsoft.Exchange",
		"ConnectionUri":     "http://" + s.FQDN() + "/PowerShell/",
		"Authentication":    "Kerberos",
		"Credential":        &ps.Credential{UserName: testUser, Password: ps.NewSecureString(testPassword)},
	}})
	if err != nil {
		t.Fatalf("New-PSSession: %v", err)
	}
	cmds, err := l.ImportPSSession(rs, nil)
	if err != nil {
		t.Fatal(err)
	}
	sh := newShell(t, o, server, cmds)
	sh.sess = rs
	return sh
}

func snapinShell(t testing.TB, o *Org, server string) *shell {
	t.Helper()
	l, err := o.Loader(server, testUser, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := o.Server(server)
	name := snapin2013
	if s.Version() == V2010 {
		name = snapin2010
	}
	cmds, err := l.AddPSSnapin(name)
	if err != nil {
		t.Fatal(err)
	}
	return newShell(t, o, server, cmds)
}

func newShell(t testing.TB, o *Org, server string, cmds []ps.Command) *shell {
	sh := &shell{t: t, org: o, server: server, cmds: map[string]ps.Command{}}
	for _, c := range cmds {
		sh.cmds[strings.ToLower(c.Name())] = c
	}
	if hc, err := o.HostCommands(server); err == nil {
		for _, c := range hc {
			sh.cmds[strings.ToLower(c.Name())] = c
		}
	}
	return sh
}

// call is one cmdlet invocation; confirmFalse passes -Confirm:$false.
type call struct {
	name    string
	args    map[string]any
	input   []any
	confirm *bool
}

func (sh *shell) run(c call) ([]any, error) {
	cmd, ok := sh.cmds[strings.ToLower(c.name)]
	if !ok {
		return nil, fmt.Errorf("The term '%s' is not recognized", c.name)
	}
	args := map[string]any{}
	for k, v := range c.args {
		args[k] = v
	}
	for k := range args {
		if !hasParam(cmd, k) && k != "WhatIf" {
			return nil, fmt.Errorf("A parameter cannot be found that matches parameter name '%s'.", k)
		}
	}
	pc := &ps.Call{Ctx: context.Background(), Host: &ps.Host{ServerName: sh.server}, Args: args,
		Input: c.input, Confirm: c.confirm, NonInteractive: true}
	return cmd.Invoke(pc)
}

func hasParam(cmd ps.Command, name string) bool {
	for _, p := range cmd.Params() {
		if p.Name == name {
			return true
		}
	}
	return false
}

// must runs c and fails the test on error.
func (sh *shell) must(name string, args map[string]any) []any {
	sh.t.Helper()
	out, err := sh.run(call{name: name, args: args})
	if err != nil {
		sh.t.Fatalf("%s: %v", name, err)
	}
	return out
}

func (sh *shell) remove(name string, args map[string]any) error {
	f := false
	_, err := sh.run(call{name: name, args: args, confirm: &f})
	return err
}

// errText returns the message of an error, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func asRecord(t testing.TB, err error) *ps.ErrorRecord {
	t.Helper()
	var rec *ps.ErrorRecord
	if !errors.As(err, &rec) {
		t.Fatalf("error %v (%T) is not an ErrorRecord", err, err)
	}
	return rec
}

// prop returns a property's text as Format-List shows it.
func prop(t testing.TB, v any, name string) string {
	t.Helper()
	o, ok := v.(*ps.Object)
	if !ok {
		t.Fatalf("%T is not an object", v)
	}
	p := o.Get(name)
	if p == nil {
		t.Fatalf("object has no property %s", name)
	}
	return valueText(p.Value)
}

// valueText renders a value as Format-List does (docs/exchange.md "Format-List").
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "True"
		}
		return "False"
	case *ps.Collection:
		items := make([]string, len(x.Items))
		for i, it := range x.Items {
			items[i] = valueText(it)
		}
		return "{" + strings.Join(items, ", ") + "}"
	case ps.Scalar:
		return x.String()
	case *ps.Credential:
		return x.String()
	}
	return fmt.Sprint(v)
}

// formatList is a minimal Format-List -Property with wildcards, enough to
// compare objects with the seed transcripts (labels padded to the longest).
func formatList(objs []any, patterns ...string) string {
	var b strings.Builder
	for _, v := range objs {
		o := v.(*ps.Object)
		var names []string
		for _, pat := range patterns {
			for _, p := range o.Props {
				if wildcardMatch(pat, p.Name) && indexOf(toAny(names), p.Name) < 0 {
					names = append(names, p.Name)
				}
			}
		}
		width := 0
		for _, n := range names {
			width = max(width, len(n))
		}
		for _, n := range names {
			fmt.Fprintf(&b, "%-*s : %s\n", width, n, valueText(o.Get(n).Value))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i := range s {
		out[i] = s[i]
	}
	return out
}

func propNames(o *ps.Object) []string {
	var out []string
	for _, p := range o.Props {
		out = append(out, p.Name)
	}
	return out
}

func boolPtr(b bool) *bool { return &b }

func (h *psHashtable) ps() *ps.Hashtable {
	out := &ps.Hashtable{Values: map[string]any{}}
	for k, v := range *h {
		out.Keys = append(out.Keys, k)
		out.Values[strings.ToLower(k)] = v
	}
	return out
}
