// Package cli is the cobra command tree: global flags, the Deps wiring,
// one file per command, and the mapping of errors to exit codes
// (docs/contract.md: 2 usage, 3 any other error such as nothing usable, 1
// findings, 0 clean; errors.go).
// It is the only package that wires concrete readers and clients.
package cli
