package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"github.com/irsa-doctor/irsa-doctor/internal/collect/kubeconfig"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
	"github.com/irsa-doctor/irsa-doctor/internal/serve"
)

// ServeOptions are the inputs of `irsa-doctor serve`.
type ServeOptions struct {
	Deps Deps
	// The live flags scan has: the cluster (kubeconfig or in-cluster)
	// and AWS.
	Kubeconfig   string
	Context      string
	Profile      string
	Region       string
	Cluster      string
	RoleProfiles []string

	Listen       string
	Report       bool
	ReportListen string
	Resync       time.Duration
	AWSRefresh   time.Duration
	Debounce     time.Duration
	LogFormat    string
	LogLevel     string
	// Events emits Kubernetes Events; LeaderElect elects the replica
	// that does, by a Lease in LeaseNamespace (default: POD_NAMESPACE).
	Events         bool
	LeaderElect    bool
	LeaseNamespace string
	leaderElectSet bool
	// lease timings and the wait for the first Lists, shortened by tests.
	lease       serve.LeaderOptions
	syncTimeout time.Duration

	// listening, when set, is told the addresses served (tests listen on
	// port 0).
	listening func(metrics, report net.Addr)
}

// NewCmdServe builds `serve`; runF replaces the run function in tests.
func NewCmdServe(deps Deps, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{Deps: deps}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run in the cluster: watch, keep the diagnosis current, export metrics",
		Long: `Watch the cluster (in-cluster config, or a kubeconfig as kubectl finds it) with shared
informers, keep the diagnosis of every target current, and serve Prometheus metrics on
--listen (/metrics, /healthz, /readyz: ready once the first full diagnosis finished).

Each change re-diagnoses only the targets it touches: a pod and its workload; every pod and
workload of a ServiceAccount; everything for a namespace, webhook configuration or node. Every
target is diagnosed again at each --resync and after each AWS refresh. The AWS facts are
read as scan reads them and kept for --aws-refresh; a role named for the first time is read
at once. It is read-only against the cluster.

/report (the current JSON document, ?format= any -o format) is off unless --report is given,
and then served on --report-listen only: it holds role ARNs, account IDs and trust policies.
See docs/serve.md for the metrics, the RBAC it needs, and the flags.`,
		Example: `  irsa-doctor serve
  irsa-doctor serve --kubeconfig ~/.kube/config --context prod --profile prod --log-format json
  irsa-doctor serve --report --report-listen 127.0.0.1:8081`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErr("serve takes no arguments")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.leaderElectSet = cmd.Flags().Changed("leader-elect")
			if cmd.Flags().Changed("report-listen") && !opts.Report {
				return usageErr("--report-listen needs --report (/report is off without it)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the in-cluster config)")
	fl.StringVar(&opts.Context, "context", "", "the kubeconfig context to use (default: the current context)")
	fl.StringVar(&opts.Profile, "profile", "", "the AWS profile (default: the SDK's chain, or the profile the kubeconfig authenticates with)")
	fl.StringVar(&opts.Region, "region", "", "the AWS region (default: the cluster's, as the kubeconfig shows it, then the SDK's)")
	fl.StringVar(&opts.Cluster, "cluster", "", "the EKS cluster name (default: found from the kubeconfig or by matching the API server endpoint)")
	fl.StringArrayVar(&opts.RoleProfiles, "role-profile", nil, "ACCOUNT=PROFILE: read roles of another AWS account with that profile (repeatable)")
	fl.StringVar(&opts.Listen, "listen", serve.DefaultListen, "the address of /metrics, /healthz and /readyz")
	fl.BoolVar(&opts.Report, "report", false, "serve /report (the current diagnosis; it holds role ARNs and account IDs) on --report-listen")
	fl.StringVar(&opts.ReportListen, "report-listen", serve.DefaultReportListen, "the address of /report, with --report (reach it with kubectl port-forward)")
	fl.DurationVar(&opts.Resync, "resync", serve.DefaultResync, "diagnose every target again this often")
	fl.DurationVar(&opts.AWSRefresh, "aws-refresh", serve.DefaultAWSRefresh, "read the AWS facts again this often")
	fl.DurationVar(&opts.Debounce, "debounce", serve.DefaultDebounce, "gather changes this long before re-diagnosing the targets they touch")
	fl.BoolVar(&opts.Events, "events", true, "emit Kubernetes Events (events.k8s.io) when a failure appears and when it clears")
	fl.BoolVar(&opts.LeaderElect, "leader-elect", true, "of several replicas, only the holder of a Lease emits Events (in a pod; outside one, with --lease-namespace)")
	fl.StringVar(&opts.LeaseNamespace, "lease-namespace", "", "the namespace of the leader Lease (default: POD_NAMESPACE, serve's own)")
	fl.StringVar(&opts.LogFormat, "log-format", "text", "the log format on stderr: text or json")
	fl.StringVar(&opts.LogLevel, "log-level", "info", "the least severe log level: debug, info, warn or error (debug logs each re-diagnosis)")
	return cmd
}

func serveRun(ctx context.Context, opts *ServeOptions) error {
	log, err := opts.logger()
	if err != nil {
		return err
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--resync", opts.Resync}, {"--aws-refresh", opts.AWSRefresh}, {"--debounce", opts.Debounce}} {
		if d.v <= 0 {
			return usageErr("%s %s: want a positive duration, e.g. 10m", d.flag, d.v)
		}
	}
	lf := liveFlags{RoleProfiles: opts.RoleProfiles}
	profiles, err := lf.roleProfiles()
	if err != nil {
		return err
	}
	if err := checkKubeconfig(opts.Deps, opts.Kubeconfig); err != nil {
		return err
	}
	// client-go logs (leader election above all) through the same
	// handler, so --log-format json stays JSON. klog's logger is the
	// process's: set once, before any client-go goroutine runs (a second
	// serve in one process, in tests, keeps the first's).
	klogOnce.Do(func() { klog.SetSlogLogger(log) })
	ctx, cancel := signalContext(ctx, 0)
	defer cancel()

	deps := opts.Deps
	cc, err := deps.Live.KubeConfig(opts.Kubeconfig, opts.Context)
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	restCfg, err := cc.ClientConfig()
	if err != nil {
		return fmt.Errorf("kubeconfig: %w (pass --kubeconfig or --context, or run inside a cluster)", err)
	}
	var ident kubeconfig.Cluster
	if raw, err := cc.RawConfig(); err == nil && len(raw.Contexts) > 0 {
		ident, _ = kubeconfig.Identify(&raw, opts.Context)
	}
	if ident.Endpoint == "" {
		ident.Endpoint = restCfg.Host
	}
	cs, err := kubeclient.NewClient(restCfg)
	if err != nil {
		return fmt.Errorf("kubernetes client for %s: %w", restCfg.Host, err)
	}
	profile, region := opts.Profile, opts.Region
	if profile == "" {
		profile = ident.Profile
	}
	if region == "" {
		region = ident.Region
	}
	awsCfg, err := deps.Live.AWSConfig(ctx, profile, region)
	if err != nil {
		return fmt.Errorf("AWS configuration: %w (pass --profile and --region, or set AWS credentials)", err)
	}
	sopts := serve.Options{
		Kube: cs,
		AWS: serve.AWSOptions{Config: awsCfg, Cluster: opts.Cluster, Endpoint: ident.Endpoint,
			OIDCClient: deps.Live.OIDCClient, Refresh: opts.AWSRefresh},
		Listen: opts.Listen, Report: opts.Report, ReportListen: opts.ReportListen,
		Resync: opts.Resync, Debounce: opts.Debounce, Version: deps.Version, Log: log, Now: deps.Now,
		Listening: opts.listening, SyncTimeout: opts.syncTimeout,
	}
	if sopts.AWS.Cluster == "" {
		sopts.AWS.Cluster = ident.Name
	}
	if len(profiles) > 0 {
		sopts.AWS.RoleProfiles = map[string]aws.Config{}
		for acct, prof := range profiles {
			c, err := deps.Live.AWSConfig(ctx, prof, awsCfg.Region)
			if err != nil {
				return usageErr("--role-profile %s=%s: %v", acct, prof, err)
			}
			sopts.AWS.RoleProfiles[acct] = c
		}
	}
	if sopts.AWS.OIDCClient == nil {
		sopts.AWS.OIDCClient = &http.Client{}
	}
	if deps.Getenv != nil {
		sopts.PodNamespace, sopts.PodName = deps.Getenv("POD_NAMESPACE"), deps.Getenv("POD_NAME")
	}
	sopts.Events = opts.Events
	if opts.Events && opts.LeaderElect {
		lo := opts.lease
		lo.Namespace = opts.LeaseNamespace
		if lo.Namespace == "" {
			lo.Namespace = sopts.PodNamespace
		}
		if lo.Identity == "" {
			lo.Identity = sopts.PodName
		}
		if lo.Identity == "" {
			host, _ := os.Hostname()
			lo.Identity = fmt.Sprintf("%s-%d", host, os.Getpid())
		}
		switch {
		case lo.Namespace != "":
			sopts.Leader = &lo
		case opts.leaderElectSet:
			return usageErr("--leader-elect needs --lease-namespace outside a pod (POD_NAMESPACE is not set)")
		default:
			log.Info("not in a pod and no --lease-namespace: no leader election, this replica emits the Events")
		}
	}
	return serve.Run(ctx, sopts)
}

var klogOnce sync.Once

// logger builds the slog logger of --log-format and --log-level, on
// stderr.
func (o *ServeOptions) logger() (*slog.Logger, error) {
	var level slog.Level
	switch strings.ToLower(o.LogLevel) {
	case "debug":
		level = slog.LevelDebug
	case "info", "":
		level = slog.LevelInfo
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return nil, usageErr("--log-level %q: want debug, info, warn or error", o.LogLevel)
	}
	ho := &slog.HandlerOptions{Level: level}
	switch o.LogFormat {
	case "text", "":
		return slog.New(slog.NewTextHandler(o.Deps.ErrOut, ho)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(o.Deps.ErrOut, ho)), nil
	}
	return nil, usageErr("--log-format %q: want text or json", o.LogFormat)
}
