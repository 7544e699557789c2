package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Deps are the program's outside world, injected so tests run in memory.
type Deps struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// OutIsTerminal reports whether Out is a terminal (colour, icons);
	// ErrIsTerminal whether ErrOut is (progress).
	OutIsTerminal bool
	ErrIsTerminal bool
	// OutWidth is Out's width in columns when it is a terminal, else 0;
	// COLUMNS in the environment comes first (termWidth).
	OutWidth int
	// Live reaches the cluster and AWS (scan, dump).
	Live   LiveDeps
	Getenv func(string) string
	Now    func() time.Time
	// Version is the one in reports (tool.version) and --version;
	// Build, when set, is what `version` prints (see version.go).
	Version string
	Build   *BuildInfo
	// Argv0 is the program's path as run (os.Args[0]): run as
	// kubectl-irsa, it is the kubectl plugin (plugin.go).
	Argv0 string
}

// SystemDeps wires the real process streams.
func SystemDeps() Deps {
	b := systemBuildInfo()
	return Deps{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutIsTerminal: term.IsTerminal(int(os.Stdout.Fd())),
		ErrIsTerminal: term.IsTerminal(int(os.Stderr.Fd())),
		OutWidth:      stdoutWidth(),
		Live:          systemLiveDeps(),
		Getenv:        os.Getenv,
		Now:           time.Now,
		Version:       b.Version,
		Build:         &b,
		Argv0:         os.Args[0],
	}
}

// stdoutWidth is the terminal's width, 0 when stdout is not one.
func stdoutWidth() int {
	w, _, err := term.GetSize(int(os.Stdout.Fd()))
	if err != nil {
		return 0
	}
	return w
}

// Main runs the program and returns its exit code.
func Main(args []string, deps Deps) (code int) {
	defer func() {
		// A panic is a bug; still, never print a stack trace to a user.
		if r := recover(); r != nil {
			fmt.Fprintf(deps.ErrOut, "irsa-doctor: internal error: %v (please report this with the input that caused it)\n", r)
			code = ExitError
		}
	}()
	root := NewCmdRoot(deps)
	hint := renamer(root, deps.name())
	root.SetArgs(args)
	root.SetIn(deps.In)
	root.SetOut(deps.Out)
	root.SetErr(deps.ErrOut)
	err := root.Execute()
	code = exitCode(err)
	// Exit 1 has nothing to add: the report says why.
	if err != nil && code != ExitFindings {
		fmt.Fprintf(deps.ErrOut, "irsa-doctor: %s\n", hint(oneLine(err.Error())))
	}
	return code
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(deps Deps) *cobra.Command {
	root := &cobra.Command{
		Use:   "irsa-doctor",
		Short: "Diagnose why an EKS pod cannot use its IAM role (IRSA), and how to fix it",
		Long: `irsa-doctor walks the IRSA chain - Pod, ServiceAccount, webhook mutation, projected
token, IAM role trust policy, IAM OIDC provider, cluster issuer - and reports each link as
pass, fail or unknown, with the evidence compared and a fix to paste.

Offline, it reads a folder of ordinary 'kubectl get -o json|yaml' and 'aws ... --output json'
files (irsa-doctor analyze DIR).`,
		Version:       deps.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("irsa-doctor {{.Version}}\n")
	// --version has no shorthand: -v is --verbose on the subcommands, as
	// in kubectl (cobra would otherwise take -v for the version).
	root.Flags().Bool("version", false, "print the version")
	// cobra's usage errors are typed where cobra raises them, never told
	// by their text: flag errors through the flag error function, argument
	// counts through every command's Args (markUsageErrors), an unknown
	// command through the root's Args (cobra's own check is skipped once
	// the root has Args, and a root runs its Args only if it runs: it
	// shows the help).
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("%s (see '%s --help')", err.Error(), c.CommandPath())
	})
	root.Args = unknownCommand
	root.SuggestionsMinimumDistance = 2 // cobra's default, which SuggestionsFor does not apply
	root.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	root.AddCommand(
		NewCmdAnalyze(deps, nil),
		NewCmdScan(deps, nil),
		NewCmdDump(deps, nil),
		NewCmdServe(deps, nil),
		NewCmdChecks(deps),
		NewCmdExplain(deps),
		NewCmdVersion(deps),
	)
	// cobra adds these at Execute; added now, their Args are marked too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	markUsageErrors(root)
	rename(root, deps.name())
	return root
}
