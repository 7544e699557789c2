package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// Bundles and clusters are untrusted (docs/contract.md#fixes): a file name, a
// cluster name or an API error can hold control characters. Every line the
// commands write to stderr escapes what came from outside with
// termsafe.Escape; the errors they return are escaped here, once, before
// Main prints them (termSafeErr), so that no error path can forget.

// termSafeErr returns err with its text on one line and escaped for a
// terminal, keeping its exit code and its chain (errors.Is and As still
// see the original).
func termSafeErr(err error) error {
	if err == nil || errors.Is(err, errFindings) {
		return err
	}
	// escapedError unwraps to err: exitCode still finds a usageError.
	return escapedError{err}
}

// escapedError shows err's text on one line (as Main prints it) with its
// control characters escaped. Line breaks and tabs are the layout of
// multi-line error texts, and become spaces; any other control character
// (a CR, a C1 NEL) shows as its escape, rather than vanishing into a space.
type escapedError struct{ err error }

func (e escapedError) Error() string {
	words := strings.FieldsFunc(e.err.Error(), func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' })
	return termsafe.Escape(strings.Join(words, " "))
}

func (e escapedError) Unwrap() error { return e.err }

// warningPrinter prints the API server's warnings (HTTP Warning headers:
// deprecations, admission webhooks' warnings on the probe's dry runs) on
// stderr, escaped and once each, instead of client-go's default, which
// logs them raw through klog.
type warningPrinter struct {
	w io.Writer
	// terminal: the progress line may be showing; the warning replaces it
	// (progress redraws itself on its next update).
	terminal bool
	mu       sync.Mutex
	seen     map[string]bool
}

func newWarningPrinter(w io.Writer, terminal bool) *warningPrinter {
	return &warningPrinter{w: w, terminal: terminal, seen: map[string]bool{}}
}

// HandleWarningHeaderWithContext implements rest.WarningHandlerWithContext.
// Only code 299 carries a warning meant for the user (RFC 7234 5.5; what
// client-go's own handlers print).
func (p *warningPrinter) HandleWarningHeaderWithContext(_ context.Context, code int, _ string, text string) {
	if code != 299 || text == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen[text] {
		return
	}
	p.seen[text] = true
	clear := ""
	if p.terminal {
		clear = "\r\033[K"
	}
	fmt.Fprintf(p.w, "%sirsa-doctor: warning from the API server: %s\n", clear, termsafe.Escape(text))
}
