package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// checkDocURL is where a check's documentation is read from a ticket: the
// repository's rendering of docs/checks/ID.md.
const checkDocURL = "https://github.com/irsa-doctor/irsa-doctor/blob/main/docs/checks/"

// writeMarkdown writes the report for a ticket or a pull request comment:
// what was analysed, a table of the targets that fail, one section per
// root cause (report.Groups, as the text report groups), what to capture
// to check more, and what was ignored.
//
// The input is untrusted twice over here. Every value from it is escaped
// for the terminal first (termsafe: a ticket is also read with cat), then
// for Markdown: running text with finding.MarkdownText, so that a name
// cannot become a link, an image or a table cell; values of several lines
// in a fenced block whose fence is longer than any run of backticks in
// them, so that no content can close it.
func writeMarkdown(w io.Writer, r *finding.Result, opts Options) error {
	m := &mdReport{r: r, opts: opts}
	m.render()
	if _, err := io.WriteString(w, m.b.String()); err != nil {
		return fmt.Errorf("write markdown report: %w", err)
	}
	return nil
}

type mdReport struct {
	r    *finding.Result
	opts Options
	b    strings.Builder
}

// heading is a heading of level (2 for ##), one level down in a
// multi-cluster report's section, whose own heading is ##.
func (m *mdReport) heading(level int, title string) string {
	if m.opts.cluster != "" {
		level++
	}
	h := strings.Repeat("#", level)
	if title == "" {
		return h
	}
	return h + " " + title
}

// para writes a block followed by a blank line.
func (m *mdReport) para(lines ...string) {
	for _, l := range lines {
		m.b.WriteString(l + "\n")
	}
	m.b.WriteString("\n")
}

func (m *mdReport) render() {
	if m.opts.cluster != "" {
		// A section of a multi-cluster report: its headings one level
		// down (heading).
		m.para("## Cluster " + mdText(m.opts.cluster))
	} else {
		m.para("# irsa-doctor report")
	}
	m.para(mdText(m.header()))
	if inc := m.r.Summary.Incomplete; inc != "" {
		m.para("**Collection " + mdText(inc) + "**: the report covers what was collected by then (see \"Could not collect\").")
	}
	m.summary()
	m.permissions()
	m.findings()
	m.notChecked()
	m.ignored()
	m.input()
	// No blank line at the end of the file.
	out := strings.TrimRight(m.b.String(), "\n") + "\n"
	m.b.Reset()
	m.b.WriteString(out)
}

// header says what was analysed, as the text report's first line does,
// and the counts.
func (m *mdReport) header() string {
	s := m.r.Summary
	return headline(m.r, func(v string) string { return v }) +
		fmt.Sprintf("; %s, %s, %s", plural(s.BySeverity["error"], "error", "errors"), plural(s.BySeverity["warning"], "warning", "warnings"), plural(s.BySeverity["info"], "info", "info"))
}

// summary is the table of failing targets and the count of healthy ones.
func (m *mdReport) summary() {
	if len(m.r.Targets) == 0 {
		m.para("No targets: no pod, workload or ServiceAccount in the input uses IRSA or EKS Pod Identity.")
		return
	}
	// The text report's rows (rows, fold): the same targets, in the same
	// order, pods of one owner with the same chain on one row.
	failing := fold(m.r, rows(m.r))
	inRow := map[int]bool{}
	for _, rw := range rows(m.r) {
		inRow[rw.target] = true
	}
	var healthy []finding.Target
	for j, t := range m.r.Targets {
		if !inRow[j] {
			healthy = append(healthy, t)
		}
	}
	if len(failing) > 0 {
		m.para(m.heading(2, "Summary"))
		links := tableLinks(m.r.Targets)
		head := []string{"Target", "Mechanism"}
		if m.opts.cluster != "" {
			head = append([]string{"Cluster"}, head...)
		}
		for _, l := range links {
			head = append(head, mdText(linkLabel(l)))
		}
		head = append(head, "Failing checks")
		symptoms := anySymptoms(m.r, failing)
		if symptoms {
			head = append(head, "Symptoms")
		}
		sep := make([]string, len(head))
		for i := range sep {
			sep[i] = "---"
		}
		lines := []string{mdRow(head), mdRow(sep)}
		legend := "✓ pass, ✗ fail, ? unknown"
		for _, row := range failing {
			t := m.r.Targets[row.target]
			// rowName escapes for the terminal; mdText for Markdown.
			cells := []string{finding.MarkdownText(rowName(m.r, row, false)), mdText(t.Mechanism)}
			if m.opts.cluster != "" {
				cells = append([]string{mdText(m.opts.cluster)}, cells...)
			}
			for _, l := range links {
				cells = append(cells, mdLinkMark(t, l))
			}
			cells = append(cells, mdText(strings.Join(row.ids, ", ")))
			if symptoms {
				cells = append(cells, mdText(symptomSummary(t, false)))
			}
			lines = append(lines, mdRow(cells))
			if t.Mechanism == "pod-identity" {
				legend = "✓ pass, ✗ fail, ? unknown, – not part of the chain (EKS Pod Identity uses no IAM OIDC provider and no issuer)"
			}
		}
		m.para(lines...)
		m.para(legend + ".")
	}
	line := plural(len(healthy), "target", "targets") + " healthy"
	if m.opts.ShowPassed && len(healthy) > 0 {
		names := make([]string, len(healthy))
		for i, t := range healthy {
			names[i] = mdText(targetName(t))
		}
		line += ": " + strings.Join(names, ", ")
	}
	m.para(line + ".")
}

// tableLinks are the chain's links as columns: finding.Links, then any
// other link a target has, in the order met.
func tableLinks(ts []finding.Target) []string {
	out := append([]string(nil), finding.Links...)
	for _, t := range ts {
		for _, l := range t.Links {
			if !slices.Contains(out, l.Link) {
				out = append(out, l.Link)
			}
		}
	}
	return out
}

// mdLinkMark is a target's link as a table cell. EKS Pod Identity does
// not go through the IAM OIDC provider or the issuer
// (docs/reference/pod-identity.md): those cells are "–" for it.
func mdLinkMark(t finding.Target, link string) string {
	if t.Mechanism == "pod-identity" && (link == finding.LinkOIDCProvider || link == finding.LinkIssuer) {
		return "–"
	}
	for _, l := range t.Links {
		if l.Link == link {
			return glyph(l.Status)
		}
	}
	return glyph(finding.LinkUnknown)
}

// findings writes one section per root cause of the failures.
func (m *mdReport) findings() {
	groups := Groups(m.r, func(f finding.Finding) bool { return f.Status == finding.StatusFail })
	if len(groups) == 0 {
		verdict := "No problems found."
		n := 0
		for _, g := range m.r.Gaps {
			if !isCopies(g) {
				n++
			}
		}
		if n > 0 {
			verdict = "No problems found in what could be checked (" + plural(n, "fact", "facts") + " not collected)."
		}
		m.para(verdict)
		return
	}
	m.para(m.heading(2, "Findings"))
	for _, g := range groups {
		m.group(g)
	}
}

func (m *mdReport) group(g Group) {
	f := m.r.Findings[g.Findings[0]]
	m.para(fmt.Sprintf("%s %s %s [%s %s](%s%s.md)", m.heading(3, ""), severityMark(f.Severity), mdText(string(f.Severity)),
		mdText(f.CheckID), mdText(f.Slug), checkDocURL, docName(f.CheckID)))
	if f.Title != "" {
		m.para("**" + mdText(f.Title) + "**")
	}
	about := []string{"Subject: " + mdText(subjectString(f.Subject))}
	if len(g.Findings) > 1 {
		about[0] += fmt.Sprintf(" (and %d more like it)", len(g.Findings)-1)
	}
	if len(g.Affected) > 0 {
		about = append(about, "Affects: "+mdText(Affects(m.r, g.Affected)))
	}
	// A backslash at the end of a line is a hard line break (CommonMark
	// 6.7): the two lines stay one paragraph.
	m.para(strings.Join(about, "\\\n"))
	m.block(f.Message, "")
	if evidence := ownEvidence(f); len(evidence) > 0 {
		m.para("Evidence:")
		for _, e := range evidence {
			where := strings.TrimSpace(e.Source + " " + e.Ref)
			label := "- "
			if where != "" {
				label += mdText(where) + ": "
			}
			if !strings.Contains(strings.TrimRight(e.Value, "\n"), "\n") {
				m.b.WriteString(label + mdText(termsafe.Escape(strings.TrimRight(e.Value, "\n"))) + "\n")
				continue
			}
			m.b.WriteString(strings.TrimRight(label, " ") + "\n\n")
			m.fence(e.Value, "", "  ")
		}
		m.b.WriteString("\n")
	}
	if strings.TrimSpace(f.Remediation) != "" {
		m.para("Remediation:")
		// Remediations are Markdown already, their input values escaped
		// by the checks (finding.MarkdownText, MarkdownCode); only the
		// terminal's characters are left to escape.
		m.para(strings.TrimRight(termsafe.Lines(f.Remediation), "\n"))
	}
	if script := f.Fix.Script(); len(script) > 0 {
		m.para("Fix:")
		m.fence(strings.Join(script, "\n"), "sh", "")
		m.b.WriteString("\n")
	}
}

// block writes text that may span lines: one line as a paragraph, several
// in a fenced block (a line break in running Markdown would be lost, and
// a line starting with "-" or "1." would become a list).
func (m *mdReport) block(s, info string) {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return
	}
	if !strings.Contains(s, "\n") {
		m.para(mdLine(s))
		return
	}
	m.fence(s, info, "")
	m.b.WriteString("\n")
}

// fence writes s in a fenced code block, indented by indent (to sit in a
// list item), its fence one backtick longer than any run in s (CommonMark
// 4.5: a fence closes only on a run at least as long). Its lines are
// escaped for the terminal, line breaks kept; nothing is wrapped or elided.
func (m *mdReport) fence(s, info, indent string) {
	s = termsafe.Lines(strings.TrimRight(s, "\n"))
	f := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	m.b.WriteString(indent + f + info + "\n")
	for _, l := range strings.Split(s, "\n") {
		if l == "" {
			m.b.WriteString("\n")
			continue
		}
		m.b.WriteString(indent + l + "\n")
	}
	m.b.WriteString(indent + f + "\n")
}

// captureLead is how a skip message names the command that would capture
// the missing fact: "(capture: COMMAND)", or "(capture one per
// ServiceAccount: COMMAND)".
const captureLead = "(capture"

// captures finds the capture commands in a skip message: the text after
// the colon up to the parenthesis that closes "(capture" (or a "; " that
// starts a note).
func captures(msg string) (out []string) {
	for {
		i := strings.Index(msg, captureLead)
		if i < 0 {
			return out
		}
		rest := msg[i+len(captureLead):]
		colon := strings.Index(rest, ": ")
		if colon < 0 || strings.ContainsAny(rest[:colon], "()") {
			msg = rest
			continue
		}
		body := rest[colon+2:]
		depth, end := 1, -1
		for j, c := range body {
			if c == '(' {
				depth++
			} else if c == ')' {
				depth--
				if depth == 0 {
					end = j
					break
				}
			}
		}
		if end < 0 {
			return out
		}
		// The command alone, so that it pastes: a note after it ("; only
		// its claims are kept") and the qualifier ("one per
		// ServiceAccount", which its placeholders say) are left out.
		cmd, _, _ := strings.Cut(body[:end], "; ")
		out = append(out, strings.TrimSpace(cmd))
		msg = body[end+1:]
	}
}

// notChecked gathers the skips: for facts the input lacks, each capture
// command once, with the checks it would let run; checks blocked by a
// failure only counted (their cause is above).
func (m *mdReport) notChecked() {
	caps, other, blocked := gatherSkips(m.r.Findings)
	if len(caps) > 0 || len(other) > 0 {
		m.para(m.heading(2, "Not checked"))
	}
	if len(caps) > 0 {
		m.para("To check more, capture:")
		var lines []string
		for _, c := range caps {
			cmd := termsafe.Escape(c.cmd)
			line := "- " + finding.MarkdownCode(cmd)
			if qual, rest, ok := strings.Cut(cmd, ": "); ok && !strings.Contains(qual, " -") && strings.Contains(qual, " ") {
				line = "- " + mdText(qual) + ": " + finding.MarkdownCode(rest)
			}
			lines = append(lines, line+" ("+mdText(strings.Join(c.ids, ", "))+")")
		}
		m.para(lines...)
	}
	if len(other) > 0 {
		m.para("Also not checked:")
		var lines []string
		for _, f := range other {
			lines = append(lines, "- "+mdText(f.CheckID)+" on "+mdText(subjectString(f.Subject))+": "+mdText(termsafe.Escape(f.Message)))
		}
		m.para(lines...)
	}
	if blocked > 0 {
		verb := "checks"
		if blocked == 1 {
			verb = "check"
		}
		m.para(fmt.Sprintf("%d %s not run because of the failures above.", blocked, verb))
	}
}

// ignored counts and lists the findings the user suppressed; they never
// fail a run, but a ticket should show what was set aside.
func (m *mdReport) ignored() {
	var lines []string
	for _, f := range m.r.Findings {
		if f.Status != finding.StatusIgnored {
			continue
		}
		line := "- " + mdText(f.CheckID) + " " + mdText(string(f.Severity)) + " on " + mdText(subjectString(f.Subject))
		if ig := f.Ignored; ig != nil {
			var why []string
			if ig.Reason != "" {
				why = append(why, mdText(termsafe.Escape(ig.Reason)))
			}
			if ig.Source != "" {
				why = append(why, "by "+mdText(termsafe.Escape(ig.Source)))
			}
			if ig.Expires != "" {
				why = append(why, "until "+mdText(termsafe.Escape(ig.Expires)))
			}
			if len(why) > 0 {
				line += ": " + strings.Join(why, ", ")
			}
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return
	}
	m.para(m.heading(2, "Ignored"))
	m.para(plural(len(lines), "finding", "findings") + " ignored:")
	m.para(lines...)
}

// input lists the files that were not used and the facts that could not
// be collected: why the report may say less than expected.
func (m *mdReport) input() {
	var lines []string
	for _, f := range unusedFiles(m.r.Input.Files) {
		line := f.Error
		if line == "" {
			line = f.Path + ": not recognised"
		}
		lines = append(lines, "- "+mdText(termsafe.Escape(line)))
	}
	if len(lines) > 0 {
		m.para(m.heading(2, "Input files not used"))
		m.para(lines...)
	}
	lines = nil
	var copies []string
	for _, g := range m.r.Gaps {
		// Copies of one object that differ, settled on one copy, are a
		// warning about the input, not a fact missing.
		if isCopies(g) {
			copies = append(copies, "- "+mdText(g.Resource+": "+g.Reason))
			continue
		}
		var what []string
		for _, s := range []string{g.Source, g.Operation, g.Resource} {
			if s != "" {
				what = append(what, s)
			}
		}
		line := strings.Join(what, " ")
		if g.Reason != "" {
			line += ": " + g.Reason
		}
		lines = append(lines, "- "+mdText(termsafe.Escape(line)))
	}
	if len(copies) > 0 {
		m.para(m.heading(2, "Copies that differ"))
		m.para(copies...)
	}
	if len(lines) > 0 {
		m.para(m.heading(2, "Could not collect"))
		m.para(lines...)
	}
}

// mdText is a one-line value for running Markdown text: escaped for the
// terminal (a line break shows as \n), then for Markdown.
func mdText(s string) string { return finding.MarkdownText(termsafe.Escape(s)) }

// mdLine is mdText for text that starts a paragraph: a leading "-", "+",
// "=" or "1." would start a list or underline a heading, a leading space
// an indented code block.
func mdLine(s string) string {
	s = mdText(strings.TrimLeft(s, " "))
	if s != "" && strings.ContainsRune("-+=", rune(s[0])) {
		return `\` + s
	}
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	if digits > 0 && digits < len(s) && (s[digits] == '.' || s[digits] == ')') {
		return s[:digits] + `\` + s[digits:]
	}
	return s
}

// mdRow is a table row; its cells were escaped by mdText (which escapes
// "|").
func mdRow(cells []string) string { return "| " + strings.Join(cells, " | ") + " |" }

func severityMark(s finding.Severity) string {
	switch s {
	case finding.SeverityError:
		return "✗"
	case finding.SeverityWarning:
		return "⚠"
	}
	return "ℹ"
}

// docName is the check's file under docs/checks; an ID that is not one
// (a finding from an older tool version) links to the index.
func docName(id string) string {
	if len(id) < 5 || !strings.HasPrefix(id, "IRSA") || strings.Trim(id[4:], "0123456789") != "" {
		return "../checks"
	}
	return id
}

func longestRun(s string, c rune) int {
	longest, run := 0, 0
	for _, r := range s {
		if r == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// permissions lists each permission question of each container and its
// answer, as the text report's Permissions section does.
func (m *mdReport) permissions() {
	var lines []string
	for _, tg := range m.r.Targets {
		for _, c := range tg.Containers {
			for _, p := range c.Permissions {
				lines = append(lines, "- "+mdText(targetName(tg)+" "+permissionLine(c, p, false)))
			}
		}
	}
	if len(lines) == 0 {
		return
	}
	m.para(m.heading(2, "Permissions"))
	m.para(lines...)
}
