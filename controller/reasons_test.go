package controller

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReasonsDocumented fails when a Reason constant of this package is
// missing from the README's reasons table.
func TestReasonsDocumented(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(node ast.Node) bool {
			vs, ok := node.(*ast.ValueSpec)
			if !ok || vs.Type == nil {
				return true
			}
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Reason" {
				return true
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok {
					continue
				}
				n++
				value := strings.Trim(lit.Value, `"`)
				if !strings.Contains(string(readme), "| `"+value+"` |") {
					t.Errorf("reason %s (%s) is not in the README's reasons table", value, fset.Position(lit.Pos()))
				}
			}
			return true
		})
	}
	if n < 20 {
		t.Errorf("found %d Reason constants; the scan is broken", n)
	}
}
