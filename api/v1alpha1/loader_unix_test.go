//go:build unix

package v1alpha1

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLoadRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan Diagnostics, 1)
	go func() {
		_, diags := Loader{}.Load(dir)
		done <- diags
	}()
	select {
	case diags := <-done:
		if !diags.HasErrors() || !strings.Contains(diags.Error().Error(), "not a regular file") {
			t.Errorf("diagnostics %v\nreason: a FIFO in the folder is refused, not read", diags)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Load hangs on a FIFO")
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		_, diags := Loader{}.Load("/dev/zero")
		if !diags.HasErrors() {
			t.Errorf("-f /dev/zero loaded\nreason: a device is not a manifest")
		}
	}
}
