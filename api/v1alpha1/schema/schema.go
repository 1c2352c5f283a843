// Package schema generates the JSON Schema of every v1alpha1 kind from the Go types, with the
// field doc comments as descriptions, so that editors can complete and check manifests. The
// committed files in manifests/schema are compared with a fresh generation by this package's
// test; `make schema` (go run ./hack/schemagen) rewrites them.
package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange/value"
)

// BaseID is the URL prefix of the schemas' $id.
const BaseID = "https://exreconcile.io/schema/" + v1alpha1.Version + "/"

// kinds maps each kind to an empty object of it.
var kinds = map[string]any{
	v1alpha1.KindExchangeOrganization:   &v1alpha1.ExchangeOrganization{},
	v1alpha1.KindSendConnector:          &v1alpha1.SendConnector{},
	v1alpha1.KindReceiveConnector:       &v1alpha1.ReceiveConnector{},
	v1alpha1.KindTransportConfig:        &v1alpha1.TransportConfig{},
	v1alpha1.KindExchangeCertificate:    &v1alpha1.ExchangeCertificate{},
	v1alpha1.KindTrustedRootCertificate: &v1alpha1.TrustedRootCertificate{},
	v1alpha1.KindHybridConfiguration:    &v1alpha1.HybridConfiguration{},
}

// FileName returns the schema file name of a kind: sendconnector.json.
func FileName(kind string) string { return strings.ToLower(kind) + ".json" }

// Generate returns the schema of every kind, keyed by FileName, as indented JSON with a trailing
// newline. Descriptions come from the doc comments of the api/v1alpha1 sources, read from the
// folder this package was built from.
func Generate() (map[string][]byte, error) {
	comments, err := readComments(sourceDir())
	if err != nil {
		return nil, fmt.Errorf("cannot read doc comments: %w", err)
	}
	out := map[string][]byte{}
	for _, kind := range v1alpha1.Kinds {
		r := &jsonschema.Reflector{
			RequiredFromJSONSchemaTags: true,
			DoNotReference:             true,
			ExpandedStruct:             true,
			Anonymous:                  true,
			Mapper:                     mapType,
			LookupComment:              comments.lookup,
		}
		s := r.Reflect(kinds[kind])
		s.ID = jsonschema.ID(BaseID + FileName(kind))
		s.Title = kind
		if p, ok := s.Properties.Get("kind"); ok {
			p.Const = kind
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			return nil, fmt.Errorf("cannot encode the %s schema: %w", kind, err)
		}
		out[FileName(kind)] = buf.Bytes()
	}
	return out, nil
}

// sourceDir is the api/v1alpha1 folder, found from this file's path at build time.
func sourceDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

// enumType is implemented by the v1alpha1 string enumerations.
type enumType interface{ Values() []string }

var enumIface = reflect.TypeFor[enumType]()

// mapType gives the schema of types that YAML writes as text or lists although Go holds them as
// structs or bit sets: the Exchange value types and the enumerations.
func mapType(t reflect.Type) *jsonschema.Schema {
	str := func(pattern string, examples ...any) *jsonschema.Schema {
		return &jsonschema.Schema{Type: "string", Pattern: pattern, Examples: examples}
	}
	flags := func(values ...string) *jsonschema.Schema {
		enum := make([]any, len(values))
		for i, v := range values {
			enum[i] = v
		}
		return &jsonschema.Schema{Type: "array", UniqueItems: true, MinItems: ptr(uint64(1)), Items: &jsonschema.Schema{Type: "string", Enum: enum}}
	}
	switch t {
	case reflect.TypeFor[value.AddressSpace]():
		return str("", "canoe.com", "SMTP:*.canoe.com;10", "*")
	case reflect.TypeFor[value.SmartHost]():
		return str("", "relay.canoe.com", "10.10.1.1")
	case reflect.TypeFor[value.IPBinding]():
		return str(`^(\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):\d{1,5}$`, "0.0.0.0:25", "[::]:25", "191.121.0.200:26")
	case reflect.TypeFor[value.IPRange]():
		return str("", "192.168.1.1", "192.168.1.1-192.168.1.254", "192.168.1.0/24")
	case reflect.TypeFor[value.ByteSize]():
		return &jsonschema.Schema{
			OneOf: []*jsonschema.Schema{
				// ECMA-262 patterns have no (?i): spell the letter cases out.
				{Type: "string", Pattern: `^\s*([Uu][Nn][Ll][Ii][Mm][Ii][Tt][Ee][Dd]|[0-9]+(\.[0-9]+)?\s*([KkMmGgTt]?[Bb])?)\s*$`},
				{Type: "integer", Minimum: json.Number("0")},
			},
			Examples: []any{"35MB", "unlimited"},
		}
	case reflect.TypeFor[v1alpha1.Duration]():
		return str(`^([0-9]+(\.[0-9]+)?(h|m|s|ms))+$`, "720h", "5m")
	case reflect.TypeFor[value.AuthMechanisms]():
		return flags(append([]string{"None"}, value.AuthMechanisms(1<<6-1).Slice()...)...)
	case reflect.TypeFor[value.PermissionGroups]():
		return flags(append([]string{"None"}, value.PermissionGroups(1<<6-1).Slice()...)...)
	case reflect.TypeFor[value.AllowedServices]():
		return flags(append([]string{"None"}, value.AllowedServices(1<<7-1).Slice()...)...)
	}
	if t.Kind() == reflect.String && t.Implements(enumIface) {
		values := reflect.Zero(t).Interface().(enumType).Values()
		enum := make([]any, len(values))
		for i, v := range values {
			enum[i] = v
		}
		return &jsonschema.Schema{Type: "string", Enum: enum}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// comments holds doc comments by "Type" and "Type.Field".
type comments map[string]string

// readComments parses the Go files of dir (tests excluded) and keeps the doc comment of every
// exported type and struct field. A field's comment starts with its Go name ("TLSAuthLevel is
// -TlsAuthLevel: ..."); the schema shows the YAML name instead.
func readComments(dir string) (comments, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	c := comments{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			gd, ok := n.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				return true
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil {
					doc = gd.Doc
				}
				c[ts.Name.Name] = oneLine(doc.Text())
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, fld := range st.Fields.List {
					for _, name := range fld.Names {
						c[ts.Name.Name+"."+name.Name] = yamlName(oneLine(fld.Doc.Text()), name.Name, fld.Tag)
					}
				}
			}
			return false
		})
	}
	return c, nil
}

// lookup implements jsonschema.Reflector.LookupComment. A field without a comment of its own
// (the embedded ObjectMeta) takes its type's.
func (c comments) lookup(t reflect.Type, field string) string {
	if field == "" {
		return c[t.Name()]
	}
	if s := c[t.Name()+"."+field]; s != "" {
		return s
	}
	if f, ok := t.FieldByName(field); ok {
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		doc := c[ft.Name()]
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if rest, ok := strings.CutPrefix(doc, ft.Name()+" "); ok && name != "" {
			return name + " " + rest
		}
		return doc
	}
	return ""
}

// oneLine joins a comment's lines: JSON Schema descriptions are shown as one paragraph.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// yamlName replaces the leading Go field name of a comment with the field's YAML name.
func yamlName(doc, goName string, tag *ast.BasicLit) string {
	if tag == nil || !strings.HasPrefix(doc, goName+" ") {
		return doc
	}
	jsonTag := reflect.StructTag(strings.Trim(tag.Value, "`")).Get("json")
	name, _, _ := strings.Cut(jsonTag, ",")
	if name == "" {
		return doc
	}
	return name + doc[len(goName):]
}
