package controller

import (
	"strings"
	"testing"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// The tests salt fingerprints with 0, 1, ..., 15 so that planned calls are
// the same from one run to the next.
func init() {
	randRead = func(b []byte) (int, error) {
		for i := range b {
			b[i] = byte(i)
		}
		return len(b), nil
	}
}

func TestCredentialFingerprint(t *testing.T) {
	relay := &exchange.CredentialSpec{Username: `CANOE\relay`, Password: "s3cret"}
	fp, err := fingerprint(relay)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(fp, "[exreconcile-credential: scrypt$32768$8$1$AAECAwQFBgcICQoLDA0ODw==$") || strings.Contains(fp, "s3cret") {
		t.Fatalf("fingerprint %q: want scrypt N=32768 r=8 p=1, the salt, and no password", fp)
	}
	tests := []struct {
		name           string
		reason         string
		comment        string
		cred           *exchange.CredentialSpec
		match, known   bool
		wantCompareOut string
	}{
		{name: "Same", reason: "the same secret matches its fingerprint", comment: "relay " + fp, cred: relay, match: true, known: true},
		{name: "Rotated", reason: "another password does not", comment: fp, known: true,
			cred: &exchange.CredentialSpec{Username: `CANOE\relay`, Password: "n3w"}},
		{name: "OtherUser", reason: "nor another username", comment: fp, known: true,
			cred: &exchange.CredentialSpec{Username: `CANOE\relay2`, Password: "s3cret"}},
		{name: "None", reason: "a comment without a fingerprint says nothing", comment: "relay [managed-by: exreconcile]", cred: relay},
		{name: "TooCostly", reason: "a hand-edited fingerprint cannot make a plan expensive", cred: relay,
			comment: strings.Replace(fp, "scrypt$32768$", "scrypt$1048576$", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			match, known := credentialMatches(tt.comment, tt.cred)
			if match != tt.match || known != tt.known {
				t.Errorf("match %v known %v, want %v %v\nreason: %s", match, known, tt.match, tt.known, tt.reason)
			}
		})
	}
}

func TestCredentialField(t *testing.T) {
	relay := &exchange.CredentialSpec{Username: `CANOE\relay`, Password: "s3cret"}
	fp, _ := fingerprint(relay)
	tests := []struct {
		name          string
		reason        string
		obs           sendObs
		desired, have string
		equal         bool
	}{
		{name: "Missing", reason: "no credential stored: drift", obs: sendObs{},
			desired: `CANOE\relay (password set)`, have: "(none)"},
		{name: "SameSecret", reason: "the fingerprint matches: in sync",
			obs:     sendObs{HasAuthenticationCredential: true, Comment: "x [managed-by: exreconcile] " + fp},
			desired: `CANOE\relay (password set)`, have: "(set)", equal: true},
		{name: "NoFingerprint", reason: "set by hand or by an older exreconcile: in sync until it is set again",
			obs:     sendObs{HasAuthenticationCredential: true, Comment: "x"},
			desired: `CANOE\relay (password set)`, have: "(set)", equal: true},
		{name: "Rotated", reason: "the secret changed: rotated",
			obs:     sendObs{HasAuthenticationCredential: true, Comment: strings.Replace(fp, "AAECAwQFBgcICQoLDA0ODw==", "AAAAAAAAAAAAAAAAAAAAAA==", 1)},
			desired: "(rotated)", have: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &sendDecl{cred: relay}
			desired, have, equal := credentialField.compare(d, &tt.obs)
			if desired != tt.desired || have != tt.have || equal != tt.equal {
				t.Errorf("compare = %q %q %v, want %q %q %v\nreason: %s", desired, have, equal, tt.desired, tt.have, tt.equal, tt.reason)
			}
		})
	}
}

func TestCommentIgnoresMarkers(t *testing.T) {
	relay := &exchange.CredentialSpec{Username: "u", Password: "p"}
	fp, _ := fingerprint(relay)
	for _, c := range []string{"relay " + ownershipMarker + " " + fp, "relay " + ownerMarker("site-a"), fp + " relay"} {
		if got := userComment(c); got != "relay" {
			t.Errorf("userComment(%q) = %q, want relay: neither marker is the user's comment", c, got)
		}
	}
}

func TestSetFieldElements(t *testing.T) {
	tests := []struct {
		name           string
		reason         string
		want, have     []string
		added, removed []string
	}{
		{name: "AddAndRemove", reason: "each element is listed once, as declared or as observed",
			want: []string{"a.example", "B.example"}, have: []string{"b.example", "c.example"},
			added: []string{"a.example"}, removed: []string{"c.example"}},
		{name: "OnlyAdded", reason: "nothing removed", want: []string{"a"}, added: []string{"a"}},
		{name: "Same", reason: "equal sets have no elements to show", want: []string{"a"}, have: []string{"A"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			added, removed := setChanges(tt.want, tt.have, strings.EqualFold, func(s string) string { return s })
			if strings.Join(added, ",") != strings.Join(tt.added, ",") || strings.Join(removed, ",") != strings.Join(tt.removed, ",") {
				t.Errorf("added %v removed %v, want %v %v\nreason: %s", added, removed, tt.added, tt.removed, tt.reason)
			}
		})
	}
}

func TestCommentNormalised(t *testing.T) {
	tests := []struct {
		name, reason, declared, observed string
		equal                            bool
	}{
		{name: "BlockScalar", reason: "comment: | ends in a newline Exchange drops: in sync", declared: "line one\nline two\n", observed: "line one\nline two", equal: true},
		{name: "CRLF", reason: "CR comes back as LF", declared: "a\r\nb", observed: "a\nb [managed-by: exreconcile]", equal: true},
		{name: "Different", reason: "a real difference stays one", declared: "a", observed: "b"},
	}
	f := commentField(func(d *sendDecl) *string { return d.Comment }, func(o *sendObs) string { return o.Comment },
		func(c *sendSpec) **string { return &c.Comment })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &sendDecl{SendConnectorSpec: &v1alpha1.SendConnectorSpec{Comment: &tt.declared}}
			if _, _, eq := f.compare(d, &sendObs{Comment: tt.observed}); eq != tt.equal {
				t.Errorf("equal = %v\nreason: %s", eq, tt.reason)
			}
		})
	}
}
