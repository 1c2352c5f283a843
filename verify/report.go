package verify

import (
	"fmt"
	"io"
	"strings"
)

// WriteText prints the report for people: per probe its status, each
// check with the transcript lines that prove it, the whole transcript when
// a session failed, and a summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, res := range r.Results {
		fmt.Fprintf(&b, "%s\\%s", res.Server, res.Connector)
		if res.Binding != "" {
			fmt.Fprintf(&b, " %s", res.Binding)
		}
		if res.Address != "" && res.Address != res.Target {
			fmt.Fprintf(&b, " (%s via %s)", res.Target, res.Address)
		} else if res.Target != "" {
			fmt.Fprintf(&b, " (%s)", res.Target)
		}
		fmt.Fprintf(&b, ": %s", res.Status)
		if res.Message != "" {
			fmt.Fprintf(&b, ": %s", res.Message)
		}
		b.WriteString("\n")
		for _, c := range res.Checks {
			mark := map[CheckResult]string{CheckPassed: "PASS", CheckFailed: "FAIL", CheckSkipped: "SKIP"}[c.Result]
			fmt.Fprintf(&b, "  %s %s: %s\n", mark, c.Name, c.Message)
			for _, e := range c.Evidence {
				fmt.Fprintf(&b, "       %s\n", e)
			}
		}
		if res.Status == StatusError && len(res.Transcript) > 0 {
			b.WriteString("  transcript:\n")
			for _, l := range res.Transcript {
				fmt.Fprintf(&b, "       %s\n", l)
			}
		}
	}
	fmt.Fprintf(&b, "Verify: %d passed, %d failed, %d not probeable from here, %d errors\n", r.Passed, r.Failed, r.NotProbeable, r.Errors)
	_, err := io.WriteString(w, b.String())
	return err
}
