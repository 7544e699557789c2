package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// writeYAML writes the JSON document of writeJSON as YAML, in kubectl's
// -o yaml shape (two-space indent, sequences at their key's indent): the
// same keys in the same order with the same values, so one schema
// (docs/json.md) describes both.
//
// It converts the JSON document itself rather than asking a YAML library
// to marshal the result, for two reasons. The JSON writer already decides
// everything the schema fixes (key order, empty lists instead of null, the
// empty fix, bySeverity's keys), and a second encoding of the model would
// drift from it. And YAML emitters print bidi overrides and other format
// characters raw in their scalars (go.yaml.in/yaml/v3 writes U+202E and
// U+200B as they are, even in its double-quoted style), while -o yaml is
// read in terminals: here every string is written plain only when it is
// ASCII that no YAML reader resolves to anything but that string, else
// double-quoted with escapes for every character termsafe calls unsafe,
// or, for a readable multi-line value such as a policy, as a literal
// block scalar.
func writeYAML(w io.Writer, r *finding.Result) error {
	var doc bytes.Buffer
	if err := writeJSON(&doc, r); err != nil {
		return err
	}
	out, err := JSONToYAML(doc.Bytes())
	if err != nil {
		return fmt.Errorf("encode yaml report: %w", err)
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("write yaml report: %w", err)
	}
	return nil
}

// JSONToYAML converts one JSON document to YAML as writeYAML does, keeping
// its key order: `checks -o yaml` uses it for the registry's list.
func JSONToYAML(doc []byte) ([]byte, error) {
	root, err := parseJSON(doc)
	if err != nil {
		return nil, err
	}
	var e yamlEmitter
	switch {
	case root.kind == '{' && len(root.keys) > 0:
		e.mapping(root, 0, false)
	case root.kind == '[' && len(root.vals) > 0:
		e.sequence(root, 0, false)
	default:
		e.b.WriteString(e.flow(root) + "\n")
	}
	return e.b.Bytes(), nil
}

// jsonNode is one value of a JSON document, objects keeping their key
// order (a Go map would lose it).
type jsonNode struct {
	kind byte   // jsontext.Kind: '{', '[', '"', '0', 't', 'f', 'n'
	text string // a string's value, a number's literal
	keys []string
	vals []*jsonNode
}

func parseJSON(data []byte) (*jsonNode, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	n, err := readNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("trailing data after the document")
	}
	return n, nil
}

func readNode(dec *jsontext.Decoder) (*jsonNode, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	n := &jsonNode{kind: byte(tok.Kind())}
	switch n.kind {
	case '"', '0':
		n.text = tok.String()
	case '{':
		for dec.PeekKind() != '}' {
			k, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			// A token is only valid until the decoder's next call.
			key := k.String()
			v, err := readNode(dec)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, key)
			n.vals = append(n.vals, v)
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
	case '[':
		for dec.PeekKind() != ']' {
			v, err := readNode(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
	}
	return n, nil
}

type yamlEmitter struct{ b bytes.Buffer }

func (e *yamlEmitter) pad(n int) {
	for range n {
		e.b.WriteByte(' ')
	}
}

// mapping writes an object's keys at indent, the first on the current line
// when inline (after a sequence's "- ").
func (e *yamlEmitter) mapping(n *jsonNode, indent int, inline bool) {
	for i, k := range n.keys {
		if i > 0 || !inline {
			e.pad(indent)
		}
		key := yamlScalar(k)
		// An implicit key is at most 1024 characters (YAML 1.2, 7.4.2):
		// a longer one is written explicitly, "? KEY" then ": VALUE".
		if len(key) > 1000 {
			e.b.WriteString("? " + key + "\n")
			e.pad(indent)
		} else {
			e.b.WriteString(key)
		}
		e.b.WriteByte(':')
		e.value(n.vals[i], indent, false)
	}
}

// sequence writes an array's items at indent, the first on the current
// line when inline.
func (e *yamlEmitter) sequence(n *jsonNode, indent int, inline bool) {
	for i, v := range n.vals {
		if i > 0 || !inline {
			e.pad(indent)
		}
		e.b.WriteByte('-')
		e.value(v, indent, true)
	}
}

// value writes v after "key:" (item false) or "-" (item true) written at
// indent, ending its last line. As kubectl does, a sequence under a key
// starts at the key's indent; anything else nested goes two deeper.
func (e *yamlEmitter) value(v *jsonNode, indent int, item bool) {
	switch {
	case v.kind == '{' && len(v.keys) > 0 && item:
		e.b.WriteByte(' ')
		e.mapping(v, indent+2, true)
	case v.kind == '{' && len(v.keys) > 0:
		e.b.WriteByte('\n')
		e.mapping(v, indent+2, false)
	case v.kind == '[' && len(v.vals) > 0 && item:
		e.b.WriteByte(' ')
		e.sequence(v, indent+2, true)
	case v.kind == '[' && len(v.vals) > 0:
		e.b.WriteByte('\n')
		e.sequence(v, indent, false)
	case v.kind == '"':
		if header, lines, ok := literalBlock(v.text); ok {
			e.b.WriteString(" " + header + "\n")
			for _, l := range lines {
				if l != "" {
					e.pad(indent + 2)
					e.b.WriteString(l)
				}
				e.b.WriteByte('\n')
			}
			return
		}
		e.b.WriteString(" " + yamlScalar(v.text) + "\n")
	default:
		e.b.WriteString(" " + e.flow(v) + "\n")
	}
}

// flow is a value that fits on one line: a scalar, [] or {}.
func (e *yamlEmitter) flow(v *jsonNode) string {
	switch v.kind {
	case '{':
		return "{}"
	case '[':
		return "[]"
	case '"':
		return yamlScalar(v.text)
	case 't':
		return "true"
	case 'f':
		return "false"
	case 'n':
		return "null"
	}
	// A JSON number literal is a YAML number of the same value.
	return v.text
}

// yamlScalar is s as a plain scalar when that reads back as the same
// string under YAML 1.1 and 1.2 (sigs.k8s.io/yaml, which kubectl users
// read YAML with, resolves "no", "on" and "0x1F" as YAML 1.1 does), else
// double-quoted.
func yamlScalar(s string) string {
	if plainSafe(s) {
		return s
	}
	return yamlQuote(s)
}

// plainSafe accepts ASCII that starts with a letter or "/" (so never a
// number, timestamp, .inf or an indicator such as "-", "?", "&", "*",
// "!", "|", ">", "'", "\"", "%", "@" or "`"), holds only characters that
// mean nothing in a plain scalar, has no ": " or trailing ":" (a mapping
// key), no trailing space, and is not one of the YAML 1.1 booleans or
// null.
func plainSafe(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '/') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-_./:@+=,()", c) >= 0:
		case c == ' ':
			// "a #b" starts a comment; "a: b" a mapping.
			if i+1 < len(s) && s[i+1] == '#' {
				return false
			}
		default:
			return false
		}
	}
	if strings.Contains(s, ": ") || strings.HasSuffix(s, ":") || strings.HasSuffix(s, " ") {
		return false
	}
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "true", "false", "on", "off", "null":
		return false
	}
	return true
}

// yamlQuote writes s double-quoted (YAML 1.2, 7.3.1). Every rune termsafe
// calls unsafe is escaped, as are U+FFFE and U+FFFF, which YAML does not
// allow raw; everything else is printed as is. JSON strings are valid
// UTF-8 (writeJSON replaced invalid bytes with U+FFFD), so ranging over s
// loses nothing.
func yamlQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == 0:
			b.WriteString(`\0`)
		case r == 0x1b:
			b.WriteString(`\e`)
		case termsafe.Unsafe(r) || r == 0xfffe || r == 0xffff:
			h, width := strconv.FormatUint(uint64(r), 16), 4
			if r > 0xffff {
				width = 8
				b.WriteString(`\U`)
			} else {
				b.WriteString(`\u`)
			}
			b.WriteString(strings.Repeat("0", max(0, width-len(h))) + h)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// literalBlock offers s, a value of several lines (a policy document, a
// fix file), as a literal block scalar: the header ("|" when s ends with
// one line break, "|-" when it ends with none) and the lines to write
// indented. It refuses what a block cannot carry exactly or safely: a
// character termsafe calls unsafe (bar the line breaks), a first line
// that starts with a space (it would set the indentation), a line of
// spaces only, or more than one trailing line break.
func literalBlock(s string) (header string, lines []string, ok bool) {
	body, header := s, "|-"
	if strings.HasSuffix(s, "\n") {
		body, header = strings.TrimSuffix(s, "\n"), "|"
	}
	if !strings.Contains(body, "\n") || strings.HasSuffix(body, "\n") {
		return "", nil, false
	}
	for _, r := range body {
		if r != '\n' && (termsafe.Unsafe(r) || r == 0xfffe || r == 0xffff) {
			return "", nil, false
		}
	}
	lines = strings.Split(body, "\n")
	if lines[0] == "" || lines[0][0] == ' ' {
		return "", nil, false
	}
	for _, l := range lines {
		if l != "" && strings.TrimLeft(l, " ") == "" {
			return "", nil, false
		}
	}
	return header, lines, true
}
