#!/usr/bin/env bash
# Parses every golden PowerShell script (exchange/testdata/*.ps1.golden) with
# tree-sitter-powershell and fails on any ERROR or MISSING node.
#
# The grammar is generated C (4.7 MB) that is not committed: it is fetched
# with `npm pack` into the git-ignored .cache/ and compiled through cgo by the
# build-tagged package hack/psgrammar (plain `go build ./...` never sees it).
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.26.4
cache=.cache/tree-sitter-powershell
stamp="$cache/version"

if [ ! -f "$cache/package/src/parser.c" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$version" ]; then
	command -v npm >/dev/null || { echo "check-scripts: npm is needed to fetch tree-sitter-powershell@$version" >&2; exit 1; }
	rm -rf "$cache"
	mkdir -p "$cache"
	(cd "$cache" && npm pack --silent "tree-sitter-powershell@$version" >/dev/null && tar -xzf "tree-sitter-powershell-$version.tgz")
	echo "$version" >"$stamp"
fi

CGO_ENABLED=1 go test -tags psgrammar -count=1 ./hack/psgrammar/...
