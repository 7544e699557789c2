// Package termsafe makes text that comes from the input (bundle files,
// the cluster, AWS answers, error texts) safe to print on a terminal: every
// character a terminal acts on rather than shows is replaced by a visible
// escape, so that a name, an annotation value or a policy string cannot
// clear the screen (ESC [ 2 J), write the clipboard (OSC 52), plant a link
// (OSC 8), overwrite a line (CR) or reorder what is read (bidi overrides).
//
// The report's text renderer, the JSON renderer and every line the CLI
// writes to stderr use it. It imports nothing from this module.
package termsafe
