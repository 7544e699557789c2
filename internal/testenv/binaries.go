package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// KubeVersion is the kube-apiserver release hack/build-kube-apiserver.sh
// builds and the harness runs.
const KubeVersion = "v1.32.13"

// EnvBinDir names the directory holding kube-apiserver and etcd; the
// Makefile exports it after hack/test-binaries.sh has filled it.
const EnvBinDir = "IRSA_DOCTOR_TEST_BIN"

// ErrNoBinaries means the binaries are not installed: integration tests are
// skipped, not failed, so that a plain `go test ./...` stays green.
var ErrNoBinaries = errors.New("kube-apiserver and etcd are not installed: `make test` builds them and runs every test; " +
	"`make test-binaries` (hack/test-binaries.sh) only builds them, into $HOME/.cache/irsa-doctor/bin or $" + EnvBinDir)

// Binaries are the paths of the programs the harness runs.
type Binaries struct {
	KubeAPIServer, Etcd string
}

// FindBinaries looks in $IRSA_DOCTOR_TEST_BIN, else in the cache that
// hack/test-binaries.sh fills by default ($HOME/.cache/irsa-doctor/bin);
// etcd may also come from PATH (Debian's etcd-server). It returns an error
// wrapping ErrNoBinaries when the default cache lacks them, and a plain error
// when $IRSA_DOCTOR_TEST_BIN is set but incomplete: whoever set it meant the
// integration tests to run.
func FindBinaries() (Binaries, error) {
	dir, explicit := os.LookupEnv(EnvBinDir)
	if !explicit || dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return Binaries{}, fmt.Errorf("find test binaries: %w", ErrNoBinaries)
		}
		dir = filepath.Join(home, ".cache", "irsa-doctor", "bin")
		explicit = false
	}
	var b Binaries
	for _, name := range []string{"kube-apiserver", "kube-apiserver-" + KubeVersion} {
		if p := filepath.Join(dir, name); isExecutable(p) {
			b.KubeAPIServer = p
			break
		}
	}
	if p := filepath.Join(dir, "etcd"); isExecutable(p) {
		b.Etcd = p
	} else if p, err := exec.LookPath("etcd"); err == nil {
		b.Etcd = p
	}
	if b.KubeAPIServer != "" && b.Etcd != "" {
		return b, nil
	}
	var missing []string
	if b.KubeAPIServer == "" {
		missing = append(missing, "kube-apiserver")
	}
	if b.Etcd == "" {
		missing = append(missing, "etcd")
	}
	if explicit {
		return Binaries{}, fmt.Errorf("%s=%s has no %v: run hack/test-binaries.sh (make test-binaries)", EnvBinDir, dir, missing)
	}
	return Binaries{}, fmt.Errorf("no %v in %s: %w", missing, dir, ErrNoBinaries)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
