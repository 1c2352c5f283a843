package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
)

// committedDir is where `make schema` writes the schemas, relative to this package.
var committedDir = filepath.Join("..", "..", "..", "manifests", "schema")

// TestSchemasUpToDate fails when manifests/schema differs from what the Go types generate, so
// that a field added to a type cannot ship without its schema.
func TestSchemasUpToDate(t *testing.T) {
	got, err := Generate()
	if err != nil {
		t.Fatalf("Generate(): %v", err)
	}
	for name, want := range got {
		have, err := os.ReadFile(filepath.Join(committedDir, name))
		if err != nil {
			t.Errorf("manifests/schema/%s: %v; run `make schema` (go run ./hack/schemagen)", name, err)
			continue
		}
		if !bytes.Equal(have, want) {
			t.Errorf("manifests/schema/%s is stale; run `make schema` (go run ./hack/schemagen)", name)
		}
	}
	extra, _ := filepath.Glob(filepath.Join(committedDir, "*.json"))
	for _, path := range extra {
		if _, ok := got[filepath.Base(path)]; !ok {
			t.Errorf("manifests/schema/%s belongs to no kind; remove it or run `make schema`", filepath.Base(path))
		}
	}
}

// TestSchemaShape checks what editors rely on: one file per kind, a constant kind, no unknown
// properties, and a description on every spec property.
func TestSchemaShape(t *testing.T) {
	got, err := Generate()
	if err != nil {
		t.Fatalf("Generate(): %v", err)
	}
	for _, kind := range v1alpha1.Kinds {
		var s struct {
			AdditionalProperties *bool `json:"additionalProperties"`
			Required             []string
			Properties           map[string]struct {
				Const      string
				Properties map[string]struct{ Description string }
			}
		}
		if err := json.Unmarshal(got[FileName(kind)], &s); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if s.AdditionalProperties == nil || *s.AdditionalProperties {
			t.Errorf("%s: additionalProperties is not false", kind)
		}
		for _, req := range []string{"apiVersion", "kind", "metadata", "spec"} {
			if !slices.Contains(s.Required, req) {
				t.Errorf("%s: %s is not required", kind, req)
			}
		}
		if c := s.Properties["kind"].Const; c != kind {
			t.Errorf("%s: kind const = %q", kind, c)
		}
		for name, p := range s.Properties["spec"].Properties {
			if p.Description == "" {
				t.Errorf("%s: spec.%s has no description (add a doc comment to the field)", kind, name)
			}
		}
	}
}
