package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	json "github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// sameDocument asserts that the YAML rendering of r is the JSON
// rendering: the same values once read back (as kubectl users read YAML,
// with sigs.k8s.io/yaml) and the same keys in the same order. The CLI's
// tests compare the two on the bundled examples.
func sameDocument(t *testing.T, r *finding.Result) {
	t.Helper()
	var j, y bytes.Buffer
	if err := Write(&j, r, Options{Format: FormatJSON}); err != nil {
		t.Fatalf("json: %v", err)
	}
	if err := Write(&y, r, Options{Format: FormatYAML}); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	if err := compareYAMLToJSON(y.Bytes(), j.Bytes()); err != nil {
		t.Fatalf("%v\nyaml:\n%s", err, y.String())
	}
}

func TestYAMLIsTheJSONDocument(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) { sameDocument(t, tc.result()) })
	}
	t.Run("hostile", func(t *testing.T) { sameDocument(t, yamlHostileResult()) })
}

// yamlHostileResult is hostileResult with what a YAML emitter gets wrong
// besides escape sequences: NUL, invalid UTF-8, a byte-order mark, values
// that YAML would read as something else (yes, 0x1F, ~, a date), a
// value that looks like a key or a comment, and multi-line policies (one
// with a first line indented, one with several trailing line breaks, one
// with tabs).
func yamlHostileResult() *finding.Result {
	r := hostileResult()
	f := &r.Findings[0]
	for _, v := range []string{
		"nul\x00here", "bad \xff\xfe utf-8", "\ufeffbom", "yes", "No", "on", "~", "0x1F", "1e3", "2026-11-26",
		".inf", "- item", "key: value", "a #comment", "trailing ", " leading", "ends:", "@at", "*star", "&anchor",
		"!tag", "|", ">", "%", "'single'", "\"double\"", "{flow}", "[list]", "", "\u2028line sep", "\U000e0041 tag",
		"\uffff", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}",
		"  indented\n  policy\n", "three\nbreaks\n\n\n", "tab\n\tpolicy", "line\n   \nof spaces", "\n\nleading breaks",
		"crlf\r\npolicy\r\n", "esc\n\x1b[2Jin a block\n", "bidi\n\u202ein a block\n",
	} {
		f.Evidence = append(f.Evidence, finding.Evidence{Source: "bundle", Ref: v, Value: v})
	}
	f.Fix.Files = append(f.Fix.Files,
		finding.File{Name: "p.json", Content: "{\n  \"Statement\": [\n    {\"Sid\": \"a\x1b]52;c;x\x07\"}\n  ]\n}\n"},
		finding.File{Name: "q.json", Content: "{\n  \"Statement\": [\n    {\"Sid\": \"a\"}\n  ]\n}\n"})
	return r
}

// TestYAMLHostileRaw: the raw YAML of the hostile result holds no
// character termsafe calls unsafe (bar the line breaks of the layout and
// of block scalars) and is valid UTF-8.
func TestYAMLHostileRaw(t *testing.T) {
	out := string(render(t, yamlHostileResult(), Options{Format: FormatYAML}))
	if !utf8.ValidString(out) {
		t.Errorf("yaml is not valid UTF-8")
	}
	for i, r := range out {
		if r != '\n' && termsafe.Unsafe(r) {
			t.Errorf("raw %U at byte %d: %q", r, i, out[max(0, i-20):min(len(out), i+20)])
		}
	}
	// The policies that can be shown as blocks are.
	for _, want := range []string{
		"    value: |-\n      {\n        \"Version\": \"2012-10-17\",\n        \"Statement\": []\n      }\n",
		"      content: |\n        {\n          \"Statement\": [\n            {\"Sid\": \"a\"}\n          ]\n        }\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("yaml lacks the block %q:\n%s", want, out)
		}
	}
}

func TestYAMLScalars(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"irsa-doctor", "irsa-doctor"},
		{"arn:aws:iam::111122223333:role/r", "arn:aws:iam::111122223333:role/r"},
		{"/var/run/secrets", "/var/run/secrets"},
		{"111122223333", `"111122223333"`},
		{"yes", `"yes"`},
		{"Off", `"Off"`},
		{"", `""`},
		{"--role-name", `"--role-name"`},
		{"a: b", `"a: b"`},
		{"a #b", `"a #b"`},
		{"a\x1b[2J", `"a\e[2J"`},
		{"nul\x00", `"nul\0"`},
		{"\u202eabc", `"\u202eabc"`},
		{"\u0085", `"\u0085"`},
		{"\U000e0041", `"\U000e0041"`},
		{"tab\tquote\"back\\slash", `"tab\tquote\"back\\slash"`},
		{"café", `"café"`},
	} {
		if got := yamlScalar(tc.in); got != tc.want {
			t.Errorf("yamlScalar(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// FuzzYAMLRoundTrip: any string, wherever it sits in the document, reads
// back from the YAML as the JSON document has it, and puts no unsafe
// character in the raw YAML.
func FuzzYAMLRoundTrip(f *testing.F) {
	for _, s := range []string{"", "a", "yes", "0x1F", "a: b", "{\n  \"a\": 1\n}\n", "\x1b[2J", "\u202e", "\xff", " x\n y", "a\n\n\n", "- a\n- b"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		r := hostileResult()
		r.Input.Cluster = a
		r.Findings[0].Message = a
		r.Findings[0].Evidence = append(r.Findings[0].Evidence, finding.Evidence{Source: a, Ref: b, Value: a + "\n" + b})
		r.Findings[0].Fix.Files = append(r.Findings[0].Fix.Files, finding.File{Name: b, Content: b})
		r.Summary.BySeverity[a] = 1
		sameDocument(t, r)
		var y bytes.Buffer
		if err := Write(&y, r, Options{Format: FormatYAML}); err != nil {
			t.Fatal(err)
		}
		for _, c := range y.String() {
			if c != '\n' && termsafe.Unsafe(c) {
				t.Fatalf("raw %U in yaml", c)
			}
		}
	})
}

// compareYAMLToJSON reports how the YAML document y differs from the JSON
// document j: its values as sigs.k8s.io/yaml reads them (kubectl's
// reader), and the order of every mapping's keys as go.yaml.in/yaml/v3
// reads them.
func compareYAMLToJSON(y, j []byte) error {
	converted, err := yaml.YAMLToJSON(y)
	if err != nil {
		return fmt.Errorf("yaml does not parse: %v", err)
	}
	var want, got any
	if err := json.Unmarshal(j, &want); err != nil {
		return fmt.Errorf("json does not parse: %v", err)
	}
	if err := json.Unmarshal(converted, &got); err != nil {
		return fmt.Errorf("converted yaml does not parse: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		return fmt.Errorf("values differ (-json +yaml):\n%s", diff)
	}
	var node yamlv3.Node
	if err := yamlv3.Unmarshal(y, &node); err != nil {
		return fmt.Errorf("yaml v3: %v", err)
	}
	jn, err := parseJSON(j)
	if err != nil {
		return err
	}
	return sameKeyOrder(jn, node.Content[0], "")
}

func sameKeyOrder(j *jsonNode, y *yamlv3.Node, path string) error {
	switch j.kind {
	case '{':
		if y.Kind != yamlv3.MappingNode || len(y.Content) != 2*len(j.keys) {
			return fmt.Errorf("%s: yaml has %d nodes for %d keys", path, len(y.Content), len(j.keys))
		}
		for i, k := range j.keys {
			if y.Content[2*i].Value != k {
				return fmt.Errorf("%s: key %d is %q in yaml, %q in json", path, i, y.Content[2*i].Value, k)
			}
			if err := sameKeyOrder(j.vals[i], y.Content[2*i+1], path+"."+k); err != nil {
				return err
			}
		}
	case '[':
		if y.Kind != yamlv3.SequenceNode || len(y.Content) != len(j.vals) {
			return fmt.Errorf("%s: yaml has %d items, json %d", path, len(y.Content), len(j.vals))
		}
		for i, v := range j.vals {
			if err := sameKeyOrder(v, y.Content[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}
