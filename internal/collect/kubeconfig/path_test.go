package kubeconfig

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCheckPath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config")
	if err := os.WriteFile(file, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nope")
	for _, tc := range []struct {
		path, want string
	}{
		{"", ""},
		{file, ""},
		{missing, "--kubeconfig " + missing + ": no such file (" + howKubectlFinds + ")"},
		{dir, "--kubeconfig " + dir + ": a folder, not a kubeconfig file (" + howKubectlFinds + ")"},
	} {
		err := CheckPath(tc.path)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("CheckPath(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}
