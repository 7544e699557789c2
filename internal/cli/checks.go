package cli

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/report"
	"github.com/irsa-doctor/irsa-doctor/internal/sdk"
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
			format, err := parseFormat(output)
			if err != nil {
				return err
			}
			switch format {
			case report.FormatJSON:
				docs := []checkDoc{}
				for _, c := range check.All {
					docs = append(docs, checkDoc{CheckID: c.ID, Slug: c.Slug, Title: c.Title, Severity: string(c.Severity), Doc: c.Doc, Fix: c.Fix})
				}
				enc := json.NewEncoder(deps.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(docs)
			case report.FormatText:
				tw := tabwriter.NewWriter(deps.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSLUG\tSEVERITY\tTITLE")
				for _, c := range check.All {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Slug, c.Severity, c.Title)
				}
				return tw.Flush()
			case report.FormatHTML:
				return checksHTML.Execute(deps.Out, check.All)
			}
			// A format added to report.Formats needs a rendering here too
			// (TestChecksEveryFormat).
			return usageErr("--output %q: checks cannot list in this format yet", output)
		},
	}
	registerOutput(cmd, &output)
	return cmd
}

// NewCmdExplain prints a check's documentation.
func NewCmdExplain(deps Deps) *cobra.Command {
	return &cobra.Command{
		Use:   "explain ID|SLUG|sdk-versions",
		Short: "Explain a check (why it breaks IRSA, how to fix it), or print the SDK minimum-version table",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("explain needs one check ID or slug, e.g. 'irsa-doctor explain IRSA104' (see 'irsa-doctor checks'), or sdk-versions")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.EqualFold(strings.TrimSpace(args[0]), "sdk-versions") {
				return explainSDKVersions(deps)
			}
			c := check.ByIDOrSlug(strings.TrimSpace(args[0]))
			if c == nil {
				return usageErr("explain: unknown check %q (see 'irsa-doctor checks')", args[0])
			}
			_, err := fmt.Fprint(deps.Out, check.Explain(c))
			return err
		},
	}
}

// explainSDKVersions prints the minimum SDK versions for IRSA and EKS Pod
// Identity with their sources (docs/contract.md#commands).
func explainSDKVersions(deps Deps) error {
	d, err := sdk.Load()
	if err != nil {
		return fmt.Errorf("explain sdk-versions: %w", err)
	}
	_, err = fmt.Fprint(deps.Out, d.Table())
	return err
}
