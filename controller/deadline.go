package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// DefaultServerTimeout bounds one run's work on one server when neither
// --timeout nor the organisation's spec.timeout says otherwise. It is long
// enough for a large apply with a transport restart, and short enough that a
// scheduled run does not pile up behind a server that stopped answering.
const DefaultServerTimeout = 10 * time.Minute

// closeTimeout bounds deleting a server's WinRM shell at the end of a run: a
// server that timed out must not hold the run on the way out either.
const closeTimeout = 15 * time.Second

// ServerTimeoutError is how a server that exceeded its deadline fails: its
// in-flight command was abandoned and the other servers went on. Its class
// is TimedOut.
type ServerTimeoutError struct {
	Server string
	After  time.Duration
	// Source says where the deadline came from: --timeout, spec.timeout or
	// the default.
	Source string
	// Err is what the abandoned call returned.
	Err error
}

func (e *ServerTimeoutError) Error() string {
	return fmt.Sprintf("timed out after %s (%s); the in-flight WinRM command was abandoned: the server accepted the "+
		"connection but did not finish in time, check that its WinRM service answers (winrm enumerate winrm/config/listener) "+
		"or raise the deadline", e.After, e.Source)
}

// Unwrap returns the abandoned call's error.
func (e *ServerTimeoutError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, context.DeadlineExceeded) and
// errors.Is(err, exchange.ErrTimedOut) hold.
func (e *ServerTimeoutError) Is(target error) bool {
	return target == context.DeadlineExceeded || target == exchange.ErrTimedOut
}

// serverTimeout is the deadline of one server's work: the flag wins over the
// organisation's spec.timeout, which wins over the default.
func (r *runner) serverTimeout(org *v1alpha1.ExchangeOrganization) (time.Duration, string) {
	switch {
	case r.opts.Timeout > 0:
		return r.opts.Timeout, "--timeout"
	case org.Spec.Timeout != nil && org.Spec.Timeout.Duration > 0:
		return org.Spec.Timeout.Duration, fmt.Sprintf("spec.timeout of ExchangeOrganization %q", org.Name)
	default:
		return DefaultServerTimeout, "the default deadline; set --timeout or spec.timeout"
	}
}

// serverCtx is ctx bounded by what is left of s's deadline, and done must
// be called when the phase's work on s ends. The deadline is a budget of
// s's own work: observe, apply and verify together, but not the time s
// waits behind --parallel or for the other servers to finish a phase, so a
// silent server cannot spend a healthy one's time. Only one goroutine works
// on a server at a time, so the budget needs no lock.
func (r *runner) serverCtx(ctx context.Context, s *serverRun) (sctx context.Context, done func()) {
	start := time.Now()
	sctx, cancel := context.WithTimeout(ctx, max(s.budget, 0))
	return sctx, func() {
		cancel()
		s.budget -= time.Since(start)
	}
}

// timedOut turns err into a *ServerTimeoutError when sctx, the server's
// context, ran out: whatever the transport reported (a cancelled request,
// a closed connection), the cause is the deadline.
func (s *serverRun) timedOut(sctx context.Context, err error) error {
	if err == nil || !errors.Is(sctx.Err(), context.DeadlineExceeded) {
		return err
	}
	var already *ServerTimeoutError
	if errors.As(err, &already) {
		return err
	}
	return &ServerTimeoutError{Server: s.spec.Name, After: s.timeout, Source: s.timeoutSource, Err: err}
}
