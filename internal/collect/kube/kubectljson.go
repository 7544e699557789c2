package kube

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
)

// appendKubectlJSON appends v as json.MarshalIndent(v, prefix, "    ")
// writes it, for the values runtime.DefaultUnstructuredConverter makes
// (maps of string keys, slices, strings, int64, bool, nil): keys sorted,
// <, > and & escaped, an empty object or array on one line, the first line
// not prefixed. It writes in one pass what MarshalIndent writes in two
// (marshal, then indent the result) with a reflective map encoder in the
// first; encoding every item of a 10,000-pod List cost as much CPU as
// the checks (docs/performance.md, "Live scan against client-go
// listing"). Anything else (a float64, a string that needs escaping) is
// left to encoding/json, so the bytes are MarshalIndent's whatever the
// value; TestAppendKubectlJSON compares the two.
func appendKubectlJSON(dst []byte, v any, prefix string, depth int) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case string:
		return appendKubectlString(dst, v)
	case map[string]any:
		if v == nil {
			return append(dst, "null"...), nil
		}
		if len(v) == 0 {
			return append(dst, "{}"...), nil
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		var err error
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendNewline(dst, prefix, depth+1)
			if dst, err = appendKubectlString(dst, k); err != nil {
				return nil, err
			}
			dst = append(dst, ": "...)
			if dst, err = appendKubectlJSON(dst, v[k], prefix, depth+1); err != nil {
				return nil, err
			}
		}
		dst = appendNewline(dst, prefix, depth)
		return append(dst, '}'), nil
	case []any:
		if v == nil {
			return append(dst, "null"...), nil
		}
		if len(v) == 0 {
			return append(dst, "[]"...), nil
		}
		dst = append(dst, '[')
		var err error
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendNewline(dst, prefix, depth+1)
			if dst, err = appendKubectlJSON(dst, e, prefix, depth+1); err != nil {
				return nil, err
			}
		}
		dst = appendNewline(dst, prefix, depth)
		return append(dst, ']'), nil
	}
	return appendMarshalIndent(dst, v, prefix, depth)
}

// appendMarshalIndent appends what json.MarshalIndent writes for v at
// depth.
func appendMarshalIndent(dst []byte, v any, prefix string, depth int) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	p := prefix
	for range depth {
		p += "    "
	}
	if err := json.Indent(&buf, b, p, "    "); err != nil {
		return nil, err
	}
	return append(dst, buf.Bytes()...), nil
}

func appendNewline(dst []byte, prefix string, depth int) []byte {
	dst = append(dst, '\n')
	dst = append(dst, prefix...)
	for range depth {
		dst = append(dst, "    "...)
	}
	return dst
}

// appendKubectlString appends s quoted: as it is when encoding/json would
// escape none of its bytes (printable ASCII but ", \, <, > and &), else as
// encoding/json quotes it.
func appendKubectlString(dst []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c >= 0x80, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return appendMarshalIndent(dst, s, "", 0)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"'), nil
}
