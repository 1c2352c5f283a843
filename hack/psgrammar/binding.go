//go:build psgrammar

package psgrammar

// The grammar sources live in the git-ignored cache that
// hack/check-scripts.sh fills with `npm pack tree-sitter-powershell@0.26.4`;
// including the .c files here keeps them out of the package directory, where
// plain builds would refuse C sources without cgo.

// #cgo CFLAGS: -std=c11 -fPIC -w -I${SRCDIR}/../../.cache/tree-sitter-powershell/package/src
// #include "../../.cache/tree-sitter-powershell/package/src/parser.c"
// #include "../../.cache/tree-sitter-powershell/package/src/scanner.c"
import "C"

import (
	"fmt"
	"strings"
	"unsafe"

	ts "github.com/tree-sitter/go-tree-sitter"
)

// language returns the tree-sitter-powershell language.
func language() *ts.Language {
	return ts.NewLanguage(unsafe.Pointer(C.tree_sitter_powershell()))
}

// Problem is one ERROR or MISSING node.
type Problem struct {
	Line, Column int
	Kind         string // ERROR or MISSING
	Text         string
}

func (p Problem) String() string {
	return fmt.Sprintf("%d:%d: %s near %q", p.Line, p.Column, p.Kind, p.Text)
}

// Check parses src and returns every ERROR and MISSING node.
func Check(src string) ([]Problem, error) {
	parser := ts.NewParser()
	defer parser.Close()
	if err := parser.SetLanguage(language()); err != nil {
		return nil, err
	}
	tree := parser.Parse([]byte(src), nil)
	if tree == nil {
		return nil, fmt.Errorf("tree-sitter returned no tree")
	}
	defer tree.Close()
	var out []Problem
	var walk func(n *ts.Node)
	walk = func(n *ts.Node) {
		if n.IsError() || n.IsMissing() {
			kind := "ERROR"
			if n.IsMissing() {
				kind = "MISSING " + n.Kind()
			}
			p := n.StartPosition()
			text := src[n.StartByte():n.EndByte()]
			if len(text) > 60 {
				text = text[:60] + "..."
			}
			out = append(out, Problem{Line: int(p.Row) + 1, Column: int(p.Column) + 1, Kind: kind, Text: strings.TrimSpace(text)})
			if n.IsError() {
				return
			}
		}
		for i := uint(0); i < n.ChildCount(); i++ {
			walk(n.Child(i))
		}
	}
	root := tree.RootNode()
	walk(root)
	if len(out) == 0 && root.HasError() {
		out = append(out, Problem{Line: 1, Column: 1, Kind: "ERROR", Text: "(tree has an error the walk did not find)"})
	}
	return out, nil
}
