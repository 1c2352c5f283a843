package framework

import "testing"

func TestSingleQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "'plain'"},
		{"it's", "'it''s'"},
		{"typo’graphic", "'typo’’graphic'"},
		{"‘left‚low‛rev", "'‘‘left‚‚low‛‛rev'"},
		{"$(Get-Date)`n", "'$(Get-Date)`n'"},
	}
	for _, tt := range tests {
		if got := singleQuote(tt.in); got != tt.want {
			t.Errorf("singleQuote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
