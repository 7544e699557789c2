// Package report renders a finding.Result for people and programs: the text
// report a user reads in a terminal, the JSON document of docs/contract.md
// ("-o json"), the same document as YAML ("-o yaml"), a report for a
// ticket ("-o markdown", mdreport.go; markdown.go is the other way round,
// Markdown rendered for a terminal) and a SARIF 2.1.0 log for code
// scanning ("-o sarif", docs/formats.md; the check registry reaches it as
// Options.Rules). Renderers are pure functions of the result: they perform
// no I/O besides writing to the given writer, read no clock and no
// environment (the CLI decides colour).
//
// Bundles are untrusted: every value from the input is escaped with
// internal/termsafe before the text report prints it, and the JSON document
// escapes the C1 and format characters the encoder would write raw; the YAML
// document is written by its own emitter, which escapes them all too, and
// the Markdown report escapes every value for the terminal, then for
// Markdown. The painter's colours are the only escape sequences the report
// prints.
//
// It must import nothing from this module but internal/finding and
// internal/termsafe.
package report
