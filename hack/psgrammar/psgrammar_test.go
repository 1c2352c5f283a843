//go:build psgrammar

package psgrammar

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGoldenScripts parses every generated script that exreconcile's golden
// tests keep.
func TestGoldenScripts(t *testing.T) {
	files, err := filepath.Glob("../../exchange/testdata/*.ps1.golden")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden scripts found in exchange/testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			problems, err := Check(string(src))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Errorf("%s:%s", f, p)
			}
		})
	}
}

// TestCheckFindsErrors makes sure the check can fail: these are invalid
// PowerShell that the grammar is known to reject (docs/winrm.md "Grammar check").
func TestCheckFindsErrors(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		reason string
	}{
		{name: "unterminated string", src: "Set-SendConnector -Comment 'abc\n", reason: "a quote left open swallows the rest"},
		{name: "unescaped quote", src: "Set-SendConnector -Comment 'O'Brien'\n", reason: "what an unquoted value would produce"},
		{name: "dangling plus", src: "$x = 'a' +\n", reason: "an expression cut short"},
		{name: "stray brace", src: "Get-SendConnector }\n", reason: "unbalanced block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, err := Check(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) == 0 {
				t.Errorf("Check(%q) found no problem; want one (%s)", tt.src, tt.reason)
			}
		})
	}
}

// TestCheckAcceptsBootstrap parses the stdin bootstrap of docs/winrm.md "The bootstrap".
func TestCheckAcceptsBootstrap(t *testing.T) {
	src := "$ErrorActionPreference='Stop';$ProgressPreference='SilentlyContinue';$b=[string]::Join('',@($input));$s=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b));& ([ScriptBlock]::Create($s))\n"
	problems, err := Check(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("bootstrap: %s", p)
	}
}
