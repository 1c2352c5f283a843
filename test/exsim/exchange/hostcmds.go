package exchange

import (
	"fmt"
	"strings"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

const restartServiceName = "Restart-Service"

// windowsService is a service of an Exchange server that Restart-Service
// can find.
type windowsService struct{ name, display string }

// servicesOf lists the services a server has (the transport ones matter;
// the others let a script restart them without an error).
func servicesOf(s *Server) []windowsService {
	out := []windowsService{
		{"MSExchangeTransport", "Microsoft Exchange Transport"},
		{"W3SVC", "World Wide Web Publishing Service"},
		{"WinRM", "Windows Remote Management (WS-Management)"},
	}
	if s.role == Edge {
		return append(out, windowsService{"ADAM_MSExchange", "Microsoft Exchange ADAM"},
			windowsService{"MSExchangeEdgeCredential", "Microsoft Exchange Credential Service"})
	}
	out = append(out, windowsService{"MSExchangeIS", "Microsoft Exchange Information Store"},
		windowsService{"MSExchangeServiceHost", "Microsoft Exchange Service Host"})
	if s.version >= V2013 {
		out = append(out, windowsService{"MSExchangeFrontEndTransport", "Microsoft Exchange Frontend Transport"},
			windowsService{"MSExchangeSubmission", "Microsoft Exchange Mailbox Transport Submission"},
			windowsService{"MSExchangeDelivery", "Microsoft Exchange Mailbox Transport Delivery"})
	}
	return out
}

// HostCommands returns the Windows cmdlets the model owns on a server's
// powershell.exe: Restart-Service, which records restarts of the transport
// service (README.md "ExchangeOrganization": restartTransportService OnChange)
// and gives it a new process, and Get-WmiObject, which reads the services
// and their processes (services.go).
func (o *Org) HostCommands(server string) ([]ps.Command, error) {
	s, ok := o.Server(server)
	if !ok {
		return nil, fmt.Errorf("no server %q in organisation %s", server, o.domain)
	}
	return []ps.Command{&restartService{org: o, srv: s}, &getWmiObject{org: o, srv: s}}, nil
}

// restartService is Microsoft.PowerShell.Management's Restart-Service.
type restartService struct {
	org *Org
	srv *Server
}

// Name is the cmdlet name.
func (r *restartService) Name() string { return restartServiceName }

// ClassName is the .NET class of Restart-Service.
func (r *restartService) ClassName() string {
	return "Microsoft.PowerShell.Commands.RestartServiceCommand"
}

// Params are Restart-Service's (Windows PowerShell 5.1).
func (r *restartService) Params() []ps.ParamSpec {
	return []ps.ParamSpec{
		{Name: "Name", Type: "String[]", Sets: []string{"Default"}, MandatoryIn: []string{"Default"}, Position: 0, FromPipeline: true, Aliases: []string{"ServiceName"}},
		{Name: "DisplayName", Type: "String[]", Sets: []string{"DisplayName"}, MandatoryIn: []string{"DisplayName"}, Position: -1},
		{Name: "InputObject", Type: "ServiceController[]", Sets: []string{"InputObject"}, MandatoryIn: []string{"InputObject"}, Position: 0, FromPipeline: true},
		{Name: "Force", Type: "SwitchParameter", Position: -1},
		{Name: "PassThru", Type: "SwitchParameter", Position: -1},
		{Name: "Include", Type: "String[]", Position: -1},
		{Name: "Exclude", Type: "String[]", Position: -1},
	}
}

// Invoke restarts the matching services (name or display name, wildcards).
func (r *restartService) Invoke(call *ps.Call) ([]any, error) {
	r.org.mu.Lock()
	defer r.org.mu.Unlock()
	byDisplay := call.Has("DisplayName")
	var names []any
	if byDisplay {
		names = flatten(call.Args["DisplayName"])
	} else {
		names = flatten(call.Args["Name"])
		if len(names) == 0 {
			names = flatten(call.Args["InputObject"])
		}
		if len(names) == 0 {
			names = flatten(call.Input)
		}
	}
	if r.org.fault(restartServiceName) != "" {
		// The service stopped and did not start again: its process is
		// the old one's until a restart succeeds [INFER: a failed start
		// leaves the service stopped on Windows; the model keeps the old
		// start time, which is what makes the restart pending].
		svc := windowsService{"MSExchangeTransport", "Microsoft Exchange Transport"}
		for _, n := range names {
			for _, x := range servicesOf(r.srv) {
				if strings.EqualFold(strings.TrimSpace(fmt.Sprint(n)), x.name) {
					svc = x
				}
			}
		}
		return nil, &ps.ErrorRecord{Message: fmt.Sprintf("Service '%s (%s)' cannot be started due to the following error: Cannot start service %s on computer '.'.", svc.display, svc.name, svc.name),
			Category: "OpenError", Reason: "ServiceCommandException", ExceptionType: "Microsoft.PowerShell.Commands.ServiceCommandException",
			TargetName: svc.name, TargetType: "ServiceController",
			FullyQualifiedErrorId: "StartServiceFailed,Microsoft.PowerShell.Commands.RestartServiceCommand"}
	}
	var out []any
	for _, n := range names {
		pattern := strings.TrimSpace(fmt.Sprint(n))
		matched := false
		for _, svc := range servicesOf(r.srv) {
			key := svc.name
			if byDisplay {
				key = svc.display
			}
			if !wildcardMatch(pattern, key) {
				continue
			}
			matched = true
			r.srv.restarts = append(r.srv.restarts, Restart{Service: svc.name, Time: r.org.now()})
			r.srv.restartProcess(svc.name)
			if b, _ := call.Args["PassThru"].(bool); b {
				out = append(out, serviceObject(svc))
			}
		}
		if !matched && !hasWildcard(pattern) {
			kind, what := "service name", pattern
			if byDisplay {
				kind = "displayname"
			}
			return out, &ps.ErrorRecord{Message: fmt.Sprintf("Cannot find any service with %s '%s'.", kind, what),
				Category: "ObjectNotFound", Reason: "ServiceCommandException", ExceptionType: "Microsoft.PowerShell.Commands.ServiceCommandException",
				TargetName: what, TargetType: "String",
				FullyQualifiedErrorId: "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.RestartServiceCommand"}
		}
	}
	r.org.changed()
	return out, nil
}

func serviceObject(svc windowsService) *ps.Object {
	return &ps.Object{
		TypeNames: []string{"System.ServiceProcess.ServiceController", "System.ComponentModel.Component", "System.MarshalByRefObject", "System.Object"},
		Props: []*ps.Property{
			{Name: "Name", Value: svc.name, TypeOfValue: "System.String"},
			{Name: "DisplayName", Value: svc.display, TypeOfValue: "System.String"},
			{Name: "Status", Value: scalar{typ: "System.ServiceProcess.ServiceControllerStatus", text: "Running"}, TypeOfValue: "System.ServiceProcess.ServiceControllerStatus"},
			{Name: "ServiceName", Value: svc.name, TypeOfValue: "System.String"},
			{Name: "MachineName", Value: ".", TypeOfValue: "System.String"},
		},
	}
}
