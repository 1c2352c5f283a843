package exchange

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/exreconcile/exreconcile/exchange/value"
	"github.com/google/go-cmp/cmp"
)

func markers(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }

func TestParseApply(t *testing.T) {
	req := ApplyRequest{Target: mailbox(Exchange2019), Calls: []Call{
		RemoveSendConnector("A"), RemoveSendConnector("B"), RemoveSendConnector("C"),
	}}
	notFound := "#< CLIXML\r\n" + objsOpen + errorLines(
		"The operation couldn't be performed because object 'B' couldn't be found on 'dc1.work.com'.",
		"    + CategoryInfo          : NotSpecified: (:) [Remove-SendConnector], ManagementObjectNotFoundException",
		"    + FullyQualifiedErrorId : [Server=WIN20081,RequestId=1,TimeStamp=1/1/2026 1:00:00 AM] [FailureCategory=Cmdlet-ManagementObje ",
		"   ctNotFoundException] 1082ECE3,Microsoft.Exchange.Management.SystemConfigurationTasks.RemoveSendConnector",
		"    + PSComputerName        : win20081.work.com",
		" ") + "</Objs>"
	sessionFailed := "#< CLIXML\r\n" + objsOpen + errorLines(
		"[win20081.work.com] Connecting to remote server win20081.work.com failed with the following error message : Access is denied.",
		"    + CategoryInfo          : OpenError: (System.Manageme....RemoteRunspace:RemoteRunspace) [], PSRemotingTransportException",
		"    + FullyQualifiedErrorId : AccessDenied,PSSessionOpenFailed",
		" ") + "</Objs>"
	tests := []struct {
		name      string
		res       Result
		want      []CallState
		wantErr   error
		wantClass Class
		reason    string
	}{
		{name: "all done", res: Result{Stdout: markers(callBegin(1), callEnd(1), callBegin(2), callEnd(2), callBegin(3), callEnd(3), markerDone)},
			want: []CallState{CallDone, CallDone, CallDone}, reason: "every END marker and the done marker"},
		{name: "second fails", res: Result{Stdout: markers(callBegin(1), callEnd(1), callBegin(2)), Stderr: notFound, ExitCode: 1},
			want: []CallState{CallDone, CallFailed, CallNotRun}, wantErr: ErrNotFound, wantClass: ClassNotFound,
			reason: "BEGIN without END plus an error record: that call failed, the rest never ran"},
		{name: "set-up fails", res: Result{Stderr: sessionFailed, ExitCode: 1},
			want: []CallState{CallNotRun, CallNotRun, CallNotRun}, wantErr: ErrAccessDenied, wantClass: ClassAccessDenied,
			reason: "no call began: the session did not open"},
		{name: "interrupted", res: Result{Stdout: markers(callBegin(1), callEnd(1), callBegin(2)), ExitCode: -1},
			want: []CallState{CallDone, CallInterrupted, CallNotRun}, wantErr: ErrRemote,
			reason: "output ends inside a call with no error: it may or may not have happened"},
		{name: "close fails", res: Result{Stdout: markers(callBegin(1), callEnd(1), callBegin(2), callEnd(2), callBegin(3), callEnd(3)), ExitCode: 1,
			Stderr: "#< CLIXML\r\n" + objsOpen + errorLines("Remove-PSSession : boom", " ") + "</Objs>"},
			want: []CallState{CallDone, CallDone, CallDone}, reason: "every change was made; a failed Remove-PSSession is only a warning"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := ParseApply(req, &tt.res)
			var got []CallState
			for _, c := range out.Calls {
				got = append(got, c.State)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("states (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v (%s)", err, tt.wantErr, tt.reason)
			}
			if tt.wantClass != "" && ClassOf(err) != tt.wantClass {
				t.Errorf("class = %s, want %s", ClassOf(err), tt.wantClass)
			}
		})
	}
	out, _ := ParseApply(req, &Result{Stdout: markers(callBegin(1), callEnd(1), callBegin(2)), Stderr: notFound, ExitCode: 1})
	failed, ok := out.FailedCall()
	if !ok || failed.FullyQualifiedErrorId != "[Server=WIN20081,RequestId=1,TimeStamp=1/1/2026 1:00:00 AM] [FailureCategory=Cmdlet-ManagementObjectNotFoundException] 1082ECE3,Microsoft.Exchange.Management.SystemConfigurationTasks.RemoveSendConnector" ||
		!strings.HasPrefix(failed.Message, "The operation couldn't be performed because object 'B'") {
		t.Errorf("failed call = %+v", failed)
	}
}

func TestApplyScriptRefuses(t *testing.T) {
	call := *newCall("Set-SendConnector").Arg("Identity", lit("x")).Arg("TlsCertificateName", lit("<I>a<S>b"))
	tests := []struct {
		name   string
		req    ApplyRequest
		want   error
		reason string
	}{
		{name: "unknown version", req: ApplyRequest{Target: mailbox(VersionUnknown), Calls: []Call{call}}, want: ErrUnknownVersion,
			reason: "the parameter set depends on the version; observe first"},
		{name: "parameter the version lacks", req: ApplyRequest{Target: mailbox(Exchange2010), Calls: []Call{call}}, want: ErrUnsupported,
			reason: "TlsCertificateName is 2013+ (params.tsv)"},
		{name: "not a known command", req: ApplyRequest{Target: mailbox(Exchange2019), Calls: []Call{*newCall("Remove-Item")}}, want: ErrInvalidRequest,
			reason: "only Exchange cmdlets and the listed built-ins may run"},
		{name: "nothing to do", req: ApplyRequest{Target: mailbox(Exchange2019)}, want: ErrInvalidRequest, reason: "an empty apply is a caller bug"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ApplyScript(tt.req); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v (%s)", err, tt.want, tt.reason)
			}
		})
	}
}

func TestBuilderPairs(t *testing.T) {
	cur := &ObservedSendConnector{DNSRoutingEnabled: false, SmartHosts: smartHosts(t, "relay.canoe.com"), TlsAuthLevel: "DomainValidation", IgnoreSTARTTLS: true}
	tests := []struct {
		name   string
		build  func() (Call, error)
		want   string
		err    error
		reason string
	}{
		{name: "smart hosts bring DNSRoutingEnabled false",
			build: func() (Call, error) {
				return SetSendConnector(Exchange2019, "X", SendConnectorSpec{SmartHosts: smartHosts(t, "10.1.1.1")}, nil)
			},
			want: "Set-SendConnector -Identity 'X' -DNSRoutingEnabled $false -SmartHosts '10.1.1.1'", reason: "docs/exchange.md#send-connector-rules item 1"},
		{name: "auth mechanism brings DNSRoutingEnabled and smart hosts",
			build: func() (Call, error) {
				return SetSendConnector(Exchange2019, "X", SendConnectorSpec{SmartHostAuthMechanism: ptr("None")}, cur)
			},
			want:   "Set-SendConnector -Identity 'X' -DNSRoutingEnabled $false -SmartHosts 'relay.canoe.com' -SmartHostAuthMechanism 'None'",
			reason: "DNSRoutingEnabledMustBeSpecifiedForAuthMechanism, and $false needs the smart hosts on the same line"},
		{name: "RequireTLS off clears TlsAuthLevel",
			build: func() (Call, error) {
				return SetSendConnector(Exchange2019, "X", SendConnectorSpec{RequireTLS: ptr(false)}, cur)
			},
			want: "Set-SendConnector -Identity 'X' -RequireTLS $false -TlsAuthLevel $null", reason: "TlsAuthLevelWithRequireTlsDisabled"},
		{name: "TlsAuthLevel brings RequireTLS and IgnoreSTARTTLS off",
			build: func() (Call, error) {
				return SetSendConnector(Exchange2019, "X", SendConnectorSpec{TlsAuthLevel: ptr("EncryptionOnly")}, cur)
			},
			want: "Set-SendConnector -Identity 'X' -RequireTLS $true -TlsAuthLevel 'EncryptionOnly' -IgnoreSTARTTLS $false", reason: "docs/exchange.md#send-connector-rules items 3-4"},
		{name: "DNS routing on drops smart hosts",
			build: func() (Call, error) {
				return SetSendConnector(Exchange2019, "X", SendConnectorSpec{DNSRoutingEnabled: ptr(true), SmartHosts: []value.SmartHost{}}, cur)
			},
			want: "Set-SendConnector -Identity 'X' -DNSRoutingEnabled $true", reason: "Exchange refuses SmartHosts with DNSRoutingEnabled $true and clears them itself"},
		{name: "DNS off without smart hosts",
			build: func() (Call, error) {
				return NewSendConnector(Exchange2019, "X", "", SendConnectorSpec{AddressSpaces: addressSpaces(t, "*"), DNSRoutingEnabled: ptr(false)})
			},
			err: ErrInvalidRequest, reason: "SmartHostNotSet"},
		{name: "basic auth without credential",
			build: func() (Call, error) {
				return NewSendConnector(Exchange2019, "X", "", SendConnectorSpec{AddressSpaces: addressSpaces(t, "*"), SmartHosts: smartHosts(t, "h.example"), SmartHostAuthMechanism: ptr("BasicAuth")})
			},
			err: ErrInvalidRequest, reason: "AuthenticationCredentialNotSet"},
		{name: "TlsCertificateName on 2010",
			build: func() (Call, error) {
				return SetReceiveConnector(Exchange2010, `S\X`, ReceiveConnectorSpec{TlsCertificateName: ptr("<I>a<S>b")})
			},
			err: ErrUnsupported, reason: "params.tsv: 2013+"},
		{name: "enable certificate is forced",
			build: func() (Call, error) {
				return EnableExchangeCertificate(Exchange2016, "S", "ab12", value.ServiceSMTP)
			},
			want: "Enable-ExchangeCertificate -Thumbprint 'AB12' -Server 'S' -Services 'SMTP' -Force", reason: "the SMTP overwrite prompt would hang"},
		{name: "disabled new connector is forced",
			build: func() (Call, error) {
				return NewSendConnector(Exchange2019, "X", "internet", SendConnectorSpec{AddressSpaces: addressSpaces(t, "canoe.com"), Enabled: ptr(false)})
			},
			want: "New-SendConnector -Name 'X' -Usage 'Internet' -AddressSpaces 'SMTP:canoe.com;1' -Enabled $false -Force", reason: "New-SendConnector -Enabled $false asks to confirm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.build()
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Errorf("err = %v, want %v (%s)", err, tt.err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c.Redacted()); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

// TestServerOneCommandPerRun drives a Server over the fake WinRS endpoint:
// the observe is one WinRM command, it learns the version, and the apply
// that follows (one more command) loads the snap-in for that version.
func TestServerOneCommandPerRun(t *testing.T) {
	f := &fakeWinRS{t: t, user: `WORK\svc`, password: "right"}
	f.handler = func(script string) (string, string, int) {
		doc := xmlDoc(object(prop("Name", "WIN20083"), prop("Fqdn", "win20083.work.com"),
			prop("AdminDisplayVersion", "Version 14.3 (Build 123.4)"), prop("ServerRole", "Edge"), prop("IsEdgeServer", "True")))
		observed := frame(serverFrame, doc) + frame(receiveConnectorFrame, xmlDoc()) + frame(certificateFrame, xmlDoc())
		if strings.Contains(script, callBegin(1)) {
			// apply, then verify in the same command
			return strings.TrimSuffix(markers(callBegin(1), callEnd(1), callBegin(2), callEnd(2)), "\r\n") + "\r\n" + observed + markerDone + "\r\n", "", 0
		}
		return observed + markerDone + "\r\n", "", 0
	}
	_, ep := f.start(false)
	c, err := NewClient(basicConfig(ep))
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(edge(VersionUnknown), c)
	ctx := context.Background()
	obs, err := srv.Observe(ctx, Reads{ReceiveConnectors: true, Certificates: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Commands() != 1 || obs.Server.Version != Exchange2010 || srv.Target().Version != Exchange2010 {
		t.Fatalf("after observe: %d commands, version %v/%v; want 1 command and 2010", c.Commands(), obs.Server.Version, srv.Target().Version)
	}
	enable, err := EnableExchangeCertificate(srv.Target().Version, "WIN20083", "AB", value.ServiceSMTP)
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Apply(ctx, []CallGroup{{Calls: []Call{enable}}, {Calls: []Call{RestartTransportService(TransportServiceName)}}}, Reads{ReceiveConnectors: true, Certificates: true})
	if err != nil || res.Completed() != 2 || res.Observation == nil || res.Observation.Server.Version != Exchange2010 {
		t.Fatalf("apply: %v, %+v; want both calls done and the verifying observation", err, res)
	}
	if !strings.Contains(f.scripts[1], "Add-PSSnapin -Name '"+snapIn2010+"'\n") || strings.Contains(f.scripts[1], snapIn2013) {
		t.Errorf("apply script does not load exactly the 2010 snap-in:\n%s", f.scripts[1])
	}
	if c.Commands() != 2 || c.Shells() != 1 {
		t.Errorf("%d commands in %d shells, want 2 in 1", c.Commands(), c.Shells())
	}
}
