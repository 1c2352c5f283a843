package wsman_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masterzen/winrm"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/test/exsim/wsman"
)

func TestWSMan(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "exsim wsman")
}

// The account every spec uses; the password doubles as the log canary.
const (
	testUser     = `WORK\admin`
	testPassword = "S3cret-Canary!pw"
)

// fakeLauncher stands in for the PowerShell interpreter. It understands a few
// made-up programs, enough to exercise every stream of the protocol:
//
//	echo TEXT          TEXT on stdout
//	cat                stdin to stdout
//	digest             "LEN SHA256" of stdin
//	fail CODE TEXT     TEXT on stderr, exit CODE
//	sleep DURATION     sleeps (cancellable), then "slept"
//	hang               blocks until terminated; reports to terminated
//	big N              N bytes of 'x' on stdout
//	secret TEXT        reports TEXT as a secret to the Trace, echoes it
//	powershell -encodedcommand B64   prints the decoded script, traces it
type fakeLauncher struct {
	mu         sync.Mutex
	terminated chan string // command ids of "hang" commands that were cancelled
	seen       []wsman.Process
}

func newFakeLauncher() *fakeLauncher {
	return &fakeLauncher{terminated: make(chan string, 16)}
}

func (f *fakeLauncher) launch(ctx context.Context, p wsman.Process) int {
	f.mu.Lock()
	f.seen = append(f.seen, p)
	f.mu.Unlock()
	fields := strings.Fields(p.CommandLine)
	if len(fields) == 0 {
		return 0
	}
	args := strings.Join(fields[1:], " ")
	switch strings.ToLower(fields[0]) {
	case "echo":
		fmt.Fprintf(p.Stdout, "%s\r\n", args)
	case "cat":
		_, _ = io.Copy(p.Stdout, p.Stdin)
	case "digest":
		h := sha256.New()
		n, _ := io.Copy(h, p.Stdin)
		fmt.Fprintf(p.Stdout, "%d %s", n, hex.EncodeToString(h.Sum(nil)))
	case "fail":
		code, _ := strconv.Atoi(fields[1])
		fmt.Fprintf(p.Stdout, "before failing\r\n")
		fmt.Fprintf(p.Stderr, "%s\r\n", strings.Join(fields[2:], " "))
		return code
	case "sleep":
		d, _ := time.ParseDuration(args)
		select {
		case <-time.After(d):
			fmt.Fprint(p.Stdout, "slept")
		case <-ctx.Done():
			return 1
		}
	case "hang":
		<-ctx.Done()
		f.terminated <- p.CommandID
		return 1
	case "secret":
		p.Trace.Secret(args)
		fmt.Fprintf(p.Stdout, "%s\r\n", args)
	case "big":
		n, _ := strconv.Atoi(args)
		_, _ = p.Stdout.Write(bytes.Repeat([]byte("x"), n))
	case "powershell", "powershell.exe":
		for i := 1; i+1 < len(fields); i++ {
			if strings.EqualFold(fields[i], "-encodedcommand") {
				script, _ := wsman.DecodeEncodedCommand(fields[i+1])
				p.Trace.AddScript(script)
				p.Trace.Cmdlet("Write-Output", []string{"InputObject"}, "")
				fmt.Fprint(p.Stdout, script)
			}
		}
	default:
		fmt.Fprintf(p.Stderr, "'%s' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", fields[0])
		return 1
	}
	return 0
}

// processes returns the processes launched so far.
func (f *fakeLauncher) processes() []wsman.Process {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]wsman.Process{}, f.seen...)
}

// startServer runs an endpoint on a free loopback port with the fake
// launcher; change adjusts the configuration first.
func startServer(l *fakeLauncher, change func(*wsman.Config)) *wsman.Server {
	cfg := wsman.Config{
		Name: "WIN20081", NetBIOSDomain: "WORK", DNSDomain: "work.com",
		Addr:             "127.0.0.1:0",
		AllowUnencrypted: true,
		Accounts:         []wsman.Account{{Name: testUser, Password: testPassword}},
		Launcher:         l.launch,
		Logf:             func(format string, args ...any) { fmt.Fprintf(GinkgoWriter, format+"\n", args...) },
	}
	if change != nil {
		change(&cfg)
	}
	srv, err := wsman.NewServer(cfg)
	Expect(err).NotTo(HaveOccurred())
	Expect(srv.Start()).To(Succeed())
	DeferCleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		Expect(srv.Shutdown(ctx)).To(Succeed())
	})
	return srv
}

// clientOptions choose how a masterzen client talks to an endpoint.
type clientOptions struct {
	user, password string
	ntlm           bool
	encrypt        bool   // masterzen's NTLM sealing transport, winrm.NewEncryption("ntlm")
	caPEM          []byte // pinned CA for HTTPS
	timeout        string // OperationTimeout, PT60S when empty
}

func newClient(srv *wsman.Server, o clientOptions) *winrm.Client {
	if o.user == "" {
		o.user, o.password = testUser, testPassword
	}
	if o.timeout == "" {
		o.timeout = "PT60S"
	}
	host, portText, err := net.SplitHostPort(srv.Addr())
	Expect(err).NotTo(HaveOccurred())
	port, _ := strconv.Atoi(portText)
	ep := &winrm.Endpoint{
		Host: host, Port: port, HTTPS: strings.HasPrefix(srv.URL(), "https"),
		CACert: o.caPEM, Timeout: 90 * time.Second,
	}
	params := winrm.NewParameters(o.timeout, "en-US", 153600)
	if o.ntlm {
		params.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
	}
	if o.encrypt {
		params.TransportDecorator = func() winrm.Transporter {
			e, err := winrm.NewEncryption("ntlm")
			Expect(err).NotTo(HaveOccurred())
			return e
		}
	}
	c, err := winrm.NewClientWithParameters(ep, o.user, o.password, params)
	Expect(err).NotTo(HaveOccurred())
	return c
}

// rawPost sends one SOAP message with Basic auth and returns the status and body.
func rawPost(srv *wsman.Server, body string) (int, string) {
	req, err := http.NewRequest(http.MethodPost, srv.URL(), strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	req.SetBasicAuth(testUser, testPassword)
	resp, err := http.DefaultClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, string(b)
}

func testContext() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	DeferCleanup(cancel)
	return ctx
}
