package exchange

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// field is one property of an Exchange object, in output order.
type field struct {
	name string
	k    kind
	// since/until gate the property by version (until 0: still there).
	since, until Version
	// param: New-/Set- take a parameter of the same name that sets it.
	param bool
	// computed: the value is derived when the object is written (Identity,
	// DistinguishedName, ...), not stored.
	computed bool
}

func (f *field) in(v Version) bool {
	return v >= f.since && (f.until == 0 || v <= f.until)
}

// schema is the ordered property list of one object kind.
type schema struct {
	typeNames []string // most derived first
	fields    []*field
	index     map[string]*field
}

func newSchema(typeNames []string, fields ...*field) *schema {
	s := &schema{typeNames: typeNames, fields: fields, index: map[string]*field{}}
	for _, f := range fields {
		if f.since == 0 {
			f.since = V2010
		}
		s.index[strings.ToLower(f.name)] = f
	}
	return s
}

func (s *schema) get(name string) *field { return s.index[strings.ToLower(name)] }

// Field constructors keep the schema tables readable.
func p(name string, k kind) *field     { return &field{name: name, k: k, param: true} }
func ro(name string, k kind) *field    { return &field{name: name, k: k} }
func cp(name string, k kind) *field    { return &field{name: name, k: k, computed: true} }
func (f *field) from(v Version) *field { f.since = v; return f }
func (f *field) upTo(v Version) *field { f.until = v; return f }
func (f *field) readOnly() *field      { f.param = false; return f }
func sized(unlimited bool, min, max uint64) sizeKind {
	return sizeKind{unlimited: unlimited, min: min, max: max}
}

// record holds the stored values of one object, keyed by field name.
type record map[string]any

func (r record) clone() record {
	out := make(record, len(r))
	for k, v := range r {
		if l, ok := v.([]any); ok {
			v = append([]any(nil), l...)
		}
		out[k] = v
	}
	return out
}

func (r record) bool(name string) bool {
	b, _ := r[name].(bool)
	return b
}

func (r record) flags(name string) uint64 {
	n, _ := r[name].(uint64)
	return n
}

func (r record) has(name string) bool { return r[name] != nil }

func (r record) list(name string) []any {
	l, _ := r[name].([]any)
	return l
}

func (r record) str(name string) string {
	if v := r[name]; v != nil {
		return fmt.Sprint(v)
	}
	return ""
}

// applyArgs sets every bound parameter that names a settable field of s on
// rec, in parameter order so that the first bad value is the one reported.
// Multi-valued parameters accept @{Add=...; Remove=...}.
func (x *invocation) applyArgs(s *schema, rec record) error {
	for _, spec := range x.c.params {
		f := s.get(spec.Name)
		if f == nil || !f.param || f.computed || !f.in(x.version) {
			continue
		}
		arg, ok := x.call.Args[spec.Name]
		if !ok {
			continue
		}
		var val any
		var err error
		if lk, isList := f.k.(listKind); isList {
			if h, isHash := arg.(*ps.Hashtable); isHash {
				val, err = lk.update(rec.list(f.name), h)
			} else {
				val, err = lk.parse(arg)
			}
		} else {
			val, err = f.k.parse(arg)
		}
		if err != nil {
			return x.bindErr(spec.Name, arg, err)
		}
		rec[f.name] = val
	}
	return nil
}

// object writes rec as a PowerShell object: the schema's properties for the
// version, in order, computed ones from computed. Through a remote session
// RunspaceId comes first (docs/exchange.md "How Exchange objects print"). The caller appends the AD tail.
func (r *render) object(s *schema, rec record, computed map[string]any) *props {
	p := r.newObject(s.typeNames...)
	for _, f := range s.fields {
		if !f.in(r.version) {
			continue
		}
		var v any
		if f.computed {
			v = computed[f.name]
		} else if raw, ok := rec[f.name]; ok && raw != nil {
			v = f.k.output(r, raw)
		} else if lk, isList := f.k.(listKind); isList {
			v = lk.output(r, nil)
		}
		p.add(f.name, v, f.k.typeName())
	}
	return p
}

// date is a DateTime value in the org's time zone.
func (r *render) date(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ps.DateTime{Time: t.In(r.org.loc), Text: formatDate(t.In(r.org.loc))}
}

// unchanged reports a Set-* that changes nothing, with Exchange's warning
// ("The command completed successfully but no settings of 'X' have been
// modified.", as admins see it after a no-op Set).
func (x *invocation) unchanged(s *schema, before, after record, identity string) bool {
	if !reflect.DeepEqual(encodeRecord(s, before), encodeRecord(s, after)) {
		return false
	}
	x.call.WriteWarning(fmt.Sprintf("The command completed successfully but no settings of '%s' have been modified.", identity))
	return true
}

// encodeRecord writes the stored fields of rec for the state file.
func encodeRecord(s *schema, rec record) map[string]any {
	out := map[string]any{}
	for _, f := range s.fields {
		if f.computed {
			continue
		}
		if v, ok := rec[f.name]; ok {
			if v == nil {
				out[f.name] = nil
				continue
			}
			out[f.name] = f.k.encode(v)
		}
	}
	return out
}

// decodeRecord reads state-file values over the defaults in rec.
func decodeRecord(s *schema, rec record, in map[string]any) error {
	for k, v := range in {
		f := s.get(k)
		if f == nil || f.computed {
			return fmt.Errorf("unknown property %q", k)
		}
		if v == nil {
			rec[f.name] = nil
			continue
		}
		val, err := f.k.parse(v)
		if err != nil {
			return fmt.Errorf("property %s: %v", f.name, err)
		}
		rec[f.name] = val
	}
	return nil
}
