package wsman_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	ntlmssp "github.com/Azure/go-ntlmssp"
	"github.com/masterzen/winrm"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/test/exsim/wsman"
)

var messageID = regexp.MustCompile(`<a:MessageID>([^<]+)</a:MessageID>`)

// firstMatch returns the first group of re in s.
func firstMatch(re string, s string) string {
	GinkgoHelper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	Expect(m).To(HaveLen(2), "no %s in %s", re, s)
	return m[1]
}

// exchange posts a masterzen-built message and checks that the reply relates
// to it.
func exchange(srv *wsman.Server, msg string, wantStatus int) string {
	GinkgoHelper()
	status, body := rawPost(srv, msg)
	Expect(status).To(Equal(wantStatus), body)
	Expect(body).To(ContainSubstring("<a:RelatesTo>" + messageID.FindStringSubmatch(msg)[1] + "</a:RelatesTo>"))
	Expect(body).To(MatchRegexp(`<a:MessageID>uuid:[0-9A-F-]{36}</a:MessageID>`))
	return body
}

// ntlmLeg posts msg with "Authorization: Negotiate <token>" over transport
// (one transport, one kept-alive connection) and returns the reply.
func ntlmLeg(transport *http.Transport, srv *wsman.Server, msg string, token []byte) *http.Response {
	GinkgoHelper()
	req, err := http.NewRequest(http.MethodPost, srv.URL(), strings.NewReader(msg))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	if token != nil {
		req.Header.Set("Authorization", "Negotiate "+base64.StdEncoding.EncodeToString(token))
	}
	resp, err := transport.RoundTrip(req)
	Expect(err).NotTo(HaveOccurred())
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

var _ = Describe("the NTLM handshake", func() {
	It("authenticates the connection that sent AUTHENTICATE, even when another got the CHALLENGE", func() {
		srv := startServer(newFakeLauncher(), nil)
		msg := winrm.NewOpenShellRequest(srv.URL(), winrm.NewParameters("PT5S", "en-US", 153600)).String()
		connA, connB := &http.Transport{}, &http.Transport{}
		DeferCleanup(connA.CloseIdleConnections)
		DeferCleanup(connB.CloseIdleConnections)

		negotiate, err := ntlmssp.NewNegotiateMessage("WORK", "")
		Expect(err).NotTo(HaveOccurred())
		resp := ntlmLeg(connA, srv, msg, negotiate)
		Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))
		challenge, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(resp.Header.Get("WWW-Authenticate"), "Negotiate "))
		Expect(err).NotTo(HaveOccurred())
		authenticate, err := ntlmssp.ProcessChallenge(challenge, "admin", testPassword, true)
		Expect(err).NotTo(HaveOccurred())

		Expect(ntlmLeg(connB, srv, msg, authenticate).StatusCode).To(Equal(http.StatusOK))
		Expect(ntlmLeg(connB, srv, msg, nil).StatusCode).To(Equal(http.StatusOK), "B is now authenticated")
		Expect(ntlmLeg(connA, srv, msg, nil).StatusCode).To(Equal(http.StatusUnauthorized), "A never was")
		Expect(ntlmLeg(connA, srv, msg, authenticate).StatusCode).To(Equal(http.StatusUnauthorized), "a challenge answers once")
	})

	It("survives many NTLM commands with stdin, whose requests run concurrently", func() {
		srv := startServer(newFakeLauncher(), nil)
		for i := range 30 {
			client := newClient(srv, clientOptions{ntlm: true})
			stdout, _, code, err := client.RunWithContextWithString(testContext(), "cat", fmt.Sprintf("input %d", i))
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(0))
			Expect(stdout).To(Equal(fmt.Sprintf("input %d", i)))
		}
	})
})

var _ = Describe("the WS-Management envelopes", func() {
	var (
		srv    *wsman.Server
		params *winrm.Parameters
	)
	BeforeEach(func() {
		srv = startServer(newFakeLauncher(), nil)
		params = winrm.NewParameters("PT1S", "en-US", 153600)
	})

	openShell := func() string {
		body := exchange(srv, winrm.NewOpenShellRequest(srv.URL(), params).String(), http.StatusOK)
		Expect(body).To(ContainSubstring("<a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse</a:Action>"))
		id := firstMatch(`<rsp:ShellId>([^<]+)</rsp:ShellId>`, body)
		Expect(body).To(ContainSubstring(`<w:Selector Name="ShellId">` + id + `</w:Selector>`))
		Expect(body).To(ContainSubstring("<rsp:Owner>admin</rsp:Owner>"))
		return id
	}

	It("answers Create with the ShellId as rsp:ShellId and as a w:Selector, and Delete", func() {
		id := openShell()
		Expect(srv.ShellCount()).To(Equal(1))
		body := exchange(srv, winrm.NewDeleteShellRequest(srv.URL(), id, params).String(), http.StatusOK)
		Expect(body).To(ContainSubstring("<a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse</a:Action>"))
		Expect(srv.ShellCount()).To(BeZero())
		body = exchange(srv, winrm.NewDeleteShellRequest(srv.URL(), id, params).String(), http.StatusInternalServerError)
		Expect(body).To(ContainSubstring("w:InvalidSelectors"))
	})

	It("times out an idle Receive with the w:TimedOut fault, then returns the output and Done", func() {
		id := openShell()
		body := exchange(srv, winrm.NewExecuteCommandRequest(srv.URL(), id, "sleep", []string{"1500ms"}, params).String(), http.StatusOK)
		Expect(body).To(ContainSubstring("<a:Action>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandResponse</a:Action>"))
		cmd := firstMatch(`<rsp:CommandId>([^<]+)</rsp:CommandId>`, body)

		start := time.Now()
		body = exchange(srv, winrm.NewGetOutputRequest(srv.URL(), id, cmd, "stdout stderr", params).String(), http.StatusInternalServerError)
		Expect(time.Since(start)).To(And(BeNumerically(">=", time.Second), BeNumerically("<", 5*time.Second)))
		Expect(body).To(ContainSubstring("<a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault</a:Action>"))
		Expect(body).To(ContainSubstring("<s:Value>w:TimedOut</s:Value>"))
		Expect(body).To(ContainSubstring(`<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858793" Machine="127.0.0.1">`))
		Expect(body).To(ContainSubstring("The WS-Management service cannot complete the operation within the time specified in OperationTimeout."))

		// The output and the Done state may come in one reply or two,
		// depending on when the Receive wakes up.
		var replies string
		Eventually(func() string {
			body := exchange(srv, winrm.NewGetOutputRequest(srv.URL(), id, cmd, "stdout stderr", params).String(), http.StatusOK)
			Expect(body).To(ContainSubstring("<a:Action>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse</a:Action>"))
			replies += body
			return body
		}, 5*time.Second).Should(ContainSubstring(`State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>0</rsp:ExitCode>`))
		Expect(replies).To(ContainSubstring(`<rsp:Stream Name="stdout" CommandId="` + cmd + `">c2xlcHQ=</rsp:Stream>`))

		body = exchange(srv, winrm.NewSignalRequest(srv.URL(), id, cmd, params).String(), http.StatusOK)
		Expect(body).To(ContainSubstring("<a:Action>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SignalResponse</a:Action>"))
	})

	It("acknowledges Send with SendResponse and refuses input after End", func() {
		id := openShell()
		body := exchange(srv, winrm.NewExecuteCommandRequest(srv.URL(), id, "cat", nil, params).String(), http.StatusOK)
		cmd := firstMatch(`<rsp:CommandId>([^<]+)</rsp:CommandId>`, body)
		body = exchange(srv, winrm.NewSendInputRequest(srv.URL(), id, cmd, []byte("hello"), true, params).String(), http.StatusOK)
		Expect(body).To(ContainSubstring("<a:Action>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SendResponse</a:Action>"))
		exchange(srv, winrm.NewSendInputRequest(srv.URL(), id, cmd, []byte("more"), false, params).String(), http.StatusInternalServerError)
		body = exchange(srv, winrm.NewGetOutputRequest(srv.URL(), id, cmd, "stdout stderr", params).String(), http.StatusOK)
		Expect(body).To(ContainSubstring(">aGVsbG8=</rsp:Stream>"))
	})

	It("refuses other resources and actions", func() {
		msg := strings.Replace(winrm.NewOpenShellRequest(srv.URL(), params).String(),
			"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd", "http://schemas.microsoft.com/powershell/Microsoft.Exchange", 1)
		body := exchange(srv, msg, http.StatusInternalServerError)
		Expect(body).To(ContainSubstring("w:DestinationUnreachable"))

		msg = strings.Replace(winrm.NewOpenShellRequest(srv.URL(), params).String(),
			"http://schemas.xmlsoap.org/ws/2004/09/transfer/Create", "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", 1)
		body = exchange(srv, msg, http.StatusInternalServerError)
		Expect(body).To(ContainSubstring("a:ActionNotSupported"))

		status, body := rawPost(srv, "<not xml")
		Expect(status).To(Equal(http.StatusInternalServerError))
		Expect(body).To(ContainSubstring("w:SchemaValidationError"))
	})

	It("answers other paths with 404 and replies with the WinRM content type", func() {
		resp, err := http.Post(strings.Replace(srv.URL(), "/wsman", "/other", 1), "application/soap+xml", strings.NewReader(""))
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusNotFound))

		req, _ := http.NewRequest(http.MethodPost, srv.URL(), strings.NewReader(winrm.NewOpenShellRequest(srv.URL(), params).String()))
		req.SetBasicAuth(testUser, testPassword)
		req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
		resp, err = http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.Header.Get("Content-Type")).To(Equal("application/soap+xml;charset=UTF-8"))

		req, _ = http.NewRequest(http.MethodPost, srv.URL(), strings.NewReader(""))
		resp, err = http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))
		Expect(resp.Header.Values("WWW-Authenticate")).To(Equal([]string{"Negotiate", `Basic realm="WSMAN"`}))
	})
})
