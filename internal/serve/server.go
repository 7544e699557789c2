package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/report"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/suppress"
)

// Defaults of Options.
const (
	DefaultListen       = ":8080"
	DefaultReportListen = "127.0.0.1:8081"
	DefaultResync       = 10 * time.Minute
	DefaultAWSRefresh   = 10 * time.Minute
	DefaultDebounce     = 200 * time.Millisecond
	DefaultSyncTimeout  = 2 * time.Minute
)

// Options configure serve.
type Options struct {
	Kube kubeclient.Interface
	AWS  AWSOptions
	// Listen is the address of /metrics, /healthz and /readyz.
	Listen string
	// Report serves /report on ReportListen (off by default: the report
	// holds role ARNs, account IDs and trust policies).
	Report       bool
	ReportListen string
	// SyncTimeout bounds the wait for the first List of each kind.
	SyncTimeout time.Duration
	// Resync is the interval of full diagnoses; Debounce how long events
	// are gathered before the targets they touch are re-diagnosed.
	Resync   time.Duration
	Debounce time.Duration
	Version  string
	Log      *slog.Logger
	Now      func() time.Time
	// PodNamespace and PodName are serve's own pod (the downward API's
	// POD_NAMESPACE and POD_NAME), diagnosed at start; "" outside a pod.
	PodNamespace, PodName string
	// Events emits Kubernetes Events for the failures that appear and
	// clear (events.go): every replica without Leader, else the leader.
	Events bool
	// Leader, when set, elects the replica that emits Events (leader.go).
	Leader *LeaderOptions
	// Listening, when set, is called with the addresses listened on
	// (report nil without Report): tests listen on port 0.
	Listening func(metrics, report net.Addr)
}

// Server is one running serve.
type Server struct {
	opts    Options
	log     *slog.Logger
	store   *Store
	state   *State
	metrics *Metrics
	aws     *awsFacts

	events *emitter
	leader atomic.Bool

	// synced are the resources whose informer finished its first List.
	syncMu sync.Mutex
	synced map[string]bool
	ready  atomic.Bool

	mu      sync.Mutex
	pending Touched
	kick    chan struct{}
	awsDone chan struct{}
	// last is the snapshot of the last diagnosis (input, gaps for /report).
	last *snapshot.Snapshot
}

// Run serves until ctx ends.
func Run(ctx context.Context, opts Options) error {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Resync <= 0 {
		opts.Resync = DefaultResync
	}
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.SyncTimeout <= 0 {
		opts.SyncTimeout = DefaultSyncTimeout
	}
	if opts.AWS.Refresh <= 0 {
		opts.AWS.Refresh = DefaultAWSRefresh
	}
	s := &Server{opts: opts, log: opts.Log, store: NewStore(), state: NewState(),
		kick: make(chan struct{}, 1), awsDone: make(chan struct{}, 1), synced: map[string]bool{}}
	s.metrics = NewMetrics(s.state, opts.Version)
	count := func(op, outcome string) { s.metrics.awsCalls.WithLabelValues(op, outcome).Inc() }
	opts.AWS.Config = instrument(opts.AWS.Config, count)
	profiles := map[string]aws.Config{}
	for acct, c := range opts.AWS.RoleProfiles {
		profiles[acct] = instrument(c, count)
	}
	opts.AWS.RoleProfiles = profiles

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	if err := s.listen(ctx, errc); err != nil {
		return err
	}

	version, err := serverVersion(ctx, opts.Kube)
	if err != nil {
		return err
	}
	s.aws = newAWSFacts(opts.AWS, s.log, version)
	if opts.Events {
		if s.events, err = newEmitter(ctx, opts.Kube, &s.leader, s.log, s.store.UID,
			func(typ string) { s.metrics.events.WithLabelValues(typ).Inc() }); err != nil {
			return err
		}
		if opts.Leader != nil {
			go s.lead(ctx, *opts.Leader)
		} else {
			s.leader.Store(true)
			s.metrics.leader.Set(1)
		}
	}

	var (
		infs  []cache.SharedIndexInformer
		syncs []struct {
			resource string
			synced   cache.InformerSynced
		}
	)
	for _, w := range watchedKinds {
		inf, err := newInformer(opts.Kube, w)
		if err != nil {
			return fmt.Errorf("watch %s: %w", w.resource, err)
		}
		infs = append(infs, inf)
		if err := inf.SetTransform(Transform); err != nil {
			return fmt.Errorf("watch %s: %w", w.resource, err)
		}
		reg, err := inf.AddEventHandler(s.handler(w))
		if err != nil {
			return fmt.Errorf("watch %s: %w", w.resource, err)
		}
		// The handler's HasSynced, not the informer's: true once the
		// handler has seen every object of the first List.
		syncs = append(syncs, struct {
			resource string
			synced   cache.InformerSynced
		}{w.resource, reg.HasSynced})
	}
	// Started and awaited as client-go's informer factory does (Start,
	// Shutdown).
	var infWG sync.WaitGroup
	for _, inf := range infs {
		infWG.Go(func() { inf.RunWithContext(ctx) })
	}
	defer infWG.Wait()
	s.log.Info("watching the cluster", "kinds", len(watchedKinds))
	// A List that RBAC refuses never syncs (the informer retries): after
	// SyncTimeout serve goes on without that kind, whose absence then
	// proves nothing (no Listing, a gap), and takes it in, with a full
	// diagnosis, when it syncs.
	syncCtx, syncCancel := context.WithTimeout(ctx, s.opts.SyncTimeout)
	for _, sy := range syncs {
		if cache.WaitForCacheSync(syncCtx.Done(), sy.synced) {
			s.setSynced(sy.resource)
			continue
		}
		if ctx.Err() != nil {
			syncCancel()
			return nil
		}
		s.log.Warn("a watched kind could not be listed; diagnosing without it until it can", "resource", sy.resource, "waited", s.opts.SyncTimeout.String())
		go func() {
			if cache.WaitForCacheSync(ctx.Done(), sy.synced) {
				s.setSynced(sy.resource)
				s.log.Info("a watched kind is listed now", "resource", sy.resource)
				s.enqueue(Touched{Full: true})
			}
		}()
	}
	syncCancel()
	s.log.Info("listed the cluster", "pods", len(s.store.Facts().Pods))

	snap, _ := s.assemble(Touched{Full: true})
	if err := s.aws.collect(ctx, s.store.RolesNamed(), snap, true); err != nil && ctx.Err() == nil {
		s.log.Warn("AWS facts: the first collection failed; diagnosing with what could be read", "error", err.Error())
	}
	if ctx.Err() != nil {
		return nil
	}
	s.diagnose(ctx, Touched{Full: true}, "start")
	s.selfDiagnosis()
	go s.refreshAWS(ctx)
	return s.loop(ctx, errc)
}

// listen starts the HTTP servers.
func (s *Server) listen(ctx context.Context, errc chan<- error) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "not ready: the first full diagnosis has not finished", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	addr := s.opts.Listen
	if addr == "" {
		addr = DefaultListen
	}
	ml, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", addr, err)
	}
	var rl net.Listener
	if s.opts.Report {
		raddr := s.opts.ReportListen
		if raddr == "" {
			raddr = DefaultReportListen
		}
		if rl, err = net.Listen("tcp", raddr); err != nil {
			ml.Close()
			return fmt.Errorf("--report-listen %s: %w", raddr, err)
		}
	}
	serveOn := func(l net.Listener, h http.Handler) {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
		go func() {
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("serve %s: %w", l.Addr(), err)
			}
		}()
	}
	serveOn(ml, mux)
	s.log.Info("serving metrics", "address", ml.Addr().String())
	var raddr net.Addr
	if rl != nil {
		rmux := http.NewServeMux()
		rmux.HandleFunc("/report", s.serveReport)
		serveOn(rl, rmux)
		raddr = rl.Addr()
		s.log.Info("serving /report", "address", raddr.String())
	}
	if s.opts.Listening != nil {
		s.opts.Listening(ml.Addr(), raddr)
	}
	return nil
}

// handler converts each object once and records what it touches; the
// objects of the first List are judged by the first full diagnosis.
func (s *Server) handler(w watched) cache.ResourceEventHandler {
	src := snapshot.Source{Kind: "kube", Ref: "watch " + w.resource + " -A"}
	put := func(obj any, initial bool) {
		s.metrics.kubeEvents.WithLabelValues(w.gvk.Kind).Inc()
		ro, ok := obj.(runtime.Object)
		if !ok {
			return
		}
		fact, err := Convert(ro, w.gvk, src)
		if err != nil {
			s.log.Warn("could not read a watched object", "kind", w.gvk.Kind, "error", err.Error())
			return
		}
		if fact == nil {
			return
		}
		t := s.store.Put(fact)
		if !initial {
			s.enqueue(t)
		}
	}
	return cache.ResourceEventHandlerDetailedFuncs{
		AddFunc:    put,
		UpdateFunc: func(_, obj any) { put(obj, false) },
		DeleteFunc: func(obj any) {
			s.metrics.kubeEvents.WithLabelValues(w.gvk.Kind).Inc()
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			m, err := meta.Accessor(obj)
			if err != nil {
				return
			}
			s.enqueue(s.store.Delete(w.gvk.Kind, m.GetNamespace(), m.GetName()))
		},
	}
}

func (s *Server) enqueue(t Touched) {
	if t.Empty() {
		return
	}
	s.mu.Lock()
	s.pending.Merge(t)
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// loop re-diagnoses what events touched, debounced, and everything at
// each resync and AWS refresh.
func (s *Server) loop(ctx context.Context, errc <-chan error) error {
	resync := time.NewTicker(s.opts.Resync)
	defer resync.Stop()
	var debounce <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return err
		case <-s.kick:
			if debounce == nil {
				debounce = time.After(s.opts.Debounce)
			}
		case <-debounce:
			debounce = nil
			s.mu.Lock()
			t := s.pending
			s.pending = Touched{}
			s.mu.Unlock()
			if t.Empty() {
				continue
			}
			if unknown := s.aws.Unknown(t.Roles); len(unknown) > 0 {
				// A role named for the first time is read at once.
				if err := s.aws.collect(ctx, unknown, nil, false); err != nil && ctx.Err() == nil {
					s.log.Warn("AWS facts: could not read the roles named for the first time", "roles", strings.Join(unknown, ","), "error", err.Error())
				}
			}
			s.diagnose(ctx, t, "event")
		case <-resync.C:
			s.diagnose(ctx, Touched{Full: true}, "resync")
		case <-s.awsDone:
			s.diagnose(ctx, Touched{Full: true}, "aws refresh")
		}
	}
}

// refreshAWS collects the AWS facts again every --aws-refresh, sooner
// after a throttled collection (backoff), and asks for a full diagnosis
// after each.
func (s *Server) refreshAWS(ctx context.Context) {
	delay := s.opts.AWS.Refresh
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		snap, _ := s.assemble(Touched{Full: true})
		err := s.aws.collect(ctx, s.store.RolesNamed(), snap, true)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errThrottled):
			s.aws.mu.Lock()
			n := s.aws.throttled
			s.aws.mu.Unlock()
			delay = backoff(n, s.opts.AWS.Refresh)
			s.log.Warn("AWS throttled the refresh; the cached facts stay", "retry_in", delay.String())
			continue
		case err != nil:
			s.log.Warn("AWS facts: the refresh failed", "error", err.Error())
		}
		delay = s.opts.AWS.Refresh
		select {
		case s.awsDone <- struct{}{}:
		default:
		}
	}
}

func (s *Server) setSynced(resource string) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.synced[resource] = true
}

// assemble is the snapshot of the AWS facts and the watched objects and,
// unless t is Full, the objects of it a selection of t's targets walks
// (model.Within, nil when Full).
func (s *Server) assemble(t Touched) (*snapshot.Snapshot, *model.Within) {
	var snap snapshot.Snapshot
	if s.aws != nil {
		if b := s.aws.Base(); b != nil {
			snap = *b
		}
	}
	if snap.Roles == nil {
		snap.Roles = map[string]*snapshot.Role{}
	}
	snap.Mode = "live"
	var f Facts
	var within *model.Within
	if t.Full {
		f = s.store.Facts()
	} else {
		// The ServiceAccounts of the association targets kept, whose
		// users decide whether each is a target (model.Within).
		var sas []string
		for _, a := range snap.PodIdentityAssociations {
			name := a.ID
			if name == "" {
				name = a.ServiceAccount
			}
			if t.Keep("PodIdentityAssociation", a.Namespace, name) {
				sas = append(sas, snapshot.Key(a.Namespace, a.ServiceAccount))
			}
		}
		f, within = s.store.FactsWithin(t, sas)
	}
	snap.Pods, snap.Workloads, snap.ServiceAccounts, snap.Namespaces = f.Pods, f.Workloads, f.ServiceAccounts, f.Namespaces
	snap.Webhooks, snap.Nodes = f.Webhooks, f.Nodes
	snap.Listings = slices.Clip(snap.Listings)
	snap.Gaps = slices.Clip(snap.Gaps)
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	for _, w := range watchedKinds {
		if !s.synced[w.resource] {
			snap.Gaps = append(snap.Gaps, snapshot.Gap{Source: "kube", Operation: "watch " + w.resource, Resource: "every namespace",
				Reason: "not listed yet: the List is refused or failing (grant list and watch, see docs/serve.md)"})
		}
	}
	for _, l := range []struct {
		kind      snapshot.Kind
		resources []string
	}{
		{snapshot.KindPod, []string{"pods"}},
		{snapshot.KindServiceAccount, []string{"serviceaccounts"}},
		{snapshot.KindWorkload, []string{"deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs"}},
		{snapshot.KindDaemonSet, []string{"daemonsets"}},
		{snapshot.KindNamespace, []string{"namespaces"}},
		{snapshot.KindWebhookConfiguration, []string{"mutatingwebhookconfigurations"}},
		{snapshot.KindNode, []string{"nodes"}},
	} {
		all := true
		for _, r := range l.resources {
			all = all && s.synced[r]
		}
		if all {
			snap.Listings = append(snap.Listings, snapshot.Listing{Kind: l.kind, AllNamespaces: true,
				Source: snapshot.Source{Kind: "kube", Ref: "watch " + strings.Join(l.resources, ",") + " -A"}})
		}
	}
	return &snap, within
}

// diagnose judges the targets t touched (every target when t.Full) and
// merges the outcome into the state.
func (s *Server) diagnose(ctx context.Context, t Touched, why string) {
	snap, within := s.assemble(t)
	var sel model.Selector
	if !t.Full {
		sel.Keep, sel.Within = t.Keep, within
	}
	start := time.Now()
	out := check.Run(snap, check.Options{Selector: sel, Now: s.opts.Now(), DropPasses: true})
	res := &finding.Result{Targets: out.Targets, Findings: out.Findings}
	if s.store.Ignoring() {
		// The irsa-doctor.io/ignore annotations, as analyze and scan
		// apply them.
		if rules, _ := suppress.Annotations(snap); len(rules) > 0 {
			suppress.Apply(res, snap, rules)
		}
	}
	tr := s.state.Apply(res, t)
	took := time.Since(start)
	s.metrics.duration.Observe(took.Seconds())
	s.mu.Lock()
	s.last = snap
	s.mu.Unlock()
	if t.Full {
		s.metrics.fulls.Inc()
		s.metrics.lastFull.Set(float64(s.opts.Now().UnixNano()) / 1e9)
		s.ready.Store(true)
		s.log.Info("diagnosed every target", "why", why, "targets", len(out.Targets), "duration", took.String(),
			"appeared", len(tr.Appeared), "resolved", len(tr.Resolved))
	} else {
		s.metrics.rediagnosed.Add(float64(len(out.Targets)))
		s.log.Debug("re-diagnosed the targets an event touched", "targets", len(out.Targets), "duration", took.String(),
			"appeared", len(tr.Appeared), "resolved", len(tr.Resolved))
	}
	if s.events != nil && why != "start" && (len(tr.Appeared) > 0 || len(tr.Resolved) > 0) {
		// The state found at start is announced by no Event: a restart
		// would announce every failure again.
		s.events.Emit(tr)
	}
}

// selfDiagnosis logs the diagnosis of serve's own pod.
func (s *Server) selfDiagnosis() {
	if s.opts.PodName == "" || s.opts.PodNamespace == "" {
		s.log.Info("not running in a pod (POD_NAME and POD_NAMESPACE are not set): no self-diagnosis")
		return
	}
	pod := refKey("Pod", s.opts.PodNamespace, s.opts.PodName)
	st, failing, ok := s.state.Target(pod)
	if !ok {
		s.log.Info("self-diagnosis: this pod is not a target (it shows no IRSA or EKS Pod Identity intent)", "pod", s.opts.PodNamespace+"/"+s.opts.PodName)
		return
	}
	s.log.Info("self-diagnosis", "pod", s.opts.PodNamespace+"/"+s.opts.PodName, "mechanism", st.Mechanism, "state", stateOf(st),
		"role", st.RoleARN, "failing", strings.Join(failing, ","))
}

// serveReport renders the current diagnosis in ?format= (json by
// default).
func (s *Server) serveReport(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("format")
	if name == "" {
		name = string(report.FormatJSON)
	}
	format, err := report.ParseFormat(name)
	if err != nil {
		http.Error(w, "format: "+err.Error(), http.StatusBadRequest)
		return
	}
	if !s.ready.Load() {
		http.Error(w, "not ready: the first full diagnosis has not finished", http.StatusServiceUnavailable)
		return
	}
	res := s.Result()
	opts := report.Options{Format: format, ASCII: false}
	if format == report.FormatSARIF {
		for _, c := range check.All {
			opts.Rules = append(opts.Rules, report.Rule{ID: c.ID, Slug: c.Slug, Title: c.Title, Severity: c.Severity, Description: c.Doc, Help: check.Explain(c)})
		}
	}
	switch format {
	case report.FormatJSON, report.FormatSARIF:
		w.Header().Set("Content-Type", "application/json")
	case report.FormatHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	if err := report.Write(w, res, opts); err != nil {
		s.log.Warn("write /report", "error", err.Error())
	}
}

// Result is the current diagnosis as one result document.
func (s *Server) Result() *finding.Result {
	targets, findings := s.state.Result()
	res := &finding.Result{SchemaVersion: finding.SchemaVersion, Tool: finding.Tool{Name: "irsa-doctor", Version: s.opts.Version},
		Input: finding.Input{Mode: "live", Files: []finding.InputFile{}}, Targets: targets, Findings: findings, Gaps: []finding.Gap{}}
	s.mu.Lock()
	snap := s.last
	s.mu.Unlock()
	if snap != nil {
		if c := snap.Cluster(); c != nil {
			res.Input.Cluster, res.Input.Region, res.Input.AccountID = c.Name, c.Region, c.Account
		}
		if res.Input.AccountID == "" && snap.Caller != nil {
			res.Input.AccountID = snap.Caller.Account
		}
		for _, g := range snap.Gaps {
			res.Gaps = append(res.Gaps, finding.Gap{Source: g.Source, Operation: g.Operation, Resource: g.Resource, Reason: g.Reason})
		}
	}
	res.Summarise()
	return res
}

// serverVersion is the capture of `kubectl version -o json`'s server part,
// as scan makes it (internal/collect/kube).
func serverVersion(ctx context.Context, cs kubeclient.Interface) (*bundle.Capture, error) {
	v, err := cs.ServerVersion(context.Background())
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("the API server's version: %w", err)
	}
	data, err := json.MarshalIndent(map[string]any{"serverVersion": v}, "", "  ")
	if err != nil {
		return nil, err
	}
	return &bundle.Capture{Path: "kube/version.json", Data: append(data, '\n'), Source: snapshot.Source{Kind: "kube", Ref: "get version"}}, nil
}
