package wsman

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// stdinBuffer is a command's standard input. Send requests append to it
// without waiting for the process to read (Windows buffers stdin the same
// way, so a client can send all its input before the first Receive); the
// process reads until End="true" closes it.
type stdinBuffer struct {
	mu        sync.Mutex
	cond      *sync.Cond
	buf       bytes.Buffer
	closed    bool // End="true" received: EOF after the buffered data
	abandoned bool // the process is gone: reads end, writes are dropped
	// record keeps a copy of the first recordLimit bytes for the command log.
	record      bytes.Buffer
	recordLimit int
	total       int64 // bytes received, for the command log's stdinBytes
}

func newStdinBuffer() *stdinBuffer {
	b := &stdinBuffer{}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// Read blocks until input arrives or the stream ends.
func (b *stdinBuffer) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.buf.Len() == 0 && !b.closed && !b.abandoned {
		b.cond.Wait()
	}
	if b.buf.Len() == 0 {
		return 0, io.EOF
	}
	return b.buf.Read(p)
}

// write appends data from one Send; it reports false when the stream was
// already closed by an earlier End="true".
func (b *stdinBuffer) write(data []byte, end bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return len(data) == 0 && end
	}
	if !b.abandoned {
		b.buf.Write(data)
	}
	b.total += int64(len(data))
	if room := b.recordLimit - b.record.Len(); room > 0 {
		b.record.Write(data[:min(room, len(data))])
	}
	if end {
		b.closed = true
	}
	b.cond.Broadcast()
	return true
}

// abandon ends the stream for good when the process exits or is terminated.
func (b *stdinBuffer) abandon() {
	b.mu.Lock()
	b.abandoned = true
	b.buf.Reset()
	b.cond.Broadcast()
	b.mu.Unlock()
}

// size returns how many bytes of input arrived.
func (b *stdinBuffer) size() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

// recorded returns the recorded copy of the input.
func (b *stdinBuffer) recorded() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.record.Bytes())
}

// outputBuffer holds what a command wrote to stdout and stderr until Receive
// requests drain it, and its exit code once it has finished.
type outputBuffer struct {
	mu       sync.Mutex
	stdout   bytes.Buffer
	stderr   bytes.Buffer
	done     bool
	exitCode int
	// changed is closed (and replaced) whenever output arrives or the command
	// finishes, waking the Receive requests that wait on it.
	changed chan struct{}
}

func newOutputBuffer() *outputBuffer {
	return &outputBuffer{changed: make(chan struct{})}
}

// streamWriter is the io.Writer a process gets for one of its streams.
type streamWriter struct {
	o      *outputBuffer
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	o := w.o
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return 0, io.ErrClosedPipe
	}
	if w.stderr {
		o.stderr.Write(p)
	} else {
		o.stdout.Write(p)
	}
	o.notifyLocked()
	return len(p), nil
}

func (o *outputBuffer) finish(exitCode int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.done, o.exitCode = true, exitCode
	o.notifyLocked()
}

func (o *outputBuffer) notifyLocked() {
	close(o.changed)
	o.changed = make(chan struct{})
}

// chunk is what one Receive reply carries.
type chunk struct {
	stdout, stderr []byte
	done           bool // the command finished and this chunk empties it
	exitCode       int
}

func (c chunk) empty() bool { return len(c.stdout) == 0 && len(c.stderr) == 0 && !c.done }

// take removes up to limit bytes of output (stdout first) and returns them
// with the channel to wait on when there was nothing to take.
func (o *outputBuffer) take(limit int) (chunk, <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var c chunk
	if n := min(o.stdout.Len(), limit); n > 0 {
		c.stdout = bytes.Clone(o.stdout.Next(n))
		limit -= n
	}
	if n := min(o.stderr.Len(), limit); n > 0 {
		c.stderr = bytes.Clone(o.stderr.Next(n))
	}
	if o.done && o.stdout.Len() == 0 && o.stderr.Len() == 0 {
		c.done, c.exitCode = true, o.exitCode
	}
	return c, o.changed
}

// finished reports whether the process has exited.
func (o *outputBuffer) finished() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.done
}

// envelopeOverhead is the room a ReceiveResponse needs besides the base64
// stream data: headers, two Stream elements and the CommandState.
const envelopeOverhead = 4096

// handleReceive answers a Receive with whatever output is waiting, blocking
// up to the request's OperationTimeout for some; with none by then it sends
// the w:TimedOut fault, which clients take as "poll again". CommandState is
// Done only in the reply that carries the last of the output.
func (s *Server) handleReceive(w http.ResponseWriter, r *http.Request, req *request, user string) {
	sh := s.lookupShell(w, r, req, user)
	if sh == nil {
		return
	}
	if req.Body.Receive == nil {
		s.fault(w, r, req, faultInvalidParameter("The request has no rsp:Receive. "))
		return
	}
	id := req.Body.Receive.DesiredStream.CommandID
	c := sh.command(id)
	if c == nil {
		s.fault(w, r, req, faultInvalidParameter("No command with CommandId "+id+". "))
		return
	}
	// Base64 grows data by 4/3: keep each reply within the client's MaxEnvelopeSize.
	limit := max((req.maxEnvelopeSize()-envelopeOverhead)*3/4, 1024)
	timer := time.NewTimer(req.operationTimeout(DefaultOperationTimeout))
	defer timer.Stop()
	for {
		ch, changed := c.out.take(limit)
		if !ch.empty() {
			sh.touch()
			s.reply(w, req, nsShell+"/ReceiveResponse", receiveBody(c.id, ch))
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			s.fault(w, r, req, faultTimedOut())
			return
		case <-r.Context().Done():
			// The client went away or the server is shutting down. Output
			// taken so far is none, so nothing is lost.
			return
		}
	}
}

// receiveBody renders a ReceiveResponse. Streams carry End="true" in the last
// reply, as Windows marks them.
func receiveBody(commandID string, ch chunk) string {
	var b strings.Builder
	b.WriteString(`<rsp:ReceiveResponse>`)
	stream := func(name string, data []byte) {
		if len(data) == 0 && !ch.done {
			return
		}
		b.WriteString(`<rsp:Stream Name="` + name + `" CommandId="` + commandID + `"`)
		if ch.done && len(data) == 0 {
			b.WriteString(` End="true"></rsp:Stream>`)
			return
		}
		b.WriteString(`>` + base64.StdEncoding.EncodeToString(data) + `</rsp:Stream>`)
		if ch.done {
			b.WriteString(`<rsp:Stream Name="` + name + `" CommandId="` + commandID + `" End="true"></rsp:Stream>`)
		}
	}
	stream("stdout", ch.stdout)
	stream("stderr", ch.stderr)
	if ch.done {
		b.WriteString(`<rsp:CommandState CommandId="` + commandID + `" State="` + stateDone + `"><rsp:ExitCode>` +
			exitCodeText(ch.exitCode) + `</rsp:ExitCode></rsp:CommandState>`)
	} else {
		b.WriteString(`<rsp:CommandState CommandId="` + commandID + `" State="` + stateRunning + `"></rsp:CommandState>`)
	}
	b.WriteString(`</rsp:ReceiveResponse>`)
	return b.String()
}

// exitCodeText writes an exit code as the unsigned 32-bit value Windows
// reports (exit -1 arrives as 4294967295).
func exitCodeText(code int) string {
	return strconv.FormatUint(uint64(uint32(int32(code))), 10)
}
