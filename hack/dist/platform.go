package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultPlatforms are the release's GOOS/GOARCH pairs (issue 16).
const DefaultPlatforms = "linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"

// Platform is one GOOS/GOARCH target.
type Platform struct{ OS, Arch string }

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// exe is the executable suffix of the platform.
func (p Platform) exe() string {
	if p.OS == "windows" {
		return ".exe"
	}
	return ""
}

// Binary is the name of irsa-doctor's executable in the platform's archive.
func (p Platform) Binary() string { return "irsa-doctor" + p.exe() }

// PluginBin is the name krew installs it under: kubectl runs `kubectl irsa`
// as the first kubectl-irsa on PATH, and internal/cli/plugin.go switches the
// help to `kubectl irsa ...` under that name.
func (p Platform) PluginBin() string { return "kubectl-irsa" + p.exe() }

// Archive is the release archive's file name for version v.
func (p Platform) Archive(v string) string {
	ext := ".tar.gz"
	if p.OS == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("irsa-doctor_%s_%s_%s%s", v, p.OS, p.Arch, ext)
}

// SBOM is the platform's CycloneDX file name for version v.
func (p Platform) SBOM(v string) string {
	return fmt.Sprintf("irsa-doctor_%s_%s_%s.cdx.json", v, p.OS, p.Arch)
}

// parsePlatforms reads "linux/amd64 darwin/arm64" (spaces or commas).
func parsePlatforms(s string) ([]Platform, error) {
	var ps []Platform
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		os, arch, ok := strings.Cut(f, "/")
		if !ok || os == "" || arch == "" || strings.Contains(arch, "/") {
			return nil, fmt.Errorf("-platforms: %q is not GOOS/GOARCH (e.g. linux/amd64)", f)
		}
		if seen[f] {
			return nil, fmt.Errorf("-platforms: %s is given twice", f)
		}
		seen[f] = true
		ps = append(ps, Platform{os, arch})
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("-platforms is empty: give GOOS/GOARCH pairs (e.g. %q)", DefaultPlatforms)
	}
	return ps, nil
}

// semver is what krew accepts as spec.version and what a release tag looks
// like: v, MAJOR.MINOR.PATCH, an optional pre-release and build metadata
// (https://semver.org/#backusnaur-form-grammar-for-valid-semver-versions,
// relaxed on leading zeros in pre-release identifiers).
var semver = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

func checkVersion(v string) error {
	if !semver.MatchString(v) {
		return fmt.Errorf("-version %q: want a semantic version with a v prefix, e.g. make dist VERSION=v0.1.0", v)
	}
	return nil
}

// sourceEpoch is the time every archive entry carries: SOURCE_DATE_EPOCH
// (https://reproducible-builds.org/specs/source-date-epoch/) when set, else
// the commit time of HEAD in root, so that two checkouts of one commit agree.
func sourceEpoch(root string) (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		out, err := exec.Command("git", "-C", root, "log", "-1", "--format=%ct").Output()
		if err != nil {
			return time.Time{}, fmt.Errorf("git log -1 in %s: %v (set SOURCE_DATE_EPOCH outside a git checkout)", root, err)
		}
		s = strings.TrimSpace(string(out))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: want Unix seconds", s)
	}
	return time.Unix(n, 0).UTC(), nil
}

// absRoot resolves -root and checks that it is the repository.
func absRoot(root string) (string, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("-root %s: %v", root, err)
	}
	if _, err := os.Stat(filepath.Join(abs, "cmd", "irsa-doctor")); err != nil {
		return "", fmt.Errorf("-root %s: no cmd/irsa-doctor there: give the repository's root", root)
	}
	return abs, nil
}
