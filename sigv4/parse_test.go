package sigv4

import (
	"testing"
	"time"
)

func TestParseMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Mode
		wantErr bool
	}{
		{"open", ModeOpen, false},
		{"strict", ModeStrict, false},
		{"Strict", "", true},
		{"", "", true},
		{"none", "", true},
	}
	for _, tc := range tests {
		got, err := ParseMode(tc.in)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("ParseMode(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

// TestParseAmzDate: X-Amz-Date is ISO 8601 basic format, YYYYMMDD'T'HHMMSS'Z', and nothing
// else; impossible dates are refused rather than normalised into other days.
func TestParseAmzDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time // zero: refused
	}{
		{"20261126T120000Z", t0},
		{"20240229T235959Z", time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)},
		{"20250229T000000Z", time.Time{}},
		{"20261131T000000Z", time.Time{}},
		{"20261126T240000Z", time.Time{}},
		{"20261126T126000Z", time.Time{}},
		{"20261126T120060Z", time.Time{}},
		{"20261326T120000Z", time.Time{}},
		{"20261100T120000Z", time.Time{}},
		{"20261126t120000z", time.Time{}},
		{"20261126T120000", time.Time{}},
		{"20261126T120000Z0", time.Time{}},
		{"2026-11-26T12:00:00Z", time.Time{}},
		{"2026112+T120000Z", time.Time{}},
		{"", time.Time{}},
	}
	for _, tc := range tests {
		got, ok := parseAmzDate(tc.in)
		if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
			t.Errorf("parseAmzDate(%q) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
}
