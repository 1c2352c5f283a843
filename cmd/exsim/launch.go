package main

import (
	"context"
	"fmt"
	"os"

	"github.com/exreconcile/exreconcile/test/exsim/exchange"
	"github.com/exreconcile/exreconcile/test/exsim/ps"
	"github.com/exreconcile/exreconcile/test/exsim/wsman"
)

// consoleWidth is the buffer width of powershell.exe started over WinRS.
const consoleWidth = 80

// newLauncher runs the WinRM commands of one server through the interpreter,
// with the Exchange model as module loader, and reports scripts, cmdlets and
// secrets to the command log through the process's Trace.
func newLauncher(org *exchange.Org, xs *exchange.Server, o *options) wsman.Launcher {
	return func(ctx context.Context, p wsman.Process) int {
		// One loader per powershell.exe: its remote sessions accept the
		// configured credentials, as the server's own /PowerShell would.
		loader, err := org.Loader(xs.Name(), o.User, o.Password)
		if err != nil {
			fmt.Fprintf(p.Stderr, "exsim: %v\r\n", err)
			return 1
		}
		// Windows cmdlets the model owns (Restart-Service MSExchangeTransport)
		// exist from the start, as they do on the real server.
		builtins, err := org.HostCommands(xs.Name())
		if err != nil {
			fmt.Fprintf(p.Stderr, "exsim: %v\r\n", err)
			return 1
		}
		// The machine's certificate stores (Cert:\LocalMachine\Root).
		stores, err := org.CertStores(xs.Name())
		if err != nil {
			fmt.Fprintf(p.Stderr, "exsim: %v\r\n", err)
			return 1
		}
		host := &ps.Host{
			Commands:    builtins,
			ServerName:  p.Server,
			UserName:    p.User,
			PSVersion:   xs.PSVersion(),
			BufferWidth: consoleWidth,
			Codepage:    p.Codepage,
			Modules:     loader,
			CertStores:  stores,
			OnScript:    p.Trace.AddScript,
			OnCmdlet: func(e ps.CmdletEvent) {
				errText := ""
				if e.Err != nil {
					errText = e.Err.Message
				}
				p.Trace.Cmdlet(e.Name, e.Parameters, errText)
			},
			Secrets:         p.Trace.Secret,
			OnSecretLiteral: p.Trace.SecretLiteral,
		}
		return ps.Run(ctx, host, p.CommandLine, p.Stdin, p.Stdout, p.Stderr)
	}
}

// newOrg builds the organisation model from the command line: its servers,
// the cmdlet latency and cmdlet faults, and the state file it rewrites after
// every change, loaded first when it exists (servers missing from it are
// added freshly installed). The session= latency is not passed: wsman
// applies it to shell Create; pssession= is the model's New-PSSession.
func newOrg(o *options) (*exchange.Org, error) {
	opts := exchange.Options{
		Domain:        o.Org,
		Servers:       serverSpecs(o),
		CmdletLatency: o.Latency.Cmdlet,
		Faults:        cmdletFaults(o.Faults),
		StateFile:     o.StateFile,
		// pssession= delays New-PSSession in the model; session= stays
		// wsman's shell Create latency.
		SessionLatency:     o.PSSessionLatency,
		ImportLatency:      o.ImportLatency,
		MaxSessionsPerUser: o.MaxSessionsPerUser,
		SessionIdleTimeout: o.SessionIdleTimeout,
	}
	if o.StateFile != "" {
		if _, err := os.Stat(o.StateFile); err == nil {
			org, err := exchange.LoadFile(o.StateFile, opts)
			if err != nil {
				return nil, fmt.Errorf("cannot load the state: %w", err)
			}
			return org, nil
		}
	}
	org, err := exchange.NewOrg(opts)
	if err != nil {
		return nil, fmt.Errorf("cannot build the organisation: %w", err)
	}
	return org, nil
}

// saveState writes the state file on exit, so that it exists even when no
// command changed anything; the model also saves after every change.
func saveState(org *exchange.Org, o *options) error {
	if o.StateFile == "" {
		return nil
	}
	if err := org.SaveFile(o.StateFile); err != nil {
		return fmt.Errorf("cannot save the state to %s: %w", o.StateFile, err)
	}
	return nil
}
