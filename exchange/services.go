package exchange

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ObservedService is one of the transport services of a server (Win32_Service)
// with the start time of the process it runs in (Win32_Process): a connector
// changed after that start is read by the service only once it restarts, so
// a restart that failed is seen again on the next run (docs/exchange.md
// "Transport service processes").
type ObservedService struct {
	// Name is the service name: MSExchangeTransport or MSExchangeFrontEndTransport.
	Name string `json:"name"`
	// State is Win32_Service's State: Running, Stopped, Start Pending, ...
	State     string `json:"state"`
	ProcessID int    `json:"processId"`
	// Started is when the service's process started (UTC); zero when the
	// service does not run or its process was not found.
	Started  time.Time        `json:"started,omitempty"`
	Problems []*PropertyError `json:"problems,omitempty"`
}

// transportServiceExecutables are the image names of the processes of the
// two transport services (Win32_Process.Name): the filter of the process
// part. The process is matched to its service by ProcessId, the name only
// keeps the answer small.
var transportServiceExecutables = map[string]string{
	TransportServiceName:         "MSExchangeTransport.exe",
	FrontEndTransportServiceName: "MSExchangeFrontendTransport.exe",
}

const (
	servicesFrame  = "transportservices"
	processesFrame = "transportprocesses"
	// whenChangedProperty is read from the connectors when the services are:
	// the UTC twin of WhenChanged, so that the culture ConvertTo-Xml prints
	// a DateTime in does not move it by the server's offset.
	whenChangedProperty = "WhenChangedUTC"
)

// wqlOr is a WQL filter matching prop against any of values, in a fixed order.
func wqlOr(prop string, values ...string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = prop + "='" + v + "'"
	}
	return strings.Join(parts, " OR ")
}

// servicesPart reads the transport services with Get-WmiObject (PowerShell
// 2.0 has no Get-CimInstance, and Get-Service has no ProcessId). A service
// the server does not have (the Front End on 2010 and Edge) is simply not
// in the answer: a straight-line script needs no branch for the version.
func servicesPart() observePart {
	get := newCall("Get-WmiObject").Arg("Class", lit("Win32_Service")).
		Arg("Filter", lit(wqlOr("Name", TransportServiceName, FrontEndTransportServiceName)))
	return observePart{frame: servicesFrame, get: *get, props: []string{"Name", "State", "ProcessId"}}
}

// processesPart reads the processes the transport services run in.
// CreationDate is a CIM_DATETIME string (yyyymmddHHMMSS.ffffff+UUU, the
// offset in minutes), the same in every culture.
func processesPart() observePart {
	get := newCall("Get-WmiObject").Arg("Class", lit("Win32_Process")).
		Arg("Filter", lit(wqlOr("Name", transportServiceExecutables[TransportServiceName],
			transportServiceExecutables[FrontEndTransportServiceName])))
	return observePart{frame: processesFrame, get: *get, props: []string{"Name", "ProcessId", "CreationDate"}}
}

// withWhenChanged adds WhenChangedUTC to the properties a connector part reads.
func withWhenChanged(p observePart) observePart {
	p.props = append(append([]string(nil), p.props...), whenChangedProperty)
	return p
}

// whenChanged reads WhenChangedUTC, when the part read it: zero otherwise.
func whenChanged(r *record) time.Time {
	if !r.has(whenChangedProperty) {
		return time.Time{}
	}
	t := parsed(r, whenChangedProperty, parseDateTime)
	if t.IsZero() {
		return t
	}
	// A zone-less text (ConvertTo-Xml) is the UTC wall clock already.
	return t.UTC()
}

func parseServices(scan *stdoutScan) ([]ObservedService, error) {
	svcs, err := frameRecords(scan, servicesFrame, "service", "Name")
	if err != nil {
		return nil, err
	}
	procs, err := frameRecords(scan, processesFrame, "process", "ProcessId")
	if err != nil {
		return nil, err
	}
	started := map[int]time.Time{}
	problems := map[int][]*PropertyError{}
	for _, p := range procs {
		id := p.integer("ProcessId")
		if t := parsed(p, "CreationDate", ParseCIMDateTime); !t.IsZero() {
			started[id] = t
		}
		problems[id] = p.problems
	}
	out := make([]ObservedService, 0, len(svcs))
	for _, r := range svcs {
		s := ObservedService{Name: r.str("Name"), State: r.str("State"), ProcessID: r.integer("ProcessId")}
		if s.ProcessID != 0 && strings.EqualFold(s.State, "Running") {
			s.Started = started[s.ProcessID]
			// A process that could not be read is the service's problem.
			r.problems = append(r.problems, problems[s.ProcessID]...)
		}
		s.Problems = r.problems
		out = append(out, s)
	}
	return out, nil
}

// Service returns the observed service of that name, or nil.
func (o *Observation) Service(name string) *ObservedService {
	for i := range o.TransportServices {
		if strings.EqualFold(o.TransportServices[i].Name, name) {
			return &o.TransportServices[i]
		}
	}
	return nil
}

var cimDateTime = regexp.MustCompile(`^(\d{14})\.(\d{6})([+-])(\d{3})$`)

// ParseCIMDateTime reads a CIM_DATETIME timestamp, yyyymmddHHMMSS.mmmmmmsUUU:
// local time, microseconds, and the offset from UTC in minutes
// (20261202172927.123456+060). The result is in UTC.
func ParseCIMDateTime(s string) (time.Time, error) {
	m := cimDateTime.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}, errors.New("not a CIM_DATETIME (yyyymmddHHMMSS.mmmmmm+UUU)")
	}
	local, err := time.Parse("20060102150405", m[1])
	if err != nil {
		return time.Time{}, fmt.Errorf("not a CIM_DATETIME: %v", err)
	}
	us, _ := strconv.Atoi(m[2])
	off, _ := strconv.Atoi(m[4])
	if m[3] == "-" {
		off = -off
	}
	t := local.Add(time.Duration(us) * time.Microsecond).Add(-time.Duration(off) * time.Minute)
	return t.UTC(), nil
}
