package serve

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
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
// Deployments), fed to the store as the informers would feed it: a full
// diagnosis, the re-diagnosis after one ServiceAccount edit, and the heap
// and RSS once settled. One run of each, not a benchmark loop: set
// IRSA_DOCTOR_SERVE_MEASURE=1 (docs/performance.md, "serve").
func TestMeasureSynthetic(t *testing.T) {
	if os.Getenv("IRSA_DOCTOR_SERVE_MEASURE") == "" {
		t.Skip("set IRSA_DOCTOR_SERVE_MEASURE=1 to measure serve on the 10,000-pod synthetic cluster")
	}
	dir := filepath.Join(t.TempDir(), "bundle")
	if err := gen.Write(dir, gen.Config{Seed: 14, Deployments: 500}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	snap, err := bundle.Read(ctx, []string{dir}, bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The AWS side is the bundle's; the Kubernetes side goes through the
	// store, one object at a time.
	base := *snap
	base.Pods, base.Workloads, base.Webhooks, base.Nodes = nil, nil, nil, nil
	base.ServiceAccounts, base.Namespaces = map[string]*snapshot.ServiceAccount{}, map[string]*snapshot.Namespace{}
	s := &Server{opts: Options{Now: time.Now}, log: slog.New(slog.DiscardHandler), store: NewStore(), state: NewState(), synced: map[string]bool{}}
	s.metrics = NewMetrics(s.state, "measure")
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
	edited := *sa
	edited.Annotations = map[string]string{}
	for k, v := range sa.Annotations {
		edited.Annotations[k] = v
	}
	edited.Annotations["example.com/edited"] = "yes"
	start = time.Now()
	touched := s.store.Put(&edited)
	put := time.Since(start)
	parts := timeParts(s, touched)
	start = time.Now()
	s.diagnose(ctx, touched, "event")
	one := put + time.Since(start)
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
	t.Logf("targets %d, failing label sets %d; full diagnosis %s; ServiceAccount %s/%s edit (%d targets use it): %v targets re-diagnosed in %s (%s); heap in use %.0f MiB after GC; %s",
		nTargets, len(findings), full.Round(time.Millisecond), sa.Namespace, sa.Name, want, rediag, one.Round(100*time.Microsecond), parts,
		float64(ms.HeapInuse)/(1<<20), rss)
	fmt.Fprintln(os.Stderr)
	runtime.KeepAlive(s)
	if rediag != float64(want) {
		t.Errorf("re-diagnosed %v targets, want %d (the targets that use the ServiceAccount)", rediag, want)
	}
}

// timeParts times the steps of one re-diagnosis of touched, once, without
// applying it: assembling the snapshot, the engine, the suppressions.
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
	model.Targets(snap, sel, model.NewIndex(snap))
	t4 := time.Now()
	return fmt.Sprintf("assemble %s, engine %s (of which choosing the targets, walking %d of the %d pods, %s), suppressions %s",
		t1.Sub(t0).Round(100*time.Microsecond), t2.Sub(t1).Round(100*time.Microsecond), len(within.Pods), len(snap.Pods), t4.Sub(t3).Round(100*time.Microsecond), t3.Sub(t2).Round(100*time.Microsecond))
}
