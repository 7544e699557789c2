package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/collect/awscollect"
	"github.com/irsa-doctor/irsa-doctor/internal/collect/kube"
	"github.com/irsa-doctor/irsa-doctor/internal/collect/kubeconfig"
	"github.com/irsa-doctor/irsa-doctor/internal/collect/oidc"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// LiveDeps reach the cluster and AWS; tests point them at a real
// kube-apiserver and the AWS fakes.
type LiveDeps struct {
	// KubeConfig loads the kubeconfig as kubectl does (--kubeconfig,
	// KUBECONFIG, ~/.kube/config, or the in-cluster config).
	KubeConfig func(path, context string) (clientcmd.ClientConfig, error)
	// AWSConfig loads the SDK's default chain with an optional profile and
	// region.
	AWSConfig func(ctx context.Context, profile, region string) (aws.Config, error)
	// OIDCClient fetches the issuer's documents.
	OIDCClient *http.Client
}

func systemLiveDeps() LiveDeps {
	return LiveDeps{
		KubeConfig: func(path, ctxName string) (clientcmd.ClientConfig, error) {
			rules := clientcmd.NewDefaultClientConfigLoadingRules()
			rules.ExplicitPath = path
			return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: ctxName}), nil
		},
		AWSConfig: func(ctx context.Context, profile, region string) (aws.Config, error) {
			var opts []func(*config.LoadOptions) error
			if profile != "" {
				opts = append(opts, config.WithSharedConfigProfile(profile))
			}
			if region != "" {
				opts = append(opts, config.WithRegion(region))
			}
			return config.LoadDefaultConfig(ctx, opts...)
		},
		OIDCClient: &http.Client{},
	}
}

// liveFlags are the flags of scan and dump that reach the cluster and AWS.
type liveFlags struct {
	// CloudTrail reads CloudTrail's event history (--cloudtrail; cloudtrail.go).
	CloudTrail cloudTrailFlags
	Kubeconfig string
	// Contexts are the --context flags as given; Context is the one
	// context a collection reads (scan of several: clusters.go).
	Contexts     []string
	Context      string
	Profile      string
	Region       string
	Cluster      string
	RoleProfiles []string
	Timeout      time.Duration
	// RequestTimeout is --request-timeout as given (kubectl's syntax:
	// requestTimeout parses it); Timeout bounds the whole run.
	RequestTimeout string
	// Probe runs the opt-in live probe after the read-only collection.
	Probe bool
	// Logs reads the target pods' logs (--logs; logs.go).
	Logs logFlags
	// IdentityPolicies reads the roles' identity policies (scan --can;
	// --logs and --cloudtrail read them too, for the AccessDenied errors
	// they may observe).
	IdentityPolicies bool
	// Questions are scan's --can questions: sts:AssumeRole on a role ARN
	// makes that role read (chain.go).
	Questions []policy.Question
}

func (f *liveFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	f.CloudTrail.register(cmd)
	fl.StringVar(&f.Kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the in-cluster config)")
	fl.StringArrayVar(&f.Contexts, "context", nil, "the kubeconfig context to use (default: the current context)")
	_ = cmd.RegisterFlagCompletionFunc("context", completeContexts)
	fl.StringVar(&f.Profile, "profile", "", "the AWS profile (default: the SDK's chain, or the profile the kubeconfig authenticates with)")
	fl.StringVar(&f.Region, "region", "", "the AWS region (default: the cluster's, as the kubeconfig shows it, then the SDK's)")
	fl.StringVar(&f.Cluster, "cluster", "", "the EKS cluster name (default: found from the kubeconfig or by matching the API server endpoint)")
	fl.StringArrayVar(&f.RoleProfiles, "role-profile", nil, "ACCOUNT=PROFILE: read roles of another AWS account with that profile (repeatable)")
	fl.DurationVar(&f.Timeout, "timeout", 5*time.Minute, "bound the whole run: stop collecting from the cluster and AWS after this long and diagnose what was read by then; --request-timeout bounds each request to the API server")
	fl.StringVar(&f.RequestTimeout, "request-timeout", defaultRequestTimeout, "give up a single request to the API server after this long, as kubectl's flag: a duration (30s, 2m) or whole seconds; 0 waits as long as --timeout allows")
	fl.BoolVar(&f.Probe, "probe", false, probeHelp)
	f.Logs.register(cmd)
}

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

// defaultRequestTimeout bounds each request to the API server unless
// --request-timeout says otherwise (kubectl's default, 0, would let one
// unanswered request hold the run until --timeout).
const defaultRequestTimeout = "30s"

// requestTimeout parses --request-timeout as kubectl does
// (clientcmd.ParseTimeout: whole seconds or a duration; 0 is none).
func (f *liveFlags) requestTimeout() (time.Duration, error) {
	v := strings.TrimSpace(f.RequestTimeout)
	if v == "" {
		v = defaultRequestTimeout
	}
	d, err := clientcmd.ParseTimeout(v)
	if err != nil || d < 0 {
		return 0, usageErr("--request-timeout %q: want a duration such as 30s or 2m, whole seconds, or 0 for no limit per request", f.RequestTimeout)
	}
	return d, nil
}

func (f *liveFlags) roleProfiles() (map[string]string, error) {
	out := map[string]string{}
	for _, rp := range f.RoleProfiles {
		acct, prof, ok := strings.Cut(rp, "=")
		if !ok || !accountRE.MatchString(acct) || prof == "" {
			return nil, usageErr("--role-profile %q: want ACCOUNT=PROFILE with a 12-digit account, e.g. 444455556666=prod-admin", rp)
		}
		out[acct] = prof
	}
	return out, nil
}

// liveResult is one live collection: the captures and their manifest.
type liveResult struct {
	captures []bundle.Capture
	manifest bundle.Manifest
	// namespaces collected ("" for all), for the target selection.
	namespaces []string
	// defaultNS is the namespace of names given without one.
	defaultNS string
	// incomplete says why the collection stopped before it read every
	// fact ("incomplete: timed out after 5m"); "" when it finished.
	incomplete string
	// awsCfg and roleCfgs are the AWS configurations the collection used
	// (the caller's, and --role-profile's by account), for scan
	// --simulate; awsOK is false when no AWS fact could be read.
	awsCfg   aws.Config
	roleCfgs map[string]aws.Config
	awsOK    bool
	account  string
	// perCall bounds each request of the Kubernetes collectors
	// (perCallTimeout).
	perCall time.Duration
}

// incompleteGap is the gap that records a live collection cut short: what
// was read is diagnosed, the rest is not collected. Its Resource is why,
// so that analyze of a dump marks the same targets (incompleteOf).
func incompleteGap(why, detail string) snapshot.Gap {
	return snapshot.Gap{Source: "live", Operation: "collect", Resource: why, Reason: detail}
}

// incompleteOf is why the collection of snap was cut short, from its
// incompleteGap; "" when it was not.
func incompleteOf(snap *snapshot.Snapshot) string {
	for _, g := range snap.Gaps {
		if g.Source == "live" && g.Operation == "collect" && strings.HasPrefix(g.Resource, "incomplete: ") {
			return g.Resource
		}
	}
	return ""
}

// stoppedWhy is the incompleteness of a collection whose ctx ended.
func stoppedWhy(ctx context.Context, timeout time.Duration) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "incomplete: timed out after " + shortDuration(timeout)
	}
	return "incomplete: interrupted"
}

// shortDuration prints a duration as a user writes it: 5m, not 5m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// signalContext stops cleanly on Ctrl-C and bounds the run by --timeout.
func signalContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	if timeout <= 0 {
		return ctx, stop
	}
	// The cause is what the user reads ("stopped: ..."), rather than
	// "context deadline exceeded".
	ctx, cancel := context.WithTimeoutCause(ctx, timeout,
		fmt.Errorf("the --timeout of %s expired before the collection finished (raise it with --timeout)", timeout))
	return ctx, func() { cancel(); stop() }
}

// collectLive runs the Kubernetes, AWS and OIDC collectors: read-only, one
// List per kind and namespace scope, DescribeCluster once, the providers
// once, GetRole once per distinct role.
func collectLive(ctx context.Context, deps Deps, lf liveFlags, tf targetFlags, extraNamespace string) (*liveResult, error) {
	profiles, err := lf.roleProfiles()
	if err != nil {
		return nil, err
	}
	reqTimeout, err := lf.requestTimeout()
	if err != nil {
		return nil, err
	}
	if tf.Namespace != "" && tf.AllNamespaces {
		return nil, usageErr("--namespace and --all-namespaces cannot be used together")
	}
	prog := newProgress(deps)
	defer prog.done()

	cc, err := deps.Live.KubeConfig(lf.Kubeconfig, lf.Context)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	restCfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w (pass --kubeconfig or --context, or run inside a cluster)", err)
	}
	var ident kubeconfig.Cluster
	if raw, err := cc.RawConfig(); err == nil && len(raw.Contexts) > 0 {
		ident, _ = kubeconfig.Identify(&raw, lf.Context)
	}
	if ident.Endpoint == "" {
		ident.Endpoint = restCfg.Host
	}
	ctxNS, _, err := cc.Namespace()
	if err != nil || ctxNS == "" {
		ctxNS = "default"
	}
	perCall := perCallTimeout(reqTimeout, lf.Timeout)
	kopts := kube.Options{AllNamespaces: tf.AllNamespaces, PerCallTimeout: perCall}
	named := len(tf.Pods)+len(tf.ServiceAccounts)+len(tf.Workloads) > 0
	switch {
	case tf.AllNamespaces:
	case tf.Namespace != "":
		kopts.Namespaces = []string{tf.Namespace}
	case named && extraNamespace == "":
		// Objects named with a target flag: only their namespaces are
		// listed (kopts.NamedObjects), not the context's as well; a user
		// with rights only in the target's namespace gets no gap about
		// another. A name without a namespace is in the context's.
	default:
		kopts.Namespaces = []string{ctxNS}
	}
	if extraNamespace != "" && !tf.AllNamespaces {
		kopts.Namespaces = []string{extraNamespace}
	}
	defNS := ctxNS
	if len(kopts.Namespaces) == 1 {
		defNS = kopts.Namespaces[0]
	}
	sel, err := tf.selectorWithDefault(defNS)
	if err != nil {
		return nil, err
	}
	for _, p := range sel.Pods {
		kopts.NamedObjects = append(kopts.NamedObjects, kube.Object{Kind: "Pod", Namespace: p.Namespace, Name: p.Name})
	}
	for _, s := range sel.SAs {
		kopts.NamedObjects = append(kopts.NamedObjects, kube.Object{Kind: "ServiceAccount", Namespace: s.Namespace, Name: s.Name})
	}
	for _, w := range sel.Workloads {
		kopts.NamedObjects = append(kopts.NamedObjects, kube.Object{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name})
	}
	rc := restCopy(restCfg, reqTimeout)
	rc.WarningHandlerWithContext = newWarningPrinter(deps.ErrOut, deps.ErrIsTerminal)
	cs, err := kubeclient.NewClient(rc)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client for %s: %w", restCfg.Host, err)
	}
	prog.phase("listing Kubernetes objects")
	kres, err := kube.Collect(ctx, cs, kopts)
	var incomplete string
	var extraGaps []snapshot.Gap
	switch {
	case errors.Is(err, kube.ErrCutShort) && listedTargets(kres):
		// Cut short while listing: the Lists that finished are
		// diagnosed, those that did not are gaps (kube.Collect), and
		// nothing of AWS is read, the context being gone.
		incomplete = stoppedWhy(ctx, lf.Timeout)
		extraGaps = append(extraGaps, incompleteGap(incomplete, "the Kubernetes objects not listed by then, and every AWS fact, were not collected"))
	case err != nil && ctx.Err() != nil:
		return nil, fmt.Errorf("stopped: %w", context.Cause(ctx))
	case err != nil:
		return nil, err
	default:
		if err := readSomething(kres); err != nil {
			return nil, err
		}
	}

	var (
		awsCfg   aws.Config
		roleCfgs map[string]aws.Config
		ares     awscollect.Result
		ores     oidc.Result
	)
	if incomplete == "" {
		// The roles the targets name: every ServiceAccount's annotation in the
		// collected scope (a target may be an annotated SA nothing uses), or,
		// when objects are named, only the roles of their ServiceAccounts.
		// First, the ConfigMaps the targets mount as AWS config files, and
		// so the roles they chain to (chain.go).
		planSel := sel
		if len(planSel.Namespaces) == 0 && !tf.AllNamespaces {
			planSel.Namespaces = kopts.Namespaces
		}
		ksnap, err := bundle.ReadCaptures(ctx, kres.Captures, bundle.Manifest{})
		if err != nil {
			return nil, fmt.Errorf("read the collected objects: %w", err)
		}
		if refs := configMapRefs(ksnap, planSel); len(refs) > 0 {
			cmres := kube.CollectConfigMaps(ctx, cs, refs, bundle.KeepAWSConfig)
			kres.Captures = append(kres.Captures, cmres.Captures...)
			kres.Gaps = append(kres.Gaps, cmres.Gaps...)
			if len(cmres.Captures) > 0 {
				// The config files are facts the chains are read from.
				if ksnap, err = bundle.ReadCaptures(ctx, kres.Captures, bundle.Manifest{}); err != nil {
					return nil, fmt.Errorf("read the collected objects: %w", err)
				}
			}
		}
		var roles []string
		if sel.Named() && len(kopts.Namespaces) == 0 && !tf.AllNamespaces {
			roles = roleARNs(ksnap, targetSAs(ksnap, sel))
		} else {
			roles = roleARNs(ksnap, nil)
		}
		chained := chainedRoleARNs(ksnap, planSel, lf.Questions, deps.Now())
		roles = unionSorted(roles, chained)

		profile, region := awsTarget(lf, ident)
		awsCfg, err = deps.Live.AWSConfig(ctx, profile, region)
		if err != nil {
			return nil, fmt.Errorf("AWS configuration: %w (pass --profile and --region, or set AWS credentials)", err)
		}
		roleCfgs = map[string]aws.Config{}
		for acct, prof := range profiles {
			c, err := deps.Live.AWSConfig(ctx, prof, awsCfg.Region)
			if err != nil {
				return nil, usageErr("--role-profile %s=%s: %v", acct, prof, err)
			}
			roleCfgs[acct] = c
		}
		cluster := lf.Cluster
		if cluster == "" {
			cluster = ident.Name
		}
		prog.phase("reading AWS")
		// EKS Pod Identity associations: the cluster's list, and the details
		// of those in the collected namespaces.
		pi := &awscollect.PodIdentityScope{AllNamespaces: tf.AllNamespaces}
		if scopes, err := kopts.Scopes(); err == nil && !tf.AllNamespaces {
			pi.Namespaces = scopes
		}
		ares, err = awscollect.Collect(ctx, awsCfg, awscollect.Options{
			Cluster: cluster, Endpoint: ident.Endpoint, RoleARNs: roles, RoleProfiles: roleCfgs, PodIdentity: pi,
			// The instances of the nodes the collected pods run on: their IMDS
			// settings (IRSA407).
			InstanceIDs: ksnap.NodeInstanceIDs(),
			// The node roles of the nodes that Pod Identity pods run on: their
			// eks-auth:AssumeRoleForPodIdentity (IRSA411).
			NodeRoleInstanceIDs: ksnap.PodIdentityInstanceIDs(),
			Progress:            func(string) { prog.call() },
			// What a --can question or an AccessDenied seen is judged by.
			// IRSA604 judges a chain by the source role's identity policies.
			IdentityPolicies: lf.IdentityPolicies || lf.CloudTrail.On || lf.Logs.On || len(chained) > 0,
		})
		switch {
		case err != nil && ctx.Err() != nil:
			// Cut short: what was read is kept and diagnosed.
			incomplete = stoppedWhy(ctx, lf.Timeout)
			extraGaps = append(extraGaps, incompleteGap(incomplete, "the AWS facts not read by then were not collected"))
		case err != nil:
			// AWS cannot be reached at all (sts:GetCallerIdentity failed):
			// the cluster's facts are still diagnosed, every AWS fact is a
			// gap.
			incomplete = "incomplete: no AWS fact could be read"
			extraGaps = append(extraGaps, snapshot.Gap{Source: "aws", Operation: "sts:GetCallerIdentity", Resource: "region " + awsCfg.Region, Reason: err.Error()},
				incompleteGap(incomplete, "sts:GetCallerIdentity failed, so no AWS fact was collected"))
			ares = awscollect.Result{}
		}
		if ares.Issuer != "" && incomplete == "" {
			prog.phase("fetching the issuer's documents")
			ores = oidc.Collect(ctx, ares.Issuer, deps.Live.OIDCClient, oidc.Options{})
			if ctx.Err() != nil {
				// The documents cut short are gaps already (oidc.Collect).
				incomplete = stoppedWhy(ctx, lf.Timeout)
				extraGaps = append(extraGaps, incompleteGap(incomplete, "the issuer's documents not fetched by then were not collected"))
			}
		}
	}

	res := &liveResult{perCall: perCall, namespaces: kopts.Namespaces, incomplete: incomplete, defaultNS: defNS, awsCfg: awsCfg, roleCfgs: roleCfgs, awsOK: ares.Account != "", account: ares.Account}
	if tf.AllNamespaces {
		res.namespaces = nil
	}
	m := bundle.Manifest{CollectedAt: deps.Now().UTC().Format(time.RFC3339), Cluster: ares.Cluster, Accounts: ares.Accounts}
	for _, part := range []struct {
		caps   []bundle.Capture
		listed []bundle.ManifestEntry
		gaps   []snapshot.Gap
	}{{kres.Captures, kres.Listed, kres.Gaps}, {ares.Captures, ares.Listed, ares.Gaps}, {ores.Captures, ores.Listed, ores.Gaps}} {
		res.captures = append(res.captures, part.caps...)
		m.Listed = append(m.Listed, part.listed...)
		m.Gaps = append(m.Gaps, part.gaps...)
	}
	m.Gaps = append(m.Gaps, extraGaps...)
	// What the read-only collection found, read once (when asked) by the
	// opt-in readers that choose from it what to read next: CloudTrail, the
	// probe and the logs need none of each other's captures.
	found := factsOf(res.captures, m)
	if lf.CloudTrail.On {
		// After the read-only collection, on the roles it found: the
		// failed web identity calls CloudTrail recorded (cloudtrail.go).
		prog.phase("looking up CloudTrail events")
		caps, gaps := lf.CloudTrail.collect(ctx, deps, awsCfg, found, incomplete,
			cloudTrailScope{sel: sel, namedOnly: sel.Named() && len(kopts.Namespaces) == 0 && !tf.AllNamespaces}, func(string) { prog.call() })
		res.captures = append(res.captures, caps...)
		m.Gaps = append(m.Gaps, gaps...)
	}
	if lf.Probe && incomplete != "" {
		m.Gaps = append(m.Gaps, snapshot.Gap{Source: "live", Operation: "probe", Resource: "--probe", Reason: incomplete + ": the probe did not run"})
	}
	if lf.Probe && incomplete == "" {
		// After everything else, on what the read-only collection found.
		prog.phase("probing STS and admission")
		planSel := sel
		if len(planSel.Namespaces) == 0 && !tf.AllNamespaces {
			planSel.Namespaces = kopts.Namespaces
		}
		pres, err := probeLive(ctx, cs, awsCfg, res.captures, found, planSel)
		if err != nil && ctx.Err() == nil {
			return nil, fmt.Errorf("probe: %w", err)
		}
		if ctx.Err() != nil {
			res.incomplete = stoppedWhy(ctx, lf.Timeout)
			m.Gaps = append(m.Gaps, incompleteGap(res.incomplete, "the probe's answers not received by then were not collected"))
		}
		res.captures = append(res.captures, pres.Captures...)
		m.Listed = append(m.Listed, pres.Listed...)
		m.Gaps = append(m.Gaps, pres.Gaps...)
	}
	if lf.Logs.On {
		// Last, on what the collection found: the target pods' logs.
		prog.phase("reading the target pods' logs")
		res.captures, m = lf.Logs.collect(ctx, cs, res, m, found, sel, lf.Timeout)
	}
	res.manifest = m
	return res, nil
}

// factsOf reads caps and m into a snapshot once, when first asked, as
// they are now: captures appended later are not in it.
func factsOf(caps []bundle.Capture, m bundle.Manifest) func() (*snapshot.Snapshot, error) {
	caps = slices.Clip(caps)
	m.Listed, m.Gaps = slices.Clip(m.Listed), slices.Clip(m.Gaps)
	return sync.OnceValues(func() (*snapshot.Snapshot, error) {
		return bundle.ReadCaptures(context.Background(), caps, m)
	})
}

// listedTargets reports whether a collection cut short completed a List
// of the objects the checks judge (pods, ServiceAccounts, workloads):
// without one there is nothing usable to diagnose (CONTRACT: 3).
func listedTargets(kres kube.Result) bool {
	for _, l := range kres.Listed {
		switch l.Kind {
		case snapshot.KindPod, snapshot.KindServiceAccount, snapshot.KindWorkload:
			return true
		}
	}
	return false
}

// readSomething fails a collection that could read none of the objects
// the checks judge (pods, ServiceAccounts, workloads): with every List
// refused, an empty report would look like a clean bill of health
// (CONTRACT: 3, nothing usable).
func readSomething(kres kube.Result) error {
	for _, l := range kres.Listed {
		switch l.Kind {
		case snapshot.KindPod, snapshot.KindServiceAccount, snapshot.KindWorkload:
			return nil
		}
	}
	if len(kres.Gaps) == 0 {
		return nil
	}
	var refused []string
	for _, g := range kres.Gaps {
		refused = append(refused, g.Operation+" ("+g.Resource+")")
	}
	return fmt.Errorf("could not read the cluster: %s refused; grant the ClusterRole irsa-doctor-reader of %s (first: %s)",
		strings.Join(refused, ", "), kube.RBACFile, kres.Gaps[0].Reason)
}

// perCallTimeout is the Kubernetes collectors' bound on each request, as
// the client's (restCopy): --request-timeout, or, when it is 0 (no limit
// per request), the run's --timeout, or a day when neither bounds it.
func perCallTimeout(request, run time.Duration) time.Duration {
	switch {
	case request > 0:
		return request
	case run > 0:
		return run
	}
	return 24 * time.Hour
}

// restCopy gives the collectors a client whose every request to the API
// server gives up after timeout (--request-timeout; 0 is no limit per
// request, the run's --timeout still applies).
func restCopy(c *rest.Config, timeout time.Duration) *rest.Config {
	cp := rest.CopyConfig(c)
	cp.Timeout = timeout
	return cp
}

// roleARNs are the distinct role-arn annotation values of the snapshot's
// ServiceAccounts, of those in only (NS/NAME) when only is not nil.
func roleARNs(s *snapshot.Snapshot, only map[model.NamespacedName]bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, sa := range s.ServiceAccounts {
		if only != nil && !only[model.NamespacedName{Namespace: sa.Namespace, Name: sa.Name}] {
			continue
		}
		if v := strings.TrimSpace(sa.Annotations[webhook.AnnotationRoleARN]); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// targetSAs are the ServiceAccounts the named targets use: a named
// ServiceAccount, a named pod's, a named workload's template's.
func targetSAs(s *snapshot.Snapshot, sel model.Selector) map[model.NamespacedName]bool {
	out := map[model.NamespacedName]bool{}
	for _, sa := range sel.SAs {
		out[sa] = true
	}
	for _, ref := range sel.Pods {
		for _, p := range s.Pods {
			if p.Namespace == ref.Namespace && p.Name == ref.Name {
				out[model.NamespacedName{Namespace: p.Namespace, Name: p.Spec.ServiceAccount()}] = true
			}
		}
	}
	for _, ref := range sel.Workloads {
		for _, w := range s.Workloads {
			if w.Namespace == ref.Namespace && w.Name == ref.Name && strings.EqualFold(w.Kind, ref.Kind) {
				out[model.NamespacedName{Namespace: w.Namespace, Name: w.Template.Spec.ServiceAccount()}] = true
			}
		}
	}
	return out
}

// markIncomplete records, for a live collection cut short (why != ""),
// the incompleteness in the summary and on each target it left
// undiagnosed: one with a link that is not known for a reason other than
// its mechanism not using it. It returns how many targets it marked.
func markIncomplete(res *finding.Result, why string) int {
	if why == "" {
		return 0
	}
	res.Summary.Incomplete = why
	n := 0
	for i := range res.Targets {
		t := &res.Targets[i]
		for _, l := range t.Links {
			if l.Status == finding.LinkUnknown && l.Detail != "not used by EKS Pod Identity" {
				t.Incomplete = "not diagnosed: " + why
				n++
				break
			}
		}
	}
	return n
}

// progress shows what a scan is doing, on stderr, only on a terminal.
type progress struct {
	on    bool
	deps  Deps
	name  string
	calls atomic.Int64
	start time.Time
}

func newProgress(deps Deps) *progress {
	return &progress{on: deps.ErrIsTerminal, deps: deps, start: time.Now()}
}

func (p *progress) phase(name string) {
	if !p.on {
		return
	}
	p.name = name
	fmt.Fprintf(p.deps.ErrOut, "\r\033[Kirsa-doctor: %s...", name)
}

func (p *progress) call() {
	n := p.calls.Add(1)
	if p.on {
		fmt.Fprintf(p.deps.ErrOut, "\r\033[Kirsa-doctor: %s (%d API calls)", p.name, n)
	}
}

func (p *progress) done() {
	if p.on {
		fmt.Fprint(p.deps.ErrOut, "\r\033[K")
	}
}
