package bundle

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// aliasBomb is a ServiceAccount whose YAML repeats one scalar of size bytes
// through n aliases, with enough plain nodes that the YAML library's own
// check (most nodes from aliases) lets it through.
func aliasBomb(size, n int) string {
	plain := strings.Repeat("p,", n/50+10)
	aliases := strings.Repeat("*s,", n)
	return "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: bomb\n  namespace: default\n" +
		"a: &s " + strings.Repeat("x", size) + "\n" +
		"pad: [" + plain[:len(plain)-1] + "]\n" +
		"b: [" + aliases[:len(aliases)-1] + "]\n"
}

// TestYAMLAliasBomb (issue 9): 109 KB of YAML that expands to 300 MB of
// JSON is refused before it is expanded, with a one-line error naming the
// file and the document, and reading it allocates little.
func TestYAMLAliasBomb(t *testing.T) {
	content := aliasBomb(100_000, 3000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := readStdin(t, content)
	runtime.ReadMemStats(&after)

	if len(s.ServiceAccounts) != 0 {
		t.Errorf("the bomb was read: %v", s.ServiceAccounts)
	}
	if len(s.Files) != 1 {
		t.Fatalf("Files = %+v", s.Files)
	}
	got := s.Files[0].Error
	want := "-:1:1: YAML document 1: skipped: its aliases (*name) expand the file past 1.7 MiB of JSON, the most that 106 KiB of YAML may expand to (16 times its size, at least 1 MiB); kubectl never writes aliases: pass its own output"
	if got != want {
		t.Errorf("error\n got %q\nwant %q", got, want)
	}
	// The expansion is 300 MB; reading the file itself takes a few.
	t.Logf("allocated %d KiB", (after.TotalAlloc-before.TotalAlloc)>>10)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("reading a %d-byte alias bomb allocated %d MiB", len(content), alloc>>20)
	}
}

// TestYAMLAliasBudget: the budget is the converted size, shared by the
// documents of a file, and capped by the file size limit.
func TestYAMLAliasBudget(t *testing.T) {
	sa := func(name string, size, n int) string {
		return fmt.Sprintf("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: %s\n  namespace: default\n  labels:\n    a: &%s %s\nrefs: [%s]\n",
			name, name, strings.Repeat("x", size), strings.TrimSuffix(strings.Repeat("*"+name+",", n), ","))
	}
	tests := []struct {
		name    string
		content string
		opts    Options
		read    []string // ServiceAccounts read
		err     string   // substring of the file's error; "" for none
	}{
		{
			name:    "anchors that a hand-written file shares",
			content: "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: default\n  labels: &l {app: api}\n  annotations: *l\n",
			read:    []string{"default/api"},
		},
		{
			name:    "just under the 1 MiB floor",
			content: sa("under", 10_000, 100), // 10 KB of YAML, about 1,000,100 bytes of JSON
			read:    []string{"default/under"},
		},
		{
			name:    "just over the 1 MiB floor",
			content: sa("over", 10_000, 106),
			err:     "-:1:1: YAML document 1: skipped: its aliases (*name) expand the file past 1 MiB of JSON",
		},
		{
			name:    "the documents of a file share the budget",
			content: sa("first", 10_000, 60) + "---\n" + sa("second", 10_000, 60),
			read:    []string{"default/first"},
			err:     "-:9:1: YAML document 2: skipped:",
		},
		{
			name:    "never more than the file size limit",
			content: sa("capped", 1000, 100),
			opts:    Options{MaxFileSize: 64 << 10},
			err:     "past 64 KiB of JSON",
		},
		{
			name:    "an alias inside the node it names",
			content: "a: &a [*a]\n",
			err:     "invalid YAML: yaml:",
		},
		{
			name:    "billion laughs",
			content: "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]\n",
			err:     "YAML document 1: skipped: its aliases",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Stdin = strings.NewReader(tt.content)
			s, err := Read(context.Background(), []string{"-"}, opts)
			if err != nil {
				t.Fatal(err)
			}
			var read []string
			for k := range s.ServiceAccounts {
				read = append(read, k)
			}
			if fmt.Sprint(read) != fmt.Sprint(tt.read) {
				t.Errorf("read %v, want %v", read, tt.read)
			}
			got := s.Files[0].Error
			if tt.err == "" && got != "" || !strings.Contains(got, tt.err) {
				t.Errorf("error %q, want one with %q", got, tt.err)
			}
			if strings.ContainsAny(got, "\n\r") {
				t.Errorf("error %q is not one line", got)
			}
		})
	}
}

// FuzzYAMLAliasSize checks the bound that the alias budget relies on: a
// document with aliases converts (sigs.k8s.io/yaml, as parseYAML does) to
// at most the JSON size aliasedJSONSize computed without expanding it.
//
//	go test ./internal/bundle -run '^$' -fuzz FuzzYAMLAliasSize -fuzztime 60s
func FuzzYAMLAliasSize(f *testing.F) {
	for _, s := range []string{
		"a: &a 1e20\nb: [*a, *a]\n",
		"a: &a y\nb: {*a: *a}\n",
		"a: &a !!binary AAAA\nb: [*a, *a]\n",
		"a: &a \"<\\x00\\xff\\u2028>\"\nb: [*a]\n",
		"base: &b {x: 1, y: [1, 2]}\nd:\n  <<: *b\n  z: 3\n",
		"- &a [a, b]\n- *a\n- [*a, *a]\n",
		"a: &a\nb: *a\n",
		"? &k [1, 2]\n: *k\n",
		aliasBomb(100, 30),
	} {
		f.Add([]byte(s))
	}
	const limit = 1 << 20
	f.Fuzz(func(t *testing.T, doc []byte) {
		size, aliased, err := aliasedJSONSize(doc, limit)
		if err != nil || !aliased || size > limit {
			return
		}
		j, err := yamlToJSON(doc)
		if err != nil {
			return
		}
		if int64(len(j)) > size {
			t.Fatalf("%q converts to %d bytes of JSON, over the bound %d:\n%s", doc, len(j), size, j)
		}
	})
}

// TestLineHasTab: the tab hint reads the line of the document the error
// names.
func TestLineHasTab(t *testing.T) {
	doc := []byte("a: 1\n\tb: 2\nc: 3")
	for line, want := range map[int]bool{1: false, 2: true, 3: false, 4: false} {
		if got := lineHasTab(doc, line); got != want {
			t.Errorf("lineHasTab(line %d) = %t", line, got)
		}
	}
}
