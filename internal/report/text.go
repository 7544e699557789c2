package report

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// ANSI styles. Colour carries no information the words do not: a reader
// without it (NO_COLOR, a pipe, a CI log) loses nothing. They are the only
// escape sequences the text report ever prints, and only with colour on:
// every value from the input goes through termsafe (esc, escLines), and
// writeText checks each line again (safeLine).
const (
	ansiReset      = "\x1b[0m"
	ansiBold       = "\x1b[1m"
	ansiDim        = "\x1b[2m"
	ansiRed        = "\x1b[31m"
	ansiGreen      = "\x1b[32m"
	ansiYellow     = "\x1b[33m"
	ansiBoldRed    = "\x1b[1;31m"
	ansiBoldYellow = "\x1b[1;33m"
)

// painter styles text when colour is on, and returns it as is otherwise.
type painter bool

func (p painter) paint(style, s string) string {
	if !p || s == "" {
		return s
	}
	return style + s + ansiReset
}

// mark is a chain link's or a passed check's status: Unicode marks on a
// colour terminal, bracketed ASCII words of equal width without colour.
func (p painter) mark(status string) string {
	switch status {
	case finding.LinkPass:
		if p {
			return p.paint(ansiGreen, "✓")
		}
		return "[pass]"
	case finding.LinkFail:
		if p {
			return p.paint(ansiRed, "✗")
		}
		return "[FAIL]"
	}
	if p {
		return p.paint(ansiDim, "?")
	}
	return "[ ?  ]"
}

func (p painter) severity(s finding.Severity, text string) string {
	switch s {
	case finding.SeverityError:
		return p.paint(ansiBoldRed, text)
	case finding.SeverityWarning:
		return p.paint(ansiBoldYellow, text)
	}
	return p.paint(ansiBold, text)
}

// linkLabels name the chain's links as a user knows them.
var linkLabels = map[string]string{
	finding.LinkServiceAccount: "ServiceAccount",
	finding.LinkWebhook:        "webhook",
	finding.LinkIAMRole:        "IAM role",
	finding.LinkOIDCProvider:   "OIDC provider",
	finding.LinkIssuer:         "issuer",
}

// text accumulates the lines of the text report.
type text struct {
	r     *finding.Result
	opts  Options
	p     painter
	width int
	lines []string
	// blank asks for one empty line before the next line, so sections are
	// separated by exactly one and the report neither starts nor ends with
	// one.
	blank bool
}

func writeText(w io.Writer, r *finding.Result, opts Options) error {
	t := &text{r: r, opts: opts, p: painter(opts.Color), width: opts.width()}
	t.render()
	for i, l := range t.lines {
		t.lines[i] = safeLine(l, opts.Color)
	}
	if _, err := io.WriteString(w, strings.Join(t.lines, "\n")+"\n"); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	return nil
}

func (t *text) add(lines ...string) {
	for _, l := range lines {
		if t.blank && len(t.lines) > 0 {
			t.lines = append(t.lines, "")
		}
		t.blank = false
		t.lines = append(t.lines, strings.TrimRight(l, " "))
	}
}

func (t *text) gap() { t.blank = true }

// render lays the report out for a whole cluster as much as for one pod:
// what was analysed; a table of the targets that fail (healthy ones are
// counted); one block per root cause with its evidence and the fix; what
// the checks could not see and the commands that capture it; the counts.
// What a failure blocked, the targets' chains in detail and ignored
// findings are counted, and listed with -v.
func (t *text) render() {
	t.add(t.header())
	if len(t.r.Targets) == 0 {
		t.gap()
		t.add("No targets: no pod, workload or ServiceAccount in the input uses IRSA or EKS Pod Identity.")
	}
	t.table()
	t.observed()
	t.permissions()
	groups := Groups(t.r, func(f finding.Finding) bool { return f.Status == finding.StatusFail })
	for _, g := range groups {
		t.gap()
		t.block(g)
	}
	t.passed()
	t.blocked()
	t.ignored()
	if t.opts.Verbose {
		t.details()
	}
	t.notChecked()
	t.inputProblems()
	t.gaps()
	t.footer(groups)
	t.gap()
	t.summary()
}

// header says what was analysed, in one line.
func (t *text) header() string { return headline(t.r, esc) }

// headline says what was analysed: the mode, the cluster, region and
// account, the files (how many not used) and the targets. escape prepares
// each value from the input for the format (the text report escapes it for
// the terminal; Markdown escapes the whole line).
func headline(r *finding.Result, escape func(string) string) string {
	in := r.Input
	verb := "Analysed"
	switch in.Mode {
	case "offline":
		verb = "Analysed offline"
	case "live":
		verb = "Scanned live"
	}
	var where []string
	for _, kv := range [][2]string{{"context", in.Context}, {"cluster", in.Cluster}, {"region", in.Region}, {"account", in.AccountID}} {
		if kv[1] != "" {
			where = append(where, kv[0]+" "+escape(kv[1]))
		}
	}
	var counts []string
	if len(in.Files) > 0 || in.Mode == "offline" {
		c := plural(len(in.Files), "file", "files")
		if n := len(unusedFiles(in.Files)); n > 0 {
			c += fmt.Sprintf(" (%d not used)", n)
		}
		counts = append(counts, c)
	}
	counts = append(counts, plural(len(r.Targets), "target", "targets"))
	h := verb + ": "
	if len(where) > 0 {
		h += strings.Join(where, ", ") + "; "
	}
	return h + strings.Join(counts, ", ")
}

// target renders one target: what it is, its chain, what each container
// will use, and the findings that break it.
func (t *text) target(i int) {
	tg := t.r.Targets[i]
	var about []string
	if tg.ServiceAccount != "" && !(tg.Kind == "ServiceAccount" && tg.ServiceAccount == tg.Name) {
		about = append(about, "sa: "+esc(tg.ServiceAccount))
	}
	if tg.Mechanism != "" {
		about = append(about, "mechanism: "+esc(tg.Mechanism))
	}
	head := t.p.paint(ansiBold, targetName(tg))
	if len(about) > 0 {
		head += "  (" + strings.Join(about, ", ") + ")"
	}
	t.add(head)

	labelW := 0
	for _, l := range tg.Links {
		labelW = max(labelW, cols(linkLabel(l.Link)))
	}
	for _, l := range tg.Links {
		detail := esc(l.Detail)
		if l.Link == finding.LinkIAMRole && tg.RoleARN != "" {
			if detail != "" {
				detail = esc(tg.RoleARN) + " (" + detail + ")"
			} else {
				detail = esc(tg.RoleARN)
			}
		}
		if l.Status != finding.LinkPass && l.Status != finding.LinkFail {
			detail = t.p.paint(ansiDim, detail)
		}
		t.add("  " + t.p.mark(l.Status) + " " + pad(linkLabel(l.Link), labelW) + "  " + detail)
	}
	t.containers(tg)
}

// containers renders "will use:": the credential source each container's
// SDK default chain will pick.
func (t *text) containers(tg finding.Target) {
	if len(tg.Containers) == 0 {
		if tg.Kind == "ServiceAccount" {
			t.add("  will use: nothing in the input runs as this ServiceAccount")
		}
		return
	}
	t.add("  will use:")
	nameW, srcW := 0, 0
	for _, c := range tg.Containers {
		nameW = max(nameW, cols(esc(c.Name)))
		srcW = max(srcW, cols(esc(c.CredentialSource)))
	}
	const indent = "    "
	for _, c := range tg.Containers {
		first := indent + pad(esc(c.Name), nameW) + "  " + pad(esc(c.CredentialSource), srcW) + "  "
		rest := strings.Repeat(" ", cols(first))
		if cols(first) > t.width-minWrap {
			// Long names: the reason goes below rather than into a sliver.
			t.add(strings.TrimRight(first, " "))
			first, rest = indent+"  ", indent+"  "
		}
		t.add(wrapTextW(escLines(c.Reason), first, rest, t.width)...)
	}
}

func (t *text) findingHead(f finding.Finding) string {
	return t.p.severity(f.Severity, esc(f.CheckID+" "+string(f.Severity)+" "+f.Slug))
}

// indentLines indents every line of s (a command or a file), keeping it
// verbatim so it pastes as written.
func indentLines(s, indent string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if l == "" {
			out = append(out, "")
			continue
		}
		out = append(out, indent+l)
	}
	return out
}

func (t *text) inputProblems() {
	bad := unusedFiles(t.r.Input.Files)
	if len(bad) == 0 {
		return
	}
	t.gap()
	t.add(t.p.paint(ansiBold, "Input files not used:"))
	for _, f := range bad {
		// The reader's errors start with the file's path already.
		line := esc(f.Error)
		if line == "" {
			line = esc(f.Path) + ": not recognised"
		}
		t.add("  " + line)
	}
}

// unusedFiles are the files that contributed nothing: unreadable, or not
// recognised as any format the bundle reader knows. A file that was partly
// read (RecognisedAs and Error both set) contributed.
func unusedFiles(files []finding.InputFile) []finding.InputFile {
	var out []finding.InputFile
	for _, f := range files {
		if f.RecognisedAs == "" {
			out = append(out, f)
		}
	}
	return out
}

func (t *text) gaps() {
	// A bundle's copies that differ, settled on one copy, are a warning
	// about the input, not a fact missing: they get their own heading.
	var copies, missing []finding.Gap
	for _, g := range t.r.Gaps {
		if isCopies(g) {
			copies = append(copies, g)
		} else {
			missing = append(missing, g)
		}
	}
	if len(copies) > 0 {
		t.gap()
		t.add(t.p.paint(ansiBold, "Copies that differ:"))
		for _, g := range copies {
			t.add("  " + esc(g.Resource) + ": " + esc(g.Reason))
		}
	}
	if len(missing) == 0 {
		return
	}
	t.gap()
	t.add(t.p.paint(ansiBold, "Could not collect:"))
	for _, g := range missing {
		var what []string
		for _, s := range []string{g.Source, g.Operation, g.Resource} {
			if s != "" {
				what = append(what, esc(s))
			}
		}
		line := "  " + strings.Join(what, " ")
		if g.Reason != "" {
			line += ": " + esc(g.Reason)
		}
		t.add(line)
	}
}

// summary counts what was found and, when nothing failed, says so plainly,
// and whether anything kept the diagnosis from being complete.
func (t *text) summary() {
	s := t.r.Summary
	errs, warns, infos := s.BySeverity[string(finding.SeverityError)], s.BySeverity[string(finding.SeverityWarning)], s.BySeverity[string(finding.SeverityInfo)]
	line := fmt.Sprintf("%s: %s, %s, %d info; %d skipped", plural(s.Targets, "target", "targets"),
		plural(errs, "error", "errors"), plural(warns, "warning", "warnings"), infos, s.Skipped)
	blocked := 0
	for _, f := range t.r.Findings {
		if isBlocked(f) {
			blocked++
		}
	}
	switch {
	// Skipped because of a failure above is not more problems: say so.
	case blocked > 0 && blocked == s.Skipped:
		line += " (all blocked by the failures)"
	case blocked > 0:
		line += fmt.Sprintf(" (%d of them blocked by the failures)", blocked)
	}
	if s.Ignored > 0 {
		line += fmt.Sprintf("; %d ignored", s.Ignored)
	}
	if t.opts.ShowPassed {
		line += fmt.Sprintf("; %d passed", s.Pass)
	}
	switch {
	case errs > 0:
		line = t.p.paint(ansiBoldRed, line)
	case warns > 0:
		line = t.p.paint(ansiBoldYellow, line)
	}
	t.add(line)
	if s.Incomplete != "" {
		// A live collection cut short: what was collected is diagnosed.
		t.add(t.p.paint(ansiBoldYellow, "Collection "+s.Incomplete+": the report covers what was collected by then (see \"Could not collect\")."))
	}
	if s.Fail > 0 {
		return
	}
	var incomplete []string
	if s.Ignored > 0 {
		incomplete = append(incomplete, plural(s.Ignored, "finding", "findings")+" ignored")
	}
	if s.Skipped > 0 {
		incomplete = append(incomplete, fmt.Sprintf("%d skipped", s.Skipped))
	}
	if n := uncheckedTargets(t.r.Targets); n > 0 {
		incomplete = append(incomplete, plural(n, "target", "targets")+" not fully checked")
	}
	var copies int
	for _, g := range t.r.Gaps {
		if isCopies(g) {
			copies++
		}
	}
	if n := len(t.r.Gaps) - copies; n > 0 {
		incomplete = append(incomplete, plural(n, "fact", "facts")+" not collected")
	}
	if copies > 0 {
		incomplete = append(incomplete, plural(copies, "object", "objects")+" in copies that differ")
	}
	if n := len(unusedFiles(t.r.Input.Files)); n > 0 {
		incomplete = append(incomplete, plural(n, "file", "files")+" not used")
	}
	verdict := "No problems found."
	switch {
	case s.Ignored > 0:
		// Suppressed is not fixed: say so rather than "no problems".
		verdict = "No failures but the ignored ones (" + strings.Join(incomplete, ", ") + ")."
	case len(incomplete) > 0:
		verdict = "No problems found in what could be checked (" + strings.Join(incomplete, ", ") + ")."
	}
	t.add(t.p.paint(ansiGreen, verdict))
}

// uncheckedTargets counts the targets with a chain link of unknown status
// that applies to them: no failure is not a pass (STYLE.md, "unknown is an
// outcome"). EKS Pod Identity does not go through the webhook's token, the
// IAM OIDC provider or the issuer (docs/reference/pod-identity.md), so only the
// ServiceAccount link applies to a pod-identity target.
func uncheckedTargets(ts []finding.Target) int {
	n := 0
	for _, tg := range ts {
		for _, l := range tg.Links {
			if l.Status == finding.LinkPass || l.Status == finding.LinkFail {
				continue
			}
			if tg.Mechanism != "pod-identity" || l.Link == finding.LinkServiceAccount {
				n++
				break
			}
		}
	}
	return n
}

type skipGroup struct {
	ids             []string
	subject, reason string
}

// groupSkipped folds skipped findings with the same subject and reason into
// one line, in the order they first appear, IDs sorted.
func groupSkipped(fs []finding.Finding, es []entry) []skipGroup {
	var out []*skipGroup
	at := map[[2]string]*skipGroup{}
	for _, e := range es {
		f := fs[e.f]
		// A skipped line is one line: a line break in the reason is
		// shown, not followed.
		k := [2]string{subjectString(f.Subject), esc(f.Message)}
		g := at[k]
		if g == nil {
			g = &skipGroup{subject: k[0], reason: k[1]}
			at[k] = g
			out = append(out, g)
		}
		g.ids = append(g.ids, f.CheckID)
	}
	res := make([]skipGroup, len(out))
	for i, g := range out {
		sort.Strings(g.ids)
		res[i] = *g
	}
	return res
}

func linkLabel(link string) string {
	if l, ok := linkLabels[link]; ok {
		return l
	}
	return esc(link)
}

func targetName(t finding.Target) string {
	return subjectString(finding.Subject{Kind: t.Kind, Namespace: t.Namespace, Name: t.Name})
}

// subjectString is Subject.String, with the ARN added when the subject also
// has a name (an IAM role: the name alone does not say which account),
// escaped for the terminal.
func subjectString(s finding.Subject) string {
	if s.ARN != "" && s.Name != "" && s.Namespace == "" && strings.HasSuffix(s.ARN, "/"+s.Name) {
		// The ARN says the name too: IAMRole arn:aws:iam::ACCOUNT:role/NAME.
		s.Name = ""
	}
	out := s.String()
	if s.ARN != "" && !strings.Contains(out, s.ARN) {
		out += " (" + s.ARN + ")"
	}
	return esc(out)
}

// esc escapes a one-line value from the input for the terminal
// (termsafe.Escape): a line break in it is shown as \n, not followed.
func esc(s string) string { return termsafe.Escape(s) }

// escLines escapes a value of several lines (a message, a policy document,
// a fix): its line breaks are the layout's, everything else is escaped.
func escLines(s string) string { return termsafe.Lines(s) }

// sgr matches the colour sequences of the painter (ESC [ params m).
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// safeLine is the last guard before a line is written: with colour off it
// escapes anything a terminal would act on; with colour on, anything but
// the painter's colour sequences. The values were escaped already, so this
// changes nothing unless a value was missed.
func safeLine(l string, color bool) string {
	if !termsafe.Has(l) {
		return l
	}
	if !color {
		return termsafe.Escape(l)
	}
	var b strings.Builder
	last := 0
	for _, m := range sgr.FindAllStringIndex(l, -1) {
		b.WriteString(termsafe.Escape(l[last:m[0]]))
		b.WriteString(l[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(termsafe.Escape(l[last:]))
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// isCopies reports a bundle's gap for an object read in copies that differ
// and settled on one of them (docs/contract.md#bundles).
func isCopies(g finding.Gap) bool { return g.Source == "bundle" && g.Operation == "copies" }
