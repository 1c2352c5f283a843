package exchange

import (
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeWinRS is a minimal WS-Management (WinRS) server for transport tests:
// Basic auth, Create/Command/Send/Receive/Signal/Delete with the a:Action
// replies masterzen checks. It runs a handler on the script the bootstrap
// would read from stdin. (exsim is the full simulator; this fake exists so
// the transport tests need no other package.)
type fakeWinRS struct {
	t        *testing.T
	user     string
	password string
	// handler answers a script with stdout, stderr and an exit code.
	handler func(script string) (string, string, int)
	// hold, when set, makes Receive wait this long before answering.
	hold time.Duration
	// dropReceive closes the connection on Receive without an answer.
	dropReceive bool
	// holdLastSend never answers the Send with End="true" (until the
	// client gives up); dropLastSend closes its connection instead.
	holdLastSend, dropLastSend bool
	// holdDelete never answers the shell Delete.
	holdDelete bool

	mu          sync.Mutex
	shells      int
	deleted     int
	commands    []string // command lines
	scripts     []string // decoded stdin scripts
	frames      []string // the data frames (second stdin line)
	stdin       strings.Builder
	stdinDone   bool
	output      []string // pending stdout, stderr
	exit        int
	maxEnvelope int
}

var (
	reAction = regexp.MustCompile(`<(?:\w+:)?Action[^>]*>([^<]*)</`)
	reCmd    = regexp.MustCompile(`(?s)<(?:\w+:)?Command>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</(?:\w+:)?Command>`)
	reStream = regexp.MustCompile(`<(?:\w+:)?Stream([^>]*)>([^<]*)</`)
)

const (
	nsEnvelope = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell">`
	shellNS    = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"
	shellID    = "6E7C3B0A-0000-4D4F-8C4B-000000000001"
	commandID  = "1A6DEE6B-EC68-4DD6-87E9-030C0048ECC4"
)

func envelope(action, body string) string {
	return nsEnvelope + `<s:Header><a:Action>` + action + `</a:Action><w:SelectorSet><w:Selector Name="ShellId">` + shellID +
		`</w:Selector></w:SelectorSet></s:Header><s:Body>` + body + `</s:Body></s:Envelope>`
}

func (f *fakeWinRS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pw, ok := r.BasicAuth()
	if !ok || user != f.user || pw != f.password {
		w.Header().Set("WWW-Authenticate", `Basic realm="WSMAN"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	b, _ := io.ReadAll(r.Body)
	body := string(b)
	f.mu.Lock()
	if len(b) > f.maxEnvelope {
		f.maxEnvelope = len(b)
	}
	f.mu.Unlock()
	m := reAction.FindStringSubmatch(body)
	if m == nil {
		http.Error(w, "no action", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	switch action := m[1]; {
	case strings.HasSuffix(action, "/transfer/Create"):
		f.mu.Lock()
		f.shells++
		f.mu.Unlock()
		fmt.Fprint(w, envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse",
			`<x:ResourceCreated><rsp:Shell><rsp:ShellId>`+shellID+`</rsp:ShellId></rsp:Shell></x:ResourceCreated>`))
	case action == shellNS+"Command":
		cm := reCmd.FindStringSubmatch(body)
		f.mu.Lock()
		f.commands = append(f.commands, strings.TrimSpace(cm[1]))
		f.stdin.Reset()
		f.stdinDone, f.output = false, nil
		f.mu.Unlock()
		fmt.Fprint(w, envelope(shellNS+"CommandResponse", `<rsp:CommandResponse><rsp:CommandId>`+commandID+`</rsp:CommandId></rsp:CommandResponse>`))
	case action == shellNS+"Send":
		if strings.Contains(body, `End="true"`) && (f.holdLastSend || f.dropLastSend) {
			if f.holdLastSend {
				<-r.Context().Done()
				return
			}
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		f.mu.Lock()
		for _, s := range reStream.FindAllStringSubmatch(body, -1) {
			chunk, _ := base64.StdEncoding.DecodeString(s[2])
			f.stdin.Write(chunk)
			if strings.Contains(s[1], `End="true"`) {
				f.finish()
			}
		}
		f.mu.Unlock()
		fmt.Fprint(w, envelope(shellNS+"SendResponse", `<rsp:SendResponse/>`))
	case action == shellNS+"Receive":
		if f.dropReceive {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		time.Sleep(f.hold)
		f.mu.Lock()
		done := f.stdinDone
		out := f.output
		f.output = nil
		exit := f.exit
		f.mu.Unlock()
		if !done {
			time.Sleep(20 * time.Millisecond) // the real server holds the request
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, envelope("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault",
				`<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:TimedOut</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot complete the operation within the time specified in OperationTimeout.</s:Text></s:Reason></s:Fault>`))
			return
		}
		var streams string
		if len(out) == 2 {
			streams = `<rsp:Stream Name="stdout" CommandId="` + commandID + `">` + base64.StdEncoding.EncodeToString([]byte(out[0])) + `</rsp:Stream>` +
				`<rsp:Stream Name="stderr" CommandId="` + commandID + `">` + base64.StdEncoding.EncodeToString([]byte(out[1])) + `</rsp:Stream>`
		}
		fmt.Fprint(w, envelope(shellNS+"ReceiveResponse", `<rsp:ReceiveResponse>`+streams+
			`<rsp:CommandState CommandId="`+commandID+`" State="`+shellNS+`CommandState/Done"><rsp:ExitCode>`+fmt.Sprint(exit)+`</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse>`))
	case action == shellNS+"Signal":
		fmt.Fprint(w, envelope(shellNS+"SignalResponse", `<rsp:SignalResponse/>`))
	case strings.HasSuffix(action, "/transfer/Delete"):
		if f.holdDelete {
			<-r.Context().Done()
			return
		}
		f.mu.Lock()
		f.deleted++
		f.mu.Unlock()
		fmt.Fprint(w, envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", ``))
	default:
		http.Error(w, "unknown action "+action, http.StatusBadRequest)
	}
}

// finish decodes stdin as the bootstrap would and runs the handler.
// Called with f.mu held.
func (f *fakeWinRS) finish() {
	f.stdinDone = true
	// The bootstrap reads two lines: the script, then the data frame.
	in, frame, _ := strings.Cut(f.stdin.String(), "\r\n")
	f.frames = append(f.frames, strings.TrimSpace(frame))
	raw, err := base64.StdEncoding.DecodeString(in)
	if err != nil {
		f.output, f.exit = []string{"", "stdin is not base64: " + err.Error()}, 1
		return
	}
	script := string(raw)
	f.scripts = append(f.scripts, script)
	so, se, code := "", "", 0
	if f.handler != nil {
		so, se, code = f.handler(script)
	}
	f.output, f.exit = []string{so, se}, code
}

// start serves f over HTTP or HTTPS and returns the endpoint.
func (f *fakeWinRS) start(tls bool) (*httptest.Server, string) {
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS handshake failures are the point of some tests
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	f.t.Cleanup(srv.Close)
	return srv, srv.URL + "/wsman"
}
