// Command exsim is the Exchange simulator: one WinRM (WS-Management) endpoint
// per simulated Exchange server, running a strict PowerShell subset against a
// model of one Exchange organisation. See README.md ("Quick start against exsim") and
// test/exsim/README.md.
//
//	exsim --org work.com --server WIN20081=127.0.0.1:15985 [--server WIN20083=127.0.0.1:15986,role=Edge,version=2010]
//	      --user 'WORK\admin' --password-env EXSIM_PASSWORD [--auth basic,ntlm[,kerberos] --keytab FILE [--realm WORK.COM]]
//	      [--https --cert-dir DIR] [--allow-unencrypted] [--state state.yaml] [--log commands.jsonl]
//	      [--latency session=2s,cmdlet=20ms,pssession=3s,import=50ms] [--fault drop-after:3]
//	      [--fault Set-SendConnector:error] [--fault Import-ExchangeCertificate:error:25]
//	      [--powershell-max-concurrency 18] [--session-idle-timeout 15m]
//	      [--smtp]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/exchange"
	"github.com/exreconcile/exreconcile/test/exsim/wsman"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts, err := parseOptions(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "exsim: %v\n", err)
		os.Exit(2)
	}
	if err := serve(ctx, opts, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "exsim: %v\n", err)
		os.Exit(1)
	}
}

// serverOption is one --server NAME=ADDR[,role=Edge][,version=2010].
type serverOption struct {
	Name    string
	Addr    string
	Role    exchange.Role
	Version exchange.Version
}

// options are the parsed command line.
type options struct {
	Org              string
	Servers          []serverOption
	User             string
	Password         string
	Auth             []wsman.AuthScheme
	Keytab           string // --keytab: the service keys, for --auth kerberos
	Realm            string // --realm: the Kerberos realm, default upper(--org)
	HTTPS            bool
	CertDir          string
	AllowUnencrypted bool
	StateFile        string
	LogFile          string
	Latency          wsman.Latency
	Faults           wsman.Faults
	MaxShellsPerUser int
	// PSSessionLatency delays each New-PSSession, ImportLatency each
	// cmdlet Import-PSSession imports (--latency pssession=, import=).
	PSSessionLatency time.Duration
	ImportLatency    time.Duration
	// MaxSessionsPerUser and SessionIdleTimeout are Exchange's remote
	// PowerShell throttling (PowerShellMaxConcurrency, idle sessions).
	MaxSessionsPerUser int
	SessionIdleTimeout time.Duration
	// SMTP starts the SMTP front end (test/exsim/smtp).
	SMTP bool
}

// NetBIOSDomain is the domain part of --user, or the first label of --org
// upper-cased when the user has none.
func (o *options) NetBIOSDomain() string {
	if d, _, ok := strings.Cut(o.User, `\`); ok && d != "" {
		return strings.ToUpper(d)
	}
	first, _, _ := strings.Cut(o.Org, ".")
	return strings.ToUpper(first)
}

// parseOptions reads the command line; getenv supplies --password-env.
func parseOptions(args []string, getenv func(string) string, usage io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("exsim", flag.ContinueOnError)
	fs.SetOutput(usage)
	var passwordEnv, authSpec, latencySpec string
	fs.StringVar(&o.Org, "org", "", "the organisation's DNS domain, e.g. work.com (required)")
	fs.Func("server", "a server: NAME=HOST:PORT[,role=Mailbox|Edge][,version=2010|2013|2016|2019|SE] (repeatable, port 0 = any)", func(v string) error {
		s, err := parseServer(v)
		if err == nil {
			o.Servers = append(o.Servers, s)
		}
		return err
	})
	fs.StringVar(&o.User, "user", "", `the account WinRM clients log on with, DOMAIN\name (required)`)
	fs.StringVar(&passwordEnv, "password-env", "", "the environment variable holding the account's password (required)")
	fs.StringVar(&authSpec, "auth", "basic,ntlm", "the offered authentication schemes: basic, ntlm, kerberos")
	fs.StringVar(&o.Keytab, "keytab", "", "the keytab with the servers' HTTP/<fqdn> service keys (needed by --auth kerberos)")
	fs.StringVar(&o.Realm, "realm", "", "the Kerberos realm of --user (default: --org upper-cased)")
	fs.BoolVar(&o.HTTPS, "https", false, "serve HTTPS with certificates from --cert-dir")
	fs.StringVar(&o.CertDir, "cert-dir", "", "where the CA (ca.pem) and server certificates are written and reused")
	fs.BoolVar(&o.AllowUnencrypted, "allow-unencrypted", false, "serve plain HTTP requests (Windows' AllowUnencrypted=true)")
	fs.StringVar(&o.StateFile, "state", "", "the organisation's state file: loaded at start when present, saved on change and exit")
	fs.StringVar(&o.LogFile, "log", "", "append one JSON line per WinRM command to this file")
	fs.StringVar(&latencySpec, "latency", "", "injected latency: session= (shell Create), cmdlet= (each Exchange cmdlet), pssession= (each New-PSSession), import= (each cmdlet Import-PSSession imports), e.g. session=2s,cmdlet=20ms,pssession=3s,import=50ms")
	fs.Func("fault", "an injected fault: drop-after:N, Cmdlet-Name:error, or Cmdlet-Name:error:N (the first N calls fail) (repeatable)", o.Faults.Add)
	fs.IntVar(&o.MaxSessionsPerUser, "powershell-max-concurrency", 18, "Exchange remote sessions one user may hold at once (throttling policy PowerShellMaxConcurrency)")
	fs.DurationVar(&o.SessionIdleTimeout, "session-idle-timeout", 15*time.Minute, "how long a remote session its command left open stays counted")
	fs.BoolVar(&o.SMTP, "smtp", false, "answer SMTP on one loopback port per receive connector binding (announced on stdout)")
	fs.IntVar(&o.MaxShellsPerUser, "max-shells-per-user", wsman.DefaultMaxShellsPerUser, "the WinRS MaxShellsPerUser quota")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var problems []string
	if o.Org == "" {
		problems = append(problems, "--org is required")
	}
	if len(o.Servers) == 0 {
		problems = append(problems, "at least one --server is required")
	}
	if o.User == "" {
		problems = append(problems, "--user is required")
	}
	if passwordEnv == "" {
		problems = append(problems, "--password-env is required")
	} else if o.Password = getenv(passwordEnv); o.Password == "" {
		problems = append(problems, fmt.Sprintf("the environment variable %s named by --password-env is empty", passwordEnv))
	}
	if o.HTTPS && o.CertDir == "" {
		problems = append(problems, "--https needs --cert-dir")
	}
	var err error
	if o.Auth, err = wsman.ParseAuthSchemes(authSpec); err != nil {
		problems = append(problems, "--auth: "+err.Error())
	}
	if slices.Contains(o.Auth, wsman.AuthKerberos) && o.Keytab == "" {
		problems = append(problems, "--auth kerberos needs --keytab")
	}
	if o.Realm == "" {
		o.Realm = strings.ToUpper(o.Org)
	}
	if o.Latency, o.PSSessionLatency, o.ImportLatency, err = parseLatency(latencySpec); err != nil {
		problems = append(problems, "--latency: "+err.Error())
	}
	if o.MaxSessionsPerUser < 1 {
		problems = append(problems, "--powershell-max-concurrency must be at least 1")
	}
	if o.SessionIdleTimeout <= 0 {
		problems = append(problems, "--session-idle-timeout must be positive")
	}
	seen := map[string]bool{}
	for _, s := range o.Servers {
		if seen[strings.ToUpper(s.Name)] {
			problems = append(problems, fmt.Sprintf("--server %s is given twice", s.Name))
		}
		seen[strings.ToUpper(s.Name)] = true
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return o, nil
}

// parseServer reads NAME=HOST:PORT[,role=...][,version=...].
func parseServer(v string) (serverOption, error) {
	parts := strings.Split(v, ",")
	name, addr, ok := strings.Cut(parts[0], "=")
	s := serverOption{Name: strings.TrimSpace(name), Addr: strings.TrimSpace(addr), Version: exchange.V2019}
	if !ok || s.Name == "" || s.Addr == "" {
		return s, fmt.Errorf("server %q: want NAME=HOST:PORT", v)
	}
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		return s, fmt.Errorf("server %q: address %q: %w", v, s.Addr, err)
	}
	for _, kv := range parts[1:] {
		key, value, _ := strings.Cut(kv, "=")
		var err error
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "role":
			s.Role, err = exchange.ParseRole(value)
		case "version":
			s.Version, err = exchange.ParseVersion(value)
		default:
			err = fmt.Errorf("unknown setting %q (want role, version)", key)
		}
		if err != nil {
			return s, fmt.Errorf("server %q: %w", v, err)
		}
	}
	return s, nil
}

// parseLatency reads --latency: pssession= and import= are the Exchange
// model's (New-PSSession, Import-PSSession per imported cmdlet), the other
// kinds wsman's.
func parseLatency(spec string) (l wsman.Latency, pssession, imports time.Duration, err error) {
	var rest []string
	for _, part := range strings.Split(spec, ",") {
		key, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "pssession", "import":
			d, perr := time.ParseDuration(strings.TrimSpace(value))
			if perr != nil || d < 0 {
				return l, 0, 0, fmt.Errorf("latency %q: bad duration %q", part, value)
			}
			if strings.EqualFold(strings.TrimSpace(key), "import") {
				imports = d
			} else {
				pssession = d
			}
		default:
			rest = append(rest, part)
		}
	}
	l, err = wsman.ParseLatency(strings.Join(rest, ","))
	if err != nil && strings.Contains(err.Error(), "want session, cmdlet") {
		err = errors.New(strings.Replace(err.Error(), "want session, cmdlet", "want session, cmdlet, pssession, import", 1))
	}
	return l, pssession, imports, err
}
