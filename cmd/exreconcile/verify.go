package main

import (
	"context"
	"encoding/json"

	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/verify"
)

// exitVerifyFailed is verify's (and apply --verify-smtp's) exit code when a check failed.
const exitVerifyFailed = verify.ExitFailed

// verifyFlags are the flags of `exreconcile verify`, shared with apply --verify-smtp.
type verifyFlags struct {
	ehlo      string
	connectTo []string
	timeout   time.Duration
	output    outputFormat
}

func (f *verifyFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.ehlo, "ehlo", verify.DefaultEHLOName(), "the name sent with EHLO")
	cmd.Flags().StringArrayVar(&f.connectTo, "connect-to", nil, "HOST1:PORT1:HOST2:PORT2: send the probe for HOST1:PORT1 to HOST2:PORT2 instead (curl's syntax; repeatable)")
	cmd.Flags().DurationVar(&f.timeout, "smtp-timeout", 30*time.Second, "the time one SMTP probe may take")
}

// newVerifyCommand builds `exreconcile verify`: probe every declared receive connector over SMTP.
func newVerifyCommand(a *app) *cobra.Command {
	var files []string
	f := &verifyFlags{}
	cmd := &cobra.Command{
		Use:   "verify -f FILE|FOLDER|- [-f ...]",
		Short: "Prove on the wire that receive connectors offer STARTTLS with the right certificate and enforce TLS",
		Long: `verify opens an SMTP session to every declared receive connector (its binding's address,
or the server's FQDN for 0.0.0.0 and [::]), says EHLO, and runs the checks StartTLSOffered,
TLSVersion, CertificateSelected, CertificateCoversFQDN, CertificateValid, RequireTLSEnforced
and AuthOnlyAfterTLS, each shown with the SMTP lines that prove it. Nothing is sent past
MAIL FROM; no mail is delivered. A connector whose remote IP ranges exclude this host is
reported NotProbeableFromHere, not failed. No WinRM connection is made.

Exit status: 0 every check passed, 1 a probe could not be run, 3 a check failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(files) == 0 {
				return errNoFiles
			}
			site, diags := v1alpha1.Loader{Stdin: a.in}.LoadAndValidate(files...)
			if diags.Count(v1alpha1.SeverityError) > 0 {
				if err := a.printReport(outputText, v1alpha1.NewReport(diags, len(site.Objects))); err != nil {
					return err
				}
				return exitCodeError(exitError)
			}
			return a.VerifySMTP(cmd.Context(), site, f)
		},
	}
	cmd.Flags().StringArrayVarP(&files, "filename", "f", nil, "manifest file, folder (recursive *.yaml, *.yml) or - for stdin; repeatable")
	f.register(cmd)
	addOutputFlag(cmd, &f.output)
	return cmd
}

// VerifySMTP probes the receive connectors of a loaded, valid site and prints the report. It
// returns nil when every check passed, exitCodeError(3) when a check failed and
// exitCodeError(1) when a probe could not be run. apply --verify-smtp calls it after a
// successful apply.
func (a *app) VerifySMTP(ctx context.Context, site *v1alpha1.Site, f *verifyFlags) error {
	opts := verify.Options{EHLO: f.ehlo, Timeout: f.timeout}
	for _, s := range f.connectTo {
		c, err := verify.ParseConnectTo(s)
		if err != nil {
			return err
		}
		opts.ConnectTo = append(opts.ConnectTo, c)
	}
	rep := verify.Run(ctx, verify.ProbesFromSite(site), opts)
	switch f.output {
	case outputJSON, outputYAML:
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if f.output == outputYAML {
			if b, err = yaml.JSONToYAML(b); err != nil {
				return err
			}
		} else {
			b = append(b, '\n')
		}
		if _, err := a.out.Write(b); err != nil {
			return err
		}
	default:
		if err := rep.WriteText(a.out); err != nil {
			return err
		}
	}
	if code := rep.ExitCode(); code != verify.ExitOK {
		return exitCodeError(code)
	}
	return nil
}
