package controller

import (
	"fmt"
	"strconv"
	"strings"
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

func ptr[T any](v T) *T { return &v }
