package exchange

import (
	"testing"
	"time"
)

func TestParseCIMDateTime(t *testing.T) {
	tests := []struct {
		name, in string
		want     time.Time
		err      bool
	}{
		{name: "EastOfUTC", in: "20261202172927.123456+060", want: time.Date(2026, 12, 2, 16, 29, 27, 123456000, time.UTC)},
		{name: "WestOfUTC", in: "20260102030405.000000-300", want: time.Date(2026, 1, 2, 8, 4, 5, 0, time.UTC)},
		{name: "UTC", in: " 20240305140709.250000+000 ", want: time.Date(2024, 3, 5, 14, 7, 9, 250000000, time.UTC)},
		{name: "CultureText", in: "12/2/2026 5:29:27 PM", err: true},
		{name: "NoOffset", in: "20261202172927.123456", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCIMDateTime(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
