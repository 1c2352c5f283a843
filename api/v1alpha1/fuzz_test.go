package v1alpha1

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader and validator, seeded with every manifest of
// testdata. Whatever the input, they must return Diagnostics, never panic or hang.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"testdata/*/*.yaml", "testdata/site/*/*.y*ml", "testdata/site/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, path := range files {
			if b, err := os.ReadFile(path); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("kind: SendConnector\nspec: {port: 99999999999999999999}\n"))
	f.Add([]byte("---\n---\n- [&a [*a]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, ds := Parse("fuzz.yaml", data)
		ds = append(ds, Validate(s)...).Sort()
		for _, d := range ds {
			_ = d.String()
			if d.Message == "" {
				t.Errorf("diagnostic without message: %+v", d)
			}
		}
	})
}
