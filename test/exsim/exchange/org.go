// Package exchange is exsim's model of an Exchange organisation: servers,
// org-wide Send connectors and TransportConfig, per-server Receive
// connectors and certificates, and the Exchange cmdlets (as ps.Command)
// that read and change them with Exchange's rules and error texts.
//
// It is built from params.tsv and docs/exchange.md (public sources)
// and the seed transcripts, never from what exreconcile sends, and imports
// nothing of exreconcile's client: two independent readings of Exchange's
// syntax catch each other's mistakes.
package exchange

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configures an organisation.
type Options struct {
	// Domain is the AD domain and DNS suffix of the servers (work.com).
	Domain string
	// OrganizationName is the Exchange organisation name in DNs
	// (default "First Organization").
	OrganizationName string
	// DomainController is the DC named in "couldn't be found on" errors
	// (default DC01.<Domain>).
	DomainController string
	Servers          []ServerSpec
	// Clock replaces time.Now (tests); Location is the hosts' time zone for
	// printed dates (default UTC).
	Clock    func() time.Time
	Location *time.Location
	// CmdletLatency delays every Exchange cmdlet; CmdletLatencies per name.
	CmdletLatency   time.Duration
	CmdletLatencies map[string]time.Duration
	// SessionLatency delays New-PSSession; ImportLatency delays
	// Import-PSSession once per imported cmdlet.
	SessionLatency time.Duration
	ImportLatency  time.Duration
	// MaxSessionsPerUser is the throttling policy's PowerShellMaxConcurrency
	// (default 18); SessionIdleTimeout how long a session its process left
	// open stays counted (default 15m). See session.go.
	MaxSessionsPerUser int
	SessionIdleTimeout time.Duration
	// Faults maps a cmdlet name to a fault kind (see SetFault).
	Faults map[string]string
	// StateFile, when set, is rewritten after every change.
	StateFile string
}

// ServerSpec describes one server of the organisation.
type ServerSpec struct {
	Name    string
	Version Version // default 2019
	Role    Role
	// Subscribed marks an Edge server with an Edge Subscription: its Send
	// connectors come from the organisation and New/Set/Remove-SendConnector
	// are refused there (docs/exchange.md "Scopes").
	Subscribed bool
	// AdminDisplayVersion overrides the version string (docs/exchange.md "Version strings").
	AdminDisplayVersion string
}

// Org is one Exchange organisation (one per exsim process). All state is
// guarded by mu: WinRM commands on several servers run concurrently.
type Org struct {
	mu       sync.Mutex
	domain   string
	orgName  string
	dc       string
	loc      *time.Location
	clock    func() time.Time
	servers  []*Server
	send     []*sendConnector
	config   *transportConfig
	authCert *certificate
	hybrid   *hybridConfig // nil until New-HybridConfiguration (hybrid.go)
	opts     Options
	faults   map[string]string
	seq      int
	saveErr  error
	// sessions are the open remote sessions per user (throttling).
	sessions map[string][]*session
	// faultCounts holds the calls left of count faults (Cmdlet:error:N).
	faultCounts map[string]int
	// roots are the servers' Trusted Root stores, by lower-case name
	// (rootstore.go); a server without an entry has the fresh set.
	roots map[string]*rootStore
	// generation counts changes; changeCh is closed at the next one
	// (Changes, tlsselect.go).
	generation uint64
	changeCh   chan struct{}
	// boot is when the servers' services started (this process's start:
	// exsim starting is the servers booting); lastPID numbers their
	// processes (services.go).
	boot    time.Time
	lastPID int
}

// NewOrg builds an organisation whose servers look freshly installed:
// default Receive connectors and certificates per version and role.
func NewOrg(opts Options) (*Org, error) {
	o, err := newEmptyOrg(opts)
	if err != nil {
		return nil, err
	}
	for _, spec := range opts.Servers {
		if _, err := o.addServer(spec, true); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func newEmptyOrg(opts Options) (*Org, error) {
	opts.Domain = strings.ToLower(strings.TrimSpace(opts.Domain))
	if !validDomain(opts.Domain, false) {
		return nil, fmt.Errorf("organisation domain %q is not a DNS domain", opts.Domain)
	}
	if opts.OrganizationName == "" {
		opts.OrganizationName = "First Organization"
	}
	if opts.DomainController == "" {
		opts.DomainController = "DC01." + opts.Domain
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	o := &Org{domain: opts.Domain, orgName: opts.OrganizationName, dc: opts.DomainController,
		loc: opts.Location, clock: opts.Clock, opts: opts, faults: map[string]string{}}
	o.boot = o.clock()
	for name, kind := range opts.Faults {
		if err := o.setFault(name, kind); err != nil {
			return nil, err
		}
	}
	o.config = newTransportConfig(o)
	return o, nil
}

func (o *Org) now() time.Time { return o.clock().Truncate(time.Second) }

// Domain returns the organisation's DNS domain.
func (o *Org) Domain() string { return o.domain }

// AddServer adds a freshly installed server to the organisation.
func (o *Org) AddServer(spec ServerSpec) (*Server, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, err := o.addServer(spec, true)
	if err == nil {
		o.changed()
	}
	return s, err
}

func (o *Org) addServer(spec ServerSpec, defaults bool) (*Server, error) {
	name := strings.TrimSpace(spec.Name)
	if name == "" || strings.ContainsAny(name, `\/. `) || len(name) > 15 {
		return nil, fmt.Errorf("server name %q is not a NetBIOS name", spec.Name)
	}
	if o.server(name) != nil {
		return nil, fmt.Errorf("server %s is declared twice", name)
	}
	if spec.Version == 0 {
		spec.Version = V2019
	}
	if spec.Subscribed && spec.Role != Edge {
		return nil, fmt.Errorf("server %s: only Edge servers have an Edge Subscription", name)
	}
	s := &Server{org: o, name: name, fqdn: strings.ToLower(name) + "." + o.domain, version: spec.Version,
		role: spec.Role, subscribed: spec.Subscribed, guid: newGUID(), created: o.now(), adminVersion: spec.AdminDisplayVersion}
	if s.role == Edge {
		s.edgeConfig = newTransportConfig(o)
	}
	o.servers = append(o.servers, s)
	if defaults {
		s.receive = defaultReceiveConnectors(s)
		if err := s.installDefaultCertificates(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// server finds a server by NetBIOS name or FQDN (case-insensitive).
func (o *Org) server(id string) *Server {
	id = strings.TrimSuffix(strings.TrimSpace(id), ".")
	for _, s := range o.servers {
		if strings.EqualFold(s.name, id) || strings.EqualFold(s.fqdn, id) {
			return s
		}
	}
	return nil
}

// Server returns the server with that NetBIOS name or FQDN.
func (o *Org) Server(name string) (*Server, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.server(name)
	return s, s != nil
}

// Servers lists the servers in the order they were added.
func (o *Org) Servers() []*Server {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]*Server(nil), o.servers...)
}

// SetFault makes cmdlet fail on every server: kind "error" is an Exchange
// Active Directory failure; kind "" removes the fault.
func (o *Org) SetFault(cmdlet, kind string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.setFault(cmdlet, kind)
}

func (o *Org) setFault(cmdlet, kind string) error {
	known := false
	for _, c := range exchangeCmdlets {
		known = known || strings.EqualFold(c.name, cmdlet)
	}
	if !known && !strings.EqualFold(cmdlet, restartServiceName) {
		return fmt.Errorf("fault %s:%s: %s is not a cmdlet exsim simulates", cmdlet, kind, cmdlet)
	}
	key := strings.ToLower(cmdlet)
	if o.faultCounts == nil {
		o.faultCounts = map[string]int{}
	}
	delete(o.faultCounts, key)
	kindName, count, counted := strings.Cut(strings.ToLower(kind), ":")
	switch kindName {
	case "":
		delete(o.faults, key)
	case "error":
		o.faults[key] = "error"
		if counted {
			n, err := strconv.Atoi(count)
			if err != nil || n < 0 {
				return fmt.Errorf("fault %s:%s: the count %q is not a number of calls", cmdlet, kind, count)
			}
			o.faultCounts[key] = n
		}
	default:
		return fmt.Errorf("fault %s:%s: unknown kind %q (want error or error:N)", cmdlet, kind, kindName)
	}
	return nil
}

// fault returns the fault kind of one call of cmdlet: a count fault
// (error:N) fails the first N calls on any server, then none.
func (o *Org) fault(cmdlet string) string {
	key := strings.ToLower(cmdlet)
	kind := o.faults[key]
	if n, counted := o.faultCounts[key]; counted && kind != "" {
		if n <= 0 {
			return ""
		}
		o.faultCounts[key] = n - 1
	}
	return kind
}

func (o *Org) cmdletLatency(cmdlet string) time.Duration {
	for name, d := range o.opts.CmdletLatencies {
		if strings.EqualFold(name, cmdlet) {
			return d
		}
	}
	return o.opts.CmdletLatency
}

// changed runs after every successful change (the mutex is held).
func (o *Org) changed() {
	o.notifyChange()
	if o.opts.StateFile != "" {
		o.saveErr = o.saveLocked(o.opts.StateFile)
	}
}

// SaveError returns the error of the last automatic state save, if any.
func (o *Org) SaveError() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.saveErr
}

// sendConnectorsOf returns the Send connector list a server sees: the
// organisation's, or an unsubscribed Edge's own (AD LDS) list.
func (o *Org) sendConnectorsOf(s *Server) *[]*sendConnector {
	if s.role == Edge && !s.subscribed {
		return &s.edgeSend
	}
	return &o.send
}

// transportConfigOf returns the TransportConfig a server sees: Edge servers
// have their own (docs/exchange.md "Scopes").
func (o *Org) transportConfigOf(s *Server) *transportConfig {
	if s.role == Edge {
		return s.edgeConfig
	}
	return o.config
}

// adminGroupDN is the configuration-partition path shared by DNs.
func (o *Org) adminGroupDN() string {
	return "CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups," + o.orgDN()
}

func (o *Org) orgDN() string {
	return "CN=" + o.orgName + ",CN=Microsoft Exchange,CN=Services,CN=Configuration," + o.domainDN()
}

func (o *Org) domainDN() string {
	parts := strings.Split(o.domain, ".")
	for i, p := range parts {
		parts[i] = "DC=" + p
	}
	return strings.Join(parts, ",")
}

// newGUID returns a random version-4 GUID in .NET's lower-case form.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
