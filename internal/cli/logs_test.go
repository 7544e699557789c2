package cli

import (
	"strings"
	"testing"
)

// TestLogFlagsValidated: --log-lines below 1 and a negative or malformed
// --log-since are usage errors (exit 2) of scan and dump, before anything
// is collected.
func TestLogFlagsValidated(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", "--logs", "--log-lines", "0"}, `invalid argument "0" for "--log-lines" flag: want a whole number of lines, 1 or more`},
		{[]string{"scan", "--logs", "--log-lines", "-3"}, `invalid argument "-3" for "--log-lines" flag: want a whole number of lines, 1 or more`},
		{[]string{"dump", "d", "--logs", "--log-lines", "many"}, `invalid argument "many" for "--log-lines" flag`},
		{[]string{"scan", "--logs", "--log-since", "-1h"}, `invalid argument "-1h" for "--log-since" flag: want a duration of 0 or more, e.g. 30m or 2h`},
		{[]string{"dump", "d", "--logs", "--log-since", "yesterday"}, `invalid argument "yesterday" for "--log-since" flag`},
	} {
		r := runCLI(t, "", tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, ExitUsage, tc.want)
		}
	}
}

// TestLogFlagsHelp: the flags say what they need.
func TestLogFlagsHelp(t *testing.T) {
	for _, cmd := range []string{"scan", "dump"} {
		r := runCLI(t, "", cmd, "--help")
		for _, want := range []string{"--logs", "--log-lines N", "(default 200)", "--log-since DUR", "pods/log", "irsa-doctor-logs"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s --help lacks %q", cmd, want)
			}
		}
	}
}
