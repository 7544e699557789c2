package cli

import (
	"encoding/json"
	"os"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
)

func stampedInfo(mainVersion string) *debug.BuildInfo {
	return &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/irsa-doctor/irsa-doctor", Version: mainVersion},
		Settings: []debug.BuildSetting{
			{Key: "-trimpath", Value: "true"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
}

func TestReadBuildInfo(t *testing.T) {
	for _, tc := range []struct {
		name, x, main string
		ok            bool
		want          string
	}{
		{"module version", "", "v1.4.0", true, "v1.4.0"},
		{"pseudo-version", "", "v0.0.0-20261201100000-0123456789ab+dirty", true, "v0.0.0-20261201100000-0123456789ab+dirty"},
		{"-X wins over the module version", "v1.5.0", "v1.4.0", true, "v1.5.0"},
		{"-X wins over (devel)", "v1.5.0", "(devel)", true, "v1.5.0"},
		{"(devel) without -X", "", "(devel)", true, "devel"},
		{"no build info", "", "", false, "devel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var bi *debug.BuildInfo
			if tc.ok {
				bi = stampedInfo(tc.main)
			}
			b := readBuildInfo(tc.x, bi, tc.ok)
			if b.Version != tc.want {
				t.Errorf("version %q, want %q", b.Version, tc.want)
			}
			if tc.ok && (b.Revision != "0123456789abcdef0123456789abcdef01234567" || b.Time != "2026-12-01T10:00:00Z" || !b.Modified || b.GoVersion != "go1.26.8") {
				t.Errorf("VCS fields not taken from the build info: %+v", b)
			}
		})
	}
}

func TestVersionJSON(t *testing.T) {
	b := readBuildInfo("v1.5.0", stampedInfo("v1.4.0"), true)
	deps := Deps{Version: b.Version, Build: &b}
	r := runCLIWith(t, deps, "version", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v:\n%s", err, r.stdout)
	}
	want := map[string]any{
		"name":      "irsa-doctor",
		"version":   "v1.5.0",
		"revision":  "0123456789abcdef0123456789abcdef01234567",
		"time":      "2026-12-01T10:00:00Z",
		"modified":  true,
		"goVersion": "go1.26.8",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("version -o json:\n got %v\nwant %v", got, want)
	}
	r = runCLIWith(t, deps, "version")
	if r.stdout != "irsa-doctor v1.5.0 (revision 0123456789ab, 2026-12-01T10:00:00Z, modified)\n" {
		t.Errorf("version: %q", r.stdout)
	}
	r = runCLIWith(t, deps, "--version")
	if r.stdout != "irsa-doctor v1.5.0\n" {
		t.Errorf("--version: %q", r.stdout)
	}
	r = runCLIWith(t, deps, "version", "-o", "yaml")
	if r.code != ExitUsage {
		t.Errorf("version -o yaml: exit %d, want 2", r.code)
	}
}

// make build VERSION=... sets Version through -X: the symbol the Makefile
// names must be this package's variable, or the flag silently does nothing.
func TestMakefileSetsVersion(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	want := "-X " + reflect.TypeFor[BuildInfo]().PkgPath() + ".Version=$(VERSION)"
	if !strings.Contains(string(mk), want) {
		t.Errorf("the Makefile does not pass %q", want)
	}
	if strings.Contains(string(mk), "shell date") {
		t.Errorf("the Makefile stamps a build date; use vcs.time")
	}
}
