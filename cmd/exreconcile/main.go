// Command exreconcile keeps the transport security of Microsoft Exchange equal to what a folder
// of YAML manifests declares. This file only wires the process to the commands in root.go.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Getenv))
}
