// Package repolint holds tests about the repository as a whole: which
// package may import which, what comments may cite.
package repolint

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/exreconcile/exreconcile"

// importRules are the layering of the repository. exchange knows Exchange
// and WinRM and nothing of manifests; api knows manifests and nothing of
// runs; exsim is an independent reading of Exchange's behaviour and shares
// no code with the client, so that one misreading cannot make both wrong.
var importRules = []struct {
	from   string // package path prefix, relative to the module
	banned []string
	why    string
}{
	{"exchange", []string{"api", "controller", "cmd"}, "exchange never knows the manifests or the engine"},
	{"api", []string{"controller", "cmd"}, "the object types never depend on the engine"},
	{"controller", []string{"cmd"}, "the engine never depends on the CLI"},
	{"cmd/exsim", []string{"api", "controller", "exchange"}, "exsim shares no code with the client"},
	{"test/exsim", []string{"api", "controller", "exchange"}, "exsim shares no code with the client"},
}

// TestImportRules fails when a package imports, directly or through
// another package of the module, one its layer must not.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-test", "-json=ImportPath,Deps", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		// Test variants are listed as "pkg [pkg.test]"; their deps count too.
		path, _, _ := strings.Cut(p.ImportPath, " ")
		rel := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
		for _, r := range importRules {
			if rel != r.from && !strings.HasPrefix(rel, r.from+"/") {
				continue
			}
			checked++
			for _, dep := range p.Deps {
				d, _, _ := strings.Cut(dep, " ")
				drel, ok := strings.CutPrefix(d, module+"/")
				if !ok {
					continue
				}
				for _, b := range r.banned {
					// exchange/value is exchange's own leaf package.
					if b == "exchange" && r.from == "exchange" {
						continue
					}
					if drel == b || strings.HasPrefix(drel, b+"/") {
						t.Errorf("%s imports %s: %s", p.ImportPath, d, r.why)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no package matched a rule: the module path or the layout changed")
	}
}
