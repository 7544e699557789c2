// Package report renders a finding.Result for people and programs: the text
// report a user reads in a terminal, the JSON document of docs/contract.md
// ("-o json"), the same document as YAML ("-o yaml"), a report for a
// ticket ("-o markdown", mdreport.go; markdown.go is the other way round,
// Markdown rendered for a terminal), a SARIF 2.1.0 log for code scanning
// ("-o sarif", docs/formats.md; the check registry reaches it as
// Options.Rules) and a self-contained HTML page ("-o html": html.go, its
// template, stylesheet and script embedded). Renderers are pure functions
// of the result: they perform no I/O besides writing to the given writer,
// read no clock and no environment (the CLI decides colour).
//
// Bundles are untrusted: every value from the input is escaped with
// internal/termsafe before the text report prints it, and the JSON document
// escapes the C1 and format characters the encoder would write raw; the YAML
// document is written by its own emitter, which escapes them all too, the
// Markdown report escapes every value for the terminal, then for Markdown,
// and the HTML page escapes every value with html/template after termsafe.
// The painter's colours are the only escape sequences the report prints.
//
// It must import nothing from this module but internal/finding and
// internal/termsafe (its external tests run internal/cli to render the
// bundled examples as a user gets them).
package report
