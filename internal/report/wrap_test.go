package report

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWrapWords(t *testing.T) {
	long := "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE/and/more/path/to/exceed/the/width"
	tests := []struct {
		name        string
		words       []string
		first, rest string
		want        []string
	}{
		{name: "no words", first: "  - ", rest: "    ", want: []string{"  -"}},
		{name: "fits", words: []string{"a", "b"}, first: "> ", rest: "  ", want: []string{"> a b"}},
		{
			name:  "breaks at the width with a hanging indent",
			words: strings.Fields(strings.Repeat("abcdefghi ", 12)),
			first: "    ", rest: "      ",
			want: []string{
				"    " + strings.TrimSpace(strings.Repeat("abcdefghi ", 9)),
				"      abcdefghi abcdefghi abcdefghi",
			},
		},
		{
			name:  "a word longer than the line stays whole on its own line",
			words: []string{"see", long, "now"},
			first: "  ", rest: "  ",
			want: []string{"  see", "  " + long, "  now"},
		},
		{
			name:  "deep indent keeps forty columns of text",
			words: strings.Fields(strings.Repeat("abcd ", 12)),
			first: strings.Repeat(" ", 80), rest: strings.Repeat(" ", 80),
			want: []string{
				strings.Repeat(" ", 80) + strings.TrimSpace(strings.Repeat("abcd ", 8)),
				strings.Repeat(" ", 80) + "abcd abcd abcd abcd",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := wrapWords(tc.words, tc.first, tc.rest)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("wrapWords (-want +got):\n%s", diff)
			}
			for _, l := range got {
				if cols(l) > width && !strings.Contains(l, long) && !strings.HasPrefix(l, strings.Repeat(" ", 80)) {
					t.Errorf("line of %d columns: %q", cols(l), l)
				}
			}
		})
	}
}

func TestCols(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"✓ ok", 4},
		{ansiGreen + "✓" + ansiReset + " ok", 4},
		{ansiBoldRed + "IRSA205" + ansiReset, 7},
		{"\x1b[", 0},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := cols(tc.in); got != tc.want {
				t.Errorf("cols(%q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}
