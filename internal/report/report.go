package report

import (
	"fmt"
	"io"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// Format is an output format (the -o/--output flag).
type Format string

const (
	// FormatText is the report for a human in a terminal (the default).
	FormatText Format = "text"
	// FormatJSON is the versioned document of docs/contract.md.
	FormatJSON Format = "json"
	// FormatHTML is one self-contained HTML file: summary, chain diagrams,
	// findings with copyable fixes, filters (html.go).
	FormatHTML Format = "html"
)

// Formats lists the accepted formats, in the order help text names them.
var Formats = []Format{FormatText, FormatJSON, FormatHTML}

// Options say how to render.
type Options struct {
	Format Format
	// Color enables ANSI colour and Unicode marks; the CLI decides it (TTY,
	// NO_COLOR, --no-color). Without it the text report is ASCII only.
	Color bool
	// ShowPassed shows passed findings in the text report. The CLI already
	// dropped them from Result.Findings when it is false.
	ShowPassed bool
}

// ParseFormat parses the value of -o/--output.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if Format(s) == f {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown output format %q (want text or json)", s)
}

// Write renders r to w. An empty Format means text.
func Write(w io.Writer, r *finding.Result, opts Options) error {
	if r == nil {
		return fmt.Errorf("render report: no result")
	}
	switch opts.Format {
	case FormatText, "":
		return writeText(w, r, opts)
	case FormatJSON:
		return writeJSON(w, r)
	case FormatHTML:
		return writeHTML(w, r, opts)
	}
	return fmt.Errorf("render report: unknown output format %q (want text or json)", opts.Format)
}
