package value

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseEnhancedTimeSpan(t *testing.T) {
	cases := map[string]struct {
		reason     string
		in         string
		want       time.Duration
		wantString string
		wantErr    string
	}{
		"ConnectionTimeout":  {reason: "receive ConnectionTimeout prints `00:10:00`", in: "00:10:00", want: 10 * time.Minute, wantString: "00:10:00"},
		"Inactivity":         {reason: "ConnectionInactivityTimeout prints `00:05:00`", in: "00:05:00", want: 5 * time.Minute, wantString: "00:05:00"},
		"Tarpit":             {reason: "TarpitInterval prints `00:00:05`", in: "00:00:05", want: 5 * time.Second, wantString: "00:00:05"},
		"TarpitZero":         {reason: "Outbound Proxy Frontend prints `00:00:00`", in: "00:00:00", want: 0, wantString: "00:00:00"},
		"SafetyNet":          {reason: "SafetyNetHoldTime prints `7.00:00:00`", in: "7.00:00:00", want: 7 * 24 * time.Hour, wantString: "7.00:00:00"},
		"OneDay":             {reason: "the reference's `1.00:00:00`, the ConnectionTimeout maximum", in: "1.00:00:00", want: 24 * time.Hour, wantString: "1.00:00:00"},
		"Reference":          {reason: "the reference's `00:15:00`", in: " 00:15:00 ", want: 15 * time.Minute, wantString: "00:15:00"},
		"Mixed":              {reason: "all parts", in: "2.03:04:05", want: 51*time.Hour + 4*time.Minute + 5*time.Second, wantString: "2.03:04:05"},
		"OneDigitHours":      {reason: ".NET accepts one-digit fields", in: "1:2:3", want: time.Hour + 2*time.Minute + 3*time.Second, wantString: "01:02:03"},
		"HoursMinutes":       {reason: ".NET reads hh:mm as hours and minutes", in: "00:15", want: 15 * time.Minute, wantString: "00:15:00"},
		"DaysHoursMinutes":   {reason: ".NET reads d.hh:mm", in: "1.02:03", want: 26*time.Hour + 3*time.Minute, wantString: "1.02:03:00"},
		"Fraction":           {reason: "seven digits of ticks", in: "00:00:01.5", want: 1500 * time.Millisecond, wantString: "00:00:01.5000000"},
		"FractionTicks":      {reason: "100 ns resolution", in: "00:00:00.0000001", want: 100 * time.Nanosecond, wantString: "00:00:00.0000001"},
		"Negative":           {reason: "a TimeSpan may be negative", in: "-00:00:01", want: -time.Second, wantString: "-00:00:01"},
		"NegativeDays":       {reason: "negative with days", in: "-1.00:00:01", want: -(24*time.Hour + time.Second), wantString: "-1.00:00:01"},
		"BareNumber":         {reason: ".NET would read 5 as five days", in: "5", wantErr: `invalid time span "5": no hh:mm:ss part; write [d.]hh:mm:ss such as 00:15:00 or 1.00:00:00`},
		"GoDuration":         {reason: "Go durations are not Exchange input", in: "5m", wantErr: `no hh:mm:ss part`},
		"Hours24":            {reason: "hours are 0-23; use days", in: "24:00:00", wantErr: `"24" must be a number from 0 to 23`},
		"Minutes60":          {reason: "minutes are 0-59", in: "00:60:00", wantErr: `"60" must be a number from 0 to 59`},
		"Seconds60":          {reason: "seconds are 0-59", in: "00:00:60", wantErr: `"60" must be a number from 0 to 59`},
		"FourParts":          {reason: "d:hh:mm:ss is not accepted", in: "1:00:00:00", wantErr: `want hours, minutes and seconds`},
		"LongFraction":       {reason: "8 digits exceed a tick", in: "00:00:00.12345678", wantErr: `fractions of a second have 1 to 7 digits`},
		"FractionOnMinutes":  {reason: "fractions only on seconds", in: "00:15.5", wantErr: `fractions are only allowed on seconds`},
		"DaysNotNumber":      {reason: "days must be a number", in: "x.00:00:00", wantErr: `days "x" is not a number`},
		"DaysTooMany":        {reason: "beyond time.Duration", in: "999999.00:00:00", wantErr: `more than`},
		"SignedField":        {reason: "signs inside fields", in: "00:+1:00", wantErr: `"+1" must be a number`},
		"Empty":              {reason: "empty", in: "", wantErr: `no hh:mm:ss part`},
		"ThreeDigitField":    {reason: "fields have two digits", in: "000:00:00", wantErr: `"000" must be a number from 0 to 23`},
		"NegativeTwice":      {reason: "one sign", in: "--00:00:01", wantErr: `invalid time span`},
		"TrailingDotNoFrac":  {reason: "a dot needs digits", in: "00:00:01.", wantErr: `invalid time span`},
		"SpaceInside":        {reason: "no spaces inside", in: "00: 10:00", wantErr: `" 10" must be a number`},
		"DaysWithoutClock":   {reason: "days need a clock", in: "1.", wantErr: `no hh:mm:ss part`},
		"ColonOnly":          {reason: "nonsense", in: ":", wantErr: `"" must be a number`},
		"MaxDurationish":     {reason: "many days still fit", in: "100000.00:00:00", want: 100000 * 24 * time.Hour, wantString: "100000.00:00:00"},
		"FractionShortTicks": {reason: "short fractions pad right", in: "00:00:00.05", want: 50 * time.Millisecond, wantString: "00:00:00.0500000"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseEnhancedTimeSpan(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nParseEnhancedTimeSpan(%q): want error containing %q, got %v, %v", tc.reason, tc.in, tc.wantErr, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nParseEnhancedTimeSpan(%q): %v", tc.reason, tc.in, err)
			}
			if got.Duration() != tc.want {
				t.Errorf("%s\nParseEnhancedTimeSpan(%q) = %v, want %v", tc.reason, tc.in, got.Duration(), tc.want)
			}
			if got.String() != tc.wantString {
				t.Errorf("%s\nString() = %q, want %q", tc.reason, got.String(), tc.wantString)
			}
			if back, err := ParseEnhancedTimeSpan(got.String()); err != nil || back != got {
				t.Errorf("%s\nround trip via %q: %v, %v", tc.reason, got.String(), back, err)
			}
		})
	}
}

func TestEnhancedTimeSpanString(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                             "00:00:00",
		time.Nanosecond * 150:         "00:00:00.0000001",
		-time.Nanosecond * 50:         "00:00:00",
		23*time.Hour + 59*time.Minute: "23:59:00",
		-1 << 63:                      "-106751.23:47:16.8547758",
		1<<63 - 1:                     "106751.23:47:16.8547758",
	} {
		if got := EnhancedTimeSpan(d).String(); got != want {
			t.Errorf("EnhancedTimeSpan(%d).String() = %q, want %q", d, got, want)
		}
	}
}

func TestEnhancedTimeSpanJSON(t *testing.T) {
	var got struct {
		ConnectionTimeout EnhancedTimeSpan
	}
	if err := json.Unmarshal([]byte(`{"ConnectionTimeout":"00:15:00"}`), &got); err != nil {
		t.Fatal(err)
	}
	if !got.ConnectionTimeout.Equal(EnhancedTimeSpan(15 * time.Minute)) {
		t.Errorf("got %v", got.ConnectionTimeout)
	}
	out, _ := json.Marshal(got)
	if diff := cmp.Diff(`{"ConnectionTimeout":"00:15:00"}`, string(out)); diff != "" {
		t.Errorf("-want, +got:\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"ConnectionTimeout":900}`), &got); err == nil || !strings.Contains(err.Error(), "time span must be a string") {
		t.Errorf("a number must be rejected with a clear message, got %v", err)
	}
}

func FuzzParseEnhancedTimeSpan(f *testing.F) {
	for _, s := range []string{"00:10:00", "00:00:05", "7.00:00:00", "1.00:00:00", "-00:00:01.5", "00:15", "23:59:59.9999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseEnhancedTimeSpan(s)
		if err != nil {
			return
		}
		back, err := ParseEnhancedTimeSpan(ts.String())
		if err != nil || back != ts {
			t.Fatalf("round trip of %q: %v -> %q -> %v, %v", s, time.Duration(ts), ts.String(), back, err)
		}
	})
}
