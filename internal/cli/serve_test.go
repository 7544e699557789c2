package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestServeUsageErrors: a bad flag of serve is one line naming it, exit 2,
// before anything is reached.
func TestServeUsageErrors(t *testing.T) {
	empty := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"log format", []string{"serve", "--log-format", "xml"}, `--log-format "xml": want text or json`},
		{"log level", []string{"serve", "--log-level", "loud"}, `--log-level "loud": want debug, info, warn or error`},
		{"resync", []string{"serve", "--resync", "0s"}, "--resync 0s: want a positive duration, e.g. 10m"},
		{"aws refresh", []string{"serve", "--aws-refresh", "-1m"}, "--aws-refresh -1m0s: want a positive duration, e.g. 10m"},
		{"report listen without report", []string{"serve", "--report-listen", "127.0.0.1:9999"}, "--report-listen needs --report (/report is off without it)"},
		{"bad duration", []string{"serve", "--resync", "often"}, `invalid argument "often" for "--resync" flag`},
		{"role profile", []string{"serve", "--role-profile", "nope"}, `--role-profile "nope": want ACCOUNT=PROFILE`},
		{"arguments", []string{"serve", "payments"}, "serve takes no arguments"},
		{"missing kubeconfig", []string{"serve", "--kubeconfig", filepath.Join(empty, "kubeconfig")}, "--kubeconfig " + filepath.Join(empty, "kubeconfig") + ": no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLIWith(t, Deps{}, tc.args...)
			if r.code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr %q", r.code, ExitUsage, r.stderr)
			}
			oneLineErr(t, r, tc.want)
		})
	}
}

// TestServeLogFormat: --log-format json writes one JSON object a line,
// --log-level filters.
func TestServeLogFormat(t *testing.T) {
	var buf bytes.Buffer
	o := &ServeOptions{Deps: Deps{ErrOut: &buf}, LogFormat: "json", LogLevel: "info"}
	log, err := o.logger()
	if err != nil {
		t.Fatal(err)
	}
	log.Debug("hidden", "targets", 3)
	log.Info("diagnosed every target", "targets", 48)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not one JSON line: %q: %v", buf.String(), err)
	}
	if line["msg"] != "diagnosed every target" || line["targets"] != float64(48) || line["level"] != "INFO" {
		t.Errorf("line %v", line)
	}
}
