package exchange

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// The processes of a server's Windows services, as Get-WmiObject reads them
// (Win32_Service, Win32_Process): every service runs from the boot (the
// exsim process's start, or a state file's load: not persisted, a restart of
// exsim is a reboot of its servers) until Restart-Service gives it a new
// process with a new ProcessId and CreationDate.

const getWmiObjectName = "Get-WmiObject"

// serviceProcess is the process one service runs in.
type serviceProcess struct {
	pid     int
	started time.Time
}

// executables are the image names (Win32_Process.Name) and folders of the
// services' processes; a service not listed runs in svchost.exe.
var executables = map[string]string{
	"msexchangetransport":         "MSExchangeTransport.exe",
	"msexchangefrontendtransport": "MSExchangeFrontendTransport.exe",
	"msexchangesubmission":        "MSExchangeSubmission.exe",
	"msexchangedelivery":          "MSExchangeDelivery.exe",
	"msexchangeis":                "Microsoft.Exchange.Store.Service.exe",
	"msexchangeservicehost":       "Microsoft.Exchange.ServiceHost.exe",
	"adam_msexchange":             "dsamain.exe",
	"msexchangeedgecredential":    "Microsoft.Exchange.EdgeCredentialSvc.exe",
}

func (s *Server) executable(svc windowsService) (name, path string) {
	name, ok := executables[strings.ToLower(svc.name)]
	if !ok {
		return "svchost.exe", `C:\Windows\system32\svchost.exe`
	}
	return name, s.installPath() + `\Bin\` + name
}

// process returns the process of svc, the one started at boot until a
// restart (the mutex is held).
func (s *Server) process(svc string) *serviceProcess {
	key := strings.ToLower(svc)
	if p := s.procs[key]; p != nil {
		return p
	}
	if s.procs == nil {
		s.procs = map[string]*serviceProcess{}
	}
	// The services started at the boot, or with the server when it was
	// installed later: never before its default connectors were written.
	started := s.org.boot
	if s.created.After(started) {
		started = s.created
	}
	p := &serviceProcess{pid: s.org.newPID(), started: started}
	s.procs[key] = p
	return p
}

// restartProcess gives svc a new process started now (Restart-Service).
func (s *Server) restartProcess(svc string) {
	s.process(svc)
	s.procs[strings.ToLower(svc)] = &serviceProcess{pid: s.org.newPID(), started: s.org.clock()}
}

// newPID numbers processes as Windows does, in steps of 4.
func (o *Org) newPID() int {
	if o.lastPID == 0 {
		o.lastPID = 1000
	}
	o.lastPID += 4
	return o.lastPID
}

// ProcessStarted is when the process of a service on the server started
// (zero when the server has no such service).
func (s *Server) ProcessStarted(service string) time.Time {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	for _, svc := range servicesOf(s) {
		if strings.EqualFold(svc.name, service) {
			return s.process(svc.name).started
		}
	}
	return time.Time{}
}

// cimDateTime writes a CIM_DATETIME as WMI returns it to PowerShell:
// local time, microseconds, the offset from UTC in minutes
// (20261202172927.123456+060).
func cimDateTime(t time.Time) string {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%s.%06d%c%03d", t.Format("20060102150405"), t.Nanosecond()/1000, sign, off/60)
}

// getWmiObject is Microsoft.PowerShell.Management's Get-WmiObject for the
// two classes of root\cimv2 a script asks about services with:
// Win32_Service and Win32_Process, with a WQL -Filter of comparisons
// (Property = 'text' or number) joined by AND and OR.
type getWmiObject struct {
	org *Org
	srv *Server
}

func (g *getWmiObject) Name() string { return getWmiObjectName }
func (g *getWmiObject) ClassName() string {
	return "Microsoft.PowerShell.Commands.GetWmiObjectCommand"
}

// Params are the query set's (Get-WmiObject -Class [-Property] [-Filter]);
// the other sets (-Query, -List, remote computers) are not modelled.
func (g *getWmiObject) Params() []ps.ParamSpec {
	return []ps.ParamSpec{
		{Name: "Class", Type: "String", Sets: []string{"query"}, MandatoryIn: []string{"query"}, Position: 0},
		{Name: "Property", Type: "String[]", Sets: []string{"query"}, Position: 1},
		{Name: "Filter", Type: "String", Sets: []string{"query"}, Position: -1},
		{Name: "Namespace", Type: "String", Position: -1, Aliases: []string{"NameSpace"}},
	}
}

// wmiClass is one modelled class: its objects' properties in order.
type wmiClass struct {
	name    string
	objects func(g *getWmiObject) []*ps.Object
}

var wmiClasses = []wmiClass{
	{name: "Win32_Service", objects: (*getWmiObject).services},
	{name: "Win32_Process", objects: (*getWmiObject).processes},
}

func wmiTypeNames(class string) []string {
	return []string{`System.Management.ManagementObject#root\cimv2\` + class, "System.Management.ManagementObject",
		"System.Management.ManagementBaseObject", "System.ComponentModel.Component", "System.MarshalByRefObject", "System.Object"}
}

func uint32Value(n int) scalar { return scalar{typ: "System.UInt32", text: strconv.Itoa(n)} }

func (g *getWmiObject) services() []*ps.Object {
	var out []*ps.Object
	for _, svc := range servicesOf(g.srv) {
		p := g.srv.process(svc.name)
		_, path := g.srv.executable(svc)
		o := &ps.Object{TypeNames: wmiTypeNames("Win32_Service"),
			Text: `\\` + g.srv.name + `\root\cimv2:Win32_Service.Name="` + svc.name + `"`}
		o.Props = []*ps.Property{
			{Name: "Name", Value: svc.name, TypeOfValue: "System.String"},
			{Name: "DisplayName", Value: svc.display, TypeOfValue: "System.String"},
			{Name: "ExitCode", Value: uint32Value(0), TypeOfValue: "System.UInt32"},
			{Name: "PathName", Value: `"` + path + `"`, TypeOfValue: "System.String"},
			{Name: "ProcessId", Value: uint32Value(p.pid), TypeOfValue: "System.UInt32"},
			{Name: "StartMode", Value: "Auto", TypeOfValue: "System.String"},
			{Name: "Started", Value: true, TypeOfValue: "System.Boolean"},
			{Name: "State", Value: "Running", TypeOfValue: "System.String"},
			{Name: "Status", Value: "OK", TypeOfValue: "System.String"},
		}
		out = append(out, o)
	}
	return out
}

func (g *getWmiObject) processes() []*ps.Object {
	var out []*ps.Object
	for _, svc := range servicesOf(g.srv) {
		p := g.srv.process(svc.name)
		name, path := g.srv.executable(svc)
		o := &ps.Object{TypeNames: wmiTypeNames("Win32_Process"),
			Text: `\\` + g.srv.name + `\root\cimv2:Win32_Process.Handle="` + strconv.Itoa(p.pid) + `"`}
		o.Props = []*ps.Property{
			{Name: "Name", Value: name, TypeOfValue: "System.String"},
			{Name: "CreationDate", Value: cimDateTime(p.started.In(g.org.loc)), TypeOfValue: "System.String"},
			{Name: "ExecutablePath", Value: path, TypeOfValue: "System.String"},
			{Name: "Handle", Value: strconv.Itoa(p.pid), TypeOfValue: "System.String"},
			{Name: "ProcessId", Value: uint32Value(p.pid), TypeOfValue: "System.UInt32"},
		}
		out = append(out, o)
	}
	return out
}

// Invoke lists the objects of the class that match the filter.
func (g *getWmiObject) Invoke(call *ps.Call) ([]any, error) {
	g.org.mu.Lock()
	defer g.org.mu.Unlock()
	if g.org.fault(getWmiObjectName) != "" {
		return nil, wmiError("Generic failure ", "InvalidOperation")
	}
	if ns, _ := call.Args["Namespace"].(string); ns != "" && !strings.EqualFold(strings.TrimPrefix(ns, `\\.\`), `root\cimv2`) {
		return nil, wmiError("Invalid namespace \""+ns+"\"", "InvalidArgument")
	}
	name, _ := call.Args["Class"].(string)
	var class *wmiClass
	for i := range wmiClasses {
		if strings.EqualFold(wmiClasses[i].name, strings.TrimSpace(name)) {
			class = &wmiClasses[i]
		}
	}
	if class == nil {
		return nil, wmiError("Invalid class \""+name+"\"", "InvalidType")
	}
	filter, _ := call.Args["Filter"].(string)
	objs := class.objects(g)
	where, err := parseWQLFilter(filter, objs)
	if err != nil {
		return nil, wmiError("Invalid query \"select * from "+class.name+" where "+filter+"\"", "InvalidArgument")
	}
	selected := flatten(call.Args["Property"])
	var out []any
	for _, o := range objs {
		if !where(o) {
			continue
		}
		if len(selected) > 0 && !(len(selected) == 1 && fmt.Sprint(selected[0]) == "*") {
			// SELECT p1, p2 FROM class: the object has only those.
			var props []*ps.Property
			for _, sel := range selected {
				if p := propOf(o, fmt.Sprint(sel)); p != nil {
					props = append(props, p)
				} else {
					return nil, wmiError("Invalid query \"select "+fmt.Sprint(sel)+" from "+class.name+"\"", "InvalidArgument")
				}
			}
			o = &ps.Object{TypeNames: o.TypeNames, Text: o.Text, Props: props}
		}
		out = append(out, o)
	}
	return out, nil
}

// wmiError is a ManagementException as Get-WmiObject reports it [INFER:
// the wording of WMI's errors as PowerShell 5.1 prints them, from memory].
func wmiError(msg, category string) *ps.ErrorRecord {
	return &ps.ErrorRecord{Message: msg, Category: category, Reason: "ManagementException",
		ExceptionType:         "System.Management.ManagementException",
		FullyQualifiedErrorId: "GetWMIManagementException,Microsoft.PowerShell.Commands.GetWmiObjectCommand"}
}

// parseWQLFilter reads a WQL WHERE clause of comparisons Property = value
// (a quoted string, compared case-insensitively as WQL does, or a number)
// joined by AND and OR (AND first); an empty filter matches every object.
// A property the class does not have is an invalid query.
func parseWQLFilter(filter string, sample []*ps.Object) (func(*ps.Object) bool, error) {
	toks, err := wqlTokens(filter)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return func(*ps.Object) bool { return true }, nil
	}
	type cmp struct{ prop, value string }
	var ors [][]cmp
	var and []cmp
	for i := 0; ; {
		if i+2 >= len(toks) || toks[i+1] != "=" || isWQLKeyword(toks[i]) {
			return nil, fmt.Errorf("want Property = value at %q", strings.Join(toks[i:], " "))
		}
		prop, val := toks[i], toks[i+2]
		if len(sample) > 0 && propOf(sample[0], prop) == nil {
			return nil, fmt.Errorf("no property %s", prop)
		}
		and = append(and, cmp{prop, val})
		i += 3
		if i == len(toks) {
			ors = append(ors, and)
			break
		}
		switch strings.ToUpper(toks[i]) {
		case "AND":
		case "OR":
			ors, and = append(ors, and), nil
		default:
			return nil, fmt.Errorf("want AND or OR at %q", toks[i])
		}
		i++
	}
	return func(o *ps.Object) bool {
		for _, all := range ors {
			ok := true
			for _, c := range all {
				p := propOf(o, c.prop)
				if p == nil || !strings.EqualFold(fmt.Sprint(p.Value), c.value) {
					ok = false
				}
			}
			if ok {
				return true
			}
		}
		return false
	}, nil
}

func isWQLKeyword(s string) bool {
	switch strings.ToUpper(s) {
	case "AND", "OR", "NOT", "=":
		return true
	}
	return false
}

func propOf(o *ps.Object, name string) *ps.Property {
	for _, p := range o.Props {
		if strings.EqualFold(p.Name, name) {
			return p
		}
	}
	return nil
}

// wqlTokens splits a filter into names, '=', and values (quotes removed;
// a doubled or backslash-escaped quote inside is not modelled).
func wqlTokens(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '=':
			out = append(out, "=")
			i++
		case c == '\'' || c == '"':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("unterminated string")
			}
			out = append(out, s[i+1:i+1+end])
			i += end + 2
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '=' && s[j] != '\'' && s[j] != '"' {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out, nil
}
