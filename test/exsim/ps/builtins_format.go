package ps

import (
	"fmt"
	"strings"
)

func formatBuiltins() []*builtin {
	formatParams := func(extra ...ParamSpec) []ParamSpec {
		ps := []ParamSpec{
			param("InputObject", "PSObject").pipe(),
			param("Property", "Object[]").at(0),
			param("GroupBy", "Object"),
			param("View", "String"),
			param("ShowError", "SwitchParameter"),
			param("DisplayError", "SwitchParameter"),
			param("Force", "SwitchParameter"),
			param("Expand", "String"),
		}
		return append(ps, extra...)
	}
	return []*builtin{
		{name: "Format-List", params: formatParams(), run: runFormatList},
		{name: "Format-Table", params: formatParams(
			param("AutoSize", "SwitchParameter"),
			param("HideTableHeaders", "SwitchParameter"),
			param("Wrap", "SwitchParameter"),
		), run: runFormatTable},
		{name: "Out-String", params: []ParamSpec{
			param("InputObject", "PSObject").pipe(),
			param("Width", "Int32"),
			param("Stream", "SwitchParameter"),
		}, run: runOutString},
		{name: "Out-Default", params: []ParamSpec{param("InputObject", "PSObject").pipe()}, run: func(in *interp, c *Call) ([]any, error) {
			for _, v := range inputObjects(c) {
				in.out.write(v)
			}
			return nil, nil
		}},
		{name: "ConvertTo-Xml", params: []ParamSpec{
			param("InputObject", "PSObject").at(0).pipe().mandatory().allowNull(),
			param("Depth", "Int32"),
			param("NoTypeInformation", "SwitchParameter"),
			param("As", "String"),
		}, run: runConvertToXml},
	}
}

// propertyPatterns reads -Property as names; calculated properties are refused.
func propertyPatterns(c *Call) ([]string, error) {
	if !c.Has("Property") {
		return nil, nil
	}
	var out []string
	for _, p := range enumerate(c.Args["Property"]) {
		switch p.(type) {
		case *Hashtable, *ScriptBlock:
			return nil, &ErrorRecord{Message: notSupportedMsg("a calculated property"), Category: "NotImplemented", Reason: "NotSupportedException", FullyQualifiedErrorId: errNotSupported, Terminating: true}
		}
		out = append(out, toStringPS(p))
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

func runFormatList(in *interp, c *Call) ([]any, error) {
	if err := refuse(c, "GroupBy", "View", "ShowError", "DisplayError", "Expand"); err != nil {
		return nil, err
	}
	patterns, err := propertyPatterns(c)
	if err != nil {
		return nil, err
	}
	items := inputObjects(c)
	if len(items) == 0 {
		return nil, nil
	}
	return []any{&formatOutput{list: listEntries(items, patterns, in.enumerationLimit())}}, nil
}

func runFormatTable(in *interp, c *Call) ([]any, error) {
	if err := refuse(c, "GroupBy", "View", "ShowError", "DisplayError", "Expand", "Wrap"); err != nil {
		return nil, err
	}
	patterns, err := propertyPatterns(c)
	if err != nil {
		return nil, err
	}
	items := inputObjects(c)
	if len(items) == 0 {
		return nil, nil
	}
	limit := in.enumerationLimit()
	var out []any
	var cur *tableSpec
	curKey := ""
	for _, it := range items {
		if isScalarOutput(it) && patterns == nil {
			s := displayValue(it, limit)
			out = append(out, &formatOutput{list: []listEntry{{text: &s}}})
			cur = nil
			continue
		}
		cols := tableColumnsOf(it, patterns)
		names := make([]string, len(cols))
		for i, col := range cols {
			names[i] = col.label
		}
		key := typeName(it) + ":" + strings.Join(names, ",")
		if cur == nil || key != curKey {
			cur = &tableSpec{cols: cols, hide: boolArg(c, "HideTableHeaders"), autosize: boolArg(c, "AutoSize") || !in.psv2}
			curKey = key
			out = append(out, &formatOutput{table: cur})
		}
		cur.rows = append(cur.rows, tableRow(it, cols, limit)...)
	}
	return out, nil
}

// runOutString renders its input as Out-Default would, into one string
// (or one string per line with -Stream).
func runOutString(in *interp, c *Call) ([]any, error) {
	width := in.host.BufferWidth - 1
	if width <= 0 {
		width = 119
	}
	if c.Has("Width") {
		width, _ = c.Args["Width"].(int)
		if width < 2 {
			return nil, validationError("Microsoft.PowerShell.Commands.OutStringCommand", "Width",
				fmt.Sprintf("The %d argument is less than the minimum allowed range of 2. Supply an argument that is greater than or equal to 2 and then try the command again.", width))
		}
	}
	var lines []string
	od := &outDefault{emit: func(l string) { lines = append(lines, l) }, width: width, psv2: in.psv2,
		limit: in.enumerationLimit, autosize: !in.psv2}
	for _, v := range inputObjects(c) {
		od.write(v)
	}
	od.flush()
	if boolArg(c, "Stream") {
		out := make([]any, len(lines))
		for i, l := range lines {
			out[i] = l
		}
		return out, nil
	}
	if len(lines) == 0 {
		return []any{""}, nil
	}
	return []any{strings.Join(lines, "\r\n") + "\r\n"}, nil
}

func runConvertToXml(in *interp, c *Call) ([]any, error) {
	const class = "Microsoft.PowerShell.Commands.ConvertToXmlCommand"
	depth := 1
	if c.Has("Depth") {
		depth, _ = c.Args["Depth"].(int)
		if depth < 1 {
			return nil, validationError(class, "Depth", fmt.Sprintf("The %d argument is less than the minimum allowed range of 1. Supply an argument that is greater than or equal to 1 and then try the command again.", depth))
		}
	}
	as := "Document"
	if c.Has("As") {
		as = ""
		for _, v := range []string{"Stream", "String", "Document"} {
			if strings.EqualFold(v, stringArg(c, "As")) {
				as = v
			}
		}
		if as == "" {
			return nil, validationError(class, "As", fmt.Sprintf(`The argument "%s" does not belong to the set "Stream,String,Document" specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again.`, stringArg(c, "As")))
		}
	}
	notype := boolArg(c, "NoTypeInformation")
	objs := inputObjects(c)
	if as == "Document" {
		return []any{&xmlDocument{items: objs, depth: depth, notype: notype}}, nil
	}
	level := 0
	if as == "String" {
		level = 1
	}
	var docs []string
	for _, o := range objs {
		w := &xmlWriter{notype: notype}
		if err := w.object(o, "", depth, true, level); err != nil {
			c.WriteError(&ErrorRecord{Message: err.Error(), Category: "NotSpecified", Reason: "ArgumentException",
				FullyQualifiedErrorId: "System.ArgumentException," + class})
			continue
		}
		docs = append(docs, w.String())
	}
	if as == "String" {
		return []any{xmlDocumentText(docs)}, nil
	}
	out := []any{`<?xml version="1.0" encoding="utf-8"?>`, "<Objects>"}
	for _, d := range docs {
		out = append(out, d)
	}
	return append(out, "</Objects>"), nil
}

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
