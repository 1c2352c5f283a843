package ps

import "strings"

// tableCol is one column of a table.
type tableCol struct {
	label    string
	property string
	width    int // declared width; 0 lets the table decide
	right    bool
}

// tableSpec is a table to render: columns and the cell texts of its rows.
type tableSpec struct {
	cols     []tableCol
	rows     [][]string
	hide     bool
	autosize bool // size columns to their content (PowerShell 5.1, or -AutoSize)
}

// columnWidths ports ColumnWidthManager: columns without a width share the
// room left (one character at a time, left to right); when the table is too
// wide the rightmost columns shrink, then disappear (width -1).
func columnWidths(widths []int, tableWidth int) []int {
	w := append([]int{}, widths...)
	total := func() int {
		sum, visible := 0, 0
		for _, x := range w {
			if x > 0 {
				sum += x
				visible++
			}
		}
		return sum + visible - 1
	}
	allSet := true
	for _, x := range w {
		if x <= 0 {
			allSet = false
		}
	}
	fits := true
	if allSet {
		fits = total() <= tableWidth
	} else {
		fixed := make([]bool, len(w))
		for i := range w {
			fixed[i] = w[i] > 0
			if w[i] <= 0 {
				w[i] = 1
			}
		}
		avail := tableWidth - total()
		if avail < 0 {
			fits = false
		}
		for avail > 0 {
			for i := range w {
				if fixed[i] {
					continue
				}
				w[i]++
				avail--
				if avail == 0 {
					break
				}
			}
		}
	}
	if fits {
		return w
	}
	for {
		excess := total() - tableWidth
		if excess <= 0 {
			return w
		}
		last := len(w) - 1
		for i := range w {
			if w[i] < 0 {
				last = i - 1
				break
			}
		}
		if last < 0 {
			return w
		}
		if nw := w[last] - excess; nw < 1 {
			w[last] = -1
		} else {
			w[last] = nw
		}
	}
}

// rowField pads or truncates one cell (TableWriter.GenerateRowField in
// Windows PowerShell, which pads every column, the last one too).
func rowField(val string, width int, right bool) string {
	if i := strings.IndexAny(val, "\r\n"); i >= 0 {
		val = val[:i] + "..."
	}
	r := []rune(val)
	n := cellsOf(r)
	switch {
	case n < width:
		if right {
			return strings.Repeat(" ", width-n) + val
		}
		return val + strings.Repeat(" ", width-n)
	case n > width:
		if width-3 > 0 {
			if right {
				return "..." + string(r[len(r)-tailSplit(r, width-3):])
			}
			return string(r[:headSplit(r, width-3)]) + "..."
		}
		if right {
			return string(r[len(r)-tailSplit(r, width):])
		}
		return string(r[:headSplit(r, width)])
	}
	return val
}

// render returns the header and row lines of the table at width columns.
func (t *tableSpec) render(width int, psv2 bool) []string {
	widths := make([]int, len(t.cols))
	for i, c := range t.cols {
		widths[i] = c.width
		if t.autosize && c.width == 0 {
			w := cells(c.label)
			for _, row := range t.rows {
				if i < len(row) {
					v := row[i]
					if k := strings.IndexAny(v, "\r\n"); k >= 0 {
						v = v[:k] + "..."
					}
					w = max(w, cells(v))
				}
			}
			widths[i] = max(w, 1)
		}
	}
	widths = columnWidths(widths, width)
	line := func(cells []string) string {
		var b strings.Builder
		first := true
		for i, c := range t.cols {
			if widths[i] <= 0 {
				continue
			}
			if !first {
				b.WriteString(" ")
			}
			first = false
			v := ""
			if i < len(cells) {
				v = cells[i]
			}
			b.WriteString(rowField(v, widths[i], c.right))
		}
		return b.String()
	}
	var out []string
	if !t.hide {
		labels := make([]string, len(t.cols))
		dashes := make([]string, len(t.cols))
		for i, c := range t.cols {
			labels[i] = c.label
			dashes[i] = strings.Repeat("-", min(max(widths[i], 0), cells(c.label)))
		}
		out = append(out, line(labels), line(dashes))
	}
	for _, row := range t.rows {
		out = append(out, line(row))
	}
	return out
}

// tableColumnsOf returns the columns Format-Table uses for an object.
func tableColumnsOf(v any, patterns []string) []tableCol {
	if _, ok := v.(*Hashtable); ok && patterns == nil {
		return []tableCol{{label: "Name", property: "Name", width: 30}, {label: "Value", property: "Value"}}
	}
	if patterns == nil {
		if o, ok := v.(*Object); ok && len(o.TableView) > 0 {
			cols := make([]tableCol, len(o.TableView))
			for i, c := range o.TableView {
				label, prop := c.Label, c.Property
				if prop == "" {
					prop = label
				}
				if label == "" {
					label = prop
				}
				cols[i] = tableCol{label: label, property: prop, width: c.Width, right: c.Right}
			}
			return cols
		}
	}
	o, ok := asObject(v)
	if !ok {
		return nil
	}
	var props []fmtProp
	if patterns == nil {
		props = defaultProps(o, false)
		if len(props) > 10 {
			props = props[:10]
		}
	} else {
		props = selectProps(o, patterns, true)
	}
	cols := make([]tableCol, len(props))
	for i, p := range props {
		cols[i] = tableCol{label: p.label, property: p.label, right: rightAligned(p.value)}
	}
	return cols
}

// rightAligned is TableViewGenerator.ComputeDefaultAlignment: numbers and
// the other default scalar types (not strings) align right.
func rightAligned(v any) bool {
	switch v.(type) {
	case int, int64, float64, bool:
		return true
	}
	return false
}

// tableRow returns the cell texts of an object for the columns.
func tableRow(v any, cols []tableCol, limit int) [][]string {
	if h, ok := v.(*Hashtable); ok && len(cols) == 2 && cols[0].property == "Name" && cols[1].property == "Value" {
		var rows [][]string
		for _, k := range h.Keys {
			val, _ := h.Lookup(k)
			rows = append(rows, []string{k, displayValue(val, limit)})
		}
		return rows
	}
	o, _ := asObject(v)
	row := make([]string, len(cols))
	for i, c := range cols {
		if o == nil {
			continue
		}
		if p := o.Get(c.property); p != nil {
			row[i] = displayValue(p.Value, limit)
		}
	}
	return [][]string{row}
}
