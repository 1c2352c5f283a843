package v1alpha1

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// Limits that keep a hostile or broken document (alias bombs, deep nesting) from exhausting
// memory or the stack; real manifests are far below both.
const (
	maxNodesPerDocument = 100_000
	maxDepth            = 64
)

// Error strings for decoding.
const (
	msgUnknownField    = "unknown field %q"
	msgDuplicateField  = "field %q is given twice (first at line %d)"
	msgRequired        = "required field is missing"
	msgEmpty           = "must not be empty"
	msgMergeKey        = "YAML merge keys (<<) are not supported; write the fields out"
	msgKeyNotString    = "a field name must be a plain string"
	msgTooLarge        = "document too large (more than %d nodes, after expanding aliases)"
	msgTooDeep         = "document nested too deeply (more than %d levels)"
	msgExpected        = "expected %s, got %s"
	msgIntRange        = "%s is out of range"
	msgUnsupportedType = "cannot decode into %s"
)

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// A decoder walks a yaml.Node tree against a Go type, the way encoding/json would, but strictly
// (unknown and duplicate fields are errors, a number is not a string) and recording the
// position of every node, so that every error and every later validation message carries a
// file, line, column and field path. It goes on after an error to report them all.
type decoder struct {
	origin *origin
	report func(path string, pos Position, msg string)
	// checked holds required paths already checked by the caller, which are not reported again.
	checked map[string]bool
	nodes   int
	halted  bool
}

func (d *decoder) fail(path string, n *yaml.Node, format string, args ...any) {
	d.origin.failed[path] = true
	d.report(path, nodePos(n), fmt.Sprintf(format, args...))
}

// decode sets v (addressable) from n. key is the mapping key n was found under, if any.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, key *yaml.Node, depth int) {
	if d.halted {
		return
	}
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxDepth; i++ {
		n = n.Alias
	}
	if d.nodes++; d.nodes > maxNodesPerDocument {
		d.halted = true
		d.fail(path, n, msgTooLarge, maxNodesPerDocument)
		return
	}
	if depth > maxDepth || n.Kind == yaml.AliasNode {
		d.halted = true
		d.fail(path, n, msgTooDeep, maxDepth)
		return
	}
	fp := fieldPos{value: nodePos(n), collection: n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode}
	if key != nil {
		fp.key = nodePos(key)
	}
	d.origin.fields[path] = fp
	if isNull(n) {
		return // null leaves the field unset: not managed
	}

	t := v.Type()
	if t.Kind() == reflect.Pointer {
		elem := reflect.New(t.Elem())
		if d.decodeValue(n, elem.Elem(), path, depth) {
			v.Set(elem)
		}
		return
	}
	d.decodeValue(n, v, path, depth)
}

// decodeValue decodes n into the non-pointer v and reports whether it succeeded.
func (d *decoder) decodeValue(n *yaml.Node, v reflect.Value, path string, depth int) bool {
	t := v.Type()
	switch {
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		if n.Kind != yaml.ScalarNode {
			d.fail(path, n, msgExpected, "a string", describe(n))
			return false
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.fail(path, n, "%s", err.Error())
			return false
		}
		return true
	case reflect.PointerTo(t).Implements(jsonUnmarshalerType):
		j, ok := d.nodeJSON(n, 0)
		if !ok {
			d.halted = true
			d.fail(path, n, msgTooLarge, maxNodesPerDocument)
			return false
		}
		b, err := json.Marshal(j)
		if err == nil {
			err = v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(b)
		}
		if err != nil {
			d.fail(path, n, "%s", err.Error())
			return false
		}
		return true
	}

	switch t.Kind() {
	case reflect.Struct:
		return d.decodeStruct(n, v, path, depth)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(path, n, msgExpected, "a list", describe(n))
			return false
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), path+"["+strconv.Itoa(i)+"]", nil, depth+1)
		}
		v.Set(s)
		return true
	case reflect.Map:
		return d.decodeMap(n, v, path, depth)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			d.fail(path, n, msgExpected, "a string", describe(n)+quoteHint(n))
			return false
		}
		v.SetString(n.Value)
		return true
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || err != nil {
			d.fail(path, n, msgExpected, "true or false", describe(n))
			return false
		}
		v.SetBool(b)
		return true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			d.fail(path, n, msgExpected, "a whole number", describe(n))
			return false
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, t.Bits())
		if err != nil {
			d.fail(path, n, msgIntRange, n.Value)
			return false
		}
		v.SetInt(i)
		return true
	}
	d.fail(path, n, msgUnsupportedType, t)
	return false
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string, depth int) bool {
	if n.Kind != yaml.MappingNode {
		d.fail(path, n, msgExpected, "a mapping", describe(n))
		return false
	}
	fields := fieldsOf(v.Type())
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.fail(path, k, msgKeyNotString)
			continue
		}
		fpath := joinPath(path, k.Value)
		if k.ShortTag() == "!!merge" {
			d.fail(fpath, k, msgMergeKey)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(fpath, k, msgDuplicateField, k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		f, ok := fields.byName[k.Value]
		if !ok {
			d.fail(fpath, k, "%s", unknownFieldMessage(k.Value, fields.names))
			continue
		}
		if f.required && isNull(val) {
			// A required field written as null (`spec:` with nothing below) is as missing as
			// one left out.
			d.fail(fpath, k, msgRequired)
			continue
		}
		fv := v.FieldByIndex(f.index)
		d.decode(val, fv, fpath, k, depth+1)
		if f.nonEmpty && fv.Kind() == reflect.String && fv.String() == "" && !d.origin.failed[fpath] {
			d.fail(fpath, val, msgEmpty)
		}
	}
	for _, f := range fields.list {
		if f.required && seen[f.name] == nil && !d.checked[joinPath(path, f.name)] {
			d.origin.failed[joinPath(path, f.name)] = true
			d.report(joinPath(path, f.name), d.origin.position(path), msgRequired)
		}
	}
	return true
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string, depth int) bool {
	if n.Kind != yaml.MappingNode {
		d.fail(path, n, msgExpected, "a mapping", describe(n))
		return false
	}
	t := v.Type()
	m := reflect.MakeMapWithSize(t, len(n.Content)/2)
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || t.Key().Kind() != reflect.String {
			d.fail(path, k, msgKeyNotString)
			continue
		}
		kpath := path + "[" + strconv.Quote(k.Value) + "]"
		if first, dup := seen[k.Value]; dup {
			d.fail(kpath, k, msgDuplicateField, k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		elem := reflect.New(t.Elem()).Elem()
		d.decode(val, elem, kpath, k, depth+1)
		m.SetMapIndex(reflect.ValueOf(k.Value).Convert(t.Key()), elem)
	}
	v.Set(m)
	return true
}

// A structField is one field of a struct as YAML sees it: its json name and where it is.
type structField struct {
	name     string
	index    []int
	required bool
	// nonEmpty is set by the schema tag minLength=1: an empty string is as good as missing.
	nonEmpty bool
}

type structFields struct {
	list   []structField
	byName map[string]structField
	names  []string // sorted, for "allowed fields" messages
}

var fieldCache sync.Map // reflect.Type -> *structFields

// fieldsOf lists the fields of t under their json names, inlining anonymous structs that have
// no json name (TypeMeta), as encoding/json does.
func fieldsOf(t reflect.Type) *structFields {
	if c, ok := fieldCache.Load(t); ok {
		return c.(*structFields)
	}
	sf := &structFields{byName: map[string]structField{}}
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			idx := append(slices.Clone(index), i)
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type, idx)
				continue
			}
			if name == "" {
				name = f.Name
			}
			tags := strings.Split(f.Tag.Get("jsonschema"), ",")
			field := structField{name: name, index: idx, required: slices.Contains(tags, "required"), nonEmpty: slices.Contains(tags, "minLength=1")}
			sf.list = append(sf.list, field)
			sf.byName[name] = field
			sf.names = append(sf.names, name)
		}
	}
	walk(t, nil)
	slices.Sort(sf.names)
	c, _ := fieldCache.LoadOrStore(t, sf)
	return c.(*structFields)
}

// unknownFieldMessage names the field and either the field the author probably meant (a
// letter-case slip or a typo) or every allowed field.
func unknownFieldMessage(name string, allowed []string) string {
	msg := fmt.Sprintf(msgUnknownField, name)
	best, bestDist := "", 3
	for _, a := range allowed {
		if strings.EqualFold(a, name) {
			return msg + fmt.Sprintf("; did you mean %q?", a)
		}
		if d := editDistance(strings.ToLower(a), strings.ToLower(name)); d < bestDist && len(name) > 3 {
			best, bestDist = a, d
		}
	}
	if best != "" {
		return msg + fmt.Sprintf("; did you mean %q?", best)
	}
	return msg + "; allowed fields: " + strings.Join(allowed, ", ")
}

// editDistance is the Levenshtein distance, used only to suggest a field name.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func nodePos(n *yaml.Node) Position { return Position{Line: n.Line, Column: n.Column} }

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what a node holds, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return "the string " + strconv.Quote(n.Value)
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		case "!!null":
			return "null"
		}
		return strconv.Quote(n.Value)
	}
	return "nothing"
}

// quoteHint tells the author how to write a scalar YAML read as another type as a string.
func quoteHint(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!str" {
		return fmt.Sprintf(" (quote it: %q)", n.Value)
	}
	return ""
}

// nodeJSON converts a node to JSON for types that only implement json.Unmarshaler. Those are
// Exchange value types written as text, so every scalar becomes a JSON string (`maxMessageSize:
// 10485760` is the text "10485760", as Exchange would read it), and null stays null. Aliases
// are expanded, so the conversion counts against the document's node budget; it reports false
// when the budget runs out.
func (d *decoder) nodeJSON(n *yaml.Node, depth int) (any, bool) {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxDepth; i++ {
		n = n.Alias
	}
	if d.nodes++; d.nodes > maxNodesPerDocument || depth > maxDepth {
		return nil, false
	}
	switch n.Kind {
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, ok := d.nodeJSON(c, depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case yaml.MappingNode:
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, ok := d.nodeJSON(n.Content[i+1], depth+1)
			if !ok {
				return nil, false
			}
			out[n.Content[i].Value] = v
		}
		return out, true
	case yaml.ScalarNode:
		if isNull(n) {
			return nil, true
		}
		return n.Value, true
	}
	return nil, true
}
