package cli

// scan of several clusters: --context A --context B, --all-contexts
// (issue 15, part 3). Each context is collected and diagnosed as a scan
// of that context alone, with the AWS profile and region of its own
// kubeconfig entry, at most maxParallelClusters at a time; one report
// holds every cluster's document.

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/irsa-doctor/irsa-doctor/internal/collect/kubeconfig"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/report"
)

// maxParallelClusters bounds the clusters collected at once: each
// collection already runs its own requests concurrently, and a laptop
// with twenty contexts should not open twenty collections.
const maxParallelClusters = 4

// contextFlags are the --context values, each once, in the order given;
// an empty one is a usage error.
func contextFlags(given []string) ([]string, error) {
	var out []string
	for _, c := range given {
		if strings.TrimSpace(c) == "" {
			return nil, usageErr("--context \"\": name a context of the kubeconfig (kubectl config get-contexts lists them)")
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// selectContexts are the contexts a scan of several clusters reads:
// those named (each must be in the kubeconfig), or with all every
// context of the kubeconfig, sorted by name.
func selectContexts(raw *clientcmdapi.Config, named []string, all bool) ([]string, error) {
	if all && len(named) > 0 {
		return nil, usageErr("--all-contexts and --context cannot be used together: --all-contexts scans every context of the kubeconfig")
	}
	var known []string
	for name := range raw.Contexts {
		known = append(known, name)
	}
	slices.Sort(known)
	if all {
		if len(known) == 0 {
			return nil, errors.New("--all-contexts: the kubeconfig has no context")
		}
		return known, nil
	}
	for _, n := range named {
		if !slices.Contains(known, n) {
			list := strings.Join(known, ", ")
			if list == "" {
				list = "none"
			}
			return nil, usageErr("--context %q: no such context in the kubeconfig (contexts: %s)", n, list)
		}
	}
	return named, nil
}

// awsTarget is the AWS profile and region a context's collection uses:
// --profile and --region when given, for every context; else what the
// context's kubeconfig entry says (kubeconfig.Identify: the exec plugin's
// AWS_PROFILE or --profile, the cluster's region from its ARN, endpoint or
// the plugin's --region), and "" leaves the SDK's chain to decide.
func awsTarget(lf liveFlags, ident kubeconfig.Cluster) (profile, region string) {
	return cmp.Or(lf.Profile, ident.Profile), cmp.Or(lf.Region, ident.Region)
}

// clusterScan is one context's part of a scan of several.
type clusterScan struct {
	name string
	diag *diagnosis
	out  *outcome
	// err is why the context could not be scanned; its document is then
	// notScanned's.
	err    error
	stderr bytes.Buffer
}

// scanClusters scans each context (named, or every one with
// --all-contexts) and writes one report. Exit: 3 only when no context
// could be scanned; a context that could not be is a gap in its own
// document and, since its targets went undiagnosed, never exit 0;
// otherwise 1 for a failure at or above --fail-on in any cluster.
func scanClusters(ctx context.Context, opts *ScanOptions, named []string) error {
	deps := opts.Deps
	if opts.AllContexts && len(named) > 0 {
		return usageErr("--all-contexts and --context cannot be used together: --all-contexts scans every context of the kubeconfig")
	}
	format, err := opts.Output.format()
	if err != nil {
		return err
	}
	if opts.Output.FixDir != "" {
		return usageErr("--fix-dir writes the fixes of one cluster: give one --context with --fix-dir")
	}
	// What every context would refuse alike is refused once, before
	// anything is collected.
	if _, err := opts.Live.roleProfiles(); err != nil {
		return err
	}
	if _, err := opts.Live.requestTimeout(); err != nil {
		return err
	}
	if err := validateScan(opts); err != nil {
		return err
	}
	cc, err := deps.Live.KubeConfig(opts.Live.Kubeconfig, "")
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	raw, err := cc.RawConfig()
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	names, err := selectContexts(&raw, named, opts.AllContexts)
	if err != nil {
		return err
	}
	ctx, cancel := signalContext(ctx, opts.Live.Timeout)
	defer cancel()

	scans := make([]*clusterScan, len(names))
	sem := make(chan struct{}, maxParallelClusters)
	var wg sync.WaitGroup
	prog := newClustersProgress(deps, len(names))
	for i, name := range names {
		scans[i] = &clusterScan{name: name}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			scans[i].run(ctx, opts)
			prog.done()
		})
	}
	wg.Wait()
	prog.clear()

	clusters := make([]report.Cluster, len(scans))
	var usable int
	var firstUsage error
	var why []string
	for i, s := range scans {
		if s.err != nil {
			var ue *usageError
			if errors.As(s.err, &ue) && firstUsage == nil {
				firstUsage = s.err
			}
			reason := oneLine(s.err.Error())
			why = append(why, s.name+": "+reason)
			clusters[i] = report.Cluster{Name: s.name, Result: notScanned(deps, opts.Live, &raw, s.name, reason), NotScanned: reason}
			continue
		}
		usable++
		s.out.res.Input.Context = s.name
		clusters[i] = report.Cluster{Name: s.name, Result: s.out.res}
	}
	if usable == 0 && firstUsage != nil {
		// A mistake every context refused (a --pod none of them holds)
		// is the command line's.
		return firstUsage
	}
	ropts := deps.reportOptions(&opts.Output, format)
	if format == report.FormatSARIF {
		ropts.Rules = sarifRules()
	}
	if err := report.WriteClusters(deps.Out, clusters, ropts); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if usable == 0 {
		return fmt.Errorf("no context could be scanned: %s", strings.Join(why, "; "))
	}
	failed := false
	for _, s := range scans {
		// What the context's collection printed (API server warnings),
		// each line naming its context.
		prefixLines(deps, s.name, s.stderr.String())
		if s.err != nil {
			fmt.Fprintf(deps.ErrOut, "irsa-doctor: context %s: not scanned (see the gap in its document): %s\n", s.name, oneLine(s.err.Error()))
			failed = true
			continue
		}
		if s.diag.verdict(deps, s.out, "context "+s.name+": ") != nil {
			failed = true
		}
	}
	if failed {
		return errFindings
	}
	return nil
}

// run collects and diagnoses one context, as scan --context NAME would,
// without progress (several would overwrite each other's line) and with
// its stderr kept apart.
func (s *clusterScan) run(ctx context.Context, opts *ScanOptions) {
	deps := opts.Deps
	deps.ErrOut, deps.ErrIsTerminal = &s.stderr, false
	lf := opts.Live
	lf.Context = s.name
	diag, snap, err := scanCollect(ctx, deps, opts, lf)
	if err != nil {
		s.err = err
		return
	}
	s.diag = diag
	s.out, s.err = diag.diagnose(deps, snap)
}

// prefixLines copies a context's stderr lines, each naming the context.
func prefixLines(deps Deps, name, text string) {
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if l == "" {
			continue
		}
		fmt.Fprintf(deps.ErrOut, "irsa-doctor: context %s: %s\n", name, strings.TrimPrefix(l, "irsa-doctor: "))
	}
}

// notScanned is the document of a context that could not be scanned:
// what the kubeconfig says of its cluster, no target, and the gap that
// says why.
func notScanned(deps Deps, lf liveFlags, raw *clientcmdapi.Config, name, reason string) *finding.Result {
	ident, _ := kubeconfig.Identify(raw, name)
	_, region := awsTarget(lf, ident)
	res := &finding.Result{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "irsa-doctor", Version: deps.Version},
		Input: finding.Input{Mode: "live", Cluster: cmp.Or(lf.Cluster, ident.Name), Region: region, AccountID: ident.Account,
			Context: name, Files: []finding.InputFile{}},
		Targets:  []finding.Target{},
		Findings: []finding.Finding{},
		Gaps:     []finding.Gap{{Source: "live", Operation: "collect", Resource: "context " + name, Reason: reason}},
	}
	res.Summarise()
	res.Summary.Incomplete = "incomplete: the cluster could not be scanned"
	return res
}

// clustersProgress counts, on a terminal's stderr, the contexts scanned
// (each context's own progress line is off: several would overwrite each
// other).
type clustersProgress struct {
	mu    sync.Mutex
	deps  Deps
	total int
	n     int
}

func newClustersProgress(deps Deps, total int) *clustersProgress {
	p := &clustersProgress{deps: deps, total: total}
	p.show()
	return p
}

func (p *clustersProgress) show() {
	if p.deps.ErrIsTerminal {
		fmt.Fprintf(p.deps.ErrOut, "\r\033[Kirsa-doctor: scanning %d contexts, %d done...", p.total, p.n)
	}
}

func (p *clustersProgress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	p.show()
}

func (p *clustersProgress) clear() {
	if p.deps.ErrIsTerminal {
		fmt.Fprint(p.deps.ErrOut, "\r\033[K")
	}
}
