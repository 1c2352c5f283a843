package ps

import "strings"

// outDefault formats what reaches the end of the script's pipeline, as
// Out-Default does: strings and other scalars as lines, formatting
// instructions rendered, objects through their default view (a table for
// types with one or at most four properties, a list otherwise).
type outDefault struct {
	emit     func(line string)
	width    int
	psv2     bool
	limit    func() int
	group    *outGroup
	autosize bool
}

// outGroup is the run of objects being formatted together.
type outGroup struct {
	key   string
	list  bool
	table *tableSpec
}

func (o *outDefault) lines(ls []string) {
	for _, l := range ls {
		o.emit(l)
	}
}

// write formats one value.
func (o *outDefault) write(v any) {
	switch x := v.(type) {
	case nil:
		return
	case *formatOutput:
		o.flush()
		o.lines(x.render(o.width, o.psv2))
		return
	}
	if isScalarOutput(v) {
		o.flush()
		o.emit(displayValue(v, o.limit()))
		return
	}
	key, list, cols := o.viewOf(v)
	if o.group == nil || o.group.key != key {
		o.flush()
		o.group = &outGroup{key: key, list: list}
		if list {
			o.lines([]string{"", ""})
		} else {
			o.group.table = &tableSpec{cols: cols, autosize: o.autosize}
		}
	}
	if list {
		for _, e := range listEntries([]any{v}, nil, o.limit()) {
			o.lines(e.lines(o.width, o.psv2))
			o.emit("")
		}
		return
	}
	o.group.table.rows = append(o.group.table.rows, tableRow(v, o.group.table.cols, o.limit())...)
}

// viewOf decides how an object is shown: a key for grouping, whether it is a
// list, and the table columns otherwise.
func (o *outDefault) viewOf(v any) (string, bool, []tableCol) {
	switch x := v.(type) {
	case *Hashtable:
		return "hashtable", false, tableColumnsOf(x, nil)
	case *RemoteSession:
		return "pssession", false, o.sessionColumns()
	case *moduleInfo:
		return "module", false, o.moduleColumns()
	case *xmlDocument:
		return "xml", false, []tableCol{{label: "xml", property: "xml"}, {label: "Objects", property: "Objects"}}
	}
	obj, ok := asObject(v)
	if !ok {
		return "text", false, nil
	}
	typ := typeName(v)
	if len(obj.TypeNames) > 0 {
		typ = obj.TypeNames[0]
	}
	if len(obj.TableView) > 0 {
		return "table:" + typ, false, tableColumnsOf(obj, nil)
	}
	if len(obj.ListView) > 0 || len(obj.Props) > 4 {
		return "list", true, nil
	}
	cols := tableColumnsOf(obj, nil)
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.label
	}
	return "table:" + typ + ":" + strings.Join(names, ","), false, cols
}

func (o *outDefault) sessionColumns() []tableCol {
	cols := []tableCol{{label: "Id", property: "Id", width: 3, right: true}, {label: "Name", property: "Name", width: 15},
		{label: "ComputerName", property: "ComputerName", width: 15}}
	if !o.psv2 {
		cols = append(cols, tableCol{label: "ComputerType", property: "ComputerType", width: 15})
	}
	return append(cols, tableCol{label: "State", property: "State", width: 13},
		tableCol{label: "ConfigurationName", property: "ConfigurationName", width: 20},
		tableCol{label: "Availability", property: "Availability", width: 13, right: true})
}

func (o *outDefault) moduleColumns() []tableCol {
	if o.psv2 {
		return []tableCol{{label: "ModuleType", property: "ModuleType", width: 10}, {label: "Name", property: "Name", width: 25},
			{label: "ExportedCommands", property: "ExportedCommands"}}
	}
	return []tableCol{{label: "ModuleType", property: "ModuleType", width: 10}, {label: "Version", property: "Version", width: 10},
		{label: "Name", property: "Name", width: 35}, {label: "ExportedCommands", property: "ExportedCommands"}}
}

// flush ends the current group (the blank lines of GroupEnd and FormatEnd).
func (o *outDefault) flush() {
	g := o.group
	if g == nil {
		return
	}
	o.group = nil
	if g.list {
		o.lines([]string{"", ""})
		return
	}
	o.emit("")
	o.lines(g.table.render(o.width, o.psv2))
	o.lines([]string{"", ""})
}
