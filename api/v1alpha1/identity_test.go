package v1alpha1

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIdentityString(t *testing.T) {
	tests := []struct {
		name    string
		reason  string
		subject Identity
		want    string
	}{
		{name: "OrganisationWide", reason: "send connectors are named alone",
			subject: Identity{Kind: "SendConnector", Organization: "work-com", Name: "To Canoe"},
			want:    `SendConnector "To Canoe"`},
		{name: "ReceiveConnectorIdentity", reason: "a receive connector is named by its Exchange identity, which a reader can paste into -Identity as printed",
			subject: Identity{Kind: "ReceiveConnector", Organization: "work-com", Server: "WIN20081", Name: "From Canoe"},
			want:    `ReceiveConnector "WIN20081\From Canoe"`},
		{name: "PerServer", reason: "a certificate is named with its server",
			subject: Identity{Kind: "ExchangeCertificate", Organization: "work-com", Server: "WIN20081", Name: "mail-2026"},
			want:    `ExchangeCertificate "mail-2026" on WIN20081`},
		{name: "NonASCII", reason: "names are printed as written",
			subject: Identity{Kind: "SendConnector", Organization: "work-com", Name: "Zürich – ‘partner’"},
			want:    `SendConnector "Zürich – ‘partner’"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.subject.String()); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestIdentityEscapesControlCharacters(t *testing.T) {
	tests := []struct{ name, reason, in, want string }{
		{name: "Escape", reason: "an ESC sequence in a name cannot recolour the terminal", in: "From \x1b[31mRed", want: `SendConnector "From \x1b[31mRed"`},
		{name: "CR", reason: "a CR cannot rewrite the line", in: "A\rB", want: `SendConnector "A\rB"`},
		{name: "Plain", reason: "other names print as written, backslashes included", in: `Café \ Ünïcode`, want: `SendConnector "Café \ Ünïcode"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Identity{Kind: KindSendConnector, Name: tt.in}).String(); got != tt.want {
				t.Errorf("String() = %q, want %q\nreason: %s", got, tt.want, tt.reason)
			}
		})
	}
}
