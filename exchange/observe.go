package exchange

import (
	"context"
	"fmt"

	"github.com/go-logr/logr"
)

// ObserveRequest says what one observe script reads from one server.
type ObserveRequest struct {
	Target Target
	Reads
}

// Reads says which kinds an observe script reads besides the server itself.
type Reads struct {
	// Organization reads the organisation-wide objects (send connectors and
	// TransportConfig) through this server; set it on exactly one server of
	// each organisation.
	Organization bool
	// ReceiveConnectors reads this server's receive connectors.
	ReceiveConnectors bool
	// Certificates reads this server's Exchange certificates.
	Certificates bool
	// Roots reads the server's LocalMachine Root store (trustedroot.go).
	Roots bool
	// Hybrid reads the organisation's hybrid configuration (with
	// Organization, on the same one server).
	Hybrid bool
	// TransportServices reads the transport services' process start times
	// and the connectors' WhenChangedUTC (restartTransportService: OnChange).
	TransportServices bool
}

// Observation is everything one observe script read. Objects whose
// properties could not all be read carry Problems; Err joins them.
type Observation struct {
	Server            ObservedServer             `json:"server"`
	ReceiveConnectors []ObservedReceiveConnector `json:"receiveConnectors,omitempty"`
	Certificates      []ObservedCertificate      `json:"certificates,omitempty"`
	// SendConnectors and TransportConfig are set when the request read the
	// organisation.
	SendConnectors  []ObservedSendConnector  `json:"sendConnectors,omitempty"`
	TransportConfig *ObservedTransportConfig `json:"transportConfig,omitempty"`
	// Roots is the LocalMachine Root store, when the request read it.
	Roots []ObservedRoot `json:"roots,omitempty"`
	// HybridConfiguration is set when the request read it and the
	// organisation has one.
	HybridConfiguration *ObservedHybridConfiguration `json:"hybridConfiguration,omitempty"`
	// TransportServices are set when the request read them (services.go).
	TransportServices []ObservedService `json:"transportServices,omitempty"`
	// Warnings are the warning records the server wrote.
	Warnings []string `json:"warnings,omitempty"`
}

// Err returns ParseErrors listing every property that could not be read, or
// nil.
func (o *Observation) Err() error {
	var all ParseErrors
	all = append(all, o.Server.Problems...)
	for _, c := range o.ReceiveConnectors {
		all = append(all, c.Problems...)
	}
	for _, c := range o.Certificates {
		all = append(all, c.Problems...)
	}
	for _, c := range o.SendConnectors {
		all = append(all, c.Problems...)
	}
	if o.TransportConfig != nil {
		all = append(all, o.TransportConfig.Problems...)
	}
	for _, c := range o.Roots {
		all = append(all, c.Problems...)
	}
	if o.HybridConfiguration != nil {
		all = append(all, o.HybridConfiguration.Problems...)
	}
	for _, s := range o.TransportServices {
		all = append(all, s.Problems...)
	}
	if len(all) == 0 {
		return nil
	}
	return all
}

// observePart is one Get-* call whose objects become one frame.
type observePart struct {
	frame string
	get   Call
	props []string
	// convertToXML keeps this part on ConvertTo-Xml even through a remote
	// session (see sendConnectorCredentialPart).
	convertToXML bool
}

// write emits the part: the objects, reduced to the properties the parsers
// read (smaller output, and no property whose getter may throw), then the
// serialised document as base64 between markers.
//
// Through a remote session the objects are deserialised property bags, and
// Export-Clixml (-Depth 2: the bag, its values, a collection's items) writes
// them losslessly: control characters an administrator typed become
// _xHHHH_, where ConvertTo-Xml throws ("hexadecimal value 0x00, is an
// invalid character"). Export-Clixml writes only to a file, so a temp file
// from [IO.Path]::GetTempFileName() is read back with [IO.File]::ReadAllBytes
// (UTF-16LE with a BOM) and removed in finally (docs/exchange.md "CLIXML on
// stderr" has the format).
//
// Through the snap-in the values are live .NET objects, which exsim's
// Export-Clixml does not model; there ConvertTo-Xml at depth 1 stays
// (nested values as their ToString, collections as items), base64 of
// UTF-8. Adding $x to an empty string turns the $null of an empty pipeline
// into an empty string, which GetBytes accepts.
func (p observePart) write(s *Script, t Target) {
	get := Call{Cmdlet: p.get.Cmdlet, Params: append([]Param(nil), p.get.Params...)}
	get.Arg("ErrorAction", lit("Stop"))
	s.record(get)
	builtinCall(s, "Select-Object", "Property")
	if t.Mode() == SessionSnapIn || p.convertToXML {
		s.Line(concat(raw("$x = "), get.Code(), raw(" | Select-Object -Property "), lits(p.props),
			raw(" | ConvertTo-Xml -As "), lit("String"), raw(" -Depth 1 -NoTypeInformation")))
		builtinCall(s, "ConvertTo-Xml", "As", "Depth", "NoTypeInformation")
		s.Line(lit(beginMarker(p.frame)))
		s.Line(raw("[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('' + $x))"))
		s.Line(lit(endMarker(p.frame)))
		return
	}
	s.Line(raw("$f = [IO.Path]::GetTempFileName()"))
	s.open("try {")
	s.Line(concat(get.Code(), raw(" | Select-Object -Property "), lits(p.props), raw(" | Export-Clixml -LiteralPath $f -Depth 2")))
	builtinCall(s, "Export-Clixml", "LiteralPath", "Depth")
	s.Line(lit(beginMarker(p.frame)))
	s.Line(raw("[Convert]::ToBase64String([IO.File]::ReadAllBytes($f))"))
	s.Line(lit(endMarker(p.frame)))
	s.reopen("} finally {")
	s.Line(raw("Remove-Item -LiteralPath $f"))
	builtinCall(s, "Remove-Item", "LiteralPath")
	s.close("}")
}

func (r ObserveRequest) parts() []observePart {
	t := r.Target
	// connector adds WhenChangedUTC to a part whose object a transport
	// service reads, when the services are read.
	connector := func(p observePart) observePart {
		if r.TransportServices {
			return withWhenChanged(p)
		}
		return p
	}
	parts := []observePart{serverPart(t.Name)}
	if r.ReceiveConnectors {
		parts = append(parts, connector(receiveConnectorPart(t.Name)))
	}
	if r.Certificates {
		parts = append(parts, certificatePart(t.Name))
	}
	if r.Roots {
		parts = append(parts, rootPart())
	}
	if r.Organization {
		parts = append(parts, connector(sendConnectorPart(t)))
		if t.Mode() != SessionSnapIn {
			parts = append(parts, sendConnectorCredentialPart())
		}
		parts = append(parts, connector(transportConfigPart()))
		if r.Hybrid {
			parts = append(parts, hybridConfigurationPart())
		}
	}
	if r.TransportServices {
		parts = append(parts, servicesPart(), processesPart())
	}
	return parts
}

// ObserveScript builds the one script that reads everything req asks for.
// It is straight-line PowerShell 2.0: set up the session, one frame per
// kind, close the session, the done marker.
func ObserveScript(req ObserveRequest) (*Script, error) {
	if err := req.Target.check(); err != nil {
		return nil, err
	}
	parts := req.parts()
	var gets []Call
	for _, p := range parts {
		gets = append(gets, p.get)
	}
	s := &Script{Name: "observe"}
	cmdlets := exchangeCmdlets(gets)
	openSession(s, req.Target, cmdlets)
	for _, p := range parts {
		p.write(s, req.Target)
	}
	closeSession(s, req.Target, cmdlets)
	return s, nil
}

// ParseObservation reads the output of ObserveScript(req). A script that
// failed returns its classified *RemoteError; output that cannot be read at
// all returns ErrUnreadable; single properties that cannot be read are
// listed on their objects (see Observation.Err).
func ParseObservation(req ObserveRequest, res *Result) (*Observation, error) {
	stderr := DecodeStderr(res.Stderr)
	scan, scanErr := scanStdout(res.Stdout)
	return parseObservationScan(req, res, stderr, scan, scanErr)
}

// parseObservationScan reads the observe frames of req from output already
// scanned (an observe script's, or an apply script's that verified).
func parseObservationScan(req ObserveRequest, res *Result, stderr Stderr, scan *stdoutScan, scanErr error) (*Observation, error) {
	switch {
	case len(stderr.Errors) > 0 || res.ExitCode != 0:
		return nil, remoteFailure(req.Target.Name, res, stderr, scan)
	case scanErr != nil:
		return nil, scanErr
	case !scan.done:
		return nil, remoteFailure(req.Target.Name, res, stderr, scan)
	}
	obs := &Observation{Warnings: stderr.Warnings}
	var err error
	if obs.Server, err = parseServer(scan, req.Target.Name); err != nil {
		return nil, err
	}
	if req.ReceiveConnectors {
		if obs.ReceiveConnectors, err = parseReceiveConnectors(scan); err != nil {
			return nil, err
		}
	}
	if req.Certificates {
		if obs.Certificates, err = parseCertificates(scan); err != nil {
			return nil, err
		}
	}
	if req.Roots {
		if obs.Roots, err = parseRoots(scan); err != nil {
			return nil, err
		}
	}
	if req.Organization {
		if obs.SendConnectors, err = parseSendConnectors(scan); err != nil {
			return nil, err
		}
		tc, err := parseTransportConfig(scan)
		if err != nil {
			return nil, err
		}
		obs.TransportConfig = &tc
		if req.Hybrid {
			if obs.HybridConfiguration, err = parseHybridConfiguration(scan); err != nil {
				return nil, err
			}
		}
	}
	if req.TransportServices {
		if obs.TransportServices, err = parseServices(scan); err != nil {
			return nil, err
		}
	}
	return obs, nil
}

// remoteFailure makes the error of a script that did not run to its end.
// The first error record says why; with none, the exit code is all there is.
func remoteFailure(server string, res *Result, stderr Stderr, scan *stdoutScan) error {
	re := &RemoteError{Server: server, ExitCode: res.ExitCode, Class: ClassOther}
	if len(stderr.Errors) > 0 {
		re.Record = stderr.Errors[len(stderr.Errors)-1]
		re.Class = Classify(re.Record)
	} else if stderr.Text != "" {
		re.Record = ErrorRecord{Message: stderr.Text}
	} else if scan != nil && len(scan.noise) > 0 {
		re.Record = ErrorRecord{Message: "script stopped early; last output: " + scan.noise[len(scan.noise)-1]}
	}
	return re
}

// Observe runs the observe script for req on r and parses its output.
func Observe(ctx context.Context, r Runner, req ObserveRequest) (*Observation, error) {
	s, err := ObserveScript(req)
	if err != nil {
		return nil, fmt.Errorf(msgObserve+": %w", req.Target.Name, err)
	}
	res, err := r.Run(ctx, s)
	if err != nil {
		return nil, fmt.Errorf(msgObserve+": %w", req.Target.Name, err)
	}
	obs, err := ParseObservation(req, res)
	if err != nil {
		return nil, fmt.Errorf(msgObserve+": %w", req.Target.Name, err)
	}
	if perr := obs.Err(); perr != nil {
		logr.FromContextOrDiscard(ctx).Info("some properties could not be read", "server", req.Target.Name, "problems", perr.Error())
	}
	return obs, nil
}
