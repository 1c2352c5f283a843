// Command testclient runs one command on a WinRM endpoint with
// masterzen/winrm, for trying exsim (or a real server) by hand:
//
//	EXSIM_PASSWORD=pw go run ./test/exsim/testclient -url http://127.0.0.1:15985/wsman \
//	    -user 'WORK\admin' -auth ntlm -script 'Get-Date'          # exreconcile's delivery
//	go run ./test/exsim/testclient -url ... -- ipconfig /all       # a raw command line
//
// With -script (or -script-file, "-" for stdin) the script goes as
// exreconcile sends it: base64 of UTF-8 on stdin, read by a short
// -EncodedCommand bootstrap. It prints stdout and stderr as received and
// exits with the remote exit code.
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/masterzen/winrm"
)

// bootstrap reads the real script from stdin (base64 of UTF-8) and runs it;
// it is PowerShell 2.0-safe (docs/winrm.md "The bootstrap").
const bootstrap = "$ErrorActionPreference='Stop';$ProgressPreference='SilentlyContinue';" +
	"$b=[string]::Join('',@($input));$s=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b));" +
	"& ([ScriptBlock]::Create($s))"

func main() {
	code, err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testclient: %v\n", err)
		os.Exit(255)
	}
	os.Exit(code)
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("testclient", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("url", "http://127.0.0.1:15985/wsman", "the endpoint, http(s)://HOST:PORT/wsman")
	user := fs.String("user", `WORK\admin`, `the user, DOMAIN\name`)
	passwordEnv := fs.String("password-env", "EXSIM_PASSWORD", "the environment variable holding the password")
	auth := fs.String("auth", "ntlm", "basic or ntlm")
	caFile := fs.String("ca", "", "a PEM CA to trust for https (exsim's --cert-dir/ca.pem)")
	insecure := fs.Bool("insecure", false, "do not verify the server certificate")
	opTimeout := fs.String("operation-timeout", "PT60S", "the WS-Man OperationTimeout")
	deadline := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	script := fs.String("script", "", "a PowerShell script to run through the stdin bootstrap")
	scriptFile := fs.String("script-file", "", `a file holding the script ("-" for stdin)`)
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	client, err := newClient(*endpoint, *user, os.Getenv(*passwordEnv), *auth, *caFile, *insecure, *opTimeout)
	if err != nil {
		return 0, err
	}
	command, input := strings.Join(fs.Args(), " "), ""
	switch {
	case *scriptFile != "":
		data, err := readScript(*scriptFile, stdin)
		if err != nil {
			return 0, err
		}
		*script = string(data)
		fallthrough
	case *script != "":
		if command != "" {
			return 0, errors.New("give a script or a command line, not both")
		}
		command = "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand " + encodeCommand(bootstrap)
		input = base64.StdEncoding.EncodeToString([]byte(*script))
	case command == "":
		return 0, errors.New("nothing to run: give -script, -script-file or a command line")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *deadline)
	defer cancel()
	var in io.Reader
	if input != "" {
		in = strings.NewReader(input)
	}
	code, err := client.RunWithContextWithInput(ctx, command, stdout, stderr, in)
	if err != nil {
		return code, fmt.Errorf("running %.60q: %w", command, err)
	}
	return code, nil
}

func newClient(endpoint, user, password, auth, caFile string, insecure bool, opTimeout string) (*winrm.Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("bad -url: %w", err)
	}
	host, portText, err := net.SplitHostPort(u.Host)
	if err != nil {
		return nil, fmt.Errorf("bad -url %q: %w", endpoint, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("bad -url port %q: %w", portText, err)
	}
	ep := &winrm.Endpoint{Host: host, Port: port, HTTPS: u.Scheme == "https", Insecure: insecure, Timeout: 90 * time.Second}
	if caFile != "" {
		if ep.CACert, err = os.ReadFile(caFile); err != nil {
			return nil, fmt.Errorf("cannot read -ca: %w", err)
		}
	}
	params := winrm.NewParameters(opTimeout, "en-US", 153600)
	switch strings.ToLower(auth) {
	case "ntlm":
		params.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
	case "basic":
	default:
		return nil, fmt.Errorf("unknown -auth %q (want basic, ntlm)", auth)
	}
	client, err := winrm.NewClientWithParameters(ep, user, password, params)
	if err != nil {
		return nil, fmt.Errorf("cannot create the WinRM client: %w", err)
	}
	return client, nil
}

func readScript(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("cannot read the script from stdin: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the script: %w", err)
	}
	return data, nil
}

// encodeCommand is powershell.exe's -EncodedCommand: base64 of UTF-16LE.
func encodeCommand(script string) string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}
