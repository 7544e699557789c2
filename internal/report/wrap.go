package report

import (
	"strings"
	"unicode/utf8"
)

// width is the column prose wraps at when the terminal's width is not
// known (Options.Width). Commands and file contents are never wrapped, so
// they paste as they are.
const width = defaultWidth

// defaultWidth is the terminal width assumed when COLUMNS does not say.
const defaultWidth = 100

// minWrap keeps a deeply indented block from wrapping into a thin column.
const minWrap = 40

// wrapWords lays words out greedily: the first line starts with first, the
// following ones with rest. A word longer than the line keeps a line of its
// own and is never broken (ARNs, URLs and quoted values stay whole).
func wrapWords(words []string, first, rest string) []string {
	return wrapWordsW(words, first, rest, width)
}

// wrapWordsW is wrapWords at width w.
func wrapWordsW(words []string, first, rest string, w int) []string {
	if len(words) == 0 {
		return []string{strings.TrimRight(first, " ")}
	}
	var lines []string
	line := first
	n := 0 // words on the current line
	for _, word := range words {
		if n > 0 && cols(line)+1+cols(word) > limit(first, rest, len(lines), w) {
			lines = append(lines, line)
			line, n = rest, 0
		}
		if n > 0 {
			line += " "
		}
		line += word
		n++
	}
	return append(lines, line)
}

// limit is the width line i may take: w, but never less than minWrap
// columns of text after the indent.
func limit(first, rest string, i, w int) int {
	indent := cols(rest)
	if i == 0 {
		indent = cols(first)
	}
	if w-indent < minWrap {
		return indent + minWrap
	}
	return w
}

// wrapTextW wraps prose at width w: each line of s is a paragraph of its
// own (messages are one line; a newline in one is deliberate).
func wrapTextW(s, first, rest string, w int) []string {
	var out []string
	for i, para := range strings.Split(s, "\n") {
		p := first
		if i > 0 {
			p = rest
		}
		out = append(out, wrapWordsW(strings.Fields(para), p, rest, w)...)
	}
	return out
}

// cols counts the columns s takes on a terminal: its runes, less the ANSI
// colour sequences (ESC [ ... m), which take none.
func cols(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == '\x1b' && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && s[j] != 'm' {
				j++
			}
			i = j + 1
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// pad right-pads s with spaces to n columns.
func pad(s string, n int) string {
	if c := cols(s); c < n {
		return s + strings.Repeat(" ", n-c)
	}
	return s
}
