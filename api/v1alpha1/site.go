package v1alpha1

import (
	"path/filepath"
	"strings"
)

// A Site is every object loaded from the manifests given with -f, in load order (sorted files,
// then document order), defaulted, and linked to its organisation.
type Site struct {
	// Objects holds every decoded object, including ones with errors; callers act on a Site only
	// when its Diagnostics hold no error.
	Objects []Object

	origins map[Object]*origin
	orgOf   map[Object]*ExchangeOrganization
}

// newSite returns an empty Site.
func newSite() *Site {
	return &Site{origins: map[Object]*origin{}, orgOf: map[Object]*ExchangeOrganization{}}
}

func (s *Site) add(o Object, org *origin) {
	s.Objects = append(s.Objects, o)
	s.origins[o] = org
}

// ObjectsOf returns the objects of one Go type, in load order.
func ObjectsOf[T Object](s *Site) []T {
	var out []T
	if s == nil {
		return out
	}
	for _, o := range s.Objects {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

// Organizations returns the declared ExchangeOrganizations.
func (s *Site) Organizations() []*ExchangeOrganization {
	return ObjectsOf[*ExchangeOrganization](s)
}

// SendConnectors returns the declared SendConnectors.
func (s *Site) SendConnectors() []*SendConnector { return ObjectsOf[*SendConnector](s) }

// ReceiveConnectors returns the declared ReceiveConnectors.
func (s *Site) ReceiveConnectors() []*ReceiveConnector { return ObjectsOf[*ReceiveConnector](s) }

// TransportConfigs returns the declared TransportConfigs (at most one per organisation in a
// valid Site).
func (s *Site) TransportConfigs() []*TransportConfig { return ObjectsOf[*TransportConfig](s) }

// ExchangeCertificates returns the declared ExchangeCertificates.
func (s *Site) ExchangeCertificates() []*ExchangeCertificate {
	return ObjectsOf[*ExchangeCertificate](s)
}

// Organization returns the organisation o belongs to: o itself for an ExchangeOrganization,
// the one its organizationRef names (or the only one declared) otherwise, nil when that did
// not resolve.
func (s *Site) Organization(o Object) *ExchangeOrganization {
	if org, ok := o.(*ExchangeOrganization); ok {
		return org
	}
	return s.orgOf[o]
}

// Source returns the file o was read from ("-" for stdin) and the position of its document.
func (s *Site) Source(o Object) (file string, pos Position) {
	if org := s.origins[o]; org != nil {
		return org.file, org.root
	}
	return "", Position{}
}

// Path resolves a file path written in o (caFile, pfxFile, certFile, passwordFrom.file):
// relative paths are relative to the folder of the manifest that declares o, so a site folder
// can be moved as a whole. Objects read from stdin resolve against the working directory.
func (s *Site) Path(o Object, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	if org := s.origins[o]; org != nil && org.file != "-" {
		return filepath.Join(filepath.Dir(org.file), p)
	}
	return p
}

// Resolver returns a Resolver whose relative password files resolve like Path.
func (s *Site) Resolver(o Object) Resolver {
	r := Resolver{}
	if org := s.origins[o]; org != nil && org.file != "-" {
		r.BaseDir = filepath.Dir(org.file)
	}
	return r
}

// written reports whether path was written in o's manifest, as opposed to filled by a default.
// Objects built in Go (no manifest) count as written.
func (s *Site) written(o Object, path string) bool {
	org := s.origins[o]
	if org == nil {
		return true
	}
	_, ok := org.fields[path]
	return ok
}

// An origin is where one object came from, with the position of each of its fields.
type origin struct {
	file   string
	root   Position
	fields map[string]fieldPos
	// failed holds the paths that could not be decoded; validation stays silent about them so
	// that one mistake is reported once.
	failed map[string]bool
}

// A fieldPos is where one field's key and value were found.
type fieldPos struct {
	key, value Position
	collection bool
}

func newOrigin(file string, root Position) *origin {
	return &origin{file: file, root: root, fields: map[string]fieldPos{}, failed: map[string]bool{}}
}

// position returns where to point for a field path: the value of a scalar, the key of a list
// or mapping (its value starts on the next line), or the nearest enclosing field when the path
// is absent (a missing field is reported where it should have been written).
func (o *origin) position(path string) Position {
	for p := path; p != ""; {
		fp, ok := o.fields[p]
		if !ok {
			p = parentPath(p)
			continue
		}
		if fp.collection && fp.key.Line > 0 {
			return fp.key
		}
		return fp.value
	}
	return o.root
}

// suppressed reports whether path is at or below a field that failed to decode.
func (o *origin) suppressed(path string) bool {
	for p := path; p != ""; p = parentPath(p) {
		if o.failed[p] {
			return true
		}
	}
	return false
}

// parentPath cuts the last element off a field path: spec.addressSpaces[1] -> spec.addressSpaces
// -> spec -> "". Map keys (metadata.labels["a.b"]) may hold dots, but no rule reports on them.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}
