package policy

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// parseJSONFast is parseJSON for a document that is valid JSON, read
// without encoding/json's Decoder, whose Token reads each value with a
// scanner of its own (a trust policy is parsed once per role, thousands
// per run). It returns false for anything it does not read exactly as the
// Decoder does: invalid JSON (parseJSON then reports where), nesting past
// maxDepth, or a string with an escape or a byte encoding/json would
// replace, which it hands back to encoding/json.
func parseJSONFast(text string) (*node, bool) {
	p := fastParser{s: text}
	n, ok := p.value(0)
	if !ok {
		return nil, false
	}
	p.space()
	if p.i != len(p.s) {
		return nil, false
	}
	return n, true
}

type fastParser struct {
	s string
	i int
}

// space skips JSON whitespace.
func (p *fastParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) value(depth int) (*node, bool) {
	if depth > maxDepth {
		return nil, false
	}
	p.space()
	if p.i >= len(p.s) {
		return nil, false
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		n := &node{kind: kindObject}
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return n, true
		}
		for {
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return nil, false
			}
			key, ok := p.str()
			if !ok {
				return nil, false
			}
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, false
			}
			p.i++
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			n.members = append(n.members, member{key: key, val: v})
			p.space()
			if p.i >= len(p.s) {
				return nil, false
			}
			switch p.s[p.i] {
			case ',':
				p.i++
			case '}':
				p.i++
				return n, true
			default:
				return nil, false
			}
		}
	case c == '[':
		p.i++
		n := &node{kind: kindArray}
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return n, true
		}
		for {
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			n.items = append(n.items, v)
			p.space()
			if p.i >= len(p.s) {
				return nil, false
			}
			switch p.s[p.i] {
			case ',':
				p.i++
			case ']':
				p.i++
				return n, true
			default:
				return nil, false
			}
		}
	case c == '"':
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		return &node{kind: kindString, text: s}, true
	case c == '-' || '0' <= c && c <= '9':
		s, ok := p.number()
		if !ok {
			return nil, false
		}
		return &node{kind: kindNumber, text: s}, true
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return &node{kind: kindBool, boolean: true}, p.literalEnds()
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return &node{kind: kindBool}, p.literalEnds()
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return &node{kind: kindNull}, p.literalEnds()
	}
	return nil, false
}

// literalEnds: a literal (true, false, null) or a number must not run on
// into a letter or digit ("truex", "nullnull" are invalid).
func (p *fastParser) literalEnds() bool {
	if p.i >= len(p.s) {
		return true
	}
	switch p.s[p.i] {
	case ' ', '\t', '\n', '\r', ',', ']', '}':
		return true
	}
	return false
}

// str reads a string at p.i (its opening quote). A string with a
// backslash is decoded by encoding/json; one with a control character or
// bytes that are not UTF-8 is left to the Decoder (false).
func (p *fastParser) str() (string, bool) {
	start := p.i + 1
	escaped := false
	for j := start; j < len(p.s); j++ {
		switch c := p.s[j]; {
		case c == '"' && !escaped:
			p.i = j + 1
			raw := p.s[start:j]
			if !utf8.ValidString(raw) {
				return "", false
			}
			if !strings.Contains(raw, `\`) {
				return raw, true
			}
			var out string
			if err := json.Unmarshal([]byte(p.s[start-1:j+1]), &out); err != nil {
				return "", false
			}
			return out, true
		case c < 0x20:
			return "", false
		case c == '\\':
			escaped = !escaped
		default:
			escaped = false
		}
	}
	return "", false
}

// number reads a number at p.i by JSON's grammar,
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, and returns its text
// (what json.Number holds).
func (p *fastParser) number() (string, bool) {
	s, i := p.s, p.i
	digits := func() bool {
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case !digits():
		return "", false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return "", false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return "", false
		}
	}
	text := s[p.i:i]
	p.i = i
	return text, p.literalEnds()
}
