package exchange

import (
	"context"
	"sync"

	"github.com/go-logr/logr"
)

// Remote is one Exchange server as the controller drives it: observe, then
// apply. *Server implements it over a Runner; controller tests fake it or
// give a *Server a recording Runner.
type Remote interface {
	Observe(ctx context.Context, reads Reads) (*Observation, error)
	Apply(ctx context.Context, calls []Call) (*ApplyResult, error)
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
