package check

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// headsOf keeps the first line of each rendered finding block.
func headsOf(blocks []string) []string {
	out := make([]string, 0, len(blocks))
	for _, b := range blocks {
		head, _, _ := strings.Cut(b, "\n")
		out = append(out, head)
	}
	return out
}

// assertBlocks compares rendered findings; PRINT_FINDINGS=1 logs them as Go
// string literals, to write the want of a new case (then review every line).
func assertBlocks(t *testing.T, got, want []string) {
	t.Helper()
	if os.Getenv("PRINT_FINDINGS") != "" {
		for _, g := range got {
			t.Logf("%q,", g)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
}
