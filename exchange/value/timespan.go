package value

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// tick is the resolution of a .NET TimeSpan (100 ns); digits after the
// seconds are seven at most.
const tick = 100 * time.Nanosecond

// EnhancedTimeSpan is an Exchange EnhancedTimeSpan (a .NET TimeSpan), such as
// ConnectionTimeout, kept as a time.Duration.
type EnhancedTimeSpan time.Duration

// ParseEnhancedTimeSpan reads a time span in the .NET TimeSpan forms Exchange
// accepts and prints: `[-][d.]hh:mm:ss[.fffffff]` (`00:15:00`, `1.00:00:00`,
// `7.00:00:00`, `00:00:05`) and `[d.]hh:mm`. A bare number is rejected: .NET
// would read `5` as five days, which is rarely what a manifest author means.
func ParseEnhancedTimeSpan(s string) (EnhancedTimeSpan, error) {
	in := s
	s = strings.TrimSpace(s)
	neg := false
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		neg, s = true, rest
	}
	bad := func(why string) (EnhancedTimeSpan, error) {
		return 0, fmt.Errorf("invalid time span %q: %s; write [d.]hh:mm:ss such as 00:15:00 or 1.00:00:00", in, why)
	}
	var days int64
	if !strings.Contains(s, ":") {
		return bad("no hh:mm:ss part")
	}
	if d, rest, ok := strings.Cut(s, "."); ok && !strings.Contains(d, ":") {
		n, err := strconv.ParseInt(d, 10, 64)
		if err != nil || !isDigits(d) {
			return bad(fmt.Sprintf("days %q is not a number", d))
		}
		days, s = n, rest
	}
	clock, frac, dot := strings.Cut(s, ".")
	if dot && frac == "" {
		return bad("a dot after the seconds needs digits")
	}
	parts := strings.Split(clock, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return bad("want hours, minutes and seconds")
	}
	limits := []int64{23, 59, 59}
	var hms [3]int64
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || !isDigits(p) || len(p) > 2 || n > limits[i] {
			return bad(fmt.Sprintf("%q must be a number from 0 to %d", p, limits[i]))
		}
		hms[i] = n
	}
	if frac != "" && len(parts) != 3 {
		return bad("fractions are only allowed on seconds")
	}
	var ticks int64
	if frac != "" {
		if !isDigits(frac) || len(frac) > 7 {
			return bad("fractions of a second have 1 to 7 digits")
		}
		n, _ := strconv.ParseInt(frac+strings.Repeat("0", 7-len(frac)), 10, 64)
		ticks = n
	}
	if days > maxTimeSpanDays {
		return bad(fmt.Sprintf("more than %d days", maxTimeSpanDays))
	}
	d := time.Duration(days)*24*time.Hour + time.Duration(hms[0])*time.Hour +
		time.Duration(hms[1])*time.Minute + time.Duration(hms[2])*time.Second + time.Duration(ticks)*tick
	if neg {
		d = -d
	}
	return EnhancedTimeSpan(d), nil
}

// maxTimeSpanDays keeps days × 24 h inside a time.Duration (about 292
// years), far above anything a transport setting takes.
const maxTimeSpanDays = int64(math.MaxInt64/int64(24*time.Hour)) - 1

// Duration returns the time span as a time.Duration.
func (t EnhancedTimeSpan) Duration() time.Duration { return time.Duration(t) }

// String returns the time span as Exchange prints and accepts it (.NET's
// constant format): `00:10:00`, `7.00:00:00`, `-00:00:01`, with seven digits
// of fraction only when there is one. Nanoseconds below 100 ns, which a
// TimeSpan cannot hold, are dropped.
func (t EnhancedTimeSpan) String() string {
	ticks := int64(time.Duration(t) / tick) // truncates toward zero, as a TimeSpan holds no less
	var b strings.Builder
	if ticks < 0 {
		b.WriteByte('-')
		ticks = -ticks // cannot overflow: |MinInt64 / 100| fits
	}
	const ticksPerSecond = int64(time.Second / tick)
	const ticksPerDay = 86400 * ticksPerSecond
	if days := ticks / ticksPerDay; days > 0 {
		fmt.Fprintf(&b, "%d.", days)
	}
	secs := ticks % ticksPerDay / ticksPerSecond
	fmt.Fprintf(&b, "%02d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	if frac := ticks % ticksPerSecond; frac > 0 {
		fmt.Fprintf(&b, ".%07d", frac)
	}
	return b.String()
}

// Equal reports whether t and o are the same length of time.
func (t EnhancedTimeSpan) Equal(o EnhancedTimeSpan) bool { return t == o }

// MarshalJSON encodes the time span as its String form.
func (t EnhancedTimeSpan) MarshalJSON() ([]byte, error) { return marshalString(t.String()) }

// UnmarshalJSON decodes a time span from a JSON string.
func (t *EnhancedTimeSpan) UnmarshalJSON(data []byte) error {
	s, err := unmarshalString(data, "time span")
	if err != nil {
		return err
	}
	v, err := ParseEnhancedTimeSpan(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}
