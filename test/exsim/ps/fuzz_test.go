package ps

import (
	"testing"
)

// FuzzParse checks that the tokenizer and parser never panic, and that a
// string quoted by the contract's rule always comes back unchanged.
func FuzzParse(f *testing.F) {
	seeds := []string{
		bootstrap,
		`New-SendConnector -Name "to canoe.com" -Usage Internet -AddressSpaces canoe.com -DNSRoutingEnabled $true -SourceTransportServers WIN20081`,
		`Get-SendConnector "to canoe.com" | fl name,add*,port,dnsR*,domain*`,
		"Test-mailflow \u2013targetEmailAddress ctom@canoe.com",
		`$x = @{Add='a','b';Remove="c"}; $x.Add[0]`,
		"$h = @'\nx\n'@\n\"$h `t\"",
		`[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('x'))`,
		`'it''s' + "a""b" + '‘’'`,
		`& ([ScriptBlock]::Create('exit 3'))`,
		"<# c #> Get-X # d\n`\n",
		`$(1,2) @(3) (4) -5 10MB 0x1F 1.5e3`,
		`"$global:x ${y} $z:"`,
		`if ($x) { } else { }`,
		`@{`, `$(`, `'`, `"`, `@'`, `[`, `-`, `&`, `|`, `,`, `$`, "`",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		parseScript(src)
		TokenizeForTest(src)
		for _, c := range src {
			if c == 0 {
				return
			}
		}
		q := quoteForTest(src)
		got, err := ParseStringLiteral(q)
		// Scripts are text: invalid UTF-8 bytes are read as U+FFFD each.
		if err != nil || got != string([]rune(src)) {
			t.Fatalf("quoted %q came back as %q (%v)", src, got, err)
		}
	})
}
