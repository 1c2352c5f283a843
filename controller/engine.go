package controller

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// Error strings.
const (
	errResolveSecret = "cannot read secret"
	errConnect       = "cannot prepare WinRM client"
	errObserve       = "cannot observe server"
	errPlan          = "cannot plan"
	errApply         = "apply failed"
	errVerify        = "cannot verify"
)

// Options change what a run does.
type Options struct {
	Mode Mode
	// Prune removes connectors that carry exreconcile's ownership marker
	// and are no longer declared.
	Prune bool
	// AdoptUnowned lets --prune remove connectors carrying the marker
	// without an owner that exreconcile wrote before spec.owner existed.
	AdoptUnowned bool
	// AllowReplace lets apply remove and recreate a connector whose
	// creation-only usage differs.
	AllowReplace bool
	// Parallel is how many servers are worked on at once (default 8).
	Parallel int
	// ShowScript puts the exact PowerShell of each server in the report.
	ShowScript bool
	// Connect builds the Remote of one server; nil uses WinRM (Dial).
	Connect ConnectFunc
	// Progress, when set, is told what happens on each server.
	Progress func(server, message string)
	// ExportDir is the folder export's --out file is in: the files the
	// exported organisation names are written relative to it ("" for
	// stdout: absolute).
	ExportDir string
	// Now is the clock certificate expiry is measured against and the
	// report's times are read from; nil is time.Now.
	Now func() time.Time
	// Timeout, when positive, bounds each server's work in this run and
	// wins over the organisations' spec.timeout (--timeout).
	Timeout time.Duration
}

// ConnectFunc builds the Remote of one server of an organisation: the one
// seam between the engine and Exchange.
type ConnectFunc func(org *v1alpha1.ExchangeOrganization, srv v1alpha1.Server, password exchange.Secret) (exchange.Remote, error)

// Run observes every server the site names, plans, and (in apply mode)
// applies and verifies. The returned report is complete even when some
// servers failed; those failures are in ChangeSet.Errors.
func Run(ctx context.Context, site *v1alpha1.Site, opts Options) (*Report, error) {
	if opts.Parallel <= 0 {
		opts.Parallel = 8
	}
	if opts.Connect == nil {
		opts.Connect = Dial
	}
	if opts.Prune {
		for _, org := range site.Organizations() {
			if org.Spec.Owner == "" {
				return nil, fmt.Errorf("%w: --prune: ExchangeOrganization %q declares no spec.owner; set spec.owner to this site's id "+
					"(for example the repository name) so that --prune removes only the connectors this site created", ErrRefused, org.Name)
			}
		}
	}
	log := logr.FromContextOrDiscard(ctx)
	r := &runner{site: site, opts: opts, log: log, sem: make(chan struct{}, opts.Parallel)}
	// Everything that can fail without a server fails here, before the
	// first connection: passwords, certificate files.
	orgs, err := r.prepare()
	if err != nil {
		return nil, err
	}
	defer r.closeAll(context.WithoutCancel(ctx), orgs)

	r.observeAll(ctx, orgs)
	cs := &ChangeSet{}
	for _, o := range orgs {
		r.plan(o, cs)
	}
	cs.Sort()
	r.planPhases(orgs, cs)
	r.planRestarts(orgs, cs)
	started := r.now().UTC().Truncate(time.Second)
	report := &Report{Mode: opts.Mode, ChangeSet: cs, StartedAt: &started}
	if opts.ShowScript {
		report.Scripts = r.scripts(orgs, cs)
	}
	if opts.Mode == ModeApply {
		r.applyPhases(ctx, orgs, cs)
		r.verifyAll(ctx, orgs, cs)
		cs.Errors = append(cs.Errors, r.unreportedFileErrors(cs)...)
	}
	r.setConditions(cs)
	report.Commands = r.commands(orgs)
	report.Certificates = r.certificateExpiries(orgs)
	finished := r.now().UTC().Truncate(time.Second)
	report.FinishedAt = &finished
	return report, nil
}

// runner is the state of one Run.
type runner struct {
	site *v1alpha1.Site
	opts Options
	log  logr.Logger
	sem  chan struct{}
	mu   sync.Mutex
	// fileErrors are local files apply could not write (certificate
	// requests), found after the plan was reported.
	fileErrors []RunError
	// admit, when set, limits schedule to the entries of the phase being
	// applied, and restartFilter the restarts (phases.go).
	admit         func(*Entry) bool
	restartFilter func(*Restart) bool
	phases        phaseState
}

// orgRun is one organisation within a run.
type orgRun struct {
	org     *v1alpha1.ExchangeOrganization
	servers []*serverRun
	// orgServer is where organisation-wide objects were read and change:
	// the first server (in declared order) whose observation succeeded.
	orgServer *serverRun
	// creds are the resolved smart-host credentials by send connector name.
	creds map[string]*exchange.CredentialSpec
	// certs holds the prepared certificate files by thumbprint.
	certs map[string]*certSource
	// roots holds the TrustedRootCertificate files by metadata.name.
	roots map[string]*rootSource
	// refs are the resolved tlsCertificateRefs of the last plan, by
	// identity key (certref.go).
	refs map[string]*certRef
	// superseded names, by identity key, the declared certificate each
	// superseded certificate entry belongs to (supersede.go).
	superseded map[string]string
}

// serverRun is one server within a run.
type serverRun struct {
	spec     v1alpha1.Server
	remote   exchange.Remote
	obs      *exchange.Observation
	err      error
	readsOrg bool
	// readsHybrid adds the hybrid configuration to the organisation's reads.
	readsHybrid bool
	// readsServices: the organisation restarts on change, so observe reads
	// the transport services too (pending.go).
	readsServices bool
	applied       bool
	// verified is the server after apply, read by the apply command
	// itself; verifyErr is why it could not be.
	verified  *exchange.Observation
	verifyErr error
	// calls are what apply runs here, with the entry each belongs to, and
	// groups the same calls per entry (each runs in its own try/catch).
	calls  []exchange.Call
	owners []*Entry
	groups []exchange.CallGroup
	// restarts are the planned restarts behind the calls owned by nil, in order.
	restarts []*Restart
	// timeout bounds all work on this server in the run and timeoutSource
	// says which setting chose it; budget is what is left of it
	// (serverCtx).
	timeout       time.Duration
	timeoutSource string
	budget        time.Duration

	// readsRoots: a TrustedRootCertificate is declared for the server.
	readsRoots bool
}

// reads is what observing this server reads: the same after apply as before.
func (s *serverRun) reads() exchange.Reads {
	return exchange.Reads{Organization: s.readsOrg, ReceiveConnectors: true, Certificates: true, Roots: s.readsRoots,
		Hybrid: s.readsOrg && s.readsHybrid, TransportServices: s.readsServices}
}

func (r *runner) progress(server, format string, args ...any) {
	if r.opts.Progress != nil {
		r.opts.Progress(server, fmt.Sprintf(format, args...))
	}
}

// prepare resolves secrets and builds one client per server.
func (r *runner) prepare() ([]*orgRun, error) {
	var errs []error
	var orgs []*orgRun
	for _, org := range r.site.Organizations() {
		o := &orgRun{org: org, creds: map[string]*exchange.CredentialSpec{}, certs: map[string]*certSource{}}
		res := r.site.Resolver(org)
		// Without passwordFrom (a Kerberos ccache for snap-in servers,
		// which validation allows only there) the password is empty.
		var pw v1alpha1.Secret
		if from := org.Spec.Auth.PasswordFrom; from != nil {
			var err error
			if pw, err = res.Resolve(*from); err != nil {
				errs = append(errs, fmt.Errorf("%s: ExchangeOrganization %q: spec.auth.passwordFrom: %w", errResolveSecret, org.Name, err))
				continue
			}
		}
		for _, sc := range r.site.SendConnectors() {
			if r.site.Organization(sc) != org || sc.Spec.AuthenticationCredential == nil || sc.Spec.Ensure == v1alpha1.EnsureAbsent {
				continue
			}
			c := sc.Spec.AuthenticationCredential
			p, err := r.site.Resolver(sc).Resolve(*c.PasswordFrom)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: SendConnector %q: spec.authenticationCredential.passwordFrom: %w", errResolveSecret, sc.Name, err))
				continue
			}
			o.creds[strings.ToLower(sc.Name)] = &exchange.CredentialSpec{Username: c.Username, Password: exchange.Secret(p.Reveal())}
		}
		if err := r.prepareCertificates(o); err != nil {
			errs = append(errs, err)
		}
		if err := r.prepareTrustedRoots(o); err != nil {
			errs = append(errs, err)
		}
		// Relative file names in a manifest are relative to its folder.
		conn := *org
		if t := org.Spec.TLS; t != nil && t.CAFile != "" {
			tls := *t
			tls.CAFile = r.site.Path(org, t.CAFile)
			conn.Spec.TLS = &tls
		}
		if k := org.Spec.Auth.Kerberos; k != nil {
			auth, krb := *org.Spec.Auth, *k
			krb.Krb5Conf = r.site.Path(org, k.Krb5Conf)
			if krb.CCache != "" {
				krb.CCache = r.site.Path(org, k.CCache)
			}
			auth.Kerberos = &krb
			conn.Spec.Auth = &auth
		}
		for _, srv := range org.Spec.Servers {
			remote, err := r.opts.Connect(&conn, srv, exchange.Secret(pw.Reveal()))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s for %s: %w", errConnect, srv.Name, err))
				continue
			}
			timeout, source := r.serverTimeout(org)
			o.servers = append(o.servers, &serverRun{spec: srv, remote: remote, timeout: timeout, timeoutSource: source, budget: timeout,
				readsRoots:    r.rootsDeclaredOn(org, srv.Name),
				readsServices: org.Spec.RestartTransportService == v1alpha1.RestartOnChange})
		}
		orgs = append(orgs, o)
	}
	return orgs, errors.Join(errs...)
}

// each runs f on every server of every organisation, at most Parallel at once.
func (r *runner) each(orgs []*orgRun, f func(o *orgRun, s *serverRun)) {
	var wg sync.WaitGroup
	for _, o := range orgs {
		for _, s := range o.servers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.sem <- struct{}{}
				defer func() { <-r.sem }()
				f(o, s)
			}()
		}
	}
	wg.Wait()
}

// orgReaders are the servers that may read and change the organisation-wide
// objects, in declared order: the Mailbox servers. An Edge server's
// Get-SendConnector and Get-TransportConfig show its own AD LDS copies, and a
// subscribed Edge refuses to change them (docs/exchange.md "Scopes"), so an Edge server
// reads them only in an organisation that declares nothing else.
func (o *orgRun) orgReaders() []*serverRun {
	var out []*serverRun
	for _, s := range o.servers {
		if s.spec.Role != v1alpha1.RoleEdge {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return o.servers
	}
	return out
}

// observeAll reads every server once. The first Mailbox server of each
// organisation also reads the organisation-wide objects; if it cannot be
// reached, the next one that could be read does so in a second command.
func (r *runner) observeAll(ctx context.Context, orgs []*orgRun) {
	for _, o := range orgs {
		if readers := o.orgReaders(); len(readers) > 0 {
			readers[0].readsOrg, readers[0].readsHybrid = true, r.needsHybrid(o)
		}
	}
	r.each(orgs, func(o *orgRun, s *serverRun) {
		r.progress(s.spec.Name, "observing")
		sctx, cancel := r.serverCtx(ctx, s)
		defer cancel()
		s.obs, s.err = s.remote.Observe(sctx, s.reads())
		s.err = s.timedOut(sctx, s.err)
		if s.err == nil {
			if err := s.obs.Err(); err != nil {
				s.err = err
			}
		}
		if s.err != nil {
			r.log.V(1).Info(errObserve, "server", s.spec.Name, "error", s.err.Error())
			r.progress(s.spec.Name, "observe failed: %v", s.err)
		}
	})
	for _, o := range orgs {
		readers := o.orgReaders()
		if len(readers) == 0 {
			continue
		}
		if first := readers[0]; first.err == nil {
			o.orgServer = first
			continue
		}
		for _, s := range readers[1:] {
			if s.err != nil {
				continue
			}
			sctx, cancel := r.serverCtx(ctx, s)
			obs, err := s.remote.Observe(sctx, exchange.Reads{Organization: true, Hybrid: r.needsHybrid(o), TransportServices: s.readsServices})
			err = s.timedOut(sctx, err)
			cancel()
			if err == nil {
				err = obs.Err()
			}
			if err != nil {
				continue
			}
			s.obs.SendConnectors, s.obs.TransportConfig, s.readsOrg = obs.SendConnectors, obs.TransportConfig, true
			s.obs.HybridConfiguration, s.readsHybrid = obs.HybridConfiguration, r.needsHybrid(o)
			o.orgServer = s
			break
		}
	}
}

// plan adds the entries of one organisation to cs: every kind binds its
// objects to the observation they live in, and decide, the one skeleton,
// gives each its action.
func (r *runner) plan(o *orgRun, cs *ChangeSet) {
	for _, s := range o.servers {
		if s.err != nil {
			cs.Errors = append(cs.Errors, newRunError(s.spec.Name, "", "", s.err, "%s", s.err.Error()))
		}
	}
	for _, k := range kinds {
		switch k.scope {
		case organizationScope:
			b := &binding{r: r, org: o, server: o.orgServer}
			if o.orgServer != nil {
				b.obs = o.orgServer.obs
			}
			r.planKind(k, b, "no server of the organisation could be observed", cs)
		case serverScope:
			for _, s := range o.servers {
				b := &binding{r: r, org: o, server: s, perServer: true}
				why := ""
				if s.err == nil {
					b.obs = s.obs
				} else {
					why = "server could not be observed: " + s.err.Error()
				}
				r.planKind(k, b, why, cs)
			}
		}
	}
	r.crossCheck(o, cs)
}

// planKind decides the entries of one kind bound to b. Objects whose
// observation is missing are unknown: nothing was read, so nothing is
// claimed about them.
func (r *runner) planKind(k kind, b *binding, unobserved string, cs *ChangeSet) {
	for _, res := range k.bind(b) {
		if b.obs == nil {
			e := &Entry{Identity: res.identity(), Action: ActionUnknown}
			e.status().Set(conditionIsFalse(ConditionSynced, ReasonObserveFailed, unobserved))
			cs.Entries = append(cs.Entries, e)
			continue
		}
		e, err := decide(res)
		if err != nil {
			cs.Errors = append(cs.Errors, newRunError(b.server.spec.Name, e.Identity.String(), "", err, "%s: %v", errPlan, err))
			e.Action = ActionUnknown
			e.setCalls()
			e.status().Set(conditionIsFalse(ConditionSynced, ReasonPlanFailed, err.Error()))
		} else {
			e.RunOn = b.server.spec.Name
		}
		cs.Entries = append(cs.Entries, e)
	}
}

// serverByName finds a server of the organisation.
func (o *orgRun) serverByName(name string) *serverRun {
	for _, s := range o.servers {
		if strings.EqualFold(s.spec.Name, name) {
			return s
		}
	}
	return nil
}

// commands counts WinRM commands per server.
func (r *runner) commands(orgs []*orgRun) map[string]int {
	out := map[string]int{}
	for _, o := range orgs {
		for _, s := range o.servers {
			out[s.spec.Name] = s.remote.Commands()
		}
	}
	return out
}

// closeAll deletes every WinRM shell, each within closeTimeout: it runs
// after the run's work, so a server that stopped answering must not hold
// the report back.
func (r *runner) closeAll(ctx context.Context, orgs []*orgRun) {
	var wg sync.WaitGroup
	for _, o := range orgs {
		for _, s := range o.servers {
			wg.Go(func() {
				cctx, cancel := context.WithTimeout(ctx, closeTimeout)
				defer cancel()
				if err := s.remote.Close(cctx); err != nil {
					r.log.V(1).Info("cannot close WinRM shell", "server", s.spec.Name, "error", err.Error())
				}
			})
		}
	}
	wg.Wait()
}

// sortedServers lists server names for stable output.
func sortedServers(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
