package controller

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ownershipMarker is the marker exreconcile put in the Comment of the
// connectors it created before organisations declared an owner; it is
// adopted (pruned as this site's) only with --adopt-unowned. Today's
// marker names the site: [managed-by: exreconcile owner=<spec.owner>].
// --prune removes only connectors carrying this site's marker, so
// connectors an administrator made by hand, or another site manages, are
// never pruned. The user's own comment text is kept in front of it.
const ownershipMarker = "[managed-by: exreconcile]"

// markerPattern matches the ownership marker, with or without an owner.
var markerPattern = regexp.MustCompile(`\[managed-by: exreconcile(?: owner=([A-Za-z0-9._/-]+))?\]`)

// ownerMarker is the marker of owner ("" for the unowned marker).
func ownerMarker(owner string) string {
	if owner == "" {
		return ownershipMarker
	}
	return "[managed-by: exreconcile owner=" + owner + "]"
}

// markerOwner returns the owner named by a comment's marker ("" for the
// unowned marker) and whether it has one.
func markerOwner(comment string) (owner string, marked bool) {
	m := markerPattern.FindStringSubmatch(comment)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// hasMarker reports whether an observed comment carries an ownership marker.
func hasMarker(comment string) bool { return markerPattern.MatchString(comment) }

// markerOf is the ownership marker text of a comment, "" when it has none.
func markerOf(comment string) string { return markerPattern.FindString(comment) }

// userComment is the observed comment without exreconcile's markers (the
// ownership marker and the credential fingerprint).
func userComment(comment string) string {
	return strings.TrimSpace(credentialPattern.ReplaceAllString(markerPattern.ReplaceAllString(comment, ""), ""))
}

// withMarker joins a user's comment and a marker.
func withMarker(comment, marker string) string {
	if marker == "" {
		return comment
	}
	return strings.TrimSpace(strings.TrimSpace(comment) + " " + marker)
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
