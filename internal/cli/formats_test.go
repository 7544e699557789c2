package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/report"
)

// report.Formats is the one list of output formats: every command with
// -o/--output accepts each, names each in its help and completes each.

func TestEveryFormat(t *testing.T) {
	var runs [][]string
	for _, f := range report.Formats {
		runs = append(runs, []string{"analyze", "../../examples/healthy", "-o", string(f)})
	}
	// checks renders the registry itself: a format added to checksFormats
	// needs a case in NewCmdChecks.
	for _, f := range checksFormats {
		runs = append(runs, []string{"checks", "-o", string(f)})
	}
	for _, args := range runs {
		r := runCLI(t, "", args...)
		if r.code != ExitOK || r.stdout == "" || r.stderr != "" {
			t.Errorf("%v: exit %d, %d bytes of output, stderr %q", args, r.code, len(r.stdout), r.stderr)
		}
	}
}

func TestOutputFlagHelpAndCompletion(t *testing.T) {
	for cmd, formats := range map[string][]report.Format{"analyze": report.Formats, "scan": report.Formats, "checks": checksFormats} {
		wantHelp := "output format: " + orList(formatNames(formats...)) + ` (default "text")`
		wantCompletion := strings.Join(formatNames(formats...), "\n") + "\n:4\n" // 4: ShellCompDirectiveNoFileComp
		r := runCLI(t, "", cmd, "--help")
		if r.code != ExitOK || !strings.Contains(r.stdout, wantHelp) {
			t.Errorf("%s --help: exit %d, no %q in\n%s", cmd, r.code, wantHelp, r.stdout)
		}
		r = runCLI(t, "", "__complete", cmd, "-o", "")
		if r.code != ExitOK || r.stdout != wantCompletion {
			t.Errorf("completion of %s -o: exit %d, %q, want %q", cmd, r.code, r.stdout, wantCompletion)
		}
	}
	r := runCLI(t, "", "__complete", "analyze", "--fail-on", "")
	if want := "error\nwarning\ninfo\nnone\n:4\n"; r.stdout != want {
		t.Errorf("completion of --fail-on: %q, want %q", r.stdout, want)
	}
}

func TestOrList(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"text"}, "text"},
		{[]string{"text", "json"}, "text or json"},
		{[]string{"error", "warning", "info", "none"}, "error, warning, info or none"},
	} {
		if got := orList(tc.in); got != tc.want {
			t.Errorf("orList(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if d := cmp.Diff([]string{"error", "warning", "info", "none"}, failOnValues()); d != "" {
		t.Errorf("failOnValues (-want +got):\n%s", d)
	}
}
