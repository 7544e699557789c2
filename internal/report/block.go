package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// block renders one root cause: the check and what it is about, what it
// affects, why, the evidence compared, the change a corrected policy
// makes, and the fix to paste.
func (t *text) block(g Group) {
	const body, deeper = "  ", "    "
	f := t.r.Findings[g.Findings[0]]
	affects := Affects(t.r, g.Affected)
	whole := f.Subject
	if len(g.Containers) > 1 {
		whole.Container = ""
	}
	subject := subjectString(whole)
	manyPods := f.Subject.Kind == "Pod" && len(g.Findings) > 1
	if manyPods {
		// The pods are the subject: say how many and whose.
		subject = esc(affects)
	}
	switch {
	case len(g.Containers) > 1:
		subject += " containers " + esc(strings.Join(g.Containers, ", "))
	case manyPods && f.Subject.Container != "":
		subject += ", container " + esc(f.Subject.Container)
	}
	t.add(wrapWordsW(append([]string{t.findingHead(f) + ":"}, strings.Fields(subject)...), "", body, t.width)...)
	if !manyPods && affects != "" && affects != refString(finding.Ref{Kind: f.Subject.Kind, Namespace: f.Subject.Namespace, Name: f.Subject.Name}) {
		t.add(wrapWordsW(append([]string{"affects:"}, strings.Fields(esc(affects))...), body, deeper, t.width)...)
	}
	t.messages(g, body)
	diffs := policyDiffs(f.Fix)
	var evLines []string
	for _, ev := range ownEvidence(f) {
		evLines = append(evLines, t.evidenceLines(ev, f.Message, deeper, len(diffs) > 0)...)
	}
	if len(evLines) > 0 {
		label := "evidence:"
		if manyPods {
			label = "evidence (" + subjectString(f.Subject) + "):"
		}
		t.add(body + label)
		t.add(evLines...)
	}
	for _, d := range diffs {
		t.add(body + "change:")
		t.add(indentLines(escLines(strings.Join(d, "\n")), deeper)...)
	}
	if strings.TrimSpace(f.Remediation) != "" && (f.Fix.Empty() || t.opts.Verbose) {
		t.add(body + "remediation:")
		// Checks write remediations with values from the input in them:
		// escaped before the Markdown is read, so that a control
		// character shows rather than counting as a space.
		t.add(markdownLines(escLines(f.Remediation), deeper)...)
	}
	if f.Fix.Empty() {
		return
	}
	t.add(body + "fix:")
	t.add(indentLines(escLines(strings.Join(Pasteable(f.Fix), "\n")), deeper)...)
}

// maxMessages is how many of a group's different messages are shown.
const maxMessages = 3

// messages says why: the group's message, or, when its findings say it
// differently (each container its own UID), each one after what it is
// about, up to maxMessages (-o json has them all).
func (t *text) messages(g Group, indent string) {
	var distinct []int
	seen := map[string]bool{}
	for _, i := range g.Findings {
		if m := t.r.Findings[i].Message; m != "" && !seen[m] {
			seen[m] = true
			distinct = append(distinct, i)
		}
	}
	if len(distinct) == 1 {
		t.add(wrapTextW(escLines(t.r.Findings[distinct[0]].Message), indent, indent, t.width)...)
		return
	}
	for n, i := range distinct {
		if n == maxMessages {
			t.add(indent + fmt.Sprintf("and %d more (-o json lists them)", len(distinct)-maxMessages))
			break
		}
		f := t.r.Findings[i]
		about := subjectString(f.Subject)
		if c := f.Subject.Container; c != "" && f.Subject.Kind != "Pod" {
			about = "container " + esc(c)
		}
		t.add(wrapTextW(about+": "+escLines(f.Message), indent, indent+"  ", t.width)...)
	}
}

// Pasteable is the fix as the lines of fix.sh (finding.Fix.Script: files
// by here-documents, then the commands, quoted by the one renderer), made
// to work when pasted into an interactive shell: a fix that calls
// require_trust_policy gets its definition first, and runs in a subshell
// with set -eu, so that a refused guard stops the commands after it, as
// it stops fix.sh, without closing the user's shell.
func Pasteable(fix *finding.Fix) []string {
	lines := fix.Script()
	guarded := false
	for _, l := range lines {
		if strings.HasPrefix(l, "require_trust_policy ") {
			guarded = true
		}
	}
	if !guarded {
		return lines
	}
	out := []string{"( set -eu"}
	out = append(out, strings.Split(strings.TrimSuffix(finding.RequireTrustPolicy, "\n"), "\n")...)
	out = append(out, lines...)
	return append(out, ")")
}

// evidenceLines renders "source ref: value". A policy document is shown
// as the statement the message names, indented (or, diffed, left to the
// change the fix makes, which shows it); a long one-line value is
// elided in the middle to fit the width (-o json has it whole); a value of
// several lines continues below, indented.
func (t *text) evidenceLines(ev finding.Evidence, message, indent string, diffed bool) []string {
	var label []string
	for _, s := range []string{ev.Source, ev.Ref} {
		if s != "" {
			label = append(label, esc(s))
		}
	}
	prefix := indent
	if len(label) > 0 {
		prefix = indent + strings.Join(label, " ") + ": "
	}
	if head, doc, ok := policyInValue(ev.Value, message); ok {
		if diffed {
			// The change below shows the policy around what it fixes.
			return nil
		}
		out := []string{prefix + esc(head) + ":"}
		for _, l := range doc {
			out = append(out, indent+"  "+esc(l))
		}
		return out
	}
	value := strings.TrimSuffix(escLines(ev.Value), "\n")
	lines := strings.Split(value, "\n")
	if len(lines) == 1 {
		return t.oneLineValue(prefix, indent+"  ", value)
	}
	out := []string{prefix + lines[0]}
	for _, l := range lines[1:] {
		out = append(out, indent+"  "+l)
	}
	return out
}

// maxValueLines is how many lines a one-line evidence value may wrap to
// before its middle is elided.
const maxValueLines = 2

// oneLineValue lays out a one-line value after prefix: on the line when it
// fits, else wrapped at spaces onto at most maxValueLines lines indented
// by cont, its middle elided beyond that, and any word longer than a line
// elided too. -o json has every value whole.
func (t *text) oneLineValue(prefix, cont, value string) []string {
	if cols(prefix+value) <= t.width {
		return []string{prefix + value}
	}
	var out []string
	if cols(prefix) > t.width-minWrap {
		// A long label (a bundle file's path) keeps its line.
		out = append(out, strings.TrimRight(prefix, " "))
		prefix = cont
	}
	room := max(t.width-cols(cont), minWrap)
	layout := func(v string) []string {
		words := strings.Fields(v)
		for i, w := range words {
			if cols(w) > room {
				words[i] = elide(w, room, t.opts.ASCII)
			}
		}
		return wrapWordsW(words, prefix, cont, t.width)
	}
	lines := layout(value)
	// Cut the middle until it fits: wrapping at spaces wastes a little
	// of each line, so the length that fits is found, not computed.
	for n := cols(value); len(lines) > maxValueLines && n > minWrap; {
		n = n * 9 / 10
		lines = layout(elide(value, n, t.opts.ASCII))
	}
	return append(out, lines...)
}

var (
	statementIndex = regexp.MustCompile(`Statement\[(\d+)\]`)
	statementSid   = regexp.MustCompile(`statement "([^"]*)"`)
)

// policyInValue finds a policy document at the end of an evidence value
// ("role payments-s3-reader trust policy: {...}") and returns the words
// before it, naming the statement shown, and that statement as indented
// JSON: the one the message names (Statement[N], or statement "SID"), the
// only one, or else the whole document. Key order is the document's.
func policyInValue(value, message string) (head string, lines []string, ok bool) {
	i := strings.Index(value, ": {")
	if i < 0 {
		return "", nil, false
	}
	head, raw := value[:i], []byte(value[i+2:])
	var doc struct {
		Statement json.RawMessage
	}
	if !json.Valid(raw) || json.Unmarshal(raw, &doc) != nil || len(doc.Statement) == 0 {
		return "", nil, false
	}
	var statements []json.RawMessage
	if doc.Statement[0] == '[' {
		if json.Unmarshal(doc.Statement, &statements) != nil {
			return "", nil, false
		}
	} else {
		statements = []json.RawMessage{doc.Statement}
	}
	pick := -1
	if m := statementIndex.FindStringSubmatch(message); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n < len(statements) {
			pick = n
		}
	} else if m := statementSid.FindStringSubmatch(message); m != nil {
		for n, st := range statements {
			var s struct{ Sid string }
			if json.Unmarshal(st, &s) == nil && s.Sid == m[1] {
				pick = n
				break
			}
		}
	}
	if pick < 0 && len(statements) == 1 {
		pick = 0
	}
	shown := raw
	if pick >= 0 {
		shown = statements[pick]
		head += ", Statement[" + strconv.Itoa(pick) + "]"
	}
	return head, indentJSON(shown), true
}

// indentJSON is a JSON value laid out with two-space indents, as lines.
func indentJSON(raw []byte) []string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace(raw), "", "  "); err != nil {
		return strings.Split(string(raw), "\n")
	}
	return strings.Split(buf.String(), "\n")
}

// policyDiffs are the unified diffs of the corrected policies a fix
// writes (NAME.json) against the documents they were computed from
// (NAME.before.json, which require_trust_policy compares with IAM's),
// both laid out the same way, so only what the fix changes shows.
func policyDiffs(fix *finding.Fix) [][]string {
	if fix.Empty() {
		return nil
	}
	files := map[string]string{}
	for _, f := range fix.Files {
		files[f.Name] = f.Content
	}
	var out [][]string
	for _, f := range fix.Files {
		name, ok := strings.CutSuffix(f.Name, ".before.json")
		if !ok {
			continue
		}
		after, ok := files[name+".json"]
		if !ok {
			continue
		}
		diff, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: lines(indentJSON([]byte(f.Content))), B: lines(indentJSON([]byte(after))),
			FromFile: "IAM now (" + f.Name + ")", ToFile: "fixed (" + name + ".json)", Context: 1,
		})
		if err != nil || diff == "" {
			continue
		}
		out = append(out, strings.Split(strings.TrimSuffix(diff, "\n"), "\n"))
	}
	return out
}

// lines adds the line ends difflib expects.
func lines(ls []string) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l + "\n"
	}
	return out
}
