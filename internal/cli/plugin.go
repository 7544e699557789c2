package cli

import (
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
)

// The program's own name, and the name kubectl runs it by as a plugin:
// `kubectl irsa ARGS` executes the first kubectl-irsa on PATH with ARGS
// (https://kubernetes.io/docs/tasks/extend-kubectl/kubectl-plugins/).
const (
	programName = "irsa-doctor"
	pluginFile  = "kubectl-irsa"
	pluginName  = "kubectl irsa"
)

// displayName is the one place that decides how help, examples and error
// hints name the program: "kubectl irsa" when the binary runs as
// kubectl-irsa (kubectl-irsa.exe on Windows), else "irsa-doctor".
func displayName(argv0 string) string {
	base := filepath.Base(strings.ReplaceAll(argv0, `\`, "/"))
	if strings.TrimSuffix(base, ".exe") == pluginFile {
		return pluginName
	}
	return programName
}

// name is the program's display name for these Deps (Argv0).
func (d Deps) name() string { return displayName(d.Argv0) }

// renamer rewrites the command lines the text shows, "irsa-doctor
// analyze DIR", to the display name, "kubectl irsa analyze DIR"; the
// product's name elsewhere ("irsa-doctor walks the IRSA chain", the
// irsa-doctor-reader ClusterRole, the irsa-doctor.io/ignore annotation)
// is left alone: only the name followed by one of root's commands is a
// command line.
func renamer(root *cobra.Command, name string) func(string) string {
	if name == programName {
		return func(s string) string { return s }
	}
	var cmds []string
	for _, c := range root.Commands() {
		cmds = append(cmds, regexp.QuoteMeta(c.Name()))
	}
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(programName) + ` (` + strings.Join(cmds, "|") + `)\b`)
	return func(s string) string { return re.ReplaceAllString(s, name+" $1") }
}

// rename shows the display name in the help of root and its commands:
// their command path (cobra's display name annotation, which usage lines
// and "Use ... --help" read), Long and Example.
func rename(root *cobra.Command, name string) {
	if name == programName {
		return
	}
	if root.Annotations == nil {
		root.Annotations = map[string]string{}
	}
	root.Annotations[cobra.CommandDisplayNameAnnotation] = name
	r := renamer(root, name)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Long, c.Example = r(c.Long), r(c.Example)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
