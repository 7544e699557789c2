package bundle

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

const saJSON = `{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "api", "namespace": "payments"}}`

func utf16LE(s string) string {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

// TestReadFileProblems: each problem is a clean one-line Files error naming
// the file and what is wrong; nothing panics, reading goes on.
func TestReadFileProblems(t *testing.T) {
	tests := []struct {
		name      string
		input     string
		wantFiles []snapshot.File
		wantSAs   []string // keys of ServiceAccounts read despite the problem
	}{
		{
			name:      "binary",
			input:     "\x7fELF\x02\x01\x01\x00\x00\x00",
			wantFiles: file("", "-: binary file (NUL byte at offset 7), not kubectl or aws CLI output"),
		},
		{
			name:      "gzip",
			input:     "\x1f\x8b\x08\x00\x00\x00\x00\x00",
			wantFiles: file("", "-: gzip-compressed file: decompress it (gunzip) and pass the result"),
		},
		{
			name:      "truncated JSON",
			input:     "{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"ServiceAccount\",\n    \"metadata\": {\n        \"name\": \"api\",",
			wantFiles: file("", "-:5:23: unexpected end of input: the JSON is cut short (at /metadata)"),
		},
		{
			name:      "invalid JSON",
			input:     "{\"kind\": \"Pod\",\n \"apiVersion\": v1}",
			wantFiles: file("", `-:2:16: invalid JSON: invalid character 'v' at start of value (at /apiVersion)`),
		},
		{
			name: "a List cut short keeps its complete items but proves nothing",
			input: `{"apiVersion": "v1", "items": [` + saJSON + `,
				{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "b`,
			wantFiles: file("kubectl:List", "-:2:75: unexpected end of input: the JSON is cut short (at /items/1/metadata/name); -: kept the 1 complete items before the error; this List proves no absence"),
			wantSAs:   []string{"payments/api"},
		},
		{
			name:      "a second value cut short keeps the first",
			input:     saJSON + "\n{\"apiVersion\": \"v1\", \"kind\": \"Serv",
			wantFiles: file("kubectl:ServiceAccount", "-:2:35: unexpected end of input: the JSON is cut short (at /kind)"),
			wantSAs:   []string{"payments/api"},
		},
		{
			name:      "100,000 nested arrays",
			input:     strings.Repeat("[", 100000) + strings.Repeat("]", 100000),
			wantFiles: file("", "-:1:10001: invalid JSON: nested more than 10000 levels deep (at /0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0.../0/0/0/0/0/0/0/0/0/0/0/0/0/0/0)"),
		},
		{
			name:      "100,000 nested YAML flow sequences",
			input:     "a: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000),
			wantFiles: file("", "-:1:1: invalid YAML: yaml: exceeded max depth of 10000"),
		},
		{
			name:      "100,000 nested YAML block sequences",
			input:     strings.Repeat("- ", 100000) + "x\n",
			wantFiles: file("", "-:1:1: invalid YAML: yaml: exceeded max depth of 10000"),
		},
		{
			name:      "YAML indented with a tab",
			input:     "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n\tname: api\n",
			wantFiles: file("", "-:4:1: invalid YAML: yaml: found character that cannot start any token (a tab: YAML indents with spaces only)"),
		},
		{
			name:      "a bad YAML document among good ones",
			input:     "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: payments\n---\nkind: [\n---\n" + "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: b\n  namespace: payments\n",
			wantFiles: file("kubectl:ServiceAccount", "-:7:1: invalid YAML: yaml: did not find expected node content"),
			wantSAs:   []string{"payments/api", "payments/b"},
		},
		{
			name:      "a YAML object whose field has the wrong type",
			input:     "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: many\n",
			wantFiles: file("", "-:1:1: YAML document 1: cannot decode: /spec/replicas: a string where an integer is expected; skipped"),
		},
		{
			name:      "Latin-1 in a JSON string",
			input:     "{\"apiVersion\": \"v1\", \"kind\": \"ServiceAccount\", \"metadata\": {\"name\": \"caf\xe9\"}}",
			wantFiles: file("", "-:1:73: invalid JSON: invalid UTF-8: save the file as UTF-8 (at /metadata/name)"),
		},
		{
			name:      "Latin-1 text",
			input:     "kind: caf\xe9\n",
			wantFiles: file("", "-:1:10: not valid UTF-8 text (byte 0xe9 at offset 9): save the file as UTF-8"),
		},
		{
			name:      "UTF-8 byte order mark",
			input:     "\xEF\xBB\xBF" + saJSON,
			wantFiles: file("kubectl:ServiceAccount", ""),
			wantSAs:   []string{"payments/api"},
		},
		{
			name:      "UTF-16 with a byte order mark (Windows PowerShell 5 redirection)",
			input:     utf16LE(saJSON + "\r\n"),
			wantFiles: file("kubectl:ServiceAccount", ""),
			wantSAs:   []string{"payments/api"},
		},
		{
			name:      "CRLF JSON",
			input:     strings.ReplaceAll("{\n\"apiVersion\": \"v1\",\n\"kind\": \"ServiceAccount\",\n\"metadata\": {\"name\": \"api\", \"namespace\": \"payments\"}\n}\n", "\n", "\r\n"),
			wantFiles: file("kubectl:ServiceAccount", ""),
			wantSAs:   []string{"payments/api"},
		},
		{
			name:      "CRLF YAML with document markers",
			input:     strings.ReplaceAll("---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: payments\n---\n", "\n", "\r\n"),
			wantFiles: file("kubectl:ServiceAccount", ""),
			wantSAs:   []string{"payments/api"},
		},
		{
			name:      "empty",
			input:     " \n\t\n",
			wantFiles: file("", "-: empty: the command printed nothing to stdout (errors go to stderr: use `> FILE 2>&1`)"),
		},
		{
			name:      "plain text",
			input:     "cluster prod in us-west-2, issuer below\n",
			wantFiles: file("", "-: plain text, not JSON, YAML or an error text that kubectl or the aws CLI prints"),
		},
		{
			name:      "a top-level JSON number after an object",
			input:     saJSON + "\n  42\n",
			wantFiles: file("kubectl:ServiceAccount", "-:2:3: a top-level JSON number: not kubectl or aws CLI output"),
			wantSAs:   []string{"payments/api"},
		},
		{
			name:      "a top-level array of objects (--query 'Roles[]')",
			input:     "[" + saJSON + ", 3]",
			wantFiles: file("kubectl:ServiceAccount", "-:1:104: an array element that is not an object: not kubectl or aws CLI output; the rest of the array is skipped"),
			wantSAs:   []string{"payments/api"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := readStdin(t, tt.input)
			if d := cmp.Diff(tt.wantFiles, s.Files); d != "" {
				t.Errorf("Files (-want +got):\n%s", d)
			}
			var keys []string
			for k := range s.ServiceAccounts {
				keys = append(keys, k)
			}
			if d := cmp.Diff(tt.wantSAs, sortStrings(keys)); d != "" {
				t.Errorf("ServiceAccounts (-want +got):\n%s", d)
			}
			if strings.Contains(s.Files[0].Error, "\n") {
				t.Errorf("error is not one line: %q", s.Files[0].Error)
			}
			if strings.HasPrefix(tt.name, "a List cut short") && len(s.Listings) != 0 {
				t.Errorf("Listings = %v, want none", s.Listings)
			}
		})
	}
}

func sortStrings(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestReadPaths(t *testing.T) {
	t.Run("missing path is a usage error", func(t *testing.T) {
		writeTree(t, nil)
		_, err := Read(context.Background(), []string{"nope/pods.json"}, Options{})
		want := `PATH "nope/pods.json" does not exist: check the path, or use - to read standard input`
		if err == nil || err.Error() != want {
			t.Errorf("err = %v, want %q", err, want)
		}
	})
	t.Run("no PATH", func(t *testing.T) {
		_, err := Read(context.Background(), nil, Options{})
		if err == nil || err.Error() != "no PATH given: name a bundle folder, a file, or - for standard input" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("- without stdin, and - twice", func(t *testing.T) {
		if _, err := Read(context.Background(), []string{"-"}, Options{}); err == nil || err.Error() != "PATH -: no standard input is available" {
			t.Errorf("err = %v", err)
		}
		_, err := Read(context.Background(), []string{"-", "-"}, Options{Stdin: strings.NewReader("")})
		if err == nil || err.Error() != "PATH - given twice: standard input can be read only once" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("empty folder", func(t *testing.T) {
		writeTree(t, nil)
		if err := os.Mkdir("empty", 0o755); err != nil {
			t.Fatal(err)
		}
		s := readPaths(t, "empty")
		if len(s.Files) != 0 {
			t.Errorf("Files = %v, want none", s.Files)
		}
	})
	t.Run("hidden entries skipped, a file named twice read once, symlinked folder not followed", func(t *testing.T) {
		dir := writeTree(t, map[string]string{
			"b/sa.json":        saJSON,
			"b/.git/HEAD":      "ref: refs/heads/main\n",
			"b/.sa.json.swp":   "\x00binary",
			"b/sub/notes.md":   "# notes\n",
			"b/sub/pods.json":  `{"apiVersion": "v1", "kind": "List", "items": []}`,
			"outside/cm.json":  `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}`,
			"outside/sa2.json": saJSON,
		})
		if err := os.Symlink(filepath.Join(dir, "outside"), filepath.Join(dir, "b", "link")); err != nil {
			t.Skipf("symlinks unsupported: %v", err)
		}
		s := readPaths(t, "b", "b/sa.json", filepath.Join(dir, "outside", "sa2.json"))
		wantFiles := []snapshot.File{
			{Path: "b/link", Error: "b/link: symbolic link to a folder, not followed: name the folder itself"},
			{Path: "b/sa.json", RecognisedAs: "kubectl:ServiceAccount"},
			{Path: "b/sub/notes.md", Error: "b/sub/notes.md: plain text, not JSON, YAML or an error text that kubectl or the aws CLI prints"},
			{Path: "b/sub/pods.json", RecognisedAs: "kubectl:List"},
			{Path: "sa2.json", RecognisedAs: "kubectl:ServiceAccount"},
		}
		if d := cmp.Diff(wantFiles, s.Files, ignoreLines); d != "" {
			t.Errorf("Files (-want +got):\n%s", d)
		}
		if got := s.ServiceAccounts["payments/api"].Source.Ref; got != "b/sa.json" {
			t.Errorf("the first file read wins: SA source %q, want b/sa.json", got)
		}
	})
	t.Run("size limit", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"b/small.json": saJSON})
		// A sparse file over the default 256 MiB limit: skipped before
		// anything is read.
		f, err := os.Create(filepath.Join(dir, "b", "huge.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(300 << 20); err != nil {
			t.Fatal(err)
		}
		f.Close()
		s := readPaths(t, "b")
		wantFiles := []snapshot.File{
			{Path: "b/huge.json", Error: "b/huge.json: file is 300 MiB, over the 256 MiB limit: skipped (split it, or pass only the files needed)"},
			{Path: "b/small.json", RecognisedAs: "kubectl:ServiceAccount"},
		}
		if d := cmp.Diff(wantFiles, s.Files, ignoreLines); d != "" {
			t.Errorf("Files (-want +got):\n%s", d)
		}
		// Stdin has no size up front: it is cut off while reading.
		s, err = Read(context.Background(), []string{"-"}, Options{Stdin: strings.NewReader(saJSON), MaxFileSize: 50})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(file("", "-: input is over the 50 bytes limit: skipped"), s.Files); d != "" {
			t.Errorf("Files (-want +got):\n%s", d)
		}
	})
	t.Run("absolute PATH: refs relative to its parent", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"bundle/sa.json": saJSON})
		s := readPaths(t, filepath.Join(dir, "bundle"))
		if d := cmp.Diff([]snapshot.File{{Path: "bundle/sa.json", RecognisedAs: "kubectl:ServiceAccount"}}, s.Files, ignoreLines); d != "" {
			t.Errorf("Files (-want +got):\n%s", d)
		}
	})
}

func TestReadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Read(ctx, []string{"-"}, Options{Stdin: strings.NewReader(saJSON)})
	if err == nil || err.Error() != "read bundle: context canceled" {
		t.Errorf("err = %v, want read bundle: context canceled", err)
	}
}
