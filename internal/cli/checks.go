package cli

import (
	"encoding/json"
	"fmt"
	"html/template"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/report"
)

// checkDoc is one entry of `checks -o json` (docs/contract.md).
type checkDoc struct {
	CheckID  string `json:"checkId"`
	Slug     string `json:"slug"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Doc      string `json:"doc"`
	Fix      string `json:"fix"`
}

// checksFormats are the formats `checks` lists the registry in: a table
// (wide adds each check's doc), the JSON of docs/contract.md, it as YAML, a
// Markdown table, SARIF rules or an HTML page.
var checksFormats = []report.Format{report.FormatText, report.FormatJSON, report.FormatYAML, report.FormatMarkdown, report.FormatSARIF, report.FormatHTML, report.FormatWide}

// checksHTML is `checks -o html`: the registry as one self-contained page,
// each check linked to its documentation (html/template escapes every value).
var checksHTML = template.Must(template.New("checks").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'">
<title>irsa-doctor checks</title>
</head>
<body>
<h1>irsa-doctor checks</h1>
<table>
<thead><tr><th>ID</th><th>Slug</th><th>Severity</th><th>Title</th></tr></thead>
<tbody>
{{- range .}}
<tr><td><a href="https://github.com/irsa-doctor/irsa-doctor/blob/main/docs/checks/{{.ID}}.md">{{.ID}}</a></td><td>{{.Slug}}</td><td>{{.Severity}}</td><td>{{.Title}}</td></tr>
{{- end}}
</tbody>
</table>
</body>
</html>
`))

// NewCmdChecks lists the registry.
func NewCmdChecks(deps Deps) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "checks",
		Short: "List every check",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := parseFormat(output, checksFormats...)
			if err != nil {
				return err
			}
			docs := []checkDoc{}
			for _, c := range check.All {
				docs = append(docs, checkDoc{CheckID: c.ID, Slug: c.Slug, Title: c.Title, Severity: string(c.Severity), Doc: c.Doc, Fix: c.Fix})
			}
			switch format {
			case report.FormatJSON:
				enc := json.NewEncoder(deps.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(docs)
			case report.FormatYAML:
				// The JSON list as YAML, in the same key order.
				doc, err := json.Marshal(docs)
				if err != nil {
					return fmt.Errorf("checks: %w", err)
				}
				out, err := report.JSONToYAML(doc)
				if err != nil {
					return fmt.Errorf("checks: %w", err)
				}
				_, err = deps.Out.Write(out)
				return err
			case report.FormatMarkdown:
				// The registry's own text: trusted, but titles hold
				// Markdown characters (a "|" would split a cell).
				fmt.Fprintln(deps.Out, "| ID | Slug | Severity | Title |")
				fmt.Fprintln(deps.Out, "| --- | --- | --- | --- |")
				for _, c := range check.All {
					fmt.Fprintf(deps.Out, "| %s | %s | %s | %s |\n", finding.MarkdownText(c.ID), finding.MarkdownText(c.Slug), c.Severity, finding.MarkdownText(c.Title))
				}
				return nil
			case report.FormatText, report.FormatWide:
				wide := format == report.FormatWide
				tw := tabwriter.NewWriter(deps.Out, 0, 4, 2, ' ', 0)
				head := "ID\tSLUG\tSEVERITY\tTITLE"
				if wide {
					head += "\tDOC"
				}
				fmt.Fprintln(tw, head)
				for _, c := range check.All {
					line := fmt.Sprintf("%s\t%s\t%s\t%s", c.ID, c.Slug, c.Severity, c.Title)
					if wide {
						line += "\tdocs/checks/" + c.ID + ".md"
					}
					fmt.Fprintln(tw, line)
				}
				return tw.Flush()
			case report.FormatSARIF:
				// A log whose one run has every check as a rule and no
				// results: what a code-scanning UI needs to describe them.
				res := &finding.Result{Tool: finding.Tool{Name: "irsa-doctor", Version: deps.Version}}
				return report.Write(deps.Out, res, report.Options{Format: report.FormatSARIF, Rules: sarifRules()})
			case report.FormatHTML:
				return checksHTML.Execute(deps.Out, check.All)
			}
			// A format added to report.Formats needs a rendering here too
			// (TestChecksEveryFormat).
			return usageErr("--output %q: checks cannot list in this format yet", output)
		},
	}
	registerOutput(cmd, &output, checksFormats...)
	return cmd
}

// sarifRules describes the registry for -o sarif: report does not import
// internal/check, so the rules (with each check's page, as explain prints
// it) are handed to it in report.Options.
func sarifRules() []report.Rule {
	rules := make([]report.Rule, 0, len(check.All))
	for _, c := range check.All {
		rules = append(rules, report.Rule{ID: c.ID, Slug: c.Slug, Title: c.Title, Severity: c.Severity,
			Description: c.Doc, Help: check.Explain(c)})
	}
	return rules
}
