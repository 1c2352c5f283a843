package wsman

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/masterzen/winrm"
)

// parsed is the part of a request the tests compare.
type parsed struct {
	Action, ResourceURI, ShellID, Codepage, CommandLine string
	Timeout                                             time.Duration
	MaxEnvelope                                         int
	Streams                                             []streamElem
	Desired                                             streamElem
	SignalID, SignalCode                                string
}

func summarize(r *request) parsed {
	p := parsed{
		Action: r.Header.Action, ResourceURI: r.Header.ResourceURI, ShellID: r.selector("ShellId"),
		CommandLine: r.commandLine(), Timeout: r.operationTimeout(DefaultOperationTimeout), MaxEnvelope: r.maxEnvelopeSize(),
	}
	p.Codepage, _ = r.option("WINRS_CODEPAGE")
	if r.Body.Send != nil {
		p.Streams = r.Body.Send.Streams
	}
	if r.Body.Receive != nil {
		p.Desired = r.Body.Receive.DesiredStream
	}
	if r.Body.Signal != nil {
		p.SignalID, p.SignalCode = r.Body.Signal.CommandID, r.Body.Signal.Code
	}
	return p
}

// pywinrmSend is a Send as pywinrm 0.3.0 (xmltodict) writes it: other
// prefixes, attributes with their own namespace declarations, no CDATA.
const pywinrmSend = `<?xml version="1.0" encoding="utf-8"?>
<env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:b="http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config">
<env:Header><w:ResourceURI env:mustUnderstand="true">http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI>
<a:Action env:mustUnderstand="true">http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send</a:Action>
<w:OperationTimeout>PT20S</w:OperationTimeout><a:MessageID>uuid:6f7a1c2e-0000-4000-8000-000000000001</a:MessageID>
<w:SelectorSet><w:Selector Name="ShellId">11111111-2222-3333-4444-555555555555</w:Selector></w:SelectorSet></env:Header>
<env:Body><rsp:Send><rsp:Stream Name="stdin" CommandId="AAAA" End="true">aGVsbG8=</rsp:Stream></rsp:Send></env:Body></env:Envelope>`

func TestParseRequest(t *testing.T) {
	params := winrm.NewParameters("PT2S", "en-US", 204800)
	const url, shell, cmd = "http://127.0.0.1:5985/wsman", "SHELL-1", "CMD-1"
	cases := []struct {
		name, reason, msg string
		want              parsed
	}{
		{
			"masterzen create", "options and timeout come from the header",
			winrm.NewOpenShellRequest(url, params).String(),
			parsed{Action: actionCreate, ResourceURI: resourceCmd, Codepage: "65001", Timeout: 2 * time.Second, MaxEnvelope: 204800},
		},
		{
			"masterzen command", "Command and Arguments join with spaces, CDATA unwrapped",
			winrm.NewExecuteCommandRequest(url, shell, "powershell.exe", []string{"-NoProfile", "-Command", "a & b <c>"}, params).String(),
			parsed{Action: actionCommand, ResourceURI: resourceCmd, ShellID: shell, Timeout: 2 * time.Second, MaxEnvelope: 204800,
				CommandLine: "powershell.exe -NoProfile -Command a & b <c>"},
		},
		{
			"masterzen send", "stdin chunk with End",
			winrm.NewSendInputRequest(url, shell, cmd, []byte("hi"), true, params).String(),
			parsed{Action: actionSend, ResourceURI: resourceCmd, ShellID: shell, Timeout: 2 * time.Second, MaxEnvelope: 204800,
				Streams: []streamElem{{Name: "stdin", CommandID: cmd, End: "true", Data: "aGk="}}},
		},
		{
			"masterzen receive", "the DesiredStream names the command",
			winrm.NewGetOutputRequest(url, shell, cmd, "stdout stderr", params).String(),
			parsed{Action: actionReceive, ResourceURI: resourceCmd, ShellID: shell, Timeout: 2 * time.Second, MaxEnvelope: 204800,
				Desired: streamElem{CommandID: cmd, Data: "stdout stderr"}},
		},
		{
			"masterzen signal", "terminate code",
			winrm.NewSignalRequest(url, shell, cmd, params).String(),
			parsed{Action: actionSignal, ResourceURI: resourceCmd, ShellID: shell, Timeout: 2 * time.Second, MaxEnvelope: 204800,
				SignalID: cmd, SignalCode: signalTerm},
		},
		{
			"pywinrm send", "other prefixes, XML declaration, default envelope size",
			pywinrmSend,
			parsed{Action: actionSend, ResourceURI: resourceCmd, ShellID: "11111111-2222-3333-4444-555555555555", Timeout: 20 * time.Second,
				MaxEnvelope: 153600, Streams: []streamElem{{Name: "stdin", CommandID: "AAAA", End: "true", Data: "aGVsbG8="}}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseRequest([]byte(tc.msg))
			if err != nil {
				t.Fatalf("parseRequest: %v", err)
			}
			if diff := cmp.Diff(tc.want, summarize(r)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestParseRequestRejects(t *testing.T) {
	for name, msg := range map[string]string{
		"not xml":     "<env:Envelope",
		"not soap":    `<Envelope><Header/></Envelope>`,
		"soap 1.1":    `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/></s:Envelope>`,
		"no action":   `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body/></s:Envelope>`,
		"empty input": "",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseRequest([]byte(msg)); err == nil {
				t.Errorf("parseRequest(%q) succeeded", msg)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"PT60S", 60 * time.Second, false},
		{"PT60.000S", 60 * time.Second, false},
		{"PT0.5S", 500 * time.Millisecond, false},
		{"PT1M30S", 90 * time.Second, false},
		{"P0DT0H1M0S", time.Minute, false},
		{"P1DT2H", 26 * time.Hour, false},
		{"P1W", 7 * 24 * time.Hour, false},
		{" PT2S ", 2 * time.Second, false},
		{"", 0, true},
		{"60", 0, true},
		{"P", 0, true},
		{"PT", 0, true},
		{"P1M", 0, true}, // months have no fixed length
		{"PT1D", 0, true},
		{"PTxS", 0, true},
		{"PT-1S", 0, true},
	}
	for _, tc := range cases {
		got, err := parseDuration(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestFormatDurationAndExitCode(t *testing.T) {
	if got := formatDuration(90061 * time.Second); got != "P1DT1H1M1S" {
		t.Errorf("formatDuration = %q", got)
	}
	for code, want := range map[int]string{0: "0", 1: "1", -1: "4294967295", -1073741510: "3221225786"} {
		if got := exitCodeText(code); got != want {
			t.Errorf("exitCodeText(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestReceiveBody(t *testing.T) {
	running := receiveBody("C", chunk{stdout: []byte("hi")})
	want := `<rsp:ReceiveResponse><rsp:Stream Name="stdout" CommandId="C">aGk=</rsp:Stream>` +
		`<rsp:CommandState CommandId="C" State="` + stateRunning + `"></rsp:CommandState></rsp:ReceiveResponse>`
	if diff := cmp.Diff(want, running); diff != "" {
		t.Errorf("running (-want +got):\n%s", diff)
	}
	done := receiveBody("C", chunk{stderr: []byte("x"), done: true, exitCode: 2})
	want = `<rsp:ReceiveResponse><rsp:Stream Name="stdout" CommandId="C" End="true"></rsp:Stream>` +
		`<rsp:Stream Name="stderr" CommandId="C">eA==</rsp:Stream><rsp:Stream Name="stderr" CommandId="C" End="true"></rsp:Stream>` +
		`<rsp:CommandState CommandId="C" State="` + stateDone + `"><rsp:ExitCode>2</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse>`
	if diff := cmp.Diff(want, done); diff != "" {
		t.Errorf("done (-want +got):\n%s", diff)
	}
}

func TestParseLatency(t *testing.T) {
	cases := []struct {
		in      string
		want    Latency
		wantErr bool
	}{
		{"session=2s,cmdlet=20ms", Latency{Session: 2 * time.Second, Cmdlet: 20 * time.Millisecond}, false},
		{"cmdlet=5ms", Latency{Cmdlet: 5 * time.Millisecond}, false},
		{" Session = 1s ", Latency{Session: time.Second}, false},
		{"", Latency{}, false},
		{"session", Latency{}, true},
		{"session=fast", Latency{}, true},
		{"network=1s", Latency{}, true},
		{"session=-1s", Latency{}, true},
	}
	for _, tc := range cases {
		got, err := ParseLatency(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseLatency(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseLatency(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestParseFaults(t *testing.T) {
	cases := []struct {
		name    string
		in      []string
		want    Faults
		wantErr bool
	}{
		{"drop", []string{"drop-after:3"}, Faults{Drop: true, DropAfter: 3}, false},
		{"drop first", []string{"drop-after:0"}, Faults{Drop: true}, false},
		{"cmdlet", []string{"Set-SendConnector:error"}, Faults{Cmdlets: []CmdletFault{{Cmdlet: "Set-SendConnector", Kind: "error"}}}, false},
		{"both", []string{"drop-after:1", "New-ReceiveConnector:Error"},
			Faults{Drop: true, DropAfter: 1, Cmdlets: []CmdletFault{{Cmdlet: "New-ReceiveConnector", Kind: "error"}}}, false},
		{"no kind", []string{"Set-SendConnector"}, Faults{}, true},
		{"bad count", []string{"drop-after:x"}, Faults{}, true},
		{"negative", []string{"drop-after:-2"}, Faults{}, true},
		{"not a cmdlet", []string{"explode:now"}, Faults{}, true},
	}
	for _, tc := range cases {
		got, err := ParseFaults(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: ParseFaults(%q) error = %v, want error %v", tc.name, tc.in, err, tc.wantErr)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	f := Faults{Drop: true, DropAfter: 2}
	for n, want := range map[int64]bool{1: false, 2: false, 3: true, 4: false} {
		if got := f.dropsCommand(n); got != want {
			t.Errorf("drop-after:2 dropsCommand(%d) = %v", n, got)
		}
	}
}

func TestParseAuthSchemes(t *testing.T) {
	cases := []struct {
		in      string
		want    []AuthScheme
		wantErr bool
	}{
		{"basic,ntlm", []AuthScheme{AuthBasic, AuthNTLM}, false},
		{"NTLM", []AuthScheme{AuthNTLM}, false},
		{"negotiate, basic, ntlm", []AuthScheme{AuthNTLM, AuthBasic}, false},
		{"kerberos", []AuthScheme{AuthKerberos}, false},
		{"ntlm,kerberos,basic", []AuthScheme{AuthNTLM, AuthKerberos, AuthBasic}, false},
		{"Kerberos, kerberos", []AuthScheme{AuthKerberos}, false},
		{"credssp", nil, true},
		{"", nil, true},
	}
	for _, tc := range cases {
		got, err := ParseAuthSchemes(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseAuthSchemes(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseAuthSchemes(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}
