package ps

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFormatTableAndOutDefault(t *testing.T) {
	os := &Object{TypeNames: []string{"System.Management.ManagementObject#root\\cimv2\\Win32_OperatingSystem"}, Props: []*Property{
		{Name: "caption", Value: "Microsoft Windows Server 2012 R2 Standard"}, {Name: "version", Value: "6.3.9600"}, {Name: "BuildNumber", Value: "9600"},
	}}
	small := &Object{TypeNames: []string{"Test.Small"}, Props: []*Property{{Name: "Name", Value: "a"}, {Name: "Count", Value: 12345}}}
	big := &Object{TypeNames: []string{"Test.Big"}, Props: []*Property{{Name: "A", Value: 1}, {Name: "B", Value: 2}, {Name: "C", Value: 3}, {Name: "D", Value: 4}, {Name: "E", Value: 5}}}
	cases := []struct {
		name, reason, version string
		objs                  []any
		script, want          string
	}{
		{"pywinrm 301", "real PowerShell 4.0-era table at width 80: columns share the 79 columns, cells padded, 1 blank before and 2 after",
			"2.0", []any{os}, "Get-TestObject | ft caption,version",
			"\r\ncaption                                 version                                \r\n" +
				"-------                                 -------                                \r\n" +
				"Microsoft Windows Server 2012 R2 Sta... 6.3.9600                               \r\n\r\n\r\n"},
		{"autosize", "5.1 sizes columns to their content; numbers align right", "5.1", []any{small}, "Get-TestObject | Format-Table",
			"\r\nName Count\r\n---- -----\r\na    12345\r\n\r\n\r\n"},
		{"implicit table", "an object with at most four properties prints as a table", "5.1", []any{small, small}, "Get-TestObject",
			"\r\nName Count\r\n---- -----\r\na    12345\r\na    12345\r\n\r\n\r\n"},
		{"implicit list", "an object with more than four properties prints as a list", "5.1", []any{big}, "Get-TestObject",
			"\r\n\r\nA : 1\r\nB : 2\r\nC : 3\r\nD : 4\r\nE : 5\r\n\r\n\r\n\r\n"},
		{"hashtable", "a hashtable prints as Name/Value with a 30-character Name column", "5.1", nil, "@{Add='a.com'}",
			"\r\nName                           Value\r\n----                           -----\r\nAdd                            a.com\r\n\r\n\r\n"},
		{"view", "a type's table view (Get-SendConnector's Identity, AddressSpaces, Enabled)", "5.1",
			[]any{sendConnector("to canoe.com", []string{"SMTP:canoe.com;1"}, true, 25)}, "Get-TestObject",
			"\r\nIdentity     AddressSpaces      Enabled\r\n--------     -------------      -------\r\nto canoe.com {SMTP:canoe.com;1}        \r\n\r\n\r\n"},
		{"strings", "strings are lines", "5.1", nil, "'a'; 'b'", "a\r\nb\r\n"},
		{"scalars", "numbers and booleans as .NET prints them", "5.1", nil, "1; 1.5; $true; 10MB", "1\r\n1.5\r\nTrue\r\n10485760\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runEncoded(t, objectsHost(tc.version, 80, tc.objs...), snapin+tc.script)
			if diff := cmp.Diff(tc.want, r.stdout); diff != "" {
				t.Errorf("%s (-want +got):\n%s\nstderr: %s", tc.reason, diff, r.stderr)
			}
		})
	}
}

func TestFormatEnumerationLimitScope(t *testing.T) {
	obj := &Object{Props: []*Property{{Name: "L", Value: &Collection{Items: []any{1, 2, 3, 4, 5, 6}}}}}
	cases := []struct {
		name, reason, script, want string
	}{
		{"default", "four items, then ...", "Get-TestObject | fl", "L : {1, 2, 3, 4...}"},
		{"global", "the global value is honoured", "$global:FormatEnumerationLimit = -1\nGet-TestObject | fl", "L : {1, 2, 3, 4, 5, 6}"},
		{"local in script block", "a local variable in the bootstrap's script block is not (docs/winrm.md#powershell-20)", "$FormatEnumerationLimit = -1\nGet-TestObject | fl", "L : {1, 2, 3, 4...}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runScript(t, objectsHost("5.1", 80, obj), snapin+tc.script)
			if !strings.Contains(r.stdout, tc.want+"\r\n") {
				t.Errorf("%s: stdout %q lacks %q (stderr %s)", tc.reason, r.stdout, tc.want, r.stderr)
			}
		})
	}
}

func TestOutDefaultSpecialObjects(t *testing.T) {
	r := runEncoded(t, testHost("5.1", 80), remoteSession+"$s\nImport-PSSession $s -CommandName Get-SendConnector -AllowClobber -DisableNameChecking")
	lines := strings.Split(r.stdout, "\r\n")
	// The view's columns need 100 characters: at 79 the last one is hidden
	// and ConfigurationName shrinks (ColumnWidthManager.TrimToFit).
	want := []string{
		"",
		" Id Name            ComputerName    ComputerType    State         Configurat...",
		" -- ----            ------------    ------------    -----         -------------",
		"  1 WinRM1          win20081.wor... RemoteMachine   Opened        Microsoft....",
	}
	if len(lines) < 4 {
		t.Fatalf("stdout %q, stderr %s", r.stdout, r.stderr)
	}
	if diff := cmp.Diff(want, lines[:4]); diff != "" {
		t.Errorf("PSSession table (-want +got):\n%s", diff)
	}
	module := strings.Join(lines[6:10], "\n")
	if !strings.Contains(module, "ModuleType Version    Name                                ExportedCommands") ||
		!strings.Contains(module, "Script     1.0        tmp_") || !strings.Contains(module, "{Get-SendConnector}") {
		t.Errorf("module table:\n%s", module)
	}
}

func TestWarningsAndPS2Lines(t *testing.T) {
	r := runEncoded(t, testHost("5.1", 80), snapin+"Set-TransportConfig -TLSSendDomainSecureList @{Add='a.com'}")
	want := `<S S="warning">The command completed successfully but no settings of 'Transport Settings' have been modified.</S>`
	if !strings.Contains(r.stderr, want) {
		t.Errorf("warning record missing: %s", r.stderr)
	}
	r = runEncoded(t, testHost("5.1", 80), snapin+"Set-TransportConfig -TLSSendDomainSecureList a.com -WarningAction SilentlyContinue")
	if r.stderr != "" {
		t.Errorf("-WarningAction SilentlyContinue still wrote %s", r.stderr)
	}
	long := strings.Repeat("x", 170)
	r = runEncoded(t, testHost("2.0", 80), "'"+long+"'")
	if diff := cmp.Diff(strings.Repeat("x", 80)+"\r\n"+strings.Repeat("x", 80)+"\r\n"+strings.Repeat("x", 10)+"\r\n", r.stdout); diff != "" {
		t.Errorf("PowerShell 2.0 breaks raw text every 80 characters (-want +got):\n%s", diff)
	}
}
