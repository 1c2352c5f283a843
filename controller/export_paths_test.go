package controller

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportPaths(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("not read"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EXR_TEST_PASSWORD", enginePassword)
	site := loadSiteIn(t, dir, strings.Replace(engineSite, "  auth:\n", "  tls: {caFile: ca.pem}\n  auth:\n", 1))
	org := site.Organizations()[0]
	r := &runner{site: site}
	abs := filepath.Join(dir, "ca.pem")
	tests := []struct {
		name, reason, outDir, want string
	}{
		{name: "Stdout", reason: "on stdout the path is absolute", want: abs},
		{name: "SameFolder", reason: "next to the manifests the path stays relative", outDir: dir, want: "ca.pem"},
		{name: "OtherFolder", reason: "elsewhere it is relative to --out's folder", outDir: filepath.Join(dir, "out", "live"),
			want: filepath.Join("..", "..", "ca.pem")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.exportOrganization(org, tt.outDir).Spec.TLS.CAFile
			if got != tt.want {
				t.Errorf("caFile %q, want %q\nreason: %s", got, tt.want, tt.reason)
			}
			if org.Spec.TLS.CAFile != "ca.pem" {
				t.Errorf("the declared organisation was changed")
			}
		})
	}
}
