package cli

import (
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/report"
)

// targetFlags are the same on analyze, scan and dump (docs/contract.md).
type targetFlags struct {
	Pods            []string
	ServiceAccounts []string
	Workloads       []string
	Namespace       string
	AllNamespaces   bool
}

func (f *targetFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.Pods, "pod", nil, "diagnose the pod NS/NAME (repeatable)")
	fl.StringArrayVar(&f.ServiceAccounts, "service-account", nil, "diagnose the ServiceAccount NS/NAME and what runs as it (repeatable)")
	fl.StringArrayVar(&f.Workloads, "workload", nil, "diagnose the workload KIND/NS/NAME, e.g. deployment/payments/api (repeatable)")
	fl.StringVarP(&f.Namespace, "namespace", "n", "", "only this namespace")
	fl.BoolVarP(&f.AllNamespaces, "all-namespaces", "A", false, "every namespace")
}

// selector turns the flags into a model.Selector; errors name the flag.
func (f *targetFlags) selector() (model.Selector, error) {
	return f.selectorWithDefault(f.Namespace)
}

// selectorWithDefault is selector with defaultNS for names given without a
// namespace (scan: the kubeconfig context's namespace, as kubectl does).
func (f *targetFlags) selectorWithDefault(defaultNS string) (model.Selector, error) {
	var sel model.Selector
	if f.Namespace != "" && f.AllNamespaces {
		return sel, usageErr("--namespace and --all-namespaces cannot be used together")
	}
	if f.Namespace != "" {
		sel.Namespaces = []string{f.Namespace}
	}
	for _, p := range f.Pods {
		nn, err := namespacedName("--pod", p, defaultNS)
		if err != nil {
			return sel, err
		}
		sel.Pods = append(sel.Pods, nn)
	}
	for _, p := range f.ServiceAccounts {
		nn, err := namespacedName("--service-account", p, defaultNS)
		if err != nil {
			return sel, err
		}
		sel.SAs = append(sel.SAs, nn)
	}
	for _, w := range f.Workloads {
		parts := strings.Split(w, "/")
		if len(parts) == 2 && defaultNS != "" {
			parts = []string{parts[0], defaultNS, parts[1]}
		}
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			return sel, usageErr("--workload %q: want KIND/NAMESPACE/NAME, e.g. deployment/payments/api", w)
		}
		kind, ok := model.WorkloadKind(parts[0])
		if !ok {
			return sel, usageErr("--workload %q: unknown kind %q (want one of %s)", w, parts[0], model.WorkloadKindNames)
		}
		sel.Workloads = append(sel.Workloads, model.WorkloadRef{Kind: kind, Namespace: parts[1], Name: parts[2]})
	}
	return sel, nil
}

func namespacedName(flag, v, defaultNS string) (model.NamespacedName, error) {
	ns, name, ok := strings.Cut(v, "/")
	if !ok {
		if defaultNS == "" {
			return model.NamespacedName{}, usageErr("%s %q: want NAMESPACE/NAME (or give -n NAMESPACE)", flag, v)
		}
		ns, name = defaultNS, v
	}
	if ns == "" || name == "" || strings.Contains(name, "/") {
		return model.NamespacedName{}, usageErr("%s %q: want NAMESPACE/NAME", flag, v)
	}
	return model.NamespacedName{Namespace: ns, Name: name}, nil
}

// outputFlags are the report flags shared by analyze and scan.
type outputFlags struct {
	Output     string
	ShowPassed bool
	Verbose    bool
	FailOn     string
	Checks     string
	NoColor    bool
	FixDir     string
	Ignore     []string
	IgnoreFile string
	// Can are the --can questions, ACTION[=RESOURCE] (policy.ParseQuestion).
	Can []string
}

func (f *outputFlags) register(cmd *cobra.Command) {
	registerOutput(cmd, &f.Output)
	fl := cmd.Flags()
	fl.BoolVar(&f.ShowPassed, "show-passed", false, "also list the healthy targets and the checks that passed")
	fl.BoolVarP(&f.Verbose, "verbose", "v", false, "also list the checks a failure blocked, ignored findings, each target's chain and the remediations")
	fl.StringVar(&f.FailOn, "fail-on", string(finding.SeverityError), "exit 1 when a finding fails at or above: "+orList(failOnValues()))
	fl.StringVar(&f.Checks, "checks", "", "comma-separated check IDs or slugs to run; a '-' prefix excludes (--checks -IRSA207)")
	fl.BoolVar(&f.NoColor, "no-color", false, "no colour even on a terminal (NO_COLOR is honoured too)")
	fl.StringVar(&f.FixDir, "fix-dir", "", "write the fixes' files (corrected trust policies) and fix.sh with their commands into this folder")
	fl.StringArrayVar(&f.Ignore, "ignore", nil, "report the failures of CHECK (ID or slug) as ignored, everywhere or only about KIND/NS/NAME (KIND/NAME for iamrole, oidcprovider): CHECK[:KIND/NS/NAME] (repeatable)")
	fl.StringArrayVar(&f.Can, "can", nil, "ask whether each container's IAM role may do ACTION[=RESOURCE], e.g. s3:GetObject=arn:aws:s3:::invoices/* (repeatable; needs the role's policies: list-attached-role-policies, get-policy-version, list-role-policies, get-role-policy)")
	fl.StringVar(&f.IgnoreFile, "ignore-file", "", "YAML file of suppressions, each with check, reason, and optionally object and expires (docs/contract.md)")
	_ = cmd.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions(failOnValues(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("checks", completeChecks)
}

func (f *outputFlags) format() (report.Format, error) { return parseFormat(f.Output) }

// The output formats are report.Formats (checksFormats for `checks`),
// and nothing else lists them: the -o/--output flag's help, its
// validation and its shell completion all read them from there.

// formatNames are formats as strings (report.Formats when none is given).
func formatNames(formats ...report.Format) []string {
	if len(formats) == 0 {
		formats = report.Formats
	}
	names := make([]string, 0, len(formats))
	for _, f := range formats {
		names = append(names, string(f))
	}
	return names
}

// registerOutput adds -o/--output to cmd, with its completion; formats
// are report.Formats when none is given.
func registerOutput(cmd *cobra.Command, dst *string, formats ...report.Format) {
	names := formatNames(formats...)
	cmd.Flags().StringVarP(dst, "output", "o", string(report.FormatText), "output format: "+orList(names))
	// The error is for a flag that does not exist; it was just added.
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(names, cobra.ShellCompDirectiveNoFileComp))
}

// parseFormat validates the value of -o/--output against formats
// (report.Formats when none is given).
func parseFormat(s string, formats ...report.Format) (report.Format, error) {
	names := formatNames(formats...)
	for _, n := range names {
		if s == n {
			return report.Format(n), nil
		}
	}
	return "", usageErr("--output %q: want %s", s, orList(names))
}

// orList joins values for help and messages: "a", "a or b", "a, b or c".
func orList(values []string) string {
	if len(values) <= 1 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}

// failOnNone is the --fail-on value that never fails.
const failOnNone = "none"

// failOnValues are the values of --fail-on: finding.Severities and none.
func failOnValues() []string {
	var out []string
	for _, s := range finding.Severities {
		out = append(out, string(s))
	}
	return append(out, failOnNone)
}

// failOn parses --fail-on; "" means none.
func (f *outputFlags) failOn() (finding.Severity, error) {
	if f.FailOn == failOnNone {
		return "", nil
	}
	s, err := finding.ParseSeverity(f.FailOn)
	if err != nil {
		return "", usageErr("--fail-on %q: want %s", f.FailOn, orList(failOnValues()))
	}
	return s, nil
}

// selectChecks applies --checks to the registry.
func selectChecks(list string) ([]*check.Check, error) {
	list = strings.TrimSpace(list)
	if list == "" {
		return check.All, nil
	}
	include := map[string]bool{}
	exclude := map[string]bool{}
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		neg := strings.HasPrefix(item, "-")
		c := check.ByIDOrSlug(strings.TrimPrefix(item, "-"))
		if c == nil {
			return nil, usageErr("--checks: unknown check %q (see 'irsa-doctor checks')", strings.TrimPrefix(item, "-"))
		}
		if neg {
			exclude[c.ID] = true
		} else {
			include[c.ID] = true
		}
	}
	var out []*check.Check
	for _, c := range check.All {
		if len(include) > 0 && !include[c.ID] {
			continue
		}
		if exclude[c.ID] {
			continue
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, usageErr("--checks %q selects no check: every check it names is also excluded", list)
	}
	return out, nil
}

// reportOptions are the report's options from the output flags and the
// terminal: its width (COLUMNS first, as ls and kubectl honour it) and
// whether its locale can show ✓ ✗ (LC_ALL, else LC_CTYPE, else LANG
// naming UTF-8; none set is the C locale: ASCII).
func (d Deps) reportOptions(f *outputFlags, format report.Format) report.Options {
	getenv := d.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	width := d.termWidth()
	locale := ""
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := getenv(k); v != "" {
			locale = v
			break
		}
	}
	l := strings.ToLower(locale)
	utf8 := strings.Contains(l, "utf-8") || strings.Contains(l, "utf8")
	return report.Options{Format: format, Color: d.color(f.NoColor), ShowPassed: f.ShowPassed, Verbose: f.Verbose, Width: width, ASCII: !utf8, Program: d.name()}
}

// termWidth is the width output is laid out for: COLUMNS (as ls and
// kubectl honour it), else the terminal's, else 0 (the report's default,
// 100 columns).
func (d Deps) termWidth() int {
	if d.Getenv != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(d.Getenv("COLUMNS"))); err == nil && n > 0 {
			return n
		}
	}
	return d.OutWidth
}

func (d Deps) color(noColor bool) bool {
	if noColor || !d.OutIsTerminal {
		return false
	}
	if d.Getenv != nil && d.Getenv("NO_COLOR") != "" {
		return false
	}
	return true
}

// questions parses --can; a bad value is a usage error with
// policy.ParseQuestion's one-line message.
func (f *outputFlags) questions() ([]policy.Question, error) {
	var out []policy.Question
	for _, v := range f.Can {
		q, err := policy.ParseQuestion(v)
		if err != nil {
			return nil, usageErr("--can: %v", err)
		}
		if !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	return out, nil
}

// requireFlag makes each of dependents a usage error unless the boolean
// flag named on (whose value *set holds) is given too: `--since` means
// nothing without `--cloudtrail`, and silently ignoring it would hide a
// mistyped command line.
func requireFlag(cmd *cobra.Command, set *bool, on string, dependents ...string) {
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if !*set {
			for _, name := range dependents {
				if c.Flags().Changed(name) {
					return usageErr("--%s needs --%s (see '%s --help')", name, on, c.CommandPath())
				}
			}
		}
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
}
