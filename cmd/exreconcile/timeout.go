package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/exreconcile/exreconcile/controller"
)

// timeoutFlag is --timeout, the per-server deadline of a run. It is passed
// on only when given, so that an organisation's spec.timeout applies
// otherwise (the flag wins when both are set).
type timeoutFlag struct {
	value time.Duration
	cmd   *cobra.Command
}

func (t *timeoutFlag) register(cmd *cobra.Command) {
	t.cmd = cmd
	cmd.Flags().DurationVar(&t.value, "timeout", controller.DefaultServerTimeout,
		"deadline of each server's work in a run (observe, apply, verify); a server that exceeds it fails as TimedOut "+
			"while the others go on; given, it wins over spec.timeout")
}

// get returns the deadline to pass to the controller: 0 when the flag was
// not given.
func (t *timeoutFlag) get() (time.Duration, error) {
	if t.cmd == nil || !t.cmd.Flags().Changed("timeout") {
		return 0, nil
	}
	if t.value < time.Second {
		return 0, fmt.Errorf("--timeout %s: give at least 1s (for example 5m)", t.value)
	}
	return t.value, nil
}
