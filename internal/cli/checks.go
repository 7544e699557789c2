package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/irsa-doctor/irsa-doctor/internal/check"
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
			}
			// A format added to report.Formats needs a rendering here too
			// (TestChecksEveryFormat).
			return usageErr("--output %q: checks cannot list in this format yet", output)
		},
	}
	registerOutput(cmd, &output)
	return cmd
}
