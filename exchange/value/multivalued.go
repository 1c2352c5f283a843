package value

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// SplitMultiValued splits a multi-valued property as Exchange prints it into
// its items. It accepts `{a, b}` (Format-List and ToString of a
// MultiValuedProperty), `<a, b>` (the same list as printed by the Exchange 2007
// shell in seed 000), a bare `a, b` or `a,b` (PowerShell array input), a
// single value, and `{}` or the empty string, which both yield no items.
// Items are trimmed; empty items are dropped because Exchange never stores an
// empty entry in a multi-valued property. Items cannot contain commas, which
// holds for every transport value this package reads (bindings, ranges,
// address spaces, smart hosts, domains, server names).
func SplitMultiValued(s string) []string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '{' && s[len(s)-1] == '}' || s[0] == '<' && s[len(s)-1] == '>' && !strings.Contains(s[1:len(s)-1], "<")) {
		s = s[1 : len(s)-1]
	}
	var items []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// ParseList splits s with SplitMultiValued and parses each item with parse,
// for example ParseList(observed, ParseIPBinding). The first error is
// returned; an empty list yields nil.
func ParseList[T any](s string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, item := range SplitMultiValued(s) {
		v, err := parse(item)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// JoinMultiValued prints items the way Exchange prints a multi-valued
// property: `{a, b}`, and `{}` when there are none.
func JoinMultiValued(items []string) string {
	return "{" + strings.Join(items, ", ") + "}"
}

// Equaler is implemented by every value type of this package whose
// comparison is by meaning rather than by struct equality.
type Equaler[T any] interface {
	Equal(T) bool
}

// EqualSets reports whether a and b hold the same elements by meaning,
// ignoring order and duplicates. Exchange does not keep the order of a
// multi-valued property stable (the default Bindings print as
// `{[::]:25, 0.0.0.0:25}` on one connector and `{0.0.0.0:2525, [::]:2525}` on
// another), so the reconciler must compare them as sets.
func EqualSets[T Equaler[T]](a, b []T) bool {
	return subset(a, b) && subset(b, a)
}

func subset[T Equaler[T]](a, b []T) bool {
	for _, x := range a {
		if !slices.ContainsFunc(b, x.Equal) {
			return false
		}
	}
	return true
}

// EqualFoldSets reports whether a and b hold the same strings ignoring case,
// order and duplicates, as Exchange compares domain lists such as
// TLSSendDomainSecureList and server names such as SourceTransportServers.
func EqualFoldSets(a, b []string) bool {
	in := func(x []string, s string) bool {
		return slices.ContainsFunc(x, func(y string) bool { return strings.EqualFold(s, y) })
	}
	for _, s := range a {
		if !in(b, s) {
			return false
		}
	}
	for _, s := range b {
		if !in(a, s) {
			return false
		}
	}
	return true
}

// unmarshalString decodes a JSON string for the UnmarshalJSON methods, with
// an error that names the expected value instead of Go's type names.
func unmarshalString(data []byte, what string) (string, error) {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return "", fmt.Errorf("%s must be a string, got %s", what, data)
	}
	return s, nil
}

// marshalString encodes s as a JSON string for the MarshalJSON methods.
func marshalString(s string) ([]byte, error) { return json.Marshal(s) }
