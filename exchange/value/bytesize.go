package value

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"unicode"
)

// byteUnits are the units of ByteQuantifiedSize, largest first. Exchange uses
// binary multiples: 1 MB is 1,048,576 bytes (`36 MB (37,748,736 bytes)`).
var byteUnits = []struct {
	name string
	mult uint64
}{
	{"TB", 1 << 40},
	{"GB", 1 << 30},
	{"MB", 1 << 20},
	{"KB", 1 << 10},
	{"B", 1},
}

// ByteSize is a ByteQuantifiedSize or an Unlimited<ByteQuantifiedSize>, such
// as MaxMessageSize. When Unlimited is set, Bytes is zero.
type ByteSize struct {
	Bytes     uint64
	Unlimited bool
}

// Unlimited is the ByteSize Exchange prints as `Unlimited`.
var Unlimited = ByteSize{Unlimited: true}

// ParseByteSize reads a size in every form Exchange accepts or prints:
// `10MB`, `10 MB`, `1.5GB`, `65536` (unqualified means bytes), `unlimited`,
// and Exchange's output `10 MB (10,485,760 bytes)` (whose byte count in
// parentheses is exact and is the part read; any digit grouping of the
// server's culture is accepted, and the unit before it is ignored). Units are B, KB, MB, GB and TB,
// case-insensitive.
func ParseByteSize(s string) (ByteSize, error) {
	in := s
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "unlimited") {
		return Unlimited, nil
	}
	if open := strings.IndexByte(s, '('); open >= 0 && strings.HasSuffix(s, ")") {
		return parseDisplayedBytes(in, s[open+1:len(s)-1])
	}
	num := strings.TrimRightFunc(s, unicode.IsLetter)
	unit := strings.TrimSpace(s[len(num):])
	num = strings.TrimSpace(num)
	mult, ok := unitMultiplier(unit)
	if !ok {
		return ByteSize{}, fmt.Errorf("invalid size %q: unit %q not known; use B, KB, MB, GB or TB (1 MB = 1,048,576 bytes), or unlimited", in, unit)
	}
	b, err := scaleDecimal(num, mult)
	if err != nil {
		return ByteSize{}, fmt.Errorf("invalid size %q: %w; write a number with a unit such as 10MB, or unlimited", in, err)
	}
	return ByteSize{Bytes: b}, nil
}

func unitMultiplier(unit string) (uint64, bool) {
	if unit == "" {
		return 1, true
	}
	for _, u := range byteUnits {
		if strings.EqualFold(unit, u.name) {
			return u.mult, true
		}
	}
	return 0, false
}

// parseDisplayedBytes reads the `(37,748,736 bytes)` part of Exchange's
// output. Grouping separators vary with the culture of the server's
// PowerShell host (`,` en-US, `.` de-DE, no-break space ru-RU, `'` de-CH), so
// every non-digit is dropped except the word bytes.
func parseDisplayedBytes(in, inner string) (ByteSize, error) {
	// The word after the count is `bytes` in English; it is not checked,
	// in case a localised host translates it.
	num := strings.TrimRightFunc(strings.TrimSpace(inner), unicode.IsLetter)
	if num == strings.TrimSpace(inner) {
		return ByteSize{}, fmt.Errorf("invalid size %q: want the form 10 MB (10,485,760 bytes)", in)
	}
	var digits strings.Builder
	for _, r := range num {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == ',' || r == '.' || r == '\'' || unicode.IsSpace(r) || r == '\u00a0' || r == '\u202f':
		default:
			return ByteSize{}, fmt.Errorf("invalid size %q: unexpected %q in the byte count", in, r)
		}
	}
	b, err := strconv.ParseUint(digits.String(), 10, 64)
	if err != nil {
		return ByteSize{}, fmt.Errorf("invalid size %q: byte count is not a number that fits 64 bits", in)
	}
	return ByteSize{Bytes: b}, nil
}

// scaleDecimal returns num × mult for a decimal number such as `10` or
// `1.5`, failing unless the result is a whole number of bytes that fits in 64
// bits: a fractional byte count is a mistake, not something to round.
func scaleDecimal(num string, mult uint64) (uint64, error) {
	whole, frac, _ := strings.Cut(num, ".")
	if !isDigits(whole) || frac != "" && !isDigits(frac) || strings.Count(num, ".") > 1 {
		return 0, fmt.Errorf("%q is not a number", num)
	}
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is too large", num)
	}
	hi, total := bits.Mul64(w, mult)
	if hi != 0 {
		return 0, fmt.Errorf("%q is too large", num)
	}
	frac = strings.TrimRight(frac, "0")
	if frac == "" {
		return total, nil
	}
	if len(frac) > 18 {
		return 0, fmt.Errorf("%q has too many decimals", num)
	}
	f, _ := strconv.ParseUint(frac, 10, 64)
	den := uint64(1)
	for range len(frac) {
		den *= 10
	}
	hi, lo := bits.Mul64(f, mult)
	if hi >= den {
		return 0, fmt.Errorf("%q is too large", num)
	}
	q, rem := bits.Div64(hi, lo, den)
	if rem != 0 {
		return 0, fmt.Errorf("%q is not a whole number of bytes", num)
	}
	sum, carry := bits.Add64(total, q, 0)
	if carry != 0 {
		return 0, fmt.Errorf("%q is too large", num)
	}
	return sum, nil
}

// String returns the size as cmdlet input, in the largest unit that holds it
// exactly: `36MB`, `256KB`, `1000B`, `Unlimited`.
func (b ByteSize) String() string {
	if b.Unlimited {
		return "Unlimited"
	}
	for _, u := range byteUnits {
		if b.Bytes%u.mult == 0 && (b.Bytes != 0 || u.mult == 1) {
			return strconv.FormatUint(b.Bytes/u.mult, 10) + u.name
		}
	}
	panic("unreachable: every size is a whole number of bytes")
}

// Display returns the size as Exchange prints it: `36 MB (37,748,736
// bytes)`, `Unlimited`. The unit is the largest not exceeding the size, with
// up to three decimals truncated (`1.999 GB (2,146,435,072 bytes)`); the
// decimals rule is inferred from printed quota values, only the byte count
// is exact.
func (b ByteSize) Display() string {
	if b.Unlimited {
		return "Unlimited"
	}
	u := byteUnits[len(byteUnits)-1]
	for _, c := range byteUnits {
		if b.Bytes >= c.mult {
			u = c
			break
		}
	}
	whole, rem := b.Bytes/u.mult, b.Bytes%u.mult
	num := strconv.FormatUint(whole, 10)
	if rem != 0 {
		hi, lo := bits.Mul64(rem, 1000)
		milli, _ := bits.Div64(hi, lo, u.mult)
		if frac := strings.TrimRight(fmt.Sprintf("%03d", milli), "0"); frac != "" {
			num += "." + frac
		}
	}
	return num + " " + u.name + " (" + groupThousands(b.Bytes) + " bytes)"
}

// groupThousands prints n with `,` between groups of three digits, as the
// en-US culture does.
func groupThousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var out strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out.WriteByte(',')
		}
		out.WriteRune(r)
	}
	return out.String()
}

// Equal reports whether b and o are the same size.
func (b ByteSize) Equal(o ByteSize) bool { return b == o }

// Less reports whether b is smaller than o; Unlimited is larger than every
// size.
func (b ByteSize) Less(o ByteSize) bool {
	switch {
	case b.Unlimited:
		return false
	case o.Unlimited:
		return true
	}
	return b.Bytes < o.Bytes
}

// MarshalJSON encodes the size as its String form.
func (b ByteSize) MarshalJSON() ([]byte, error) { return marshalString(b.String()) }

// UnmarshalJSON decodes a size from a JSON string in any form ParseByteSize
// accepts, or from a JSON integer (bytes), since YAML turns `65536` into a
// number.
func (b *ByteSize) UnmarshalJSON(data []byte) error {
	var n json.Number
	if err := json.Unmarshal(data, &n); err == nil {
		v, err := ParseByteSize(n.String())
		if err != nil {
			return err
		}
		*b = v
		return nil
	}
	s, err := unmarshalString(data, "size")
	if err != nil {
		return err
	}
	v, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}
