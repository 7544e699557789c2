package model

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

// jnode is a JSON value that keeps object members in order, so an edited
// policy keeps the user's layout of keys. Only IRSA404's Pod Identity fixer
// still uses it; it goes when that fixer moves to policy's tree.
type Jnode struct {
	kind    jsontext.Kind // '{', '[', or the scalar's kind
	members []Member
	items   []*Jnode
	raw     jsontext.Value // scalars
}

type Member struct {
	Key string
	Val *Jnode
}

func Object(ms ...Member) *Jnode { return &Jnode{kind: '{', members: ms} }

func array(items ...*Jnode) *Jnode { return &Jnode{kind: '[', items: items} }

func Str(s string) *Jnode {
	b, err := jsontext.AppendQuote(nil, s)
	if err != nil {
		// Invalid UTF-8 is replaced, never fatal: the value came from a
		// document that parsed.
		b, _ = jsontext.AppendQuote(nil, strings.ToValidUTF8(s, "\uFFFD"))
	}
	return &Jnode{kind: '"', raw: b}
}

func StrOrList(ss []string) *Jnode {
	if len(ss) == 1 {
		return Str(ss[0])
	}
	items := make([]*Jnode, len(ss))
	for i, s := range ss {
		items[i] = Str(s)
	}
	return array(items...)
}

// parseTree reads a JSON text into a tree.
func ParseTree(text string) (*Jnode, error) {
	dec := jsontext.NewDecoder(strings.NewReader(text), jsontext.AllowDuplicateNames(true))
	n, err := readNode(dec, 0)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	return n, nil
}

func readNode(dec *jsontext.Decoder, depth int) (*Jnode, error) {
	if depth > 64 {
		return nil, errors.New("too deeply nested")
	}
	switch dec.PeekKind() {
	case '{':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		n := Object()
		for dec.PeekKind() != '}' {
			tok, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			// The token is valid only until the next read.
			key := strings.Clone(tok.String())
			v, err := readNode(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, Member{key, v})
		}
		_, err := dec.ReadToken()
		return n, err
	case '[':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		n := array()
		for dec.PeekKind() != ']' {
			v, err := readNode(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
		_, err := dec.ReadToken()
		return n, err
	}
	v, err := dec.ReadValue()
	if err != nil {
		return nil, err
	}
	return &Jnode{kind: v.Kind(), raw: v.Clone()}, nil
}

func (n *Jnode) encode(b *bytes.Buffer) error {
	switch n.kind {
	case '{':
		b.WriteByte('{')
		for i, m := range n.members {
			if i > 0 {
				b.WriteByte(',')
			}
			k, err := jsontext.AppendQuote(nil, m.Key)
			if err != nil {
				return err
			}
			b.Write(k)
			b.WriteByte(':')
			if err := m.Val.encode(b); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case '[':
		b.WriteByte('[')
		for i, it := range n.items {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := it.encode(b); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		b.Write(n.raw)
	}
	return nil
}

// render is the tree as JSON indented with two spaces, as the IAM and EKS
// documentation print policies.
func (n *Jnode) Render() (string, error) {
	var b bytes.Buffer
	if err := n.encode(&b); err != nil {
		return "", err
	}
	v := jsontext.Value(b.Bytes())
	if err := v.Indent(jsontext.WithIndent("  ")); err != nil {
		return "", fmt.Errorf("render policy: %w", err)
	}
	return string(v) + "\n", nil
}

// document parses the tree as a policy.
func (n *Jnode) Document() (*policy.Document, error) {
	text, err := n.Render()
	if err != nil {
		return nil, err
	}
	return policy.ParseDocument(text)
}

// get returns the member called key of an object, or nil.
func (n *Jnode) Get(key string) *Jnode {
	if n == nil || n.kind != '{' {
		return nil
	}
	for _, m := range n.members {
		if m.Key == key {
			return m.Val
		}
	}
	return nil
}

// set replaces the member called key, or appends it.
func (n *Jnode) set(key string, v *Jnode) {
	for i := range n.members {
		if n.members[i].Key == key {
			n.members[i].Val = v
			return
		}
	}
	n.members = append(n.members, Member{key, v})
}

// text returns a string scalar's value.
func (n *Jnode) text() (string, bool) {
	if n == nil || n.kind != '"' {
		return "", false
	}
	b, err := jsontext.AppendUnquote(nil, n.raw)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// strings returns the string values of a string or a list.
func (n *Jnode) strings() []string {
	if n == nil {
		return nil
	}
	if s, ok := n.text(); ok {
		return []string{s}
	}
	var out []string
	for _, it := range n.items {
		if s, ok := it.text(); ok {
			out = append(out, s)
		}
	}
	return out
}

// appendString adds s to a string or list value (a string becomes a list),
// unless it is there already.
func (n *Jnode) AppendString(s string) {
	for _, have := range n.strings() {
		if have == s {
			return
		}
	}
	if n.kind == '[' {
		n.items = append(n.items, Str(s))
		return
	}
	first := &Jnode{kind: n.kind, raw: n.raw}
	*n = *array(first, Str(s))
}

// statement returns the i-th statement: Statement itself when it is one
// object.
func (n *Jnode) Statement(i int) *Jnode {
	st := n.Get("Statement")
	switch {
	case st == nil:
		return nil
	case st.kind == '{' && i == 0:
		return st
	case st.kind == '[' && i >= 0 && i < len(st.items):
		return st.items[i]
	}
	return nil
}

// appendStatement adds a statement and returns its index; a single
// statement object becomes a list.
func (n *Jnode) AppendStatement(s *Jnode) int {
	st := n.Get("Statement")
	switch {
	case st == nil:
		n.set("Statement", array(s))
		return 0
	case st.kind == '{':
		n.set("Statement", array(st, s))
		return 1
	}
	st.items = append(st.items, s)
	return len(st.items) - 1
}
