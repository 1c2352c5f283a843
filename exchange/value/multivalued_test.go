package value

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitMultiValued(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     string
		want   []string
	}{
		"Bindings":       {reason: "Default Frontend prints `{[::]:25, 0.0.0.0:25}`", in: "{[::]:25, 0.0.0.0:25}", want: []string{"[::]:25", "0.0.0.0:25"}},
		"RemoteIPRanges": {reason: "the 2013+ default RemoteIPRanges", in: "{::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, 0.0.0.0-255.255.255.255}", want: []string{"::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0.0.0.0-255.255.255.255"}},
		"Seed001Single":  {reason: "seed 001 prints `{191.121.0.200:26}`", in: "{191.121.0.200:26}", want: []string{"191.121.0.200:26"}},
		"AddressSpaces":  {reason: "HC prints `{SMTP:*;1}`", in: "{SMTP:*;1}", want: []string{"SMTP:*;1"}},
		"Empty":          {reason: "an empty list prints `{}`", in: "{}", want: nil},
		"EmptyString":    {reason: "Nil prints nothing", in: "  ", want: nil},
		"Bare":           {reason: "PowerShell array input", in: "contoso.com,fabrikam.com", want: []string{"contoso.com", "fabrikam.com"}},
		"Single":         {reason: "a single value", in: "canoe.com", want: []string{"canoe.com"}},
		"Seed000Angle":   {reason: "the seed 000 shell prints `<smtp:*;1>`", in: "<smtp:*;1>", want: []string{"smtp:*;1"}},
		"Seed000Smart":   {reason: "the seed 000 shell prints `<[142.46.226.22]>`", in: "<[142.46.226.22]>", want: []string{"[142.46.226.22]"}},
		"AngleEmpty":     {reason: "the seed 000 shell prints `ConnectedDomains : <>`", in: "<>", want: nil},
		"CertName":       {reason: "a TlsCertificateName is not an angle list", in: "<I>CN=localhost<S>CN=localhost", want: []string{"<I>CN=localhost<S>CN=localhost"}},
		"EmptyItems":     {reason: "empty items are dropped", in: "{a, , b,}", want: []string{"a", "b"}},
		"Truncated":      {reason: "Format-List cuts after 16 items with `...`; the caller must not trust such output", in: "{a, b...}", want: []string{"a", "b..."}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, SplitMultiValued(tc.in)); diff != "" {
				t.Errorf("%s\nSplitMultiValued(%q): -want, +got:\n%s", tc.reason, tc.in, diff)
			}
		})
	}
}

func TestJoinMultiValued(t *testing.T) {
	if got := JoinMultiValued(nil); got != "{}" {
		t.Errorf("JoinMultiValued(nil) = %q", got)
	}
	if got := JoinMultiValued([]string{"work.com", "canoe.com"}); got != "{work.com, canoe.com}" {
		t.Errorf("JoinMultiValued = %q", got)
	}
}

func TestEqualFoldSets(t *testing.T) {
	cases := map[string]struct {
		reason string
		a, b   []string
		want   bool
	}{
		"Seed001":   {reason: "`{canoe.com}` equals the manifest's Canoe.com", a: SplitMultiValued("{canoe.com}"), b: []string{"Canoe.com"}, want: true},
		"Order":     {reason: "order is ignored", a: []string{"work.com", "canoe.com"}, b: []string{"canoe.com", "WORK.com"}, want: true},
		"Dupes":     {reason: "duplicates are ignored", a: []string{"a", "A"}, b: []string{"a"}, want: true},
		"Missing":   {reason: "a missing entry is drift", a: []string{"work.com"}, b: []string{"work.com", "canoe.com"}, want: false},
		"BothEmpty": {reason: "`{}` equals an empty list", a: SplitMultiValued("{}"), b: nil, want: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := EqualFoldSets(tc.a, tc.b); got != tc.want {
				t.Errorf("%s\nEqualFoldSets(%q, %q) = %v, want %v", tc.reason, tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func FuzzSplitMultiValued(f *testing.F) {
	for _, s := range []string{"{[::]:25, 0.0.0.0:25}", "{}", "<a, b>", "a,b", "<I>x<S>y", "{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		items := SplitMultiValued(s)
		for _, item := range items {
			if item == "" {
				t.Fatalf("SplitMultiValued(%q) returned an empty item", s)
			}
		}
		// Items without commas or braces survive a print and a re-split.
		clean := true
		for _, item := range items {
			for _, r := range item {
				if r == ',' || r == '{' || r == '}' || r == '<' || r == '>' {
					clean = false
				}
			}
		}
		if clean {
			if diff := cmp.Diff(items, SplitMultiValued(JoinMultiValued(items))); diff != "" {
				t.Fatalf("re-split of %q: %s", s, diff)
			}
		}
	})
}

func TestParseList(t *testing.T) {
	cases := map[string]struct {
		reason  string
		in      string
		want    []string
		wantErr string
	}{
		"Bindings":  {reason: "Default S prints `{0.0.0.0:2525, [::]:2525}`", in: "{0.0.0.0:2525, [::]:2525}", want: []string{"0.0.0.0:2525", "[::]:2525"}},
		"Empty":     {reason: "`{}` is no bindings", in: "{}", want: nil},
		"BadItem":   {reason: "the first bad item is reported", in: "{0.0.0.0:25, 10.0.0.1}", wantErr: `invalid binding "10.0.0.1"`},
		"ManyItems": {reason: "bare comma input", in: "[::]:25,0.0.0.0:25", want: []string{"[::]:25", "0.0.0.0:25"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseList(tc.in, ParseIPBinding)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr+`: want IPv4:port or [IPv6]:port, such as 0.0.0.0:25 or [::]:25` {
					t.Fatalf("%s\nwant error %q, got %v", tc.reason, tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\n%v", tc.reason, err)
			}
			var strs []string
			for _, b := range got {
				strs = append(strs, b.String())
			}
			if diff := cmp.Diff(tc.want, strs); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestZeroValuesPrintEmpty(t *testing.T) {
	for name, got := range map[string]string{
		"IPBinding": IPBinding{}.String(),
		"IPRange":   IPRange{}.String(),
		"SmartHost": SmartHost{}.String(),
	} {
		if got != "" {
			t.Errorf("zero %s prints %q, want empty", name, got)
		}
	}
	if got := (ByteSize{}).String(); got != "0B" {
		t.Errorf("zero ByteSize prints %q", got)
	}
	if got := EnhancedTimeSpan(0).String(); got != "00:00:00" {
		t.Errorf("zero EnhancedTimeSpan prints %q", got)
	}
}
