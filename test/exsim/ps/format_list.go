package ps

import (
	"path"
	"strings"
)

// enumerationLimit reads $global:FormatEnumerationLimit (only the global
// value counts): not an int means 4, negative means no limit.
func (in *interp) enumerationLimit() int {
	v, ok := in.global.vars["formatenumerationlimit"]
	if !ok {
		return 4
	}
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	}
	return 4
}

// displayValue is the text Format-List and Format-Table show for a
// property value (PSObjectHelper.SmartToString).
func displayValue(v any, limit int) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case *Hashtable:
		items := make([]any, len(x.Keys))
		for i, k := range x.Keys {
			items[i] = k
		}
		return enumerationText(items, limit)
	case []any, *Collection, []byte:
		items, _ := indexable(x)
		return enumerationText(items, limit)
	case *Object:
		return objectText(x)
	}
	return toStringPS(v)
}

// enumerationText is "{a, b, c, d...}": at most limit items, then "...".
func enumerationText(items []any, limit int) string {
	var b strings.Builder
	b.WriteString("{")
	for i, it := range items {
		if limit >= 0 && i >= limit {
			b.WriteString("...")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(itemText(it))
	}
	b.WriteString("}")
	return b.String()
}

// itemText is how one item of a collection shows: $null, its ToString(),
// or for a property bag its display-name property.
func itemText(v any) string {
	switch x := v.(type) {
	case nil:
		return "$null"
	case []any:
		return "System.Object[]"
	case *Hashtable:
		return "System.Collections.Hashtable"
	case *Collection:
		return x.TypeName
	case *Object:
		if x.Text != "" {
			return x.Text
		}
		for _, n := range []string{"Name", "Id", "Key"} {
			if p := x.Get(n); p != nil {
				return toStringPS(p.Value)
			}
		}
		for _, p := range x.Props {
			ln := strings.ToLower(p.Name)
			if strings.HasSuffix(ln, "key") || strings.HasSuffix(ln, "name") {
				return toStringPS(p.Value)
			}
		}
		return objectText(x)
	}
	return toStringPS(v)
}

// asObject returns the properties of the values that formatting and
// member access see as objects.
func asObject(v any) (*Object, bool) {
	switch x := v.(type) {
	case *Object:
		return x, true
	case *Credential:
		return &Object{TypeNames: []string{"System.Management.Automation.PSCredential", "System.Object"},
			Props: []*Property{{Name: "UserName", Value: x.UserName, TypeOfValue: "System.String"}, {Name: "Password", Value: x.Password, TypeOfValue: "System.Security.SecureString"}}}, true
	case *RemoteSession:
		return sessionObject(x), true
	case *textEncoding:
		return x.object(), true
	case *moduleInfo:
		return x.object(), true
	case *xmlDocument:
		return x.object(), true
	case *X509Certificate:
		return x.object(), true
	case *x509Store:
		return x.object(), true
	}
	return nil, false
}

func sessionObject(s *RemoteSession) *Object {
	p := func(n string, v any, t string) *Property { return &Property{Name: n, Value: v, TypeOfValue: t} }
	avail := "Available"
	if s.State != "Opened" {
		avail = "None"
	}
	return &Object{TypeNames: []string{"System.Management.Automation.Runspaces.PSSession", "System.Object"}, Props: []*Property{
		p("State", s.State, "System.Management.Automation.Runspaces.RunspaceState"),
		p("ComputerType", "RemoteMachine", "System.Management.Automation.Runspaces.TargetMachineType"),
		p("ComputerName", s.ComputerName, "System.String"),
		p("ConfigurationName", s.ConfigurationName, "System.String"),
		p("Id", s.ID, "System.Int32"),
		p("Name", s.Name, "System.String"),
		p("Availability", avail, "System.Management.Automation.Runspaces.RunspaceAvailability"),
		p("Transport", "WSMan", "System.String"),
	}, Text: s.String()}
}

// isScalarOutput reports values Out-Default writes as one line of text.
func isScalarOutput(v any) bool {
	switch v.(type) {
	case string, bool, int, int64, float64, *SecureString, *ScriptBlock, *consoleIn, *inputEnum, []byte:
		return true
	case Scalar:
		return true
	}
	return false
}

// fmtProp is one label and value of a formatted object.
type fmtProp struct {
	label string
	value any
}

// selectProps picks the properties of o named by patterns (wildcards
// allowed), in pattern order; a name without wildcards that matches nothing
// is kept with an empty value, as Format-List does.
func selectProps(o *Object, patterns []string, keepMissing bool) []fmtProp {
	var out []fmtProp
	for _, pat := range patterns {
		if !hasWildcard(pat) {
			if p := o.Get(pat); p != nil {
				out = append(out, fmtProp{p.Name, p.Value})
			} else if keepMissing {
				out = append(out, fmtProp{pat, nil})
			}
			continue
		}
		for _, p := range o.Props {
			if wildcardMatch(pat, p.Name) {
				out = append(out, fmtProp{p.Name, p.Value})
			}
		}
	}
	return out
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?[") }

// wildcardMatch matches PowerShell wildcards case-insensitively.
func wildcardMatch(pattern, name string) bool {
	ok, err := path.Match(strings.ToLower(pattern), strings.ToLower(name))
	return err == nil && ok
}

// defaultProps are the properties shown when no -Property is given.
func defaultProps(o *Object, list bool) []fmtProp {
	if list && len(o.ListView) > 0 {
		return selectProps(o, o.ListView, true)
	}
	out := make([]fmtProp, len(o.Props))
	for i, p := range o.Props {
		out[i] = fmtProp{p.Name, p.Value}
	}
	return out
}

// formatOutput is what Format-List and Format-Table write to the pipeline:
// formatting instructions that Out-Default and Out-String render at their
// width (PowerShell's FormatStartData ... FormatEndData).
type formatOutput struct {
	list  []listEntry // Format-List
	table *tableSpec  // Format-Table
}

func (f *formatOutput) typeName() string {
	return "Microsoft.PowerShell.Commands.Internal.Format.FormatStartData"
}

// listEntry is one object of a list: its labels and value texts, or a
// line of text for values that are not objects.
type listEntry struct {
	props []fmtProp
	text  *string
}

// render writes the lines the formatting produces at width columns.
func (f *formatOutput) render(width int, psv2 bool) []string {
	if f.table != nil {
		lines := []string{""}
		lines = append(lines, f.table.render(width, psv2)...)
		return append(lines, "", "")
	}
	lines := []string{"", ""}
	for _, e := range f.list {
		lines = append(lines, e.lines(width, psv2)...)
		lines = append(lines, "")
	}
	return append(lines, "", "")
}

// lines renders one list entry (ListWriter): labels padded to the longest
// label of this object, " : ", values wrapped to the remaining width.
func (e listEntry) lines(width int, psv2 bool) []string {
	if e.text != nil {
		return generateLines(*e.text, width, width, !psv2)
	}
	if len(e.props) == 0 {
		return nil
	}
	const sep = " : "
	labelWidth := 0
	for _, p := range e.props {
		labelWidth = max(labelWidth, cells(p.label))
	}
	maxLabel := width - len(sep) - 1
	if maxLabel < 1 {
		return nil
	}
	labelWidth = min(labelWidth, maxLabel)
	field := width - (labelWidth + len(sep))
	pad := strings.Repeat(" ", labelWidth+len(sep))
	var out []string
	for _, p := range e.props {
		label := p.label
		if c := cells(label); c < labelWidth {
			label += strings.Repeat(" ", labelWidth-c)
		} else if c > labelWidth {
			r := []rune(label)
			label = string(r[:headSplit(r, labelWidth)])
		}
		value, _ := p.value.(string)
		for i, piece := range strings.Split(strings.ReplaceAll(value, "\r", ""), "\n") {
			prefix := label + sep
			if i > 0 {
				prefix = pad
			}
			for k, l := range generateLines(piece, field, field, !psv2) {
				if k == 0 {
					out = append(out, prefix+l)
				} else {
					out = append(out, pad+l)
				}
			}
		}
	}
	return out
}

// listEntryOf builds the list entry of one input object for Format-List.
// patterns nil means the default view.
func listEntryOf(v any, patterns []string, limit int) listEntry {
	o, ok := asObject(v)
	if !ok {
		s := displayValue(v, limit)
		return listEntry{text: &s}
	}
	var props []fmtProp
	if patterns == nil {
		props = defaultProps(o, true)
	} else {
		props = selectProps(o, patterns, true)
	}
	for i := range props {
		props[i].value = displayValue(props[i].value, limit)
	}
	return listEntry{props: props}
}

// listEntries builds Format-List entries; a hashtable shows one Name/Value
// entry per key.
func listEntries(items []any, patterns []string, limit int) []listEntry {
	var out []listEntry
	for _, v := range items {
		if h, ok := v.(*Hashtable); ok {
			for _, k := range h.Keys {
				val, _ := h.Lookup(k)
				entry := &Object{Props: []*Property{{Name: "Name", Value: k}, {Name: "Value", Value: val}}}
				out = append(out, listEntryOf(entry, patterns, limit))
			}
			continue
		}
		out = append(out, listEntryOf(v, patterns, limit))
	}
	return out
}
