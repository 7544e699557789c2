package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// A row of the summary table: a target that a failure concerns, and the
// pods of its owner whose row would be the same (fold).
type row struct {
	target int // index into Result.Targets
	worst  finding.Severity
	// sevs are the severities of its failures, worst first (the HTML
	// report filters on each).
	sevs []finding.Severity
	ids  []string // failing check IDs, sorted
	// pods counts the rows folded into this one: pods of one owner with
	// the same chain and failures, under the owner's row or the first
	// pod's. owner is set when the first is a pod and others were folded.
	pods  int
	owner *finding.Ref
}

// maxRows is how many rows the summary table shows without -v; the rest
// are counted on a line of their own.
const maxRows = 12

// fold folds the rows of pods into their owner's row when the chain and
// the failing checks are the same (a Deployment of 37 replicas is one
// row), keeping the order of the first of each.
func fold(r *finding.Result, rs []row) []row {
	type key struct {
		owner      finding.Ref
		links, ids string
	}
	keyOf := func(rw row) (key, bool) {
		tg := r.Targets[rw.target]
		var links []string
		for _, l := range tg.Links {
			links = append(links, l.Link+"="+l.Status)
		}
		k := key{links: strings.Join(links, ","), ids: strings.Join(rw.ids, ",")}
		switch {
		case tg.Kind == "Pod" && tg.Owner != nil:
			k.owner = *tg.Owner
		case tg.Kind != "Pod" && tg.Kind != "ServiceAccount":
			k.owner = finding.Ref{Kind: tg.Kind, Namespace: tg.Namespace, Name: tg.Name}
		default:
			return k, false
		}
		return k, true
	}
	var out []row
	at := map[key]int{}
	for _, rw := range rs {
		k, ok := keyOf(rw)
		if !ok {
			out = append(out, rw)
			continue
		}
		i, seen := at[k]
		if !seen {
			at[k] = len(out)
			out = append(out, rw)
			continue
		}
		tg := r.Targets[rw.target]
		if tg.Kind != "Pod" {
			// The owner's row leads, whatever came first.
			rw.pods = out[i].pods + 1
			rw.owner = nil
			out[i] = rw
			continue
		}
		out[i].pods++
		if r.Targets[out[i].target].Kind == "Pod" {
			o := k.owner
			out[i].owner = &o
		}
	}
	return out
}

// rowName is the TARGET cell: the target, or what the row folds.
func rowName(r *finding.Result, rw row, wide bool) string {
	tg := r.Targets[rw.target]
	name := targetName(tg)
	if wide {
		name = esc(tg.Kind + " " + tg.Name)
	}
	switch {
	case rw.owner != nil:
		o := refString(*rw.owner)
		if wide {
			o = rw.owner.Kind + " " + rw.owner.Name
		}
		return fmt.Sprintf("%d pods of %s", rw.pods+1, esc(o))
	case rw.pods > 0:
		return name + " and " + plural(rw.pods, "pod", "pods")
	}
	return name
}

// rows finds the targets that a failing finding concerns (directly, or
// through their chain naming the check), worst first, then by namespace
// and name, and those an ignored finding concerns (their checks marked
// "(ignored)", after the failing ones): a suppressed failure still breaks
// the target. The others are healthy, or not fully checked.
func rows(r *finding.Result) []row {
	ix := newTargetIndex(r.Targets)
	ids := make([]map[string]bool, len(r.Targets))
	sevs := make([]map[finding.Severity]bool, len(r.Targets))
	mark := func(j int, f finding.Finding) {
		if ids[j] == nil {
			ids[j] = map[string]bool{}
			sevs[j] = map[finding.Severity]bool{}
		}
		ids[j][f.CheckID] = true
		sevs[j][f.Severity] = true
	}
	ignored := make([]map[string]bool, len(r.Targets))
	failing := map[string]finding.Finding{} // a failing finding of each check
	for _, f := range r.Findings {
		if f.Status == finding.StatusIgnored {
			// Suppressed, still broken: the row says so.
			for _, j := range ix.concerned(f) {
				if ignored[j] == nil {
					ignored[j] = map[string]bool{}
				}
				ignored[j][f.CheckID] = true
			}
			continue
		}
		// Info alone leaves a target healthy: nothing there stops it from
		// getting its credentials (the block still shows it).
		if f.Status != finding.StatusFail || f.Severity == finding.SeverityInfo {
			continue
		}
		if _, ok := failing[f.CheckID]; !ok {
			failing[f.CheckID] = f
		}
		for _, j := range ix.concerned(f) {
			mark(j, f)
		}
	}
	// A failure of the cluster or the webhook concerns no target directly:
	// the chain of each target it breaks names its check, as the cause of
	// a failing link or of one it blocked ("IRSA302: blocked by IRSA301").
	// A failing link whose check has no failing finding (folded into
	// another, or only in the chain) still fails: the engine fails a link
	// on an error only.
	for j, tg := range r.Targets {
		for id := range chainCheckIDs(tg) {
			if f, ok := failing[id]; ok {
				mark(j, f)
			}
		}
		for _, l := range tg.Links {
			if l.Status != finding.LinkFail {
				continue
			}
			for id := range chainCheckIDs(finding.Target{Links: []finding.Link{l}}) {
				if _, ok := failing[id]; !ok && !ignored[j][id] {
					mark(j, finding.Finding{CheckID: id, Severity: finding.SeverityError})
				}
			}
		}
	}
	var out []row
	for j := range r.Targets {
		if ids[j] == nil && ignored[j] == nil {
			continue
		}
		list := make([]string, 0, len(ids[j]))
		for id := range ids[j] {
			list = append(list, id)
		}
		slices.Sort(list)
		var off []string
		for id := range ignored[j] {
			if !ids[j][id] {
				off = append(off, id+"(ignored)")
			}
		}
		slices.Sort(off)
		list = append(list, off...)
		rw := row{target: j, ids: list}
		for _, sev := range finding.Severities {
			if sevs[j][sev] {
				rw.sevs = append(rw.sevs, sev)
			}
		}
		if len(rw.sevs) > 0 {
			rw.worst = rw.sevs[0]
		}
		out = append(out, rw)
	}
	slices.SortStableFunc(out, func(a, b row) int {
		if a.worst.Rank() != b.worst.Rank() {
			return b.worst.Rank() - a.worst.Rank()
		}
		ta, tb := r.Targets[a.target], r.Targets[b.target]
		return strings.Compare(ta.Namespace+"\x00"+ta.Kind+"\x00"+ta.Name, tb.Namespace+"\x00"+tb.Kind+"\x00"+tb.Name)
	})
	return out
}

// A chain column of the summary table: a link and its heading.
type column struct{ link, head string }

// irsaColumns are the IRSA chain's links; podIdentityColumns the links
// that EKS Pod Identity goes through, named as its chain is: the
// association (the ServiceAccount link: IRSA401/402/406), the agent (the
// webhook link: IRSA403/405) and the role's trust of pods.eks.amazonaws.com
// (the role link: IRSA404/410/411). The OIDC provider and issuer links are
// not used by Pod Identity. The HTML report's rows use the same columns.
var (
	irsaColumns = []column{
		{finding.LinkServiceAccount, "SA"}, {finding.LinkWebhook, "WEBHOOK"}, {finding.LinkIAMRole, "ROLE"},
		{finding.LinkOIDCProvider, "OIDC"}, {finding.LinkIssuer, "ISSUER"},
	}
	podIdentityColumns = []column{
		{finding.LinkServiceAccount, "ASSOCIATION"}, {finding.LinkWebhook, "AGENT"}, {finding.LinkIAMRole, "ROLE TRUST"},
	}
)

// linkMark is a link's status in one character: ✓ ✗ ? and – (nothing
// applied: no check judged the link), or P F ? - when the terminal's
// locale is not UTF-8.
func (t *text) linkMark(tg finding.Target, link string) string {
	st, detail := finding.LinkUnknown, ""
	for _, l := range tg.Links {
		if l.Link == link {
			st, detail = l.Status, l.Detail
		}
	}
	ascii := t.opts.ASCII
	switch {
	case st == finding.LinkPass:
		return t.p.paint(ansiGreen, pick(ascii, "P", "✓"))
	case st == finding.LinkFail:
		return t.p.paint(ansiRed, pick(ascii, "F", "✗"))
	case detail == "not checked":
		return t.p.paint(ansiDim, pick(ascii, "-", "–"))
	}
	return t.p.paint(ansiDim, "?")
}

// glyph is a link status as the Markdown and HTML reports show it.
func glyph(status string) string {
	switch status {
	case finding.LinkPass:
		return "✓"
	case finding.LinkFail:
		return "✗"
	}
	return "?"
}

func pick(ascii bool, plain, fancy string) string {
	if ascii {
		return plain
	}
	return fancy
}

// table is the summary: one row per target a failure concerns (all
// targets with --show-passed), then the healthy ones counted. IRSA and
// EKS Pod Identity targets get a table each: their chains differ.
func (t *text) table() {
	if len(t.r.Targets) == 0 {
		return
	}
	rs := rows(t.r)
	failing := map[int]bool{}
	for _, rw := range rs {
		failing[rw.target] = true
	}
	shown := rs
	if t.opts.ShowPassed {
		for j := range t.r.Targets {
			if !failing[j] {
				shown = append(shown, row{target: j})
			}
		}
	}
	shown = fold(t.r, shown)
	more := 0
	if !t.opts.Verbose && len(shown) > maxRows {
		more = len(shown) - maxRows
		shown = shown[:maxRows]
	}
	var irsa, pi []row
	for _, rw := range shown {
		if t.r.Targets[rw.target].Mechanism == "pod-identity" {
			pi = append(pi, rw)
		} else {
			irsa = append(irsa, rw)
		}
	}
	if len(irsa) > 0 {
		t.gap()
		t.chainTable(irsa, irsaColumns)
	}
	if len(pi) > 0 {
		t.gap()
		t.add("EKS Pod Identity targets (their chain: association, agent, role trust):")
		t.chainTable(pi, podIdentityColumns)
	}
	if more > 0 {
		t.add(fmt.Sprintf("... and %d more rows (-v lists them all).", more))
	}
	healthy, unchecked := 0, 0
	for j, tg := range t.r.Targets {
		if failing[j] {
			continue
		}
		healthy++
		if uncheckedTargets([]finding.Target{tg}) > 0 {
			unchecked++
		}
	}
	if healthy == 0 {
		return
	}
	if len(shown) == 0 {
		t.gap()
	}
	// Healthy only when every link that applies passed: no failure in
	// what could not be checked is not health.
	line := plural(healthy, "target", "targets") + " healthy"
	if unchecked > 0 {
		line = fmt.Sprintf("%s with no failure found, %d of them not fully checked (see \"To check more\")", plural(healthy, "target", "targets"), unchecked)
	}
	if !t.opts.ShowPassed {
		line += "; --show-passed lists them"
	}
	t.add(line + ".")
}

// chainTable renders rows with the chain's columns; -o wide adds the
// namespace, ServiceAccount, role ARN and images, as kubectl's wide output
// adds columns.
func (t *text) chainTable(rs []row, links []column) {
	head := []string{"TARGET"}
	if t.opts.Wide {
		head = []string{"NAMESPACE", "TARGET", "SERVICE ACCOUNT", "ROLE ARN"}
	}
	// A multi-cluster report's sections say on every row which cluster
	// it is (grep keeps the row whole).
	lead := 0
	if t.opts.cluster != "" {
		head = append([]string{"CLUSTER"}, head...)
		lead = 1
	}
	head = append(head, "MECHANISM")
	for _, c := range links {
		head = append(head, c.head)
	}
	head = append(head, "FAILING")
	symptoms := anySymptoms(t.r, rs)
	if symptoms {
		head = append(head, "SYMPTOMS")
	}
	if t.opts.Wide {
		head = append(head, "IMAGES")
	}
	failCell := func(rw row, short bool) string {
		list := rw.ids
		if short && len(list) > 1 {
			// The first check and how many more: the blocks below
			// name them all.
			list = []string{fmt.Sprintf("%s+%d", list[0], len(list)-1)}
		}
		ids := esc(strings.Join(list, ","))
		if ids == "" {
			ids = "-"
		}
		return t.p.severity(rw.worst, ids)
	}
	fail := len(head) - 1
	if t.opts.Wide {
		fail--
	}
	if symptoms {
		fail--
	}
	cells := [][]string{head}
	for _, rw := range rs {
		tg := t.r.Targets[rw.target]
		var c []string
		if lead > 0 {
			c = append(c, esc(t.opts.cluster))
		}
		if t.opts.Wide {
			c = append(c, esc(tg.Namespace), rowName(t.r, rw, true), esc(tg.ServiceAccount), esc(tg.RoleARN))
		} else {
			c = append(c, rowName(t.r, rw, false))
		}
		c = append(c, esc(tg.Mechanism))
		for _, col := range links {
			c = append(c, t.linkMark(tg, col.link))
		}
		c = append(c, failCell(rw, false))
		if symptoms {
			c = append(c, t.symptomCell(tg))
		}
		if t.opts.Wide {
			c = append(c, esc(strings.Join(tg.Images, ",")))
		}
		cells = append(cells, c)
	}
	measure := func() (widths []int, over int) {
		widths = make([]int, len(head))
		for _, c := range cells {
			for i, v := range c {
				widths[i] = max(widths[i], cols(v))
			}
		}
		total := 0
		for _, w := range widths {
			total += w + 2
		}
		return widths, total - 2 - t.width
	}
	widths, over := measure()
	// When a line would pass the width (not with -o wide, which is wide
	// on purpose, as kubectl's is), the failing checks are shortened
	// first, then the target column gives way.
	name := lead
	if t.opts.Wide {
		name++
	}
	if !t.opts.Wide && over > 0 {
		avail := widths[fail] - over
		for i, rw := range rs {
			if cols(cells[i+1][fail]) > avail {
				cells[i+1][fail] = failCell(rw, true)
			}
		}
		widths, over = measure()
		if over > 0 {
			widths[name] = max(widths[name]-over, 20)
		}
	}
	for i, c := range cells {
		var b strings.Builder
		for k, v := range c {
			if k == name && cols(v) > widths[k] {
				v = elide(v, widths[k], t.opts.ASCII)
			}
			if k == 0 && i == 0 {
				v = t.p.paint(ansiBold, v)
			}
			if k < len(c)-1 {
				v = pad(v, widths[k]) + "  "
			}
			b.WriteString(v)
		}
		t.add(b.String())
	}
}

// anySymptoms reports whether a target of rs has symptoms: the summary
// tables then have a symptoms column.
func anySymptoms(r *finding.Result, rs []row) bool {
	for _, rw := range rs {
		if len(r.Targets[rw.target].Symptoms) > 0 {
			return true
		}
	}
	return false
}

// maxSymptomCell bounds the SYMPTOMS cell; the blocks below carry the
// whole line.
const maxSymptomCell = 48

// symptomCell is a target's first symptom, "app: 37× InvalidIdentityToken",
// and how many more: the error seen most often is the one users know.
func (t *text) symptomCell(tg finding.Target) string {
	if len(tg.Symptoms) == 0 {
		return "-"
	}
	return elide(esc(symptomSummary(tg, t.opts.ASCII)), maxSymptomCell, t.opts.ASCII)
}

// symptomSummary is the SYMPTOMS cell before escaping: the most frequent
// error's container, count and name (what the title says before its
// colon), and how many other errors the target has.
func symptomSummary(tg finding.Target, ascii bool) string {
	if len(tg.Symptoms) == 0 {
		return ""
	}
	best := tg.Symptoms[0]
	for _, s := range tg.Symptoms[1:] {
		if s.Count > best.Count {
			best = s
		}
	}
	what, _, _ := strings.Cut(best.Title, ":")
	if strings.TrimSpace(what) == "" {
		what = best.Signature
	}
	cell := fmt.Sprintf("%d%s %s", best.Count, pick(ascii, "x", "×"), strings.TrimSpace(what))
	if best.Container != "" {
		cell = best.Container + ": " + cell
	}
	if n := len(tg.Symptoms) - 1; n > 0 {
		cell += fmt.Sprintf(" +%d", n)
	}
	return cell
}

// elide shortens s to n columns by cutting its middle, where identifiers
// (ARNs, pod names, paths) differ least from their neighbours.
func elide(s string, n int, ascii bool) string {
	mark := pick(ascii, "...", "…")
	r := []rune(s)
	if len(r) <= n || n <= len([]rune(mark))+2 {
		return s
	}
	keep := n - len([]rune(mark))
	head := (keep + 1) / 2
	return string(r[:head]) + mark + string(r[len(r)-(keep-head):])
}
