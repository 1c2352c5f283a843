// Package framework holds what the end-to-end specs share: building the real
// binaries, starting exsim on loopback ports, pointing example manifests at
// it and reading its command log.
package framework

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// ExsimServer is one simulated Exchange server of an exsim process.
type ExsimServer struct {
	// Name is the NetBIOS name, e.g. WIN20081.
	Name string
	// Options are the extra ",key=value" options of --server (role=Edge,version=2010).
	Options string
}

// ExsimOptions configure one exsim process (one organisation).
type ExsimOptions struct {
	Org      string
	Servers  []ExsimServer
	User     string
	Password string
	// HTTPS serves https:// endpoints with a CA written to Dir/ca.pem.
	HTTPS bool
	// SealedHTTP serves plain HTTP without --allow-unencrypted, as a
	// Windows listener ships: only NTLM-sealed messages are served.
	SealedHTTP bool
	// Auth is the --auth value (default "basic,ntlm").
	Auth  string
	State string
	Extra []string
	// Dir receives the log, the certificates and the state; a temp dir when empty.
	Dir string
}

// Exsim is a running exsim process.
type Exsim struct {
	Options   ExsimOptions
	Endpoints map[string]string // server name -> endpoint URL
	CAFile    string
	LogFile   string
	cmd       *exec.Cmd
	output    *lockedBuffer
	done      chan struct{}
}

var readyLine = regexp.MustCompile(`(\S+) ready at (\S+)`)

// StartExsim starts bin with opts and waits until every server is ready.
func StartExsim(ctx context.Context, bin string, opts ExsimOptions) (*Exsim, error) {
	if opts.Dir == "" {
		d, err := os.MkdirTemp("", "exsim-")
		if err != nil {
			return nil, err
		}
		opts.Dir = d
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	e := &Exsim{Options: opts, Endpoints: map[string]string{}, LogFile: filepath.Join(opts.Dir, "commands.jsonl"),
		output: &lockedBuffer{}, done: make(chan struct{})}
	args := []string{"--org", opts.Org, "--user", opts.User, "--password-env", "EXSIM_PASSWORD", "--log", e.LogFile}
	for _, s := range opts.Servers {
		v := s.Name + "=127.0.0.1:0"
		if s.Options != "" {
			v += "," + s.Options
		}
		args = append(args, "--server", v)
	}
	if opts.HTTPS {
		certDir := filepath.Join(opts.Dir, "certs")
		args = append(args, "--https", "--cert-dir", certDir)
		e.CAFile = filepath.Join(certDir, "ca.pem")
	} else if !opts.SealedHTTP {
		args = append(args, "--allow-unencrypted")
	}
	if opts.Auth != "" {
		args = append(args, "--auth", opts.Auth)
	}
	if opts.State != "" {
		args = append(args, "--state", opts.State)
	}
	args = append(args, opts.Extra...)
	e.cmd = exec.Command(bin, args...)
	e.cmd.Env = append(os.Environ(), "EXSIM_PASSWORD="+opts.Password)
	stdout, err := e.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	e.cmd.Stderr = e.output
	if err := e.cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan struct{})
	go func() {
		defer close(e.done)
		sc := bufio.NewScanner(stdout)
		announced := false
		for sc.Scan() {
			line := sc.Text()
			e.output.Write([]byte(line + "\n"))
			if m := readyLine.FindStringSubmatch(line); m != nil {
				e.output.mu.Lock()
				e.Endpoints[strings.ToUpper(m[1])] = m[2]
				n := len(e.Endpoints)
				e.output.mu.Unlock()
				if n == len(opts.Servers) && !announced {
					announced = true
					close(ready)
				}
			}
		}
		_ = e.cmd.Wait()
	}()
	select {
	case <-ready:
		return e, nil
	case <-e.done:
		return nil, fmt.Errorf("exsim exited before it was ready:\n%s", e.output.String())
	case <-ctx.Done():
		e.Stop()
		return nil, fmt.Errorf("exsim not ready: %w\n%s", ctx.Err(), e.output.String())
	case <-time.After(30 * time.Second):
		e.Stop()
		return nil, fmt.Errorf("exsim not ready after 30s:\n%s", e.output.String())
	}
}

// Output returns what exsim printed so far.
func (e *Exsim) Output() string { return e.output.String() }

// Endpoint returns the endpoint URL of server name.
func (e *Exsim) Endpoint(name string) string {
	e.output.mu.Lock()
	defer e.output.mu.Unlock()
	return e.Endpoints[name]
}

// Stop terminates exsim and waits for it.
func (e *Exsim) Stop() {
	if e.cmd.Process != nil {
		_ = e.cmd.Process.Signal(os.Interrupt)
	}
	select {
	case <-e.done:
	case <-time.After(10 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.done
	}
}

// LogLine is one line of exsim's --log: one WinRM command.
type LogLine struct {
	Time        string `json:"time"`
	Server      string `json:"server"`
	User        string `json:"user"`
	CommandLine string `json:"commandLine"`
	Script      string `json:"script"`
	Cmdlets     []struct {
		Name       string   `json:"name"`
		Parameters []string `json:"parameters"`
	} `json:"cmdlets"`
	ExitCode   int     `json:"exitCode"`
	DurationMs float64 `json:"durationMs"`
	// ScriptBlocks, StdinBytes and RedactedSecretLiterals are what Script
	// Block Logging would record (exsim's README, "Script Block Logging
	// fields").
	ScriptBlocks           []string `json:"scriptBlocks"`
	StdinBytes             int      `json:"stdinBytes"`
	RedactedSecretLiterals int      `json:"redactedSecretLiterals"`
}

// Log reads every command exsim logged so far.
func (e *Exsim) Log() ([]LogLine, error) {
	f, err := os.Open(e.LogFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []LogLine
	dec := json.NewDecoder(f)
	for {
		var l LogLine
		if err := dec.Decode(&l); err == io.EOF {
			return out, nil
		} else if err != nil {
			return out, err
		}
		out = append(out, l)
	}
}

// CommandsPerServer counts logged commands per server since index from.
func CommandsPerServer(lines []LogLine, from int) map[string]int {
	n := map[string]int{}
	for _, l := range lines[min(from, len(lines)):] {
		n[strings.ToUpper(l.Server)]++
	}
	return n
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
