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
	// FormatSARIF is a SARIF 2.1.0 log for code-scanning UIs (sarif.go).
	FormatSARIF Format = "sarif"
)

// Formats lists the accepted formats, in the order help text names them.
var Formats = []Format{FormatText, FormatJSON, FormatSARIF}

// Options say how to render.
type Options struct {
	Format Format
	// Color enables ANSI colour and Unicode marks; the CLI decides it (TTY,
	// NO_COLOR, --no-color). Without it the text report is ASCII only.
	Color bool
	// ShowPassed shows passed findings in the text report. The CLI already
	// dropped them from Result.Findings when it is false.
	ShowPassed bool
	// Rules describe the registry's checks for -o sarif (one SARIF rule
	// each). report does not import internal/check, so the CLI fills them
	// from check.All; other formats ignore them.
	Rules []Rule
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
	case FormatJSON:
		return writeJSON(w, r)
	case FormatSARIF:
		return writeSARIF(w, r, opts)
	}
	return fmt.Errorf("render report: unknown output format %q (want %s)", opts.Format, formatList())
}

// formatList names Formats for an error: "text, json or sarif".
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
