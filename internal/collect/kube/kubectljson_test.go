package kube

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestAppendKubectlJSON: appendKubectlJSON writes json.MarshalIndent's
// bytes, with and without a prefix, for the values the converter makes and
// for those it leaves to encoding/json.
func TestAppendKubectlJSON(t *testing.T) {
	values := []any{
		nil, true, false, int64(0), int64(-42), int64(1) << 62, 1.5, 1e21, 0.000001, float64(3),
		"", "plain", `quote " and \ backslash`, "<a & b>", "tab\tnew\nline\r\b\f\x01\x1f\x7f",
		"caf\u00e9 \u2028 \u2029 \U0001F600", "bad \xff utf-8",
		map[string]any{}, []any{}, map[string]any(nil), []any(nil),
		map[string]any{"b": int64(1), "a": []any{"x", map[string]any{}, []any{}, nil}, "<": "&", "é": 2.25},
		[]any{map[string]any{"z": map[string]any{"y": []any{int64(1), int64(2)}}}, "s"},
		map[string]string{"typed": "map"}, []string{"typed", "slice"}, int32(7),
	}
	for _, v := range values {
		for _, prefix := range []string{"", itemIndent} {
			want, err := json.MarshalIndent(v, prefix, "    ")
			if err != nil {
				t.Fatal(err)
			}
			got, err := appendKubectlJSON(nil, v, prefix, 0)
			if err != nil {
				t.Fatalf("%#v: %v", v, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%#v, prefix %q:\n%s\nwant MarshalIndent's:\n%s", v, prefix, got, want)
			}
		}
	}
}

// FuzzAppendKubectlJSON: any string, as a key and as a value, is written
// as json.MarshalIndent writes it.
func FuzzAppendKubectlJSON(f *testing.F) {
	for _, s := range []string{"", "a", "<>&", "\u2028", "\xff", "\"\\", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := map[string]any{s: []any{s, map[string]any{"k": s}}, "n": int64(len(s))}
		want, err := json.MarshalIndent(v, itemIndent, "    ")
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendKubectlJSON(nil, v, itemIndent, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%q:\n%s\nwant:\n%s", s, got, want)
		}
	})
}
