// Package psgrammar parses PowerShell with tree-sitter-powershell, to check
// that every script exreconcile generates is well-formed.
//
// The grammar's generated C is not committed; hack/check-scripts.sh fetches
// it with npm into .cache/ and runs this package's tests with the psgrammar
// build tag (which needs cgo). Without the tag the package is this file only,
// so `go build ./...` and `go vet ./...` need neither cgo nor the cache.
package psgrammar
