package main

import (
	"errors"
	"strings"
	"testing"
)

const reportA = `{
  "schemaVersion": 1,
  "tool": {
    "name": "irsa-doctor",
    "version": "devel"
  },
  "findings": [
    {"checkId": "IRSA101", "version": "1", "message": "a"}
  ]
}
`

// TestCompareReports: reports that differ only in tool.version are
// identical; any other byte fails, quoting the first line that differs.
func TestCompareReports(t *testing.T) {
	otherVersion := strings.Replace(reportA, `"version": "devel"`, `"version": "v0.0.0-20261207-c8b584e"`, 1)
	msg, err := compareReports([]byte(reportA), []byte(otherVersion), "c8b584e", "bin/irsa-doctor")
	if err != nil {
		t.Fatalf("versions differ only: %v", err)
	}
	if !strings.HasPrefix(msg, "identical: 175 bytes, sha256 ") || !strings.Contains(msg, `"devel" at c8b584e, "v0.0.0-20261207-c8b584e" for bin/irsa-doctor`) {
		t.Errorf("msg = %q", msg)
	}

	tests := []struct{ name, cur, want string }{
		{"a message", strings.Replace(reportA, `"message": "a"`, `"message": "b"`, 1),
			`first difference at line 8:` + "\n" + `  c8b584e:     {"checkId": "IRSA101", "version": "1", "message": "a"}` + "\n" + `  bin/irsa-doctor:     {"checkId": "IRSA101", "version": "1", "message": "b"}`},
		// Only tool.version is masked: a finding's member of the same name is compared.
		{"another version member", strings.Replace(reportA, `"version": "1"`, `"version": "2"`, 1), "first difference at line 8:"},
		{"the tool's name", strings.Replace(reportA, `"name": "irsa-doctor"`, `"name": "x"`, 1), "first difference at line 4:"},
		{"a trailing newline", reportA + "\n", "first difference at line 12:\n  c8b584e: (end of report)\n  bin/irsa-doctor: \n"},
		{"whitespace", strings.Replace(reportA, `"schemaVersion": 1`, `"schemaVersion":  1`, 1), "first difference at line 2:"},
	}
	for _, tc := range tests {
		_, err := compareReports([]byte(reportA), []byte(tc.cur), "c8b584e", "bin/irsa-doctor")
		if !errors.Is(err, errDifferent) || !strings.Contains(err.Error()+"\n", tc.want) {
			t.Errorf("%s: err = %v, want errDifferent with %q", tc.name, err, tc.want)
		}
	}
}

func TestMaskVersion(t *testing.T) {
	out, v, err := maskVersion([]byte(reportA))
	if err != nil || v != `"devel"` || !strings.Contains(string(out), `"version": "(masked)"`) || strings.Count(string(out), "(masked)") != 1 {
		t.Errorf("= %s, %q, %v", out, v, err)
	}
	if out, v, err := maskVersion([]byte(`{"tool": {"name": "x"}, "version": "1"}`)); err != nil || v != "(none)" || string(out) != `{"tool": {"name": "x"}, "version": "1"}` {
		t.Errorf("no tool.version: %s, %q, %v", out, v, err)
	}
	if _, _, err := maskVersion([]byte(`{"tool": {"version": 3}}`)); err == nil || !strings.Contains(err.Error(), "not a string") {
		t.Errorf("a number: err = %v", err)
	}
	if _, _, err := maskVersion([]byte(`{"tool": `)); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("truncated: err = %v", err)
	}
}
