package v1alpha1

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

const password = "Tr0ub4dor&3"

// TestSecretRedacted prints a Secret, alone and inside a struct, through every printer a
// reconciler might use; none may show the password.
func TestSecretRedacted(t *testing.T) {
	s := Secret(password)
	holder := struct {
		User     string
		Password Secret
		Ptr      *Secret
	}{"svc", s, &s}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("connect", "password", s, "holder", holder)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("connect", "password", s)

	outputs := map[string]string{
		"%v":          fmt.Sprintf("%v", s),
		"%+v":         fmt.Sprintf("%+v", s),
		"%#v":         fmt.Sprintf("%#v", s),
		"%s":          fmt.Sprintf("%s", s),
		"%q":          fmt.Sprintf("%q", s),
		"%x":          fmt.Sprintf("%x", s),
		"struct %v":   fmt.Sprintf("%v", holder),
		"struct %+v":  fmt.Sprintf("%+v", holder),
		"struct %#v":  fmt.Sprintf("%#v", holder),
		"Sprint":      fmt.Sprint(s),
		"Errorf %w":   fmt.Errorf("login with %v: %w", s, errors.New("denied")).Error(),
		"slog":        logs.String(),
		"String":      s.String(),
		"GoString":    s.GoString(),
		"MarshalLog":  fmt.Sprint(s.MarshalLog()),
		"LogValue":    s.LogValue().String(),
		"json":        mustString(json.Marshal(holder)),
		"json alone":  mustString(json.Marshal(s)),
		"sigs yaml":   mustString(sigsyaml.Marshal(holder)),
		"yaml v3":     mustString(yaml.Marshal(holder)),
		"MarshalText": mustString(s.MarshalText()),
	}
	// encoding/json escapes < and > in strings; read the JSON back to see the text.
	for _, name := range []string{"json", "json alone"} {
		var v any
		if err := json.Unmarshal([]byte(outputs[name]), &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		outputs[name] = fmt.Sprint(v)
	}
	for name, out := range outputs {
		if strings.Contains(out, password) || strings.Contains(out, fmt.Sprintf("%x", password)) {
			t.Errorf("%s leaks the password: %s", name, out)
		}
		if !strings.Contains(out, Redacted) {
			t.Errorf("%s does not say %s: %s", name, Redacted, out)
		}
	}
	if s.Reveal() != password {
		t.Errorf("Reveal() = %q, want the password", s.Reveal())
	}
}

func mustString(b []byte, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

func TestResolver(t *testing.T) {
	env := map[string]string{"PW": password + "\n", "EMPTY": "", "CRLF": password + "\r\n", "TWO": password + "\n\n"}
	files := map[string]string{"/run/pw": password + "\n", "site/pw": password, "/run/empty": "\n"}
	r := Resolver{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		ReadFile: func(p string) ([]byte, error) {
			if v, ok := files[p]; ok {
				return []byte(v), nil
			}
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		},
		BaseDir: "site",
	}
	cases := map[string]struct {
		reason string
		from   PasswordFrom
		want   string
		err    string
	}{
		"Env":          {reason: "One trailing newline (echo) is dropped.", from: PasswordFrom{Env: "PW"}, want: password},
		"EnvCRLF":      {reason: "A Windows line ending counts as one newline.", from: PasswordFrom{Env: "CRLF"}, want: password},
		"EnvTwoLines":  {reason: "Only one newline is dropped.", from: PasswordFrom{Env: "TWO"}, want: password + "\n"},
		"EnvMissing":   {reason: "An unset variable is an error naming it.", from: PasswordFrom{Env: "NOPE"}, err: "environment variable NOPE is not set"},
		"EnvEmpty":     {reason: "An empty password is a mistake.", from: PasswordFrom{Env: "EMPTY"}, err: "environment variable EMPTY is empty"},
		"FileAbsolute": {reason: "Absolute paths are read as they are.", from: PasswordFrom{File: "/run/pw"}, want: password},
		"FileRelative": {reason: "Relative paths are relative to the manifest folder.", from: PasswordFrom{File: "pw"}, want: password},
		"FileMissing":  {reason: "The error names the file, not its contents.", from: PasswordFrom{File: "/run/nope"}, err: "cannot read password file /run/nope: open /run/nope: file does not exist"},
		"FileEmpty":    {reason: "A file holding only a newline is empty.", from: PasswordFrom{File: "/run/empty"}, err: "password file /run/empty is empty"},
		"Neither":      {reason: "One source is needed.", from: PasswordFrom{}, err: errNoPasswordSource},
		"Both":         {reason: "Two sources are ambiguous.", from: PasswordFrom{Env: "PW", File: "/run/pw"}, err: errTwoPasswordSource},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := r.Resolve(tc.from)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tc.err, gotErr); diff != "" {
				t.Errorf("\nReason: %s\nResolve(...) error: -want, +got:\n%s", tc.reason, diff)
			}
			if got.Reveal() != tc.want {
				t.Errorf("\nReason: %s\nResolve(...) = %q, want %q", tc.reason, got.Reveal(), tc.want)
			}
		})
	}
}
