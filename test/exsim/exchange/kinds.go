package exchange

import (
	"fmt"
	"strings"
	"time"

	"github.com/exreconcile/exreconcile/test/exsim/ps"
)

// kind is the type of one property: how a PowerShell argument converts to
// the model's value, how the value prints on output objects, and how it is
// written to the state file. Connectors and TransportConfig are records of
// such values so that New-/Set- apply their parameters generically and the
// rules below stay short.
type kind interface {
	typeName() string
	parse(v any) (any, error)
	output(r *render, v any) any
	encode(v any) any
}

// render knows how the objects of one cmdlet call are presented: through a
// remote session (Deserialized type names, RunspaceId) or the snap-in.
type render struct {
	remote     bool
	runspaceID string
	version    Version
	org        *Org
	srv        *Server
}

// primitiveTypes keep their type name through remoting serialization.
var primitiveTypes = map[string]bool{
	"System.String": true, "System.Boolean": true, "System.Int32": true, "System.Int64": true,
	"System.UInt32": true, "System.Double": true, "System.DateTime": true, "System.Guid": true,
	"System.TimeSpan": true, "System.Byte[]": true, "System.Object": true,
}

// tn returns t as it appears on objects of this call: the remote session
// returns deserialized property bags whose type names carry "Deserialized."
// [KB ff326156]; primitives keep their type.
func (r *render) tn(t string) string {
	if r == nil || !r.remote || primitiveTypes[t] {
		return t
	}
	return "Deserialized." + t
}

type boolKind struct{}

func (boolKind) typeName() string { return "System.Boolean" }
func (boolKind) parse(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "$true":
			return true, nil
		case "false", "$false":
			return false, nil
		}
	case int, int64, float64:
		n, _ := toInt64(x)
		return n != 0, nil
	}
	return nil, badValue(v, "System.Boolean", "Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.")
}
func (boolKind) output(_ *render, v any) any { return v }
func (boolKind) encode(v any) any            { return v }

type intKind struct{ min, max int64 }

func (intKind) typeName() string { return "System.Int32" }
func (k intKind) parse(v any) (any, error) {
	n, ok := toInt64(v)
	if !ok {
		return nil, badValue(v, "System.Int32", "Input string was not in a correct format.")
	}
	if n < k.min || n > k.max {
		return nil, &rangeError{value: n, min: k.min, max: k.max}
	}
	return int(n), nil
}
func (intKind) output(_ *render, v any) any { return v }
func (intKind) encode(v any) any            { return v }

// rangeError is a ValidateRange failure, reported by the binder's wording.
type rangeError struct{ value, min, max int64 }

func (e *rangeError) Error() string {
	if e.value < e.min {
		return fmt.Sprintf("The %d argument is less than the minimum allowed range of %d. Supply an argument that is greater than or equal to %d and then try the command again.", e.value, e.min, e.min)
	}
	return fmt.Sprintf("The %d argument is greater than the maximum allowed range of %d. Supply an argument that is less than or equal to %d and then try the command again.", e.value, e.max, e.max)
}

type stringKind struct{ nullable bool }

func (stringKind) typeName() string { return "System.String" }
func (k stringKind) parse(v any) (any, error) {
	if v == nil {
		if k.nullable {
			return nil, nil
		}
		return "", nil
	}
	s := fmt.Sprint(v)
	if s == "" && k.nullable {
		return nil, nil
	}
	return s, nil
}
func (stringKind) output(_ *render, v any) any { return v }
func (stringKind) encode(v any) any            { return v }

type enumKind struct {
	e        *enumDef
	nullable bool
}

func (k enumKind) typeName() string { return k.e.typ }
func (k enumKind) parse(v any) (any, error) {
	if v == nil || v == "" {
		if k.nullable {
			return nil, nil
		}
		return nil, k.e.convErr(v)
	}
	return k.e.parse(v)
}
func (k enumKind) output(r *render, v any) any {
	if v == nil {
		return nil
	}
	return scalar{typ: r.tn(k.e.typ), text: k.e.format(v.(uint64))}
}
func (k enumKind) encode(v any) any {
	if v == nil {
		return nil
	}
	return k.e.format(v.(uint64))
}

const (
	tByteSize   = "Microsoft.Exchange.Data.ByteQuantifiedSize"
	tUnlSize    = "Microsoft.Exchange.Data.Unlimited`1[Microsoft.Exchange.Data.ByteQuantifiedSize]"
	tUnlInt     = "Microsoft.Exchange.Data.Unlimited`1[System.Int32]"
	tTimeSpan   = "Microsoft.Exchange.Data.EnhancedTimeSpan"
	tADObjectID = "Microsoft.Exchange.Data.Directory.ADObjectId"
	tMVP        = "Microsoft.Exchange.Data.MultiValuedProperty`1"
	tADMVP      = "Microsoft.Exchange.Data.Directory.ADMultiValuedProperty`1"
	tDateTime   = "System.DateTime"
	tCredential = "System.Management.Automation.PSCredential"
)

type sizeKind struct {
	unlimited bool
	min, max  uint64
}

func (k sizeKind) typeName() string {
	if k.unlimited {
		return tUnlSize
	}
	return tByteSize
}
func (k sizeKind) parse(v any) (any, error) {
	b, err := parseSize(v, k.unlimited, k.typeName())
	if err != nil {
		return nil, err
	}
	if !b.Unlimited && k.max > 0 && (b.Bytes < k.min || b.Bytes > k.max) {
		return nil, badValue(v, k.typeName(), "The value must be between %s and %s.",
			byteSize{Bytes: k.min}, byteSize{Bytes: k.max})
	}
	return b, nil
}
func (k sizeKind) output(r *render, v any) any {
	return scalar{typ: r.tn(k.typeName()), text: v.(byteSize).String()}
}
func (sizeKind) encode(v any) any { return v.(byteSize).encode() }

type unlimitedIntKind struct{ min, max int64 }

func (unlimitedIntKind) typeName() string { return tUnlInt }
func (k unlimitedIntKind) parse(v any) (any, error) {
	u, err := parseUnlimitedInt(v, tUnlInt)
	if err != nil {
		return nil, err
	}
	if !u.Unlimited && (u.N < k.min || u.N > k.max) {
		return nil, badValue(v, tUnlInt, "The value must be between %d and %d or unlimited.", k.min, k.max)
	}
	return u, nil
}
func (unlimitedIntKind) output(r *render, v any) any {
	return scalar{typ: r.tn(tUnlInt), text: v.(unlimitedInt).String()}
}
func (unlimitedIntKind) encode(v any) any { return v.(unlimitedInt).String() }

type spanKind struct{ min, max time.Duration }

func (spanKind) typeName() string { return tTimeSpan }
func (k spanKind) parse(v any) (any, error) {
	d, err := parseTimeSpan(v, tTimeSpan)
	if err != nil {
		return nil, err
	}
	if d < k.min || (k.max > 0 && d > k.max) {
		return nil, badValue(v, tTimeSpan, "The value must be between %s and %s.", formatTimeSpan(k.min), formatTimeSpan(k.max))
	}
	return d, nil
}
func (spanKind) output(r *render, v any) any {
	return scalar{typ: r.tn(tTimeSpan), text: formatTimeSpan(v.(time.Duration))}
}
func (spanKind) encode(v any) any { return formatTimeSpan(v.(time.Duration)) }

// valueKind is a single value with its own syntax (Fqdn, SmartHost, ...).
type valueKind struct {
	typ      string
	nullable bool
	fn       func(any) (fmt.Stringer, error)
}

func (k valueKind) typeName() string { return k.typ }
func (k valueKind) parse(v any) (any, error) {
	if v == nil || v == "" {
		if k.nullable {
			return nil, nil
		}
		return nil, badValue(v, k.typ, "The value can't be empty.")
	}
	if o, ok := v.(*ps.Object); ok {
		v = objectText(o)
	}
	return k.fn(v)
}
func (k valueKind) output(r *render, v any) any {
	if v == nil {
		return nil
	}
	return scalar{typ: r.tn(k.typ), text: v.(fmt.Stringer).String()}
}
func (valueKind) encode(v any) any {
	if v == nil {
		return nil
	}
	return v.(fmt.Stringer).String()
}

func stringer[T fmt.Stringer](f func(any) (T, error)) func(any) (fmt.Stringer, error) {
	return func(v any) (fmt.Stringer, error) {
		x, err := f(v)
		if err != nil {
			return nil, err
		}
		return x, nil
	}
}

var (
	kAddressSpace = valueKind{typ: tAddressSpace, fn: stringer(parseAddressSpace)}
	kBinding      = valueKind{typ: tIPBinding, fn: stringer(parseBinding)}
	kIPRange      = valueKind{typ: tIPRange, fn: stringer(parseIPRange)}
	kSmartHost    = valueKind{typ: tSmartHost, fn: stringer(parseSmartHost)}
	kFqdn         = valueKind{typ: tFqdn, nullable: true, fn: stringer(parseFqdn)}
	kX509Id       = valueKind{typ: tX509Id, nullable: true, fn: stringer(parseX509Id)}
	kIPAddress    = valueKind{typ: tIPAddress, fn: stringer(parseIPAddress)}
	kDomainCap    = valueKind{typ: tDomainCap, fn: stringer(parseDomainCapability)}
	kSmtpDomain   = valueKind{typ: tSmtpDomain, fn: stringer(func(v any) (domainValue, error) { return parseDomain(v, false) })}
	kTlsDomain    = valueKind{typ: tSmtpDomainWS, nullable: true, fn: stringer(func(v any) (domainValue, error) { return parseDomain(v, true) })}
	kServerRef    = valueKind{typ: tADObjectID, fn: stringer(func(v any) (plainText, error) { return plainText(strings.TrimSpace(fmt.Sprint(v))), nil })}
	kText         = valueKind{typ: "System.String", nullable: true, fn: stringer(func(v any) (plainText, error) { return plainText(fmt.Sprint(v)), nil })}
)

// plainText is a value kept as typed (server references, addresses).
type plainText string

func (p plainText) String() string { return string(p) }

// listKind is a MultiValuedProperty of elem.
type listKind struct {
	elem kind
	typ  string // full generic type name
}

func mvp(elem kind) listKind {
	return listKind{elem: elem, typ: tMVP + "[" + elem.typeName() + "]"}
}

func (k listKind) typeName() string { return k.typ }

// parse replaces the whole list (Value1,Value2 overwrites, docs/exchange.md "Multi-valued properties").
func (k listKind) parse(v any) (any, error) {
	items := flatten(v)
	out := make([]any, 0, len(items))
	for _, it := range items {
		x, err := k.elem.parse(it)
		if err != nil {
			return nil, err
		}
		if indexOf(out, x) >= 0 {
			return nil, badValue(v, k.typ, "The value %q is already present in the collection.", fmt.Sprint(x))
		}
		out = append(out, x)
	}
	return out, nil
}

// update applies @{Add=...; Remove=...} to cur without touching other entries.
func (k listKind) update(cur []any, h *ps.Hashtable) ([]any, error) {
	out := append([]any(nil), cur...)
	for _, key := range h.Keys {
		val := h.Values[strings.ToLower(key)]
		add, err := k.parse(val)
		if err != nil {
			return nil, err
		}
		switch strings.ToLower(key) {
		case "add":
			for _, a := range add.([]any) {
				if indexOf(out, a) < 0 {
					out = append(out, a)
				}
			}
		case "remove":
			for _, a := range add.([]any) {
				if i := indexOf(out, a); i >= 0 {
					out = append(out[:i], out[i+1:]...)
				}
			}
		default:
			return nil, badValue(key, k.typ, "The hash table key %q isn't valid. Use Add or Remove.", key)
		}
	}
	return out, nil
}

func (k listKind) output(r *render, v any) any {
	items, _ := v.([]any)
	c := &ps.Collection{TypeName: r.tn(k.typ), Items: make([]any, 0, len(items))}
	for _, it := range items {
		c.Items = append(c.Items, k.elem.output(r, it))
	}
	return c
}

func (k listKind) encode(v any) any {
	items, _ := v.([]any)
	out := make([]any, 0, len(items))
	for _, it := range items {
		out = append(out, k.elem.encode(it))
	}
	return out
}

// indexOf compares list items by their text, case-insensitively, as
// Exchange's MultiValuedProperty compares domains and hosts.
func indexOf(list []any, x any) int {
	for i, it := range list {
		if strings.EqualFold(fmt.Sprint(it), fmt.Sprint(x)) {
			return i
		}
	}
	return -1
}

// flatten turns an argument into a list of items: nil -> none, a string ->
// one item, arrays -> their items.
func flatten(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		var out []any
		for _, it := range x {
			out = append(out, flatten(it)...)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case *ps.Collection:
		return flatten(x.Items)
	case *ps.Object:
		return []any{objectText(x)}
	}
	return []any{v}
}

// objectText is the identity text of a pipeline object.
func objectText(o *ps.Object) string {
	for _, n := range []string{"Identity", "Thumbprint", "Name"} {
		if p := o.Get(n); p != nil && p.Value != nil {
			return fmt.Sprint(p.Value)
		}
	}
	return ""
}

type credKind struct{}

// credential is a stored AuthenticationCredential.
type credential struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

func (credKind) typeName() string { return tCredential }
func (credKind) parse(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case *ps.Credential:
		c := &credential{User: x.UserName}
		if x.Password != nil {
			c.Password = x.Password.Plain()
		}
		return c, nil
	case map[string]any:
		return &credential{User: fmt.Sprint(x["user"]), Password: fmt.Sprint(x["password"])}, nil
	}
	return nil, badValue(v, tCredential, "Cannot convert the \"%v\" value of type \"%T\" to type \"System.Management.Automation.PSCredential\".", v, v)
}
func (credKind) output(_ *render, v any) any {
	c, _ := v.(*credential)
	if c == nil {
		return nil
	}
	return &ps.Credential{UserName: c.User, Password: ps.NewSecureString(c.Password)}
}
func (credKind) encode(v any) any {
	c, _ := v.(*credential)
	if c == nil {
		return nil
	}
	return map[string]any{"user": c.User, "password": c.Password}
}
