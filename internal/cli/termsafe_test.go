package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// noRawControl fails on a control character in s other than the line
// breaks between lines.
func noRawControl(t *testing.T, what, s string) {
	t.Helper()
	for i, r := range s {
		if termsafe.Unsafe(r) && r != '\n' {
			t.Errorf("%s: raw %U at byte %d: %q", what, r, i, s)
			return
		}
	}
}

// TestStderrEscapesInput: a file name and cluster names from a bundle reach
// stderr (a skipped file, the usage error that lists the clusters) with
// their control characters escaped, not sent to the terminal (issue 9).
func TestStderrEscapesInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("notes\x1b]52;c;cm0gLXJmIH4K\x07.txt", "nothing this tool reads\n")
	cluster := func(name, arnName string) string {
		return `{"cluster": {"name": "` + name + `", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/` + arnName + `", "version": "1.31"}}`
	}
	write("a.json", cluster(`prod\u001b[2J\u001b[H`, "prod"))
	write("b.json", cluster(`stage\r\u202eok\u0085`, "stage"))

	r := runCLI(t, "", "analyze", dir, "-o", "json")
	if r.code != ExitUsage {
		t.Fatalf("exit %d, want %d (two clusters); stderr %q", r.code, ExitUsage, r.stderr)
	}
	noRawControl(t, "stderr", r.stderr)
	for _, want := range []string{
		`/notes\x1b]52;c;cm0gLXJmIH4K\x07.txt: plain text, not JSON, YAML or an error text that kubectl or the aws CLI prints` + "\n",
		`irsa-doctor: the input describes several clusters (prod\x1b[2J\x1b[H, stage\r\u202eok\u0085): choose one with --cluster NAME` + "\n",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestTermSafeErrKeepsExitCode: the escaped error keeps its exit code and
// its chain.
func TestTermSafeErrKeepsExitCode(t *testing.T) {
	base := errors.New("boom\x1b[2J\nsecond line")
	err := termSafeErr(&usageError{err: base})
	if exitCode(err) != ExitUsage {
		t.Fatalf("exit code lost: %#v", err)
	}
	if exitCode(termSafeErr(base)) != ExitError {
		t.Errorf("a runtime error does not exit %d", ExitError)
	}
	if got, want := err.Error(), `boom\x1b[2J second line`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, base) {
		t.Errorf("the chain is lost")
	}
	if termSafeErr(nil) != nil || termSafeErr(errFindings) != errFindings {
		t.Errorf("nil or a message-less exit changed")
	}
}

// TestWarningPrinter: the API server's warnings are escaped and printed
// once each.
func TestWarningPrinter(t *testing.T) {
	var buf bytes.Buffer
	p := newWarningPrinter(&buf, false)
	for range 2 {
		p.HandleWarningHeaderWithContext(context.Background(), 299, "", "admission webhook says \x1b]8;;https://evil.example\x07hi")
	}
	p.HandleWarningHeaderWithContext(context.Background(), 199, "", "not for users")
	want := `irsa-doctor: warning from the API server: admission webhook says \x1b]8;;https://evil.example\x07hi` + "\n"
	if buf.String() != want {
		t.Errorf("printed %q, want %q", buf.String(), want)
	}
}
