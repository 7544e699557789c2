package serve

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/bundle/gen"
	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/suppress"
)

// TestMeasureSynthetic measures serve's diagnosis on the synthetic
// 10,000-pod cluster of bench-analyze (internal/bundle/gen, with 500
// Deployments; IRSA_DOCTOR_SERVE_MEASURE_PODS sizes it), fed to the store
// as the informers would feed it: a full diagnosis, the re-diagnosis after
// one ServiceAccount edit (seven times), and the heap and RSS once settled. One run of each, not a benchmark loop: set
// IRSA_DOCTOR_SERVE_MEASURE=1 (docs/performance.md, "serve").
func TestMeasureSynthetic(t *testing.T) {
	if os.Getenv("IRSA_DOCTOR_SERVE_MEASURE") == "" {
		t.Skip("set IRSA_DOCTOR_SERVE_MEASURE=1 to measure serve on the 10,000-pod synthetic cluster")
	}
	dir := filepath.Join(t.TempDir(), "bundle")
	// IRSA_DOCTOR_SERVE_MEASURE_PODS sizes the cluster (10,000 pods by
	// default): the re-diagnosis after one edit must not grow with it.
	// Each Deployment keeps 20 pods, so that the ServiceAccount edited
	// (that of a Deployment) has 21 targets at every size; the
	// ServiceAccounts and roles stay 2,000 and 500. Below 2,000 pods the
	// Deployments would all run as the namespaces' default
	// ServiceAccounts, which name no role.
	pods := 10000
	if v := os.Getenv("IRSA_DOCTOR_SERVE_MEASURE_PODS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("IRSA_DOCTOR_SERVE_MEASURE_PODS=%q: want a number of pods", v)
		}
		pods = n
	}
	if pods < 2000 {
		t.Fatalf("IRSA_DOCTOR_SERVE_MEASURE_PODS=%d: measure at 2,000 pods or more (see above)", pods)
	}
	cfg := gen.Config{Seed: 14, Deployments: pods / 20, Pods: pods}
	if pods > 10000 {
		// One List per namespace: the List of every pod would pass the
		// reader's 256 MiB limit, and be skipped.
		cfg.PodLayout = gen.PodNamespaces
	}
	if err := gen.Write(dir, cfg); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	snap, err := bundle.Read(ctx, []string{dir}, bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The AWS side is the bundle's; the Kubernetes side goes through the
	// store, one object at a time.
	s := serverFromSnapshot(snap)
	s.metrics = NewMetrics(s.state, "measure")
	snap = nil

	runtime.GC()
	start := time.Now()
	s.diagnose(ctx, Touched{Full: true}, "start")
	full := time.Since(start)
	findings, targets := s.state.Aggregate()
	nTargets := 0
	for _, n := range targets {
		nTargets += n
	}

	// The annotated ServiceAccount with the most targets: its
	// annotations change (a label an admission controller might add).
	users := map[string]int{}
	for _, tg := range s.state.targets {
		users[snapshot.Key(tg.t.Namespace, tg.t.ServiceAccount)]++
	}
	var sa *snapshot.ServiceAccount
	for key, n := range users {
		cur := s.store.sas[key]
		if cur == nil || cur.Annotations[roleAnnotation] == "" {
			continue
		}
		if sa == nil || n > users[snapshot.Key(sa.Namespace, sa.Name)] ||
			n == users[snapshot.Key(sa.Namespace, sa.Name)] && key < snapshot.Key(sa.Namespace, sa.Name) {
			sa = cur
		}
	}
	want := users[snapshot.Key(sa.Namespace, sa.Name)]
	// The edit is made edits times (the annotation's value changes each
	// time): one run at a loaded machine is noise, the fastest and the
	// median say more.
	const edits = 7
	var each []time.Duration
	// Settled, as between events: the full diagnosis leaves garbage in
	// proportion to the cluster, whose collection would land on the
	// first edits.
	runtime.GC()
	parts := ""
	for i := range edits {
		edited := *sa
		edited.Annotations = map[string]string{}
		for k, v := range sa.Annotations {
			edited.Annotations[k] = v
		}
		edited.Annotations["example.com/edited"] = strconv.Itoa(i)
		start = time.Now()
		touched := s.store.Put(&edited)
		put := time.Since(start)
		if i == 0 {
			parts = timeParts(s, touched)
		}
		start = time.Now()
		s.diagnose(ctx, touched, "event")
		each = append(each, put+time.Since(start))
	}
	slices.Sort(each)
	rediag := 0.0
	if m, err := s.metrics.Registry.Gather(); err == nil {
		for _, mf := range m {
			if mf.GetName() == "irsa_doctor_rediagnosed_targets_total" {
				rediag = mf.GetMetric()[0].GetCounter().GetValue()
			}
		}
	}

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss := ""
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "VmRSS:") || strings.HasPrefix(l, "VmHWM:") {
				rss += strings.Join(strings.Fields(l), " ") + "; "
			}
		}
	}
	t.Logf("%d pods, targets %d, failing label sets %d; full diagnosis %s; ServiceAccount %s/%s edited %d times (%d targets use it): %v targets re-diagnosed, each edit in %s (fastest), %s (median), %s (slowest); the first's parts: %s; heap in use %.0f MiB after GC; %s",
		pods, nTargets, len(findings), full.Round(time.Millisecond), sa.Namespace, sa.Name, edits, want, rediag,
		each[0].Round(10*time.Microsecond), each[edits/2].Round(10*time.Microsecond), each[edits-1].Round(10*time.Microsecond), parts,
		float64(ms.HeapInuse)/(1<<20), rss)
	fmt.Fprintln(os.Stderr)
	runtime.KeepAlive(s)
	if rediag != float64(edits*want) {
		t.Errorf("re-diagnosed %v targets, want %d (%d edits of a ServiceAccount %d targets use)", rediag, edits*want, edits, want)
	}
}

// timeParts times the steps of one re-diagnosis of touched, once: assembling
// the snapshot, the engine (and in it the choice of the targets), the
// suppressions, and the state's update (applying what diagnose applies
// after it again changes nothing).
func timeParts(s *Server, touched Touched) string {
	t0 := time.Now()
	snap, within := s.assemble(touched)
	t1 := time.Now()
	sel := model.Selector{Keep: touched.Keep, Within: within}
	out := check.Run(snap, check.Options{Selector: sel, Now: time.Now(), DropPasses: true})
	t2 := time.Now()
	res := &finding.Result{Targets: out.Targets, Findings: out.Findings}
	if s.store.Ignoring() {
		if rules, _ := suppress.Annotations(snap); len(rules) > 0 {
			suppress.Apply(res, snap, rules)
		}
	}
	t3 := time.Now()
	s.state.Apply(res, touched)
	t4 := time.Now()
	model.Targets(snap, sel, model.NewIndex(snap))
	t5 := time.Now()
	return fmt.Sprintf("assemble %s, engine %s (of which choosing the targets, walking %d of the %d pods, %s), suppressions %s, state %s",
		t1.Sub(t0).Round(10*time.Microsecond), t2.Sub(t1).Round(10*time.Microsecond), len(within.Pods), len(snap.Pods),
		t5.Sub(t4).Round(10*time.Microsecond), t3.Sub(t2).Round(10*time.Microsecond), t4.Sub(t3).Round(10*time.Microsecond))
}

// serverFromSnapshot is a Server whose AWS facts are snap's and whose
// store holds snap's Kubernetes objects, put one at a time as the
// informers would, every watched kind synced.
func serverFromSnapshot(snap *snapshot.Snapshot) *Server {
	base := *snap
	base.Pods, base.Workloads, base.Webhooks, base.Nodes = nil, nil, nil, nil
	base.ServiceAccounts, base.Namespaces = map[string]*snapshot.ServiceAccount{}, map[string]*snapshot.Namespace{}
	s := &Server{opts: Options{Now: time.Now}, log: slog.New(slog.DiscardHandler), store: NewStore(), state: NewState(), synced: map[string]bool{}}
	s.aws = &awsFacts{base: &base}
	for _, w := range watchedKinds {
		s.synced[w.resource] = true
	}
	for _, p := range snap.Pods {
		s.store.Put(p)
	}
	for _, w := range snap.Workloads {
		s.store.Put(w)
	}
	for _, sa := range snap.ServiceAccounts {
		s.store.Put(sa)
	}
	for _, ns := range snap.Namespaces {
		s.store.Put(ns)
	}
	for _, w := range snap.Webhooks {
		s.store.Put(w)
	}
	for _, n := range snap.Nodes {
		s.store.Put(n)
	}
	return s
}
