package kubeconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// howKubectlFinds is how kubectl finds a kubeconfig, for messages.
const howKubectlFinds = "without --kubeconfig, kubectl and irsa-doctor read the files listed in KUBECONFIG, else ~/.kube/config"

// CheckPath reports why the file --kubeconfig names cannot be used: it is
// missing, a folder, or unreadable. client-go would answer a missing file
// with "no configuration has been provided, try setting KUBERNETES_MASTER",
// a variable kubectl no longer reads. An empty path (no --kubeconfig) is
// left to client-go's loading rules.
func CheckPath(path string) error {
	if path == "" {
		return nil
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("--kubeconfig %s: no such file (%s)", path, howKubectlFinds)
	case err != nil:
		return fmt.Errorf("--kubeconfig %s: %v (%s)", path, unwrapPath(err), howKubectlFinds)
	case fi.IsDir():
		return fmt.Errorf("--kubeconfig %s: a folder, not a kubeconfig file (%s)", path, howKubectlFinds)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--kubeconfig %s: cannot read it: %v", path, unwrapPath(err))
	}
	return f.Close()
}

// unwrapPath drops the path an *fs.PathError repeats.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// CheckFound reports, without --kubeconfig, that kubectl's search finds no
// kubeconfig: KUBECONFIG names no existing file, or (unset) ~/.kube/config
// does not exist, and the process does not run in a pod (no
// KUBERNETES_SERVICE_HOST). It returns nil when it cannot tell (no HOME).
func CheckFound(getenv func(string) string) error {
	if getenv("KUBERNETES_SERVICE_HOST") != "" {
		return nil
	}
	if list := getenv("KUBECONFIG"); list != "" {
		for _, p := range filepath.SplitList(list) {
			if p == "" {
				continue
			}
			if _, err := os.Stat(p); err == nil {
				return nil
			}
		}
		return fmt.Errorf("no kubeconfig: none of the files KUBECONFIG lists exists (%s); pass --kubeconfig FILE, or fix KUBECONFIG (without it, kubectl and irsa-doctor read ~/.kube/config)", list)
	}
	home := getenv("HOME")
	if home == "" {
		return nil
	}
	if _, err := os.Stat(filepath.Join(home, ".kube", "config")); err == nil {
		return nil
	}
	return fmt.Errorf("no kubeconfig: KUBECONFIG is unset and ~/.kube/config does not exist; pass --kubeconfig FILE or set KUBECONFIG (aws eks update-kubeconfig --name CLUSTER writes ~/.kube/config)")
}
