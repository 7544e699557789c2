package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// isBlocked reports a check skipped because a failure it depends on was
// found (the engine's "blocked by IRSAnnn" reason): the failure is the
// news, these are not.
func isBlocked(f finding.Finding) bool {
	return f.Status == finding.StatusSkipped && strings.HasPrefix(f.Message, "blocked by ")
}

// passed lists, with --show-passed, each check that passed and on how many
// subjects.
func (t *text) passed() {
	if !t.opts.ShowPassed {
		return
	}
	var order []string
	count := map[string]int{}
	slug := map[string]string{}
	for _, f := range t.r.Findings {
		if f.Status != finding.StatusPass {
			continue
		}
		if count[f.CheckID] == 0 {
			order = append(order, f.CheckID)
			slug[f.CheckID] = f.Slug
		}
		count[f.CheckID]++
	}
	if len(order) == 0 {
		return
	}
	slices.Sort(order)
	t.gap()
	t.add(t.p.paint(ansiBold, "Passed:"))
	for _, id := range order {
		t.add("  " + esc(id) + " " + esc(slug[id]) + ": " + plural(count[id], "subject", "subjects"))
	}
}

// blocked counts the checks a failure kept from running, on how many
// targets' subjects; -v lists them by subject.
func (t *text) blocked() {
	var es []entry
	subjects := map[string]bool{}
	for i, f := range t.r.Findings {
		if isBlocked(f) {
			es = append(es, entry{f: i})
			subjects[f.Subject.String()] = true
		}
	}
	if len(es) == 0 {
		return
	}
	t.gap()
	line := fmt.Sprintf("%s on %s not run: blocked by the failures above", plural(len(es), "check", "checks"), plural(len(subjects), "object", "objects"))
	if !t.opts.Verbose {
		t.add(t.p.paint(ansiDim, line+" (-v lists them)."))
		return
	}
	t.add(line + ":")
	t.skipLines(es)
}

// skipLines lists skipped findings, those with the same reason on the same
// subject on one line.
func (t *text) skipLines(es []entry) {
	for _, g := range groupSkipped(t.r.Findings, es) {
		head := "  " + esc(strings.Join(g.ids, ", ")) + " on " + g.subject + ":"
		if line := head + " " + g.reason; cols(line) <= t.width {
			t.add(t.p.paint(ansiDim, line))
			continue
		}
		t.add(t.p.paint(ansiDim, head))
		t.add(wrapTextW(g.reason, "    ", "    ", t.width)...)
	}
}

// ignored counts the findings suppressed by --ignore, an ignore file or
// the irsa-doctor.io/ignore annotation; -v lists them with who ignored
// them and why. They never disappear silently.
func (t *text) ignored() {
	var fs []finding.Finding
	for _, f := range t.r.Findings {
		if f.Status == finding.StatusIgnored {
			fs = append(fs, f)
		}
	}
	if len(fs) == 0 {
		return
	}
	t.gap()
	if !t.opts.Verbose {
		t.add(t.p.paint(ansiDim, plural(len(fs), "finding", "findings")+" ignored (-v lists them with the reasons)."))
		return
	}
	t.add(t.p.paint(ansiBold, "Ignored:"))
	for _, f := range fs {
		words := strings.Fields(esc(f.CheckID) + " " + esc(f.Slug) + " on " + subjectString(f.Subject) + ":")
		if f.Ignored != nil {
			why := esc(f.Ignored.Reason)
			if f.Ignored.Source != "" {
				why += " (" + esc(f.Ignored.Source) + ")"
			}
			if f.Ignored.Expires != "" {
				why += ", until " + esc(f.Ignored.Expires)
			}
			words = append(words, strings.Fields(why)...)
		}
		t.add(wrapWordsW(words, "  ", "      ", t.width)...)
	}
}

// details renders, with -v, every target's chain and the credentials each
// container will use.
func (t *text) details() {
	if len(t.r.Targets) == 0 {
		return
	}
	t.gap()
	t.add(t.p.paint(ansiBold, "Targets in detail:"))
	for i := range t.r.Targets {
		t.gap()
		t.target(i)
	}
}

// saved makes a capture command that prints to its output write a file
// instead, for the bundle: aws SERVICE OPERATION ... > OPERATION.json,
// kubectl get KINDS ... > KINDS.json (the reader knows a file by its
// content; the name is for the user).
func saved(cmd string) string {
	if strings.Contains(cmd, ">") {
		return cmd
	}
	w := strings.Fields(cmd)
	switch {
	case len(w) >= 3 && w[0] == "aws":
		return cmd + " > " + w[2] + ".json"
	case len(w) >= 3 && w[0] == "kubectl" && w[1] == "get":
		name := strings.ReplaceAll(w[2], ",", "-")
		if len(w) >= 4 && !strings.HasPrefix(w[3], "-") {
			name += "-" + w[3]
		}
		return cmd + " > " + name + ".json"
	}
	return cmd
}

// someServiceAccount is the ServiceAccount of the first IRSA target a
// failure concerns, else of the first IRSA target: the one to capture a
// token of first.
func (t *text) someServiceAccount() (sa, ns string, ok bool) {
	candidates := rows(t.r)
	for j := range t.r.Targets {
		candidates = append(candidates, row{target: j})
	}
	for _, rw := range candidates {
		if tg := t.r.Targets[rw.target]; tg.Mechanism == "irsa" && tg.ServiceAccount != "" {
			return tg.ServiceAccount, tg.Namespace, true
		}
	}
	return "", "", false
}

// captureCmd is a command that captures a fact the input lacks, and the
// checks it lets run (sorted).
type captureCmd struct {
	cmd string
	ids []string
}

// gatherSkips sorts the skipped findings: those whose reason names capture
// commands give each command once, in the order met, with the checks it
// lets run; the others (no command captures what they lack) are returned
// as they are; those a failure blocked are only counted. The text and
// Markdown reports both list what the input lacks from it.
func gatherSkips(fs []finding.Finding) (caps []*captureCmd, other []finding.Finding, blocked int) {
	at := map[string]*captureCmd{}
	for _, f := range fs {
		switch {
		case f.Status != finding.StatusSkipped:
			continue
		case isBlocked(f):
			blocked++
			continue
		}
		cmds := captures(f.Message)
		if len(cmds) == 0 {
			other = append(other, f)
			continue
		}
		for _, c := range cmds {
			k := at[c]
			if k == nil {
				k = &captureCmd{cmd: c}
				at[c] = k
				caps = append(caps, k)
			}
			if !slices.Contains(k.ids, f.CheckID) {
				k.ids = append(k.ids, f.CheckID)
			}
		}
	}
	for _, c := range caps {
		slices.Sort(c.ids)
	}
	return caps, other, blocked
}

// notChecked gathers what the input lacks: the commands that capture it,
// each once with the checks it lets run, then what no command captures,
// grouped by reason with the pod set aside. Checks a failure blocked are
// not here (see blocked).
func (t *text) notChecked() {
	caps, other, _ := gatherSkips(t.r.Findings)
	type reason struct {
		ids      []string
		subjects []string
		text     string
	}
	var rest []*reason
	byReason := map[string]*reason{}
	for _, f := range other {
		msg := f.Message
		if f.Subject.Kind == "Pod" {
			msg = strings.ReplaceAll(msg, f.Subject.Name, "POD")
		}
		r := byReason[msg]
		if r == nil {
			r = &reason{text: msg}
			byReason[msg] = r
			rest = append(rest, r)
		}
		if !slices.Contains(r.ids, f.CheckID) {
			r.ids = append(r.ids, f.CheckID)
		}
		if s := subjectString(f.Subject); !slices.Contains(r.subjects, s) {
			r.subjects = append(r.subjects, s)
		}
	}
	if len(caps) > 0 {
		t.gap()
		t.add(t.p.paint(ansiBold, "To check more, capture (then run "+t.opts.program()+" again with the files added):"))
		for _, c := range caps {
			note := strings.Join(c.ids, ", ")
			cmd := saved(c.cmd)
			if sa, ns, ok := t.someServiceAccount(); ok && strings.Contains(cmd, " SA -n NAMESPACE ") {
				// A command to fill in: filled in for one
				// ServiceAccount, so that it pastes.
				cmd = strings.Replace(cmd, " SA -n NAMESPACE ", " "+finding.Quote(sa)+" -n "+finding.Quote(ns)+" ", 1)
				note += "; one file per ServiceAccount"
			}
			// A comment after the command: the line still pastes.
			t.add("  " + esc(cmd) + "  " + t.p.paint(ansiDim, "# "+note))
		}
	}
	if len(rest) > 0 {
		t.gap()
		t.add(t.p.paint(ansiBold, "Not checked:"))
		for _, r := range rest {
			slices.Sort(r.ids)
			on := r.subjects[0]
			if len(r.subjects) > 1 {
				on = fmt.Sprintf("%d objects (%s, ...)", len(r.subjects), r.subjects[0])
			}
			words := strings.Fields(esc(strings.Join(r.ids, ", ")) + " on " + on + ":")
			words = append(words, strings.Fields(esc(r.text))...)
			t.add(wrapWordsW(words, "  ", "    ", t.width)...)
		}
	}
}

// footer names --fix-dir when a fix writes files: the report's fixes
// paste as they are, and --fix-dir writes the same files and a fix.sh.
func (t *text) footer(groups []Group) {
	for _, g := range groups {
		if f := t.r.Findings[g.Findings[0]]; f.Fix != nil && len(f.Fix.Files) > 0 {
			t.gap()
			t.add("The fixes above paste as they are; --fix-dir DIR writes their files and a fix.sh that runs them.")
			return
		}
	}
}

// maxObserved is how many observed errors the text report lists without -v.
const maxObserved = 6

// symptomLine says one observed error: "app: 37× InvalidIdentityToken:
// Incorrect token audience (last TIME) → IRSA303", or, when no failing
// check explains it, "→ no failing check explains it: IRSA501". Not
// escaped.
func symptomLine(s finding.Symptom, ascii bool) string {
	what := s.Title
	if what == "" {
		what = s.Signature
	}
	line := fmt.Sprintf("%d%s %s", s.Count, pick(ascii, "x", "×"), what)
	switch {
	case s.Container != "":
		line = s.Container + ": " + line
	case s.Source == "cloudtrail":
		// Not the target's output: the calls CloudTrail recorded.
		line = "CloudTrail: " + line
	}
	if s.Last != "" {
		line += " (last " + s.Last + ")"
	}
	cause := "no failing check explains it: IRSA501"
	if len(s.ExplainedBy) > 0 {
		cause = strings.Join(s.ExplainedBy, ", ")
	}
	return line + " " + pick(ascii, "->", "→") + " " + cause
}

// observed lists, after the summary table, the errors the input shows the
// targets had (their logs, a pasted error text), what each one was and
// which failing check explains it: where the user starts from. A symptom
// no check explains points at IRSA501's block.
func (t *text) observed() {
	var lines []string
	for _, tg := range t.r.Targets {
		for _, s := range tg.Symptoms {
			lines = append(lines, esc(targetName(tg)+" "+symptomLine(s, t.opts.ASCII)))
		}
	}
	if len(lines) == 0 {
		return
	}
	t.gap()
	t.add(t.p.paint(ansiBold, "Observed errors:"))
	for i, l := range lines {
		if i == maxObserved && !t.opts.Verbose {
			t.add(fmt.Sprintf("  ... and %d more (-v lists them).", len(lines)-maxObserved))
			break
		}
		t.add(wrapWordsW(strings.Fields(l), "  ", "    ", t.width)...)
	}
}

// permissionLine says one permission question of a container and its
// answer: "app: s3:GetObject on arn:aws:s3:::invoices/* -- denied (no
// statement allows it) -> IRSA601". Not escaped.
func permissionLine(c finding.Container, p finding.Permission, ascii bool) string {
	q := p.Action
	if p.Resource != "" {
		q += " on " + p.Resource
	}
	switch p.Asked {
	case "can", "":
	case "log":
		q += " (denied in its log)"
	case "cloudtrail":
		q += " (denied in CloudTrail)"
	default:
		q += " (denied in a pasted error)"
	}
	var answer string
	switch {
	case p.Decision == finding.DecisionAllow:
		answer = "allowed" + statementsPhrase(p.Statements)
		if p.Asked != "can" && p.Asked != "" {
			answer += ", yet it was denied: the facts and the symptom disagree (an SCP, a resource or session policy, or a stale capture)"
		}
	case p.Decision == finding.DecisionExplicitDeny:
		answer = "denied explicitly" + statementsPhrase(p.Statements)
	case p.CheckID == "IRSA603":
		answer = "denied (the permissions boundary does not allow it)"
	case p.Decision == finding.DecisionImplicitDeny:
		answer = "denied (no statement allows it)"
	default:
		answer = "unknown: " + p.Reason
	}
	line := c.Name + ": " + q + " " + pick(ascii, "--", "—") + " " + answer
	if p.CheckID != "" {
		line += " " + pick(ascii, "->", "→") + " " + p.CheckID
	}
	switch {
	case p.Simulated == "":
	case p.Simulated == p.Decision:
		line += "; IAM's policy simulator agrees"
	default:
		line += "; IAM's policy simulator says " + p.Simulated + " " + pick(ascii, "->", "→") + " IRSA605"
	}
	return line
}

// statementsPhrase names the statements that decided: ` (Sid "Read" of
// policy arn:...)`.
func statementsPhrase(ss []finding.StatementRef) string {
	var names []string
	for _, s := range ss {
		what := "policy " + s.Policy
		if n, ok := strings.CutPrefix(s.Policy, "inline:"); ok {
			what = "inline policy " + strconv.Quote(n)
		}
		if s.Sid != "" {
			names = append(names, "Sid "+strconv.Quote(s.Sid)+" of "+what)
		} else {
			names = append(names, fmt.Sprintf("Statement[%d] of %s", s.Index, what))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " by " + strings.Join(names, ", ")
}

// permissions lists, after the observed errors, each permission question
// of each container (--can, and each AccessDenied that names the
// container's role) and its answer.
func (t *text) permissions() {
	var lines []string
	for _, tg := range t.r.Targets {
		for _, c := range tg.Containers {
			for _, p := range c.Permissions {
				lines = append(lines, esc(targetName(tg)+" "+permissionLine(c, p, t.opts.ASCII)))
			}
		}
	}
	if len(lines) == 0 {
		return
	}
	t.gap()
	t.add(t.p.paint(ansiBold, "Permissions:"))
	for _, l := range lines {
		t.add(wrapWordsW(strings.Fields(l), "  ", "    ", t.width)...)
	}
}
