package report

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// markdownLines renders a check's Markdown remediation as plain text for a
// terminal: every line starts with indent, prose is wrapped at width,
// fenced and indented code is kept verbatim two columns further in (so a
// command pastes as written), list items keep their marker with a hanging
// indent, and inline markup is dropped (`code` keeps its text as one
// unbreakable word, **bold** loses its stars, [text](url) becomes
// "text (url)").
func markdownLines(md, indent string) []string {
	return mdLines(md, indent, mdStyle{width: width})
}

// mdStyle is what differs between a remediation inside the text report
// (markdownLines) and a whole document shown on its own (Terminal).
type mdStyle struct {
	width int // the column prose wraps at
	// color paints headings and table headers (bold and cyan); off, the
	// output holds no escape sequence at all (NO_COLOR, --no-color).
	color bool
	// document is on for a document shown on its own (Terminal): table
	// cells lined up in columns, headings underlined when there is no
	// colour. Off (a remediation inside the text report), a table row is
	// kept as written and a heading is plain text, as the report has
	// always shown them.
	document bool
}

func mdLines(md, indent string, st mdStyle) []string {
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
	var table [][]string // the open table's rows of cells
	flush := func() {
		if para != nil {
			out = append(out, wrapWordsW(inlineWords(strings.Join(para, " ")), first, rest, st.width)...)
			para = nil
		}
		if table != nil {
			out = append(out, tableLines(table, indent, st.color)...)
			table = nil
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
		if table != nil && !strings.HasPrefix(trimmed, "|") {
			flush() // a table ends at the first line that is not a row
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
			level := len(trimmed) - len(strings.TrimLeft(trimmed, "#"))
			text := strings.TrimSpace(strings.TrimRight(strings.TrimLeft(trimmed, "#"), "#"))
			lines := wrapWordsW(inlineWords(text), indent, indent, st.width)
			out = append(out, headingLines(lines, indent, level, st)...)
		case strings.HasPrefix(trimmed, "|") && st.document:
			if table == nil {
				flush()
				startBlock()
			}
			if !isDelimiterRow(trimmed) {
				table = append(table, tableCells(trimmed))
			}
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

// ansiBoldCyan marks a heading (text.go holds the report's other colours).
const ansiBoldCyan = "\x1b[1;36m"

// Terminal renders a Markdown document (a check's documentation, a topic of
// `irsa-doctor explain`) for a terminal of the given width: headings on
// their own line (bold and coloured with color), prose wrapped, list items
// with a hanging indent, code blocks indented and never wrapped (a command
// pastes as written), inline markup dropped ("text (url)" for a link) and
// table cells lined up in columns. Control characters are escaped
// (termsafe.Lines): the documents are ours, but the guard is the same as
// for every value the report prints.
func Terminal(md string, width int, color bool) string {
	if width <= 0 {
		width = defaultWidth
	}
	lines := mdLines(termsafe.Lines(md), "", mdStyle{width: width, color: color, document: true})
	return strings.Join(lines, "\n") + "\n"
}

// headingLines marks a heading's wrapped lines. With colour they are bold
// and cyan (the escape goes after the indent: cols skips it, so columns
// count the same). Without, a document's heading is underlined, "=" for
// levels 1 and 2, "-" below, so that it still stands out from prose with no
// escape sequence at all (a remediation's headings, st.document off, stay
// plain).
func headingLines(lines []string, indent string, level int, st mdStyle) []string {
	if st.color {
		out := make([]string, len(lines))
		for i, l := range lines {
			out[i] = indent + ansiBoldCyan + strings.TrimPrefix(l, indent) + ansiReset
		}
		return out
	}
	if !st.document {
		return lines
	}
	n := 0
	for _, l := range lines {
		n = max(n, cols(l)-cols(indent))
	}
	rule := "="
	if level > 2 {
		rule = "-"
	}
	return append(lines, indent+strings.Repeat(rule, n))
}

// isDelimiterRow reports a table's header delimiter row ("|---|:--:|").
func isDelimiterRow(s string) bool {
	cells := tableCells(s)
	for _, c := range cells {
		c = strings.TrimSpace(c)
		if strings.Trim(strings.TrimSuffix(strings.TrimPrefix(c, ":"), ":"), "-") != "" || c == "" {
			return false
		}
	}
	return len(cells) > 0
}

// tableCells splits a table row at its pipes, except a backslash-escaped
// pipe or one inside a code span (GFM), and renders each cell's inline
// markup.
func tableCells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	if strings.HasSuffix(row, "|") && !escaped(row, len(row)-1) {
		row = row[:len(row)-1]
	}
	var (
		cells []string
		start int
		tick  int // length of the open code span's backtick run, 0 outside one
	)
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '`' && !escaped(row, i):
			n := run(row, i)
			if tick == 0 {
				tick = n
			} else if n == tick {
				tick = 0
			}
			i += n - 1
		case row[i] == '|' && tick == 0 && !escaped(row, i):
			cells = append(cells, row[start:i])
			start = i + 1
		}
	}
	cells = append(cells, row[start:])
	for i, c := range cells {
		cells[i] = strings.Join(inlineWords(strings.ReplaceAll(c, "\\|", "|")), " ")
	}
	return cells
}

// tableLines lays rows out in columns two spaces apart; the first row is the
// header (bold with color). A table wider than the terminal is kept whole
// rather than wrapped: its rows stay rows.
func tableLines(rows [][]string, indent string, color bool) []string {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], cols(c))
		}
	}
	out := make([]string, 0, len(rows))
	for n, r := range rows {
		var b strings.Builder
		for i, c := range r {
			if i < len(r)-1 {
				c = pad(c, widths[i]) + "  "
			}
			b.WriteString(c)
		}
		l := strings.TrimRight(b.String(), " ")
		if color && n == 0 && len(rows) > 1 {
			l = ansiBold + l + ansiReset
		}
		out = append(out, indent+l)
	}
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
