package wsman

import (
	"fmt"
	"strings"
)

// Fault is a WS-Management fault as Windows sends it: a SOAP 1.2 fault whose
// Detail holds a WSManFault with the Win32/WinRM error code. Every fault is
// sent with HTTP status 500, which is what clients key on (masterzen: "http
// error 500: <envelope>"; pywinrm: WinRMTransportError, then the Code).
type Fault struct {
	// Code is the SOAP code: s:Sender or s:Receiver.
	Code string
	// Subcode is the WS-Management subcode, e.g. w:TimedOut.
	Subcode string
	// Reason is the s:Reason text.
	Reason string
	// WSManCode is the WSManFault Code attribute (a decimal HRESULT or Win32 code).
	WSManCode uint32
	// Message is the f:Message text.
	Message string
	// Provider, when set, wraps Message in an f:ProviderFault of that
	// provider, as the cmd shell plugin's own errors arrive.
	Provider string
}

func (f *Fault) Error() string {
	return fmt.Sprintf("wsman fault %s (%d): %s", f.Subcode, f.WSManCode, strings.TrimSpace(f.Message))
}

// WSManFault codes. The ones marked (observed) appear in captured Windows
// replies (masterzen fixtures, WinRb/WinRM and test-kitchen reports); the
// others follow winerror.h and are less certain.
const (
	CodeOperationTimeout = 2150858793 // 0x80338029 (observed)
	CodeShellNotFound    = 2150858843 // 0x8033805B (observed)
	CodeMaxShells        = 2150859173 // 0x803381A5 ERROR_WSMAN_QUOTA_MAX_SHELLS (observed)
	CodeMaxOperations    = 2150859174 // 0x803381A6 ERROR_WSMAN_QUOTA_MAX_OPERATIONS (observed)
	CodeResourceNotFound = 2150858770 // 0x80338012
	CodeActionNotSupport = 2150858757 // 0x80338005
	CodeInvalidXML       = 2150858778 // 0x8033801A
	CodeFilenameTooLong  = 2147942606 // HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE) (observed)
	CodeInvalidParameter = 87         // ERROR_INVALID_PARAMETER
)

// faultTimedOut is the reply to a Receive that saw no output within the
// request's OperationTimeout. The two trailing spaces are Windows'.
func faultTimedOut() *Fault {
	const msg = "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "
	return &Fault{Code: "s:Receiver", Subcode: "w:TimedOut", Reason: msg, WSManCode: CodeOperationTimeout, Message: msg}
}

// faultShellNotFound answers a request naming a shell that does not exist
// (never created, deleted, or owned by another user).
func faultShellNotFound(shellID string) *Fault {
	return &Fault{
		Code: "s:Sender", Subcode: "w:InvalidSelectors",
		Reason:    "The WS-Management service cannot process the request because the request contained invalid selectors for the resource. ",
		WSManCode: CodeShellNotFound,
		Message: "The request for the Windows Remote Shell with ShellId " + shellID +
			" failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation. ",
	}
}

// faultMissingShellID answers a shell request without the ShellId selector.
func faultMissingShellID() *Fault {
	const msg = "The Windows Remote Shell cannot process the request because it requires the following selector: ShellId. "
	return &Fault{Code: "s:Sender", Subcode: "w:InvalidSelectors", Reason: msg, WSManCode: CodeShellNotFound, Message: msg}
}

// faultMaxShells is the MaxShellsPerUser quota fault.
func faultMaxShells(limit int) *Fault {
	msg := fmt.Sprintf("The WS-Management service cannot process the request. This user is allowed a maximum number of %d concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. ", limit)
	return &Fault{Code: "s:Sender", Subcode: "w:QuotaLimit", Reason: msg, WSManCode: CodeMaxShells, Message: msg}
}

// faultResourceNotFound answers a ResourceURI other than the cmd shell (the
// PowerShell remoting plugins are not simulated).
func faultResourceNotFound(uri string) *Fault {
	msg := "The WS-Management service cannot process the request. The resource URI (" + uri +
		") was not found in the WS-Management catalog. The catalog contains the metadata that describes resources, or logical endpoints. "
	return &Fault{Code: "s:Sender", Subcode: "w:DestinationUnreachable", Reason: msg, WSManCode: CodeResourceNotFound, Message: msg}
}

func faultActionNotSupported(action string) *Fault {
	const msg = "The WS-Management service cannot process the request because the action is not supported. "
	return &Fault{Code: "s:Sender", Subcode: "a:ActionNotSupported", Reason: msg, WSManCode: CodeActionNotSupport,
		Message: msg + "Action: " + action + " "}
}

func faultInvalidXML(err error) *Fault {
	const msg = "The WS-Management service cannot process the request because the XML is invalid. "
	return &Fault{Code: "s:Sender", Subcode: "w:SchemaValidationError", Reason: msg, WSManCode: CodeInvalidXML,
		Message: msg + xmlSafeDetail(err)}
}

// faultInvalidParameter answers a Send, Receive or Signal for an unknown
// CommandId and other malformed bodies.
func faultInvalidParameter(detail string) *Fault {
	const msg = "The parameter is incorrect. "
	return &Fault{Code: "s:Sender", Subcode: "w:InvalidParameter", Reason: msg, WSManCode: CodeInvalidParameter,
		Message: msg + detail}
}

// faultFilenameTooLong is what the cmd shell plugin answers when
// CreateProcess refuses a command line over 32767 characters.
func faultFilenameTooLong() *Fault {
	const msg = "The filename or extension is too long. "
	return &Fault{Code: "s:Receiver", Subcode: "w:InternalError", Reason: msg, WSManCode: CodeFilenameTooLong,
		Message: msg, Provider: "Shell cmd plugin"}
}

func xmlSafeDetail(err error) string {
	if err == nil {
		return ""
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

// envelope renders the fault reply; machine is the WSManFault Machine attribute.
func (f *Fault) envelope(relatesTo, machine string) []byte {
	var b strings.Builder
	b.WriteString(`<s:Envelope xml:lang="en-US" xmlns:s="` + nsSoap + `" xmlns:a="` + nsAddress +
		`" xmlns:x="` + nsTransfer + `" xmlns:e="` + nsEventing + `" xmlns:n="` + nsEnumerate +
		`" xmlns:w="` + nsWSMan + `" xmlns:p="` + nsMSWSMan + `">`)
	writeHeader(&b, actionFault, relatesTo)
	b.WriteString(`<s:Body><s:Fault><s:Code><s:Value>` + f.Code + `</s:Value><s:Subcode><s:Value>` + f.Subcode +
		`</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">` + xmlText(f.Reason) + `</s:Text></s:Reason>`)
	fmt.Fprintf(&b, `<s:Detail><f:WSManFault xmlns:f="%s" Code="%d" Machine="%s"><f:Message>`, nsFault, f.WSManCode, xmlText(machine))
	if f.Provider != "" {
		b.WriteString(`<f:ProviderFault provider="` + xmlText(f.Provider) + `" path="%systemroot%\system32\winrscmd.dll">` +
			xmlText(f.Message) + `</f:ProviderFault>`)
	} else {
		b.WriteString(xmlText(f.Message))
	}
	b.WriteString(`</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`)
	return []byte(b.String())
}
