package ps

import (
	"fmt"
	"strings"
)

// fakeExchange is a small stand-in for the Exchange model: enough cmdlets
// to drive the interpreter through the seed scenarios.
type fakeExchange struct {
	objects  []any // what Get-TestObject returns
	send     []*Object
	tlsSend  *Collection
	tlsRecv  *Collection
	sessions int
}

type fakeCmd struct {
	name, class string
	params      []ParamSpec
	fn          func(c *Call) ([]any, error)
}

func (f *fakeCmd) Name() string                  { return f.name }
func (f *fakeCmd) ClassName() string             { return f.class }
func (f *fakeCmd) Params() []ParamSpec           { return f.params }
func (f *fakeCmd) Invoke(c *Call) ([]any, error) { return f.fn(c) }

// addressSpace is an Exchange AddressSpace value.
type addressSpace string

func (a addressSpace) TypeName() string { return "Microsoft.Exchange.Data.AddressSpace" }
func (a addressSpace) String() string   { return string(a) }

func newFakeExchange() *fakeExchange {
	return &fakeExchange{
		tlsSend: &Collection{TypeName: "Microsoft.Exchange.Data.MultiValuedProperty`1[Microsoft.Exchange.Data.SmtpDomain]"},
		tlsRecv: &Collection{TypeName: "Microsoft.Exchange.Data.MultiValuedProperty`1[Microsoft.Exchange.Data.SmtpDomain]"},
	}
}

func p(name, typ string) ParamSpec { return ParamSpec{Name: name, Type: typ, Position: -1} }

// sendConnector builds a send connector with the property order of
// docs/exchange.md "Send connector defaults" (a subset).
func sendConnector(name string, spaces []string, dns bool, port int) *Object {
	as := &Collection{TypeName: "Microsoft.Exchange.Data.MultiValuedProperty`1[Microsoft.Exchange.Data.AddressSpace]"}
	for _, s := range spaces {
		as.Items = append(as.Items, addressSpace(s))
	}
	prop := func(n string, v any, t string) *Property { return &Property{Name: n, Value: v, TypeOfValue: t} }
	return &Object{TypeNames: []string{"Microsoft.Exchange.Data.Directory.SystemConfiguration.SmtpSendConnectorConfig", "System.Object"},
		Text: name,
		Props: []*Property{
			prop("DNSRoutingEnabled", dns, "System.Boolean"),
			prop("TlsDomain", nil, "Microsoft.Exchange.Data.SmtpDomainWithSubdomains"),
			prop("Port", port, "System.Int32"),
			prop("RequireTLS", false, "System.Boolean"),
			prop("DomainSecureEnabled", false, "System.Boolean"),
			prop("AddressSpaces", as, as.TypeName),
			prop("Comment", "", "System.String"),
			prop("AdminDisplayName", "", "System.String"),
			prop("Name", name, "System.String"),
			prop("Identity", name, "Microsoft.Exchange.Data.Directory.ADObjectId"),
		},
		TableView: []TableColumn{{Property: "Identity"}, {Label: "AddressSpaces"}, {Label: "Enabled"}},
	}
}

func (x *fakeExchange) find(id string) *Object {
	for _, o := range x.send {
		if strings.EqualFold(o.Get("Name").Value.(string), id) {
			return o
		}
	}
	return nil
}

func notFound(id string) *ErrorRecord {
	return &ErrorRecord{Message: fmt.Sprintf("The operation couldn't be performed because object '%s' couldn't be found on 'dc1.work.com'.", id),
		Category: "NotSpecified", Reason: "ManagementObjectNotFoundException", FullyQualifiedErrorId: "[Server=WIN20081,RequestId=0,TimeStamp=1/1/2024 12:00:00 AM] [FailureCategory=Cmdlet-ManagementObjectNotFoundException] B5AB3A4D,Microsoft.Exchange.Management.SystemConfigurationTasks.GetSendConnector",
		TargetName: id, TargetType: "String"}
}

// commands returns the fake cmdlets; remote ones are proxy functions.
func (x *fakeExchange) commands(remote bool) []Command {
	class := func(name, cls string) string {
		if remote {
			return name
		}
		return cls
	}
	all := []Command{
		&fakeCmd{name: "Get-TestObject", class: class("Get-TestObject", "Test.GetTestObject"),
			fn: func(c *Call) ([]any, error) { return x.objects, nil }},
		&setCmd{fakeCmd{name: "Enable-TestThing", class: class("Enable-TestThing", "Test.EnableTestThing"),
			params: []ParamSpec{
				{Name: "Thumbprint", Type: "String", Position: 0, Sets: []string{"Thumbprint"}, MandatoryIn: []string{"Thumbprint"}},
				{Name: "Identity", Type: "ExchangeCertificateIdParameter", Position: 0, Sets: []string{"Identity"}, MandatoryIn: []string{"Identity"}, FromPipeline: true},
				p("Services", "AllowedServices"),
			},
			fn: func(c *Call) ([]any, error) {
				return []any{c.Set + ":" + toStringPS(c.Args["Identity"]) + toStringPS(c.Args["Thumbprint"])}, nil
			}}},
		&fakeCmd{name: "Get-SendConnector", class: class("Get-SendConnector", "Microsoft.Exchange.Management.SystemConfigurationTasks.GetSendConnector"),
			params: []ParamSpec{{Name: "Identity", Type: "SendConnectorIdParameter", Position: 0, FromPipeline: true}, p("DomainController", "Fqdn")},
			fn: func(c *Call) ([]any, error) {
				if !c.Has("Identity") {
					out := make([]any, len(x.send))
					for i, o := range x.send {
						out[i] = o
					}
					return out, nil
				}
				id := toStringPS(c.Args["Identity"])
				if o := x.find(id); o != nil {
					return []any{o}, nil
				}
				rec := notFound(id)
				rec.Remote, rec.PSComputerName = remote, "win20081.work.com"
				return nil, rec
			}},
		&fakeCmd{name: "New-SendConnector", class: class("New-SendConnector", "Microsoft.Exchange.Management.SystemConfigurationTasks.NewSendConnector"),
			params: []ParamSpec{
				{Name: "Name", Type: "String", Position: 0, MandatoryIn: []string{"AddressSpaces"}, Sets: []string{"AddressSpaces", "LinkedReceiveConnector"}},
				{Name: "AddressSpaces", Type: "MultiValuedProperty", Position: -1, MandatoryIn: []string{"AddressSpaces"}, Sets: []string{"AddressSpaces"}},
				{Name: "LinkedReceiveConnector", Type: "ReceiveConnectorIdParameter", Position: -1, MandatoryIn: []string{"LinkedReceiveConnector"}, Sets: []string{"LinkedReceiveConnector"}},
				p("Usage", "UsageType"), p("DNSRoutingEnabled", "Boolean"), p("SourceTransportServers", "MultiValuedProperty"),
				p("Port", "Int32"), p("DomainSecureEnabled", "Boolean"), p("Confirm", "SwitchParameter"), p("WhatIf", "SwitchParameter"), p("Force", "SwitchParameter"),
			},
			fn: func(c *Call) ([]any, error) {
				var spaces []string
				for _, s := range c.Args["AddressSpaces"].([]any) {
					spaces = append(spaces, toStringPS(s))
				}
				dns, _ := c.Args["DNSRoutingEnabled"].(bool)
				o := sendConnector(c.Args["Name"].(string), spaces, dns, 25)
				x.send = append(x.send, o)
				return []any{o}, nil
			}},
		&fakeCmd{name: "Set-SendConnector", class: class("Set-SendConnector", "Microsoft.Exchange.Management.SystemConfigurationTasks.SetSendConnector"),
			params: []ParamSpec{
				{Name: "Identity", Type: "SendConnectorIdParameter", Position: 0, FromPipeline: true, MandatoryIn: []string{"(All)"}},
				p("Port", "Int32"), p("DomainSecureEnabled", "Boolean"), p("RequireTLS", "Boolean"), p("AddressSpaces", "MultiValuedProperty"),
				p("Confirm", "SwitchParameter"), p("WhatIf", "SwitchParameter"), p("Force", "SwitchParameter"),
			},
			fn: func(c *Call) ([]any, error) {
				id := toStringPS(c.Args["Identity"])
				if o, ok := c.Args["Identity"].(*Object); ok {
					id = o.Get("Name").Value.(string)
				}
				o := x.find(id)
				if o == nil {
					return nil, notFound(id)
				}
				for _, n := range []string{"Port", "DomainSecureEnabled", "RequireTLS"} {
					if v, ok := c.Args[n]; ok {
						o.Get(n).Value = v
					}
				}
				return nil, nil
			}},
		&fakeCmd{name: "Get-TransportConfig", class: class("Get-TransportConfig", "Microsoft.Exchange.Management.SystemConfigurationTasks.GetTransportConfig"),
			fn: func(c *Call) ([]any, error) {
				return []any{&Object{TypeNames: []string{"Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportConfigContainer"}, Props: []*Property{
					{Name: "MaxSendSize", Value: "10 MB (10,485,760 bytes)"},
					{Name: "TLSReceiveDomainSecureList", Value: x.tlsRecv},
					{Name: "TLSSendDomainSecureList", Value: x.tlsSend},
					{Name: "Xexch50Enabled", Value: true},
					{Name: "Name", Value: "Transport Settings"},
				}}}, nil
			}},
		&fakeCmd{name: "Set-TransportConfig", class: class("Set-TransportConfig", "Microsoft.Exchange.Management.SystemConfigurationTasks.SetTransportConfig"),
			params: []ParamSpec{p("TLSSendDomainSecureList", "MultiValuedProperty"), p("TLSReceiveDomainSecureList", "MultiValuedProperty")},
			fn: func(c *Call) ([]any, error) {
				for n, coll := range map[string]*Collection{"TLSSendDomainSecureList": x.tlsSend, "TLSReceiveDomainSecureList": x.tlsRecv} {
					if v, ok := c.Args[n]; ok {
						if h, isHash := v.(*Hashtable); isHash {
							add, _ := h.Lookup("Add")
							coll.Items = append(coll.Items, enumerate(add)...)
							continue
						}
						coll.Items = append([]any{}, v.([]any)...)
					}
				}
				c.WriteWarning("The command completed successfully but no settings of 'Transport Settings' have been modified.")
				return nil, nil
			}},
	}
	return all
}

func (x *fakeExchange) NewPSSession(c *Call) (*RemoteSession, error) {
	if !strings.EqualFold(toStringPS(c.Args["ConfigurationName"]), "Microsoft.Exchange") {
		return nil, &ErrorRecord{Message: "[win20081.work.com] Connecting to remote server win20081.work.com failed with the following error message : The WS-Management service cannot process the request. Cannot find the Microsoft.PowerShell configuration in the WSMan: drive on the win20081.work.com computer.",
			Category: "OpenError", Reason: "PSRemotingTransportException", FullyQualifiedErrorId: "InvalidResourceUri,PSSessionOpenFailed", TargetName: "System.Management.Automation.RemoteRunspace", TargetType: "RemoteRunspace"}
	}
	x.sessions++
	return &RemoteSession{ComputerName: "win20081.work.com", ConfigurationName: "Microsoft.Exchange"}, nil
}

func (x *fakeExchange) ImportPSSession(s *RemoteSession, names []string) ([]Command, error) {
	var out []Command
	for _, c := range x.commands(true) {
		if len(names) == 0 || contains(names, c.Name()) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (x *fakeExchange) RemovePSSession(s *RemoteSession) error { x.sessions--; return nil }

func (x *fakeExchange) AddPSSnapin(name string) ([]Command, error) {
	if name != "Microsoft.Exchange.Management.PowerShell.SnapIn" {
		return nil, &ErrorRecord{Message: fmt.Sprintf("The Windows PowerShell snap-in '%s' is not installed on this computer.", name),
			Category: "InvalidArgument", Reason: "PSArgumentException", TargetName: name, TargetType: "String",
			FullyQualifiedErrorId: "AddPSSnapInRead,Microsoft.PowerShell.Commands.AddPSSnapinCommand"}
	}
	return x.commands(false), nil
}

// setCmd is a fake cmdlet with a default parameter set (Thumbprint), like
// Enable-ExchangeCertificate.
type setCmd struct{ fakeCmd }

func (s *setCmd) DefaultParameterSet() string { return "Thumbprint" }
