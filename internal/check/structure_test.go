package check

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var checkFile = regexp.MustCompile(`^irsa\d{3}_[a-z0-9_]+\.go$`)

// TestPackageLayout: the package's only non-test files are the registry,
// the engine and one file per check.
func TestPackageLayout(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		if !checkFile.MatchString(n) && !strings.HasPrefix(n, "engine") && !strings.HasPrefix(n, "registry") {
			t.Errorf("%s: internal/check holds the registry (registry*.go), the engine (engine*.go) and irsaNNN_*.go; shared logic belongs in internal/model", n)
		}
	}
}

// TestCheckFilesAreLeaves: no check file refers to an identifier that
// another check file declares. Each file's references that the parser
// does not resolve inside the file are package-level names; none of them
// may be one of another check file's declarations. (A check's var, such
// as irsa104 in another check's Requires, is the registry's business and
// allowed.)
func TestCheckFilesAreLeaves(t *testing.T) {
	fset := gotoken.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]*ast.File{}
	declaredIn := map[string]string{}
	for _, e := range entries {
		n := e.Name()
		if !checkFile.MatchString(n) || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files[n] = f
		for name := range f.Scope.Objects {
			declaredIn[name] = n
		}
	}
	if len(files) < 40 {
		t.Fatalf("found %d check files: the test is not looking at the package", len(files))
	}
	var bad []string
	for n, f := range files {
		for _, id := range f.Unresolved {
			d, ok := declaredIn[id.Name]
			if !ok || d == n || checkVar.MatchString(id.Name) {
				continue
			}
			bad = append(bad, fset.Position(id.Pos()).String()+": "+id.Name+" is declared in "+d)
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

var checkVar = regexp.MustCompile(`^irsa\d{3}$`)
