package v1alpha1

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the .golden files of testdata/invalid and testdata/warnings")

// minInvalidCases is how many malformed manifests the corpus must keep.
const minInvalidCases = 40

// renderGolden prints Diagnostics as the golden files hold them: the text form with the rule.
func renderGolden(ds Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String() + " [" + d.Rule + "]\n")
	}
	return b.String()
}

// checkGolden compares got with path's .golden file, or rewrites it with -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	golden := strings.TrimSuffix(path, ".yaml") + ".golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./api/v1alpha1 -run %s -update)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s: -want (golden), +got:\n%s\nIf the change is intended: go test ./api/v1alpha1 -run %s -update", golden, diff, t.Name())
	}
}

// TestInvalidManifests loads every malformed manifest of testdata/invalid and compares all its
// Diagnostics (file:line:col, object, field path, message, rule) with its golden file.
func TestInvalidManifests(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "invalid", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < minInvalidCases {
		t.Errorf("testdata/invalid holds %d cases, want at least %d", len(files), minInvalidCases)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
			_, ds := Loader{}.LoadAndValidate(path)
			if !ds.HasErrors() {
				t.Errorf("%s: no error reported for a malformed manifest", path)
			}
			checkGolden(t, path, renderGolden(ds))
		})
	}
}

// TestWarningManifests checks the manifests of testdata/warnings: valid (no error), with the
// warnings their golden files list.
func TestWarningManifests(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "warnings", "*.yaml"))
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
			_, ds := Loader{}.LoadAndValidate(path)
			if ds.HasErrors() || len(ds) == 0 {
				t.Errorf("%s: want warnings only, got:\n%s", path, renderGolden(ds))
			}
			checkGolden(t, path, renderGolden(ds))
		})
	}
}

// TestValidManifests checks that the manifests of testdata/valid, modelled on the seed
// documents, load without any Diagnostic.
func TestValidManifests(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "valid", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no valid manifests")
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
			s, ds := Loader{}.LoadAndValidate(path)
			if len(ds) != 0 {
				t.Errorf("%s: want no diagnostics, got:\n%s", path, renderGolden(ds))
			}
			if len(s.Objects) == 0 {
				t.Errorf("%s: no objects loaded", path)
			}
		})
	}
}
