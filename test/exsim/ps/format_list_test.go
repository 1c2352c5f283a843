package ps

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// objectsFromTranscript rebuilds the objects behind a Format-List
// transcript: True/False become Booleans, digits Int32, {a, b} collections,
// everything else strings, so that rendering them must give the transcript.
func objectsFromTranscript(t *testing.T, text string) []*Object {
	t.Helper()
	var out []*Object
	var cur *Object
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			cur = nil
			continue
		}
		label, value, ok := strings.Cut(line, " : ")
		if !ok {
			label, value = strings.TrimSuffix(line, " :"), ""
		}
		if cur == nil {
			cur = &Object{TypeNames: []string{"Deserialized.Test"}}
			out = append(out, cur)
		}
		cur.Props = append(cur.Props, &Property{Name: strings.TrimSpace(label), Value: valueFromText(value)})
	}
	return out
}

func valueFromText(v string) any {
	switch {
	case v == "":
		return nil
	case v == "True" || v == "False":
		return v == "True"
	case strings.HasPrefix(v, "{") && strings.HasSuffix(v, "}"):
		c := &Collection{TypeName: "System.Collections.ArrayList"}
		if inner := v[1 : len(v)-1]; inner != "" {
			for _, it := range strings.Split(inner, ", ") {
				c.Items = append(c.Items, it)
			}
		}
		return c
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	return v
}

// withTrailingBlank restores the blank after "Name :" that forum copies lose.
func withTrailingBlank(text string) []string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		if strings.HasSuffix(l, " :") {
			lines[i] = l + " "
		}
	}
	return lines
}

// listLines renders Format-List of objs and strips the two leading and
// three trailing blank lines (checked separately).
func listLines(t *testing.T, objs []any, patterns []string, width, limit int) []string {
	t.Helper()
	lines := (&formatOutput{list: listEntries(objs, patterns, limit)}).render(width, false)
	if len(lines) < 5 || lines[0] != "" || lines[1] != "" || lines[len(lines)-1] != "" || lines[len(lines)-2] != "" || lines[len(lines)-3] != "" {
		t.Fatalf("blank lines around the list are wrong: %q", lines)
	}
	return lines[2 : len(lines)-3]
}

func TestFormatListTranscripts(t *testing.T) {
	cases := []struct {
		name, reason, file string
		width              int
		listView           bool
	}{
		{"receive connector 2016", "real console output at buffer width 120 (W = 119)", "fl_receive_frontend_2016.txt", 119, false},
		{"send connector 2019", "the rendered sample does not wrap, so render wide", "fl_send_connector_2019.txt", 400, false},
		{"exchange certificates", "three objects with the 14-property list view, a blank line between them", "fl_exchange_certificate.txt", 119, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			objs := objectsFromTranscript(t, string(raw))
			var in []any
			for _, o := range objs {
				if tc.listView {
					for _, p := range o.Props {
						o.ListView = append(o.ListView, p.Name)
					}
					// Properties outside the view must not show.
					o.Props = append(o.Props, &Property{Name: "FriendlyName", Value: "x"}, &Property{Name: "RawData", Value: []byte{1, 2}})
				}
				in = append(in, o)
			}
			got := listLines(t, in, nil, tc.width, 4)
			if diff := cmp.Diff(withTrailingBlank(string(raw)), got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestFormatListLayout(t *testing.T) {
	mailbox := &Object{TypeNames: []string{"Microsoft.Exchange.Data.Directory.Management.Mailbox"}, Props: []*Property{
		{Name: "Name", Value: "Test User"},
		{Name: "Alias", Value: "TestUser1"},
		{Name: "DisplayName", Value: "Test User"},
		{Name: "EmailAddresses", Value: &Collection{TypeName: "Microsoft.Exchange.Data.ProxyAddressCollection", Items: []any{"SMTP:TestUser1@contoso.com"}}},
		{Name: "EmailAddressPolicyEnabled", Value: true},
	}}
	five := &Collection{TypeName: "System.Collections.ArrayList", Items: []any{"a", "b", "c", "d", "e"}}
	cases := []struct {
		name, reason string
		obj          any
		patterns     []string
		width, limit int
		want         []string
	}{
		{"property wildcards", "docs/exchange.md#format-list: Format-List -Property Name, Alias, Email*", mailbox, []string{"Name", "Alias", "Email*"}, 79, 4, []string{
			"Name                      : Test User",
			"Alias                     : TestUser1",
			"EmailAddresses            : {SMTP:TestUser1@contoso.com}",
			"EmailAddressPolicyEnabled : True",
		}},
		{"enumeration limit", "more items than $FormatEnumerationLimit end in ...", &Object{Props: []*Property{{Name: "List", Value: five}}}, nil, 79, 4, []string{
			"List : {a, b, c, d...}",
		}},
		{"no limit", "a negative limit shows everything", &Object{Props: []*Property{{Name: "List", Value: five}}}, nil, 79, -1, []string{
			"List : {a, b, c, d, e}",
		}},
		{"empty collection", "an empty multi-valued property prints {}", &Object{Props: []*Property{{Name: "TLSSendDomainSecureList", Value: &Collection{}}}}, nil, 79, 4, []string{
			"TLSSendDomainSecureList : {}",
		}},
		{"word wrap", "a value wider than the field wraps after a blank, the continuation indented to the value column",
			&Object{Props: []*Property{{Name: "Name", Value: "From-Canoe.com"}, {Name: "PermissionGroups", Value: "AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers"}}}, nil, 79, 4, []string{
				"Name             : From-Canoe.com",
				"PermissionGroups : AnonymousUsers, ExchangeUsers, ExchangeServers, ",
				"                   ExchangeLegacyServers",
			}},
		{"long word", "a word longer than the field is cut character by character",
			&Object{Props: []*Property{{Name: "DN", Value: strings.Repeat("x", 80)}}}, nil, 40, 4, []string{
				"DN : " + strings.Repeat("x", 35),
				"     " + strings.Repeat("x", 35),
				"     " + strings.Repeat("x", 10),
			}},
		{"embedded newline", "lines of a value after the first are indented", &Object{Props: []*Property{{Name: "Banner", Value: "220 a\r\nb"}}}, nil, 79, 4, []string{
			"Banner : 220 a",
			"         b",
		}},
		{"missing property", "a name without wildcard that matches nothing shows empty", mailbox, []string{"Name", "Nope"}, 79, 4, []string{
			"Name : Test User",
			"Nope : ",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := listLines(t, []any{tc.obj}, tc.patterns, tc.width, tc.limit)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestOutStringOfFormatList(t *testing.T) {
	// PS-2016 test/powershell/Format-List.Tests.ps1: two blank lines before,
	// three after, each line ending in a newline.
	r := runScript(t, testHost("5.1", 80), "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\n"+
		"$x = Get-TransportConfig | Select-Object Name\n"+
		"$s = $x | Format-List | Out-String\n"+
		"[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s))")
	want := "\r\n\r\nName : Transport Settings\r\n\r\n\r\n\r\n"
	got, _ := fromBase64(strings.TrimSpace(r.stdout))
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("Out-String of Format-List (-want +got):\n%s\nstderr: %s", diff, r.stderr)
	}
}
