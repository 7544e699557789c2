package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckRatio is the CI step's decision (issue 14): fail when the
// measured analyze/baseline ratio exceeds 1.6 times the recorded one, and
// say what was measured, recorded and allowed.
func TestCheckRatio(t *testing.T) {
	tests := []struct {
		measured, recorded, factor float64
		ok                         bool
		msg                        string
	}{
		{1.40, 1.31, 1.6, true, "ratio ok: analyze/baseline median wall 1.400x <= budget 2.096x (1.60 x 1.310x recorded)"},
		{2.096, 1.31, 1.6, true, "ratio ok: analyze/baseline median wall 2.096x <= budget 2.096x (1.60 x 1.310x recorded)"},
		{2.10, 1.31, 1.6, false, "ratio over budget: analyze/baseline median wall 2.100x > budget 2.096x (1.60 x 1.310x recorded)"},
		{3.00, 1.31, 1.6, false, "ratio over budget: analyze/baseline median wall 3.000x > budget 2.096x (1.60 x 1.310x recorded)"},
		{0.50, 1.31, 1.6, true, "ratio ok: analyze/baseline median wall 0.500x <= budget 2.096x (1.60 x 1.310x recorded)"},
		{1.40, 1.31, 1.0, false, "ratio over budget: analyze/baseline median wall 1.400x > budget 1.310x (1.00 x 1.310x recorded)"},
	}
	for _, tc := range tests {
		ok, msg := checkRatio(tc.measured, tc.recorded, tc.factor)
		if ok != tc.ok || msg != tc.msg {
			t.Errorf("checkRatio(%v, %v, %v) = %v, %q\nwant %v, %q", tc.measured, tc.recorded, tc.factor, ok, msg, tc.ok, tc.msg)
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("message %q is not one line", msg)
		}
	}
}

func TestReadRecordedRatio(t *testing.T) {
	tests := []struct {
		name, text string
		want       float64
		err        string
	}{
		{name: "the line", text: "# Performance\n\n## CI ratio budget\n\nci-ratio-wall: 1.31\n", want: 1.31},
		{name: "indented as code", text: "    ci-ratio-wall:   1.47  \n", want: 1.47},
		{name: "the first of two", text: "ci-ratio-wall: 1.2\nci-ratio-wall: 9\n", want: 1.2},
		{name: "missing", text: "# Performance\nci-ratio: 1.3\n", err: `: no line "ci-ratio-wall: R": add one`},
		{name: "not a number", text: "x\nci-ratio-wall: 1.3x\n", err: `:2: "1.3x" is not a positive ratio`},
		{name: "zero", text: "ci-ratio-wall: 0\n", err: `:1: "0" is not a positive ratio`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "performance.md")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := readRecordedRatio(path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), path) {
					t.Errorf("err = %v, want %s...%s", err, path, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("= %v, %v, want %v", got, err, tc.want)
			}
		})
	}
	if _, err := readRecordedRatio(filepath.Join(t.TempDir(), "absent.md")); err == nil || !strings.HasPrefix(err.Error(), "-ratio-record: open ") {
		t.Errorf("absent file: err = %v", err)
	}
}

// TestRecordedRatioInDocs: docs/performance.md holds the line the CI step
// reads, with a ratio a measurement could have given.
func TestRecordedRatioInDocs(t *testing.T) {
	r, err := readRecordedRatio("../../docs/performance.md")
	if err != nil {
		t.Fatal(err)
	}
	if r < 0.5 || r > 10 {
		t.Errorf("recorded ratio %v: not a plausible analyze/baseline ratio", r)
	}
}
