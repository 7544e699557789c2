package serve

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/bundle/gen"
	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestFactsWithin: the objects a re-diagnosis walks are those the event
// touches and those of the ServiceAccounts it touches, in the order of
// Facts and the very objects Facts holds.
func TestFactsWithin(t *testing.T) {
	s := cluster()
	tt := s.Put(sa("payments", "s3-reader", "arn:aws:iam::111122223333:role/s3-new"))
	f, w := s.FactsWithin(tt, []string{"kube-system/assoc"})
	var got []string
	for _, p := range w.Pods {
		got = append(got, "Pod/"+p.Namespace+"/"+p.Name)
		if !slices.Contains(f.Pods, p) {
			t.Errorf("pod %s/%s is not the one Facts holds", p.Namespace, p.Name)
		}
	}
	for _, o := range w.Workloads {
		got = append(got, o.Kind+"/"+o.Namespace+"/"+o.Name)
		if !slices.Contains(f.Workloads, o) {
			t.Errorf("workload %s/%s/%s is not the one Facts holds", o.Kind, o.Namespace, o.Name)
		}
	}
	want := []string{"Pod/payments/api-7d9f-a", "Pod/payments/api-7d9f-b", "Pod/payments/debug", "Deployment/payments/api", "ReplicaSet/payments/api-7d9f"}
	if !slices.Equal(got, want) {
		t.Errorf("walked %v, want %v", got, want)
	}
	var sas []string
	for k := range w.ServiceAccounts {
		sas = append(sas, k)
	}
	slices.Sort(sas)
	if want := []string{"kube-system/assoc", "payments/s3-reader"}; !slices.Equal(sas, want) {
		t.Errorf("ServiceAccounts %v, want %v", sas, want)
	}
}

// TestWithinSameOutput: re-diagnosing what an event touches while walking
// only the objects FactsWithin returns gives, byte for byte, the engine's
// output of a walk of every object: for an edit of each ServiceAccount of
// a synthetic cluster with Deployments and EKS Pod Identity associations,
// and for a pod edit.
func TestWithinSameOutput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bundle")
	if err := gen.Write(dir, gen.Config{Pods: 200, ServiceAccounts: 40, Roles: 10, Namespaces: 4, Deployments: 12, PodIdentityAssociations: 4, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	snap, err := bundle.Read(context.Background(), []string{dir}, bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.PodIdentityAssociations) == 0 {
		t.Fatal("the bundle holds no association")
	}
	s := serverFromSnapshot(snap)
	// A pod that runs as an association's ServiceAccount, which the
	// cluster does not hold: whether it is picked decides whether the
	// association is a target of its own.
	a := snap.PodIdentityAssociations[0]
	assocPod := &snapshot.Pod{ObjectMeta: snapshot.ObjectMeta{Namespace: a.Namespace, Name: "uses-association"},
		Spec:   snapshot.PodSpec{ServiceAccountName: a.ServiceAccount, Containers: []snapshot.Container{{Name: "app"}}},
		Status: snapshot.PodStatus{Phase: "Running"}}
	s.store.Put(assocPod)

	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	compare := func(name string, touched Touched) (targets int, within *model.Within) {
		t.Helper()
		snap, within := s.assemble(touched)
		if len(within.Pods) >= len(snap.Pods) {
			t.Errorf("%s: walks %d of the %d pods", name, len(within.Pods), len(snap.Pods))
		}
		with := check.Run(snap, check.Options{Selector: model.Selector{Keep: touched.Keep, Within: within}, Now: now, DropPasses: true})
		every := check.Run(snap, check.Options{Selector: model.Selector{Keep: touched.Keep}, Now: now, DropPasses: true})
		got, err := json.Marshal(with)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(every)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: walking Within gives\n%s\nwalking every object gives\n%s", name, got, want)
		}
		return len(every.Targets), within
	}

	keys := make([]string, 0, len(snap.ServiceAccounts))
	for k := range snap.ServiceAccounts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	judged, assocChecked := 0, false
	for _, k := range keys {
		edited := *snap.ServiceAccounts[k]
		edited.Annotations = map[string]string{"example.com/edited": "yes"}
		for ak, av := range snap.ServiceAccounts[k].Annotations {
			edited.Annotations[ak] = av
		}
		n, within := compare("edit of ServiceAccount "+k, s.store.Put(&edited))
		judged += n
		if edited.Namespace == a.Namespace {
			assocChecked = true
			if !within.ServiceAccounts[snapshot.Key(a.Namespace, a.ServiceAccount)] || !slices.Contains(within.Pods, assocPod) {
				t.Errorf("edit of ServiceAccount %s: Within leaves out association %s's ServiceAccount or its pod", k, a.ID)
			}
		}
	}
	if judged == 0 || !assocChecked {
		t.Fatalf("no target judged (%d), or no edit in the association's namespace %s", judged, a.Namespace)
	}
	var p *snapshot.Pod
	for _, c := range snap.Pods {
		if c.ControllerOf() != nil {
			p = c
			break
		}
	}
	edited := *p
	edited.Labels = map[string]string{"example.com/edited": "yes"}
	for lk, lv := range p.Labels {
		edited.Labels[lk] = lv
	}
	if n, _ := compare("edit of pod "+p.Namespace+"/"+p.Name, s.store.Put(&edited)); n == 0 {
		t.Errorf("edit of pod %s/%s: no target judged", p.Namespace, p.Name)
	}
}
