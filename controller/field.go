package controller

import (
	"fmt"
	"strings"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// field is one declared field of a kind, in one line of the kind's field
// table: D is the declaration as planned (the api spec and what was
// resolved for it), O the observed object, C the exchange spec the calls
// are built from.
type field[D, O, C any] struct {
	// name is the manifest's field name, as reports print it.
	name string
	// declared reports whether the declaration sets the field: a field
	// left out is not managed.
	declared func(d *D) bool
	// compare returns the declared and observed values as reports print
	// them, and whether they are equal by Exchange's rules.
	compare func(d *D, o *O) (desired, actual string, equal bool)
	// set copies the declared value into the spec; o is the observed
	// object, nil at creation.
	set func(d *D, o *O, c *C)
	// elements, for a field compared as a set, lists the declared
	// elements the object lacks and the observed ones not declared.
	elements func(d *D, o *O) (added, removed []string)
	// typed, for fields that are not text, returns the declared and
	// observed values as -o json|yaml types them.
	typed func(d *D, o *O) (desired, actual any)
}

// fields is a kind's field table.
type fields[D, O, C any] []field[D, O, C]

// all copies every declared field into a spec (creation).
func (fs fields[D, O, C]) all(d *D) C {
	var c C
	for _, f := range fs {
		if f.declared(d) {
			f.set(d, nil, &c)
		}
	}
	return c
}

// diff compares every declared field and returns the diffs and a spec
// holding exactly the fields that differ.
func (fs fields[D, O, C]) diff(d *D, o *O) ([]FieldDiff, C) {
	var c C
	var out []FieldDiff
	for _, f := range fs {
		if !f.declared(d) {
			continue
		}
		want, have, equal := f.compare(d, o)
		if equal {
			continue
		}
		fd := FieldDiff{Field: f.name, Desired: want, Actual: have}
		if f.elements != nil {
			fd.Added, fd.Removed = f.elements(d, o)
		}
		if f.typed != nil {
			fd.DesiredValue, fd.ActualValue = f.typed(d, o)
		}
		out = append(out, fd)
		f.set(d, o, &c)
	}
	return out, c
}

// created lists every declared field with its value, against "(none)".
func (fs fields[D, O, C]) created(d *D) []FieldDiff {
	var zero O
	var out []FieldDiff
	for _, f := range fs {
		if f.declared(d) {
			want, _, _ := f.compare(d, &zero)
			fd := FieldDiff{Field: f.name, Desired: want, Actual: "(none)"}
			if f.typed != nil {
				fd.DesiredValue, _ = f.typed(d, &zero)
			}
			out = append(out, fd)
		}
	}
	return out
}

// names lists the fields of the table.
func (fs fields[D, O, C]) names() []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.name
	}
	return out
}

// The field constructors below cover every value type the kinds declare.
// Each takes three accessors: the declared value (nil when not declared),
// the observed value, and the spec field the value goes to.

// boolField is a flag compared exactly.
func boolField[D, O, C any](name string, want func(*D) *bool, have func(*O) bool, to func(*C) **bool) field[D, O, C] {
	return field[D, O, C]{name: name,
		declared: func(d *D) bool { return want(d) != nil },
		compare: func(d *D, o *O) (string, string, bool) {
			return show(*want(d)), show(have(o)), *want(d) == have(o)
		},
		set:   func(d *D, _ *O, c *C) { *to(c) = want(d) },
		typed: func(d *D, o *O) (any, any) { return *want(d), have(o) },
	}
}

// intField is a number compared exactly.
func intField[D, O, C any](name string, want func(*D) *int, have func(*O) int, to func(*C) **int) field[D, O, C] {
	return field[D, O, C]{name: name,
		declared: func(d *D) bool { return want(d) != nil },
		compare: func(d *D, o *O) (string, string, bool) {
			return show(*want(d)), show(have(o)), *want(d) == have(o)
		},
		set:   func(d *D, _ *O, c *C) { *to(c) = want(d) },
		typed: func(d *D, o *O) (any, any) { return *want(d), have(o) },
	}
}

// foldField is a string compared case-insensitively: enum values, domain
// names, FQDNs.
func foldField[D, O, C any](name string, want func(*D) *string, have func(*O) string, to func(*C) **string) field[D, O, C] {
	return field[D, O, C]{name: name,
		declared: func(d *D) bool { return want(d) != nil },
		compare: func(d *D, o *O) (string, string, bool) {
			return show(*want(d)), show(have(o)), strings.EqualFold(*want(d), have(o))
		},
		set: func(d *D, _ *O, c *C) { *to(c) = want(d) },
	}
}

// exactField is a string compared exactly: banners, certificate names.
func exactField[D, O, C any](name string, want func(*D) *string, have func(*O) string, to func(*C) **string) field[D, O, C] {
	return field[D, O, C]{name: name,
		declared: func(d *D) bool { return want(d) != nil },
		compare: func(d *D, o *O) (string, string, bool) {
			return show(*want(d)), show(have(o)), *want(d) == have(o)
		},
		set: func(d *D, _ *O, c *C) { *to(c) = want(d) },
	}
}

// valueField is a value type with its own notion of equality (sizes,
// flag enums).
func valueField[D, O, C any, T interface {
	fmt.Stringer
	comparable
}](name string, want func(*D) *T, have func(*O) T, equal func(a, b T) bool, to func(*C) **T) field[D, O, C] {
	return field[D, O, C]{name: name,
		declared: func(d *D) bool { return want(d) != nil },
		compare: func(d *D, o *O) (string, string, bool) {
			return (*want(d)).String(), have(o).String(), equal(*want(d), have(o))
		},
		set: func(d *D, _ *O, c *C) { *to(c) = want(d) },
	}
}

// setField is a list compared as a set by equal.
func setField[D, O, C any, T fmt.Stringer](name string, want func(*D) []T, have func(*O) []T, equal func(a, b []T) bool, to func(*C) *[]T) field[D, O, C] {
	same := func(a, b T) bool { return equal([]T{a}, []T{b}) }
	return field[D, O, C]{name: name,
		declared: func(d *D) bool { return want(d) != nil },
		compare: func(d *D, o *O) (string, string, bool) {
			return show(showList(want(d))), show(showList(have(o))), equal(want(d), have(o))
		},
		set: func(d *D, _ *O, c *C) { *to(c) = want(d) },
		elements: func(d *D, o *O) ([]string, []string) {
			return setChanges(want(d), have(o), same, T.String)
		},
		typed: func(d *D, o *O) (any, any) { return stringList(want(d)), stringList(have(o)) },
	}
}

// stringList prints each element (never nil: an empty list is []).
func stringList[T fmt.Stringer](l []T) []string {
	out := []string{}
	for _, x := range l {
		out = append(out, x.String())
	}
	return out
}

// setChanges lists the elements of want missing from have and those of
// have missing from want, printed by str.
func setChanges[T any](want, have []T, same func(a, b T) bool, str func(T) string) (added, removed []string) {
	in := func(x T, list []T) bool {
		for _, y := range list {
			if same(x, y) {
				return true
			}
		}
		return false
	}
	for _, x := range want {
		if !in(x, have) {
			added = append(added, str(x))
		}
	}
	for _, y := range have {
		if !in(y, want) {
			removed = append(removed, str(y))
		}
	}
	return added, removed
}

// foldSetField is a list of names compared as a case-insensitive set.
func foldSetField[D, O, C any](name string, want func(*D) []string, have func(*O) []string, to func(*C) *[]string) field[D, O, C] {
	return field[D, O, C]{name: name,
		declared: func(d *D) bool { return want(d) != nil },
		compare: func(d *D, o *O) (string, string, bool) {
			return show(want(d)), show(have(o)), value.EqualFoldSets(want(d), have(o))
		},
		set: func(d *D, _ *O, c *C) { *to(c) = want(d) },
		elements: func(d *D, o *O) ([]string, []string) {
			return setChanges(want(d), have(o), strings.EqualFold, func(s string) string { return s })
		},
		typed: func(d *D, o *O) (any, any) { return append([]string{}, want(d)...), append([]string{}, have(o)...) },
	}
}

// commentField is a connector's Comment: compared without exreconcile's
// markers (ownership, credential fingerprint), and set keeping those the
// connector has.
func commentField[D, O, C any](want func(*D) *string, have func(*O) string, to func(*C) **string) field[D, O, C] {
	return field[D, O, C]{name: "comment",
		declared: func(d *D) bool { return want(d) != nil },
		compare: func(d *D, o *O) (string, string, bool) {
			w, h := normalComment(*want(d)), normalComment(userComment(have(o)))
			return show(w), show(h), w == h
		},
		set: func(d *D, o *O, c *C) {
			// The markers stay as they are: a comment change never changes
			// who owns the connector, nor the credential's fingerprint.
			// Creation marks it (create).
			v := normalComment(*want(d))
			if o != nil {
				cur := have(o)
				v = withMarker(withMarker(v, markerOf(cur)), credentialMarkerOf(cur))
			}
			*to(c) = &v
		},
	}
}

// normalComment is a comment as Exchange keeps it: line ends as LF (a CR
// comes back as LF), without leading or trailing white space (a YAML block
// scalar ends in a newline that Exchange drops), so that a declared
// `comment: |` converges instead of being sent on every apply.
func normalComment(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
}

// enumPtr turns a typed enum field of the api into the string the exchange
// spec carries.
func enumPtr[T ~string](p *T) *string {
	if p == nil {
		return nil
	}
	s := string(*p)
	return &s
}

// intPtr turns a declared int32 into the int the exchange spec carries.
func intPtr(p *int32) *int {
	if p == nil {
		return nil
	}
	n := int(*p)
	return &n
}

// connector is the resource of a connector-like kind, built from its field
// table and the few operations that differ per kind.
type connector[D, O, C any] struct {
	id   v1alpha1.Identity
	decl *D // nil for a pruned object
	cur  *O // nil when not observed
	gone bool
	v    exchange.Version
	ops  *connectorOps[D, O, C]
	// owner is the organisation's spec.owner, named by the marker of
	// what create makes.
	owner string
	extra []Note
	// pending is the spec of the fields diff found different.
	pending C
}

// connectorOps is what a connector-like kind adds to its field table.
type connectorOps[D, O, C any] struct {
	fields fields[D, O, C]
	// protected returns why the object is never removed, or "".
	protected func(id v1alpha1.Identity) string
	// replacement reports a creation-only field that differs.
	replacement func(d *D, o *O) (Note, bool)
	// companions adds the parameters Exchange wants on the same command
	// line as a changed one (want is every declared field).
	companions func(want C, change *C)
	// adjust may take out of the diffs and the change what exreconcile
	// refuses to change, with the note that says why.
	adjust func(id v1alpha1.Identity, diffs []FieldDiff, change *C) ([]FieldDiff, []Note)
	// create, set and remove build the calls for version v.
	create func(id v1alpha1.Identity, d *D, want C, v exchange.Version, marker string) ([]exchange.Call, error)
	set    func(id v1alpha1.Identity, o *O, change C, v exchange.Version) ([]exchange.Call, error)
	remove func(id v1alpha1.Identity, o *O) []exchange.Call
}

func (c *connector[D, O, C]) identity() v1alpha1.Identity { return c.id }
func (c *connector[D, O, C]) absent() bool                { return c.gone }
func (c *connector[D, O, C]) exists() bool                { return c.cur != nil }
func (c *connector[D, O, C]) notes() []Note               { return c.extra }
func (c *connector[D, O, C]) observed() map[string]string { return nil }

func (c *connector[D, O, C]) protected() string {
	if c.ops.protected == nil {
		return ""
	}
	return c.ops.protected(c.id)
}

func (c *connector[D, O, C]) diff() []FieldDiff {
	diffs, change := c.ops.fields.diff(c.decl, c.cur)
	if c.ops.companions != nil && len(diffs) > 0 {
		c.ops.companions(c.ops.fields.all(c.decl), &change)
	}
	if c.ops.adjust != nil {
		var notes []Note
		diffs, notes = c.ops.adjust(c.id, diffs, &change)
		c.extra = append(c.extra, notes...)
	}
	c.pending = change
	return diffs
}

func (c *connector[D, O, C]) replacement() (Note, bool) {
	if c.ops.replacement == nil || c.protected() != "" {
		return Note{}, false
	}
	return c.ops.replacement(c.decl, c.cur)
}

func (c *connector[D, O, C]) created() []FieldDiff { return c.ops.fields.created(c.decl) }

func (c *connector[D, O, C]) create() ([]exchange.Call, error) {
	return c.ops.create(c.id, c.decl, c.ops.fields.all(c.decl), c.v, ownerMarker(c.owner))
}

func (c *connector[D, O, C]) change() ([]exchange.Call, error) {
	return c.ops.set(c.id, c.cur, c.pending, c.v)
}

func (c *connector[D, O, C]) remove() []exchange.Call { return c.ops.remove(c.id, c.cur) }
