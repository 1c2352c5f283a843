package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

// version is set at build time: go build -ldflags "-X main.version=v0.1.0".
var version = "dev"

// versionInfo is what `exreconcile version` reports.
type versionInfo struct {
	Version   string `json:"version"`
	Module    string `json:"module,omitempty"`
	Commit    string `json:"commit,omitempty"`
	CommitAt  string `json:"commitTime,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// buildVersion combines the ldflags version with what the Go toolchain recorded: the module
// version (for go install) and the VCS revision (for builds from a checkout).
func buildVersion() versionInfo {
	v := versionInfo{Version: version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.Module = bi.Main.Version
		if v.Version == "dev" {
			v.Version = bi.Main.Version
		}
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.CommitAt = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// String renders the version for humans: "exreconcile v0.1.0 (commit 1a2b3c4, go1.26.8, linux/amd64)".
func (v versionInfo) String() string {
	s := "exreconcile " + v.Version + " ("
	if v.Commit != "" {
		c := v.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		s += "commit " + c
		if v.Modified {
			s += "+modified"
		}
		s += ", "
	}
	return s + v.GoVersion + ", " + v.Platform + ")"
}

func newVersionCommand(a *app) *cobra.Command {
	var output outputFormat
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version exreconcile was built with",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v := buildVersion()
			if output == outputText {
				_, err := fmt.Fprintln(a.out, v)
				return err
			}
			b, err := json.MarshalIndent(v, "", "  ")
			if err != nil {
				return err
			}
			if output == outputYAML {
				if b, err = yaml.JSONToYAML(b); err != nil {
					return err
				}
			} else {
				b = append(b, '\n')
			}
			_, err = a.out.Write(b)
			return err
		},
	}
	addOutputFlag(cmd, &output)
	return cmd
}
