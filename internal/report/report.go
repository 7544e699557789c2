package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// Format is an output format (the -o/--output flag).
type Format string

const (
	// FormatText is the report for a human in a terminal (the default).
	FormatText Format = "text"
	// FormatJSON is the versioned document of docs/contract.md.
	FormatJSON Format = "json"
	// FormatYAML is the JSON document as YAML (docs/json.md), for those who
	// read kubectl's -o yaml.
	FormatYAML Format = "yaml"
	// FormatMarkdown is the report for a ticket or a pull request comment.
	FormatMarkdown Format = "markdown"
	// FormatWide is the text report whose summary table adds the
	// namespace, ServiceAccount, role ARN and images, as kubectl's wide
	// output adds columns.
	FormatWide Format = "wide"
	// FormatSARIF is a SARIF 2.1.0 log for code-scanning UIs (sarif.go).
	FormatSARIF Format = "sarif"
	// FormatHTML is one self-contained HTML file: summary, chain diagrams,
	// findings with copyable fixes, filters (html.go).
	FormatHTML Format = "html"
)

// Formats lists the accepted formats, in the order help text names them.
var Formats = []Format{FormatText, FormatJSON, FormatYAML, FormatMarkdown, FormatSARIF, FormatHTML, FormatWide}

// Options say how to render.
type Options struct {
	Format Format
	// Color enables ANSI colour; the CLI decides it (TTY, NO_COLOR,
	// --no-color). Marks follow the locale (ASCII).
	Color bool
	// ShowPassed shows passed findings in the text report. The CLI already
	// dropped them from Result.Findings when it is false.
	ShowPassed bool
	// Verbose lists what the text report only counts: the checks a
	// failure blocked, ignored findings, each target's chain, remediations.
	Verbose bool
	// Width is the terminal's width in columns (COLUMNS, or the
	// terminal's); 0 means 100.
	Width int
	// ASCII: the locale does not name UTF-8, so link marks are P F ? -
	// and elisions "...", not ✓ ✗ ? – and "…".
	ASCII bool
	// Wide is set for FormatWide.
	Wide bool
	// Program is how the text report names the program in what it asks
	// the user to run: "kubectl irsa" when it runs as the kubectl plugin;
	// empty, "irsa-doctor".
	Program string
	// Rules describe the registry's checks for -o sarif (one SARIF rule
	// each). report does not import internal/check, so the CLI fills them
	// from check.All; other formats ignore them.
	Rules []Rule
	// cluster labels the report's tables with a CLUSTER column: set by
	// WriteClusters for each cluster's section.
	cluster string
}

// program is Program, or "irsa-doctor".
func (o Options) program() string {
	if o.Program == "" {
		return "irsa-doctor"
	}
	return o.Program
}

// width is Width, or 100 when unknown; never so narrow that nothing fits.
func (o Options) width() int {
	if o.Width <= 0 {
		return width
	}
	return max(o.Width, minWrap+20)
}

// ParseFormat parses the value of -o/--output.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if Format(s) == f {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown output format %q (want %s)", s, formatList())
}

// Write renders r to w. An empty Format means text.
func Write(w io.Writer, r *finding.Result, opts Options) error {
	if r == nil {
		return fmt.Errorf("render report: no result")
	}
	switch opts.Format {
	case FormatText, "":
		return writeText(w, r, opts)
	case FormatWide:
		opts.Wide = true
		return writeText(w, r, opts)
	case FormatJSON:
		return writeJSON(w, r)
	case FormatYAML:
		return writeYAML(w, r)
	case FormatMarkdown:
		return writeMarkdown(w, r, opts)
	case FormatSARIF:
		return writeSARIF(w, r, opts)
	case FormatHTML:
		return writeHTML(w, r, opts)
	}
	return fmt.Errorf("render report: unknown output format %q (want %s)", opts.Format, formatList())
}

// formatList names Formats for an error: "text, json or yaml".
func formatList() string {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
