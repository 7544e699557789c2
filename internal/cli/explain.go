package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/report"
	"github.com/irsa-doctor/irsa-doctor/internal/sdk"
	"github.com/irsa-doctor/irsa-doctor/internal/symptom"
	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// explain's own output formats: its documents are Markdown, printed as is
// or rendered for a terminal. They are not report.Formats (no report is
// made); an error text also has json (docs/contract.md).
const (
	explainText     = "text"
	explainMarkdown = "markdown"
	explainJSON     = "json"
)

// sdkVersionsTopic is the one explain topic that is not a check.
const sdkVersionsTopic = "sdk-versions"

// ExplainOptions are explain's flags and argument.
type ExplainOptions struct {
	Deps Deps
	Arg  string
	// Error is --error's text; FromStdin is the argument "-".
	Error     string
	FromStdin bool
	Output    string // "", text, markdown or json ("": text on a terminal, else markdown)
	NoColor   bool
}

// NewCmdExplain prints a check's documentation or a topic's, or explains
// an observed error text.
func NewCmdExplain(deps Deps) *cobra.Command {
	opts := &ExplainOptions{Deps: deps}
	cmd := &cobra.Command{
		Use:   `explain ID|SLUG|sdk-versions|"ERROR TEXT"|-`,
		Short: "Explain a check, print the SDK minimum-version table, or explain an error text (paste your error)",
		Long: `Explain a check (why it breaks IRSA, how to fix it), or print the SDK minimum-version table.

Paste your error: irsa-doctor explain 'An error occurred (InvalidIdentityToken) ...'
(or pipe it: kubectl logs POD | irsa-doctor explain -, or --error TEXT). irsa-doctor says what the
error means, which checks can cause it (most likely first, with why), and the commands whose output
decides between them, filled in with what the text carried (the role name, the issuer). Give those
outputs to 'irsa-doctor analyze'. A text no signature knows exits 1; an argument that looks like a
check ID or slug (one word) and is none exits 2 with the nearest one.

On a terminal the Markdown is rendered at the terminal's width (COLUMNS, else the terminal's, else 100 columns),
with colour unless NO_COLOR or --no-color; piped, it is printed as Markdown, unchanged.
-o text or -o markdown chooses either way; -o json is for an error text.`,
		Example: `  irsa-doctor explain IRSA104
  irsa-doctor explain 'An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience'
  kubectl logs -n payments deploy/api | irsa-doctor explain -
  irsa-doctor explain --error "$(pbpaste)" -o json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !cmd.Flags().Changed("error") {
				return usageErr("explain needs one check ID or slug, e.g. 'irsa-doctor explain IRSA104' (see 'irsa-doctor checks'), sdk-versions, or an error text in quotes (or - to read it from standard input)")
			}
			if len(args) > 0 && cmd.Flags().Changed("error") {
				return usageErr("explain: give the error text either as --error or as the argument, not both")
			}
			return nil
		},
		ValidArgsFunction: completeExplain,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Several words are an error text pasted without quotes.
			opts.Arg = strings.Join(args, " ")
			opts.FromStdin = len(args) == 1 && args[0] == "-"
			if cmd.Flags().Changed("error") && strings.TrimSpace(opts.Error) == "" {
				return usageErr("explain --error: the error text is empty")
			}
			if !cmd.Flags().Changed("error") && strings.TrimSpace(opts.Arg) == "" {
				return usageErr("explain: the argument is empty; give a check ID or slug, sdk-versions, or an error text in quotes")
			}
			return explainRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Output, "output", "o", "", "output format: text (rendered for a terminal), markdown, or json (an error text only); default: text on a terminal, markdown when piped")
	fl.StringVar(&opts.Error, "error", "", "explain this error text (as the argument does, but never read as a check ID)")
	fl.BoolVar(&opts.NoColor, "no-color", false, "no colour even on a terminal (NO_COLOR is honoured too)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{explainText, explainMarkdown, explainJSON}, cobra.ShellCompDirectiveNoFileComp))
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
	case explainText, explainMarkdown, explainJSON:
	default:
		return usageErr("--output %q: explain prints %s, %s or (for an error text) %s", opts.Output, explainText, explainMarkdown, explainJSON)
	}
	var md string
	switch {
	case opts.FromStdin:
		text, err := readErrorText(deps.In)
		if err != nil {
			return err
		}
		return explainError(opts, format, text)
	case opts.Error != "":
		return explainError(opts, format, opts.Error)
	default:
		doc, isDoc, err := explainMarkdownOf(opts.Arg)
		if err != nil {
			return err
		}
		if !isDoc {
			return explainError(opts, format, opts.Arg)
		}
		if format == explainJSON {
			return usageErr("--output %q: explain prints a check or topic as %s or %s; %s is for an error text", opts.Output, explainText, explainMarkdown, explainJSON)
		}
		md = doc
	}
	return printMarkdown(deps, format, opts.NoColor, md)
}

func printMarkdown(deps Deps, format string, noColor bool, md string) error {
	if format == explainText {
		md = report.Terminal(md, deps.termWidth(), deps.color(noColor))
	}
	_, err := fmt.Fprint(deps.Out, md)
	return err
}

// readErrorText reads `explain -`'s standard input and keeps its last
// symptom.MaxInput bytes (the catalogue reads no more): in a log, the
// error that matters is usually the last.
func readErrorText(in io.Reader) (string, error) {
	if in == nil {
		return "", usageErr("explain -: no standard input")
	}
	var tail tailBuffer
	if _, err := io.Copy(&tail, in); err != nil {
		return "", fmt.Errorf("explain -: read standard input: %w", err)
	}
	text := string(tail.b)
	if strings.TrimSpace(text) == "" {
		return "", usageErr("explain -: standard input is empty; pipe the error text in (kubectl logs POD | irsa-doctor explain -)")
	}
	return text, nil
}

// tailBuffer keeps the last symptom.MaxInput bytes written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) >= symptom.MaxInput {
		t.b = append(t.b[:0], p[len(p)-symptom.MaxInput:]...)
		return n, nil
	}
	if over := len(t.b) + len(p) - symptom.MaxInput; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	t.b = append(t.b, p...)
	return n, nil
}

// checkIDRE is what reads as a check ID, known or not.
var checkIDRE = regexp.MustCompile(`(?i)^IRSA\d+$`)

// explainMarkdownOf is the Markdown document arg names: a check (by ID or
// slug) or the sdk-versions topic. isDoc is false for an error text: more
// than one word, and not shaped like a check ID. One word that is none of
// these is a usage error naming the nearest ID or slug.
func explainMarkdownOf(arg string) (md string, isDoc bool, err error) {
	name := strings.TrimSpace(arg)
	if strings.EqualFold(name, sdkVersionsTopic) {
		d, err := sdk.Load()
		if err != nil {
			return "", true, fmt.Errorf("explain sdk-versions: %w", err)
		}
		return d.Markdown(), true, nil
	}
	if c := check.ByIDOrSlug(name); c != nil {
		return check.Explain(c), true, nil
	}
	if !checkIDRE.MatchString(name) && strings.ContainsFunc(name, isSpace) {
		return "", false, nil
	}
	hint := ""
	if near := nearestCheck(name); near != nil {
		hint = fmt.Sprintf(": did you mean %s (%s)?", near.ID, near.Slug)
	}
	return "", true, usageErr("explain: unknown check %q%s (see 'irsa-doctor checks'; to explain an error, give its whole text in quotes)", arg, hint)
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// nearestCheck is the check whose ID or slug is nearest to name by edit
// distance (case-insensitive), the first in the registry on a tie.
func nearestCheck(name string) *check.Check {
	name = strings.ToLower(name)
	const max = 64
	var best *check.Check
	bestD := max + 1
	for _, c := range check.All {
		for _, s := range []string{strings.ToLower(c.ID), c.Slug} {
			if d := policy.OSADistance(name, s, max); d < bestD {
				best, bestD = c, d
			}
		}
	}
	return best
}

// errorExplanation is `explain "ERROR TEXT" -o json` (docs/contract.md).
type errorExplanation struct {
	SchemaVersion int                  `json:"schemaVersion"`
	Error         explainedError       `json:"error"`
	Candidates    []explainedCandidate `json:"candidates"`
	Capture       []string             `json:"capture"`
}

type explainedError struct {
	Text      string            `json:"text"`
	Signature string            `json:"signature"`
	Fields    map[string]string `json:"fields"`
}

type explainedCandidate struct {
	CheckID string `json:"checkId"`
	Slug    string `json:"slug"`
	Title   string `json:"title"`
	Why     string `json:"why"`
}

// maxCandidates is the most candidates explain names (docs/contract.md).
const maxCandidates = 4

// explainError matches text against the catalogue and prints the best
// match; no match prints one line on stderr and exits 1.
func explainError(opts *ExplainOptions, format, text string) error {
	deps := opts.Deps
	cat, err := symptom.Load()
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	ms := cat.Match(text)
	if len(ms) == 0 {
		line := "explain: not a known IRSA or credentials error"
		if s := cat.Closest(text); s != nil {
			line += fmt.Sprintf(" (closest signature: %s, %q)", s.ID, s.Title)
		}
		if deps.ErrOut != nil {
			fmt.Fprintln(deps.ErrOut, "irsa-doctor: "+termsafe.Escape(line))
		}
		return errFindings
	}
	best := ms[0]
	doc := errorExplanation{
		SchemaVersion: 1,
		Error:         explainedError{Text: best.Line, Signature: best.Signature.ID, Fields: best.Fields},
		Candidates:    []explainedCandidate{},
		Capture:       best.Signature.Commands(best.Fields, finding.Quote),
	}
	for _, c := range best.Signature.Candidates {
		if len(doc.Candidates) == maxCandidates {
			break
		}
		ch := check.ByIDOrSlug(c.Check)
		if ch == nil {
			continue // TestCatalogValid keeps this from happening
		}
		doc.Candidates = append(doc.Candidates, explainedCandidate{CheckID: ch.ID, Slug: ch.Slug, Title: ch.Title, Why: c.Why})
	}
	if format == explainJSON {
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(deps.Out, "%s\n", b)
		return err
	}
	return printMarkdown(deps, format, opts.NoColor, errorMarkdown(doc, best, ms[1:]))
}

// errorMarkdown is the text and Markdown form of an explained error.
// Everything from the input is escaped (termsafe) and put in code.
func errorMarkdown(doc errorExplanation, best symptom.Match, others []symptom.Match) string {
	var b strings.Builder
	s := best.Signature
	fmt.Fprintf(&b, "# %s\n\n", s.Title)
	b.WriteString(fence(termsafe.Lines(doc.Error.Text), ""))
	fmt.Fprintf(&b, "\nSignature `%s`", s.ID)
	if len(doc.Error.Fields) > 0 {
		names := make([]string, 0, len(doc.Error.Fields))
		for n := range doc.Error.Fields {
			names = append(names, n)
		}
		sort.Strings(names)
		b.WriteString("; the text carries ")
		for i, n := range names {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %s", n, inlineCode(termsafe.Escape(doc.Error.Fields[n])))
		}
	}
	b.WriteString(".\n\n## What it means\n\n")
	b.WriteString(strings.TrimSpace(s.Means) + "\n\n")
	b.WriteString("## Checks that can cause it, most likely first\n\n")
	if len(doc.Candidates) == 0 {
		b.WriteString("None of irsa-doctor's checks: the cause is outside what it reads (see above).\n\n")
	}
	for i, c := range doc.Candidates {
		fmt.Fprintf(&b, "%d. **%s** `%s`: %s.\n   The check: %s (`irsa-doctor explain %s`).\n", i+1, c.CheckID, c.Slug, c.Why, c.Title, c.CheckID)
	}
	if len(doc.Candidates) > 0 {
		b.WriteString("\n")
	}
	if len(doc.Capture) > 0 {
		b.WriteString("## What to capture\n\n")
		b.WriteString("Run these (an upper-case word is a placeholder to fill in)")
		if len(doc.Candidates) > 0 {
			b.WriteString(", save the outputs to files of one folder and run `irsa-doctor analyze FOLDER`:")
			b.WriteString(" the candidate that fails there is the cause")
		}
		b.WriteString(".\n\n")
		b.WriteString(fence(termsafe.Lines(strings.Join(doc.Capture, "\n")), "sh"))
		b.WriteString("\n")
	}
	if len(others) > 0 {
		b.WriteString("## Also matched\n\n")
		for _, m := range others {
			fmt.Fprintf(&b, "- `%s`: %s\n", m.Signature.ID, m.Signature.Title)
		}
		b.WriteString("\n")
	}
	b.WriteString("## Sources\n\n")
	for _, u := range s.Sources {
		fmt.Fprintf(&b, "- <%s>\n", u)
	}
	return b.String()
}

// fence is a fenced code block around text, its fence longer than any
// run of backticks inside.
func fence(text, lang string) string {
	f := "```"
	for strings.Contains(text, f) {
		f += "`"
	}
	return f + lang + "\n" + strings.TrimRight(text, "\n") + "\n" + f + "\n"
}

// inlineCode is a code span around text, its delimiter longer than any
// run of backticks inside.
func inlineCode(text string) string {
	d := "`"
	for strings.Contains(text, d) {
		d += "`"
	}
	pad := ""
	if strings.HasPrefix(text, "`") || strings.HasSuffix(text, "`") {
		pad = " "
	}
	return d + pad + text + pad + d
}
