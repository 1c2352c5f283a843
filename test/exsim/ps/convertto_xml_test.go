package ps

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// typed is a .NET value of a type the value model has no Go type for.
type typed struct{ typ, text string }

func (v typed) TypeName() string { return v.typ }
func (v typed) String() string   { return v.text }

func pscustom(props ...*Property) *Object {
	return &Object{TypeNames: []string{psCustomObject, "System.Object"}, Props: props}
}

func note(name string, v any) *Property { return &Property{Name: name, Value: v} }

// xmlString runs ConvertTo-Xml's serializer over items as -As String does.
func xmlString(t *testing.T, items []any, depth int, notype bool) string {
	t.Helper()
	var docs []string
	for _, it := range items {
		w := &xmlWriter{notype: notype}
		if err := w.object(it, "", depth, true, 1); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, w.String())
	}
	return xmlDocumentText(docs)
}

func TestConvertToXmlSamples(t *testing.T) {
	custom := pscustom(note("prop1", "val1"), note("prop2", "val2"))
	nested := pscustom(
		note("Prop1", pscustom(note("Prop1", pscustom(note("Prop1", 111), note("Prop2", 222))), note("Prop2", 22))),
		note("Prop2", 2))
	sqlVersion := "Microsoft SQL Server 2008 R2 (SP2) - 10.50.4033.0 (X64) \n        Jul  9 2014 16:04:25 \n        Copyright (c) Microsoft Corporation\n        Express Edition (64-bit) on Windows NT 6.1 <X64> (Build 7601: Service Pack 1) (Hypervisor)\n"
	row := newHashtable()
	row.Set("Version", sqlVersion)
	cases := []struct {
		name, reason string
		got          func() string
		want         string
	}{
		{"as string", "docs/exchange.md#convertto-xml: PS7 test expectation with the 5.1 declaration: two-space indent, CRLF, no trailing newline",
			func() string { return xmlString(t, []any{custom}, 1, false) },
			"<?xml version=\"1.0\"?>\r\n<Objects>\r\n  <Object Type=\"System.Management.Automation.PSCustomObject\">\r\n    <Property Name=\"prop1\" Type=\"System.String\">val1</Property>\r\n    <Property Name=\"prop2\" Type=\"System.String\">val2</Property>\r\n  </Object>\r\n</Objects>"},
		{"outer xml", "docs/exchange.md#convertto-xml: -Depth 1 .OuterXml",
			func() string { return (&xmlDocument{items: []any{custom}, depth: 1}).outerXml() },
			`<?xml version="1.0"?><Objects><Object Type="System.Management.Automation.PSCustomObject"><Property Name="prop1" Type="System.String">val1</Property><Property Name="prop2" Type="System.String">val2</Property></Object></Objects>`},
		{"no type information", "docs/exchange.md#convertto-xml: -NoTypeInformation drops every Type",
			func() string { return (&xmlDocument{items: []any{custom}, depth: 1, notype: true}).outerXml() },
			`<?xml version="1.0"?><Objects><Object><Property Name="prop1">val1</Property><Property Name="prop2">val2</Property></Object></Objects>`},
		{"hashtable", "docs/exchange.md#convertto-xml: a hashtable is Key/Value pairs",
			func() string {
				h := newHashtable()
				h.Set("foo", "bar")
				return (&xmlDocument{items: []any{h}, depth: 1}).outerXml()
			},
			`<?xml version="1.0"?><Objects><Object Type="System.Collections.Hashtable"><Property Name="Key" Type="System.String">foo</Property><Property Name="Value" Type="System.String">bar</Property></Object></Objects>`},
		{"nested below depth", "docs/exchange.md#convertto-xml: a PSCustomObject at depth 0 is its ToString() plus its notes",
			func() string { return (&xmlDocument{items: []any{nested}, depth: 1}).outerXml() },
			`<?xml version="1.0"?><Objects><Object Type="System.Management.Automation.PSCustomObject"><Property Name="Prop1" Type="System.Management.Automation.PSCustomObject"><Property Type="System.String">@{Prop1=; Prop2=22}</Property><Property Name="Prop1" Type="System.Management.Automation.PSNoteProperty">@{Prop1=111; Prop2=222}</Property><Property Name="Prop2" Type="System.Management.Automation.PSNoteProperty">22</Property></Property><Property Name="Prop2" Type="System.Int32">2</Property></Object></Objects>`},
		{"windows powershell arraylist", "docs/exchange.md#convertto-xml: dfch sample: -InputObject of an ArrayList of hashtables, text escaped, line breaks kept",
			func() string {
				list := &Collection{TypeName: "System.Collections.ArrayList", Items: []any{row}}
				return (&xmlDocument{items: []any{list}, depth: 1}).outerXml()
			},
			`<?xml version="1.0"?><Objects><Object Type="System.Collections.ArrayList"><Property Type="System.Collections.Hashtable"><Property Name="Key" Type="System.String">Version</Property><Property Name="Value" Type="System.String">` +
				strings.ReplaceAll(strings.ReplaceAll(sqlVersion, "<", "&lt;"), ">", "&gt;") + `</Property></Property></Object></Objects>`},
		{"no input", "no object gives an empty root",
			func() string { return xmlString(t, nil, 1, false) },
			"<?xml version=\"1.0\"?>\r\n<Objects />"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

// TestConvertToXmlEventLogRecord rebuilds the element shapes of the real
// -As String -Depth 3 sample (its 5.1 declaration; docs/exchange.md "ConvertTo-Xml").
func TestConvertToXmlEventLogRecord(t *testing.T) {
	prop := func(n string, v any, tv string) *Property { return &Property{Name: n, Value: v, TypeOfValue: tv} }
	evProp := func(v string) *Object {
		return &Object{TypeNames: []string{"System.Diagnostics.Eventing.Reader.EventProperty"}, Props: []*Property{prop("Value", v, "System.Object")}}
	}
	rec := &Object{TypeNames: []string{"System.Diagnostics.Eventing.Reader.EventLogRecord"}, Props: []*Property{
		prop("Message", "The start type of the Background Intelligent Transfer Service service was changed from auto start to demand start.", "System.String"),
		prop("Id", 7040, "System.Int32"),
		prop("Version", typed{"System.Byte", "0"}, "System.Nullable`1[[System.Byte]]"),
		prop("Keywords", int64(-9187343239835811840), "System.Nullable`1[[System.Int64]]"),
		prop("ProviderId", typed{"System.Guid", "555908d1-a6d7-4695-8e1e-26931d2012f4"}, "System.Nullable`1[[System.Guid]]"),
		prop("UserId", &Object{TypeNames: []string{"System.Security.Principal.SecurityIdentifier"}, Props: []*Property{
			prop("BinaryLength", 12, "System.Int32"),
			prop("AccountDomainSid", nil, "System.Security.Principal.SecurityIdentifier"),
			prop("Value", "S-1-5-18", "System.String"),
		}}, "System.Security.Principal.SecurityIdentifier"),
		prop("TimeCreated", typed{"System.DateTime", "4/25/2022 11:51:07 AM"}, "System.Nullable`1[[System.DateTime]]"),
		prop("ActivityId", nil, "System.Nullable`1[[System.Guid, System.Private.CoreLib, Version=6.0.0.0, Culture=neutral, PublicKeyToken=7cec85d7bea7798e]]"),
		prop("MatchedQueryIds", &Collection{TypeName: "System.UInt32[]"}, "System.UInt32[]"),
		prop("Bookmark", nil, "System.Diagnostics.Eventing.Reader.EventBookmark"),
		prop("LevelDisplayName", "Information", "System.String"),
		prop("OpcodeDisplayName", "", "System.String"),
		prop("KeywordsDisplayNames", &Collection{TypeName: "System.Collections.ObjectModel.ReadOnlyCollection`1[System.String]", Items: []any{"Classic"}}, ""),
		prop("Properties", &Collection{TypeName: "System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]",
			Items: []any{evProp("Background Intelligent Transfer Service"), evProp("auto start")}}, ""),
	}}
	want := strings.Join([]string{
		`<?xml version="1.0"?>`,
		`<Objects>`,
		`  <Object Type="System.Diagnostics.Eventing.Reader.EventLogRecord">`,
		`    <Property Name="Message" Type="System.String">The start type of the Background Intelligent Transfer Service service was changed from auto start to demand start.</Property>`,
		`    <Property Name="Id" Type="System.Int32">7040</Property>`,
		`    <Property Name="Version" Type="System.Byte">0</Property>`,
		`    <Property Name="Keywords" Type="System.Int64">-9187343239835811840</Property>`,
		`    <Property Name="ProviderId" Type="System.Guid">555908d1-a6d7-4695-8e1e-26931d2012f4</Property>`,
		`    <Property Name="UserId" Type="System.Security.Principal.SecurityIdentifier">`,
		`      <Property Name="BinaryLength" Type="System.Int32">12</Property>`,
		`      <Property Name="AccountDomainSid" Type="System.Security.Principal.SecurityIdentifier" />`,
		`      <Property Name="Value" Type="System.String">S-1-5-18</Property>`,
		`    </Property>`,
		`    <Property Name="TimeCreated" Type="System.DateTime">4/25/2022 11:51:07 AM</Property>`,
		"    <Property Name=\"ActivityId\" Type=\"System.Nullable`1[[System.Guid, System.Private.CoreLib, Version=6.0.0.0, Culture=neutral, PublicKeyToken=7cec85d7bea7798e]]\" />",
		`    <Property Name="MatchedQueryIds" Type="System.UInt32[]" />`,
		`    <Property Name="Bookmark" Type="System.Diagnostics.Eventing.Reader.EventBookmark" />`,
		`    <Property Name="LevelDisplayName" Type="System.String">Information</Property>`,
		`    <Property Name="OpcodeDisplayName" Type="System.String" />`,
		"    <Property Name=\"KeywordsDisplayNames\" Type=\"System.Collections.ObjectModel.ReadOnlyCollection`1[System.String]\">",
		`      <Property Type="System.String">Classic</Property>`,
		`    </Property>`,
		"    <Property Name=\"Properties\" Type=\"System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]\">",
		`      <Property Type="System.Diagnostics.Eventing.Reader.EventProperty">`,
		`        <Property Name="Value" Type="System.String">Background Intelligent Transfer Service</Property>`,
		`      </Property>`,
		`      <Property Type="System.Diagnostics.Eventing.Reader.EventProperty">`,
		`        <Property Name="Value" Type="System.String">auto start</Property>`,
		`      </Property>`,
		`    </Property>`,
		`  </Object>`,
		`</Objects>`,
	}, "\r\n")
	if diff := cmp.Diff(want, xmlString(t, []any{rec}, 3, false)); diff != "" {
		t.Errorf("EventLogRecord at -Depth 3 (-want +got):\n%s", diff)
	}
}

func TestConvertToXmlCmdlet(t *testing.T) {
	cases := []struct {
		name, reason, script, want string
	}{
		{"stream", "-As Stream writes the declaration, <Objects>, one string per object (two here), </Objects>",
			`(1,'a' | ConvertTo-Xml -As Stream).Count`, "5\r\n"},
		{"depth validation", "-Depth 0 fails ValidateRange",
			`ConvertTo-Xml -InputObject 1 -Depth 0 -As String`, ""},
		{"outer xml of document", "the default -As Document has .OuterXml",
			`(ConvertTo-Xml -InputObject 'x').OuterXml`, "<?xml version=\"1.0\"?><Objects><Object Type=\"System.String\">x</Object></Objects>\r\n"},
		{"input object array", "-InputObject $array is one Object of type System.Object[]",
			`ConvertTo-Xml -InputObject @(1,2) -As String -NoTypeInformation`,
			"<?xml version=\"1.0\"?>\r\n<Objects>\r\n  <Object>\r\n    <Property>1</Property>\r\n    <Property>2</Property>\r\n  </Object>\r\n</Objects>\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, testHost("5.1", 80), "powershell -NoProfile -Command -", tc.script+"\r\n")
			if diff := cmp.Diff(tc.want, r.stdout); diff != "" {
				t.Errorf("%s (-want +got):\n%s\nstderr: %s", tc.reason, diff, r.stderr)
			}
		})
	}
}
