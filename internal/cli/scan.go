package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/collect/kubeconfig"
	"github.com/irsa-doctor/irsa-doctor/internal/gcpace"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// ScanOptions are the inputs of `irsa-doctor scan`.
type ScanOptions struct {
	Deps    Deps
	Pod     string // the NAME argument: a pod in -n
	Live    liveFlags
	Targets targetFlags
	Output  outputFlags
	// Simulate asks IAM's policy simulator the permission questions
	// (simulate.go).
	Simulate bool
	// AllContexts scans every context of the kubeconfig (clusters.go).
	AllContexts bool
}

// NewCmdScan builds `scan`; runF replaces the run function in tests.
func NewCmdScan(deps Deps, runF func(context.Context, *ScanOptions) error) *cobra.Command {
	opts := &ScanOptions{Deps: deps}
	cmd := &cobra.Command{
		Use:   "scan [NAME]",
		Short: "Collect from the cluster and AWS (read-only), then diagnose",
		Long: `Collect what the checks need from the cluster (kubeconfig, as kubectl) and AWS (the SDK's
default credential chain), read-only, then diagnose. NAME is a pod in the namespace (-n, or the
kubeconfig context's). Without -n or -A, the kubeconfig context's namespace is scanned.

--probe (opt-in) also asks STS and the API server: it exchanges a fresh token of each
ServiceAccount for its role (AssumeRoleWithWebIdentity, credentials discarded at once) and
dry-run creates a pod from each workload's template. It needs create on serviceaccounts/token and
pods (deploy/rbac.yaml's irsa-doctor-probe), is the only action that is not read-only, and never
prints or keeps tokens or credentials.

--simulate (opt-in, scan only) also asks IAM's policy simulator (iam:SimulatePrincipalPolicy) each
--can question and each AccessDenied seen that names a target's role, one call per role, and
reports where it disagrees with irsa-doctor's own evaluation (IRSA605). It needs the optional
statement IrsaDoctorSimulateOptional of deploy/iam-policy.json (a refusal is a gap); a role of
another account needs --role-profile. dump has no --simulate: no bundle holds the simulator's answers.

Several clusters: --context is repeatable, and --all-contexts scans every context of the kubeconfig,
4 at a time, each with its own namespace and the AWS profile and region of its kubeconfig entry
(--profile and --region, when given, apply to every context). One report: a row per cluster, then
each cluster's section with a CLUSTER column; -o json wraps one document per cluster as
{"schemaVersion": 1, "clusters": [...]}. Exit 3 only when no context could be scanned; a context
that could not be is a gap in its own document, and the exit is then at least 1.`,
		Example: `  irsa-doctor scan -n payments
  irsa-doctor scan api-7d9f8b6c5-x2k4p -n payments --profile prod
  irsa-doctor scan -A -o json --fail-on warning
  irsa-doctor scan -n payments --probe
  irsa-doctor scan -A --context prod-eu --context prod-us -o json
  irsa-doctor scan -A --all-contexts --profile platform-audit
  irsa-doctor scan api-7d9f8b6c5-x2k4p -n payments --can s3:GetObject=arn:aws:s3:::invoices/a.pdf --simulate`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErr("scan takes at most one pod NAME; name more with --pod NS/NAME")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Pod = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return termSafeErr(scanRun(cmd.Context(), opts))
		},
	}
	opts.Targets.register(cmd)
	opts.Output.register(cmd)
	opts.Live.register(cmd)
	cmd.Flags().BoolVar(&opts.Simulate, "simulate", false, simulateHelp)
	cmd.Flags().Lookup("context").Usage = "the kubeconfig context to scan (default: the current context); repeatable: several clusters, one report with a cluster column"
	cmd.Flags().BoolVar(&opts.AllContexts, "all-contexts", false, "scan every context of the kubeconfig, "+strconv.Itoa(maxParallelClusters)+" at a time, each with the AWS profile and region of its kubeconfig entry")
	return cmd
}

func scanRun(ctx context.Context, opts *ScanOptions) error {
	if opts.Pod != "" {
		if opts.Targets.AllNamespaces {
			return usageErr("scan NAME names a pod in one namespace: use -n NAMESPACE, not -A")
		}
		opts.Targets.Pods = append(opts.Targets.Pods, opts.Pod)
	}
	contexts, err := contextFlags(opts.Live.Contexts)
	if err != nil {
		return err
	}
	gcpace.Start(batchHeap, opts.Deps.Getenv)
	if opts.AllContexts || len(contexts) > 1 {
		return scanClusters(ctx, opts, contexts)
	}
	if len(contexts) == 1 {
		opts.Live.Context = contexts[0]
	}
	if err := validateScan(opts); err != nil {
		return err
	}
	ctx, cancel := signalContext(ctx, opts.Live.Timeout)
	defer cancel()
	diag, snap, err := scanCollect(ctx, opts.Deps, opts, opts.Live)
	if err != nil {
		return err
	}
	return diag.run(opts.Deps, snap)
}

// validateScan checks the report flags and the kubeconfig before
// collecting anything, and sets what the collection reads from them.
func validateScan(opts *ScanOptions) error {
	// A name without a namespace is in the kubeconfig context's, known
	// only once the kubeconfig is read: any namespace validates its
	// syntax.
	validate := opts.Targets
	if validate.Namespace == "" && !validate.AllNamespaces {
		validate.Namespace = "default"
	}
	vd, err := newDiagnosis(validate, opts.Output)
	if err != nil {
		return err
	}
	opts.Live.Questions = vd.questions
	opts.Live.IdentityPolicies = len(opts.Output.Can) > 0
	return checkKubeconfig(opts.Deps, opts.Live.Kubeconfig)
}

// scanCollect collects one context (lf.Context) and prepares its
// diagnosis.
func scanCollect(ctx context.Context, deps Deps, opts *ScanOptions, lf liveFlags) (*diagnosis, *snapshot.Snapshot, error) {
	live, err := collectLive(ctx, deps, lf, opts.Targets, "")
	if err != nil {
		return nil, nil, err
	}
	// Read even when --timeout ended ctx: what was collected is diagnosed.
	snap, err := bundle.ReadCaptures(context.WithoutCancel(ctx), live.captures, live.manifest)
	if err != nil {
		return nil, nil, fmt.Errorf("read the collected facts: %w", err)
	}
	// Names given without a namespace are in the namespace collected, or
	// the kubeconfig context's.
	tf := opts.Targets
	if tf.Namespace == "" && len(live.namespaces) == 1 {
		tf.Namespace = live.namespaces[0]
	}
	if tf.Namespace == "" {
		tf = qualifyNames(tf, live.defaultNS)
	}
	diag, err := newDiagnosis(tf, opts.Output)
	if err != nil {
		return nil, nil, err
	}
	if len(diag.selector.Namespaces) == 0 && len(live.namespaces) > 0 {
		diag.selector.Namespaces = live.namespaces
	}
	if opts.Simulate {
		simulateLive(ctx, live, snap, diag.selector, diag.questions, deps.Now)
	}
	return diag, snap, nil
}

// qualifyNames puts the names of tf given without a namespace in ns.
func qualifyNames(tf targetFlags, ns string) targetFlags {
	q := func(names []string) []string {
		out := make([]string, 0, len(names))
		for _, n := range names {
			if !strings.Contains(n, "/") {
				n = ns + "/" + n
			}
			out = append(out, n)
		}
		return out
	}
	tf.Pods, tf.ServiceAccounts = q(tf.Pods), q(tf.ServiceAccounts)
	var ws []string
	for _, w := range tf.Workloads {
		if strings.Count(w, "/") == 1 {
			kind, name, _ := strings.Cut(w, "/")
			w = kind + "/" + ns + "/" + name
		}
		ws = append(ws, w)
	}
	tf.Workloads = ws
	return tf
}

// DumpOptions are the inputs of `irsa-doctor dump`.
type DumpOptions struct {
	Deps    Deps
	Dir     string
	Live    liveFlags
	Targets targetFlags
}

// NewCmdDump builds `dump`.
func NewCmdDump(deps Deps, runF func(context.Context, *DumpOptions) error) *cobra.Command {
	opts := &DumpOptions{Deps: deps}
	cmd := &cobra.Command{
		Use:   "dump DIR",
		Short: "Collect from the cluster and AWS (read-only) into a bundle that analyze reads back",
		Long: `Collect exactly what scan collects and write it to DIR as the kubectl and aws CLI outputs
analyze reads, with a manifest.json saying what was listed and what could not be read. DIR must
be empty or not exist. Share the folder with support; analyze gives the same findings.
With --probe (see scan --help), the probe's answers are written too (probe/), never a token or
credentials.`,
		Example: `  irsa-doctor dump ./bundle -n payments
  irsa-doctor dump ./bundle -n payments --probe
  irsa-doctor analyze ./bundle`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("dump needs one DIR to write the bundle to")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return termSafeErr(dumpRun(cmd.Context(), opts))
		},
	}
	opts.Targets.register(cmd)
	opts.Live.register(cmd)
	return cmd
}

func dumpRun(ctx context.Context, opts *DumpOptions) error {
	contexts, err := contextFlags(opts.Live.Contexts)
	if err != nil {
		return err
	}
	if len(contexts) > 1 {
		return usageErr("--context is given %d times: dump writes one cluster's bundle, give one --context (scan takes several)", len(contexts))
	}
	if len(contexts) == 1 {
		opts.Live.Context = contexts[0]
	}
	// DIR is checked before a collection that may take minutes.
	if err := checkDumpDir(opts.Dir); err != nil {
		return err
	}
	if err := checkKubeconfig(opts.Deps, opts.Live.Kubeconfig); err != nil {
		return err
	}
	ctx, cancel := signalContext(ctx, opts.Live.Timeout)
	defer cancel()
	live, err := collectLive(ctx, opts.Deps, opts.Live, opts.Targets, "")
	if err != nil {
		return err
	}
	if err := bundle.WriteDump(opts.Dir, live.captures, live.manifest); err != nil {
		return err
	}
	if live.incomplete != "" {
		fmt.Fprintf(opts.Deps.ErrOut, "irsa-doctor: %s: the bundle holds what was collected until then, and its manifest lists the rest as gaps\n", live.incomplete)
	}
	fmt.Fprintf(opts.Deps.ErrOut, "irsa-doctor: wrote %d files and %s to %s (%d facts could not be collected); read it back with: %s analyze %s\n",
		len(live.captures), bundle.ManifestFile, termsafe.Escape(opts.Dir), len(live.manifest.Gaps), opts.Deps.name(), termsafe.Escape(opts.Dir))
	return nil
}

// checkDumpDir rejects a DIR argument that WriteDump would refuse: a
// folder that is not empty, or that cannot be read.
// checkKubeconfig says, before collecting, which kubeconfig is missing and
// how kubectl finds one, rather than client-go's hint about
// KUBERNETES_MASTER: a missing --kubeconfig file is a usage error (exit 2);
// no kubeconfig found at all means the cluster cannot be reached (exit 3).
func checkKubeconfig(deps Deps, path string) error {
	if path != "" {
		if err := kubeconfig.CheckPath(path); err != nil {
			return usageErr("%s", err)
		}
		return nil
	}
	if deps.Getenv == nil {
		return nil
	}
	return kubeconfig.CheckFound(deps.Getenv)
}

func checkDumpDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return usageErr("dump DIR %s: %v", dir, err)
	case len(entries) > 0:
		return usageErr("dump DIR %s is not empty: choose a new folder", dir)
	}
	return nil
}
