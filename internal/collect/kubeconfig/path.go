package kubeconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
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
