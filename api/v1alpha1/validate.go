package v1alpha1

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// Validate runs every offline rule over a loaded Site: the Exchange parameter conflicts of
// docs/exchange.md "Rules Exchange enforces", value ranges, references between objects, and warnings for the pitfalls of
// the seed documents. It reads no password and contacts no server. Diagnostics on fields that
// failed to decode are left out, so each mistake is reported once.
func Validate(s *Site) Diagnostics {
	if s == nil {
		return nil
	}
	v := &validation{site: s}
	for _, obj := range s.Objects {
		switch o := obj.(type) {
		case *ExchangeOrganization:
			runRules(v, o, organizationRules)
		case *SendConnector:
			runRules(v, o, sendConnectorRules)
		case *ReceiveConnector:
			runRules(v, o, receiveConnectorRules)
		case *TransportConfig:
			runRules(v, o, transportConfigRules)
		case *ExchangeCertificate:
			runRules(v, o, certificateRules)
		case *TrustedRootCertificate:
			runRules(v, o, trustedRootRules)
		case *HybridConfiguration:
			runRules(v, o, hybridConfigurationRules)
		}
	}
	for _, r := range siteRules {
		r.check(&checker{v: v, rule: r.name})
	}
	return v.diags.Sort()
}

// LoadAndValidate loads the manifests at paths and validates them, returning the Site and
// every Diagnostic of both steps, sorted. This is what `exreconcile validate` and the first
// step of every other command run.
func (l Loader) LoadAndValidate(paths ...string) (*Site, Diagnostics) {
	s, ds := l.Load(paths...)
	return s, append(ds, Validate(s)...).Sort()
}

// A rule is one named offline check on objects of one kind.
type rule[T Object] struct {
	name string
	// doc says what the rule enforces and why, for the rule list (Rules).
	doc   string
	check func(c *checker, o T)
}

// A siteRule is one named check across objects (bindings shared between connectors,
// domain-secure lists against connectors).
type siteRule struct {
	name, doc string
	check     func(c *checker)
}

// RuleInfo describes one validation rule, for documentation.
type RuleInfo struct {
	// Name is what Diagnostic.Rule holds for problems the rule finds.
	Name string `json:"name"`
	// Kind is the kind the rule checks, or "" for rules across objects.
	Kind string `json:"kind,omitempty"`
	// Doc says what the rule enforces.
	Doc string `json:"doc"`
}

// Rules lists every validation rule, kind by kind, in the order they run.
func Rules() []RuleInfo {
	var out []RuleInfo
	out = appendInfo(out, KindExchangeOrganization, organizationRules)
	out = appendInfo(out, KindSendConnector, sendConnectorRules)
	out = appendInfo(out, KindReceiveConnector, receiveConnectorRules)
	out = appendInfo(out, KindTransportConfig, transportConfigRules)
	out = appendInfo(out, KindExchangeCertificate, certificateRules)
	out = appendInfo(out, KindTrustedRootCertificate, trustedRootRules)
	out = appendInfo(out, KindHybridConfiguration, hybridConfigurationRules)
	for _, r := range siteRules {
		out = append(out, RuleInfo{Name: r.name, Doc: r.doc})
	}
	return out
}

func appendInfo[T Object](out []RuleInfo, kind string, rules []rule[T]) []RuleInfo {
	for _, r := range rules {
		out = append(out, RuleInfo{Name: r.name, Kind: kind, Doc: r.doc})
	}
	return out
}

func runRules[T Object](v *validation, o T, rules []rule[T]) {
	for _, r := range rules {
		r.check(&checker{v: v, rule: r.name, obj: o, org: v.site.Organization(o)}, o)
	}
}

// validation collects Diagnostics for one Validate call.
type validation struct {
	site  *Site
	diags Diagnostics
}

// A checker reports the problems one rule finds, for one object or, in site rules, for any
// object through at.
type checker struct {
	v    *validation
	rule string
	obj  Object
	org  *ExchangeOrganization
}

// at returns a checker that reports about another object, for rules across objects.
func (c *checker) at(obj Object) *checker {
	return &checker{v: c.v, rule: c.rule, obj: obj, org: c.v.site.Organization(obj)}
}

func (c *checker) errorf(path, format string, args ...any) {
	c.add(SeverityError, path, fmt.Sprintf(format, args...))
}

func (c *checker) warnf(path, format string, args ...any) {
	c.add(SeverityWarning, path, fmt.Sprintf(format, args...))
}

func (c *checker) add(sev Severity, path, msg string) {
	if org := c.v.site.origins[c.obj]; org != nil && org.suppressed(path) {
		return
	}
	c.v.diags = append(c.v.diags, c.v.site.diagnostic(c.obj, sev, c.rule, path, msg))
}

// where names the place of another object's field for messages ("site/a.yaml:12:5").
func (c *checker) where(obj Object, path string) string { return c.v.site.where(obj, path) }

// Helpers shared by the rules of several kinds.

// isZero reports whether v holds only zero values (nil pointers and slices, empty strings).
func isZero(v any) bool { return reflect.ValueOf(v).IsZero() }

// isTrue and isFalse read an optional bool; nil (not managed) is neither.
func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// checkPasswordFrom checks that a passwordFrom names exactly one source, well formed. It does
// not read it: validation must work without the secrets.
func checkPasswordFrom(c *checker, path string, p *PasswordFrom) {
	switch {
	case p == nil:
		return
	case p.Env == "" && p.File == "":
		c.errorf(path, "set one of env (an environment variable) or file (a path)")
	case p.Env != "" && p.File != "":
		c.errorf(path, "set only one of env or file, not both")
	case p.Env != "" && !envName.MatchString(p.Env):
		c.errorf(path+".env", "invalid environment variable name %q: letters, digits and _, not starting with a digit", p.Env)
	}
}

// checkConnectorName checks the -Name Exchange accepts for a connector: at most 64 characters,
// no surrounding spaces, no backslash (it separates server and name in identities).
func checkConnectorName(c *checker, name string) {
	switch {
	case name == "":
		return // reported as a missing field
	case strings.ContainsFunc(name, unicode.IsControl):
		// A name with a CR is created once, then found under another
		// name and created again ("already exists").
		c.errorf("metadata.name", "connector name %q contains control characters, which Exchange does not keep", EscapeControl(name))
	case strings.TrimSpace(name) != name:
		c.errorf("metadata.name", "connector name %q has leading or trailing spaces, which Exchange trims", name)
	case len([]rune(name)) > 64:
		c.errorf("metadata.name", "connector name is %d characters long; Exchange allows at most 64", len([]rune(name)))
	case strings.ContainsAny(name, `\`):
		c.errorf("metadata.name", `connector name %s contains "\", which separates server and name in identities`, quote(name))
	}
}

// checkFQDN checks a connector's -Fqdn.
func checkFQDN(c *checker, path string, fqdn *string) {
	if fqdn == nil {
		return
	}
	if _, err := value.ParseFQDN(*fqdn); err != nil {
		c.errorf(path, "%v", err)
	}
}

var certificateName = regexp.MustCompile(`^<I>[^<>]+<S>[^<>]+$`)

// checkTLSCertificateName checks -TlsCertificateName, which exists on Exchange 2013 and later
// only; the version is known only when exreconcile connects, so that part is a warning.
func checkTLSCertificateName(c *checker, path string, name *string) {
	if name == nil {
		return
	}
	if !certificateName.MatchString(*name) {
		c.errorf(path, `invalid certificate name %q: write "<I>issuer DN<S>subject DN", such as "<I>CN=Work CA, DC=work, DC=com<S>CN=mail.work.com"`, *name)
	}
}

// checkServerSet checks a list of server names of the organisation: no repeats, every name
// declared (when must is true) or a warning otherwise.
func checkServerSet(c *checker, path string, names []string, must bool) {
	for i, n := range names {
		p := fmt.Sprintf("%s[%d]", path, i)
		if j := slices.IndexFunc(names[:i], func(m string) bool { return strings.EqualFold(m, n) }); j >= 0 {
			c.errorf(p, "server %q is listed twice (also %s[%d])", n, path, j)
			continue
		}
		if c.org == nil || c.org.Server(n) != nil {
			continue
		}
		msg := fmt.Sprintf("server %q is not declared in ExchangeOrganization %q; declared: %s", n, c.org.Name,
			strings.Join(c.org.ServerNames(""), ", "))
		if must {
			c.errorf(p, "%s", msg)
		} else {
			c.warnf(p, "%s", msg)
		}
	}
}

// maxExchangeBytes is the largest MaxMessageSize Exchange accepts, 2147483647 bytes (2 GB - 1).
const maxExchangeBytes = 1<<31 - 1

// versionGateMsg warns about a parameter newer than Exchange 2010.
const versionGateMsg = "%s exists on Exchange 2013 and later only; on an Exchange 2010 server the change will fail"
