package kube

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Defaults of Options.
const (
	// DefaultPageSize is kubectl's --chunk-size default: large Lists come
	// in pages of 500, so one List of 10,000 pods never asks the API
	// server for one huge answer.
	DefaultPageSize = 500
	// DefaultPerCallTimeout bounds one request (one page of a List).
	DefaultPerCallTimeout = 30 * time.Second
	// parallel bounds the Lists in flight at once: client-go's default
	// client-side rate limit is 5 QPS with a burst of 10, so more would
	// only queue.
	parallel = 4
)

// RBACFile is the file that grants what Collect needs; denied calls point
// at it.
const RBACFile = "deploy/rbac.yaml"

// Options says what to collect.
type Options struct {
	// Namespaces are listed one by one (kubectl -n). Empty with
	// AllNamespaces false is invalid unless NamedObjects name namespaces:
	// the CLI passes the kubeconfig context's namespace, as kubectl does.
	Namespaces []string
	// AllNamespaces lists every namespaced kind once, cluster-wide (-A).
	AllNamespaces bool
	// NamedObjects are the objects of the target flags (--pod NS/NAME,
	// --service-account NS/NAME, --workload KIND/NS/NAME). Their
	// namespaces are listed like Namespaces, never fetched one object at a
	// time: one List per kind and scope is the rule, and a named object
	// absent from its namespace's List is reported by the CLI.
	NamedObjects []Object
	// PageSize is the Limit of each List request; 0 means DefaultPageSize.
	PageSize int64
	// PerCallTimeout bounds each request; 0 means DefaultPerCallTimeout.
	PerCallTimeout time.Duration
}

// Object names one object of a target flag.
type Object struct {
	// Kind is Pod, ServiceAccount or a workload kind (Deployment, ...).
	Kind      string
	Namespace string
	Name      string
}

// Result is what a collection produced: the captures (what kubectl prints
// for each call), the manifest entries of the complete Lists, and the
// calls that were denied. The CLI merges it with the AWS and OIDC
// collectors' results into bundle.ReadCaptures or bundle.WriteDump.
type Result struct {
	Captures []bundle.Capture
	Listed   []bundle.ManifestEntry
	Gaps     []snapshot.Gap
}

// Scopes returns the namespaces Collect lists for opts, sorted, or [""]
// for every namespace.
func (o Options) Scopes() ([]string, error) {
	if o.AllNamespaces {
		return []string{""}, nil
	}
	var out []string
	for _, ns := range o.Namespaces {
		if ns == "" {
			return nil, errors.New("an empty namespace name: pass -n NAMESPACE or -A")
		}
		out = append(out, ns)
	}
	for _, obj := range o.NamedObjects {
		if obj.Namespace == "" || obj.Name == "" {
			return nil, fmt.Errorf("the %s %q names no namespace: name it as NAMESPACE/NAME", obj.Kind, obj.Name)
		}
		out = append(out, obj.Namespace)
	}
	if len(out) == 0 {
		return nil, errors.New("no namespace to collect: pass -n NAMESPACE or -A (the CLI passes the kubeconfig context's namespace)")
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

// Collect fetches, read-only, everything the checks read from the cluster:
// the server version, then exactly one List per kind and namespace scope
// (paginated, the pages merged into one capture), never one call per
// object. A denied call is a gap naming the verb, resource and scope; an
// API server that cannot be reached, or that rejects the credentials, is
// an error that names it. A collection whose ctx ends (Ctrl-C, the
// global --timeout) after the server version was read returns what was
// complete by then with an error holding ErrCutShort.
func Collect(ctx context.Context, cs kubeclient.Interface, opts Options) (Result, error) {
	scopes, err := opts.Scopes()
	if err != nil {
		return Result{}, err
	}
	if opts.PageSize < 0 {
		return Result{}, fmt.Errorf("page size %d: want 0 (the default, %d) or more", opts.PageSize, DefaultPageSize)
	}
	if opts.PageSize == 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.PerCallTimeout <= 0 {
		opts.PerCallTimeout = DefaultPerCallTimeout
	}
	c := &collector{cs: cs, opts: opts, endpoint: cs.Endpoint()}

	// The version first, alone: it is the cheapest call, every
	// authenticated user may make it (system:public-info-viewer), and an
	// unreachable server fails here once instead of in every List.
	if err := c.version(ctx); err != nil {
		return Result{}, err
	}

	var jobs []job
	for _, ns := range scopes {
		for _, k := range namespacedKinds {
			jobs = append(jobs, job{k: k, ns: ns})
		}
	}
	for _, k := range clusterKinds {
		jobs = append(jobs, job{k: k})
	}
	outs, err := c.runAll(ctx, jobs)
	cut := false
	if err != nil {
		if !stoppedBy(ctx, err) {
			return Result{}, err
		}
		cut = true
	}

	// A Workload listing needs all six workload Lists of its scope.
	complete := map[string]int{}
	var nsForbidden bool
	var seen []string // namespaces the collected objects live in
	for i, o := range outs {
		j := jobs[i]
		if o.capture == nil && o.gap == nil {
			// Not made, or cut mid-pagination: only runAll's stop
			// leaves a job without either.
			_, _, scope := j.names()
			c.cutGap("list "+j.k.resource, scope, CutListed)
			continue
		}
		if o.capture != nil {
			c.res.Captures = append(c.res.Captures, *o.capture)
		}
		if o.gap != nil {
			c.res.Gaps = append(c.res.Gaps, *o.gap)
			if j.k.resource == "namespaces" && o.forbidden {
				nsForbidden = true
			}
		}
		if o.listed == nil {
			continue
		}
		if j.k.fact == snapshot.KindWorkload {
			complete[j.ns]++
		} else {
			c.res.Listed = append(c.res.Listed, *o.listed)
		}
		if j.k.namespaced {
			for _, it := range o.items {
				if m, err := meta.Accessor(it); err == nil && m.GetNamespace() != "" {
					seen = append(seen, m.GetNamespace())
				}
			}
		}
	}
	for _, ns := range scopes {
		if complete[ns] == workloadKinds {
			c.res.Listed = append(c.res.Listed, bundle.ManifestEntry{Kind: snapshot.KindWorkload, Namespace: ns, AllNamespaces: ns == ""})
		}
	}
	if c.agentNeeded(scopes) {
		var aerr error
		if !cut {
			aerr = c.agent(ctx, scopes)
			if aerr != nil && !stoppedBy(ctx, aerr) {
				return Result{}, aerr
			}
		}
		if cut || aerr != nil {
			if aerr != nil {
				cut, err = true, aerr
			}
			if _, ok := c.listedIn(snapshot.KindDaemonSet, agentNamespace); !ok {
				c.cutGap("list daemonsets", "namespace "+agentNamespace, CutListed)
			}
			// The agent's pods, listed by its DaemonSets' selectors.
			c.cutGap("list pods", "namespace "+agentNamespace, CutListed)
		}
	}
	if nsForbidden {
		// Without the cluster-wide List, Get each namespace the targets
		// live in: IRSA108 matches the webhook's namespaceSelector
		// against their labels, and a namespace proven absent explains
		// an empty List.
		need := slices.Clone(seen)
		if !opts.AllNamespaces {
			need = append(need, scopes...)
		}
		sort.Strings(need)
		need = slices.Compact(need)
		if cut {
			for _, name := range need {
				c.cutGap("get namespaces", "namespace "+name, cutRead)
			}
		} else if err = c.getNamespaces(ctx, need); err != nil {
			if !stoppedBy(ctx, err) {
				return Result{}, err
			}
			cut = true
		}
	}
	c.sort()
	if cut {
		return c.res, &cutShort{err}
	}
	return c.res, nil
}

// ErrCutShort is in the error of a collection whose context ended (Ctrl-C,
// the global --timeout) after the server version was read. Collect
// returns it with what was complete by then: the Lists that finished,
// with their manifest entries, and a gap for each call not made or not
// finished. A List cut mid-pagination is not in the Result at all: it
// would prove absent the objects of the pages it never read.
var ErrCutShort = errors.New("the collection was cut short")

// cutShort is the error Collect returns with a partial Result: its text is
// the stop's (stopped), and errors.Is finds ErrCutShort and the context's
// error in it.
type cutShort struct{ err error }

func (e *cutShort) Error() string   { return e.err.Error() }
func (e *cutShort) Unwrap() []error { return []error{e.err, ErrCutShort} }

// The reasons of the gaps of the calls a collection cut short did not
// make or did not finish: CutListed for a List, cutRead for a Get.
const (
	CutListed = "not listed: the collection was cut short"
	cutRead   = "not read: the collection was cut short"
)

// stoppedBy reports an error caused by the end of ctx, the caller's
// context: not one a call failed with before it ended.
func stoppedBy(ctx context.Context, err error) bool {
	return ctx.Err() != nil && errors.Is(err, ctx.Err())
}

// cutGap records a call the collection did not make or finish.
func (c *collector) cutGap(operation, scope, reason string) {
	for _, g := range c.res.Gaps {
		if g.Operation == operation && g.Resource == scope {
			return
		}
	}
	c.res.Gaps = append(c.res.Gaps, snapshot.Gap{Source: "kube", Operation: operation, Resource: scope, Reason: reason})
}

// listedIn returns the manifest entry of kind k in namespace ns.
func (c *collector) listedIn(k snapshot.Kind, ns string) (bundle.ManifestEntry, bool) {
	for _, l := range c.res.Listed {
		if l.Kind == k && l.Namespace == ns {
			return l, true
		}
	}
	return bundle.ManifestEntry{}, false
}

type collector struct {
	cs       kubeclient.Interface
	opts     Options
	endpoint string
	res      Result
}

// job is one List: a kind in a namespace ("" for every namespace, or for a
// cluster-scoped kind).
type job struct {
	k  kind
	ns string
	// selector is a label selector ("" for none): the EKS Pod Identity
	// Agent's pods are listed by their DaemonSet's selector (podidentity.go).
	selector string
}

// outcome is what one List produced.
type outcome struct {
	items     []any
	capture   *bundle.Capture
	listed    *bundle.ManifestEntry
	gap       *snapshot.Gap
	forbidden bool
}

// runAll runs the Lists, at most parallel at once. The first error stops
// the rest and is returned.
func (c *collector) runAll(ctx context.Context, jobs []job) ([]outcome, error) {
	outs := make([]outcome, len(jobs))
	err := c.bounded(ctx, len(jobs), func(ctx context.Context, i int) error {
		o, err := c.list(ctx, jobs[i])
		outs[i] = o
		return err
	})
	return outs, err
}

// bounded runs f(0..n-1), at most parallel at once. The first error
// cancels the calls not yet done and is returned.
func (c *collector) bounded(ctx context.Context, n int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, parallel)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for i := range n {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return
			}
			if err := f(ctx, i); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				cancel()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	// Only the caller's context can have ended here.
	if err := ctx.Err(); err != nil {
		return c.stopped(err)
	}
	return nil
}

// list fetches one List completely, page by page, and encodes it as
// kubectl prints it. Each page's items are encoded as the page arrives,
// while the next is fetched (pageEncoder): encoding a List of 10,000 pods
// costs about as much CPU as the wait for its 20 pages, and the scan waits
// for neither twice.
func (c *collector) list(ctx context.Context, j job) (outcome, error) {
	ref, path, scope := j.names()
	entry := bundle.ManifestEntry{Kind: j.k.fact, Namespace: j.ns, AllNamespaces: j.k.namespaced && j.ns == ""}
	enc := startEncoder(j.k.gvk)
	items, err := c.pagesTo(ctx, j, func(page []any, restart bool) {
		if restart {
			enc.abandon()
			enc = startEncoder(j.k.gvk)
			return
		}
		enc.add(page)
	})
	if err != nil {
		enc.abandon()
		gap, ferr := c.classify(ctx, err, ref, "list "+j.k.resource, scope)
		if ferr != nil {
			return outcome{}, ferr
		}
		return outcome{gap: gap, forbidden: apierrors.IsForbidden(err)}, nil
	}
	encoded, err := enc.wait()
	if err != nil {
		return outcome{}, fmt.Errorf("%s: %w", ref, err)
	}
	if err := sortItems(items, encoded); err != nil {
		return outcome{}, fmt.Errorf("%s: %w", ref, err)
	}
	entry.File = path
	return outcome{
		items:   items,
		capture: &bundle.Capture{Path: path, Data: joinList(encoded), Source: snapshot.Source{Kind: "kube", Ref: ref}},
		listed:  &entry,
	}, nil
}

// pageEncoder encodes the items of a List's pages (encodeItem) in a
// goroutine of its own, in the order they were added.
type pageEncoder struct {
	gvk   schema.GroupVersionKind
	queue chan []any
	done  chan struct{}
	// stop makes the goroutine drop the work left: the List failed, or
	// starts over.
	stop atomic.Bool
	out  [][]byte
	err  error
}

func startEncoder(gvk schema.GroupVersionKind) *pageEncoder {
	// A page waiting in the queue is memory the List holds anyway (its
	// items); the buffer only keeps the fetching from waiting for the
	// encoding.
	e := &pageEncoder{gvk: gvk, queue: make(chan []any, 64), done: make(chan struct{})}
	go e.run()
	return e
}

func (e *pageEncoder) run() {
	defer close(e.done)
	var scratch []byte
	for page := range e.queue {
		for _, it := range page {
			if e.err != nil || e.stop.Load() {
				break
			}
			b, reuse, err := encodeItem(it, e.gvk, scratch)
			if err != nil {
				e.err = err
				break
			}
			e.out, scratch = append(e.out, b), reuse
		}
	}
}

// add queues the items of one page.
func (e *pageEncoder) add(page []any) { e.queue <- page }

// wait returns the encodings of every item added, in order, or the first
// error.
func (e *pageEncoder) wait() ([][]byte, error) {
	close(e.queue)
	<-e.done
	return e.out, e.err
}

// abandon stops the encoder, whose work is not wanted.
func (e *pageEncoder) abandon() {
	e.stop.Store(true)
	close(e.queue)
	<-e.done
}

// names returns how a job's List is named: the call as the user would
// read it ("list pods -n payments"), its capture's path, and its scope as
// gaps name it ("namespace payments").
func (j job) names() (ref, path, scope string) {
	ref, path, scope = "list "+j.k.resource, "kube/"+j.k.resource+".json", "cluster"
	if j.k.namespaced {
		if j.ns == "" {
			ref += " -A"
			scope = "all namespaces"
		} else {
			ref += " -n " + j.ns
			path = "kube/" + j.k.resource + "-" + j.ns + ".json"
			scope = "namespace " + j.ns
		}
	}
	return ref, path, scope
}

// pages fetches every page of one List. Each request is bounded by
// PerCallTimeout; a List of 10,000 pods is 20 requests of 500.
func (c *collector) pages(ctx context.Context, j job) ([]any, error) {
	return c.pagesTo(ctx, j, nil)
}

// pagesTo is pages, giving each page's items to sink (when not nil) as
// they arrive; restart true says the List starts over, and the pages
// given before are void.
func (c *collector) pagesTo(ctx context.Context, j job, sink func(page []any, restart bool)) ([]any, error) {
	o := metav1.ListOptions{Limit: c.opts.PageSize, LabelSelector: j.selector}
	var items []any
	restarted := false
	for {
		cctx, cancel := context.WithTimeout(ctx, c.opts.PerCallTimeout)
		p, err := j.k.list(cctx, c.cs, j.ns, o)
		cancel()
		if err != nil {
			if o.Continue != "" && !restarted && apierrors.IsResourceExpired(err) {
				// The continue token outlived etcd's compaction window
				// (410 Gone, "The provided continue parameter is too
				// old"). Like client-go's pager with FullListIfExpired
				// (k8s.io/client-go/tools/pager), start over with one
				// unpaginated List, so the capture is one consistent
				// snapshot rather than pages of two moments.
				restarted = true
				items = nil
				o = metav1.ListOptions{LabelSelector: j.selector}
				if sink != nil {
					sink(nil, true)
				}
				continue
			}
			return nil, err
		}
		items = append(items, p.items...)
		if sink != nil {
			sink(p.items, false)
		}
		if p.cont == "" || o.Limit == 0 {
			return items, nil
		}
		o.Continue = p.cont
	}
}

// version captures the server version (GET /version), as the serverVersion
// half of `kubectl version -o json`.
func (c *collector) version(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, c.opts.PerCallTimeout)
	v, err := c.cs.ServerVersion(cctx)
	cancel()
	if err != nil {
		gap, ferr := c.classify(ctx, err, "get version", "get version", "cluster")
		if ferr != nil {
			return ferr
		}
		c.res.Gaps = append(c.res.Gaps, *gap)
		return nil
	}
	data, err := encodeVersion(v)
	if err != nil {
		return err
	}
	c.res.Captures = append(c.res.Captures, bundle.Capture{Path: "kube/version.json", Data: data, Source: snapshot.Source{Kind: "kube", Ref: "get version"}})
	return nil
}

// getNamespaces fetches the namespaces one by one, when the cluster-wide
// List is forbidden. Each is captured as `kubectl get namespace NAME -o
// json` prints it (a single object, which proves nothing about the others),
// or, when it does not exist, as the error kubectl prints, which proves
// that one absent (internal/bundle/errtext.go).
func (c *collector) getNamespaces(ctx context.Context, names []string) error {
	type got struct {
		capture *bundle.Capture
		gap     *snapshot.Gap
	}
	outs := make([]got, len(names))
	err := c.bounded(ctx, len(names), func(ctx context.Context, i int) error {
		name := names[i]
		ref := "get namespace " + name
		src := snapshot.Source{Kind: "kube", Ref: ref}
		cctx, cancel := context.WithTimeout(ctx, c.opts.PerCallTimeout)
		ns, err := c.cs.Namespaces().Get(cctx, name, metav1.GetOptions{})
		cancel()
		switch {
		case err == nil:
			data, err := encodeObject(ns, namespaceGVK)
			if err != nil {
				return fmt.Errorf("%s: %w", ref, err)
			}
			outs[i].capture = &bundle.Capture{Path: "kube/namespaces-" + name + ".json", Data: data, Source: src}
		case apierrors.IsNotFound(err):
			text := fmt.Sprintf("Error from server (%s): %s\n", apierrors.ReasonForError(err), err.Error())
			outs[i].capture = &bundle.Capture{Path: "kube/namespaces-" + name + ".txt", Data: []byte(text), Source: src}
		default:
			gap, ferr := c.classify(ctx, err, ref, "get namespaces", "namespace "+name)
			if ferr != nil {
				return ferr
			}
			outs[i].gap = gap
		}
		return nil
	})
	if err != nil && !stoppedBy(ctx, err) {
		return err
	}
	for i, o := range outs {
		if o.capture != nil {
			c.res.Captures = append(c.res.Captures, *o.capture)
		}
		if o.gap != nil {
			c.res.Gaps = append(c.res.Gaps, *o.gap)
		}
		if o.capture == nil && o.gap == nil {
			// Not made, or not answered before ctx ended.
			c.cutGap("get namespaces", "namespace "+names[i], cutRead)
		}
	}
	return err
}

// classify turns a failed call into a gap, when the call was refused and
// the run can go on without its facts, or into the error Collect returns
// (STYLE.md "Errors": API errors are classified once, where collected).
// ref is the call as the user would read it ("list pods -n payments"),
// operation and scope name it in the gap ("list pods", "namespace
// payments").
func (c *collector) classify(ctx context.Context, err error, ref, operation, scope string) (*snapshot.Gap, error) {
	gap := func(reason string) (*snapshot.Gap, error) {
		return &snapshot.Gap{Source: "kube", Operation: operation, Resource: scope, Reason: reason}, nil
	}
	switch {
	case ctx.Err() != nil:
		return nil, c.stopped(ctx.Err())
	case apierrors.IsForbidden(err):
		// RBAC denied the call: the facts it would have given are
		// unknown, and the checks that need them skip.
		return gap(fmt.Sprintf("Forbidden: %s (see %s)", err.Error(), RBACFile))
	case apierrors.IsNotFound(err):
		// A List answered 404: the server does not serve this resource
		// at this version (an old cluster without batch/v1 CronJobs).
		return gap(fmt.Sprintf("NotFound: the API server does not serve this resource: %s", err.Error()))
	case apierrors.IsUnauthorized(err):
		return nil, fmt.Errorf("%s: %s rejected the kubeconfig credentials (Unauthorized): refresh them (for EKS, `aws eks get-token` must work with the current AWS credentials): %w", ref, c.server(), err)
	case errors.Is(err, context.DeadlineExceeded):
		return nil, fmt.Errorf("%s: no answer from %s within %s: %w", ref, c.server(), c.opts.PerCallTimeout, err)
	}
	return nil, fmt.Errorf("%s: %s: %w", ref, c.server(), err)
}

// stopped is the error of a collection whose context ended (Ctrl-C, the
// global --timeout).
func (c *collector) stopped(err error) error {
	return fmt.Errorf("collection from %s stopped: %w", c.server(), err)
}

// server names the API server for messages.
func (c *collector) server() string {
	if c.endpoint == "" {
		return "the Kubernetes API server"
	}
	return "the Kubernetes API server " + c.endpoint
}

// sort puts the result in a stable order: captures by path, listed entries
// by kind and scope, gaps by operation and resource.
func (c *collector) sort() {
	sort.Slice(c.res.Captures, func(i, j int) bool { return c.res.Captures[i].Path < c.res.Captures[j].Path })
	sort.Slice(c.res.Listed, func(i, j int) bool {
		a, b := c.res.Listed[i], c.res.Listed[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Namespace < b.Namespace
	})
	sort.Slice(c.res.Gaps, func(i, j int) bool {
		a, b := c.res.Gaps[i], c.res.Gaps[j]
		if a.Operation != b.Operation {
			return a.Operation < b.Operation
		}
		return a.Resource < b.Resource
	})
}
