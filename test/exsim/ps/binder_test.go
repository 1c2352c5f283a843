package ps

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	setClass = "Microsoft.Exchange.Management.SystemConfigurationTasks.SetSendConnector"
	getClass = "Microsoft.Exchange.Management.SystemConfigurationTasks.GetSendConnector"
	newClass = "Microsoft.Exchange.Management.SystemConfigurationTasks.NewSendConnector"
)

// remoteSession imports the fake Exchange cmdlets as proxy functions.
const remoteSession = "$pw = ConvertTo-SecureString -String 'pw' -AsPlainText -Force\n" +
	"$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://win20081.work.com/PowerShell/ -Credential (New-Object System.Management.Automation.PSCredential('u',$pw))\n" +
	"Import-PSSession $s -DisableNameChecking | Out-Null\n"

func TestBinderErrors(t *testing.T) {
	cases := []struct {
		name, reason, setup, command string
		message, category, fqid      string
	}{
		{"named not found", "docs/exchange.md#powershell-error-wording: NamedParameterNotFound", snapin, "Set-SendConnector x -Bogus 1",
			"A parameter cannot be found that matches parameter name 'Bogus'.", "InvalidArgument: (:) [Set-SendConnector], ParameterBindingException", "NamedParameterNotFound," + setClass},
		{"ambiguous common", "docs/exchange.md#powershell-error-wording: only common parameters match, all listed in dictionary order", snapin, "Set-SendConnector x -O v",
			"Parameter cannot be processed because the parameter name 'O' is ambiguous. Possible matches include: -OutVariable -OutBuffer.", "InvalidArgument: (:) [Set-SendConnector], ParameterBindingException", "AmbiguousParameter," + setClass},
		{"ambiguous with shouldprocess", "WhatIf counts as common", snapin, "Set-SendConnector x -W 1",
			"Parameter cannot be processed because the parameter name 'W' is ambiguous. Possible matches include: -WarningAction -WarningVariable -WhatIf.", "InvalidArgument: (:) [Set-SendConnector], ParameterBindingException", "AmbiguousParameter," + setClass},
		{"positional not found", "no positional parameter left", snapin, "Get-TransportConfig extra",
			"A positional parameter cannot be found that accepts argument 'extra'.", "InvalidArgument: (:) [Get-TransportConfig], ParameterBindingException", "PositionalParameterNotFound,Microsoft.Exchange.Management.SystemConfigurationTasks.GetTransportConfig"},
		{"missing mandatory", "-NonInteractive cannot prompt", snapin, "Set-SendConnector -Port 26",
			"Cannot process command because of one or more missing mandatory parameters: Identity.", "InvalidArgument: (:) [Set-SendConnector], ParameterBindingException", "MissingMandatoryParameter," + setClass},
		{"missing argument", "a parameter at the end without its value", snapin, "Set-SendConnector x -Port",
			"Missing an argument for parameter 'Port'. Specify a parameter of type 'System.Int32' and try again.", "InvalidArgument: (:) [Set-SendConnector], ParameterBindingException", "MissingArgument," + setClass},
		{"already bound", "the same parameter twice", snapin, "Set-SendConnector x -Port 1 -Port 2",
			`Cannot bind parameter because parameter 'Port' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax. For example, "-parameter value1,value2,value3".`, "InvalidArgument: (:) [Set-SendConnector], ParameterBindingException", "ParameterAlreadyBound," + setClass},
		{"int conversion", "a string that is not a number", snapin, "Set-SendConnector x -Port abc",
			`Cannot bind parameter 'Port'. Cannot convert value "abc" to type "System.Int32". Error: "Input string was not in a correct format."`, "InvalidArgument: (:) [Set-SendConnector], ParameterBindingException", "CannotConvertArgumentNoMessage," + setClass},
		{"bool from string, cmdlet", "a [bool] parameter takes no strings", snapin, "Set-SendConnector x -RequireTLS 'true'",
			`Cannot bind parameter 'RequireTLS'. Cannot convert value "System.String" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`, "InvalidArgument: (:) [Set-SendConnector], ParameterBindingException", "CannotConvertArgumentNoMessage," + setClass},
		{"bool from string, proxy function", "an imported proxy function transforms its typed parameters", remoteSession, "Set-SendConnector x -RequireTLS 'true'",
			`Cannot process argument transformation on parameter 'RequireTLS'. Cannot convert value "System.String" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`, "InvalidData: (:) [Set-SendConnector], ParameterBindingArgumentTransformationException", "ParameterArgumentTransformationError,Set-SendConnector"},
		{"named not found, proxy function", "a function's FQID ends in its name", remoteSession, "Set-SendConnector x -Bogus 1",
			"A parameter cannot be found that matches parameter name 'Bogus'.", "InvalidArgument: (:) [Set-SendConnector], ParameterBindingException", "NamedParameterNotFound,Set-SendConnector"},
		{"null mandatory", "a mandatory parameter refuses $null", snapin, "Set-SendConnector -Identity $null -Port 1",
			"Cannot bind argument to parameter 'Identity' because it is null.", "InvalidData: (:) [Set-SendConnector], ParameterBindingValidationException", "ParameterArgumentValidationErrorNullNotAllowed," + setClass},
		{"empty string mandatory", "and ''", snapin, "Set-SendConnector ''",
			"Cannot bind argument to parameter 'Identity' because it is an empty string.", "InvalidData: (:) [Set-SendConnector], ParameterBindingValidationException", "ParameterArgumentValidationErrorEmptyStringNotAllowed," + setClass},
		{"set not resolved", "parameters of two different sets", snapin, "New-SendConnector -Name a -AddressSpaces b -LinkedReceiveConnector c",
			"Parameter set cannot be resolved using the specified named parameters.", "InvalidArgument: (:) [New-SendConnector], ParameterBindingException", "AmbiguousParameterSet," + newClass},
		{"confirm on a getter", "-Confirm exists only where ShouldProcess is supported", snapin, "Get-SendConnector -Confirm:$false",
			"A parameter cannot be found that matches parameter name 'Confirm'.", "InvalidArgument: (:) [Get-SendConnector], ParameterBindingException", "NamedParameterNotFound," + getClass},
		{"bad error action", "ActionPreference names", snapin, "Get-SendConnector -ErrorAction Foo",
			`Cannot bind parameter 'ErrorAction'. Cannot convert value "Foo" to type "System.Management.Automation.ActionPreference". Error: "Unable to match the identifier name Foo to a valid enumerator name.  Specify one of the following enumerator names and try again: SilentlyContinue, Stop, Continue, Inquire, Ignore, Suspend"`,
			"InvalidArgument: (:) [Get-SendConnector], ParameterBindingException", "CannotConvertArgumentNoMessage," + getClass},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runEncoded(t, testHost("5.1", 1000), tc.setup+tc.command)
			lines := clixmlErrorLines(r.stderr)
			if len(lines) < 5 {
				t.Fatalf("%s: error lines %q (stdout %q)", tc.reason, lines, r.stdout)
			}
			got := []string{lines[0], lines[len(lines)-3], lines[len(lines)-2]}
			want := []string{strings.SplitN(tc.command, " ", 2)[0] + " : " + tc.message,
				"    + CategoryInfo          : " + tc.category, "    + FullyQualifiedErrorId : " + tc.fqid}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestBinderBinds(t *testing.T) {
	cases := []struct {
		name, reason, command string
		params                []string
	}{
		{"prefix", "-id and -po are unique prefixes", "Set-SendConnector -id x -po 26", []string{"Identity", "Port"}},
		{"declared beats common", "-D matches DomainSecureEnabled and Debug; the declared one wins", "Set-SendConnector x -D $true", []string{"Identity", "DomainSecureEnabled"}},
		{"alias", "-ea is ErrorAction's alias", "Set-SendConnector x -ea Stop", []string{"Identity", "ErrorAction"}},
		{"colon switch", "-Confirm:$false", "Set-SendConnector x -Confirm:$false", []string{"Identity", "Confirm"}},
		{"bool from number", "1 is $true for a [bool]", "Set-SendConnector x -RequireTLS 1", []string{"Identity", "RequireTLS"}},
		{"pipeline", "Identity from the pipeline, by value", "Get-SendConnector | Set-SendConnector -Port 27", []string{"Port", "Identity"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runEncoded(t, testHost("5.1", 120), snapin+"New-SendConnector -Name x -AddressSpaces a.com | Out-Null\n"+tc.command)
			if r.code != 0 {
				t.Fatalf("%s: exit %d, stderr %s", tc.reason, r.code, r.stderr)
			}
			last := r.cmdlets[len(r.cmdlets)-1]
			if diff := cmp.Diff(tc.params, last.Parameters); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestParameterSetChoice(t *testing.T) {
	cases := []struct {
		name, reason, script, want string
	}{
		{"default set", "positional value, both sets possible: the default set", "Enable-TestThing ABC -Services SMTP", "Thumbprint:ABC\r\n"},
		{"named set", "a named parameter picks its set", "Enable-TestThing -Identity X -Services SMTP", "Identity:X\r\n"},
		{"pipeline set", "pipeline input goes to the set that takes it, once per object", "'A','B' | Enable-TestThing -Services SMTP", "Identity:A\r\nIdentity:B\r\n"},
		{"no input", "not first in the pipeline and no input: not invoked", "@() | Enable-TestThing -Services SMTP", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runEncoded(t, testHost("5.1", 120), snapin+tc.script)
			if diff := cmp.Diff(tc.want, r.stdout); diff != "" {
				t.Errorf("%s (-want +got):\n%s\nstderr: %s", tc.reason, diff, r.stderr)
			}
		})
	}
}
