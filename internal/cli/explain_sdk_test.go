package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExplainSDKVersions compares `explain sdk-versions` with its golden
// file; UPDATE_GOLDEN=1 rewrites it (review the diff: it is the table users
// read).
func TestExplainSDKVersions(t *testing.T) {
	for _, arg := range []string{"sdk-versions", "SDK-Versions"} {
		t.Run(arg, func(t *testing.T) {
			r := runCLI(t, "", "explain", arg)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			path := filepath.Join("testdata", "explain-sdk-versions.txt")
			if os.Getenv("UPDATE_GOLDEN") != "" {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(r.stdout), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (refresh with UPDATE_GOLDEN=1 go test ./internal/cli -run TestExplainSDKVersions): %v", err)
			}
			if diff := cmp.Diff(string(want), r.stdout); diff != "" {
				t.Errorf("explain sdk-versions differs from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}
