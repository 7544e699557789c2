package report

import (
	"regexp"
	"strings"
	"unicode"
)

// markdownLines renders a check's Markdown remediation as plain text for a
// terminal: every line starts with indent, prose is wrapped at width,
// fenced and indented code is kept verbatim two columns further in (so a
// command pastes as written), list items keep their marker with a hanging
// indent, and inline markup is dropped (`code` keeps its text as one
// unbreakable word, **bold** loses its stars, [text](url) becomes
// "text (url)").
func markdownLines(md, indent string) []string {
	var (
		out          []string
		para         []string // source lines of the open paragraph or list item
		first, rest  string   // its prefixes
		pendingBlank bool
		fence        string // the open fence's marker ("```" or "~~~"), "" outside one
		fenceIndent  int
	)
	startBlock := func() {
		if pendingBlank && len(out) > 0 {
			out = append(out, "")
		}
		pendingBlank = false
	}
	flush := func() {
		if para != nil {
			out = append(out, wrapWords(inlineWords(strings.Join(para, " ")), first, rest)...)
			para = nil
		}
	}
	code := indent + "  "
	for _, line := range strings.Split(strings.TrimRight(strings.ReplaceAll(md, "\r\n", "\n"), "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		lead := leadingSpaces(line)
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]) == "" {
				fence = ""
				continue
			}
			out = append(out, strings.TrimRight(code+dropIndent(line, fenceIndent), " \t"))
			continue
		}
		switch {
		case trimmed == "":
			flush()
			pendingBlank = true
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			flush()
			startBlock()
			fence = trimmed[:3]
			fenceIndent = lead
		case lead >= 4 && para == nil:
			// An indented code block (only when it cannot be the
			// continuation of a paragraph or list item).
			startBlock()
			out = append(out, strings.TrimRight(code+dropIndent(line, 4), " \t"))
		case isRule(trimmed):
			flush()
		case strings.HasPrefix(trimmed, "#"):
			flush()
			startBlock()
			text := strings.TrimSpace(strings.TrimRight(strings.TrimLeft(trimmed, "#"), "#"))
			out = append(out, wrapWords(inlineWords(text), indent, indent)...)
		case strings.HasPrefix(trimmed, "|"):
			// A table row: columns only line up as written.
			flush()
			startBlock()
			out = append(out, indent+trimmed)
		default:
			text := strings.TrimSpace(strings.TrimPrefix(trimmed, ">"))
			if marker, body, ok := listItem(text); ok {
				flush()
				startBlock()
				nest := strings.Repeat("  ", min(lead/2, 3))
				first = indent + nest + marker + " "
				rest = indent + nest + strings.Repeat(" ", cols(marker)+1)
				para = []string{body}
				continue
			}
			if para == nil {
				startBlock()
				first, rest = indent, indent
			}
			para = append(para, text)
		}
	}
	flush()
	return out
}

func leadingSpaces(s string) int {
	n := 0
	for _, r := range s {
		switch r {
		case ' ':
			n++
		case '\t':
			n += 4
		default:
			return n
		}
	}
	return n
}

func dropIndent(s string, n int) string {
	i := 0
	for i < len(s) && i < n && s[i] == ' ' {
		i++
	}
	return s[i:]
}

func isRule(s string) bool {
	if len(s) < 3 {
		return false
	}
	for _, c := range []string{"-", "*", "_"} {
		if strings.Trim(strings.ReplaceAll(s, " ", ""), c) == "" {
			return true
		}
	}
	return false
}

// listItem splits "- text", "* text", "+ text" and "12. text".
func listItem(s string) (marker, body string, ok bool) {
	if len(s) >= 2 && strings.ContainsRune("-*+", rune(s[0])) && s[1] == ' ' {
		return "-", strings.TrimSpace(s[2:]), true
	}
	i := 0
	for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i+1 < len(s) && (s[i] == '.' || s[i] == ')') && s[i+1] == ' ' {
		return s[:i+1], strings.TrimSpace(s[i+2:]), true
	}
	return "", "", false
}

var (
	// A link or autolink starts at a bracket that is not backslash-escaped
	// (the character before it is part of the match: RE2 has no
	// look-behind), and an escaped "]" does not close the text, so that a
	// value a check escaped with finding.MarkdownText is shown as it is.
	mdLink     = regexp.MustCompile(`(^|[^\\])!?\[((?:[^\]\\]|\\.)*)\]\(([^)\s]+)\)`)
	mdAutolink = regexp.MustCompile(`(^|[^\\])<((?:https?|mailto):[^>\s\\]+)>`)
	mdEscape   = regexp.MustCompile("\\\\([!-/:-@\\[-`{-~])")
)

// inlineWords splits a paragraph into words for wrapping. A code span is
// part of one word with whatever touches it ("`x`," is one word), and its
// spaces never break a line.
func inlineWords(s string) []string {
	var (
		words []string
		cur   strings.Builder
		open  bool
	)
	end := func() {
		if open {
			words = append(words, cur.String())
			cur.Reset()
			open = false
		}
	}
	for _, seg := range splitCode(s) {
		if seg.code {
			cur.WriteString(seg.text)
			open = open || seg.text != ""
			continue
		}
		for _, r := range plainInline(seg.text) {
			if unicode.IsSpace(r) {
				end()
				continue
			}
			cur.WriteRune(r)
			open = true
		}
	}
	end()
	return words
}

type segment struct {
	text string
	code bool
}

// splitCode separates code spans (CommonMark: a run of n backticks up to the
// next run of exactly n) from the text around them. A backtick run without a
// match is literal text.
func splitCode(s string) []segment {
	var segs []segment
	text := 0 // start of the pending text segment
	for i := 0; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		if escaped(s, i) {
			// "\`" is a literal backtick, not a code span's start.
			i++
			continue
		}
		n := run(s, i)
		closeAt := -1
		for j := i + n; j < len(s); {
			if s[j] != '`' {
				j++
				continue
			}
			m := run(s, j)
			if m == n {
				closeAt = j
				break
			}
			j += m
		}
		if closeAt < 0 {
			i += n
			continue
		}
		if text < i {
			segs = append(segs, segment{text: s[text:i]})
		}
		body := s[i+n : closeAt]
		if len(body) >= 2 && body[0] == ' ' && body[len(body)-1] == ' ' && strings.TrimSpace(body) != "" {
			body = body[1 : len(body)-1]
		}
		segs = append(segs, segment{text: body, code: true})
		i = closeAt + n
		text = i
	}
	if text < len(s) {
		segs = append(segs, segment{text: s[text:]})
	}
	return segs
}

// escaped reports a character preceded by an odd number of backslashes.
func escaped(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

func run(s string, i int) int {
	n := 0
	for i+n < len(s) && s[i+n] == '`' {
		n++
	}
	return n
}

// plainInline drops inline markup outside code spans.
func plainInline(s string) string {
	s = mdLink.ReplaceAllStringFunc(s, func(m string) string {
		sub := mdLink.FindStringSubmatch(m)
		if sub[2] == "" || sub[2] == sub[3] {
			return sub[1] + sub[3]
		}
		return sub[1] + sub[2] + " (" + sub[3] + ")"
	})
	s = mdAutolink.ReplaceAllString(s, "$1$2")
	s = strings.ReplaceAll(s, "**", "")
	return mdEscape.ReplaceAllString(s, "$1")
}
