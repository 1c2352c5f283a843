// Package repolint holds checks over the repository's own text.
package repolint

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// outsideReferences are names of reference files that live outside this
// repository. A comment or document that cites one sends the reader to a
// file they do not have; cite docs/exchange.md, docs/winrm.md or a public
// page instead. winrm.md is checked separately because docs/winrm.md is ours.
var outsideReferences = []string{
	"semantics.md",
	"semantics §",
	"defaults.md",
	"lifecycle.md",
	"powershell-output.md",
	"DESIGN.md",
	"shared/",
	"seeds/",
}

// skipDirs are never walked: version control, test fixtures (which may
// quote anything), tool caches, and docs/, which is where the facts live.
var skipDirs = map[string]bool{".git": true, ".cache": true, "testdata": true, "node_modules": true, "vendor": true}

// TestNoCitationsOutsideRepository fails listing every line of a .go or .md
// file that cites a reference file outside the repository.
func TestNoCitationsOutsideRepository(t *testing.T) {
	root := repoRoot(t)
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if skipDirs[d.Name()] || rel == "docs" || rel == "hack/repolint" {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".go" && ext != ".md" {
			return nil
		}
		hits, err := citations(path)
		if err != nil {
			return err
		}
		for _, h := range hits {
			found = append(found, rel+":"+h)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("%d lines cite reference files that are not in this repository; cite docs/exchange.md, docs/winrm.md or the public page instead:\n%s",
			len(found), strings.Join(found, "\n"))
	}
}

// citations returns "line: text" for every line of path that cites an
// outside reference.
func citations(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var hits []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if citesOutside(line) {
			hits = append(hits, strconv.Itoa(n)+": "+strings.TrimSpace(line))
		}
	}
	return hits, sc.Err()
}

// citesOutside reports whether line names an outside reference: one of
// outsideReferences, or winrm.md anywhere but as docs/winrm.md.
func citesOutside(line string) bool {
	for _, ref := range outsideReferences {
		if strings.Contains(line, ref) {
			return true
		}
	}
	for i := 0; ; {
		j := strings.Index(line[i:], "winrm.md")
		if j < 0 {
			return false
		}
		at := i + j
		if !strings.HasSuffix(line[:at], "docs/") {
			return true
		}
		i = at + len("winrm.md")
	}
}

func TestCitesOutside(t *testing.T) {
	cases := map[string]bool{
		"// the default connectors (semantics.md §4 item 20)":      true,
		"// as Exchange words it (semantics §4.19)":                true,
		`reason: "defaults.md §6"`:                                 true,
		"// the bootstrap (winrm.md §8)":                           true,
		"// it is PowerShell 2.0-safe (shared/reference/winrm.md)": true,
		"exsim is described in shared/DESIGN.md":                   true,
		"// the bootstrap (docs/winrm.md \"The bootstrap\")":       false,
		"see [winrm](../../docs/winrm.md#the-bootstrap)":           false,
		"// the default connectors (docs/exchange.md \"Scopes\")":  false,
		"docs/winrm.md and then winrm.md":                          true,
		"// seed 001 prints {smtp:canoe.com;1}":                    false,
		"exsim's copy is test/exsim/exchange/params.tsv":           false,
	}
	for line, want := range cases {
		if got := citesOutside(line); got != want {
			t.Errorf("citesOutside(%q) = %v, want %v", line, got, want)
		}
	}
}

// repoRoot is the directory holding go.mod, found from the test's working
// directory (the package directory) upwards.
func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}
