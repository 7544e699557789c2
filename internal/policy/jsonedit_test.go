package policy

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRender: the tree renders with two-space indentation, keys in the
// document's order, duplicates kept, numbers as written and strings in
// their minimal form.
func TestRender(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{
			name: "policy",
			in:   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/x"},"Action":["sts:AssumeRoleWithWebIdentity"],"Condition":{"Bool":{"k":true},"NumericLessThan":{"n":1.50e3},"Null":{"m":null}}}]}`,
			want: `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::111122223333:oidc-provider/x"
      },
      "Action": [
        "sts:AssumeRoleWithWebIdentity"
      ],
      "Condition": {
        "Bool": {
          "k": true
        },
        "NumericLessThan": {
          "n": 1.50e3
        },
        "Null": {
          "m": null
        }
      }
    }
  ]
}
`,
		},
		{name: "empty containers", in: `{"e":{},"l":[]}`, want: "{\n  \"e\": {},\n  \"l\": []\n}\n"},
		{name: "duplicate keys", in: `{"a":1,"a":2}`, want: "{\n  \"a\": 1,\n  \"a\": 2\n}\n"},
		// Needless escapes come back as plain text; HTML characters and
		// U+2028 are not escaped; control characters are.
		{name: "escapes", in: `{"\u0041":"\/<>&\u2028\u00e9\n\u0001"}`, want: "{\n  \"A\": \"/<>&\u2028\u00e9\\n\\u0001\"\n}\n"},
		{name: "invalid UTF-8 is replaced on reading", in: "{\"a\":\"\xff\"}", want: "{\n  \"a\": \"\uFFFD\"\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := parseJSON(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := n.render()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("render (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEdit: each editing method, on the compact rendering of the result.
func TestEdit(t *testing.T) {
	tests := []struct {
		name, in string
		edit     func(n *node)
		want     string
	}{
		{"set replaces", `{"a":1,"b":2}`, func(n *node) { n.set("a", str("x")) }, `{"a":"x","b":2}`},
		{"set appends", `{"a":1}`, func(n *node) { n.set("b", strOrList([]string{"x", "y"})) }, `{"a":1,"b":["x","y"]}`},
		{"del removes every copy", `{"a":1,"b":2,"a":3}`, func(n *node) { n.del("a") }, `{"b":2}`},
		{"renameKey in place", `{"a":1,"b":2}`, func(n *node) { n.renameKey("a", "c") }, `{"c":1,"b":2}`},
		{"renameKey merges", `{"a":"x","b":["y","x"]}`, func(n *node) { n.renameKey("a", "b") }, `{"b":["y","x"]}`},
		{"renameKey merges a new value", `{"a":"x","b":"y"}`, func(n *node) { n.renameKey("a", "b") }, `{"b":["y","x"]}`},
		{"appendString to a string", `{"a":"x"}`, func(n *node) { n.get("a").appendString("y") }, `{"a":["x","y"]}`},
		{"appendString present", `{"a":["x","y"]}`, func(n *node) { n.get("a").appendString("y") }, `{"a":["x","y"]}`},
		{"appendString to a boolean", `{"a":true}`, func(n *node) { n.get("a").appendString("y") }, `{"a":[true,"y"]}`},
		{"replaceString scalar", `{"a":"x"}`, func(n *node) { n.get("a").replaceString("x", "y") }, `{"a":"y"}`},
		{"replaceString other scalar", `{"a":"x"}`, func(n *node) { n.get("a").replaceString("z", "y") }, `{"a":"x"}`},
		{"replaceString list", `{"a":["x","z","x"]}`, func(n *node) { n.get("a").replaceString("x", "y") }, `{"a":["y","z","y"]}`},
		{"appendStatement to a list", `{"Statement":[{"Sid":"A"}]}`, func(n *node) { n.appendStatement(object(member{"Sid", str("B")})) }, `{"Statement":[{"Sid":"A"},{"Sid":"B"}]}`},
		{"appendStatement to an object", `{"Statement":{"Sid":"A"}}`, func(n *node) { n.appendStatement(object(member{"Sid", str("B")})) }, `{"Statement":[{"Sid":"A"},{"Sid":"B"}]}`},
		{"appendStatement to none", `{"Version":"2012-10-17"}`, func(n *node) { n.appendStatement(object()) }, `{"Version":"2012-10-17","Statement":[{}]}`},
		{"statement of an object", `{"Statement":{"Sid":"A"}}`, func(n *node) { n.statement(0).set("Sid", str("B")) }, `{"Statement":{"Sid":"B"}}`},
		{"clone is deep", `{"a":["x"]}`, func(n *node) { n.clone().get("a").appendString("y") }, `{"a":["x"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := parseJSON(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			tt.edit(n)
			if got := compact(n); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	n, _ := parseJSON(`{"Statement":[{"Sid":"A"}]}`)
	for _, i := range []int{-1, 1} {
		if st := n.statement(i); st != nil {
			t.Errorf("statement(%d) = %s, want nil", i, compact(st))
		}
	}
	if n.get("Statement").get("x") != nil || (*node)(nil).get("x") != nil {
		t.Error("get on a list or nil is not nil")
	}
}

// compact is the tree as compact JSON.
func compact(n *node) string {
	var b bytes.Buffer
	n.encode(&b)
	return b.String()
}
