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

func TestCheckFound(t *testing.T) {
	home := t.TempDir()
	other := t.TempDir()
	cfg := filepath.Join(other, "config")
	if err := os.WriteFile(cfg, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	missing := filepath.Join(other, "nope")
	for _, tc := range []struct {
		name   string
		getenv func(string) string
		want   string
	}{
		{"no HOME: cannot tell", env(), ""},
		{"in a pod", env("HOME", home, "KUBERNETES_SERVICE_HOST", "10.0.0.1"), ""},
		{"KUBECONFIG lists an existing file", env("HOME", home, "KUBECONFIG", missing+string(filepath.ListSeparator)+cfg), ""},
		{"KUBECONFIG lists none that exists", env("HOME", home, "KUBECONFIG", missing),
			"no kubeconfig: none of the files KUBECONFIG lists exists (" + missing + "); pass --kubeconfig FILE, or fix KUBECONFIG (without it, kubectl and irsa-doctor read ~/.kube/config)"},
		{"no ~/.kube/config", env("HOME", home),
			"no kubeconfig: KUBECONFIG is unset and ~/.kube/config does not exist; pass --kubeconfig FILE or set KUBECONFIG (aws eks update-kubeconfig --name CLUSTER writes ~/.kube/config)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if err := CheckFound(tc.getenv); err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
