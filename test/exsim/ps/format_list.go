package ps

import "strings"

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
