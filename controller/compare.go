package controller

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// ownershipMarker is appended to the Comment of every connector exreconcile
// creates. --prune removes only connectors that carry it, so connectors an
// administrator made by hand are never pruned. The user's own comment text is
// kept in front of it.
const ownershipMarker = "[managed-by: exreconcile]"

// hasMarker reports whether an observed comment carries the ownership marker.
func hasMarker(comment string) bool { return strings.Contains(comment, ownershipMarker) }

// userComment is the observed comment without the ownership marker.
func userComment(comment string) string {
	return strings.TrimSpace(strings.ReplaceAll(comment, ownershipMarker, ""))
}

// withMarker joins a user's comment and the marker.
func withMarker(comment string) string {
	return strings.TrimSpace(strings.TrimSpace(comment) + " " + ownershipMarker)
}

// differ collects the field diffs of one object as named checks run.
type differ struct{ fields []FieldDiff }

func (d *differ) add(field string, desired, actual any) {
	d.fields = append(d.fields, FieldDiff{Field: field, Desired: show(desired), Actual: show(actual)})
}

// comment compares a declared comment with the observed one, ignoring the
// ownership marker, and returns the comment to set (keeping the marker on a
// connector exreconcile owns), or nil when they match.
func (d *differ) comment(declared *string, observed string) *string {
	if declared == nil || *declared == userComment(observed) {
		return nil
	}
	d.add("comment", *declared, userComment(observed))
	c := *declared
	if hasMarker(observed) {
		c = withMarker(c)
	}
	return &c
}

// fold compares a declared string with the observed one case-insensitively
// (enum values, domain names) and returns the value to set, or nil.
func (d *differ) fold(field string, declared *string, observed string) *string {
	if declared == nil || strings.EqualFold(*declared, observed) {
		return nil
	}
	d.add(field, *declared, observed)
	return declared
}

// flag compares a declared bool with the observed one and returns the value to set, or nil.
func (d *differ) flag(field string, declared *bool, observed bool) *bool {
	if declared == nil || *declared == observed {
		return nil
	}
	d.add(field, *declared, observed)
	return declared
}

// show prints a value the way a plan shows it: lists in brackets, strings
// quoted when empty so that "" is visible.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		if x == "" {
			return `""`
		}
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case []string:
		return "[" + strings.Join(x, ", ") + "]"
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// showList prints any list of Stringers.
func showList[T fmt.Stringer](items []T) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.String()
	}
	return out
}

// equalFoldSet compares two string lists as case-insensitive sets.
func equalFoldSet(a, b []string) bool { return value.EqualFoldSets(a, b) }

// foldDiff returns the entries of want missing from have and of have missing
// from want, case-insensitively, each sorted.
func foldDiff(want, have []string) (add, remove []string) {
	in := func(list []string, s string) bool {
		for _, x := range list {
			if strings.EqualFold(x, s) {
				return true
			}
		}
		return false
	}
	for _, w := range want {
		if !in(have, w) && !in(add, w) {
			add = append(add, w)
		}
	}
	for _, h := range have {
		if !in(want, h) && !in(remove, h) {
			remove = append(remove, h)
		}
	}
	sort.Strings(add)
	sort.Strings(remove)
	return add, remove
}

func ptr[T any](v T) *T { return &v }
