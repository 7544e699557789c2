package check

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Scenario folders, as staticcheck's `want` lines: each folder of
// testdata/scenarios is a bundle of real kubectl and aws CLI output, named
// after the check it is about (irsa205-namespace-typo is about IRSA205).
// Its want.txt asserts that check's outcomes exactly (status, subject,
// message, evidence, fixes), and those of at most two other checks that
// the folder lists with a reason:
//
//	#! --pod payments/api-1          (optional: target flags)
//	# also: IRSA104 the cause that blocks IRSA407
//	IRSA407 skipped Pod payments/api-1 container api: blocked by IRSA104
//
// A folder that shows a case the check must stay silent on says so, with
// the reason, instead of listing outcomes: "# none: REASON".
//
// Every other check's outcome is left out, so that a change to one check
// changes only its own folders (TestMessageChangeStaysInItsFolders).
// UPDATE_GOLDEN=1 rewrites want.txt with the current outcomes of the
// asserted checks, keeping the flags and the also lines.

// ScenarioNow is the fixed clock of every scenario.
var ScenarioNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// ScenarioDir holds the scenario folders (exported for the external tests).
const ScenarioDir = "testdata/scenarios"

var (
	folderCheck = regexp.MustCompile(`^(irsa\d{3})-`)
	alsoLine    = regexp.MustCompile(`^# also: (IRSA\d{3}) (\S.*)$`)
)

// maxAlso is how many other checks a folder may assert besides its own.
const maxAlso = 2

// scenario is one folder's declaration.
type scenario struct {
	dir   string
	check string            // the named check's ID
	flags string            // "#! ..." target flags
	also  map[string]string // other asserted checks, with the reason
	none  string            // why the named check gives no outcome here
	want  string            // the blocks, without the header lines
}

// asserts reports whether the folder asserts id's outcomes.
func (s scenario) asserts(id string) bool { return id == s.check || s.also[id] != "" }

// readScenario parses a folder's want.txt.
func readScenario(t testing.TB, dir string) scenario {
	t.Helper()
	m := folderCheck.FindStringSubmatch(filepath.Base(dir))
	if m == nil {
		t.Fatalf("%s: a scenario folder is named after its check (irsaNNN-what-it-shows)", dir)
	}
	s := scenario{dir: dir, check: strings.ToUpper(m[1]), also: map[string]string{}}
	if ByIDOrSlug(s.check) == nil {
		t.Fatalf("%s: no check %s", dir, s.check)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "want.txt"))
	if err != nil {
		if os.Getenv("UPDATE_GOLDEN") != "" && os.IsNotExist(err) {
			return s
		}
		t.Fatalf("read want.txt: %v (create it with UPDATE_GOLDEN=1, then review every line)", err)
	}
	var body []string
	for _, line := range strings.Split(string(raw), "\n") {
		switch {
		case strings.HasPrefix(line, "#! "):
			s.flags = strings.TrimPrefix(line, "#! ")
		case strings.HasPrefix(line, "# none: "):
			s.none = strings.TrimPrefix(line, "# none: ")
		case strings.HasPrefix(line, "# also:"):
			am := alsoLine.FindStringSubmatch(line)
			if am == nil || ByIDOrSlug(am[1]) == nil || am[1] == s.check {
				t.Fatalf("%s: %q: want \"# also: IRSAnnn reason\" naming another registered check", dir, line)
			}
			s.also[am[1]] = am[2]
		default:
			body = append(body, line)
		}
	}
	if len(s.also) > maxAlso {
		t.Fatalf("%s: %d also lines: a folder asserts its own check and at most %d others", dir, len(s.also), maxAlso)
	}
	s.want = strings.Join(body, "\n")
	return s
}

// header renders the folder's declaration lines.
func (s scenario) header() string {
	var b strings.Builder
	if s.flags != "" {
		b.WriteString("#! " + s.flags + "\n")
	}
	if s.none != "" {
		b.WriteString("# none: " + s.none + "\n")
	}
	ids := make([]string, 0, len(s.also))
	for id := range s.also {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(&b, "# also: %s %s\n", id, s.also[id])
	}
	return b.String()
}

// scenarioDirs lists the scenario folders.
func scenarioDirs(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir(ScenarioDir)
	if err != nil {
		t.Fatalf("read %s: %v", ScenarioDir, err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(ScenarioDir, e.Name()))
		}
	}
	return dirs
}

// TestScenarios runs every check on each folder and compares the outcomes
// of the checks the folder asserts with its want.txt: a missing or a
// surplus block fails, and so does a folder whose own check gives no
// outcome at all.
func TestScenarios(t *testing.T) {
	for _, dir := range scenarioDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			s := readScenario(t, dir)
			fs := runFolder(t, dir, s.flags, All)
			got := renderAsserted(s, fs)
			if os.Getenv("UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(filepath.Join(dir, "want.txt"), []byte(s.header()+got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			switch ran := strings.Contains(got, s.check+" "); {
			case !ran && s.none == "":
				t.Errorf("%s gives no outcome in this folder: a scenario must exercise the check it is named after (or say why not with \"# none: REASON\")", s.check)
			case ran && s.none != "":
				t.Errorf("%s gives an outcome in this folder, which says it must not (%s)", s.check, s.none)
			}
			if diff := cmp.Diff(splitBlocks(s.want), splitBlocks(got)); diff != "" {
				t.Errorf("outcomes of %s differ from want.txt (-want +got):\n%s", assertedIDs(s), diff)
			}
		})
	}
}

func assertedIDs(s scenario) string {
	ids := []string{s.check}
	for id := range s.also {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return strings.Join(ids, ", ")
}

// renderAsserted renders the findings of the checks s asserts, sorted.
func renderAsserted(s scenario, fs []finding.Finding) string {
	var blocks []string
	for _, f := range fs {
		if s.asserts(f.CheckID) {
			blocks = append(blocks, renderFinding(f, s.dir))
		}
	}
	sort.Strings(blocks)
	return strings.Join(blocks, "")
}

// folderSnapshots caches each folder's snapshot: the bundle reader is not
// what these tests are about, and several tests run every folder.
var folderSnapshots sync.Map

// runFolder reads a folder with the bundle reader and runs the checks.
func runFolder(t testing.TB, dir, flags string, checks []*Check) []finding.Finding {
	t.Helper()
	v, ok := folderSnapshots.Load(dir)
	if !ok {
		var inputs []string
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Name() != "want.txt" && e.Name() != simulationsFile {
				inputs = append(inputs, filepath.Join(dir, e.Name()))
			}
		}
		snap, err := bundle.Read(context.Background(), inputs, bundle.Options{})
		if err != nil {
			t.Fatalf("read bundle: %v", err)
		}
		snap.Simulations = readSimulations(t, dir)
		for _, f := range snap.Files {
			if f.Error != "" || f.RecognisedAs == "" {
				t.Fatalf("scenario file %s not usable: recognised as %q, error %q", f.Path, f.RecognisedAs, f.Error)
			}
		}
		v, _ = folderSnapshots.LoadOrStore(dir, snap)
	}
	return Run(v.(*snapshot.Snapshot), Options{Checks: checks, Selector: parseFlags(t, flags), Now: ScenarioNow}).Findings
}

// simulationsFile holds a folder's snapshot.Simulations as JSON: the
// facts only `scan --simulate` adds (no bundle holds them), put in the
// snapshot by the harness, not by the bundle reader.
const simulationsFile = "simulations.json"

func readSimulations(t testing.TB, dir string) []*snapshot.Simulation {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, simulationsFile))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []*snapshot.Simulation
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %v", simulationsFile, err)
	}
	return out
}

// ScenarioFindings runs every check on one scenario folder and returns
// all findings (for the external tests that look across checks).
func ScenarioFindings(t testing.TB, dir string) []finding.Finding {
	t.Helper()
	s := readScenario(t, dir)
	return runFolder(t, dir, s.flags, All)
}

// AssertedFindings is ScenarioFindings limited to the checks the folder
// asserts.
func AssertedFindings(t testing.TB, dir string) []finding.Finding {
	t.Helper()
	s := readScenario(t, dir)
	var out []finding.Finding
	for _, f := range runFolder(t, dir, s.flags, All) {
		if s.asserts(f.CheckID) {
			out = append(out, f)
		}
	}
	return out
}

// renderFinding is the want.txt form of a finding.
func renderFinding(f finding.Finding, dir string) string {
	var b strings.Builder
	// A message that names input files (copies that differ) names them
	// relative to the folder, as evidence does.
	msg := strings.ReplaceAll(f.Message, dir+string(filepath.Separator), "")
	fmt.Fprintf(&b, "%s %s %s: %s\n", f.CheckID, f.Status, f.Subject, msg)
	if f.Severity != "" && f.Status == finding.StatusFail {
		// The default severity is implied; a finding that differs says so.
		if c := ByIDOrSlug(f.CheckID); c != nil && c.Severity != f.Severity {
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

func parseFlags(t testing.TB, flags string) model.Selector {
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

// TestMessageChangeStaysInItsFolders: changing one check's messages
// changes the asserted outcomes of its own folders and of the folders that
// list it with "# also", and of no other folder. It changes each check in
// turn.
func TestMessageChangeStaysInItsFolders(t *testing.T) {
	type folder struct {
		s    scenario
		base string
	}
	var folders []folder
	for _, dir := range scenarioDirs(t) {
		s := readScenario(t, dir)
		folders = append(folders, folder{s, renderAsserted(s, runFolder(t, dir, s.flags, All))})
	}
	for _, x := range All {
		checks := withMessageChanged(x)
		changed := 0
		for _, f := range folders {
			got := renderAsserted(f.s, runFolder(t, f.s.dir, f.s.flags, checks))
			switch {
			case got != f.base && !f.s.asserts(x.ID):
				t.Errorf("changing %s's messages changed %s, which does not assert %s", x.ID, filepath.Base(f.s.dir), x.ID)
			case got != f.base:
				changed++
			}
		}
		if changed == 0 {
			t.Errorf("changing %s's messages changed no folder: its folders do not assert its messages", x.ID)
		}
	}
}

// withMessageChanged is the registry with check x's recorded messages
// suffixed (the engine's own blocked and Needs skips are not x's words).
func withMessageChanged(x *Check) []*Check {
	out := make([]*Check, len(All))
	for i, c := range All {
		out[i] = c
		if c != x {
			continue
		}
		cp := *c
		run := c.Run
		cp.Run = func(ctx *model.Context, t *model.Target, r *Recorder) {
			n := len(*r.out)
			run(ctx, t, r)
			for j := n; j < len(*r.out); j++ {
				if rec := &(*r.out)[j]; rec.f != nil && rec.check == r.check {
					f := *rec.f
					f.Message += " [changed]"
					rec.f = &f
				}
			}
		}
		out[i] = &cp
	}
	// Checks that require or see x point at the copy.
	return standIn(out)
}
