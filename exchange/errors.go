package exchange

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels for errors.Is. Every error this package returns wraps one of
// them, so callers never look at message text.
var (
	// ErrNotFound: the object a call names does not exist (any more).
	ErrNotFound = errors.New("not found")
	// ErrInvalidArgument: Exchange or PowerShell refused a parameter or value.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrAccessDenied: the account lacks the rights (RBAC, local admin).
	ErrAccessDenied = errors.New("access denied")
	// ErrSessionSetup: the Exchange cmdlets could not be loaded (remote
	// session or snap-in).
	ErrSessionSetup = errors.New("exchange session set-up failed")
	// ErrTransport: WinRM could not carry the command (network, TLS,
	// authentication, timeout).
	ErrTransport = errors.New("transport failed")
	// ErrTimedOut: a deadline expired (connect, request, or the run's
	// deadline for the server); the command in flight was abandoned. It is
	// a transport failure too: errors.Is(err, ErrTransport) also holds.
	ErrTimedOut = errors.New("timed out")
	// ErrRemote: the script failed on the server for a reason not classified.
	ErrRemote = errors.New("remote command failed")
	// ErrUnreadable: the server's output could not be read (a parser error).
	ErrUnreadable = errors.New("cannot read server output")
	// ErrUnsupported: the server's Exchange version lacks a parameter.
	ErrUnsupported = errors.New("not supported by this Exchange version")
	// ErrUnknownVersion: the Exchange version could not be determined.
	ErrUnknownVersion = errors.New("unknown Exchange version")
	// ErrInvalidRequest: a script was asked for with inconsistent input (a
	// bug in the caller or a declaration the controller did not validate).
	ErrInvalidRequest = errors.New("invalid request")
)

// Messages that start wrapped errors, one per operation.
const (
	msgConnect = "cannot connect to %s"
	msgRun     = "cannot run %s script on %s"
	msgObserve = "cannot observe %s"
	msgApply   = "cannot apply changes on %s"
	msgRead    = "cannot read %s"
)

// Class is the kind of a remote or transport failure.
type Class string

// Classes, from the most to the least specific.
const (
	ClassNotFound     Class = "NotFound"
	ClassInvalid      Class = "InvalidArgument"
	ClassAccessDenied Class = "AccessDenied"
	ClassSession      Class = "SessionSetup"
	ClassTransport    Class = "Transport"
	ClassTimedOut     Class = "TimedOut"
	ClassOther        Class = "Other"
)

var classSentinels = map[Class]error{
	ClassNotFound: ErrNotFound, ClassInvalid: ErrInvalidArgument, ClassAccessDenied: ErrAccessDenied,
	ClassSession: ErrSessionSetup, ClassTransport: ErrTransport, ClassTimedOut: ErrTimedOut, ClassOther: ErrRemote,
}

// Sentinel returns the error errors.Is matches for c.
func (c Class) Sentinel() error { return classSentinels[c] }

// RemoteError is a PowerShell error record from the server, classified.
type RemoteError struct {
	Server string
	Class  Class
	Record ErrorRecord
	// ExitCode is powershell.exe's exit code.
	ExitCode int
}

func (e *RemoteError) Error() string {
	msg := e.Record.Message
	if msg == "" {
		msg = fmt.Sprintf("powershell.exe exited with code %d and no error message", e.ExitCode)
	}
	if e.Record.Command != "" && !strings.HasPrefix(msg, e.Record.Command) {
		msg = e.Record.Command + ": " + msg
	}
	return msg
}

// Is matches the class sentinel.
func (e *RemoteError) Is(target error) bool { return target == e.Class.Sentinel() }

// Retryable reports whether running the same script later may succeed.
// Refusals (not found, invalid, access denied) repeat until someone changes
// the declaration or the server; set-up failures are often a service that is
// restarting.
func (e *RemoteError) Retryable() bool { return e.Class == ClassSession || e.Class == ClassOther }

// Classify sorts an error record into a class by its exception type,
// FullyQualifiedErrorId and category, the only place that reads them.
// Exchange's ids look like "[Server=X,...] [FailureCategory=Cmdlet-
// ManagementObjectNotFoundException] 1082ECE3,Microsoft.Exchange...", so the
// exception name appears in Reason and in the id.
func Classify(r ErrorRecord) Class {
	id := r.FullyQualifiedErrorId + " " + r.Reason
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(id, w) {
				return true
			}
		}
		return false
	}
	msg := strings.ToLower(r.Message)
	switch {
	// A missing Exchange cmdlet means the session or snap-in did not load;
	// checked before ObjectNotFound, which CommandNotFound also carries.
	case has("CommandNotFoundException"):
		return ClassSession
	// A refused login is access denied even when it stops the session
	// set-up: the account, not the server, has to change.
	case has("UnauthorizedAccessException", "AccessDenied", "PermissionDenied"),
		r.Category == "PermissionDenied",
		strings.Contains(msg, "access is denied"),
		strings.Contains(msg, "isn't assigned to any management roles"):
		return ClassAccessDenied
	case has("PSSessionOpenFailed", "PSSessionStateBroken", "AddPSSnapInRead", "PSSnapInLoadFailure",
		"ImportPSSession", "RemoteRunspaceOpenFailed", "PSRemotingTransportException"),
		strings.Contains(msg, "connecting to remote server") && strings.Contains(msg, "failed"),
		strings.Contains(msg, "snap-in") && strings.Contains(msg, "not installed"):
		return ClassSession
	case has("ManagementObjectNotFoundException", "ObjectNotFound", "CertificateNotFound"),
		r.Category == "ObjectNotFound",
		strings.Contains(msg, "couldn't be found"), strings.Contains(msg, "was not found"):
		return ClassNotFound
	case has("ParameterBindingException", "ParameterBinding", "NamedParameterNotFound", "DataValidationException",
		"ArgumentException", "InvalidOperationException", "ParserError", "ParseException",
		"CertificateNotValidForExchange", "ADObjectAlreadyExistsException"),
		r.Category == "InvalidArgument", r.Category == "InvalidData", r.Category == "InvalidOperation",
		r.Category == "ParserError", r.Category == "WriteError":
		return ClassInvalid
	}
	return ClassOther
}

// TransportKind says what went wrong on the wire.
type TransportKind string

// Transport failure kinds.
const (
	TransportAuth       TransportKind = "authentication"
	TransportUntrusted  TransportKind = "untrusted certificate"
	TransportHostname   TransportKind = "certificate name mismatch"
	TransportRefused    TransportKind = "connection refused"
	TransportDropped    TransportKind = "connection dropped"
	TransportTimeout    TransportKind = "timeout"
	TransportDNS        TransportKind = "name resolution"
	TransportTLS        TransportKind = "tls"
	TransportProtocol   TransportKind = "protocol"
	TransportConfig     TransportKind = "configuration"
	TransportOtherError TransportKind = "other"
)

// TransportError is a WinRM failure worded for the person who must fix it.
type TransportError struct {
	Kind     TransportKind
	Endpoint string
	User     string
	Auth     string
	// Detail is the sentence that says what to do, or what happened.
	Detail string
	Err    error
}

func (e *TransportError) Error() string {
	switch e.Kind {
	case TransportAuth:
		if e.Detail != "" {
			return fmt.Sprintf("authentication failed for %s at %s (%s): %s", e.User, e.Endpoint, e.Auth, e.Detail)
		}
		return fmt.Sprintf("authentication failed for %s at %s (%s)", e.User, e.Endpoint, e.Auth)
	case TransportUntrusted:
		return fmt.Sprintf("%s: certificate signed by unknown authority: set tls.caFile to the CA that issued it (or tls.insecureSkipVerify for a lab)", e.Endpoint)
	}
	if e.Detail != "" {
		return fmt.Sprintf("%s: %s", e.Endpoint, e.Detail)
	}
	return fmt.Sprintf("%s: %v", e.Endpoint, e.Err)
}

// Unwrap returns the underlying error.
func (e *TransportError) Unwrap() error { return e.Err }

// Is matches ErrTransport, ErrAccessDenied for a refused login and
// ErrTimedOut for an expired deadline.
func (e *TransportError) Is(target error) bool {
	return target == ErrTransport || (e.Kind == TransportAuth && target == ErrAccessDenied) ||
		(e.Kind == TransportTimeout && target == ErrTimedOut)
}

// Retryable reports whether the same call may succeed later: a network
// problem may pass; a wrong password, an untrusted certificate or a bad
// setting will not.
func (e *TransportError) Retryable() bool {
	switch e.Kind {
	case TransportRefused, TransportDropped, TransportTimeout, TransportDNS, TransportOtherError:
		return true
	}
	return false
}

// Retryable reports whether err may go away by itself: transport trouble and
// session set-up failures, as opposed to refusals that repeat until the
// declaration or the server changes. Errors this package did not make are
// not retryable.
func Retryable(err error) bool {
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return r.Retryable()
	}
	return false
}

// ClassOf returns the class of err: the class of a RemoteError, TimedOut
// for a TransportError whose deadline expired, Transport for another
// TransportError, Other for anything else.
func ClassOf(err error) Class {
	var re *RemoteError
	if errors.As(err, &re) {
		return re.Class
	}
	var te *TransportError
	if errors.As(err, &te) {
		if te.Kind == TransportTimeout {
			return ClassTimedOut
		}
		return ClassTransport
	}
	return ClassOther
}
