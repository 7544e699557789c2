package model

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"
)

func targetKeys(ts []*Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Key()+" "+t.Mechanism)
	}
	return out
}

func TestTargetsDefault(t *testing.T) {
	s := fx.Mixed()
	got := targetKeys(Targets(s, Selector{}, NewIndex(s)))
	want := []string{
		"Deployment/pay/api irsa",
		"Pod/pay/api-abc-1 irsa",
		"Pod/pay/env-1 irsa",
		"Pod/pay/nosa-1 none", // SA proven missing: a target whatever its intent
		"Pod/pay/pi-1 pod-identity",
		"Pod/pay/typo-1 irsa", // near-miss annotation on the SA
		"ServiceAccount/pay/unused irsa",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
}

func TestTargetsNamed(t *testing.T) {
	s := fx.Mixed()
	got := targetKeys(Targets(s, Selector{Pods: []NamespacedName{{Namespace: "pay", Name: "plain-1"}}, SAs: []NamespacedName{{Namespace: "pay", Name: "unused"}}}, NewIndex(s)))
	want := []string{"Pod/pay/plain-1 none", "ServiceAccount/pay/unused irsa"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	got = targetKeys(Targets(s, Selector{Workloads: []WorkloadRef{{Kind: "deployment", Namespace: "pay", Name: "api"}}}, NewIndex(s)))
	want = []string{"Deployment/pay/api irsa", "Pod/pay/api-abc-1 irsa"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("workload targets (-want +got):\n%s", diff)
	}
	got = targetKeys(Targets(s, Selector{Namespaces: []string{"other"}}, NewIndex(s)))
	if len(got) != 0 {
		t.Errorf("namespace other: got targets %v", got)
	}
}

// TestTargetsKeep: Keep narrows the default selection without naming: a
// kept pod without intent stays out (naming it would diagnose it), and the
// ServiceAccount used by a pod left out by Keep is still not a target.
func TestTargetsKeep(t *testing.T) {
	s := fx.Mixed()
	keep := map[string]bool{"Pod/pay/env-1": true, "Pod/pay/plain-1": true, "Deployment/pay/api": true, "ServiceAccount/pay/api": true}
	got := targetKeys(Targets(s, Selector{Keep: func(kind, ns, name string) bool { return keep[kind+"/"+ns+"/"+name] }}, NewIndex(s)))
	want := []string{"Deployment/pay/api irsa", "Pod/pay/env-1 irsa"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	// A kept ServiceAccount is a target of its own only when no pod or
	// workload picked uses it, kept or not.
	for sa, want := range map[string][]string{"annotated": nil, "unused": {"ServiceAccount/pay/unused irsa"}} {
		keepSA := func(kind, ns, name string) bool { return kind == "ServiceAccount" && ns == "pay" && name == sa }
		if diff := cmp.Diff(want, targetKeys(Targets(s, Selector{Keep: keepSA}, NewIndex(s)))); diff != "" {
			t.Errorf("keeping ServiceAccount %s (-want +got):\n%s", sa, diff)
		}
	}
}

func TestTopOwnerResolvesReplicaSetByHash(t *testing.T) {
	s := fx.Mixed()
	s.Workloads = s.Workloads[:1] // only the Deployment: the ReplicaSet is not in the input
	ix := NewIndex(s)
	w, kind, name := ix.TopOwner("pay", &s.Pods[0].ObjectMeta)
	if w == nil || kind != "Deployment" || name != "api" {
		t.Errorf("TopOwner = %v %s %s, want the Deployment api", w, kind, name)
	}
}

func TestNearMiss(t *testing.T) {
	for key, want := range map[string]bool{
		"eks.amazonaws.com/role-arn":   false, // the real key is no near miss
		"eks.amazon.com/role-arn":      true,
		"EKS.amazonaws.com/Role-ARN":   true,
		" eks.amazonaws.com/role-arn ": true,
		"eks.amazonaws.com/role_arn":   true,
		"eks.amazonaws.com/rolearn":    true,
		"eks.amazonaws.com/roel-arn":   true, // transposition
		"eks.amazonaws.com/audience":   false,
		"iam.amazonaws.com/role":       false, // kube2iam/kiam: another mechanism
		"eks.amazonaws.com/role":       false, // distance 4
		"example.com/role-arn":         false,
	} {
		if got := IsNearMiss(key); got != want {
			t.Errorf("IsNearMiss(%q) = %v, want %v", key, got, want)
		}
	}
}

// TestTargetsKeepWithin: a selection that walks only Selector.Within
// picks what a walk of every object picks when Within holds what its
// contract asks, and walks every object when Within does not cover a
// ServiceAccount whose target Keep keeps.
func TestTargetsKeepWithin(t *testing.T) {
	s := fx.Mixed()
	keepOf := func(keys ...string) func(kind, ns, name string) bool {
		m := map[string]bool{}
		for _, k := range keys {
			m[k] = true
		}
		return func(kind, ns, name string) bool { return m[kind+"/"+ns+"/"+name] }
	}
	// within holds, in the snapshot's order, the objects keep keeps and
	// those that run as one of sas.
	within := func(keep func(kind, ns, name string) bool, sas ...string) *Within {
		w := &Within{ServiceAccounts: map[string]bool{}}
		for _, sa := range sas {
			w.ServiceAccounts[sa] = true
		}
		for _, p := range s.Pods {
			if keep("Pod", p.Namespace, p.Name) || w.ServiceAccounts[p.Namespace+"/"+p.Spec.ServiceAccount()] {
				w.Pods = append(w.Pods, p)
			}
		}
		for _, wl := range s.Workloads {
			if keep(wl.Kind, wl.Namespace, wl.Name) || w.ServiceAccounts[wl.Namespace+"/"+wl.Template.Spec.ServiceAccount()] {
				w.Workloads = append(w.Workloads, wl)
			}
		}
		return w
	}
	for _, tc := range []struct {
		name string
		keep func(kind, ns, name string) bool
		sas  []string
		want []string
	}{
		{name: "used ServiceAccount", keep: keepOf("ServiceAccount/pay/annotated", "Deployment/pay/api", "Pod/pay/api-abc-1", "Pod/pay/pi-1"),
			sas: []string{"pay/annotated"}, want: []string{"Deployment/pay/api irsa", "Pod/pay/api-abc-1 irsa", "Pod/pay/pi-1 pod-identity"}},
		{name: "unused ServiceAccount", keep: keepOf("ServiceAccount/pay/unused"), sas: []string{"pay/unused"},
			want: []string{"ServiceAccount/pay/unused irsa"}},
		// The pods of pay/plain are kept; its ServiceAccount is not.
		{name: "pods only", keep: keepOf("Pod/pay/env-1", "Pod/pay/plain-1"), want: []string{"Pod/pay/env-1 irsa"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := targetKeys(Targets(s, Selector{Keep: tc.keep}, NewIndex(s)))
			if diff := cmp.Diff(tc.want, all); diff != "" {
				t.Fatalf("walking every object (-want +got):\n%s", diff)
			}
			got := targetKeys(Targets(s, Selector{Keep: tc.keep, Within: within(tc.keep, tc.sas...)}, NewIndex(s)))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("walking Within (-want +got):\n%s", diff)
			}
		})
	}
	// Within is what is walked: without the users of pay/annotated, the
	// ServiceAccount looks unused and becomes a target of its own.
	keep := keepOf("ServiceAccount/pay/annotated")
	w := &Within{ServiceAccounts: map[string]bool{"pay/annotated": true}}
	if diff := cmp.Diff([]string{"ServiceAccount/pay/annotated irsa"}, targetKeys(Targets(s, Selector{Keep: keep, Within: w}, NewIndex(s)))); diff != "" {
		t.Errorf("Within without the users (-want +got):\n%s", diff)
	}
	// A Within that does not cover the kept ServiceAccount is not used.
	w.ServiceAccounts = map[string]bool{"pay/other": true}
	if got := targetKeys(Targets(s, Selector{Keep: keep, Within: w}, NewIndex(s))); len(got) != 0 {
		t.Errorf("Within not covering pay/annotated: got targets %v, want none (its users are picked)", got)
	}
}
