package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// node is one JSON value. Objects keep their members in document order and
// keep duplicate keys, which encoding/json's map and struct decoding would
// silently collapse: condition blocks must be evaluated in a stable order for
// the explanation, and a repeated key ("StringEquals" twice) is a case whose
// handling by IAM is not documented, so it must be seen, not hidden.
//
// The same tree is what the fixers edit and render (jsonedit.go): a
// corrected policy is the user's own document with the smallest change, its
// keys in the user's order.
type node struct {
	kind    nodeKind
	text    string // string value, or the literal text of a number
	boolean bool
	members []member // kind == kindObject
	items   []*node  // kind == kindArray
}

type member struct {
	key string
	val *node
}

type nodeKind int

const (
	kindNull nodeKind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k nodeKind) String() string {
	switch k {
	case kindBool:
		return "a boolean"
	case kindNumber:
		return "a number"
	case kindString:
		return "a string"
	case kindArray:
		return "a list"
	case kindObject:
		return "an object"
	default:
		return "null"
	}
}

// maxDepth bounds nesting. Real policies nest five levels at most
// (document > Statement list > statement > Condition > operator > key list);
// the bound keeps hostile input from exhausting the stack.
const maxDepth = 32

// parseJSON reads exactly one JSON value from text: by parseJSONFast when
// it can, else by encoding/json's Decoder (parseJSONDecoder), which
// reports what is wrong with the text and where.
func parseJSON(text string) (*node, error) {
	if n, ok := parseJSONFast(text); ok {
		return n, nil
	}
	return parseJSONDecoder(text)
}

func parseJSONDecoder(text string) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	n, err := readValue(dec, 0)
	if err != nil {
		return nil, jsonError(text, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ParseError{Msg: "unexpected data after the policy document" + position(text, dec.InputOffset())}
	}
	return n, nil
}

func readValue(dec *json.Decoder, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: kindObject}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					// encoding/json reports non-string keys as syntax errors
					// before this point; kept as a guard.
					return nil, fmt.Errorf("object key is not a string")
				}
				v, err := readValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.members = append(n.members, member{key: key, val: v})
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, err
			}
			return n, nil
		case '[':
			n := &node{kind: kindArray}
			for dec.More() {
				v, err := readValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			return n, nil
		}
		return nil, fmt.Errorf("unexpected %q", rune(t))
	case string:
		return &node{kind: kindString, text: t}, nil
	case json.Number:
		return &node{kind: kindNumber, text: t.String()}, nil
	case bool:
		return &node{kind: kindBool, boolean: t}, nil
	case nil:
		return &node{kind: kindNull}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

var errTooDeep = errors.New("too deeply nested")

func jsonError(text string, dec *json.Decoder, err error) error {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return &ParseError{Msg: "not valid JSON" + position(text, syn.Offset) + ": " + syn.Error()}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		if len(bytes.TrimSpace([]byte(text))) == 0 {
			return &ParseError{Msg: "the document is empty"}
		}
		return &ParseError{Msg: "not valid JSON: the document ends early"}
	case errors.Is(err, errTooDeep):
		return &ParseError{Msg: fmt.Sprintf("not valid JSON%s: nested more than %d levels deep", position(text, dec.InputOffset()), maxDepth)}
	}
	return &ParseError{Msg: "not valid JSON" + position(text, dec.InputOffset()) + ": " + err.Error()}
}

// position renders a byte offset as " at line L, column C" (both 1-based,
// columns in bytes), the way editors show it.
func position(text string, off int64) string {
	if off < 0 {
		off = 0
	}
	if off > int64(len(text)) {
		off = int64(len(text))
	}
	line, col := 1, 1
	for _, b := range []byte(text[:off]) {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return fmt.Sprintf(" at line %d, column %d", line, col)
}
