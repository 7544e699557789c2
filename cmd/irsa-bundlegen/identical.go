package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// errDifferent is -identical's failure: the findings differ. main exits 1
// for it, as for any error.
var errDifferent = errors.New("the reports differ")

// compareAtRef builds irsa-doctor at the git revision ref in a temporary
// worktree of the repository in the current directory (removed after),
// runs `analyze -o json DIR` with that binary and with bin, and compares
// the two reports byte for byte, tool.version aside (masked: a checkout
// reports a different version from the same code).
func compareAtRef(ref, bin, dir string) error {
	tmp, err := os.MkdirTemp("", "irsa-doctor-ref-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	wt := filepath.Join(tmp, "src")
	if out, err := exec.Command("git", "worktree", "add", "--detach", wt, ref).CombinedOutput(); err != nil {
		return fmt.Errorf("-identical %s: git worktree add: %v: %s", ref, err, strings.TrimSpace(string(out)))
	}
	defer func() {
		if out, err := exec.Command("git", "worktree", "remove", "--force", wt).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "irsa-bundlegen: git worktree remove %s: %v: %s\n", wt, err, strings.TrimSpace(string(out)))
		}
	}()
	refBin := filepath.Join(tmp, "irsa-doctor")
	build := exec.Command("go", "build", "-trimpath", "-o", refBin, "./cmd/irsa-doctor")
	build.Dir = wt
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("-identical %s: go build: %v: %s", ref, err, strings.TrimSpace(string(out)))
	}
	old, oldCode, err := analyzeJSON(refBin, dir)
	if err != nil {
		return err
	}
	cur, curCode, err := analyzeJSON(bin, dir)
	if err != nil {
		return err
	}
	msg, err := compareReports(old, cur, ref, bin)
	if err == nil && oldCode != curCode {
		err = fmt.Errorf("%w: same JSON, but exit %d at %s and %d with %s", errDifferent, oldCode, ref, curCode, bin)
	}
	if err != nil {
		return err
	}
	fmt.Println(msg)
	return nil
}

// analyzeJSON runs `bin analyze -o json dir` and returns its report and
// exit code (0, or 1 for findings).
func analyzeJSON(bin, dir string) ([]byte, int, error) {
	cmd := exec.Command(bin, "analyze", "-o", "json", dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		return nil, 0, fmt.Errorf("%s analyze -o json %s: %v: %s", bin, dir, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), cmd.ProcessState.ExitCode(), nil
}

// compareReports compares two JSON reports byte for byte with tool.version
// masked in both. Identical, it returns one line with the size and SHA-256
// of the masked report; otherwise an errDifferent that quotes the first
// line that differs.
func compareReports(old, cur []byte, oldName, curName string) (string, error) {
	oldM, oldVersion, err := maskVersion(old)
	if err != nil {
		return "", fmt.Errorf("report of %s: %w", oldName, err)
	}
	curM, curVersion, err := maskVersion(cur)
	if err != nil {
		return "", fmt.Errorf("report of %s: %w", curName, err)
	}
	if bytes.Equal(oldM, curM) {
		return fmt.Sprintf("identical: %d bytes, sha256 %x (tool.version masked: %s at %s, %s for %s)",
			len(curM), sha256.Sum256(curM), oldVersion, oldName, curVersion, curName), nil
	}
	a, b := strings.Split(string(oldM), "\n"), strings.Split(string(curM), "\n")
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	line := func(l []string) string {
		if i >= len(l) {
			return "(end of report)"
		}
		if s := l[i]; len(s) > 300 {
			return s[:300] + "..."
		}
		return l[i]
	}
	return "", fmt.Errorf("%w (%d and %d bytes, tool.version masked): first difference at line %d:\n  %s: %s\n  %s: %s",
		errDifferent, len(oldM), len(curM), i+1, oldName, line(a), curName, line(b))
}

// maskVersion replaces the string value of the report's tool.version with
// "(masked)" and returns the report and the value it held; a report
// without one is returned as it is.
func maskVersion(report []byte) ([]byte, string, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(report))
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return report, "(none)", nil
		}
		if err != nil {
			return nil, "", fmt.Errorf("not JSON: %w", err)
		}
		// The first token at /tool/version is the member's name; its value
		// follows.
		if tok.Kind() != '"' || dec.StackPointer() != "/tool/version" {
			continue
		}
		v, err := dec.ReadValue()
		if err != nil {
			return nil, "", fmt.Errorf("tool.version: %w", err)
		}
		if v.Kind() != '"' {
			return nil, "", fmt.Errorf("tool.version is %s, not a string", v)
		}
		end := int(dec.InputOffset())
		start := end - len(v)
		out := append(append(append([]byte(nil), report[:start]...), `"(masked)"`...), report[end:]...)
		return out, v.String(), nil
	}
}
