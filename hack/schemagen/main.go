// Command schemagen writes the JSON Schema of every exreconcile kind to manifests/schema (or
// -o), generated from the api/v1alpha1 Go types and their doc comments. Run it from the
// repository root: go run ./hack/schemagen (make schema).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/exreconcile/exreconcile/api/v1alpha1/schema"
)

func main() {
	out := flag.String("o", filepath.Join("manifests", "schema"), "folder to write <kind>.json files to")
	flag.Parse()
	files, err := schema.Generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		path := filepath.Join(*out, name)
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "schemagen:", err)
			os.Exit(1)
		}
		fmt.Println("wrote", path)
	}
}
