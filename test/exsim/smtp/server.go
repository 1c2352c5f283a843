// Package smtp is exsim's SMTP front end: one loopback listener per distinct
// binding of every simulated server's Receive connectors, answering as the
// Exchange transport service does up to RCPT TO: the connector chosen by
// binding and the client's address, its greeting and EHLO response,
// STARTTLS with the certificate the model selects, RequireTLS and the AUTH
// rules. It accepts no message content.
//
// It is written on net/textproto and crypto/tls rather than
// github.com/emersion/go-smtp because that library writes its own greeting
// ("220 <domain> ESMTP Service Ready") and EHLO text ("250-Hello <domain>")
// and chooses the extension list itself; Exchange's wording and per-connector
// extensions are what clients of exsim need to see. See test/exsim/README.md.
package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/exchange"
)

// Model is what the front end reads of the Exchange model; *exchange.Org
// implements it.
type Model interface {
	// SMTPConnectors is a snapshot of every server's Receive connectors.
	SMTPConnectors() []exchange.SMTPConnector
	// SMTPCertificate is the certificate a connector offers for STARTTLS,
	// nil when none qualifies (event 12014: STARTTLS is not offered).
	SMTPCertificate(server, connector string) *tls.Certificate
}

// Options configures a Server.
type Options struct {
	Model Model
	// Host is the address listeners bind (default 127.0.0.1).
	Host string
	// Announce is called once per new listener, with the server, the
	// binding it stands for and the address it listens on.
	Announce func(server, binding, addr string)
	// Logf receives diagnostics (optional).
	Logf func(format string, args ...any)
	// Clock and Location give the greeting's date (default time.Now, UTC).
	Clock    func() time.Time
	Location *time.Location
	// Poll is how often the model is read for new bindings (default 200ms).
	Poll time.Duration
}

// Server runs the listeners.
type Server struct {
	opts      Options
	mu        sync.Mutex
	listeners map[listenerKey]*listener
	wg        sync.WaitGroup
	cancel    context.CancelFunc
	closed    bool

	sessionsMu   sync.Mutex
	sessions     map[net.Conn]bool
	sessionsDone bool
}

type listenerKey struct {
	server  string // upper-case NetBIOS name
	binding netip.AddrPort
}

type listener struct {
	key  listenerKey
	name string // the server's name as configured
	ln   net.Listener
}

// New returns a Server; Start opens its listeners.
func New(opts Options) *Server {
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Poll <= 0 {
		opts.Poll = 200 * time.Millisecond
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Announce == nil {
		opts.Announce = func(string, string, string) {}
	}
	return &Server{opts: opts, listeners: map[listenerKey]*listener{}}
}

// Start opens a listener for every binding the model has now and keeps
// opening listeners for bindings added later, until Close.
func (s *Server) Start() error {
	if err := s.sync(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(s.opts.Poll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.sync(); err != nil {
					s.opts.Logf("exsim: SMTP: %v", err)
				}
			}
		}
	}()
	return nil
}

// sync opens listeners for bindings that have none yet. A listener stays
// open when its binding goes away; its clients then find no connector (see
// choose) and are refused.
func (s *Server) sync() error {
	conns := s.opts.Model.SMTPConnectors()
	type want struct {
		key  listenerKey
		name string
	}
	var wants []want
	seen := map[listenerKey]bool{}
	for _, c := range conns {
		for _, b := range c.Bindings {
			k := listenerKey{server: strings.ToUpper(c.Server), binding: b}
			if !seen[k] {
				seen[k] = true
				wants = append(wants, want{k, c.Server})
			}
		}
	}
	sort.SliceStable(wants, func(i, j int) bool {
		if wants[i].key.server != wants[j].key.server {
			return false // keep the model's server order
		}
		return bindingString(wants[i].key.binding) < bindingString(wants[j].key.binding)
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	var errs []error
	for _, w := range wants {
		if s.listeners[w.key] != nil {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(s.opts.Host, "0"))
		if err != nil {
			errs = append(errs, fmt.Errorf("listen for %s %s: %w", w.name, bindingString(w.key.binding), err))
			continue
		}
		l := &listener{key: w.key, name: w.name, ln: ln}
		s.listeners[w.key] = l
		s.opts.Announce(w.name, bindingString(w.key.binding), ln.Addr().String())
		s.wg.Add(1)
		go s.accept(l)
	}
	return errors.Join(errs...)
}

func (s *Server) accept(l *listener) {
	defer s.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(l, c)
		}()
	}
}

// Addr returns the loopback address that stands for a server's binding
// (such as "191.121.0.200:26" or "[::]:25").
func (s *Server) Addr(server, binding string) (string, bool) {
	b, err := netip.ParseAddrPort(binding)
	if err != nil {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.listeners[listenerKey{server: strings.ToUpper(server), binding: b}]
	if l == nil {
		return "", false
	}
	return l.ln.Addr().String(), true
}

// Close stops listening and waits for the sessions to end (each is closed).
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	var errs []error
	for _, l := range s.listeners {
		if err := l.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	s.mu.Unlock()
	if s.cancel != nil {
		s.cancel()
	}
	s.sessionsMu.Lock()
	s.sessionsDone = true
	for c := range s.sessions {
		_ = c.Close()
	}
	s.sessionsMu.Unlock()
	s.wg.Wait()
	return errors.Join(errs...)
}

// bindingString prints a binding as Exchange does: "0.0.0.0:25", "[::]:25".
func bindingString(b netip.AddrPort) string {
	if b.Addr().Is6() {
		return fmt.Sprintf("[%s]:%d", b.Addr(), b.Port())
	}
	return b.String()
}
