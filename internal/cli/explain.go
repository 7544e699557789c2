package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/report"
	"github.com/irsa-doctor/irsa-doctor/internal/sdk"
)

// explain's own output formats: its documents are Markdown, printed as is
// or rendered for a terminal. They are not report.Formats (no report is
// made); `explain "ERROR TEXT" -o json` will add json when it exists.
const (
	explainText     = "text"
	explainMarkdown = "markdown"
)

// sdkVersionsTopic is the one explain topic that is not a check.
const sdkVersionsTopic = "sdk-versions"

// ExplainOptions are explain's flags and argument.
type ExplainOptions struct {
	Deps    Deps
	Arg     string
	Output  string // "", text or markdown ("": text on a terminal, else markdown)
	NoColor bool
}

// NewCmdExplain prints a check's documentation or a topic's.
func NewCmdExplain(deps Deps) *cobra.Command {
	opts := &ExplainOptions{Deps: deps}
	cmd := &cobra.Command{
		Use:   "explain ID|SLUG|sdk-versions",
		Short: "Explain a check (why it breaks IRSA, how to fix it), or print the SDK minimum-version table",
		Long: `Explain a check (why it breaks IRSA, how to fix it), or print the SDK minimum-version table.

On a terminal the Markdown is rendered at the terminal's width (COLUMNS, else the terminal's, else 100 columns),
with colour unless NO_COLOR or --no-color; piped, it is printed as Markdown, unchanged.
-o text or -o markdown chooses either way.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("explain needs one check ID or slug, e.g. 'irsa-doctor explain IRSA104' (see 'irsa-doctor checks'), or sdk-versions")
			}
			return nil
		},
		ValidArgsFunction: completeExplain,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Arg = args[0]
			return explainRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Output, "output", "o", "", "output format: text (rendered for a terminal) or markdown; default: text on a terminal, markdown when piped")
	fl.BoolVar(&opts.NoColor, "no-color", false, "no colour even on a terminal (NO_COLOR is honoured too)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{explainText, explainMarkdown}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func explainRun(opts *ExplainOptions) error {
	deps := opts.Deps
	format := opts.Output
	switch format {
	case "":
		format = explainMarkdown
		if deps.OutIsTerminal {
			format = explainText
		}
	case explainText, explainMarkdown:
	default:
		return usageErr("--output %q: explain prints %s or %s", opts.Output, explainText, explainMarkdown)
	}
	md, err := explainMarkdownOf(opts.Arg)
	if err != nil {
		return err
	}
	if format == explainText {
		md = report.Terminal(md, deps.termWidth(), deps.color(opts.NoColor))
	}
	_, err = fmt.Fprint(deps.Out, md)
	return err
}

// explainMarkdownOf is the Markdown document arg names: a check (by ID or
// slug) or the sdk-versions topic.
func explainMarkdownOf(arg string) (string, error) {
	name := strings.TrimSpace(arg)
	if strings.EqualFold(name, sdkVersionsTopic) {
		d, err := sdk.Load()
		if err != nil {
			return "", fmt.Errorf("explain sdk-versions: %w", err)
		}
		return d.Markdown(), nil
	}
	c := check.ByIDOrSlug(name)
	if c == nil {
		return "", usageErr("explain: unknown check %q (see 'irsa-doctor checks')", arg)
	}
	return check.Explain(c), nil
}
