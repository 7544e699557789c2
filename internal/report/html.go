package report

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// The HTML report is one self-contained file: the stylesheet, the script
// and the chain diagrams are inline, so that it opens from a ticket, a CI
// artifact or an air-gapped laptop, and requests nothing from the network
// (a report of a cluster's problems is not something to announce to a
// CDN). Every value goes through html/template's contextual escaping;
// nothing derived from the input is ever a template.HTML, template.JS or
// template.URL. Values are also passed through termsafe first (esc,
// escLines), so that a control or bidi-override character in a bundle is
// shown as an escape rather than reordering what the reader sees.

//go:embed html.tmpl
var htmlSource string

// The stylesheet and the script are this package's own files, never input:
// the only values given to the template as trusted CSS and JS.
var (
	//go:embed html.css
	htmlStyle string
	//go:embed html.js
	htmlScript string
)

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// htmlCSP admits the page's own stylesheet and script by their hashes and
// nothing else: no request can leave the page, and markup that escaping
// had let through (an onerror attribute, a script element) would not run.
var htmlCSP = "default-src 'none'; style-src " + cspHash(htmlStyle) + "; script-src " + cspHash(htmlScript) +
	"; img-src 'none'; base-uri 'none'; form-action 'none'"

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// checkDocBase is where each check's documentation lives; the report links
// a finding's check ID there.
const checkDocBase = "https://github.com/irsa-doctor/irsa-doctor/blob/main/docs/checks/"

// checkIDPattern guards the documentation link: a check ID read from a
// finding becomes part of a URL only when it is one.
var checkIDPattern = regexp.MustCompile(`^IRSA[0-9]{3}$`)

// htmlPage is everything the template shows, computed here so that the
// template only lays it out.
type htmlPage struct {
	Title      string
	CSP        string
	Style      template.CSS
	Script     template.JS
	Header     string
	Tool       string
	Files      []finding.InputFile
	Unused     []finding.InputFile
	Summary    finding.Summary
	Errors     int
	Warnings   int
	Infos      int
	Namespaces []string
	NSOptions  []htmlOption
	IRSARows   []htmlRow
	PIRows     []htmlRow
	// HasSymptoms adds the Symptoms column to the summary tables.
	HasSymptoms bool
	Healthy     []string
	// Permissions are the permission questions of the targets'
	// containers, one line each as the text report writes them.
	Permissions []htmlPermission
	Chains      []htmlChain
	Findings    []htmlGroup
	Skipped     []htmlGroup
	Passed      []htmlGroup
	Ignored     []htmlGroup
	Gaps        []finding.Gap
	// P prefixes the ids of a cluster's section in a page of several
	// clusters ("" for one cluster: ids as they always were);
	// ClusterName is that cluster's label.
	P           string
	ClusterName string
	// Clusters are the sections of a page of several clusters, and
	// Overview its table of one row per cluster (writeClustersHTML).
	Clusters []htmlPage
	Overview []htmlOverviewRow
}

// htmlOverviewRow is one cluster's row of a multi-cluster page: its
// name, linking to its section, and clusterRows' other cells.
type htmlOverviewRow struct {
	Anchor string
	Name   string
	Cells  []string
}

type htmlOption struct{ Value, Label string }

// htmlPermission is one permission question of a container and its
// answer (permissionLine, after the target's name), and the JSON list of
// its target's namespace, for the filter.
type htmlPermission struct {
	Line string
	NS   string
}

// htmlRow is one target with a failure or a warning in the summary table.
type htmlRow struct {
	// ID is the row's own; Anchor the diagram it links to (a pod drawn
	// with its workload links to the workload's).
	ID        string
	Anchor    string
	Target    string
	Mechanism string
	Severity  string
	Cells     []htmlCell
	Checks    []string
	// Symptoms are the errors the target was seen to have (symptomLine);
	// SymptomsColumn is set on every row of a page where one has some.
	Symptoms       []string
	SymptomsColumn bool
	// NS is the JSON list of namespaces the row belongs to and Sevs the
	// severities it has, read by the filter script.
	NS   string
	Sevs string
	// rank orders the rows: severity, then namespace/name.
	rank       int
	ns, name   string
	HasDiagram bool
}

// htmlCell is one chain link of a row.
type htmlCell struct {
	Status string // pass | fail | unknown
	Mark   string
	Detail string
}

// htmlChain is a failing target's chain drawn as a diagram.
type htmlChain struct {
	Anchor    string
	Target    string
	Mechanism string
	NS        string
	Sevs      string
	Nodes     []htmlNode
	// Also names the pods of the same workload whose chain is the same
	// and is not drawn again.
	Also  string
	index int
}

// htmlNode is one box of a chain diagram; the arrow into it takes its
// status.
type htmlNode struct {
	Link   string // the finding link it is judged by ("" for the target itself)
	Node   string // the box: ServiceAccount, webhook, token, ...
	Label  string
	Name   string
	Status string
	Checks string // the failing check IDs written on a broken node
	Detail string // why a node is unknown
}

// htmlGroup is one block of findings of one root cause.
type htmlGroup struct {
	CheckID     string
	Slug        string
	Title       string
	DocURL      string
	Severity    string
	Status      string
	Subject     string
	Affects     string
	Count       int
	Message     string
	Evidence    []htmlEvidence
	Remediation string
	Fix         []htmlCommand
	// FixAll is the whole fix as it pastes into a shell (Pasteable: the
	// guard function defined first, in a subshell that stops at the first
	// failure), JSON-encoded like Copy.
	FixAll  string
	Ignored *finding.Ignored
	NS      string
	Sevs    string
}

type htmlEvidence struct {
	Label string
	Value string
}

// htmlCommand is one command of a fix as fix.sh has it: its lines (several
// for a here-document that writes a file), and the text its copy button
// copies, JSON-encoded, "" for a comment. JSON because an HTML parser
// turns a carriage return in an attribute into a line feed: encoded, the
// script copies exactly the line of fix.sh, whatever it holds.
type htmlCommand struct {
	Lines string
	Copy  string
}

func writeHTML(w io.Writer, r *finding.Result, opts Options) error {
	page := buildHTML(r, opts)
	if err := htmlTemplate.Execute(w, page); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}

func buildHTML(r *finding.Result, opts Options) htmlPage {
	s := r.Summary
	p := htmlPage{
		Title:    "irsa-doctor report",
		CSP:      htmlCSP,
		Style:    template.CSS(htmlStyle),
		Script:   template.JS(htmlScript),
		Header:   headline(r, esc),
		Tool:     strings.TrimSpace(esc(r.Tool.Name) + " " + esc(r.Tool.Version)),
		Files:    r.Input.Files,
		Summary:  s,
		Errors:   s.BySeverity[string(finding.SeverityError)],
		Warnings: s.BySeverity[string(finding.SeverityWarning)],
		Infos:    s.BySeverity[string(finding.SeverityInfo)],
	}
	// Gaps and files are shown as the text report shows them: escaped.
	for _, g := range r.Gaps {
		p.Gaps = append(p.Gaps, finding.Gap{Source: esc(g.Source), Operation: esc(g.Operation), Resource: esc(g.Resource), Reason: esc(g.Reason)})
	}
	for _, f := range unusedFiles(r.Input.Files) {
		p.Unused = append(p.Unused, finding.InputFile{Path: esc(f.Path), Error: esc(f.Error)})
	}
	if r.Input.Cluster != "" {
		p.Title = "irsa-doctor report: " + esc(r.Input.Cluster)
	}
	namespaces := map[string]bool{}
	for _, tg := range r.Targets {
		if tg.Namespace != "" {
			namespaces[tg.Namespace] = true
		}
	}
	rows := htmlRows(r)
	// A pod whose workload, or a sibling pod of the same workload, is
	// drawn with the same links shares that diagram: 37 identical chains
	// would bury the one that differs.
	drawn := map[finding.Ref]int{}     // a drawn target -> its index in p.Chains
	byOwner := map[finding.Ref][]int{} // an owner -> the chains of its pods
	var shared [][]finding.Ref
	for i := range rows {
		row := &rows[i]
		tg := r.Targets[row.index]
		if !row.HasDiagram {
			continue
		}
		if tg.Owner != nil {
			cands := append([]int{}, byOwner[*tg.Owner]...)
			if c, ok := drawn[*tg.Owner]; ok {
				cands = append([]int{c}, cands...)
			}
			if c := slices.IndexFunc(cands, func(c int) bool {
				return slices.Equal(r.Targets[p.Chains[c].index].Links, tg.Links)
			}); c >= 0 {
				row.Anchor = p.Chains[cands[c]].Anchor
				shared[cands[c]] = append(shared[cands[c]], finding.Ref{Kind: tg.Kind, Namespace: tg.Namespace, Name: tg.Name})
				continue
			}
			byOwner[*tg.Owner] = append(byOwner[*tg.Owner], len(p.Chains))
		}
		drawn[finding.Ref{Kind: tg.Kind, Namespace: tg.Namespace, Name: tg.Name}] = len(p.Chains)
		p.Chains = append(p.Chains, htmlChain{
			Anchor: row.Anchor, Target: row.Target, Mechanism: row.Mechanism,
			NS: row.NS, Sevs: row.Sevs, Nodes: chainNodes(tg), index: row.index,
		})
		shared = append(shared, nil)
	}
	for c, refs := range shared {
		if len(refs) > 0 {
			p.Chains[c].Also = esc(Affects(r, refs))
		}
	}
	for _, row := range rows {
		p.HasSymptoms = p.HasSymptoms || len(row.Symptoms) > 0
	}
	for _, row := range rows {
		row.SymptomsColumn = p.HasSymptoms
		if r.Targets[row.index].Mechanism == "pod-identity" {
			p.PIRows = append(p.PIRows, row.htmlRow)
		} else {
			p.IRSARows = append(p.IRSARows, row.htmlRow)
		}
	}
	inRows := map[int]bool{}
	for _, row := range rows {
		inRows[row.index] = true
	}
	for i, tg := range r.Targets {
		if !inRows[i] {
			p.Healthy = append(p.Healthy, targetName(tg))
		}
	}
	for _, tg := range r.Targets {
		for _, c := range tg.Containers {
			for _, q := range c.Permissions {
				p.Permissions = append(p.Permissions, htmlPermission{
					Line: esc(targetName(tg) + " " + permissionLine(c, q, false)),
					NS:   nsJSON([]string{tg.Namespace}),
				})
			}
		}
	}
	status := func(st finding.Status) func(finding.Finding) bool {
		return func(f finding.Finding) bool { return f.Status == st }
	}
	p.Findings = htmlGroups(r, status(finding.StatusFail), namespaces)
	p.Skipped = htmlGroups(r, status(finding.StatusSkipped), namespaces)
	p.Passed = htmlGroups(r, status(finding.StatusPass), namespaces)
	p.Ignored = htmlGroups(r, status(finding.StatusIgnored), namespaces)
	for ns := range namespaces {
		p.Namespaces = append(p.Namespaces, ns)
	}
	sort.Strings(p.Namespaces)
	for _, ns := range p.Namespaces {
		// The option's value is the namespace JSON-encoded, as in the
		// data attributes; its label is escaped like every value shown.
		p.NSOptions = append(p.NSOptions, htmlOption{Value: jsonString(ns), Label: esc(ns)})
	}
	return p
}

type indexedRow struct {
	htmlRow
	index int
}

// htmlRows are the text report's rows (rows: the targets a failure or a
// warning concerns, directly or through their chain, worst first, then by
// namespace and name), one per target: each has its own anchor and
// diagram.
func htmlRows(r *finding.Result) []indexedRow {
	var out []indexedRow
	for _, rw := range rows(r) {
		j := rw.target
		tg := r.Targets[j]
		broken := false
		for _, l := range tg.Links {
			broken = broken || l.Status == finding.LinkFail
		}
		row := htmlRow{
			ID: fmt.Sprintf("row-target-%d", j), Anchor: fmt.Sprintf("target-%d", j), Target: targetName(tg),
			Mechanism: esc(tg.Mechanism), ns: tg.Namespace, name: tg.Name,
			HasDiagram: broken || rw.worst == finding.SeverityError,
			Severity:   string(rw.worst), rank: rw.worst.Rank(),
		}
		for _, sev := range rw.sevs {
			row.Sevs = strings.TrimSpace(row.Sevs + " " + string(sev))
		}
		for _, id := range rw.ids {
			row.Checks = append(row.Checks, esc(id))
		}
		for _, sym := range tg.Symptoms {
			row.Symptoms = append(row.Symptoms, esc(symptomLine(sym, false)))
		}
		row.NS = nsJSON([]string{tg.Namespace})
		for _, l := range rowLinks(tg) {
			row.Cells = append(row.Cells, htmlCell{Status: linkStatus(l.Status), Mark: glyph(l.Status), Detail: esc(l.Detail)})
		}
		out = append(out, indexedRow{htmlRow: row, index: j})
	}
	return out
}

// rowLinks are the links of a target's summary row, in column order.
func rowLinks(tg finding.Target) []finding.Link {
	find := func(name string) finding.Link {
		for _, l := range tg.Links {
			if l.Link == name {
				return l
			}
		}
		return finding.Link{Link: name, Status: finding.LinkUnknown, Detail: "not reported"}
	}
	var out []finding.Link
	if tg.Mechanism == "pod-identity" {
		for _, c := range podIdentityColumns {
			out = append(out, find(c.link))
		}
		return out
	}
	for _, l := range finding.Links {
		out = append(out, find(l))
	}
	return out
}

func linkStatus(s string) string {
	switch s {
	case finding.LinkPass, finding.LinkFail:
		return s
	}
	return finding.LinkUnknown
}

// A chain diagram has more boxes than the engine has links: the engine
// judges five links (finding.Links), and the diagram draws the chain as a
// user pictures it. Each box is judged by one link; where two boxes share
// a link, the link's failing check IDs say which box broke:
//
//	IRSA:  Pod ─ ServiceAccount ─ webhook ─ token ─ role ─ provider ─ issuer
//	link:  -     service-account  webhook   webhook iam-role oidc-provider issuer
//	token: IRSA106 (token not readable) and IRSA112 (expiration invalid);
//	       every other webhook-link check (IRSA104/105/107-111/313) breaks
//	       the webhook box. IRSA306 (token claims vs issuer) stays on the
//	       issuer box, as the engine puts it on the issuer link.
//
//	Pod Identity: Pod ─ ServiceAccount ─ association ─ agent ─ role trust
//	link:         -     service-account  service-account webhook iam-role
//	association: IRSA402 (association target missing); IRSA101 and the
//	       rest break the ServiceAccount box. The agent box is the webhook
//	       link (IRSA403/405-409), role trust the iam-role link
//	       (IRSA404/410/411).
//
// Within one link, boxes before the broken one pass and boxes after it
// are unknown: a pod the webhook did not mutate has no token to judge.
// An unknown or passed link gives its status to each of its boxes.
type chainBox struct {
	link, label string
	claims      map[string]bool // check IDs that break this box; nil: the link's other IDs
}

var irsaBoxes = []chainBox{
	{finding.LinkServiceAccount, "ServiceAccount", nil},
	{finding.LinkWebhook, "webhook", nil},
	{finding.LinkWebhook, "token", map[string]bool{"IRSA106": true, "IRSA112": true}},
	{finding.LinkIAMRole, "role", nil},
	{finding.LinkOIDCProvider, "provider", nil},
	{finding.LinkIssuer, "issuer", nil},
}

var podIdentityBoxes = []chainBox{
	{finding.LinkServiceAccount, "ServiceAccount", nil},
	{finding.LinkServiceAccount, "association", map[string]bool{"IRSA402": true}},
	{finding.LinkWebhook, "agent", nil},
	{finding.LinkIAMRole, "role trust", nil},
}

// chainNodes draws a target's chain: the target, then its boxes.
func chainNodes(tg finding.Target) []htmlNode {
	first := htmlNode{Label: esc(tg.Kind), Name: esc(tg.Name), Status: "start"}
	nodes := []htmlNode{first}
	boxes := irsaBoxes
	if tg.Mechanism == "pod-identity" {
		boxes = podIdentityBoxes
	}
	links := map[string]finding.Link{}
	for _, l := range tg.Links {
		links[l.Link] = l
	}
	broken := map[string]bool{} // links whose broken box was drawn
	for _, b := range boxes {
		l, ok := links[b.link]
		if !ok {
			l = finding.Link{Link: b.link, Status: finding.LinkUnknown, Detail: "not reported"}
		}
		n := htmlNode{Link: b.link, Node: b.label, Label: b.label, Name: boxName(tg, b.label), Status: linkStatus(l.Status)}
		switch n.Status {
		case finding.LinkFail:
			var ids []string
			for id := range chainCheckIDs(finding.Target{Links: []finding.Link{l}}) {
				if own(boxes, b, id) {
					ids = append(ids, id)
				}
			}
			sort.Strings(ids)
			switch {
			case len(ids) > 0:
				n.Checks = strings.Join(ids, ", ")
				broken[b.link] = true
			case broken[b.link]:
				n.Status, n.Detail = finding.LinkUnknown, "not reached: an earlier box of the same link is broken"
			default:
				n.Status = finding.LinkPass
			}
		case finding.LinkUnknown:
			n.Detail = esc(l.Detail)
		}
		nodes = append(nodes, n)
	}
	return nodes
}

// own reports whether check id breaks box b: the IDs b claims, or, for the
// box that claims none, every ID no other box of its link claims.
func own(boxes []chainBox, b chainBox, id string) bool {
	if b.claims != nil {
		return b.claims[id]
	}
	for _, o := range boxes {
		if o.link == b.link && o.claims[id] {
			return false
		}
	}
	return true
}

// roleARNPattern is a role ARN as IAM writes it (partition, 12-digit
// account, path and name of the characters IAM allows).
var roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$`)

// boxName is what a box is in this target's chain, where the result says.
func boxName(tg finding.Target, label string) string {
	switch label {
	case "ServiceAccount":
		return esc(tg.ServiceAccount)
	case "role", "role trust":
		// The role's name when the ARN is a role's; anything else (a
		// malformed annotation) whole, so that no part of it passes for
		// a name.
		if roleARNPattern.MatchString(tg.RoleARN) {
			return esc(roleName(tg.RoleARN))
		}
		return esc(tg.RoleARN)
	}
	return ""
}

// htmlGroups renders the groups of the findings keep accepts. namespaces
// collects every namespace a block names, for the filter.
func htmlGroups(r *finding.Result, keep func(finding.Finding) bool, namespaces map[string]bool) []htmlGroup {
	var out []htmlGroup
	for _, g := range Groups(r, keep) {
		f := r.Findings[g.Findings[0]]
		hg := htmlGroup{
			CheckID: esc(f.CheckID), Slug: esc(f.Slug), Title: esc(f.Title),
			Severity: esc(string(f.Severity)), Status: esc(string(f.Status)),
			Subject: subjectString(f.Subject), Count: len(g.Findings),
			Message: escLines(f.Message), Remediation: strings.TrimSpace(escLines(f.Remediation)),
			Ignored: f.Ignored, Sevs: string(f.Severity),
		}
		if checkIDPattern.MatchString(f.CheckID) {
			hg.DocURL = checkDocBase + f.CheckID + ".md"
		}
		if len(g.Affected) > 0 {
			hg.Affects = esc(Affects(r, g.Affected))
		}
		// A block belongs to every namespace it concerns; one that names
		// none (an OIDC provider, the cluster) concerns them all and is
		// never hidden by the namespace filter.
		var nss []string
		add := func(ns string) {
			if ns != "" && !slices.Contains(nss, ns) {
				nss = append(nss, ns)
				namespaces[ns] = true
			}
		}
		for _, i := range g.Findings {
			add(r.Findings[i].Subject.Namespace)
		}
		for _, a := range g.Affected {
			add(a.Namespace)
		}
		hg.NS = nsJSON(nss)
		for _, ev := range ownEvidence(f) {
			var label []string
			for _, s := range []string{ev.Source, ev.Ref} {
				if s != "" {
					label = append(label, esc(s))
				}
			}
			hg.Evidence = append(hg.Evidence, htmlEvidence{Label: strings.Join(label, " "), Value: strings.TrimSuffix(escLines(ev.Value), "\n")})
		}
		hg.Fix = fixCommands(f.Fix.Script())
		hg.FixAll = jsonString(strings.Join(Pasteable(f.Fix), "\n") + "\n")
		out = append(out, hg)
	}
	return out
}

// heredocStart matches the first line of a here-document as
// finding.Fix.Script writes it: cat > FILE <<'DELIMITER'.
var heredocStart = regexp.MustCompile(`^cat > .* <<'([A-Za-z0-9_]+)'$`)

// fixCommands splits the lines of fix.sh into commands: a here-document
// (from its cat line to its delimiter) is one command and is copied whole,
// since a part of it does nothing; a comment is shown and not copied;
// every other line is a command copied exactly as fix.sh has it. What is
// copied is never altered (Fix.Script already made every value from the
// input safe for a shell); what is shown is escaped like any value, so a
// control character in a file's content is seen before it is pasted.
func fixCommands(lines []string) []htmlCommand {
	var out []htmlCommand
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if m := heredocStart.FindStringSubmatch(l); m != nil {
			end := i + 1
			for end < len(lines) && lines[end] != m[1] {
				end++
			}
			end = min(end, len(lines)-1)
			block := strings.Join(lines[i:end+1], "\n")
			out = append(out, htmlCommand{Lines: escLines(block), Copy: jsonString(block)})
			i = end
			continue
		}
		if strings.HasPrefix(l, "#") || strings.TrimSpace(l) == "" {
			out = append(out, htmlCommand{Lines: escLines(l)})
			continue
		}
		out = append(out, htmlCommand{Lines: escLines(l), Copy: jsonString(l)})
	}
	return out
}

// jsonString is s as a JSON string; the script reads it with JSON.parse.
// Besides what encoding/json escapes, every character a terminal or a
// bidi algorithm would act on is written as \uXXXX: the page holds no raw
// control character, and JSON.parse still gives back s exactly.
func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		return `""`
	}
	if !termsafe.Has(string(b)) {
		return string(b)
	}
	var out strings.Builder
	for _, r := range string(b) {
		if !termsafe.Unsafe(r) {
			out.WriteRune(r)
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&out, `\u%04x`, u)
		}
	}
	return out.String()
}

// nsJSON is a list of namespaces as a JSON array, the form the filter
// script reads from a data attribute (a namespace from an untrusted bundle
// may hold any character, so no separator would do, and a parser would
// turn a carriage return into a line feed).
func nsJSON(nss []string) string {
	if nss == nil {
		nss = []string{}
	}
	b, err := json.Marshal(nss)
	if err != nil {
		return "[]"
	}
	return string(b)
}

// writeClustersHTML writes one page for several clusters: a table of one
// row per cluster, the filters (namespace and severity, across every
// cluster), then each cluster's report as a section whose ids are
// prefixed (c1-, c2-, ...), so anchors stay unique. Style, script and
// policy are the one-cluster page's.
func writeClustersHTML(w io.Writer, cs []Cluster, opts Options) error {
	page := htmlPage{
		Title:  fmt.Sprintf("irsa-doctor report: %d clusters", len(cs)),
		CSP:    htmlCSP,
		Style:  template.CSS(htmlStyle),
		Script: template.JS(htmlScript),
		Header: clustersHeadline(cs),
	}
	namespaces := map[string]bool{}
	rows := clusterRows(cs, esc)[1:]
	for i, c := range cs {
		p := buildHTML(c.Result, opts)
		if page.Tool == "" {
			page.Tool = p.Tool
		}
		p.P = fmt.Sprintf("c%d-", i+1)
		p.ClusterName = esc(c.Name)
		for j := range p.IRSARows {
			p.IRSARows[j].ID, p.IRSARows[j].Anchor = p.P+p.IRSARows[j].ID, p.P+p.IRSARows[j].Anchor
		}
		for j := range p.PIRows {
			p.PIRows[j].ID, p.PIRows[j].Anchor = p.P+p.PIRows[j].ID, p.P+p.PIRows[j].Anchor
		}
		for j := range p.Chains {
			p.Chains[j].Anchor = p.P + p.Chains[j].Anchor
		}
		for _, ns := range p.Namespaces {
			namespaces[ns] = true
		}
		page.Clusters = append(page.Clusters, p)
		page.Overview = append(page.Overview, htmlOverviewRow{Anchor: p.P + "cluster", Name: rows[i][0], Cells: rows[i][1:]})
	}
	for ns := range namespaces {
		page.Namespaces = append(page.Namespaces, ns)
	}
	sort.Strings(page.Namespaces)
	for _, ns := range page.Namespaces {
		page.NSOptions = append(page.NSOptions, htmlOption{Value: jsonString(ns), Label: esc(ns)})
	}
	if err := htmlTemplate.Execute(w, page); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}
