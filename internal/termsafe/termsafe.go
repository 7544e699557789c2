package termsafe

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Unsafe reports a rune a terminal must not be given raw: the C0 controls
// (U+0000–U+001F, newline and tab included), DEL, the C1 controls
// (U+0080–U+009F: an 8-bit terminal reads U+009B as CSI and U+009D as OSC),
// every format character (category Cf: the bidi embeddings and overrides
// U+202A–U+202E, the isolates U+2066–U+2069, marks, zero-width characters,
// tags) and the line and paragraph separators U+2028 and U+2029, which
// some terminals and editors break lines at.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f:
		return true
	case r < 0x80:
		return false
	case r <= 0x9f:
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// Escape returns s with every unsafe rune (see Unsafe) and every byte that
// is not valid UTF-8 replaced by a visible escape: \t, \n and \r, \xNN for
// the other C0 controls, DEL and invalid bytes, \uNNNN (or \UNNNNNNNN) for
// the rest. Everything else, backslashes included, is kept: the result is
// for reading, not for parsing back. s is returned as is when it needs no
// escape.
func Escape(s string) string {
	return escape(s, false)
}

// Lines is Escape for a value of several lines laid out one per line (a
// policy document, a message with a deliberate line break): "\n" stays a
// line break and "\r\n" becomes one; everything else is escaped as Escape
// does, a lone CR included.
func Lines(s string) string {
	return escape(s, true)
}

func escape(s string, keepNewlines bool) string {
	i := firstUnsafe(s, keepNewlines)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			writeHex(&b, s[i])
		case keepNewlines && r == '\n':
			b.WriteByte('\n')
		case keepNewlines && r == '\r' && i+1 < len(s) && s[i+1] == '\n':
			// CRLF: the line break of a file written on Windows.
		case !Unsafe(r):
			b.WriteString(s[i : i+size])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80:
			writeHex(&b, byte(r))
		case r <= 0xffff:
			b.WriteString(`\u`)
			writePadded(&b, uint64(r), 4)
		default:
			b.WriteString(`\U`)
			writePadded(&b, uint64(r), 8)
		}
		i += size
	}
	return b.String()
}

// firstUnsafe returns the index of the first byte that needs an escape,
// or -1.
func firstUnsafe(s string, keepNewlines bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 || c == 0x7f) && !(keepNewlines && c == '\n') {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || Unsafe(r) {
			return i
		}
		i += size
	}
	return -1
}

func writeHex(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	writePadded(b, uint64(c), 2)
}

func writePadded(b *strings.Builder, v uint64, width int) {
	h := strconv.FormatUint(v, 16)
	for n := len(h); n < width; n++ {
		b.WriteByte('0')
	}
	b.WriteString(h)
}

// Has reports whether s holds anything Escape would change.
func Has(s string) bool { return firstUnsafe(s, false) >= 0 }
