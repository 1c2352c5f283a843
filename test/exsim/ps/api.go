// Package ps is exsim's strict PowerShell subset: the powershell.exe command
// line, a tokenizer, a parser, an evaluator, the built-in cmdlets that
// exreconcile's scripts and administrators' one-liners use, and the exact
// output formats of Windows PowerShell (ConvertTo-Xml, Format-List, CLIXML on
// stderr, exit codes).
//
// This file is the contract between the interpreter (this package) and the
// Exchange model (package exchange, which registers the Exchange cmdlets and
// decides which of them a session may load). Keep it small and stable.
package ps

import (
	"context"
	"fmt"
	"time"
)

// Values.
//
// A PowerShell value is a Go value of one of these types:
//
//	nil                      $null
//	string                   System.String
//	bool                     System.Boolean
//	int                      System.Int32 (literals that fit), int64 System.Int64
//	float64                  System.Double
//	[]any                    System.Object[] (arrays: a,b  @()  pipeline results)
//	*Hashtable               System.Collections.Hashtable (@{...}, ordered keys kept for display)
//	*Object                  a PSObject with ordered properties (Exchange objects, Select-Object)
//	*Collection              a typed .NET collection (Exchange's MultiValuedProperty ...)
//	*SecureString            System.Security.SecureString
//	*Credential              System.Management.Automation.PSCredential
//	[]byte                   System.Byte[]
//	*ScriptBlock             System.Management.Automation.ScriptBlock
//	*RemoteSession           System.Management.Automation.Runspaces.PSSession
//	Scalar                   any other .NET value that displays as text (enums, sizes, time spans, dates)

// Scalar is a .NET value that is not a container: an enum, a
// ByteQuantifiedSize, an EnhancedTimeSpan, a DateTime, an SmtpDomain ...
// String is its .NET ToString() (what Format-List and ConvertTo-Xml print);
// TypeName is GetType().ToString() (what ConvertTo-Xml writes in Type=).
type Scalar interface {
	TypeName() string
	String() string
}

// DateTime is a System.DateTime: Text is how it prints (the culture's
// format, what Format-List shows), Time the instant, UTC its DateTimeKind
// (Utc, else Local). Export-Clixml writes it as <DT> in round-trip form.
type DateTime struct {
	Time time.Time
	UTC  bool
	Text string
}

// TypeName is System.DateTime.
func (d DateTime) TypeName() string { return "System.DateTime" }

// String is the culture's text.
func (d DateTime) String() string { return d.Text }

// Object is a PSObject: ordered properties plus the type-name chain
// (most derived first), as Get-Member and ConvertTo-Xml see it.
type Object struct {
	TypeNames []string
	Props     []*Property
	// Text is the object's .NET ToString(): what Format-List shows when the
	// object is a property value, and what ConvertTo-Xml writes for it below
	// -Depth. Empty means the PSCustomObject form "@{Name=x; Port=25}".
	Text string
	// ListView, when set, names the properties of the type's default list
	// view (format.ps1xml), which Format-List shows without -Property
	// (Get-ExchangeCertificate shows 14). Empty: all properties.
	ListView []string
	// TableView, when set, is the type's default table view, which Out-Default
	// uses for this object (Get-SendConnector prints Identity, AddressSpaces,
	// Enabled). Empty: Out-Default picks a list for more than four
	// properties and a table otherwise, as PowerShell does for types
	// without a view.
	TableView []TableColumn
}

// TableColumn is one column of a table view.
type TableColumn struct {
	// Label is the header; Property the property shown (Label when empty).
	Label, Property string
	// Width is the column width in characters; 0 lets the table decide.
	Width int
	// Right aligns the column to the right.
	Right bool
}

// Property is one property of an Object. TypeOfValue is the declared type
// name (PSPropertyInfo.TypeNameOfValue); ConvertTo-Xml writes it for null
// values.
type Property struct {
	Name        string
	Value       any
	TypeOfValue string
}

// Get returns the property named name (case-insensitive), or nil.
func (o *Object) Get(name string) *Property {
	for _, p := range o.Props {
		if equalFold(p.Name, name) {
			return p
		}
	}
	return nil
}

// Collection is a typed .NET collection such as
// Microsoft.Exchange.Data.MultiValuedProperty`1[...]. Format-List prints it as
// {a, b}; ConvertTo-Xml writes one nested <Property> per item.
type Collection struct {
	TypeName string
	Items    []any
}

// Hashtable is @{...}. Keys keep their insertion order; lookups are
// case-insensitive as in PowerShell.
type Hashtable struct {
	Keys   []string
	Values map[string]any // keyed by strings.ToLower(key)
}

// SecureString holds a secret. Its String() is what .NET prints, never the text.
type SecureString struct{ plain string }

// NewSecureString wraps plain text (ConvertTo-SecureString -AsPlainText -Force).
func NewSecureString(plain string) *SecureString { return &SecureString{plain: plain} }

// Plain returns the secret for the code that must check it (credentials, PFX passwords).
func (s *SecureString) Plain() string { return s.plain }

// String prints as .NET does.
func (s *SecureString) String() string { return "System.Security.SecureString" }

// Credential is a PSCredential.
type Credential struct {
	UserName string
	Password *SecureString
}

// String prints as .NET does.
func (c *Credential) String() string { return "System.Management.Automation.PSCredential" }

// RemoteSession is the PSSession that New-PSSession returns.
type RemoteSession struct {
	ID                int
	Name              string
	ComputerName      string
	ConfigurationName string
	State             string // Opened, Closed
	// Handle is the Exchange model's own state for this session.
	Handle any
}

// String prints as .NET does.
func (s *RemoteSession) String() string {
	return fmt.Sprintf("[PSSession]%s", s.Name)
}

// Commands.

// ParamSpec describes one parameter of a command, as the binder needs it.
type ParamSpec struct {
	Name string
	// Type is the .NET type name as in params.tsv (String, Boolean,
	// SwitchParameter, MultiValuedProperty, PSCredential, SecureString, Byte[], ...).
	// The binder converts arguments to it and reports conversion errors.
	Type string
	// Sets lists the parameter sets this parameter is in; empty or "(All)" = every set.
	Sets []string
	// MandatoryIn lists the sets in which this parameter is mandatory.
	MandatoryIn []string
	// Position is the positional index (0-based), or -1 when named only.
	Position int
	// FromPipeline: binds pipeline input by value.
	FromPipeline bool
	Aliases      []string
	// AllowNull lets a mandatory parameter take $null, '' and @()
	// ([AllowNull], [AllowEmptyString], [AllowEmptyCollection]).
	AllowNull bool
	// FromRemaining collects the positional arguments no other parameter
	// takes (ValueFromRemainingArguments, as Write-Output -InputObject).
	FromRemaining bool
	// Enum, when set, lists the names of the .NET enum the parameter takes;
	// the binder accepts them case-insensitively and passes the canonical
	// name. Type should then be the enum's full type name, which the
	// conversion error names.
	Enum []string
}

// IsSwitch reports whether the parameter is a switch.
func (p ParamSpec) IsSwitch() bool { return p.Type == "SwitchParameter" }

// Command is a cmdlet the interpreter can run.
type Command interface {
	// Name is the cmdlet name, e.g. "Get-SendConnector".
	Name() string
	// ClassName is the .NET class used in FullyQualifiedErrorId,
	// e.g. "Microsoft.Exchange.Management.SystemConfigurationTasks.GetSendConnector".
	ClassName() string
	// Params lists the parameters the binder accepts. The common parameters
	// (-ErrorAction, -WarningAction, -Verbose, -Debug, -ErrorVariable,
	// -OutVariable ...) are added by the binder; -WhatIf and -Confirm exist
	// only when listed here, as on PowerShell's ShouldProcess cmdlets (the
	// binder treats them as common parameters for prefix matching).
	Params() []ParamSpec
	// Invoke runs the command with the bound arguments; see Call for how
	// pipeline input arrives (exsim's cmdlets are not streaming).
	Invoke(call *Call) ([]any, error)
}

// Call is one invocation of a Command after binding.
//
// A command with a FromPipeline parameter that receives pipeline input is
// invoked once per input object (PowerShell's ProcessRecord): that object is
// bound to the parameter (when no argument was given for it) and Input holds
// just that object. Otherwise the command is invoked once, with Input holding
// all pipeline input. A command that is not first in its pipeline and receives
// no input is not invoked at all, as in PowerShell.
type Call struct {
	Ctx  context.Context
	Host *Host
	// Args holds the bound arguments keyed by the canonical parameter name
	// (as in ParamSpec.Name), after conversion to the parameter type:
	// SwitchParameter -> bool; Boolean -> bool; Int32 -> int; String ->
	// string ($null stays nil); PSCredential -> *Credential; SecureString ->
	// *SecureString; Byte[] -> []byte; Enum -> the canonical name;
	// multi-valued and other array types -> []any; @{Add=..;Remove=..} stays
	// *Hashtable; other types as given. -WhatIf and -Confirm are included;
	// the other common parameters are not.
	Args map[string]any
	// Set is the parameter set chosen by the binder.
	Set string
	// Input is the pipeline input.
	Input []any
	// Confirm is the value of -Confirm when given (nil when not given).
	Confirm *bool
	// NonInteractive is set when powershell.exe runs with -NonInteractive:
	// prompts (ShouldContinue, Read-Host) must fail instead of reading stdin.
	NonInteractive bool

	// warn and writeErr deliver WriteWarning / WriteError to the
	// interpreter's streams.
	warn     func(msg string)
	writeErr func(rec *ErrorRecord)
}

// WriteWarning writes a warning (WriteWarning in a cmdlet), honouring
// -WarningAction and $WarningPreference.
func (c *Call) WriteWarning(msg string) {
	if c.warn != nil {
		c.warn(msg)
	}
}

// WriteError writes a non-terminating error (WriteError in a cmdlet) and
// lets the command go on; -ErrorAction and $ErrorActionPreference decide
// whether it is shown, ignored or turned into a script-terminating error.
// Returning an *ErrorRecord from Invoke is the same as a last WriteError.
func (c *Call) WriteError(rec *ErrorRecord) {
	if c.writeErr != nil {
		c.writeErr(rec)
	}
}

// Has reports whether a parameter was bound.
func (c *Call) Has(name string) bool { _, ok := c.Args[name]; return ok }

// ErrorRecord is a PowerShell error. Returned as an error from Invoke, it is
// written to the error stream (CLIXML on stderr). Without Terminating it is a
// non-terminating error (WriteError): the script goes on unless
// -ErrorAction / $ErrorActionPreference is Stop, which makes it
// script-terminating. With Terminating it is ThrowTerminatingError: the
// statement stops, the script goes on with the next statement unless
// $ErrorActionPreference is Stop. Either way $? becomes $false.
type ErrorRecord struct {
	Message string
	// Category is the ErrorCategory name: NotSpecified, InvalidArgument,
	// ObjectNotFound, InvalidOperation, PermissionDenied, ...
	Category string
	// Reason is the exception's short type name, e.g. ManagementObjectNotFoundException.
	Reason string
	// ExceptionType is the exception's full type name.
	ExceptionType string
	TargetName    string
	TargetType    string
	// FullyQualifiedErrorId as PowerShell prints it.
	FullyQualifiedErrorId string
	// Remote marks an error that came through implicit remoting (Exchange
	// remote session): no "Cmdlet : " prefix, no position, a PSComputerName line.
	Remote         bool
	PSComputerName string
	Terminating    bool

	// inv is filled in by the interpreter: which command raised the error
	// and where, for the "Cmdlet : " prefix and the "At line:" position.
	inv *invocation
	// activity overrides the CategoryInfo activity (the command's name).
	activity string
	// stopped marks a non-terminating error that -ErrorAction Stop made
	// terminating (Windows PowerShell 2.0 says so in the message).
	stopped bool
}

func (e *ErrorRecord) Error() string { return e.Message }

// Host is what one powershell.exe process sees of the machine it runs on.
type Host struct {
	// ServerName is the NetBIOS name of the Exchange server (e.g. WIN20081).
	ServerName string
	// UserName is the authenticated WinRM user (DOMAIN\name).
	UserName string
	// PSVersion is "2.0" (Exchange 2010 servers) or "5.1".
	PSVersion string
	// BufferWidth is the console buffer width (80 for powershell.exe over WinRS).
	BufferWidth int
	// Modules loads the Exchange cmdlets (New-PSSession / Import-PSSession /
	// Remove-PSSession / Add-PSSnapin are interpreter built-ins that call it).
	Modules ModuleLoader
	// Commands are commands the process has from the start besides exsim's
	// built-ins: the Windows cmdlets the Exchange model owns, such as
	// Restart-Service (exchange.Org.HostCommands). One with a built-in's
	// name replaces it.
	Commands []Command
	// OnCmdlet, when set, is told about every cmdlet invocation (for exsim's log).
	OnCmdlet func(CmdletEvent)
	// Secrets, when set, is told about every secret the script handles
	// (ConvertTo-SecureString input, credential passwords) so the log can redact it.
	Secrets func(secret string)
	// OnScript, when set, is told the text of every script the process runs:
	// the -Command / -EncodedCommand text, each stdin line of -Command -, and
	// every [ScriptBlock]::Create'd script (exreconcile's real script).
	OnScript func(text string)
	// OnSecretLiteral, when set, is told about every string literal that a
	// compiled script block passes to ConvertTo-SecureString -AsPlainText
	// (as -String or positionally), whether or not it runs: value is the
	// literal's value, source its text in the script (quotes included), so
	// that the log can redact both and count them (Script Block Logging
	// records the block's text).
	OnSecretLiteral func(value, source string)
	// CertStores, when set, is the machine's certificate stores (the
	// X509Store class and the Cert: drive); exsim models LocalMachine\Root.
	CertStores CertStores
	// Codepage is the console code page stdout and stderr are encoded in
	// (WINRS_CODEPAGE: 437 when 0, or 65001 for UTF-8).
	Codepage int
}

// CmdletEvent describes one cmdlet invocation for the log.
type CmdletEvent struct {
	Name string
	// Parameters are the parameter names as the binder resolved them, in order.
	Parameters []string
	Err        *ErrorRecord
}

// DefaultParameterSetter is implemented by commands that declare a default
// parameter set (CmdletBinding DefaultParameterSetName); the binder prefers it
// when the bound parameters fit several sets.
type DefaultParameterSetter interface {
	DefaultParameterSet() string
}

// A Command whose ClassName() equals its Name() is a function, as the proxy
// functions that Import-PSSession generates are: its FullyQualifiedErrorIds
// end in the function name, and a typed parameter that cannot take an
// argument reports ParameterArgumentTransformationError ("Cannot process
// argument transformation on parameter 'X'.") instead of a cmdlet's
// CannotConvertArgumentNoMessage ("Cannot bind parameter 'X'.").

// X509Certificate is a System.Security.Cryptography.X509Certificates.X509Certificate2.
type X509Certificate struct {
	// Raw is the DER encoding (RawData).
	Raw []byte
	// Thumbprint is the upper-case hex SHA-1 of Raw; Subject and Issuer as
	// .NET formats X.500 names ("CN=x, O=y, C=US").
	Thumbprint, Subject, Issuer string
	SerialNumber                string
	FriendlyName                string
	NotBefore, NotAfter         DateTime
	HasPrivateKey               bool
	Version                     int
	// PSParentPath is set on the objects Get-ChildItem Cert:\ returns
	// ("Microsoft.PowerShell.Security\Certificate::LocalMachine\Root").
	PSParentPath string
}

// CertStores is implemented by the model: the machine's certificate
// stores as X509Store and the Cert: drive see them. location is
// "LocalMachine" or "CurrentUser", name a store name ("Root").
type CertStores interface {
	// Parse reads certificate bytes as the X509Certificate2(byte[])
	// constructor does (DER, or base64/PEM text); the error's text is
	// .NET's CryptographicException message.
	Parse(data []byte) (*X509Certificate, error)
	// List returns the store's certificates; ok is false for a store the
	// model does not simulate.
	List(location, name string) (certs []*X509Certificate, ok bool)
	// Add and Remove change the store as X509Store.Add and Remove do:
	// adding a certificate already there or removing one that is not is
	// no error.
	Add(location, name string, c *X509Certificate) error
	Remove(location, name string, c *X509Certificate) error
}

// ProcessExiter is implemented by a ModuleLoader that wants to know when
// the powershell.exe process it serves has ended (Run returns): remote
// sessions it did not remove are then left behind, as on a real server.
type ProcessExiter interface {
	ProcessExited()
}

// ModuleLoader is implemented by the Exchange model.
type ModuleLoader interface {
	// NewPSSession validates a New-PSSession call (ConfigurationName,
	// ConnectionUri, Authentication, Credential) and opens a session.
	NewPSSession(call *Call) (*RemoteSession, error)
	// ImportPSSession returns the commands that Import-PSSession makes
	// available: all of the session's, or only those in commandNames when given.
	ImportPSSession(s *RemoteSession, commandNames []string) ([]Command, error)
	// RemovePSSession closes the session.
	RemovePSSession(s *RemoteSession) error
	// AddPSSnapin returns the commands of a snap-in by registered name, or an
	// error worded as PowerShell words it when no such snap-in is installed.
	AddPSSnapin(name string) ([]Command, error)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}

// The entry point the WinRS server calls for every command it runs is
//
//	func Run(ctx context.Context, host *Host, commandLine string, stdin io.Reader, stdout, stderr io.Writer) (exitCode int)
//
// (implemented in run.go): commandLine is the full WinRS command with its
// arguments as the client sent them (e.g. "powershell.exe -NoProfile
// -NonInteractive -ExecutionPolicy Bypass -EncodedCommand <b64>"); anything
// that is not powershell.exe behaves as cmd.exe does for an unknown program.
