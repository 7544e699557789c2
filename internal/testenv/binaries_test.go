package testenv

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFindBinaries(t *testing.T) {
	// install creates executables (or a plain file for "name!") in dir.
	install := func(t *testing.T, dir string, names ...string) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			mode := os.FileMode(0o755)
			if n[len(n)-1] == '!' {
				n, mode = n[:len(n)-1], 0o644
			}
			if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), mode); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name string
		// env is IRSA_DOCTOR_TEST_BIN relative to the test's root ("-": unset).
		env                  string
		binDir, home, onPath []string // files in $env, in $HOME's cache, on PATH
		want                 Binaries // relative to the root
		wantErr              string
		wantNoBinaries       bool
	}{
		{
			name: "explicit directory", env: "bin",
			binDir: []string{"kube-apiserver", "etcd"},
			want:   Binaries{KubeAPIServer: "bin/kube-apiserver", Etcd: "bin/etcd"},
		},
		{
			name: "versioned apiserver and etcd from PATH", env: "bin",
			binDir: []string{"kube-apiserver-" + KubeVersion}, onPath: []string{"etcd"},
			want: Binaries{KubeAPIServer: "bin/kube-apiserver-" + KubeVersion, Etcd: "path/etcd"},
		},
		{
			name: "default cache", env: "-",
			home: []string{"kube-apiserver", "etcd"},
			want: Binaries{KubeAPIServer: "home/.cache/irsa-doctor/bin/kube-apiserver", Etcd: "home/.cache/irsa-doctor/bin/etcd"},
		},
		{
			name: "nothing installed skips", env: "-",
			wantErr:        "no [kube-apiserver etcd] in ROOT/home/.cache/irsa-doctor/bin: " + ErrNoBinaries.Error(),
			wantNoBinaries: true,
		},
		{
			name: "explicit directory incomplete fails", env: "bin",
			binDir:  []string{"kube-apiserver!", "etcd"},
			wantErr: "IRSA_DOCTOR_TEST_BIN=ROOT/bin has no [kube-apiserver]: run hack/test-binaries.sh (make test-binaries)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			install(t, filepath.Join(root, "bin"), tt.binDir...)
			install(t, filepath.Join(root, "home", ".cache", "irsa-doctor", "bin"), tt.home...)
			install(t, filepath.Join(root, "path"), tt.onPath...)
			t.Setenv("HOME", filepath.Join(root, "home"))
			t.Setenv("PATH", filepath.Join(root, "path"))
			if tt.env == "-" {
				t.Setenv(EnvBinDir, "")
				os.Unsetenv(EnvBinDir)
			} else {
				t.Setenv(EnvBinDir, filepath.Join(root, tt.env))
			}
			got, err := FindBinaries()
			if tt.wantErr != "" {
				want := strings.ReplaceAll(tt.wantErr, "ROOT", root)
				if err == nil || err.Error() != want {
					t.Fatalf("error = %v, want %s", err, want)
				}
				if errors.Is(err, ErrNoBinaries) != tt.wantNoBinaries {
					t.Errorf("errors.Is(err, ErrNoBinaries) = %v, want %v", !tt.wantNoBinaries, tt.wantNoBinaries)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Binaries{KubeAPIServer: filepath.Join(root, tt.want.KubeAPIServer), Etcd: filepath.Join(root, tt.want.Etcd)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("FindBinaries (-want +got):\n%s", diff)
			}
		})
	}
}
