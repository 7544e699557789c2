package check_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
)

// scenarioNow is the fixed clock of every scenario.
var scenarioNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

const scenarioDir = "testdata/scenarios"

// TestScenarios reads each folder of testdata/scenarios with the bundle
// reader, runs every registered check, and compares every finding (passes
// included) with the folder's want.txt: a missing or a surplus line fails.
// UPDATE_GOLDEN=1 rewrites want.txt.
func TestScenarios(t *testing.T) {
	dirs, err := os.ReadDir(scenarioDir)
	if err != nil {
		t.Fatalf("read %s: %v", scenarioDir, err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		name := d.Name()
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(scenarioDir, name)
			got, flags := runScenario(t, dir)
			wantPath := filepath.Join(dir, "want.txt")
			if os.Getenv("UPDATE_GOLDEN") != "" {
				content := got
				if flags != "" {
					content = "#! " + flags + "\n" + got
				}
				if err := os.WriteFile(wantPath, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			raw, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatalf("read want.txt: %v (create it with UPDATE_GOLDEN=1, then review every line)", err)
			}
			want := stripFlags(string(raw))
			if diff := cmp.Diff(splitBlocks(want), splitBlocks(got)); diff != "" {
				t.Errorf("findings differ from want.txt (-want +got):\n%s", diff)
			}
		})
	}
}

// scenarioFindings runs one scenario folder and returns its findings.
func scenarioFindings(t *testing.T, dir string) ([]finding.Finding, string) {
	t.Helper()
	flags := ""
	if raw, err := os.ReadFile(filepath.Join(dir, "want.txt")); err == nil {
		if first, _, _ := strings.Cut(string(raw), "\n"); strings.HasPrefix(first, "#! ") {
			flags = strings.TrimPrefix(first, "#! ")
		}
	}
	sel := parseFlags(t, flags)
	var inputs []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "want.txt" {
			inputs = append(inputs, filepath.Join(dir, e.Name()))
		}
	}
	snap, err := bundle.Read(context.Background(), inputs, bundle.Options{})
	if err != nil {
		t.Fatalf("read bundle: %v", err)
	}
	for _, f := range snap.Files {
		if f.Error != "" || f.RecognisedAs == "" {
			t.Fatalf("scenario file %s not usable: recognised as %q, error %q", f.Path, f.RecognisedAs, f.Error)
		}
	}
	out := check.Run(snap, check.Options{Selector: sel, Now: scenarioNow})
	return out.Findings, flags
}

func runScenario(t *testing.T, dir string) (string, string) {
	t.Helper()
	fs, flags := scenarioFindings(t, dir)
	var blocks []string
	for _, f := range fs {
		blocks = append(blocks, renderFinding(f, dir))
	}
	sort.Strings(blocks)
	return strings.Join(blocks, ""), flags
}

// renderFinding is the want.txt form of a finding.
func renderFinding(f finding.Finding, dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s: %s\n", f.CheckID, f.Status, f.Subject, f.Message)
	if f.Severity != "" && f.Status == finding.StatusFail {
		// The default severity is implied; a finding that differs says so.
		if c := check.ByIDOrSlug(f.CheckID); c != nil && c.Severity != f.Severity {
			fmt.Fprintf(&b, "  severity: %s\n", f.Severity)
		}
	}
	for _, e := range f.Evidence {
		ref := e.Ref
		if rel, err := filepath.Rel(dir, ref); err == nil && !strings.HasPrefix(rel, "..") {
			ref = rel
		}
		fmt.Fprintf(&b, "  evidence: %s %s: %s\n", e.Source, ref, e.Value)
	}
	if f.Fix != nil {
		for _, c := range f.Fix.Commands {
			fmt.Fprintf(&b, "  fix: %s\n", c)
		}
		for _, fl := range f.Fix.Files {
			fmt.Fprintf(&b, "  fix-file: %s\n", fl.Name)
		}
	}
	return b.String()
}

func stripFlags(s string) string {
	if strings.HasPrefix(s, "#! ") {
		_, rest, _ := strings.Cut(s, "\n")
		return rest
	}
	return s
}

// splitBlocks splits want.txt into finding blocks for a readable diff.
func splitBlocks(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "  ") && len(out) > 0 {
			out[len(out)-1] += "\n" + line
			continue
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out
}

func parseFlags(t *testing.T, flags string) model.Selector {
	t.Helper()
	var sel model.Selector
	f := strings.Fields(flags)
	for i := 0; i < len(f); i++ {
		if i+1 >= len(f) {
			t.Fatalf("flag %s needs a value", f[i])
		}
		v := f[i+1]
		switch f[i] {
		case "--pod", "--service-account":
			ns, name, _ := strings.Cut(v, "/")
			nn := model.NamespacedName{Namespace: ns, Name: name}
			if f[i] == "--pod" {
				sel.Pods = append(sel.Pods, nn)
			} else {
				sel.SAs = append(sel.SAs, nn)
			}
		case "--workload":
			p := strings.Split(v, "/")
			if len(p) != 3 {
				t.Fatalf("--workload %s: want KIND/NS/NAME", v)
			}
			sel.Workloads = append(sel.Workloads, model.WorkloadRef{Kind: p[0], Namespace: p[1], Name: p[2]})
		case "-n", "--namespace":
			sel.Namespaces = []string{v}
		default:
			t.Fatalf("unknown scenario flag %s", f[i])
		}
		i++
	}
	return sel
}
