package arn

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// quotePairs are the quotes people wrap values in: shell and YAML quotes,
// backticks from Markdown, and the typographic quotes that word processors
// and chat tools substitute.
var quotePairs = []struct{ open, close rune }{
	{'"', '"'}, {'\'', '\''}, {'`', '`'}, {'“', '”'}, {'‘', '’'}, {'«', '»'},
}

// quoteName names a quote character: "double quote"; with plural, the pair
// it opens: "double quotes".
func quoteName(open rune, plural bool) string {
	n := "typographic quote " + string(open)
	switch open {
	case '"':
		n = "double quote"
	case '\'':
		n = "single quote"
	case '`':
		n = "backtick"
	default:
		if plural {
			for _, p := range quotePairs {
				if p.open == open {
					return "typographic quotes " + string(p.open) + "…" + string(p.close)
				}
			}
		}
	}
	if plural {
		return n + "s"
	}
	return n
}

// cleanSurface strips what surrounds the value (whitespace, invisible
// characters, matching or stray quotes) and removes invisible characters
// inside it. It returns the cleaned value and a description of what it
// removed ("" when nothing), as a predicate: "ends with a newline",
// "is wrapped in double quotes and starts with a space".
func cleanSurface(s string) (string, string) {
	var said []string
	if s != "" && leadingJunk(s) == s {
		return "", "is only whitespace (" + describeJunk(s) + ")"
	}
	// Bounded: past a few layers the description helps nobody, and a
	// pathological value must not cost quadratic time.
	for layers := 0; layers < maxLayers; layers++ {
		before := s
		if lead := leadingJunk(s); lead != "" {
			said = append(said, "starts with "+describeJunk(lead))
			s = s[len(lead):]
		}
		if trail := trailingJunk(s); trail != "" {
			said = append(said, "ends with "+describeJunk(trail))
			s = s[:len(s)-len(trail)]
		}
		if q, ok := wrapped(s); ok {
			said = append(said, "is wrapped in "+quoteName(q, true))
			_, n := utf8.DecodeRuneInString(s)
			_, m := utf8.DecodeLastRuneInString(s)
			s = s[n : len(s)-m]
		} else if r, n := utf8.DecodeRuneInString(s); n > 0 && isQuote(r) && s != "" {
			said = append(said, "starts with a stray "+quoteName(r, false))
			s = s[n:]
		} else if r, m := utf8.DecodeLastRuneInString(s); m > 0 && isQuote(r) {
			said = append(said, "ends with a stray "+quoteName(r, false))
			s = s[:len(s)-m]
		}
		if s == before {
			break
		}
	}
	// Invisible characters inside (a zero-width space pasted from a web
	// page) cannot be meant: removing them is unambiguous.
	if i := strings.IndexFunc(s, invisible); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		said = append(said, fmt.Sprintf("contains the invisible character %s after %q", runeName(r), s[:i]))
		s = strings.Map(func(r rune) rune {
			if invisible(r) {
				return -1
			}
			return r
		}, s)
	}
	if len(said) > 4 {
		said = []string{"is wrapped in several layers of quotes and whitespace"}
	}
	return s, sayList(said)
}

// maxLayers bounds how many layers of quotes and whitespace cleanSurface
// peels off.
const maxLayers = 8

// sayList joins predicates: "a", "a and b", "a, b and c".
func sayList(said []string) string {
	switch len(said) {
	case 0:
		return ""
	case 1:
		return said[0]
	}
	return strings.Join(said[:len(said)-1], ", ") + " and " + said[len(said)-1]
}

func isQuote(r rune) bool {
	for _, p := range quotePairs {
		if r == p.open || r == p.close {
			return true
		}
	}
	return false
}

// wrapped reports a value that starts and ends with a matching quote pair.
func wrapped(s string) (rune, bool) {
	first, n := utf8.DecodeRuneInString(s)
	last, m := utf8.DecodeLastRuneInString(s)
	if n == 0 || n+m > len(s) {
		return 0, false
	}
	for _, p := range quotePairs {
		if first == p.open && last == p.close {
			return p.open, true
		}
	}
	return 0, false
}

// junk is whitespace or an invisible character.
func junk(r rune) bool { return unicode.IsSpace(r) || invisible(r) }

// invisible reports format characters (Unicode Cf: zero-width space, byte
// order mark, soft hyphen, ...), which render as nothing.
func invisible(r rune) bool { return unicode.Is(unicode.Cf, r) }

func leadingJunk(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return !junk(r) })
	if i < 0 {
		return s
	}
	return s[:i]
}

func trailingJunk(s string) string {
	i := strings.LastIndexFunc(s, func(r rune) bool { return !junk(r) })
	if i < 0 {
		return s
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return s[i+n:]
}

// describeJunk names a run of whitespace so that the user can see it.
func describeJunk(j string) string {
	switch {
	case j == "\n":
		return "a newline"
	case j == "\r\n":
		return "a Windows line ending (\\r\\n)"
	case j == "\t":
		return "a tab"
	case strings.Trim(j, " ") == "":
		if len(j) == 1 {
			return "a space"
		}
		return fmt.Sprintf("%d spaces", len(j))
	case utf8.RuneCountInString(j) == 1:
		r, _ := utf8.DecodeRuneInString(j)
		return runeName(r)
	}
	return "whitespace " + strconv.Quote(j)
}

// runeName names a character by its code point, with a common name when it
// has one.
func runeName(r rune) string {
	names := map[rune]string{
		'\u00a0': "non-breaking space", '\u200b': "zero-width space", '\u200c': "zero-width non-joiner",
		'\u200d': "zero-width joiner", '\u2060': "word joiner", '\ufeff': "byte order mark",
		'\u00ad': "soft hyphen", '\u202f': "narrow no-break space", '\u3000': "ideographic space",
	}
	if n, ok := names[r]; ok {
		return fmt.Sprintf("U+%04X (%s)", r, n)
	}
	return fmt.Sprintf("U+%04X", r)
}

// badChar reports the first character no ARN can hold: whitespace, control
// characters and anything outside ASCII (a look-alike dash or letter).
func badChar(s string) string {
	for i, r := range s {
		var what string
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			what = "a byte that is not valid UTF-8"
		case r == ' ':
			what = "a space"
		case r == '\t':
			what = "a tab"
		case r == '\n':
			what = "a newline"
		case unicode.IsSpace(r):
			what = "the whitespace character " + runeName(r)
		case r < 0x20 || r == 0x7f:
			what = "the control character " + runeName(r)
		case r > 0x7e:
			what = fmt.Sprintf("the non-ASCII character %q (%s)", string(r), runeName(r))
		default:
			continue
		}
		return fmt.Sprintf("it contains %s after %q; ARNs hold only printable ASCII without spaces", what, s[:i])
	}
	return ""
}
