package v1alpha1

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiagnosticString(t *testing.T) {
	cases := map[string]struct {
		reason string
		d      Diagnostic
		want   string
	}{
		"Full": {
			reason: "The form the issue asks for.",
			d: Diagnostic{Severity: SeverityError, File: "site/x.yaml", Line: 12, Column: 5, Kind: "SendConnector", Name: "to canoe.com",
				Path: "spec.addressSpaces[1]", Message: `invalid address space "*canoe.com"`},
			want: `site/x.yaml:12:5: SendConnector "to canoe.com": spec.addressSpaces[1]: invalid address space "*canoe.com"`,
		},
		"Warning": {
			reason: "Warnings say so before the object.",
			d:      Diagnostic{Severity: SeverityWarning, File: "a.yaml", Line: 3, Column: 1, Kind: "TransportConfig", Name: "t", Message: "m"},
			want:   `a.yaml:3:1: warning: TransportConfig "t": m`,
		},
		"FileOnly": {
			reason: "Read errors have no position.",
			d:      Diagnostic{Severity: SeverityError, File: "missing.yaml", Message: "cannot read: file does not exist"},
			want:   "missing.yaml: cannot read: file does not exist",
		},
		"LineOnly": {
			reason: "YAML syntax errors have a line but no column.",
			d:      Diagnostic{Severity: SeverityError, File: "a.yaml", Line: 7, Message: "invalid YAML: x"},
			want:   "a.yaml:7: invalid YAML: x",
		},
		"Backslash": {
			reason: "Identities keep their single backslash.",
			d:      Diagnostic{Severity: SeverityError, Kind: "ReceiveConnector", Name: `WIN1\Default WIN1`, Message: "m"},
			want:   `ReceiveConnector "WIN1\Default WIN1": m`,
		},
		"Invisible": {
			reason: "Invisible characters are escaped so that they can be seen.",
			d:      Diagnostic{Severity: SeverityError, Kind: "SendConnector", Name: "a\u200eb", Message: "m"},
			want:   `SendConnector "a\u200eb": m`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.d.String()); diff != "" {
				t.Errorf("\nReason: %s\nString(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDiagnosticsSortAndReport(t *testing.T) {
	ds := Diagnostics{
		{Severity: SeverityWarning, File: "b.yaml", Line: 1, Message: "w"},
		{Severity: SeverityError, File: "a.yaml", Line: 9, Column: 2, Message: "late"},
		{Severity: SeverityError, File: "a.yaml", Line: 9, Column: 2, Message: "late"},
		{Severity: SeverityWarning, File: "a.yaml", Line: 2, Column: 1, Message: "w"},
		{Severity: SeverityError, File: "a.yaml", Line: 2, Column: 1, Message: "e"},
		{Severity: SeverityError, Message: "no objects"},
	}.Sort()
	want := Diagnostics{
		{Severity: SeverityError, Message: "no objects"},
		{Severity: SeverityError, File: "a.yaml", Line: 2, Column: 1, Message: "e"},
		{Severity: SeverityWarning, File: "a.yaml", Line: 2, Column: 1, Message: "w"},
		{Severity: SeverityError, File: "a.yaml", Line: 9, Column: 2, Message: "late"},
		{Severity: SeverityWarning, File: "b.yaml", Line: 1, Message: "w"},
	}
	if diff := cmp.Diff(want, ds); diff != "" {
		t.Errorf("Sort(): sorted by file, line, column, errors first, duplicates removed: -want, +got:\n%s", diff)
	}
	r := NewReport(ds, 3)
	if r.Valid || r.Errors != 3 || r.Warnings != 2 || r.Objects != 3 {
		t.Errorf("NewReport() = %+v", r)
	}
	b, err := r.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("report JSON does not read back: %v", err)
	}
	if diff := cmp.Diff(r, back); diff != "" {
		t.Errorf("JSON round trip: -want, +got:\n%s", diff)
	}
	if err := ds.Error(); err == nil {
		t.Error("Error() = nil with errors present")
	}
	if err := (Diagnostics{{Severity: SeverityWarning, Message: "w"}}).Error(); err != nil {
		t.Errorf("Error() = %v with only warnings", err)
	}
	empty, _ := NewReport(nil, 0).MarshalIndent()
	if want := `"diagnostics": []`; !json.Valid(empty) || !strings.Contains(string(empty), want) {
		t.Errorf("an empty report must list diagnostics as [], got %s", empty)
	}
}
