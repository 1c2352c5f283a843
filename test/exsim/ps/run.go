package ps

import (
	"context"
	"errors"
	"io"
	"strings"
)

// Run runs one command line as the WinRS server's process would:
// powershell.exe with its switches, or cmd.exe for anything else. It
// returns the process exit code.
func Run(ctx context.Context, host *Host, commandLine string, stdin io.Reader, stdout, stderr io.Writer) int {
	if host == nil {
		host = &Host{}
	}
	cp := host.Codepage
	if cp == 0 {
		cp = 437
	}
	out := &textOut{w: stdout, codepage: cp}
	errOut := &textOut{w: stderr, codepage: cp}
	args := splitCommandLine(commandLine)
	if len(args) == 0 {
		return 0
	}
	if !isPowerShell(args[0]) {
		return runCmd(ctx, host, commandLine, args, stdin, out, errOut)
	}
	opts, msg, banner, code := parseArgs(args[1:])
	if code != 0 {
		errOut.write(msg + "\r\n")
		if banner {
			out.write(bannerText(host.PSVersion == "2.0"))
		}
		return code
	}
	in := newInterp(ctx, host, opts, out, errOut, stdin, cp)
	if pe, ok := host.Modules.(ProcessExiter); ok {
		defer pe.ProcessExited()
	}
	code = in.main(opts)
	in.errs.close()
	return code
}

func bannerText(psv2 bool) string {
	year := "2016"
	if psv2 {
		year = "2009"
	}
	return "Windows PowerShell\r\nCopyright (C) " + year + " Microsoft Corporation. All rights reserved.\r\n\r\n"
}

// runCmd is cmd.exe for a command line that is not powershell.exe: echo,
// hostname, exit and cmd /c; anything else is an unknown program.
func runCmd(ctx context.Context, host *Host, line string, args []string, stdin io.Reader, out, errOut *textOut) int {
	word := firstWord(line)
	prog := strings.ToLower(args[0])
	rest := strings.TrimLeft(strings.TrimLeft(line, " \t")[len(word):], " \t")
	switch prog {
	case "cmd", "cmd.exe":
		if len(args) > 1 && (strings.EqualFold(args[1], "/c") || strings.EqualFold(args[1], "/k")) {
			inner := strings.TrimLeft(rest, " \t")
			inner = strings.TrimLeft(inner[len(firstWord(inner)):], " \t")
			inner = strings.TrimSpace(strings.Trim(inner, `"`))
			ia := splitCommandLine(inner)
			if len(ia) == 0 {
				return 0
			}
			if isPowerShell(ia[0]) {
				return Run(ctx, host, inner, stdin, out.w, errOut.w)
			}
			return runCmd(ctx, host, inner, ia, stdin, out, errOut)
		}
	case "echo":
		if rest == "" {
			out.write("ECHO is on.\r\n")
		} else {
			out.write(rest + "\r\n")
		}
		return 0
	case "hostname", "hostname.exe":
		out.write(host.ServerName + "\r\n")
		return 0
	case "exit":
		n, _ := toInt32(strings.TrimSpace(strings.TrimPrefix(strings.ToLower(rest), "/b")))
		return n
	}
	errOut.write("'" + word + "' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n")
	return 1
}

func newInterp(ctx context.Context, host *Host, opts psOptions, out, errOut *textOut, stdin io.Reader, cp int) *interp {
	in := &interp{ctx: ctx, host: host, psv2: host.PSVersion == "2.0", nonInteractive: opts.nonInteractive,
		stdout: out, cmds: map[string]Command{}, lastOK: true}
	width := host.BufferWidth
	if width <= 0 {
		width = 80
	}
	out.psv2, out.width = in.psv2, width
	errOut.psv2 = false
	in.stdin = newStdinReader(stdin, cp)
	in.fs = newFileSystem(host.UserName)
	// -EncodedCommand with stderr redirected and no -NoExit: errors as CLIXML.
	if opts.encoded && !opts.noExit {
		in.errs = newClixmlErrors(errOut)
	} else {
		in.errs = &plainErrors{stderr: errOut, stdout: out}
	}
	in.global = newScope(nil)
	defaultVariables(in.global)
	in.out = &outDefault{emit: out.line, width: width - 1, psv2: in.psv2, limit: in.enumerationLimit, autosize: !in.psv2}
	in.registerBuiltins()
	for _, c := range host.Commands {
		in.cmds[strings.ToLower(c.Name())] = c
	}
	return in
}

// main runs the command (or the stdin script) and returns the exit code:
// exit N, 1 after a terminating error, otherwise $? of the last statement.
func (in *interp) main(opts psOptions) int {
	if !opts.hasCommand {
		if !opts.noLogo {
			in.stdout.write(bannerText(in.psv2))
		}
		return in.runStdinScript()
	}
	if opts.fromStdin {
		return in.runStdinScript()
	}
	in.global.input = &inputEnum{r: in.stdin}
	code, exited := in.runText(opts.command)
	if opts.noExit && !exited {
		return in.runStdinScript()
	}
	return code
}

// runText parses and runs one script in the global scope. exited reports
// an `exit` statement.
func (in *interp) runText(text string) (code int, exited bool) {
	g := in.global
	parsed, perr := parseScript(text)
	in.reportCompiled(text, parsed)
	if perr != nil {
		in.reportParseError(perr, text)
		in.lastOK = false
		return 1, false
	}
	g.text, g.src = text, parsed.src
	err := in.runStatements(parsed.stmts, g, in.out.write)
	in.out.flush()
	var ex *exitSignal
	var term *scriptTerm
	switch {
	case errors.As(err, &ex):
		return ex.code, true
	case errors.As(err, &term):
		in.writeError(term.rec, g)
		in.lastOK = false
		return 1, false
	case err != nil:
		in.lastOK = false
		return 1, false
	}
	if in.lastOK {
		return 0, false
	}
	return 1, false
}

// reportParseError writes a parse error of a top-level script: incomplete
// input as its message only, other errors with their position in the
// message (ParseException.Message); there is no "At line:" of its own.
func (in *interp) reportParseError(e *ParseError, text string) {
	msg := e.Message
	var inv *invocation
	if in.psv2 {
		inv = &invocation{src: []rune(text), pos: extent{e.Start, e.End}}
	} else if !e.Incomplete {
		msg = positionMessage([]rune(text), extent{e.Start, e.End}, false) + "\r\n" + e.Message
	}
	rec := newError(msg, "ParserError", "ParentContainsErrorRecordException", e.ErrorID, inv)
	in.writeError(rec, in.global)
}

// runStdinScript reads the script from stdin line by line (-Command -),
// running each line as soon as it is complete; an incomplete line waits for
// the next (a blank line ends the wait).
func (in *interp) runStdinScript() int {
	code := 0
	var pending strings.Builder
	for {
		line, ok := in.stdin.readLine()
		if !ok {
			break
		}
		if pending.Len() > 0 {
			pending.WriteString("\n")
		}
		pending.WriteString(line)
		text := pending.String()
		if _, perr := parseScript(text); perr != nil && perr.Incomplete && strings.TrimSpace(line) != "" {
			continue
		}
		pending.Reset()
		if strings.TrimSpace(text) == "" {
			continue
		}
		c, exited := in.runText(text)
		if exited {
			return c
		}
		code = c
	}
	if pending.Len() > 0 {
		c, exited := in.runText(pending.String())
		if exited {
			return c
		}
		code = c
	}
	return code
}
