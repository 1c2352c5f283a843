package ps

import (
	"fmt"
	"strings"
)

// xmlWriter writes ConvertTo-Xml's elements as Windows PowerShell's
// XmlTextWriter (Formatting.Indented) does: two-space indentation, CRLF,
// text-only elements on one line, empty elements as <X ... />.
type xmlWriter struct {
	b      strings.Builder
	notype bool
	flat   bool // OuterXml: no indentation, no line breaks
}

func (w *xmlWriter) String() string { return w.b.String() }

func (w *xmlWriter) indent(level int) {
	if w.flat {
		return
	}
	if w.b.Len() > 0 {
		w.b.WriteString("\r\n")
	}
	w.b.WriteString(strings.Repeat("  ", level))
}

func (w *xmlWriter) startTag(elem, name, typ string, level int) error {
	w.indent(level)
	w.b.WriteString("<" + elem)
	if name != "" {
		v, err := xmlEscape(name, true)
		if err != nil {
			return err
		}
		w.b.WriteString(` Name="` + v + `"`)
	}
	if typ != "" && !w.notype {
		v, err := xmlEscape(typ, true)
		if err != nil {
			return err
		}
		w.b.WriteString(` Type="` + v + `"`)
	}
	return nil
}

// leaf writes <elem Name Type>text</elem>, or <elem Name Type /> when empty.
func (w *xmlWriter) leaf(elem, name, typ, text string, level int) error {
	if err := w.startTag(elem, name, typ, level); err != nil {
		return err
	}
	if text == "" {
		w.b.WriteString(" />")
		return nil
	}
	t, err := xmlEscape(text, false)
	if err != nil {
		return err
	}
	w.b.WriteString(">" + t + "</" + elem + ">")
	return nil
}

func (w *xmlWriter) end(elem string, level int) {
	w.indent(level)
	w.b.WriteString("</" + elem + ">")
}

// object ports CustomInternalSerializer.WriteOneObject: primitives as
// text, containers item by item whatever the depth, complex objects'
// properties while depth lasts, and as their ToString() below it.
func (w *xmlWriter) object(v any, name string, depth int, top bool, level int) error {
	elem := "Property"
	if top {
		elem = "Object"
	}
	switch x := v.(type) {
	case nil:
		return w.leaf(elem, name, "", "", level)
	case string, bool, int, int64, float64, []byte, *SecureString, *ScriptBlock:
		return w.leaf(elem, name, typeName(v), dotnetString(v), level)
	case Scalar:
		return w.leaf(elem, name, x.TypeName(), x.String(), level)
	case *Hashtable:
		if len(x.Keys) == 0 {
			return w.leaf(elem, name, typeName(v), "", level)
		}
		if err := w.startTag(elem, name, typeName(v), level); err != nil {
			return err
		}
		w.b.WriteString(">")
		for _, k := range x.Keys {
			val, _ := x.Lookup(k)
			if err := w.object(k, "Key", depth, false, level+1); err != nil {
				return err
			}
			if err := w.object(val, "Value", depth, false, level+1); err != nil {
				return err
			}
		}
		w.end(elem, level)
		return nil
	case []any, *Collection:
		items, _ := indexable(x)
		if len(items) == 0 {
			return w.leaf(elem, name, typeName(v), "", level)
		}
		if err := w.startTag(elem, name, typeName(v), level); err != nil {
			return err
		}
		w.b.WriteString(">")
		for _, it := range items {
			if err := w.object(it, "", depth, false, level+1); err != nil {
				return err
			}
		}
		w.end(elem, level)
		return nil
	}
	o, ok := asObject(v)
	if !ok {
		return w.leaf(elem, name, typeName(v), toStringPS(v), level)
	}
	typ := typeName(v)
	if depth <= 0 {
		if typ != psCustomObject {
			return w.leaf(elem, name, typ, dotnetString(v), level)
		}
		// A property bag below -Depth: its ToString() and its note properties.
		if err := w.startTag(elem, name, typ, level); err != nil {
			return err
		}
		w.b.WriteString(">")
		if err := w.leaf("Property", "", "System.String", objectText(o), level+1); err != nil {
			return err
		}
		for _, p := range o.Props {
			if err := w.leaf("Property", p.Name, "System.Management.Automation.PSNoteProperty", dotnetString(p.Value), level+1); err != nil {
				return err
			}
		}
		w.end(elem, level)
		return nil
	}
	if len(o.Props) == 0 {
		return w.leaf(elem, name, typ, "", level)
	}
	if err := w.startTag(elem, name, typ, level); err != nil {
		return err
	}
	w.b.WriteString(">")
	for _, p := range o.Props {
		if p.Value == nil {
			t := p.TypeOfValue
			if t == "" {
				t = "System.Object"
			}
			if err := w.leaf("Property", p.Name, t, "", level+1); err != nil {
				return err
			}
			continue
		}
		if err := w.object(p.Value, p.Name, depth-1, false, level+1); err != nil {
			return err
		}
	}
	w.end(elem, level)
	return nil
}

// dotnetString is .NET's ToString() of a value.
func dotnetString(v any) string {
	switch x := v.(type) {
	case []any:
		return "System.Object[]"
	case []byte:
		return "System.Byte[]"
	case *Hashtable:
		return "System.Collections.Hashtable"
	case *Collection:
		return x.TypeName
	case *Object:
		return objectText(x)
	}
	return toStringPS(v)
}

// xmlEscape escapes text (& < >) or an attribute value (also "), and fails
// on characters XML cannot hold, with .NET's message.
func xmlEscape(s string, attr bool) (string, error) {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '&':
			b.WriteString("&amp;")
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c == '"' && attr:
			b.WriteString("&quot;")
		case attr && (c == '\r' || c == '\n' || c == '\t'):
			fmt.Fprintf(&b, "&#x%X;", c)
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r', c == 0xfffe, c == 0xffff:
			return "", fmt.Errorf("'%c', hexadecimal value 0x%02X, is an invalid character.", c, c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String(), nil
}

// xmlDocumentText is ConvertTo-Xml -As String: declaration, <Objects> and
// each object indented one level, CRLF, no trailing line break.
func xmlDocumentText(docs []string) string {
	if len(docs) == 0 {
		return "<?xml version=\"1.0\"?>\r\n<Objects />"
	}
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\r\n<Objects>")
	for _, d := range docs {
		b.WriteString("\r\n" + d)
	}
	b.WriteString("\r\n</Objects>")
	return b.String()
}

// xmlDocument is the XmlDocument ConvertTo-Xml returns by default.
type xmlDocument struct {
	items  []any
	depth  int
	notype bool
}

func (d *xmlDocument) String() string { return "System.Xml.XmlDocument" }

// outerXml is the document on one line, as .OuterXml gives it.
func (d *xmlDocument) outerXml() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><Objects>`)
	for _, it := range d.items {
		w := &xmlWriter{notype: d.notype, flat: true}
		if err := w.object(it, "", d.depth, true, 0); err == nil {
			b.WriteString(w.String())
		}
	}
	b.WriteString("</Objects>")
	if len(d.items) == 0 {
		return `<?xml version="1.0"?><Objects />`
	}
	return b.String()
}

// object shows the document as PowerShell's XML adapter does: the
// declaration as "xml" and the root element as "Objects".
func (d *xmlDocument) object() *Object {
	return &Object{TypeNames: []string{"System.Xml.XmlDocument", "System.Object"}, Props: []*Property{
		{Name: "xml", Value: `version="1.0"`, TypeOfValue: "System.String"},
		{Name: "Objects", Value: "Objects", TypeOfValue: "System.Xml.XmlElement"},
		{Name: "OuterXml", Value: d.outerXml(), TypeOfValue: "System.String"},
		{Name: "InnerXml", Value: d.outerXml(), TypeOfValue: "System.String"},
	}}
}
