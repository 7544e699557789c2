package bundle

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle/gen"
)

// readBothWays reads the file at path streamed (every size qualifies) and
// whole, and returns both snapshots as JSON, and whether the streamed
// read went to the end rather than falling back.
func readBothWays(t testing.TB, path string) (streamed, whole string, didStream bool) {
	t.Helper()
	defer func(v int64) { streamMin = v }(streamMin)
	read := func() string {
		s, err := Read(context.Background(), []string{path}, Options{})
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		return string(b)
	}
	streamMin = 0
	before := streamedFiles.Load()
	streamed = read()
	didStream = streamedFiles.Load() > before
	streamMin = math.MaxInt64
	whole = read()
	return streamed, whole, didStream
}

// TestStreamedReadSame: a file read as a stream gives the snapshot the
// whole-file path gives, file entry (line count, recognised kinds) and
// problems included; the inputs the stream cannot handle fall back.
func TestStreamedReadSame(t *testing.T) {
	dir := t.TempDir()
	if err := gen.Write(dir, gen.Config{Pods: 300, ServiceAccounts: 60, Roles: 20, Namespaces: 5}); err != nil {
		t.Fatal(err)
	}
	pods, err := os.ReadFile(filepath.Join(dir, gen.PodsFile))
	if err != nil {
		t.Fatal(err)
	}
	list := func(items ...string) string {
		// As kubectl prints it: "{" alone on the first line.
		return "{\n" + `"apiVersion": "v1", "kind": "List", "items": [` + strings.Join(items, ",\n") + `], "metadata": {"resourceVersion": ""}}`
	}
	pod := `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n"}, "spec": {"serviceAccountName": "s", "containers": [{"name": "c"}]}}`
	tests := []struct {
		name    string
		content string
		stream  bool // read to the end as a stream
	}{
		{"generated pods", string(pods), true},
		{"a List of service accounts", list(saJSON, saJSON), true},
		{"no trailing newline", list(pod), true},
		{"several Lists", list(pod) + "\n" + list(saJSON) + "\n", true},
		{"a List of Secrets", list(`{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x", "namespace": "n"}}`), false},
		{"a warning after the JSON", list(pod) + "\nWarning: v1 ComponentStatus is deprecated\n", false},
		{"a warning before the JSON", "Warning: deprecated\n" + list(pod), false},
		{"a single line", `{"apiVersion": "v1", "kind": "List", "items": [` + pod + `]}`, false},
		{"a typed List without item kinds", "{\n" + `"kind": "PodList", "apiVersion": "v1", "items": [{"metadata": {"name": "p", "namespace": "n"}, "spec": {"containers": [{"name": "c"}]}}]}`, false},
		{"an item of the wrong type", list(`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": 3}}`, pod), false},
		{"invalid UTF-8 in an item", list(strings.Replace(pod, `"c"`, "\"\xff\"", 1)), false},
		{"two numbers apart in an item", list(strings.Replace(pod, `"spec": {`, `"spec": {"priority": 1 2, `, 1)), false},
		{"a literal cut by a space", list(strings.Replace(pod, `"spec": {`, `"spec": {"hostNetwork": tr ue, `, 1)), false},
		{"escapes, brackets and commas in strings", list(strings.Replace(pod, `"name": "c"`, `"name": "c", "image": "a \" ]}, {[ \\ \u0041 \"  b"`, 1)), true},
		{"a lone surrogate escape", list(strings.Replace(pod, `"name": "c"`, `"name": "\ud800"`, 1)), false},
		{"a trailing comma in items", "{\n" + `"apiVersion": "v1", "kind": "List", "items": [` + pod + `,]}`, false},
		{"an invalid item of a kind not used", list(`{"apiVersion": "v1", "kind": "Secret", "data": {"x": tru}}`, pod), false},
		{"an item that is not an object", list(`"x"`, pod), false},
		{"a member after items that is not valid", "{\n" + `"apiVersion": "v1", "kind": "List", "items": [` + pod + `], "metadata": {"a": 01}}`, false},
		{"white space of every kind", strings.ReplaceAll(list(pod, saJSON), ", ", ",\t\r\n          "), true},
		{"cut short", list(pod)[:60], false},
		{"a single object", pod, false},
		{"an array", "[" + pod + "]", false},
		{"a JSON log line first", `{"level":"error","msg":"x"}` + "\n" + list(pod), false},
		{"a byte-order mark", "\xEF\xBB\xBF" + list(pod), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer readWithChunks(1 << 20)()
			for _, chunk := range []int{1 << 20, 1, 7} {
				readWithChunks(chunk)
				checkStreamedSame(t, tt.content, tt.stream)
			}
			// Mapped (Linux), one page at a time: the generated pods
			// cross a window every few items.
			readMapped(int64(os.Getpagesize()))
			checkStreamedSame(t, tt.content, tt.stream)
		})
	}
}

// readWithChunks has streamed files read with read(2), chunk bytes at a
// time; the function it returns puts back what it changed.
func readWithChunks(chunk int) func() {
	c, m, w := splitChunk, mapStreamed, windowSize
	splitChunk, mapStreamed = chunk, false
	return func() { splitChunk, mapStreamed, windowSize = c, m, w }
}

func readMode() string {
	if mapStreamed {
		return fmt.Sprintf("mapped windows of %d bytes", windowSize)
	}
	return fmt.Sprintf("chunks of %d bytes", splitChunk)
}

// readMapped has streamed files mapped (on Linux), window bytes at a time.
func readMapped(window int64) {
	mapStreamed, windowSize = true, window
}

// checkStreamedSame reads content streamed and whole, with the splitter's
// chunk size as set.
func checkStreamedSame(t *testing.T, content string, stream bool) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.json")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	streamed, whole, did := readBothWays(t, path)
	if did != stream {
		t.Errorf("%s: read to the end as a stream: %v, want %v", readMode(), did, stream)
	}
	if streamed != whole {
		t.Errorf("%s: streamed read differs from the whole-file read:\nstreamed %s\nwhole    %s", readMode(), streamed, whole)
	}
}

// FuzzStreamedRead: whatever the file, the streamed path gives what the
// whole-file path gives (it falls back on anything it does not handle),
// whatever the size of the splitter's reads.
func FuzzStreamedRead(f *testing.F) {
	pod := `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n"}, "spec": {"containers": [{"name": "c"}]}}`
	for _, s := range []string{
		`{"apiVersion": "v1", "kind": "List", "items": [` + pod + `,` + saJSON + `]}`,
		`{"kind": "PodList", "items": [{"metadata": {"name": "p"}}]}`,
		`{"apiVersion": "v1", "items": [], "kind": "List"}` + "\nWarning: x\n",
		pod,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(t.TempDir(), "in.json")
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		defer readWithChunks(1 << 20)()
		for _, chunk := range []int{1 << 20, 3, 0} {
			if chunk == 0 {
				readMapped(int64(os.Getpagesize()))
			} else {
				readWithChunks(chunk)
			}
			streamed, whole, _ := readBothWays(t, path)
			if streamed != whole {
				t.Fatalf("chunks of %d bytes (0: mapped): streamed read differs from the whole-file read:\nstreamed %s\nwhole    %s", chunk, streamed, whole)
			}
		}
	})
}
