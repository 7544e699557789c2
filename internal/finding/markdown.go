package finding

import "strings"

// A remediation is Markdown (docs/contract.md: "remediation": "Markdown"),
// rendered by the text report and by whatever shows the JSON document (a
// pull request comment, a ticket). A value from the input written into it
// as is would be read as markup: a ServiceAccount named
// "![x](https://tracker.example/p.png)" would load an image, a role name
// with "**" would lose it. MarkdownText and MarkdownCode write a value so
// that every Markdown reader shows it as it is.

// markdownSpecial are the ASCII punctuation characters that start or end
// inline markup in CommonMark (emphasis, code, links, images, autolinks
// and HTML, entities, tables' cells, strikethrough) or a block when they
// lead a line. CommonMark lets any ASCII punctuation be backslash-escaped
// (spec 2.4), so escaping these is always safe.
const markdownSpecial = "\\`*_[]<>|~!&#"

// MarkdownText escapes s for running Markdown text: its markup characters
// are backslash-escaped and line breaks become spaces, so the value stays
// inline text of its paragraph.
func MarkdownText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x80 && strings.ContainsRune(markdownSpecial, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MarkdownCode writes s as a code span: fenced by a run of backticks longer
// than any in s (CommonMark 6.1), padded with a space when s starts or ends
// with a backtick, and on one line. Backslashes in a code span are literal.
func MarkdownCode(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || (strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") && strings.TrimSpace(s) != "") {
		s = " " + s + " "
	}
	return fence + s + fence
}
