package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes (docs/contract.md "Exit codes").
const (
	ExitOK = 0
	// ExitFindings: a fail at or above --fail-on.
	ExitFindings = 1
	// ExitUsage: a usageError, from cobra (an unknown flag or command, a
	// wrong number of arguments) or from a command (a bad flag value, a
	// missing or unreadable PATH, several clusters without --cluster).
	ExitUsage = 2
	// ExitError: any other error, such as nothing usable in the input or
	// an API server or AWS that cannot be reached.
	ExitError = 3
)

// usageError is a mistake in how irsa-doctor was called: exit 2. Every
// other error a command returns exits 3.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usageErr formats a usage error; its message names the flag or argument
// and what to give instead.
func usageErr(format string, a ...any) error {
	return &usageError{err: fmt.Errorf(format, a...)}
}

// errFindings is exit 1. Main prints nothing for it: the report says why.
var errFindings = errors.New("a finding fails at or above --fail-on")

// exitCode maps what a command returned to the exit code.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errFindings):
		return ExitFindings
	case errors.As(err, &ue):
		return ExitUsage
	}
	return ExitError
}

// usageArgs makes the errors of an Args validator usage errors (cobra's
// own validators, such as cobra.NoArgs, return plain errors).
func usageArgs(validate cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		err := validate(cmd, args)
		var ue *usageError
		if err == nil || errors.As(err, &ue) {
			return err
		}
		return usageErr("%v (see '%s --help')", err, cmd.CommandPath())
	}
}

// markUsageErrors wraps the Args validator of c and of every command below
// it with usageArgs.
func markUsageErrors(c *cobra.Command) {
	if c.Args != nil {
		c.Args = usageArgs(c.Args)
	}
	for _, sub := range c.Commands() {
		markUsageErrors(sub)
	}
}

// unknownCommand is the root's Args: a word that names no command. It is
// what cobra says for a root that does not run, with its suggestions.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usageErr("%s (see '%s --help')", msg, cmd.CommandPath())
}
