package policy

import (
	"io"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// parseJSONFast is parseJSON for a document that is valid JSON, read with
// jsontext's Decoder: encoding/json's Decoder.Token, which parseJSON's
// words of errors rest on, scans each value anew before it tokenizes it
// (a trust policy is parsed once per role, thousands per run). It
// returns false for anything it does not read exactly as encoding/json
// does, and parseJSON then reads the document with encoding/json and
// reports where it is wrong: invalid JSON, nesting past maxDepth, invalid
// UTF-8 or an escaped lone surrogate (encoding/json replaces them with
// U+FFFD, jsontext rejects them), a second value after the first.
// Duplicate names are kept, as readValue keeps them.
func parseJSONFast(text string) (*node, bool) {
	dec := jsontext.NewDecoder(strings.NewReader(text), jsontext.AllowDuplicateNames(true))
	n, ok := readFast(dec, 0)
	if !ok {
		return nil, false
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, false
	}
	return n, true
}

func readFast(dec *jsontext.Decoder, depth int) (*node, bool) {
	if depth > maxDepth {
		return nil, false
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, false
	}
	switch tok.Kind() {
	case '{':
		n := &node{kind: kindObject}
		for {
			switch dec.PeekKind() {
			case '}':
				_, err := dec.ReadToken()
				return n, err == nil
			case '"':
			default:
				return nil, false // a syntax error (PeekKind's 0)
			}
			tok, err := dec.ReadToken()
			if err != nil {
				return nil, false
			}
			key := tok.String() // before the next read voids tok
			v, ok := readFast(dec, depth+1)
			if !ok {
				return nil, false
			}
			n.members = append(n.members, member{key: key, val: v})
		}
	case '[':
		n := &node{kind: kindArray}
		for {
			switch dec.PeekKind() {
			case ']':
				_, err := dec.ReadToken()
				return n, err == nil
			case 0:
				return nil, false
			}
			v, ok := readFast(dec, depth+1)
			if !ok {
				return nil, false
			}
			n.items = append(n.items, v)
		}
	case '"':
		return &node{kind: kindString, text: tok.String()}, true
	case '0':
		return &node{kind: kindNumber, text: tok.String()}, true
	case 't', 'f':
		return &node{kind: kindBool, boolean: tok.Bool()}, true
	case 'n':
		return &node{kind: kindNull}, true
	}
	return nil, false
}
