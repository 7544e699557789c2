package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/collect/kube"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/gcpace"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/report"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/suppress"
	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// AnalyzeOptions are the inputs of `irsa-doctor analyze`.
type AnalyzeOptions struct {
	Deps    Deps
	Paths   []string
	Cluster string
	Targets targetFlags
	Output  outputFlags
}

// NewCmdAnalyze builds `analyze`; runF replaces the run function in tests.
func NewCmdAnalyze(deps Deps, runF func(context.Context, *AnalyzeOptions) error) *cobra.Command {
	opts := &AnalyzeOptions{Deps: deps}
	cmd := &cobra.Command{
		Use:   "analyze PATH...",
		Short: "Diagnose a bundle of kubectl and aws CLI output files (offline)",
		Long: `Diagnose a bundle: folders (read recursively), files, or - for standard input, holding
any mix of 'kubectl get -o json|yaml' and 'aws ... --output json' output, and the error
text those commands print. Files are recognised by content, never by name.`,
		Example: `  irsa-doctor analyze examples/trust-subject-mismatch
  kubectl get pods,sa -n payments -o json | irsa-doctor analyze - -o json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("analyze needs at least one PATH (a folder, a file, or - for standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return termSafeErr(analyzeRun(cmd.Context(), opts))
		},
	}
	opts.Targets.register(cmd)
	registerBundleCompletion(cmd)
	opts.Output.register(cmd)
	cmd.Flags().StringVar(&opts.Cluster, "cluster", "", "the EKS cluster to diagnose when the input describes several")
	return cmd
}

// batchHeap is the heap analyze and scan may grow to before the garbage
// collector takes Go's default pace (internal/gcpace): about what a
// 10,000-pod bundle allocates in all, so that it collects a few times
// instead of about ten, for 12-17% less CPU and 25-55 MB more peak
// memory (docs/performance.md, "Issue 14, step 3"). serve, which runs for
// days, keeps Go's defaults.
const batchHeap = 192 << 20

// runShare and maxExpected pace the collector by the input (gcpace.Expect):
// analyze lets the heap grow by three quarters of each file's size before
// its first collection, up to maxExpected in all. A run allocates about 0.7
// times the bytes it reads (88 MB for the 126 MB 10,000-pod bundle, about
// 850 MB for the 1.26 GB 100,000-pod one), a third of it the snapshot,
// live to the end: a collection marks all of that to return the little
// the checks have dropped since the last, and the 100,000-pod bundle took
// 2.68 s with two of them, 2.26 s with none, peaking at 731 and 879 MB
// (docs/performance.md, "Issue 14, step 5"). Past maxExpected the
// collector paces as gcpace does from its starting size, so a larger input
// peaks at about twice its live heap, as with Go's defaults.
const (
	runShare    = 0.75
	maxExpected = 768 << 20
)

// expectInput returns the bundle reader's Reading hook, which hands expect
// (gcpace.Expect) runShare of each file's size until maxExpected is
// handed in all. The reader calls it from several goroutines.
func expectInput(expect func(uint64) bool) func(size int64) {
	var handed atomic.Int64
	return func(size int64) {
		n := int64(float64(size) * runShare)
		if after := handed.Add(n); after > maxExpected {
			n -= min(n, after-maxExpected)
		}
		if n > 0 {
			expect(uint64(n))
		}
	}
}

func analyzeRun(ctx context.Context, opts *AnalyzeOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	diag, err := newDiagnosis(opts.Targets, opts.Output)
	if err != nil {
		return err
	}
	gcpace.Start(batchHeap, opts.Deps.Getenv)
	snap, err := bundle.Read(ctx, opts.Paths, bundle.Options{
		Stdin:   opts.Deps.In,
		Reading: expectInput(gcpace.Expect),
	})
	if err != nil {
		return usageErr("%v", err)
	}
	usable := 0
	for _, f := range snap.Files {
		// The reader's errors start with the file's path (and position).
		switch {
		case f.Error != "" && f.RecognisedAs != "":
			fmt.Fprintf(opts.Deps.ErrOut, "irsa-doctor: partly read: %s\n", termsafe.Escape(f.Error))
			usable++
		case f.Error != "":
			fmt.Fprintf(opts.Deps.ErrOut, "irsa-doctor: skipped %s\n", termsafe.Escape(f.Error))
		case f.RecognisedAs == "":
			fmt.Fprintf(opts.Deps.ErrOut, "irsa-doctor: skipped %s: not a kubectl or aws CLI output this tool recognises\n", termsafe.Escape(f.Path))
		default:
			usable++
		}
	}
	if usable == 0 {
		if len(snap.Files) == 0 {
			return fmt.Errorf("no files found in %s", strings.Join(opts.Paths, ", "))
		}
		return fmt.Errorf("nothing usable in %s: no file was recognised as kubectl or aws CLI output", strings.Join(opts.Paths, ", "))
	}
	if err := pickCluster(snap, opts.Cluster); err != nil {
		return err
	}
	if opts.Targets.Namespace != "" {
		placeManifests(snap, opts.Targets.Namespace)
	}
	return diag.run(opts.Deps, snap)
}

// placeManifests puts the namespaced objects that name no namespace in ns,
// as `kubectl apply -n NS` and `helm install -n NS` would: rendered
// manifests (`helm template`, `kustomize build`) usually leave
// metadata.namespace out, and kubectl's own output never does.
func placeManifests(snap *snapshot.Snapshot, ns string) {
	for _, p := range snap.Pods {
		if p.Namespace == "" {
			p.Namespace = ns
		}
	}
	for _, w := range snap.Workloads {
		if w.Namespace == "" {
			w.Namespace = ns
		}
	}
	for key, sa := range snap.ServiceAccounts {
		if sa.Namespace != "" {
			continue
		}
		if _, taken := snap.ServiceAccounts[snapshot.Key(ns, sa.Name)]; taken {
			continue // the captured object wins over the manifest
		}
		delete(snap.ServiceAccounts, key)
		sa.Namespace = ns
		snap.ServiceAccounts[snapshot.Key(ns, sa.Name)] = sa
	}
}

// pickCluster keeps the one cluster to diagnose (docs/contract.md: several
// clusters in the input without --cluster is a usage error).
func pickCluster(snap *snapshot.Snapshot, name string) error {
	if name != "" {
		var keep []*snapshot.Cluster
		var names []string
		for _, c := range snap.Clusters {
			names = append(names, c.Name)
			if c.Name == name || c.ARN == name {
				keep = append(keep, c)
			}
		}
		if len(keep) == 0 {
			if len(names) == 0 {
				return usageErr("--cluster %q: the input describes no EKS cluster (add 'aws eks describe-cluster --name %s --output json')", name, name)
			}
			return usageErr("--cluster %q: the input describes only %s", name, strings.Join(names, ", "))
		}
		snap.Clusters = keep[:1]
		return nil
	}
	distinct := map[string]bool{}
	for _, c := range snap.Clusters {
		distinct[c.ARN+"|"+c.Name] = true
	}
	if len(distinct) > 1 {
		var names []string
		for _, c := range snap.Clusters {
			names = append(names, c.Name)
		}
		return usageErr("the input describes several clusters (%s): choose one with --cluster NAME", strings.Join(names, ", "))
	}
	return nil
}

// diagnosis holds what both analyze and scan need to judge a snapshot.
type diagnosis struct {
	selector model.Selector
	checks   []*check.Check
	format   report.Format
	failOn   finding.Severity
	out      outputFlags
	// incomplete: a live collection cut short (liveResult.incomplete).
	incomplete string
	// ignore holds the rules of --ignore and --ignore-file, expired ones
	// too: run reports those when it has the clock.
	ignore []suppress.Rule
	// questions are the --can questions.
	questions []policy.Question
}

func newDiagnosis(t targetFlags, o outputFlags) (*diagnosis, error) {
	sel, err := t.selector()
	if err != nil {
		return nil, err
	}
	checks, err := selectChecks(o.Checks)
	if err != nil {
		return nil, err
	}
	format, err := o.format()
	if err != nil {
		return nil, err
	}
	failOn, err := o.failOn()
	if err != nil {
		return nil, err
	}
	ignore, err := o.ignoreRules()
	if err != nil {
		return nil, err
	}
	questions, err := o.questions()
	if err != nil {
		return nil, err
	}
	return &diagnosis{selector: sel, checks: checks, format: format, failOn: failOn, out: o, ignore: ignore, questions: questions}, nil
}

// ignoreRules parses --ignore and reads --ignore-file.
func (f *outputFlags) ignoreRules() ([]suppress.Rule, error) {
	var rules []suppress.Rule
	for _, v := range f.Ignore {
		r, err := suppress.ParseFlag(v)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		rules = append(rules, r)
	}
	if f.IgnoreFile == "" {
		return rules, nil
	}
	data, err := os.ReadFile(f.IgnoreFile)
	if err != nil {
		return nil, usageErr("--ignore-file %s: %v (give the path of a YAML file of suppressions)", f.IgnoreFile, errors.Unwrap(err))
	}
	fileRules, err := suppress.ParseFile(f.IgnoreFile, data)
	if err != nil {
		return nil, usageErr("--ignore-file %v", err)
	}
	return append(rules, fileRules...), nil
}

// suppress applies the suppressions to res: --ignore, --ignore-file (an
// expired entry is not applied, and said so on stderr: its finding fails
// again, and the warning tells why the run that passed yesterday fails
// today) and the irsa-doctor.io/ignore annotations of the snapshot.
func (d *diagnosis) suppress(deps Deps, snap *snapshot.Snapshot, res *finding.Result, now time.Time) {
	var active []suppress.Rule
	for _, r := range d.ignore {
		if r.Expired(now) {
			fmt.Fprintf(deps.ErrOut, "irsa-doctor: --ignore-file %s: the entry for %s expired on %s and is not applied (renew its expires date or remove it)\n",
				termsafe.Escape(r.Source), r.Check, r.Expires)
			continue
		}
		active = append(active, r)
	}
	annotated, warnings := suppress.Annotations(snap)
	for _, w := range warnings {
		fmt.Fprintf(deps.ErrOut, "irsa-doctor: %s\n", termsafe.Escape(w))
	}
	suppress.Apply(res, snap, append(active, annotated...))
}

// run judges the snapshot, renders the report and returns the exit status.
func (d *diagnosis) run(deps Deps, snap *snapshot.Snapshot) error {
	o, err := d.diagnose(deps, snap)
	if err != nil {
		return err
	}
	res := o.res
	ropts := deps.reportOptions(&d.out, d.format)
	if d.format == report.FormatSARIF {
		ropts.Rules = sarifRules()
	}
	if err := report.Write(deps.Out, res, ropts); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if d.out.FixDir != "" {
		n, err := writeFixDir(d.out.FixDir, res)
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintln(deps.ErrOut, "irsa-doctor: no fixes to write")
		} else {
			fmt.Fprintf(deps.ErrOut, "irsa-doctor: wrote %d files to %s (review fix.sh before running it)\n", n, termsafe.Escape(d.out.FixDir))
		}
	}
	return d.verdict(deps, o, "")
}

// outcome is one diagnosis: its document, and what besides the findings
// decides the exit code.
type outcome struct {
	res *finding.Result
	// undiagnosed counts the targets a collection cut short left
	// undiagnosed; cut names the Lists that did not finish.
	undiagnosed int
	cut         []string
}

// diagnose runs the checks on snap and builds the document.
func (d *diagnosis) diagnose(deps Deps, snap *snapshot.Snapshot) (*outcome, error) {
	if d.incomplete == "" {
		d.incomplete = incompleteOf(snap)
	}
	var cut []string
	if d.incomplete != "" {
		cut = cutLists(snap, d.selector)
	}
	// A named object may be in a List that did not finish: not diagnosed
	// (exit 1 below), not missing.
	if err := missingNamed(snap, d.selector); err != nil && len(cut) == 0 {
		return nil, err
	}
	now := deps.Now()
	out := check.Run(snap, check.Options{Checks: d.checks, Selector: d.selector, Now: now, DropPasses: !d.out.ShowPassed, Questions: d.questions})
	res := buildResult(deps, snap, out, d.out.ShowPassed)
	// Before markIncomplete: Apply summarises again.
	d.suppress(deps, snap, res, now)
	undiagnosed := markIncomplete(res, d.incomplete)
	return &outcome{res: res, undiagnosed: undiagnosed, cut: cut}, nil
}

// verdict is the exit status of a diagnosis whose report is written:
// errFindings (exit 1) for a failure at or above --fail-on, and, saying
// why on stderr, for a run that left targets or Lists undiagnosed. who
// names the cluster in a multi-cluster scan ("context prod: ").
func (d *diagnosis) verdict(deps Deps, o *outcome, who string) error {
	if o.undiagnosed > 0 {
		// Never 0 for a target that could not be diagnosed.
		fmt.Fprintf(deps.ErrOut, "irsa-doctor: %s%s; %d of %d targets not diagnosed (see gaps)\n", who, d.incomplete, o.undiagnosed, len(o.res.Targets))
		return errFindings
	}
	if len(o.cut) > 0 {
		// The objects those Lists would have read may be targets: never
		// 0 (a pod whose ServiceAccount is unknown shows no intent).
		fmt.Fprintf(deps.ErrOut, "irsa-doctor: %s%s; %s did not finish: the objects not listed were not diagnosed (see gaps)\n", who, d.incomplete, strings.Join(o.cut, ", "))
		return errFindings
	}
	if o.res.FailsAtOrAbove(d.failOn) {
		return errFindings
	}
	return nil
}

// targetLists are the Lists whose objects are, or decide, the targets:
// pods, their ServiceAccounts, their workloads.
var targetLists = map[string]bool{
	"list pods": true, "list serviceaccounts": true, "list deployments": true, "list statefulsets": true,
	"list daemonsets": true, "list replicasets": true, "list jobs": true, "list cronjobs": true,
}

// cutLists names the Lists of targets, in the namespaces sel diagnoses,
// that a live collection cut short did not finish (their gaps, reason
// kube.CutListed), as "list pods (namespace payments)".
func cutLists(snap *snapshot.Snapshot, sel model.Selector) []string {
	var out []string
	for _, g := range snap.Gaps {
		if g.Source != "kube" || g.Reason != kube.CutListed || !targetLists[g.Operation] {
			continue
		}
		if ns, ok := strings.CutPrefix(g.Resource, "namespace "); ok && len(sel.Namespaces) > 0 && !slices.Contains(sel.Namespaces, ns) && !slices.Contains(sel.Namespaces, "") {
			continue
		}
		out = append(out, g.Operation+" ("+g.Resource+")")
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// missingNamed rejects target flags that name objects the input lacks: a
// run that diagnosed nothing must not end green with "No problems found".
// It says what the input holds instead, and the command that captures
// what was named.
func missingNamed(snap *snapshot.Snapshot, sel model.Selector) error {
	for _, p := range sel.Pods {
		found := false
		var elsewhere []string
		for _, pod := range snap.Pods {
			if pod.Name == p.Name && pod.Namespace != p.Namespace {
				elsewhere = append(elsewhere, pod.Namespace)
			}
			if pod.Namespace == p.Namespace && pod.Name == p.Name {
				found = true
				break
			}
		}
		if !found {
			return usageErr("--pod %s/%s: no such pod in the input (%s; capture it with: kubectl get pod %s -n %s -o json)",
				p.Namespace, p.Name, holds("pod", podNamespaces(snap), p.Name, elsewhere), p.Name, p.Namespace)
		}
	}
	for _, n := range sel.SAs {
		if namedSA(snap, n) {
			continue
		}
		var elsewhere []string
		for _, sa := range snap.ServiceAccountsNamed(n.Name) {
			elsewhere = append(elsewhere, sa.Namespace)
		}
		saNS := map[string]int{}
		for _, sa := range snap.ServiceAccounts {
			saNS[sa.Namespace]++
		}
		return usageErr("--service-account %s/%s: no such ServiceAccount in the input, nor a pod or workload that uses it (%s; capture it with: kubectl get serviceaccount %s -n %s -o json)",
			n.Namespace, n.Name, holds("ServiceAccount", saNS, n.Name, elsewhere), n.Name, n.Namespace)
	}
	for _, w := range sel.Workloads {
		found := false
		var elsewhere []string
		wlNS := map[string]int{}
		for _, wl := range snap.Workloads {
			if wl.Kind != w.Kind {
				continue
			}
			wlNS[wl.Namespace]++
			if wl.Name == w.Name && wl.Namespace != w.Namespace {
				elsewhere = append(elsewhere, wl.Namespace)
			}
			if wl.Namespace == w.Namespace && wl.Name == w.Name {
				found = true
			}
		}
		if !found {
			return usageErr("--workload %s/%s/%s: no such workload in the input (%s; capture it with: kubectl get %s %s -n %s -o json)",
				strings.ToLower(w.Kind), w.Namespace, w.Name, holds(w.Kind, wlNS, w.Name, elsewhere), strings.ToLower(w.Kind), w.Name, w.Namespace)
		}
	}
	if snap.Mode == "offline" {
		for _, ns := range sel.Namespaces {
			if ns == "" || inputMentionsNamespace(snap, ns) {
				continue
			}
			return usageErr("-n %s: nothing in the input is in namespace %s (%s; capture it with: kubectl get pods,serviceaccounts,deployments,statefulsets,daemonsets,cronjobs,jobs -n %s -o json)",
				ns, ns, holdsNamespaces(snap), ns)
		}
	}
	return nil
}

// namedSA reports whether the input holds the ServiceAccount, proves it
// missing (kubectl's NotFound text), or has a pod or workload that uses it
// (then IRSA101 reports it missing).
func namedSA(snap *snapshot.Snapshot, n model.NamespacedName) bool {
	if snap.ServiceAccount(n.Namespace, n.Name) != nil {
		return true
	}
	if _, ok := snap.NotFoundFor(snapshot.KindServiceAccount, n.Namespace, n.Name); ok {
		return true
	}
	for _, p := range snap.Pods {
		if p.Namespace == n.Namespace && p.Spec.ServiceAccount() == n.Name {
			return true
		}
	}
	for _, w := range snap.Workloads {
		if w.Namespace == n.Namespace && w.Template.Spec.ServiceAccount() == n.Name {
			return true
		}
	}
	// An EKS Pod Identity association names it (a target of its own), or
	// its copies differ and it was left out (its checks say so).
	if snap.PodIdentityAssociationFor(n.Namespace, n.Name) != nil {
		return true
	}
	_, differ := model.SACopiesDiffer(snap, n.Namespace, n.Name)
	return differ
}

// inputMentionsNamespace reports whether anything in the input is in the
// namespace, or a capture of it (a List of that namespace, a NotFound text)
// says it holds none.
func inputMentionsNamespace(snap *snapshot.Snapshot, ns string) bool {
	if snap.Namespaces[ns] != nil {
		return true
	}
	for _, p := range snap.Pods {
		if p.Namespace == ns {
			return true
		}
	}
	for _, w := range snap.Workloads {
		if w.Namespace == ns {
			return true
		}
	}
	for _, sa := range snap.ServiceAccounts {
		if sa.Namespace == ns {
			return true
		}
	}
	for _, l := range snap.Listings {
		if !l.AllNamespaces && l.Namespace == ns {
			return true
		}
	}
	for _, nf := range snap.NotFounds {
		if nf.Namespace == ns {
			return true
		}
	}
	for _, a := range snap.PodIdentityAssociations {
		if a.Namespace == ns {
			return true
		}
	}
	return false
}

func podNamespaces(snap *snapshot.Snapshot) map[string]int {
	m := map[string]int{}
	for _, p := range snap.Pods {
		m[p.Namespace]++
	}
	return m
}

// holds says what the input has of a kind: the namespaces where an object
// of that name is, else how many objects it holds in which namespaces.
func holds(kind string, byNS map[string]int, name string, elsewhere []string) string {
	if len(elsewhere) > 0 {
		sort.Strings(elsewhere)
		return fmt.Sprintf("the input has %s %s in namespace %s", kind, name, listSome(slices.Compact(elsewhere)))
	}
	total := 0
	for _, n := range byNS {
		total += n
	}
	if total == 0 {
		return fmt.Sprintf("the input holds no %s", plural(kind, 2))
	}
	return fmt.Sprintf("the input holds %d %s in namespace %s", total, plural(kind, total), listSome(sortedKeys(byNS)))
}

// holdsNamespaces names the namespaces the input has objects in.
func holdsNamespaces(snap *snapshot.Snapshot) string {
	m := podNamespaces(snap)
	for _, w := range snap.Workloads {
		m[w.Namespace]++
	}
	for _, sa := range snap.ServiceAccounts {
		m[sa.Namespace]++
	}
	for ns := range snap.Namespaces {
		m[ns]++
	}
	if len(m) == 0 {
		return "the input holds no namespaced object"
	}
	return "the input holds namespace " + listSome(sortedKeys(m))
}

func plural(kind string, n int) string {
	if n == 1 {
		return kind
	}
	return kind + "s"
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// listSome joins the first five names, saying how many more there are.
func listSome(names []string) string {
	const most = 5
	names = slices.Clone(names)
	for i, n := range names {
		names[i] = termsafe.Escape(n)
	}
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}

// buildResult assembles the versioned document.
func buildResult(deps Deps, snap *snapshot.Snapshot, out *check.Output, showPassed bool) *finding.Result {
	res := &finding.Result{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "irsa-doctor", Version: deps.Version},
		Input:         finding.Input{Mode: snap.Mode, Files: []finding.InputFile{}},
		Targets:       out.Targets,
		Findings:      []finding.Finding{},
		Gaps:          []finding.Gap{},
	}
	if res.Targets == nil {
		res.Targets = []finding.Target{}
	}
	if c := snap.Cluster(); c != nil {
		res.Input.Cluster, res.Input.Region, res.Input.AccountID = c.Name, c.Region, c.Account
	}
	if res.Input.AccountID == "" && snap.Caller != nil {
		res.Input.AccountID = snap.Caller.Account
	}
	for _, f := range snap.Files {
		res.Input.Files = append(res.Input.Files, finding.InputFile{Path: f.Path, RecognisedAs: f.RecognisedAs, Error: f.Error, Lines: f.Lines})
	}
	for _, g := range snap.Gaps {
		res.Gaps = append(res.Gaps, finding.Gap{Source: g.Source, Operation: g.Operation, Resource: g.Resource, Reason: g.Reason})
	}
	res.Gaps = append(res.Gaps, out.Gaps...)
	for _, f := range out.Findings {
		if f.Status == finding.StatusPass && !showPassed {
			continue
		}
		res.Findings = append(res.Findings, f)
	}
	res.Summarise()
	return res
}
