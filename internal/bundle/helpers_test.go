package bundle

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// readStdin reads content as "-" (Source.Ref "-").
func readStdin(t *testing.T, content string) *snapshot.Snapshot {
	t.Helper()
	s, err := Read(context.Background(), []string{"-"}, Options{Stdin: strings.NewReader(content)})
	if err != nil {
		t.Fatalf("Read(-): %v", err)
	}
	return s
}

// writeTree writes files (slash paths relative to a new temp folder), makes
// it the working directory, and returns it, so that tests can pass relative
// PATHs and get stable Source.Refs.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	return dir
}

func readPaths(t *testing.T, paths ...string) *snapshot.Snapshot {
	t.Helper()
	s, err := Read(context.Background(), paths, Options{})
	if err != nil {
		t.Fatalf("Read(%v): %v", paths, err)
	}
	return s
}

func src(ref string) snapshot.Source { return snapshot.Source{Kind: "bundle", Ref: ref} }

// stdinSrc is the Source of every fact read from "-".
var stdinSrc = src("-")

func ptr[T any](v T) *T { return &v }

// want builds the expected snapshot: a fresh offline snapshot changed by fill.
func want(fill func(s *snapshot.Snapshot)) *snapshot.Snapshot {
	s := snapshot.New("offline")
	fill(s)
	s.Sort()
	return s
}

// cmpSnap compares snapshots; nil and empty slices and maps are equal.
func cmpSnap(t *testing.T, want, got *snapshot.Snapshot) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty(), ignoreLines); d != "" {
		t.Errorf("snapshot mismatch (-want +got):\n%s", d)
	}
}

// ignoreLines leaves out File.Lines, a count of the test file's lines
// that says nothing about what was read from it (TestLineCount tests it).
var ignoreLines = cmpopts.IgnoreFields(snapshot.File{}, "Lines")

// file is the one-entry Files list of a stdin read.
func file(recognised, err string) []snapshot.File {
	return []snapshot.File{{Path: "-", RecognisedAs: recognised, Error: err}}
}
