package report

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// Cluster is one cluster of a multi-cluster report (scan --context A
// --context B, --all-contexts): its label, the kubeconfig context that
// reached it, and its whole document. A cluster that could not be scanned
// has a document too, holding the gap that says why.
type Cluster struct {
	Name   string
	Result *finding.Result
	// NotScanned says why the cluster could not be scanned ("" when it
	// was); its document has no target, and a gap with the reason.
	NotScanned string
}

// WriteClusters renders several clusters as one report: JSON and YAML
// wrap the clusters' documents, each a whole schemaVersion 1 document, as
// {"schemaVersion": 1, "clusters": [...]} (docs/json.md); text, wide and
// markdown open with one row per cluster and give each cluster its
// section, whose tables carry a CLUSTER column; SARIF has one run per
// cluster; HTML is one page with a row per cluster and a section each.
func WriteClusters(w io.Writer, cs []Cluster, opts Options) error {
	for _, c := range cs {
		if c.Result == nil {
			return fmt.Errorf("render report: no result for cluster %q", c.Name)
		}
	}
	switch opts.Format {
	case FormatText, "", FormatWide:
		opts.Wide = opts.Format == FormatWide
		return writeClustersText(w, cs, opts)
	case FormatJSON:
		doc, err := clustersJSON(cs)
		if err != nil {
			return err
		}
		_, err = w.Write(doc)
		return err
	case FormatYAML:
		doc, err := clustersJSON(cs)
		if err != nil {
			return err
		}
		out, err := JSONToYAML(doc)
		if err != nil {
			return fmt.Errorf("encode yaml report: %w", err)
		}
		_, err = w.Write(out)
		return err
	case FormatMarkdown:
		return writeClustersMarkdown(w, cs, opts)
	case FormatSARIF:
		return writeClustersSARIF(w, cs, opts)
	case FormatHTML:
		return writeClustersHTML(w, cs, opts)
	}
	return fmt.Errorf("render report: unknown output format %q (want %s)", opts.Format, formatList())
}

// clustersJSON is the wrapper document: each cluster's document exactly
// as writeJSON writes it alone, indented to its place.
func clustersJSON(cs []Cluster) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{\n  \"schemaVersion\": " + strconv.Itoa(finding.SchemaVersion) + ",\n  \"clusters\": [")
	for i, c := range cs {
		var doc bytes.Buffer
		if err := writeJSON(&doc, c.Result); err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		// A JSON document's strings hold no raw newline: every line
		// break is the encoder's, and indenting it is safe.
		b.WriteString("\n    ")
		b.Write(bytes.ReplaceAll(bytes.TrimRight(doc.Bytes(), "\n"), []byte("\n"), []byte("\n    ")))
	}
	if len(cs) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("]\n}\n")
	return b.Bytes(), nil
}

// clusterRows are the overview's cells: one row per cluster.
func clusterRows(cs []Cluster, escape func(string) string) [][]string {
	rows := [][]string{{"CLUSTER", "EKS CLUSTER", "REGION", "ACCOUNT", "TARGETS", "ERRORS", "WARNINGS", "GAPS", "NOTE"}}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return escape(s)
	}
	for _, c := range cs {
		r := c.Result
		note := r.Summary.Incomplete
		if c.NotScanned != "" {
			note = "not scanned: " + c.NotScanned
		}
		rows = append(rows, []string{escape(c.Name), dash(r.Input.Cluster), dash(r.Input.Region), dash(r.Input.AccountID),
			strconv.Itoa(r.Summary.Targets), strconv.Itoa(r.Summary.BySeverity["error"]), strconv.Itoa(r.Summary.BySeverity["warning"]),
			strconv.Itoa(len(r.Gaps)), dash(note)})
	}
	return rows
}

// clustersHeadline counts the clusters, those with failures and those not
// scanned.
func clustersHeadline(cs []Cluster) string {
	failing, notScanned := 0, 0
	for _, c := range cs {
		switch {
		case c.NotScanned != "":
			notScanned++
		case c.Result.Summary.Fail > 0:
			failing++
		}
	}
	h := fmt.Sprintf("Scanned live: %s, %d with failing findings", plural(len(cs), "cluster", "clusters"), failing)
	if notScanned > 0 {
		h += fmt.Sprintf(", %d not scanned", notScanned)
	}
	return h + "."
}

func writeClustersText(w io.Writer, cs []Cluster, opts Options) error {
	p := painter(opts.Color)
	lines := []string{safeLine(clustersHeadline(cs), opts.Color), ""}
	rows := clusterRows(cs, esc)
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, v := range r {
			widths[i] = max(widths[i], cols(v))
		}
	}
	for i, r := range rows {
		var b strings.Builder
		for k, v := range r {
			if k < len(r)-1 {
				v = pad(v, widths[k]) + "  "
			}
			b.WriteString(v)
		}
		l := strings.TrimRight(b.String(), " ")
		if i == 0 {
			l = p.paint(ansiBold, l)
		}
		lines = append(lines, safeLine(l, opts.Color))
	}
	if _, err := io.WriteString(w, strings.Join(lines, "\n")+"\n"); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	for _, c := range cs {
		rule := "== cluster " + esc(c.Name) + " " + strings.Repeat("=", max(3, opts.width()-len("== cluster  ")-cols(esc(c.Name))))
		if _, err := io.WriteString(w, "\n"+safeLine(p.paint(ansiBold, rule), opts.Color)+"\n"); err != nil {
			return fmt.Errorf("write text report: %w", err)
		}
		o := opts
		o.cluster = c.Name
		if err := writeText(w, c.Result, o); err != nil {
			return err
		}
	}
	return nil
}

func writeClustersMarkdown(w io.Writer, cs []Cluster, opts Options) error {
	var b strings.Builder
	b.WriteString("# irsa-doctor report\n\n" + mdText(clustersHeadline(cs)) + "\n\n")
	rows := clusterRows(cs, func(s string) string { return s })
	for i, r := range rows {
		cells := make([]string, len(r))
		for k, v := range r {
			if i == 0 {
				// Markdown's headings read as words, not kubectl's capitals.
				v = strings.ToUpper(v[:1]) + strings.ToLower(v[1:])
				v = strings.ReplaceAll(v, "Eks", "EKS")
			} else {
				v = mdText(v)
			}
			cells[k] = v
		}
		b.WriteString(mdRow(cells) + "\n")
		if i == 0 {
			sep := make([]string, len(r))
			for k := range sep {
				sep[k] = "---"
			}
			b.WriteString(mdRow(sep) + "\n")
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write markdown report: %w", err)
	}
	for _, c := range cs {
		o := opts
		o.cluster = c.Name
		if _, err := io.WriteString(w, "\n"); err != nil {
			return fmt.Errorf("write markdown report: %w", err)
		}
		if err := writeMarkdown(w, c.Result, o); err != nil {
			return err
		}
	}
	return nil
}

// writeClustersSARIF writes one SARIF log with one run per cluster, each
// run as the one-cluster log's, told apart by its automationDetails.id
// (code-scanning UIs keep one category per id) and its properties'
// context.
func writeClustersSARIF(w io.Writer, cs []Cluster, opts Options) error {
	log := &sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{}}
	for _, c := range cs {
		one := buildSARIF(c.Result, opts.Rules)
		for _, run := range one.Runs {
			run.AutomationDetails = &sarifAutomationDetails{ID: "irsa-doctor/" + c.Name + "/"}
			if run.Properties == nil {
				run.Properties = &sarifRunProperties{}
			}
			run.Properties.Context = c.Name
			log.Runs = append(log.Runs, run)
		}
	}
	var buf bytes.Buffer
	err := json.MarshalWrite(&buf, log, jsontext.WithIndent("  "), json.Deterministic(true), jsontext.AllowInvalidUTF8(true))
	if err != nil {
		return fmt.Errorf("encode sarif report: %w", err)
	}
	buf.WriteByte('\n')
	if _, err := w.Write(escapeNonASCIIControls(buf.Bytes())); err != nil {
		return fmt.Errorf("write sarif report: %w", err)
	}
	return nil
}
