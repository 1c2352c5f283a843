package exchange

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// errDef is one Exchange error: message format, ErrorCategory and exception
// type. id is the 8-hex-digit error site of FullyQualifiedErrorId where a
// real one is known; otherwise a stable hash of key and cmdlet stands in
// (real ids differ per error site and are not published, docs/exchange.md "Exchange error records").
type errDef struct {
	key       string
	format    string
	category  string
	exception string
	id        string
}

const (
	exInvalidOperation = "System.InvalidOperationException"
	exArgument         = "System.ArgumentException"
	exNotFound         = "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
	exAmbiguous        = "Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException"
	exDataValidation   = "Microsoft.Exchange.Data.DataValidationException"
	exAlreadyExists    = "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException"
	exADOperation      = "Microsoft.Exchange.Data.Directory.ADOperationException"
	exTask             = "Microsoft.Exchange.Configuration.Tasks.TaskException"
	exHostNonInteract  = "System.Management.Automation.PSInvalidOperationException"
)

// Errors shared by several cmdlet families.
var (
	// docs/exchange.md "Error texts", wording verified on several real servers.
	errNotFound = errDef{key: "notfound", category: "NotSpecified", exception: exNotFound,
		format: "The operation couldn't be performed because object '%s' couldn't be found on '%s'."}
	// [INFER] Exchange's ManagementObjectAmbiguousException wording.
	errAmbiguous = errDef{key: "ambiguous", category: "NotSpecified", exception: exAmbiguous,
		format: "The operation couldn't be performed because '%s' matches multiple entries."}
	// docs/exchange.md "Error texts": AD write collision; pattern verified, reached by New-* [INFER].
	errAlreadyExists = errDef{key: "exists", category: "NotSpecified", exception: exAlreadyExists,
		format: "Active Directory operation failed on %s. The object '%s' already exists."}
	// docs/exchange.md "PowerShell error wording": what a NonInteractive host throws when a
	// cmdlet prompts (ShouldProcess/ShouldContinue). Category and exception
	// as the host raises them; the Exchange FullyQualifiedErrorId form [INFER].
	errNonInteractive = errDef{key: "prompt", category: "InvalidOperation", exception: exHostNonInteract,
		format: "Windows PowerShell is in NonInteractive mode. Read and Prompt functionality is not available."}
	// [INFER] wording; DomainController is "not supported on Edge" [REF].
	errDCOnEdge = errDef{key: "dconedge", category: "InvalidArgument", exception: exArgument,
		format: "The DomainController parameter isn't supported on Edge Transport servers."}
	// Fault injection (--fault 'Cmdlet:error'): an Active Directory failure
	// as Exchange reports it [INFER wording].
	errInjected = errDef{key: "fault", category: "NotSpecified", exception: exADOperation,
		format: "Active Directory operation failed on %s. This error is not retriable. Additional information: The server is unwilling to process the request."}
)

// failOn is fail with the object the error is about (CategoryInfo shows
// "(identity:ADObjectId)" for validation errors).
func (x *invocation) failOn(identity string, d errDef, args ...any) *ps.ErrorRecord {
	e := x.fail(d, args...)
	e.TargetName, e.TargetType = identity, "ADObjectId"
	return e
}

// fail builds the error record of d for this call.
func (x *invocation) fail(d errDef, args ...any) *ps.ErrorRecord {
	msg := d.format
	if len(args) > 0 {
		msg = fmt.Sprintf(d.format, args...)
	}
	reason := d.exception[strings.LastIndex(d.exception, ".")+1:]
	id := d.id
	if id == "" {
		id = hexID(d.key + "|" + x.c.spec.class)
	}
	return x.record(msg, d.category, d.exception, x.fqid(id, reason))
}

func (x *invocation) record(msg, category, exception, fqid string) *ps.ErrorRecord {
	e := &ps.ErrorRecord{
		Message:               msg,
		Category:              category,
		Reason:                exception[strings.LastIndex(exception, ".")+1:],
		ExceptionType:         exception,
		FullyQualifiedErrorId: fqid,
	}
	if x.sess != nil {
		e.Remote = true
		e.PSComputerName = x.sess.computer
	}
	return e
}

// fqid is Exchange's FullyQualifiedErrorId: through a 2013+ remote session
// "[Server=S,RequestId=G,TimeStamp=T] [FailureCategory=Cmdlet-Reason] ID,Class"
// (docs/exchange.md "Exchange error records"); on 2010 and through the snap-in "ID,Class"
// (docs/exchange.md "Exchange error records", seed 000).
func (x *invocation) fqid(id, reason string) string {
	base := id + "," + x.c.fullClass()
	if x.sess == nil || x.version < V2013 {
		return base
	}
	return fmt.Sprintf("[Server=%s,RequestId=%s,TimeStamp=%s] [FailureCategory=Cmdlet-%s] %s",
		x.srv.name, newGUID(), formatDate(x.org.now().In(x.org.loc)), reason, base)
}

func hexID(s string) string {
	h := fnv.New32a()
	h.Write([]byte(s))
	return fmt.Sprintf("%08X", h.Sum32())
}

// bindErr reports a value that does not convert to the parameter's type
// with the binder's wording (docs/exchange.md "PowerShell error wording"). Through a remote
// session the binding happens on the server, so the record is remote (and
// non-terminating, as every error implicit remoting relays) and its
// FullyQualifiedErrorId names the command rather than the class; through
// the snap-in a binding error stops the statement.
func (x *invocation) bindErr(param string, arg any, err error) *ps.ErrorRecord {
	e := x.bindErrRecord(param, err)
	e.Terminating = x.sess == nil
	return e
}

func (x *invocation) bindErrRecord(param string, err error) *ps.ErrorRecord {
	target := x.c.ClassName()
	var ce *convError
	var re *rangeError
	switch {
	case errors.As(err, &re):
		return x.record(fmt.Sprintf("Cannot validate argument on parameter '%s'. %s", param, re.Error()),
			"InvalidData", "System.Management.Automation.ParameterBindingValidationException",
			"ParameterArgumentValidationError,"+target)
	case errors.As(err, &ce) && ce.enum:
		return x.record(fmt.Sprintf("Cannot bind parameter '%s'. %s", param, ce.Error()),
			"InvalidArgument", "System.Management.Automation.ParameterBindingException",
			"CannotConvertArgumentNoMessage,"+target)
	case errors.As(err, &ce):
		return x.record(fmt.Sprintf("Cannot process argument transformation on parameter '%s'. %s", param, ce.Error()),
			"InvalidData", "System.Management.Automation.ParameterBindingArgumentTransformationException",
			"ParameterArgumentTransformationError,"+target)
	}
	return x.record(fmt.Sprintf("Cannot bind parameter '%s'. %v", param, err), "InvalidArgument",
		"System.Management.Automation.ParameterBindingException", "CannotConvertArgumentNoMessage,"+target)
}

// missingMandatory is the binder's error for parameters a usage requires
// although the parameter set leaves them optional (docs/exchange.md "Receive connector usage").
func (x *invocation) missingMandatory(names ...string) *ps.ErrorRecord {
	e := x.record("Cannot process command because of one or more missing mandatory parameters: "+strings.Join(names, " ")+".",
		"InvalidArgument", "System.Management.Automation.ParameterBindingException", "MissingMandatoryParameter,"+x.c.ClassName())
	e.Terminating = x.sess == nil
	return e
}

// notFound is ManagementObjectNotFoundException for identity as typed.
func (x *invocation) notFound(identity string) *ps.ErrorRecord {
	return x.fail(errNotFound, identity, x.org.dc)
}

// confirm models ShouldProcess for a ConfirmImpact=High cmdlet (Remove-*):
// it prompts unless -Confirm:$false, and a NonInteractive host cannot
// prompt. -Confirm (true) prompts on any cmdlet.
func (x *invocation) confirm(high bool) error {
	if c := x.call.Confirm; c != nil {
		if *c {
			return x.fail(errNonInteractive)
		}
		return nil
	}
	if high {
		return x.fail(errNonInteractive)
	}
	return nil
}

// rpc prefixes a certificate error as 2013+ reports it: the certificate
// cmdlets run through the Exchange Service Host RPC ("A special Rpc error
// occurs on server S: ...", real samples in docs/exchange.md "Error texts" and Q&A threads);
// 2010 shows the bare message (seed 000).
func (x *invocation) rpc(srv *Server, msg string) string {
	if x.version < V2013 {
		return msg
	}
	return fmt.Sprintf("A special Rpc error occurs on server %s: %s", srv.name, msg)
}
