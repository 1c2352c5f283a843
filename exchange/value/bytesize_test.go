package value

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseByteSize(t *testing.T) {
	cases := map[string]struct {
		reason      string
		in          string
		want        ByteSize
		wantString  string
		wantDisplay string
		wantErr     string
	}{
		"ReceiveDefault": {
			reason: "the 2013+ receive connector default prints `36 MB (37,748,736 bytes)`",
			in:     "36 MB (37,748,736 bytes)", want: ByteSize{Bytes: 37748736},
			wantString: "36MB", wantDisplay: "36 MB (37,748,736 bytes)",
		},
		"HeaderDefault": {
			reason: "MaxHeaderSize prints `256 KB (262,144 bytes)`",
			in:     "256 KB (262,144 bytes)", want: ByteSize{Bytes: 262144},
			wantString: "256KB", wantDisplay: "256 KB (262,144 bytes)",
		},
		"SendDefault": {
			reason: "the HC send connector prints `35 MB (36,700,160 bytes)`",
			in:     "35 MB (36,700,160 bytes)", want: ByteSize{Bytes: 36700160},
			wantString: "35MB", wantDisplay: "35 MB (36,700,160 bytes)",
		},
		"TransportConfig": {
			reason: "TransportConfig prints `10 MB (10,485,760 bytes)`",
			in:     "10 MB (10,485,760 bytes)", want: ByteSize{Bytes: 10485760},
			wantString: "10MB", wantDisplay: "10 MB (10,485,760 bytes)",
		},
		"GB": {
			reason: "the reference's `10 GB (10,737,418,240 bytes)`",
			in:     "10 GB (10,737,418,240 bytes)", want: ByteSize{Bytes: 10737418240},
			wantString: "10GB", wantDisplay: "10 GB (10,737,418,240 bytes)",
		},
		"Exchange2010Header": {
			reason: "Exchange 2010's MaxHeaderSize prints `64 KB (65,536 bytes)`",
			in:     "64 KB (65,536 bytes)", want: ByteSize{Bytes: 65536},
			wantString: "64KB", wantDisplay: "64 KB (65,536 bytes)",
		},
		"RuCulture": {
			reason: "a ru-RU host groups digits with no-break spaces",
			in:     "36 MB (37\u00a0748\u00a0736 bytes)", want: ByteSize{Bytes: 37748736},
			wantString: "36MB", wantDisplay: "36 MB (37,748,736 bytes)",
		},
		"LocalisedWord": {
			reason: "the word after the count is not checked, in case it is translated",
			in:     "36 MB (37 748 736 Bytes)", want: ByteSize{Bytes: 37748736},
			wantString: "36MB", wantDisplay: "36 MB (37,748,736 bytes)",
		},
		"DeCulture": {
			reason: "a de-DE host groups digits with dots",
			in:     "36 MB (37.748.736 bytes)", want: ByteSize{Bytes: 37748736},
			wantString: "36MB", wantDisplay: "36 MB (37,748,736 bytes)",
		},
		"Seed000Print": {
			reason: "the 2007-era shell of seed 000 prints `MaxMessageSize : 10MB`",
			in:     "10MB", want: ByteSize{Bytes: 10485760},
			wantString: "10MB", wantDisplay: "10 MB (10,485,760 bytes)",
		},
		"SpacedUnit": {
			reason: "`10 MB` with a space",
			in:     "10 MB", want: ByteSize{Bytes: 10485760},
			wantString: "10MB", wantDisplay: "10 MB (10,485,760 bytes)",
		},
		"LowerUnit": {
			reason: "units are case-insensitive",
			in:     "36mb", want: ByteSize{Bytes: 37748736},
			wantString: "36MB", wantDisplay: "36 MB (37,748,736 bytes)",
		},
		"Unqualified": {
			reason: "an unqualified number is bytes; 65536 is the receive minimum",
			in:     "65536", want: ByteSize{Bytes: 65536},
			wantString: "64KB", wantDisplay: "64 KB (65,536 bytes)",
		},
		"OddBytes": {
			reason: "bytes not a multiple of 1024 print with B",
			in:     "1000", want: ByteSize{Bytes: 1000},
			wantString: "1000B", wantDisplay: "1000 B (1,000 bytes)",
		},
		"Fraction": {
			reason: "a fraction that is a whole number of bytes",
			in:     "1.5GB", want: ByteSize{Bytes: 1610612736},
			wantString: "1536MB", wantDisplay: "1.5 GB (1,610,612,736 bytes)",
		},
		"Quota": {
			reason: "decimals are truncated to three in the display",
			in:     "2047MB", want: ByteSize{Bytes: 2146435072},
			wantString: "2047MB", wantDisplay: "1.999 GB (2,146,435,072 bytes)",
		},
		"Zero": {
			reason: "Send MaxMessageSize may be 0",
			in:     "0", want: ByteSize{},
			wantString: "0B", wantDisplay: "0 B (0 bytes)",
		},
		"UnlimitedPrint": {
			reason: "Unlimited<ByteQuantifiedSize> prints `Unlimited`",
			in:     "Unlimited", want: Unlimited, wantString: "Unlimited", wantDisplay: "Unlimited",
		},
		"UnlimitedInput": {
			reason: "the manifest writes `unlimited`",
			in:     " unlimited ", want: Unlimited, wantString: "Unlimited", wantDisplay: "Unlimited",
		},
		"TB": {
			reason: "the largest unit",
			in:     "2TB", want: ByteSize{Bytes: 2 << 40}, wantString: "2TB", wantDisplay: "2 TB (2,199,023,255,552 bytes)",
		},
		"Max": {
			reason: "the largest uint64",
			in:     "18446744073709551615", want: ByteSize{Bytes: math.MaxUint64},
			wantString: "18446744073709551615B", wantDisplay: "16777215.999 TB (18,446,744,073,709,551,615 bytes)",
		},
		"BadUnit":       {reason: "PB is not an Exchange unit", in: "1PB", wantErr: `invalid size "1PB": unit "PB" not known; use B, KB, MB, GB or TB (1 MB = 1,048,576 bytes), or unlimited`},
		"MiB":           {reason: "IEC spelling is not accepted", in: "10MiB", wantErr: `unit "MiB" not known`},
		"Negative":      {reason: "sizes are not negative", in: "-1MB", wantErr: `"-1" is not a number`},
		"FractionBytes": {reason: "half a byte is a mistake", in: "0.5B", wantErr: `is not a whole number of bytes`},
		"Overflow":      {reason: "more than 64 bits", in: "99999999TB", wantErr: `is too large`},
		"Empty":         {reason: "empty", in: "", wantErr: `"" is not a number`},
		"Words":         {reason: "not a size", in: "big", wantErr: `unit "big" not known`},
		"DisplayNoBytes": {
			reason:  "the parenthesised part must end in bytes",
			in:      "36 MB (37,748,736)",
			wantErr: `want the form 10 MB (10,485,760 bytes)`,
		},
		"DisplayJunk": {
			reason:  "letters in the byte count",
			in:      "36 MB (37x748 bytes)",
			wantErr: `unexpected 'x' in the byte count`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseByteSize(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nParseByteSize(%q): want error containing %q, got %+v, %v", tc.reason, tc.in, tc.wantErr, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nParseByteSize(%q): %v", tc.reason, tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nParseByteSize(%q): -want, +got:\n%s", tc.reason, tc.in, diff)
			}
			if got.String() != tc.wantString {
				t.Errorf("%s\nString() = %q, want %q", tc.reason, got.String(), tc.wantString)
			}
			if got.Display() != tc.wantDisplay {
				t.Errorf("%s\nDisplay() = %q, want %q", tc.reason, got.Display(), tc.wantDisplay)
			}
			for _, form := range []string{got.String(), got.Display()} {
				if back, err := ParseByteSize(form); err != nil || back != got {
					t.Errorf("%s\nround trip via %q: %+v, %v", tc.reason, form, back, err)
				}
			}
		})
	}
}

func TestByteSizeCompare(t *testing.T) {
	mb36, _ := ParseByteSize("36MB")
	shown, _ := ParseByteSize("36 MB (37,748,736 bytes)")
	mb35, _ := ParseByteSize("35MB")
	if !mb36.Equal(shown) {
		t.Error("the manifest's 36MB must equal the printed 36 MB (37,748,736 bytes)")
	}
	if mb36.Equal(Unlimited) || !mb35.Less(mb36) || mb36.Less(mb35) || !mb36.Less(Unlimited) || Unlimited.Less(mb36) || Unlimited.Less(Unlimited) {
		t.Error("Less/Equal wrong")
	}
}

func TestByteSizeJSON(t *testing.T) {
	type spec struct {
		MaxMessageSize *ByteSize `json:"maxMessageSize,omitempty"`
	}
	cases := map[string]struct {
		reason  string
		in      string
		want    string
		wantErr string
	}{
		"String":    {reason: "manifest `10MB`", in: `{"maxMessageSize":"10MB"}`, want: `{"maxMessageSize":"10MB"}`},
		"Unlimited": {reason: "manifest `unlimited`", in: `{"maxMessageSize":"unlimited"}`, want: `{"maxMessageSize":"Unlimited"}`},
		"Number":    {reason: "YAML makes 65536 a number", in: `{"maxMessageSize":65536}`, want: `{"maxMessageSize":"64KB"}`},
		"Absent":    {reason: "nil means not managed", in: `{}`, want: `{}`},
		"Float":     {reason: "a JSON fraction of a byte", in: `{"maxMessageSize":1.5}`, wantErr: `not a whole number of bytes`},
		"Bad":       {reason: "errors say what is allowed", in: `{"maxMessageSize":"10 furlongs"}`, wantErr: `use B, KB, MB, GB or TB`},
		"Bool":      {reason: "wrong JSON type", in: `{"maxMessageSize":true}`, wantErr: `size must be a string`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var s spec
			err := json.Unmarshal([]byte(tc.in), &s)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nwant error containing %q, got %v", tc.reason, tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\n%v", tc.reason, err)
			}
			out, _ := json.Marshal(s)
			if diff := cmp.Diff(tc.want, string(out)); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"36 MB (37,748,736 bytes)", "Unlimited", "10MB", "10 MB", "65536", "1.5GB", "0.001KB", "256 KB (262,144 bytes)", "18446744073709551615"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseByteSize(s)
		if err != nil {
			return
		}
		for _, form := range []string{b.String(), b.Display()} {
			back, err := ParseByteSize(form)
			if err != nil || back != b {
				t.Fatalf("round trip of %q via %q: %+v -> %+v, %v", s, form, b, back, err)
			}
		}
	})
}
