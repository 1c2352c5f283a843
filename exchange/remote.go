package exchange

import (
	"context"
	"sync"

	"github.com/go-logr/logr"
)

// Remote is one Exchange server as the controller drives it: observe, then
// apply. It is the seam between the engine and Exchange: the engine hands
// it typed calls and receives a typed Observation; only this package knows
// the scripts, their framing and the wire. *Server implements it over a
// Runner; controller tests fake it.
type Remote interface {
	// Observe reads the server and what reads asks for, in one command.
	Observe(ctx context.Context, reads Reads) (*Observation, error)
	// Apply runs calls in one command and says which ran.
	Apply(ctx context.Context, calls []Call) (*ApplyResult, error)
	// ApplyScript is the script Apply would run, secrets redacted
	// (plan --show-script).
	ApplyScript(calls []Call) (string, error)
	// Commands counts the WinRM commands run so far.
	Commands() int
	// Close ends the server's WinRM shell.
	Close(ctx context.Context) error
}

// Server is a Remote over a Runner. It remembers the version the first
// observation learned, so the apply scripts that follow load the right
// snap-in and are checked against the right parameter set.
type Server struct {
	runner Runner
	mu     sync.Mutex
	target Target
}

// NewServer returns a Server for t that runs its scripts on r.
func NewServer(t Target, r Runner) *Server { return &Server{runner: r, target: t} }

// Target returns the target, with the version learned so far.
func (s *Server) Target() Target {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.target
}

// Observe reads the server and what reads asks for, in one script.
func (s *Server) Observe(ctx context.Context, reads Reads) (*Observation, error) {
	t := s.Target()
	obs, err := Observe(ctx, s.runner, ObserveRequest{Target: t, Reads: reads})
	if err != nil {
		return nil, err
	}
	if v := obs.Server.Version; v.Known() && v != t.Version {
		if t.Version.Known() {
			logr.FromContextOrDiscard(ctx).Info("server reports another Exchange version than configured",
				"server", t.Name, "configured", t.Version.String(), "observed", v.String())
		}
		s.mu.Lock()
		s.target.Version = v
		s.mu.Unlock()
	}
	return obs, nil
}

// Apply runs calls in one script.
func (s *Server) Apply(ctx context.Context, calls []Call) (*ApplyResult, error) {
	return Apply(ctx, s.runner, ApplyRequest{Target: s.Target(), Calls: calls})
}

// ApplyScript renders the apply script of calls with secrets redacted.
func (s *Server) ApplyScript(calls []Call) (string, error) {
	script, err := ApplyScript(ApplyRequest{Target: s.Target(), Calls: calls})
	if err != nil {
		return "", err
	}
	return script.Redacted(), nil
}

// Commands counts the commands of the runner, when it counts them.
func (s *Server) Commands() int {
	if c, ok := s.runner.(interface{ Commands() int }); ok {
		return c.Commands()
	}
	return 0
}

// Close closes the runner, when it holds anything open.
func (s *Server) Close(ctx context.Context) error {
	if c, ok := s.runner.(interface{ Close(context.Context) error }); ok {
		return c.Close(ctx)
	}
	return nil
}
