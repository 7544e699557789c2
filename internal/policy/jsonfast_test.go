package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fastSeeds are JSON texts, valid and not, that parseJSONFast must read as
// the Decoder does, or leave to it.
var fastSeeds = []string{
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.eks.us-west-2.amazonaws.com/id/ABC:sub":"system:serviceaccount:a:b","oidc.eks.us-west-2.amazonaws.com/id/ABC:aud":"sts.amazonaws.com"}}}]}`,
	" {\n\t\"a\" : [ 1 , -0 , 2.5e+3 , 1E-2 , 0.0 , true , false , null , \"\" , {} , [] ] } \r\n",
	`{"a":"x\"y","b":"\u00e9\ud83d\ude00","c":"\/\\\b\f\n\r\t","d":"\ud800","e":"héllo"}`,
	`{"a":1,"a":2}`, `"just a string"`, `"{\"Statement\":[]}"`, `12`, `-`, `01`, `1.`, `.5`, `1e`, `+1`, `[1,]`, `{"a":1,}`, `{,}`, `[,1]`,
	`{"a" 1}`, `{1:2}`, `truex`, `nul`, `[true"x"]`, `{"a":1}x`, `{"a":1} {}`, "", "   ", "{", "[[[[", `"abc`, "\"a\x01b\"", "\"\xff\"", "\ufeff{}",
	`{"a":"\x"}`, `[1 2]`, `{"a":[1,{"b":[null]}]}`, `[-12.50e-07]`, "[1]\x00",
	strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
	strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
	strings.Repeat("[", maxDepth+2) + "1" + strings.Repeat("]", maxDepth+2),
	strings.Repeat("[", maxDepth) + "1" + strings.Repeat("]", maxDepth),
}

// checkFast: when parseJSONFast reads text, the Decoder reads the same
// tree; when the Decoder reads text that has no backslash and is plain
// UTF-8, parseJSONFast reads it too (the fast path is the common one).
func checkFast(t *testing.T, text string) {
	t.Helper()
	fast, ok := parseJSONFast(text)
	slow, err := parseJSONDecoder(text)
	if ok {
		if err != nil {
			t.Fatalf("%q: parseJSONFast read what the Decoder refuses: %v", text, err)
		}
		if !sameNode(slow, fast) {
			t.Fatalf("%q: parseJSONFast differs from the Decoder", text)
		}
		return
	}
	if err == nil && !strings.Contains(text, `\`) && !strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 && r != ' ' && r != '\t' && r != '\n' && r != '\r' || r == 0xfffd }) {
		t.Fatalf("%q: the Decoder reads it, parseJSONFast does not", text)
	}
}

func TestParseJSONFast(t *testing.T) {
	for _, s := range fastSeeds {
		checkFast(t, s)
	}
	// Every JSON file of the repository's test data and examples.
	for _, glob := range []string{"../../examples/*/*/*.json", "../../examples/*/*.json", "../*/testdata/*/*.json", "../*/testdata/*/*/*.json", "../*/testdata/*/*/*/*.json"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			checkFast(t, string(b))
		}
	}
}

func FuzzParseJSONFast(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) { checkFast(t, text) })
}

// sameNode compares two trees (cmp.Diff takes exponential time on deep
// nesting), nil and empty lists apart.
func sameNode(a, b *node) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.kind != b.kind || a.text != b.text || a.boolean != b.boolean ||
		len(a.members) != len(b.members) || (a.members == nil) != (b.members == nil) ||
		len(a.items) != len(b.items) || (a.items == nil) != (b.items == nil) {
		return false
	}
	for i := range a.members {
		if a.members[i].key != b.members[i].key || !sameNode(a.members[i].val, b.members[i].val) {
			return false
		}
	}
	for i := range a.items {
		if !sameNode(a.items[i], b.items[i]) {
			return false
		}
	}
	return true
}

// allDuplicatesEager is allDuplicates as it was, building every path and
// a map per object: the reference TestAllDuplicates holds it to.
func allDuplicatesEager(n *node, path string) []string {
	var out []string
	switch n.kind {
	case kindObject:
		seen := map[string]bool{}
		for _, m := range n.members {
			if seen[m.key] {
				out = append(out, fmt.Sprintf("%s at %s", quote(m.key), orTop(path)))
			}
			seen[m.key] = true
		}
		for _, m := range n.members {
			out = append(out, allDuplicatesEager(m.val, path+"."+m.key)...)
		}
	case kindArray:
		for i, it := range n.items {
			out = append(out, allDuplicatesEager(it, fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return out
}

func TestAllDuplicates(t *testing.T) {
	many := `{` + strings.Repeat(`"k":1,`, 70) + `"z":[{"a":1,"b":2,"a":3}]}`
	texts := append([]string{
		`{"a":1,"a":2,"b":{"c":[{"d":1},{"d":1,"d":2,"d":3}],"c":1},"a":3}`,
		`[{"x":1},[{"y":2,"y":2}],{"z":{"w":1,"w":1}}]`, many, `{"Statement":[{"Condition":{"StringEquals":{"k":"v"},"StringEquals":{"k":"w"}}}]}`,
	}, fastSeeds...)
	for _, text := range texts {
		n, err := parseJSONDecoder(text)
		if err != nil {
			continue
		}
		for _, path := range []string{"", "Statement[0]"} {
			got, want := allDuplicates(n, path), allDuplicatesEager(n, path)
			if !slices.Equal(got, want) || (got == nil) != (want == nil) {
				t.Errorf("%.60q: allDuplicates = %q, want %q", text, got, want)
			}
		}
	}
}
