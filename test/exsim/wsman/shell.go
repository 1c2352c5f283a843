package wsman

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// Windows' command line limits: cmd.exe refuses lines longer than 8191
// characters (and masterzen always goes through cmd.exe); CreateProcess
// refuses more than 32767.
const (
	maxCmdLine     = 8191
	maxProcessLine = 32767
	cmdTooLong     = "The command line is too long.\r\n"
	// maxStdinRecord bounds the stdin copy kept for GuessScript.
	maxStdinRecord = 4 << 20
)

// shell is one WinRS shell.
type shell struct {
	id       string
	user     string
	codepage int
	created  time.Time

	mu       sync.Mutex
	lastUsed time.Time
	commands map[string]*command
}

// command is one process started in a shell.
type command struct {
	id     string
	stdin  *stdinBuffer
	out    *outputBuffer
	cancel context.CancelFunc
}

func (sh *shell) touch() {
	sh.mu.Lock()
	sh.lastUsed = time.Now()
	sh.mu.Unlock()
}

func (sh *shell) command(id string) *command {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.commands[strings.ToUpper(strings.TrimSpace(id))]
}

// idle reports whether the shell has been unused for d with nothing running.
func (sh *shell) idle(now time.Time, d time.Duration) bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for _, c := range sh.commands {
		if !c.out.finished() {
			return false
		}
	}
	return now.Sub(sh.lastUsed) > d
}

// terminate cancels every command of the shell.
func (sh *shell) terminate() {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for id, c := range sh.commands {
		c.cancel()
		delete(sh.commands, id)
	}
}

// lookupShell finds the shell named by the ShellId selector, answering the
// Windows fault itself when there is none. A shell of another user is
// reported as not found, which is what its owner's isolation amounts to.
func (s *Server) lookupShell(w http.ResponseWriter, r *http.Request, req *request, user string) *shell {
	id := req.selector("ShellId")
	if id == "" {
		s.fault(w, r, req, faultMissingShellID())
		return nil
	}
	s.mu.Lock()
	sh := s.shells[strings.ToUpper(id)]
	s.mu.Unlock()
	if sh == nil || !strings.EqualFold(sh.user, user) {
		s.fault(w, r, req, faultShellNotFound(id))
		return nil
	}
	sh.touch()
	return sh
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, req *request, user string) {
	if d := s.cfg.Latency.Session; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	codepage := 437 // the OEM code page of an en-US Windows
	if v, ok := req.option("WINRS_CODEPAGE"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			codepage = n
		}
	}
	now := time.Now()
	s.mu.Lock()
	open := 0
	for id, sh := range s.shells {
		if sh.idle(now, s.cfg.IdleTimeout) {
			sh.terminate()
			delete(s.shells, id)
			continue
		}
		if strings.EqualFold(sh.user, user) {
			open++
		}
	}
	if open >= s.cfg.MaxShellsPerUser {
		s.mu.Unlock()
		s.logf("%s: %s is over the quota of %d shells", s.cfg.Name, user, s.cfg.MaxShellsPerUser)
		s.fault(w, r, req, faultMaxShells(s.cfg.MaxShellsPerUser))
		return
	}
	sh := &shell{id: newUUID(), user: user, codepage: codepage, created: now, lastUsed: now, commands: map[string]*command{}}
	s.shells[sh.id] = sh
	s.mu.Unlock()

	// The address the client used, not a:To: pywinrm sends a fixed
	// http://windows-host:5985/wsman there.
	scheme := "http"
	if s.cfg.TLS != nil {
		scheme = "https"
	}
	address := scheme + "://" + r.Host + "/wsman"
	_, name, _ := strings.Cut(user, `\`)
	var b strings.Builder
	b.WriteString(`<x:ResourceCreated><a:Address>` + xmlText(address) + `</a:Address><a:ReferenceParameters>`)
	b.WriteString(`<w:ResourceURI>` + resourceCmd + `</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">` + sh.id +
		`</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>`)
	b.WriteString(`<rsp:Shell xmlns:rsp="` + nsShell + `"><rsp:ShellId>` + sh.id + `</rsp:ShellId>`)
	b.WriteString(`<rsp:ResourceUri>` + resourceCmd + `</rsp:ResourceUri><rsp:Owner>` + xmlText(name) + `</rsp:Owner>`)
	b.WriteString(`<rsp:ClientIP>` + xmlText(clientIP(r)) + `</rsp:ClientIP>`)
	fmt.Fprintf(&b, `<rsp:IdleTimeOut>PT%d.000S</rsp:IdleTimeOut>`, int64(s.cfg.IdleTimeout/time.Second))
	b.WriteString(`<rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams>`)
	b.WriteString(`<rsp:ShellRunTime>` + formatDuration(0) + `</rsp:ShellRunTime><rsp:ShellInactivity>` + formatDuration(0) +
		`</rsp:ShellInactivity></rsp:Shell>`)
	s.reply(w, req, nsTransfer+"/CreateResponse", b.String())
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, req *request, user string) {
	sh := s.lookupShell(w, r, req, user)
	if sh == nil {
		return
	}
	s.mu.Lock()
	delete(s.shells, sh.id)
	s.mu.Unlock()
	sh.terminate()
	s.reply(w, req, nsTransfer+"/DeleteResponse", "")
}

func (s *Server) handleCommand(w http.ResponseWriter, r *http.Request, req *request, user string) {
	sh := s.lookupShell(w, r, req, user)
	if sh == nil {
		return
	}
	if req.Body.CommandLine == nil {
		s.fault(w, r, req, faultInvalidParameter("The request has no rsp:CommandLine. "))
		return
	}
	if n := s.commands.Add(1); s.cfg.Faults.dropsCommand(n) {
		s.logf("%s: fault drop-after:%d: dropping the connection on command %d", s.cfg.Name, s.cfg.Faults.DropAfter, n)
		s.drop(w)
		return
	}
	line := req.commandLine()
	if utf16Len(line) > maxProcessLine {
		s.fault(w, r, req, faultFilenameTooLong())
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	c := &command{id: newUUID(), stdin: newStdinBuffer(), out: newOutputBuffer(), cancel: cancel}
	c.stdin.recordLimit = maxStdinRecord
	sh.mu.Lock()
	sh.commands[c.id] = c
	sh.mu.Unlock()

	p := Process{
		Server: s.cfg.Name, User: user, ShellID: sh.id, CommandID: c.id,
		CommandLine: line, Codepage: sh.codepage,
		Stdin: c.stdin, Stdout: streamWriter{o: c.out}, Stderr: streamWriter{o: c.out, stderr: true},
		Trace: &Trace{},
	}
	s.procs.Add(1)
	go s.run(ctx, c, p)
	s.reply(w, req, nsShell+"/CommandResponse", `<rsp:CommandResponse><rsp:CommandId>`+c.id+`</rsp:CommandId></rsp:CommandResponse>`)
}

// run executes one command, logs it, then publishes its exit code. The log
// line is written first so that a client that has seen the exit code finds
// the command in the log.
func (s *Server) run(ctx context.Context, c *command, p Process) {
	defer s.procs.Done()
	defer c.cancel()
	start := time.Now()
	var code int
	if utf16Len(p.CommandLine) > maxCmdLine {
		_, _ = p.Stderr.Write([]byte(cmdTooLong))
		code = 1
	} else {
		code = s.launch(ctx, p)
	}
	c.stdin.abandon()
	s.logCommand(p, c.stdin.recorded(), c.stdin.size(), start, code)
	c.out.finish(code)
}

// launch calls the launcher, turning a panic into exit code 1 so that one
// broken command cannot take the whole simulator down.
func (s *Server) launch(ctx context.Context, p Process) (code int) {
	defer func() {
		if v := recover(); v != nil {
			s.logf("%s: the launcher panicked on %q: %v", s.cfg.Name, p.CommandID, v)
			_, _ = fmt.Fprintf(p.Stderr, "exsim: internal error: %v\r\n", v)
			code = 1
		}
	}()
	return s.cfg.Launcher(ctx, p)
}

func (s *Server) logCommand(p Process, stdin []byte, stdinBytes int64, start time.Time, code int) {
	if s.cfg.Log == nil {
		return
	}
	script, hasScript, cmdlets, secrets := p.Trace.snapshot()
	if !hasScript {
		script = GuessScript(p.CommandLine, stdin)
	}
	for _, a := range s.cfg.Accounts {
		secrets = append(secrets, a.Password)
	}
	if cmdlets == nil {
		cmdlets = []CmdletEntry{}
	}
	blocks, literals := p.Trace.blocks()
	err := s.cfg.Log.Write(LogEntry{
		Time: start.UTC(), Server: p.Server, User: p.User, CommandLine: p.CommandLine, Script: script,
		Cmdlets: cmdlets, ExitCode: code, DurationMs: time.Since(start).Milliseconds(),
		ScriptBlocks: blocks, StdinBytes: stdinBytes, secretLiterals: literals,
	}, secrets...)
	if err != nil {
		s.logf("%s: %v", s.cfg.Name, err)
	}
}

func (s *Server) handleSend(w http.ResponseWriter, r *http.Request, req *request, user string) {
	sh := s.lookupShell(w, r, req, user)
	if sh == nil {
		return
	}
	if req.Body.Send == nil {
		s.fault(w, r, req, faultInvalidParameter("The request has no rsp:Send. "))
		return
	}
	for _, st := range req.Body.Send.Streams {
		c := sh.command(st.CommandID)
		if c == nil {
			s.fault(w, r, req, faultInvalidParameter("No command with CommandId "+st.CommandID+". "))
			return
		}
		data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(st.Data), ""))
		if err != nil {
			s.fault(w, r, req, faultInvalidParameter("The stdin stream is not base64. "))
			return
		}
		if !c.stdin.write(data, strings.EqualFold(st.End, "true")) {
			s.fault(w, r, req, faultInvalidParameter("The stdin stream of "+c.id+" is already closed. "))
			return
		}
	}
	s.reply(w, req, nsShell+"/SendResponse", `<rsp:SendResponse></rsp:SendResponse>`)
}

func (s *Server) handleSignal(w http.ResponseWriter, r *http.Request, req *request, user string) {
	sh := s.lookupShell(w, r, req, user)
	if sh == nil {
		return
	}
	if req.Body.Signal == nil {
		s.fault(w, r, req, faultInvalidParameter("The request has no rsp:Signal. "))
		return
	}
	// Signalling a command that is already gone succeeds: masterzen signals
	// twice when its context is cancelled, and Windows clients ignore it.
	if c := sh.command(req.Body.Signal.CommandID); c != nil {
		c.cancel()
		if strings.EqualFold(strings.TrimSpace(req.Body.Signal.Code), signalTerm) {
			sh.mu.Lock()
			delete(sh.commands, c.id)
			sh.mu.Unlock()
		}
	}
	s.reply(w, req, nsShell+"/SignalResponse", `<rsp:SignalResponse></rsp:SignalResponse>`)
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += len(utf16.Encode([]rune{r}))
	}
	return n
}
