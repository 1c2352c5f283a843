package controller

import (
	"context"
	"testing"
	"time"
)

// TestReportTimesFromOptionsNow: a fixed clock fixes the report's times too
// (the golden plans of the examples are compared byte for byte).
func TestReportTimesFromOptionsNow(t *testing.T) {
	site := loadSite(t, engineSite)
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	r, err := Run(context.Background(), site, Options{Mode: ModePlan, Connect: newFakeSite().connect, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	if !r.StartedAt.Equal(at) || !r.FinishedAt.Equal(at) {
		t.Errorf("startedAt %v finishedAt %v, want %v", r.StartedAt, r.FinishedAt, at)
	}
}
