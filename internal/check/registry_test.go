package check_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	checkdocs "github.com/irsa-doctor/irsa-doctor/docs/checks"
	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

var (
	// internalNote matches a citation of the developers' notes (a page of
	// ours under docs/reference/ may share a name with one).
	internalNote = regexp.MustCompile(`(^|[^/])(irsa-facts|failure-modes|CONTRACT|manual-checklist)\.md`)
	idPattern    = regexp.MustCompile(`^IRSA[1-9][0-9]{2}$`)
	slugPattern  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

func TestRegistry(t *testing.T) {
	seenID, seenSlug := map[string]bool{}, map[string]bool{}
	prev := ""
	for _, c := range check.All {
		if !idPattern.MatchString(c.ID) {
			t.Errorf("%s: ID does not look like IRSAnnn", c.ID)
		}
		if !slugPattern.MatchString(c.Slug) {
			t.Errorf("%s: slug %q is not kebab-case", c.ID, c.Slug)
		}
		if c.ID <= prev {
			t.Errorf("%s: registry not sorted by ID (after %s)", c.ID, prev)
		}
		prev = c.ID
		if seenID[c.ID] || seenSlug[c.Slug] {
			t.Errorf("%s/%s: duplicate ID or slug", c.ID, c.Slug)
		}
		seenID[c.ID], seenSlug[c.Slug] = true, true
		if strings.TrimSpace(c.Title) == "" || strings.TrimSpace(c.Doc) == "" || strings.TrimSpace(c.Fix) == "" {
			t.Errorf("%s: empty title, doc or fix", c.ID)
		}
		if c.Severity.Rank() == 0 {
			t.Errorf("%s: severity %q", c.ID, c.Severity)
		}
		if c.Scope == 0 || c.Run == nil {
			t.Errorf("%s: no scope or no Run", c.ID)
		}
		switch c.Link {
		case finding.LinkServiceAccount, finding.LinkWebhook, finding.LinkIAMRole, finding.LinkOIDCProvider, finding.LinkIssuer:
		default:
			t.Errorf("%s: unknown link %q", c.ID, c.Link)
		}
		for _, p := range append(c.Requires[:len(c.Requires):len(c.Requires)], c.Sees...) {
			if check.ByIDOrSlug(p.ID) != p {
				t.Errorf("%s: Requires or Sees names %s, which is not the registered check", c.ID, p.ID)
			}
		}
	}
}

// TestEveryCheckHasScenarios: each check has a pass, a fail and a skipped
// outcome among the folders that assert it (its own, or another's "also").
func TestEveryCheckHasScenarios(t *testing.T) {
	seen := map[string]map[finding.Status]bool{}
	dirs, err := os.ReadDir(check.ScenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		for _, f := range check.AssertedFindings(t, filepath.Join(check.ScenarioDir, d.Name())) {
			if seen[f.CheckID] == nil {
				seen[f.CheckID] = map[finding.Status]bool{}
			}
			seen[f.CheckID][f.Status] = true
		}
	}
	for _, c := range check.All {
		for _, st := range []finding.Status{finding.StatusPass, finding.StatusFail, finding.StatusSkipped} {
			if !seen[c.ID][st] {
				t.Errorf("%s: no scenario asserts a %s outcome of it", c.ID, st)
			}
		}
	}
}

// TestDocsUpToDate: docs/checks.md is generated from the registry.
func TestDocsUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "checks.md")
	want := check.Markdown(check.All)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v (run UPDATE_GOLDEN=1 go test ./internal/check -run TestDocsUpToDate)", path, err)
	}
	if string(got) != want {
		t.Errorf("%s is stale: run UPDATE_GOLDEN=1 go test ./internal/check -run TestDocsUpToDate", path)
	}
}

// TestReadmeTableUpToDate: the README's check table is the registry's.
func TestReadmeTableUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", "README.md")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- checks:start -->\n", "<!-- checks:end -->"
	s := string(raw)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q ... %q markers", start, end)
	}
	want := s[:i+len(start)] + check.Table(check.All) + s[j:]
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if s != want {
		t.Errorf("README.md check table is stale: run UPDATE_GOLDEN=1 go test ./internal/check -run 'TestDocsUpToDate|TestReadmeTableUpToDate'")
	}
}

// TestEveryCheckHasDocs: every check has its page docs/checks/IRSAnnn.md,
// headed by its ID and slug, and every page belongs to a check; no page
// cites a document users do not have.
func TestEveryCheckHasDocs(t *testing.T) {
	ids := map[string]bool{}
	for _, c := range check.All {
		ids[c.ID] = true
		why, fix, err := checkdocs.Doc(c.ID)
		if err != nil {
			t.Errorf("%s: %v", c.ID, err)
			continue
		}
		raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "checks", c.ID+".md"))
		if err != nil {
			t.Fatal(err)
		}
		if head, _, _ := strings.Cut(string(raw), "\n"); head != "# "+c.ID+" "+c.Slug {
			t.Errorf("%s.md starts with %q, want %q", c.ID, head, "# "+c.ID+" "+c.Slug)
		}
		if m := internalNote.FindString(why + fix); m != "" {
			t.Errorf("%s.md cites %q, which users do not have: cite the public source or a page under docs/reference/", c.ID, m)
		}
	}
	for _, id := range checkdocs.IDs() {
		if !ids[id] {
			t.Errorf("docs/checks/%s.md documents no registered check", id)
		}
	}
}
