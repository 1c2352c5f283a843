package v1alpha1

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Redacted is what a Secret prints as, whatever the printer.
const Redacted = "<redacted>"

// Error strings for resolving a PasswordFrom.
const (
	errNoPasswordSource  = "passwordFrom sets neither env nor file"
	errTwoPasswordSource = "passwordFrom sets both env and file; set exactly one"
	errEnvNotSet         = "environment variable %s is not set"
	errEnvEmpty          = "environment variable %s is empty"
	errReadPasswordFile  = "cannot read password file %s"
	errPasswordFileEmpty = "password file %s is empty"
)

// A Secret is a password or key read at run time. Every way Go prints or serialises it gives
// <redacted>, so a Secret cannot leak through a log line, a report or an error message by
// accident; Reveal is the one deliberate way to the plain text. Two holes remain that no method
// can close: converting it with string(s), and using it as a JSON map key (encoding/json writes
// string-kind keys without calling MarshalText).
type Secret string

// Reveal returns the plain text, for the one place that must send it (the WinRM handshake or
// a PSCredential in a script read from stdin).
func (s Secret) Reveal() string { return string(s) }

// String returns <redacted>.
func (Secret) String() string { return Redacted }

// GoString returns <redacted>, so that %#v does not print the plain text either.
func (Secret) GoString() string { return Redacted }

// Format writes <redacted> for every verb and flag (%v %+v %#v %s %q %x ...).
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, Redacted) }

// MarshalJSON returns "<redacted>".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText returns <redacted>, which also covers encoders that prefer text (map keys, XML).
func (Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// MarshalYAML returns <redacted> for go.yaml.in/yaml encoders; sigs.k8s.io/yaml goes through
// MarshalJSON.
func (Secret) MarshalYAML() (any, error) { return Redacted, nil }

// LogValue returns <redacted> for log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalLog returns <redacted> for logr sinks that honour logr.Marshaler.
func (Secret) MarshalLog() any { return Redacted }

// PasswordFrom says where a password is read at run time: an environment variable or a file
// (for example a mounted Kubernetes Secret). Exactly one of Env and File is set. Passwords
// never appear in manifests.
type PasswordFrom struct {
	// Env is the name of an environment variable that holds the password.
	Env string `json:"env,omitempty"`
	// File is the path of a file that holds the password; one trailing newline is ignored. A
	// relative path is relative to the manifest's folder.
	File string `json:"file,omitempty"`
}

// A Resolver reads PasswordFrom sources. Its zero value reads the process environment and the
// file system; tests replace the functions.
type Resolver struct {
	// LookupEnv defaults to os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// ReadFile defaults to os.ReadFile.
	ReadFile func(string) ([]byte, error)
	// BaseDir is the folder relative File paths are joined to (the manifest's folder).
	BaseDir string
}

// Resolve reads the password p points at. It is called at run time only, never by Load or
// Validate, so that validating manifests needs neither the secrets nor their files.
func (r Resolver) Resolve(p PasswordFrom) (Secret, error) {
	switch {
	case p.Env == "" && p.File == "":
		return "", errors.New(errNoPasswordSource)
	case p.Env != "" && p.File != "":
		return "", errors.New(errTwoPasswordSource)
	case p.Env != "":
		lookup := r.LookupEnv
		if lookup == nil {
			lookup = os.LookupEnv
		}
		v, ok := lookup(p.Env)
		if !ok {
			return "", fmt.Errorf(errEnvNotSet, p.Env)
		}
		v = trimOneNewline(v)
		if v == "" {
			return "", fmt.Errorf(errEnvEmpty, p.Env)
		}
		return Secret(v), nil
	}
	read := r.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	path := p.File
	if !filepath.IsAbs(path) && r.BaseDir != "" {
		path = filepath.Join(r.BaseDir, path)
	}
	b, err := read(path)
	if err != nil {
		// The wrapped error names the path and the reason, never the contents.
		return "", fmt.Errorf(errReadPasswordFile+": %w", path, err)
	}
	v := trimOneNewline(string(b))
	if v == "" {
		return "", fmt.Errorf(errPasswordFileEmpty, path)
	}
	return Secret(v), nil
}

// trimOneNewline drops one trailing "\n" or "\r\n": editors and `echo` add one, and a password
// may legitimately end in other whitespace.
func trimOneNewline(s string) string {
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		return strings.TrimSuffix(t, "\r")
	}
	return s
}
