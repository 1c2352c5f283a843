package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/controller"
)

// newExportCommand builds `exreconcile export`: the live state of the
// declared organisations as manifests, for adopting existing servers.
func newExportCommand(a *app) *cobra.Command {
	var files []string
	var parallel int
	var outFile string
	var deadline timeoutFlag
	cmd := &cobra.Command{
		Use:   "export -f ORG.yaml [-f ...] > live.yaml",
		Short: "Write the live state of the declared organisations as manifests (adoption)",
		Long: `export observes every server of the ExchangeOrganizations given with -f (one WinRM
command each) and writes, one YAML document per object, every send connector, every
non-default receive connector, the TransportConfig domain-secure lists and the
certificates enabled for any service. Secrets are never exported: a smart-host
credential is left out, with a YAML comment showing how to declare it. Default receive
connectors are written with only the fields that differ from the version's defaults.
diff on the result shows no drift.

Exit status: 0 success, 1 any server could not be read (what could be read is still written).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(files) == 0 {
				return errNoFiles
			}
			timeout, err := deadline.get()
			if err != nil {
				return err
			}
			site, diags := v1alpha1.Loader{Stdin: a.in}.LoadAndValidate(files...)
			if diags.HasErrors() {
				writeDiagnostics(a.err, v1alpha1.NewReport(diags, len(site.Objects)), a.color(a.err))
				return exitCodeError(exitError)
			}
			opts := controller.Options{Parallel: parallel, Connect: a.connect, Timeout: timeout}
			if outFile != "" {
				opts.ExportDir = filepath.Dir(outFile)
			}
			out, errs, err := controller.Export(cmd.Context(), site, opts)
			if err != nil {
				return err
			}
			if outFile != "" {
				err = os.WriteFile(outFile, out, 0o600)
			} else {
				_, err = a.out.Write(out)
			}
			if err != nil {
				return err
			}
			for _, e := range errs {
				fmt.Fprintf(a.err, "error: %s\n", e.Error())
			}
			if len(errs) > 0 {
				return exitCodeError(exitError)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&files, "filename", "f", nil, "manifest file or folder declaring the organisations; repeatable")
	cmd.Flags().IntVar(&parallel, "parallel", 8, "servers read at once")
	deadline.register(cmd)
	cmd.Flags().StringVar(&outFile, "out", "", "write to FILE (files the organisation names are then relative to FILE's folder; on stdout they are absolute)")
	return cmd
}
