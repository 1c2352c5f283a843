package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
)

// errNoFiles is returned when validate is run without -f.
var errNoFiles = errors.New("no manifests given; use -f FILE|FOLDER|- (repeatable)")

// newValidateCommand builds `exreconcile validate`: load and check manifests offline. It never
// builds a WinRM client and never reads a password; only the manifest files (and stdin for -)
// are opened.
func newValidateCommand(a *app) *cobra.Command {
	var files []string
	var output outputFormat
	cmd := &cobra.Command{
		Use:   "validate -f FILE|FOLDER|- [-f ...]",
		Short: "Check manifests offline: schema, Exchange parameter rules, references between objects",
		Long: `validate loads every manifest given with -f (files, folders searched recursively for
*.yaml and *.yml, or - for stdin), checks each field against the Exchange rules that
can be checked without a server, and reports every problem with its file, line,
column and field path. No server is contacted and no password is read.

Exit status: 0 valid (warnings are printed but do not fail), 1 invalid.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(files) == 0 {
				return errNoFiles
			}
			log := logr.FromContextOrDiscard(cmd.Context())
			site, diags := v1alpha1.Loader{Stdin: a.in}.LoadAndValidate(files...)
			log.V(1).Info("validated manifests", "sources", files, "objects", len(site.Objects),
				"errors", diags.Count(v1alpha1.SeverityError), "warnings", diags.Count(v1alpha1.SeverityWarning))
			report := v1alpha1.NewReport(diags, len(site.Objects))
			if err := a.printReport(output, report); err != nil {
				return err
			}
			if !report.Valid {
				return exitCodeError(exitError)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&files, "filename", "f", nil, "manifest file, folder (recursive *.yaml, *.yml) or - for stdin; repeatable")
	addOutputFlag(cmd, &output)
	return cmd
}

// printReport writes a validation report: text Diagnostics and a summary on stderr, or the
// whole report as JSON or YAML on stdout for tools.
func (a *app) printReport(format outputFormat, r v1alpha1.Report) error {
	switch format {
	case outputJSON:
		b, err := r.MarshalIndent()
		if err != nil {
			return err
		}
		_, err = a.out.Write(b)
		return err
	case outputYAML:
		j, err := json.Marshal(r)
		if err != nil {
			return err
		}
		b, err := yaml.JSONToYAML(j)
		if err != nil {
			return err
		}
		_, err = a.out.Write(b)
		return err
	}
	writeDiagnostics(a.err, r, a.color(a.err))
	return nil
}

// ANSI colours for terminals.
const (
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiReset  = "\x1b[0m"
)

// writeDiagnostics prints one line per Diagnostic, then a summary line.
func writeDiagnostics(w io.Writer, r v1alpha1.Report, color bool) {
	paint := func(c, s string) string {
		if !color {
			return s
		}
		return c + s + ansiReset
	}
	for _, d := range r.Diagnostics {
		c := ansiRed
		if d.Severity == v1alpha1.SeverityWarning {
			c = ansiYellow
		}
		fmt.Fprintln(w, paint(c, d.String()))
	}
	summary := fmt.Sprintf("%s, %s in %s", plural(r.Errors, "error"), plural(r.Warnings, "warning"), plural(r.Objects, "object"))
	if r.Valid {
		fmt.Fprintln(w, paint(ansiGreen, "valid: "+summary))
	} else {
		fmt.Fprintln(w, paint(ansiRed, "invalid: "+summary))
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
