package termsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Hostile are the attacks issue 9 names, each as it would sit in a name,
// an annotation value or a policy string of a bundle.
var hostile = map[string]string{
	"clear screen":      "a\x1b[2Jb",
	"osc 52 clipboard":  "\x1b]52;c;cm0gLXJmIH4=\x07",
	"osc 8 link":        "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
	"carriage return":   "ok\rFAIL",
	"bidi override":     "abc\u202edcba",
	"next line (C1)":    "a\u0085b",
	"8-bit CSI (C1)":    "\u009b31m",
	"invalid utf-8 CSI": "a\x9b31mb",
	"DEL":               "a\x7fb",
	"isolate":           "\u2066x\u2069",
	"line separator":    "a\u2028b",
	"zero width joiner": "a\u200db",
	"tag character":     "a\U000E0041b",
}

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text, ünïcödé, ✓ and 日本", "plain text, ünïcödé, ✓ and 日本"},
		{`back\slash`, `back\slash`},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"\x1b]52;c;cm0gLXJmIH4=\x07", `\x1b]52;c;cm0gLXJmIH4=\x07`},
		{"\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", `\x1b]8;;https://evil.example\x1b\click\x1b]8;;\x1b\`},
		{"ok\rFAIL", `ok\rFAIL`},
		{"tab\tnew\nline", `tab\tnew\nline`},
		{"abc\u202edcba", `abc\u202edcba`},
		{"a\u0085b", `a\u0085b`},
		{"\u009b31m", `\u009b31m`},
		{"a\x9b31mb", `a\x9b31mb`},
		{"a\x7fb\x00", `a\x7fb\x00`},
		{"\u2066x\u2069", `\u2066x\u2069`},
		{"a\u2028b\u2029", `a\u2028b\u2029`},
		{"\ufeffbom", `\ufeffbom`},
		{"a\U000E0041b", `a\U000e0041b`},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLines(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"{\n  \"a\": 1\n}", "{\n  \"a\": 1\n}"},
		{"one\r\ntwo\r\n", "one\ntwo\n"},
		{"lone\rCR\n\x1b[2J", "lone\\rCR\n\\x1b[2J"},
		{"\t\"Effect\"", `\t"Effect"`},
	} {
		if got := Lines(tc.in); got != tc.want {
			t.Errorf("Lines(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestNoRawControlRemains: whatever the input, the output of Escape holds
// no unsafe rune and no invalid UTF-8, and Lines holds none but "\n".
func TestNoRawControlRemains(t *testing.T) {
	for name, in := range hostile {
		for _, s := range []string{in, strings.Repeat(in, 3) + "\n" + in} {
			if got := Escape(s); !clean(got, false) {
				t.Errorf("%s: Escape left a raw control: %q", name, got)
			}
			if got := Lines(s); !clean(got, true) {
				t.Errorf("%s: Lines left a raw control: %q", name, got)
			}
		}
	}
	// Every rune below U+0100 and the format characters around the bidi
	// controls.
	var b strings.Builder
	for r := rune(0); r < 0x100; r++ {
		b.WriteRune(r)
	}
	for r := rune(0x2000); r < 0x2070; r++ {
		b.WriteRune(r)
	}
	if got := Escape(b.String()); !clean(got, false) {
		t.Errorf("Escape left a raw control: %q", got)
	}
}

func clean(s string, newlines bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if Unsafe(r) && !(newlines && r == '\n') {
			return false
		}
	}
	return true
}

func TestEscapeKeepsSafeStringsAsIs(t *testing.T) {
	s := "arn:aws:iam::111122223333:role/s3-reader"
	if got := Escape(s); got != s || Has(s) {
		t.Errorf("Escape(%q) = %q, Has %v", s, got, Has(s))
	}
	if !Has("a\x1bb") {
		t.Errorf("Has(ESC) = false")
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := Escape(s); !clean(got, false) {
			t.Fatalf("Escape(%q) = %q holds a raw control", s, got)
		}
		if got := Lines(s); !clean(got, true) {
			t.Fatalf("Lines(%q) = %q holds a raw control", s, got)
		}
		if !Has(s) && Escape(s) != s {
			t.Fatalf("Escape changed %q, which Has says is safe", s)
		}
	})
}
