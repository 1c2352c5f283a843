package exchange

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

// winrs is our own WinRS command sequence over a soapTransport, with
// masterzen's request builders and reply parsers: Create shell, Command,
// every stdin Send in order (each waiting for its reply), then Receive until
// the command is done, then Signal; Delete shell at the end. No request
// starts before the previous one answered, so the server never sees a
// Receive poll while a Send is in flight (masterzen's own Command starts
// polling at once, which breaks NTLM: its issues 142 and 166).
type winrs struct {
	t      soapTransport
	url    string
	params *winrm.Parameters
}

func (w *winrs) post(ctx context.Context, msg *soap.SoapMessage) (string, error) {
	defer msg.Free()
	b, err := w.t.roundTrip(ctx, []byte(msg.String()))
	return string(b), err
}

func (w *winrs) openShell(ctx context.Context) (string, error) {
	resp, err := w.post(ctx, winrm.NewOpenShellRequest(w.url, w.params))
	if err != nil {
		return "", err
	}
	return winrm.ParseOpenShellResponse(resp)
}

func (w *winrs) deleteShell(ctx context.Context, shell string) error {
	_, err := w.post(ctx, winrm.NewDeleteShellRequest(w.url, shell, w.params))
	return err
}

func (w *winrs) command(ctx context.Context, shell, cmdline string) (string, error) {
	resp, err := w.post(ctx, winrm.NewExecuteCommandRequest(w.url, shell, cmdline, nil, w.params))
	if err != nil {
		return "", err
	}
	return winrm.ParseExecuteCommandResponse(resp)
}

func (w *winrs) send(ctx context.Context, shell, cmd string, data []byte, eof bool) error {
	_, err := w.post(ctx, winrm.NewSendInputRequest(w.url, shell, cmd, data, eof, w.params))
	return err
}

func (w *winrs) signal(ctx context.Context, shell, cmd string) error {
	_, err := w.post(ctx, winrm.NewSignalRequest(w.url, shell, cmd, w.params))
	return err
}

// receive polls once; an OperationTimeout fault (no output yet) is not an
// error.
func (w *winrs) receive(ctx context.Context, shell, cmd string, stdout, stderr io.Writer) (bool, int, error) {
	resp, err := w.post(ctx, winrm.NewGetOutputRequest(w.url, shell, cmd, "stdout stderr", w.params))
	var f *wsmanFault
	if errors.As(err, &f) && f.operationTimeout() {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, err
	}
	done, code, err := winrm.ParseSlurpOutputErrResponse(resp, stdout, stderr)
	if err != nil {
		return false, 0, fmt.Errorf("cannot read the Receive reply: %w", err)
	}
	return done, code, nil
}

// run runs cmdline in shell with stdin sent in chunks, then collects the
// output until the command is done.
func (w *winrs) run(ctx context.Context, shell, cmdline string, stdin []byte, chunk int, stdout, stderr io.Writer) (int, error) {
	cmd, err := w.command(ctx, shell, cmdline)
	if err != nil {
		return -1, err
	}
	for first := true; first || len(stdin) > 0; first = false {
		n := min(len(stdin), chunk)
		if err := w.send(ctx, shell, cmd, stdin[:n], n == len(stdin)); err != nil {
			return -1, err
		}
		stdin = stdin[n:]
	}
	out := &cappedWriter{w: stdout, left: maxOutputBytes}
	errw := &cappedWriter{w: stderr, left: maxOutputBytes, shared: out}
	for {
		done, code, err := w.receive(ctx, shell, cmd, out, errw)
		if err != nil {
			return -1, err
		}
		if out.over {
			return -1, &capError{limit: maxOutputBytes, what: "the command's output"}
		}
		if done {
			// Tell the server the command is finished so it frees it (as
			// winrm.Run does); its answer does not change the result.
			_ = w.signal(ctx, shell, cmd)
			return code, nil
		}
	}
}

// cappedWriter stops writing (and remembers it) once the shared budget of
// stdout and stderr is spent.
type cappedWriter struct {
	w      io.Writer
	left   int64
	over   bool
	shared *cappedWriter // stderr counts against stdout's budget
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	b := c
	if c.shared != nil {
		b = c.shared
	}
	if int64(len(p)) > b.left {
		b.over = true
		return len(p), nil
	}
	b.left -= int64(len(p))
	return c.w.Write(p)
}
