package policy

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Editing and rendering of the tree parseJSON reads, for the fixers
// (fix.go, fix_podidentity.go). Edits keep the user's order of keys and
// the form of each value (a string stays a string until a second value
// makes it a list).

func object(ms ...member) *node { return &node{kind: kindObject, members: ms} }

func array(items ...*node) *node { return &node{kind: kindArray, items: items} }

func str(s string) *node { return &node{kind: kindString, text: s} }

// strOrList is one string, or a list of several.
func strOrList(ss []string) *node {
	if len(ss) == 1 {
		return str(ss[0])
	}
	items := make([]*node, len(ss))
	for i, s := range ss {
		items[i] = str(s)
	}
	return array(items...)
}

func (n *node) clone() *node {
	c := &node{kind: n.kind, text: n.text, boolean: n.boolean}
	for _, m := range n.members {
		c.members = append(c.members, member{m.key, m.val.clone()})
	}
	for _, it := range n.items {
		c.items = append(c.items, it.clone())
	}
	return c
}

// get returns the first member called key of an object, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kindObject {
		return nil
	}
	for _, m := range n.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// set replaces the member called key, or appends it.
func (n *node) set(key string, v *node) {
	for i := range n.members {
		if n.members[i].key == key {
			n.members[i].val = v
			return
		}
	}
	n.members = append(n.members, member{key, v})
}

func (n *node) del(key string) {
	out := n.members[:0]
	for _, m := range n.members {
		if m.key != key {
			out = append(out, m)
		}
	}
	n.members = out
}

// renameKey renames a member in place; when the new key exists already,
// the values merge into it.
func (n *node) renameKey(old, key string) {
	if have := n.get(key); have != nil && old != key {
		for _, s := range n.get(old).strings() {
			have.appendString(s)
		}
		n.del(old)
		return
	}
	for i := range n.members {
		if n.members[i].key == old {
			n.members[i].key = key
			return
		}
	}
}

// stringValue returns a string scalar's value.
func (n *node) stringValue() (string, bool) {
	if n == nil || n.kind != kindString {
		return "", false
	}
	return n.text, true
}

// strings returns the string values of a string or a list.
func (n *node) strings() []string {
	if n == nil {
		return nil
	}
	if s, ok := n.stringValue(); ok {
		return []string{s}
	}
	var out []string
	for _, it := range n.items {
		if s, ok := it.stringValue(); ok {
			out = append(out, s)
		}
	}
	return out
}

// appendString adds s to a string or list value (a scalar becomes a list),
// unless it is there already.
func (n *node) appendString(s string) {
	for _, have := range n.strings() {
		if have == s {
			return
		}
	}
	if n.kind == kindArray {
		n.items = append(n.items, str(s))
		return
	}
	first := *n
	*n = *array(&first, str(s))
}

// replaceString replaces the string old (a scalar, or an item of a list)
// by s.
func (n *node) replaceString(old, s string) {
	if v, ok := n.stringValue(); ok {
		if v == old {
			*n = *str(s)
		}
		return
	}
	for i, it := range n.items {
		if v, ok := it.stringValue(); ok && v == old {
			n.items[i] = str(s)
		}
	}
}

// statement returns the i-th statement of a document: Statement itself
// when it is one object.
func (n *node) statement(i int) *node {
	st := n.get("Statement")
	switch {
	case st == nil:
		return nil
	case st.kind == kindObject && i == 0:
		return st
	case st.kind == kindArray && i >= 0 && i < len(st.items):
		return st.items[i]
	}
	return nil
}

// appendStatement adds a statement to a document and returns its index; a
// single statement object becomes a list.
func (n *node) appendStatement(s *node) int {
	st := n.get("Statement")
	switch {
	case st == nil:
		n.set("Statement", array(s))
		return 0
	case st.kind == kindObject:
		n.set("Statement", array(st, s))
		return 1
	}
	st.items = append(st.items, s)
	return len(st.items) - 1
}

// encode writes the tree as compact JSON. Strings are written in their
// minimal form (RFC 8785 §3.2.2.2: only '"', '\' and control characters
// escaped, and no HTML escaping), so a string the document wrote with
// needless escapes ("\u0041", "\/") comes back as plain text; numbers keep
// their literal text.
func (n *node) encode(b *bytes.Buffer) {
	switch n.kind {
	case kindObject:
		b.WriteByte('{')
		for i, m := range n.members {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(quoteJSON(m.key))
			b.WriteByte(':')
			m.val.encode(b)
		}
		b.WriteByte('}')
	case kindArray:
		b.WriteByte('[')
		for i, it := range n.items {
			if i > 0 {
				b.WriteByte(',')
			}
			it.encode(b)
		}
		b.WriteByte(']')
	case kindString:
		b.Write(quoteJSON(n.text))
	case kindNumber:
		b.WriteString(n.text)
	case kindBool:
		if n.boolean {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	default:
		b.WriteString("null")
	}
}

// quoteJSON is s as a JSON string. Invalid UTF-8 (only a value the caller
// built can hold it: parseJSON replaces it on reading) is replaced, never
// fatal.
func quoteJSON(s string) []byte {
	b, err := jsontext.AppendQuote(nil, s)
	if err != nil {
		b, _ = jsontext.AppendQuote(nil, strings.ToValidUTF8(s, "\uFFFD"))
	}
	return b
}

// render is the tree as JSON indented with two spaces, as the IAM and EKS
// documentation print policies, ending in a newline.
func (n *node) render() (string, error) {
	var b bytes.Buffer
	n.encode(&b)
	v := jsontext.Value(b.Bytes())
	if err := v.Indent(jsontext.WithIndent("  ")); err != nil {
		return "", fmt.Errorf("render policy: %w", err)
	}
	return string(v) + "\n", nil
}

// document parses the rendered tree as a policy.
func (n *node) document() (*Document, error) {
	text, err := n.render()
	if err != nil {
		return nil, err
	}
	return ParseDocument(text)
}
