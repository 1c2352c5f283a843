package ps

import (
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// decodeUTF16File checks the BOM and decodes UTF-16LE.
func decodeUTF16File(t *testing.T, b []byte) string {
	t.Helper()
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xFE || len(b)%2 != 0 {
		t.Fatalf("not UTF-16LE with a BOM: % x", b[:min(len(b), 8)])
	}
	u := make([]uint16, (len(b)-2)/2)
	for i := range u {
		u[i] = uint16(b[2+2*i]) | uint16(b[3+2*i])<<8
	}
	return string(utf16.Decode(u))
}

func TestClixmlEncodeStringRule(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "Default WIN20081", "Default WIN20081"},
		{"nul and esc", "a\x00b\x1bc", "a_x0000_b_x001B_c"},
		{"crlf and tab", "l1\r\nl2\t", "l1_x000D__x000A_l2_x0009_"},
		{"c1 controls", "\u007f\u0085\u009f\u00a0", "_x007F__x0085__x009F_\u00a0"},
		{"escape before x", "a_x0041_", "a_x005F_x0041_"},
		{"escape before X", "_X", "_x005F_X"},
		{"underscore otherwise kept", "a_b _", "a_b _"},
		{"surrogate pair", "\U0001F600", "_xD83D__xDE00_"},
		{"quotes kept", "it's \u2019 \"q\"", "it's \u2019 \"q\""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := clixmlEncodeString(tc.in); got != tc.want {
				t.Errorf("EncodeString(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// deserializedConnector is a send connector as a remote Exchange session
// hands it to the client: Deserialized type names, primitive values, text
// for every other value, a deserialized MultiValuedProperty.
func deserializedConnector(comment string) *Object {
	when := time.Date(2026, 11, 30, 9, 15, 42, 123456700, time.FixedZone("", 3600))
	return &Object{
		TypeNames: []string{"Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.SmtpSendConnectorConfig",
			"Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.SendConnector", "Deserialized.System.Object"},
		Text: "To-canoe.com",
		Props: []*Property{
			{Name: "RunspaceId", Value: typed{"System.Guid", "2f1d6c1e-9a49-4c8e-b2a4-6e0f1d7c3b11"}},
			{Name: "AddressSpaces", Value: &Collection{TypeName: "Deserialized.Microsoft.Exchange.Data.MultiValuedProperty`1[Microsoft.Exchange.Data.AddressSpace]", Items: []any{"SMTP:canoe.com;1"}}},
			{Name: "Comment", Value: comment},
			{Name: "DNSRoutingEnabled", Value: true},
			{Name: "Enabled", Value: true},
			{Name: "Fqdn", Value: nil},
			{Name: "MaxMessageSize", Value: typed{"Deserialized.Microsoft.Exchange.Data.Unlimited`1[Microsoft.Exchange.Data.ByteQuantifiedSize]", "35 MB (36,700,160 bytes)"}},
			{Name: "Name", Value: "To-canoe.com"},
			{Name: "Port", Value: 25},
			{Name: "RequireTLS", Value: false},
			{Name: "SmartHosts", Value: &Collection{TypeName: "Deserialized.Microsoft.Exchange.Data.MultiValuedProperty`1[Microsoft.Exchange.Data.SmartHost]"}},
			{Name: "TlsAuthLevel", Value: nil},
			{Name: "TlsCertificateName", Value: typed{"Deserialized.Microsoft.Exchange.Data.SmtpX509Identifier", "<I>CN=Issuing CA, DC=work, DC=com<S>CN=mail.work.com"}},
			{Name: "ConnectionInactivityTimeOut", Value: typed{"Deserialized.Microsoft.Exchange.Data.EnhancedTimeSpan", "00:10:00"}},
			{Name: "WhenChanged", Value: DateTime{Time: when, Text: "11/30/2026 9:15:42 AM"}},
			{Name: "WhenChangedUTC", Value: DateTime{Time: when.UTC(), UTC: true, Text: "11/30/2026 8:15:42 AM"}},
			{Name: "Guid", Value: typed{"System.Guid", "8c2d0a43-1f5b-4f7e-9d0c-3a6b2e1f4d55"}},
		},
	}
}

// observeScript is what exreconcile emits per object set (issue 12).
const observeScript = `$f = [IO.Path]::GetTempFileName()
try {
  Get-TestObject | Select-Object -Property 'Name','AddressSpaces','Comment','DNSRoutingEnabled','Enabled','Fqdn','MaxMessageSize','Port','RequireTLS','SmartHosts','TlsAuthLevel','TlsCertificateName','ConnectionInactivityTimeOut','WhenChanged','WhenChangedUTC','Guid' | Export-Clixml -LiteralPath $f -Depth 2
  '<<EXR-BEGIN sendconnectors>>'
  [Convert]::ToBase64String([IO.File]::ReadAllBytes($f))
  '<<EXR-END sendconnectors>>'
} finally {
  Remove-Item -LiteralPath $f
}
[IO.File]::Exists($f)
`

// frame extracts the base64 frame of an observe output.
func frame(t *testing.T, stdout, name string) []byte {
	t.Helper()
	begin, end := "<<EXR-BEGIN "+name+">>\r\n", "\r\n<<EXR-END "+name+">>"
	i, j := strings.Index(stdout, begin), strings.Index(stdout, end)
	if i < 0 || j < i {
		t.Fatalf("no %s frame in %q", name, stdout)
	}
	b, err := base64.StdEncoding.DecodeString(stdout[i+len(begin) : j])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExportClixmlGoldens(t *testing.T) {
	cases := []struct {
		name, reason, version string
		objs                  []any
		script                string
	}{
		{"send_connector_selected.xml", "the observe script over a deserialized send connector whose Comment holds NUL, ESC, CR LF, a tab and _x", "5.1",
			[]any{deserializedConnector("line1\r\nline2\x00\x1b[0m\t_x41_ \u2019<&>")}, observeScript},
		{"send_connector_selected_ps2.xml", "Windows PowerShell 2.0 writes the same document", "2.0",
			[]any{deserializedConnector("plain")}, observeScript},
		{"no_objects.xml", "no input still writes a document", "5.1", nil, observeScript},
		{"two_objects_tnref.xml", "the second object's type names are a TNRef", "5.1",
			[]any{deserializedConnector("a"), deserializedConnector("b")}, observeScript},
		{"deserialized_whole.xml", "a deserialized object without Select-Object: ToString, Props at depth-1, RunspaceId in MS", "5.1",
			[]any{deserializedConnector("c")}, `$f = [IO.Path]::GetTempFileName(); Get-TestObject | Export-Clixml $f; '<<EXR-BEGIN sendconnectors>>'; [Convert]::ToBase64String([IO.File]::ReadAllBytes($f)); '<<EXR-END sendconnectors>>'`},
		{"primitives.xml", "hashtable, array, numbers, bytes", "5.1",
			[]any{&Object{TypeNames: []string{psCustomObject, "System.Object"}, Props: []*Property{
				{Name: "I64", Value: int64(5000000000)}, {Name: "Db", Value: 1.5}, {Name: "BA", Value: []byte{1, 2, 3}},
				{Name: "Arr", Value: []any{"a", 1}}, {Name: "H", Value: func() *Hashtable { h := newHashtable(); h.Set("k", "v"); return h }()},
				{Name: "TS", Value: typed{"System.TimeSpan", "1.02:03:04.5000000"}}, {Name: "N_x", Value: "n"},
			}}}, `$f = [IO.Path]::GetTempFileName(); Get-TestObject | Export-Clixml -Path $f; '<<EXR-BEGIN sendconnectors>>'; [Convert]::ToBase64String([IO.File]::ReadAllBytes($f)); '<<EXR-END sendconnectors>>'`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := objectsHost(tc.version, 120, tc.objs...)
			r := runScript(t, h, "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\r\n"+tc.script)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("%s: code %d, stderr %s", tc.reason, r.code, r.stderr)
			}
			golden(t, filepath.Join("clixml", tc.name), decodeUTF16File(t, frame(t, r.stdout, "sendconnectors")))
			if tc.script == observeScript && !strings.HasSuffix(r.stdout, "<<EXR-END sendconnectors>>\r\nFalse\r\n") {
				t.Errorf("%s: the temp file was not removed: %q", tc.reason, r.stdout)
			}
		})
	}
}

func TestExportClixmlErrors(t *testing.T) {
	cases := []struct{ name, reason, script, want, fqid string }{
		{"depth zero", "ValidateRange(1, MaxValue)", "$null | Export-Clixml -Path x.xml -Depth 0",
			"Export-Clixml : Cannot validate argument on parameter 'Depth'. The 0 argument is less than the minimum allowed range of 1. Supply an argument that is greater than or equal to 1 and then try the command again.",
			"ParameterArgumentValidationError,Microsoft.PowerShell.Commands.ExportClixmlCommand"},
		{"bad encoding", "the ValidateSet of 2.0-5.1", "$null | Export-Clixml -Path x.xml -Encoding Latin1",
			`Export-Clixml : Cannot validate argument on parameter 'Encoding'. The argument "Latin1" does not belong to the set "Unicode,UTF7,UTF8,ASCII,UTF32,BigEndianUnicode,Default,OEM" specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again.`,
			"ParameterArgumentValidationError,Microsoft.PowerShell.Commands.ExportClixmlCommand"},
		{"missing folder", "DirectoryNotFoundException", "'a' | Export-Clixml -LiteralPath C:\\nowhere\\x.xml",
			`Export-Clixml : Could not find a part of the path 'C:\nowhere\x.xml'.`, "FileOpenFailure,Microsoft.PowerShell.Commands.ExportClixmlCommand"},
		{"no clobber", "the temp file exists", "$f = [IO.Path]::GetTempFileName(); 'a' | Export-Clixml -LiteralPath $f -NoClobber",
			`Export-Clixml : The file 'C:\Users\admin\AppData\Local\Temp\tmp3A7D.tmp' already exists.`, "NoClobber,Microsoft.PowerShell.Commands.ExportClixmlCommand"},
		{"read missing file", "File.ReadAllBytes of a file that is not there", "[IO.File]::ReadAllBytes('C:\\Users\\admin\\AppData\\Local\\Temp\\none.tmp')",
			`Exception calling "ReadAllBytes" with "1" argument(s): "Could not find file 'C:\Users\admin\AppData\Local\Temp\none.tmp'."`, "FileNotFoundException"},
		{"remove missing", "Remove-Item of a path that does not exist", "Remove-Item -LiteralPath C:\\Users\\admin\\gone.tmp",
			`Remove-Item : Cannot find path 'C:\Users\admin\gone.tmp' because it does not exist.`, "PathNotFound,Microsoft.PowerShell.Commands.RemoveItemCommand"},
		{"secure string", "SecureStrings would need DPAPI", "ConvertTo-SecureString 'x' -AsPlainText -Force | Export-Clixml -Path a.xml",
			"Export-Clixml : Export-Clixml of a System.Security.SecureString value is not supported by exsim's PowerShell subset.", errNotSupported},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runEncoded(t, testHost("5.1", 1000), tc.script)
			lines := clixmlErrorLines(strings.ReplaceAll(strings.ReplaceAll(r.stderr, "&lt;", "<"), "&gt;", ">"))
			if len(lines) < 3 {
				t.Fatalf("%s: no error: %q %q", tc.reason, r.stdout, r.stderr)
			}
			if lines[0] != tc.want {
				t.Errorf("%s:\n got %q\nwant %q", tc.reason, lines[0], tc.want)
			}
			if got := lines[len(lines)-2]; got != "    + FullyQualifiedErrorId : "+tc.fqid {
				t.Errorf("%s: %q", tc.reason, got)
			}
		})
	}
}

func TestExportClixmlEncodings(t *testing.T) {
	cases := []struct{ enc, wantStart string }{
		{"", "\xff\xfe<\x00O\x00"},
		{"Unicode", "\xff\xfe<\x00O\x00"},
		{"BigEndianUnicode", "\xfe\xff\x00<\x00O"},
		{"UTF8", "\xef\xbb\xbf<Objs"},
		{"UTF32", "\xff\xfe\x00\x00<\x00\x00\x00"},
		{"ASCII", "<Objs"},
		{"OEM", "<Objs"},
	}
	for _, tc := range cases {
		t.Run("enc "+tc.enc, func(t *testing.T) {
			enc := ""
			if tc.enc != "" {
				enc = " -Encoding " + tc.enc
			}
			r := runEncoded(t, testHost("5.1", 120), "$f = [IO.Path]::GetTempFileName(); 'x' | Export-Clixml $f"+enc+"; [Convert]::ToBase64String([IO.File]::ReadAllBytes($f))")
			b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(r.stdout))
			if err != nil {
				t.Fatalf("%v: %q %q", err, r.stdout, r.stderr)
			}
			if !strings.HasPrefix(string(b), tc.wantStart) {
				t.Errorf("starts % x", b[:min(12, len(b))])
			}
		})
	}
}

func TestTempFiles(t *testing.T) {
	r := runEncoded(t, testHost("5.1", 120), "$a = [IO.Path]::GetTempFileName(); $b = [IO.Path]::GetTempFileName(); $a; $b; [IO.File]::ReadAllBytes($a).Count; [IO.Path]::GetTempPath(); Remove-Item -LiteralPath $a; [IO.File]::Exists($a); [IO.File]::Exists($b)")
	want := "C:\\Users\\admin\\AppData\\Local\\Temp\\tmp3A7D.tmp\r\nC:\\Users\\admin\\AppData\\Local\\Temp\\tmp3A7E.tmp\r\n0\r\nC:\\Users\\admin\\AppData\\Local\\Temp\\\r\nFalse\r\nTrue\r\n"
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Errorf("(-want +got):\n%s\n%s", diff, r.stderr)
	}
}

func TestConvertToXmlStillRefusesControlCharacters(t *testing.T) {
	// .NET's XmlWriter checks characters: ConvertTo-Xml fails on NUL where
	// Export-Clixml's EncodeString escapes it.
	h := objectsHost("5.1", 1000, &Object{TypeNames: []string{psCustomObject, "System.Object"}, Props: []*Property{{Name: "Comment", Value: "a\x00b"}}})
	r := runEncoded(t, h, "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn; (Get-TestObject | ConvertTo-Xml -As String -NoTypeInformation).Length")
	if !strings.Contains(r.stderr, "hexadecimal value 0x00, is an invalid character.") {
		t.Errorf("ConvertTo-Xml accepted NUL: %q %q", r.stdout, r.stderr)
	}
	r = runEncoded(t, h, "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn; $f = [IO.Path]::GetTempFileName(); Get-TestObject | Export-Clixml $f; [IO.File]::ReadAllBytes($f).Count")
	if r.stderr != "" || strings.TrimSpace(r.stdout) == "" {
		t.Errorf("Export-Clixml failed on NUL: %q %q", r.stdout, r.stderr)
	}
}

func TestX509StoreMembers(t *testing.T) {
	r := runEncoded(t, testHost("5.1", 120), "$a = New-Object System.Security.Cryptography.X509Certificates.X509Store; $b = New-Object Security.Cryptography.X509Certificates.X509Store('root','LocalMachine'); $a.Name + ' ' + $a.Location + ' ' + $b.Name + ' ' + $b.Location + ' ' + $b.Certificates.Count")
	if r.stdout != "MY CurrentUser root LocalMachine 0\r\n" {
		t.Errorf("%q %q", r.stdout, r.stderr)
	}
}
