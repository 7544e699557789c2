// Package report renders a finding.Result for people and programs: the text
// report a user reads in a terminal, and the JSON document of CONTRACT.md
// ("-o json"). Renderers are pure functions of the result: they perform no
// I/O besides writing to the given writer, read no clock and no environment
// (the CLI decides colour).
//
// It must import nothing from this module but internal/finding.
package report
