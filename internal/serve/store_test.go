package serve

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func yes() *bool { b := true; return &b }

func pod(ns, name, sa string, owner ...snapshot.OwnerReference) *snapshot.Pod {
	p := &snapshot.Pod{ObjectMeta: snapshot.ObjectMeta{Namespace: ns, Name: name, OwnerReferences: owner}}
	p.Spec.ServiceAccountName = sa
	return p
}

func workload(kind, ns, name, sa string, owner ...snapshot.OwnerReference) *snapshot.Workload {
	w := &snapshot.Workload{Kind: kind, ObjectMeta: snapshot.ObjectMeta{Namespace: ns, Name: name, OwnerReferences: owner}}
	w.Template.Spec.ServiceAccountName = sa
	return w
}

func ctrl(kind, name string) snapshot.OwnerReference {
	return snapshot.OwnerReference{Kind: kind, Name: name, Controller: yes()}
}

func sa(ns, name, role string) *snapshot.ServiceAccount {
	s := &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Namespace: ns, Name: name}}
	if role != "" {
		s.Annotations = map[string]string{roleAnnotation: role}
	}
	return s
}

// cluster is the store of the table tests: a Deployment api (through its
// ReplicaSet api-7d9f) with two pods, a bare pod, a CronJob's Job and
// pod, all but the CronJob's running as payments/s3-reader; 50 pods of
// another ServiceAccount; the agent's DaemonSet in kube-system.
func cluster() *Store {
	s := NewStore()
	s.Put(sa("payments", "s3-reader", "arn:aws:iam::111122223333:role/s3"))
	s.Put(sa("payments", "other", "arn:aws:iam::111122223333:role/other"))
	s.Put(workload("Deployment", "payments", "api", "s3-reader"))
	s.Put(workload("ReplicaSet", "payments", "api-7d9f", "s3-reader", ctrl("Deployment", "api")))
	p1 := pod("payments", "api-7d9f-a", "s3-reader", ctrl("ReplicaSet", "api-7d9f"))
	p1.Labels = map[string]string{"pod-template-hash": "7d9f"}
	s.Put(p1)
	p2 := pod("payments", "api-7d9f-b", "s3-reader", ctrl("ReplicaSet", "api-7d9f"))
	p2.Labels = map[string]string{"pod-template-hash": "7d9f"}
	s.Put(p2)
	s.Put(pod("payments", "debug", "s3-reader"))
	s.Put(workload("CronJob", "payments", "report", "other"))
	s.Put(workload("Job", "payments", "report-2901", "other", ctrl("CronJob", "report")))
	s.Put(pod("payments", "report-2901-x", "other", ctrl("Job", "report-2901")))
	for i := range 50 {
		s.Put(pod("payments", "other-"+string(rune('a'+i%26))+string(rune('a'+i/26)), "other"))
	}
	s.Put(workload("DaemonSet", agentNamespace, "eks-pod-identity-agent", ""))
	return s
}

func keys(t Touched) []string {
	var out []string
	for k := range t.Targets {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestTouched(t *testing.T) {
	for _, tc := range []struct {
		name    string
		event   func(s *Store) Touched
		full    bool
		want    []string
		assocNS []string
		roles   []string
	}{
		{name: "a ServiceAccount: it, its pods and workloads, and their owners",
			event: func(s *Store) Touched {
				return s.Put(sa("payments", "s3-reader", "arn:aws:iam::111122223333:role/s3-new"))
			},
			want: []string{"Deployment/payments/api", "Pod/payments/api-7d9f-a", "Pod/payments/api-7d9f-b", "Pod/payments/debug",
				"ReplicaSet/payments/api-7d9f", "ServiceAccount/payments/s3-reader"},
			assocNS: []string{"payments"}, roles: []string{"arn:aws:iam::111122223333:role/s3-new"}},
		{name: "a ServiceAccount deleted",
			event: func(s *Store) Touched { return s.Delete("ServiceAccount", "payments", "s3-reader") },
			want: []string{"Deployment/payments/api", "Pod/payments/api-7d9f-a", "Pod/payments/api-7d9f-b", "Pod/payments/debug",
				"ReplicaSet/payments/api-7d9f", "ServiceAccount/payments/s3-reader"},
			assocNS: []string{"payments"}},
		{name: "a ServiceAccount unchanged touches nothing",
			event: func(s *Store) Touched { return s.Put(sa("payments", "s3-reader", "arn:aws:iam::111122223333:role/s3")) }},
		{name: "a pod of a Deployment: it, the ReplicaSet, the Deployment, its ServiceAccount",
			event: func(s *Store) Touched {
				p := pod("payments", "api-7d9f-c", "s3-reader", ctrl("ReplicaSet", "api-7d9f"))
				p.Labels = map[string]string{"pod-template-hash": "7d9f"}
				return s.Put(p)
			},
			want: []string{"Deployment/payments/api", "Pod/payments/api-7d9f-c", "ReplicaSet/payments/api-7d9f", "ServiceAccount/payments/s3-reader"}},
		{name: "a pod whose ReplicaSet is not held: its Deployment by the pod-template-hash",
			event: func(s *Store) Touched {
				p := pod("payments", "web-5c6d-a", "s3-reader", ctrl("ReplicaSet", "web-5c6d"))
				p.Labels = map[string]string{"pod-template-hash": "5c6d"}
				return s.Put(p)
			},
			want: []string{"Deployment/payments/web", "Pod/payments/web-5c6d-a", "ReplicaSet/payments/web-5c6d", "ServiceAccount/payments/s3-reader"}},
		{name: "a pod of a CronJob's Job",
			event: func(s *Store) Touched { return s.Delete("Pod", "payments", "report-2901-x") },
			want:  []string{"CronJob/payments/report", "Job/payments/report-2901", "Pod/payments/report-2901-x", "ServiceAccount/payments/other"}},
		{name: "a pod that changes ServiceAccount: both",
			event: func(s *Store) Touched { return s.Put(pod("payments", "debug", "other")) },
			want:  []string{"Pod/payments/debug", "ServiceAccount/payments/other", "ServiceAccount/payments/s3-reader"}},
		{name: "a Deployment: it, its ReplicaSets and their pods",
			event: func(s *Store) Touched { return s.Put(workload("Deployment", "payments", "api", "other")) },
			want: []string{"Deployment/payments/api", "Pod/payments/api-7d9f-a", "Pod/payments/api-7d9f-b", "ReplicaSet/payments/api-7d9f",
				"ServiceAccount/payments/other", "ServiceAccount/payments/s3-reader"}},
		{name: "a pod deleted that was not held",
			event: func(s *Store) Touched { return s.Delete("Pod", "payments", "nope") }},
		{name: "a namespace: everything",
			event: func(s *Store) Touched {
				return s.Put(&snapshot.Namespace{ObjectMeta: snapshot.ObjectMeta{Name: "payments"}})
			}, full: true},
		{name: "a webhook configuration: everything",
			event: func(s *Store) Touched {
				return s.Put(&snapshot.WebhookConfiguration{ObjectMeta: snapshot.ObjectMeta{Name: "pod-identity-webhook"}})
			}, full: true},
		{name: "a node: everything",
			event: func(s *Store) Touched {
				return s.Put(&snapshot.Node{ObjectMeta: snapshot.ObjectMeta{Name: "ip-10-0-0-1"}})
			}, full: true},
		{name: "the Pod Identity agent's DaemonSet: everything",
			event: func(s *Store) Touched { return s.Delete("DaemonSet", agentNamespace, "eks-pod-identity-agent") }, full: true},
		{name: "a pod of the agent: everything",
			event: func(s *Store) Touched {
				return s.Put(pod(agentNamespace, "eks-pod-identity-agent-x", "", ctrl("DaemonSet", "eks-pod-identity-agent")))
			}, full: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.event(cluster())
			if got.Full != tc.full {
				t.Errorf("full %t, want %t", got.Full, tc.full)
			}
			if diff := cmp.Diff(tc.want, keys(got)); diff != "" {
				t.Errorf("touched (-want +got):\n%s", diff)
			}
			var ns []string
			for n := range got.AssocNamespaces {
				ns = append(ns, n)
			}
			if !slices.Equal(ns, tc.assocNS) {
				t.Errorf("association namespaces %v, want %v", ns, tc.assocNS)
			}
			var roles []string
			for r := range got.Roles {
				roles = append(roles, r)
			}
			if !slices.Equal(roles, tc.roles) {
				t.Errorf("roles %v, want %v", roles, tc.roles)
			}
		})
	}
}

func TestTouchedKeep(t *testing.T) {
	tt := Touched{Targets: map[string]bool{"Pod/payments/api": true}, AssocNamespaces: map[string]bool{"payments": true}}
	for _, tc := range []struct {
		kind, ns, name string
		want           bool
	}{
		{"Pod", "payments", "api", true},
		{"Pod", "payments", "web", false},
		{"Deployment", "payments", "api", false},
		{"PodIdentityAssociation", "payments", "a-123", true},
		{"PodIdentityAssociation", "billing", "a-456", false},
	} {
		if got := tt.Keep(tc.kind, tc.ns, tc.name); got != tc.want {
			t.Errorf("Keep(%s, %s, %s) = %t, want %t", tc.kind, tc.ns, tc.name, got, tc.want)
		}
	}
	if !(&Touched{Full: true}).Keep("Pod", "x", "y") {
		t.Error("a full Touched does not keep everything")
	}
}

// TestFactsOrder: the facts come sorted as scan's captures are (by
// namespace, then name; workloads by kind first), and a kind not changed
// since is not rebuilt.
func TestFactsOrder(t *testing.T) {
	s := NewStore()
	s.Put(pod("b", "x", "default"))
	s.Put(pod("a-b", "z", "default"))
	s.Put(pod("a", "y", "default"))
	s.Put(workload("CronJob", "a", "c", ""))
	s.Put(workload("Deployment", "b", "d", ""))
	f := s.Facts()
	var got []string
	for _, p := range f.Pods {
		got = append(got, p.Namespace+"/"+p.Name)
	}
	for _, w := range f.Workloads {
		got = append(got, w.Kind+"/"+w.Namespace+"/"+w.Name)
	}
	want := []string{"a/y", "a-b/z", "b/x", "Deployment/b/d", "CronJob/a/c"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	s.Put(sa("a", "default", ""))
	if g := s.Facts(); &g.Pods[0] != &f.Pods[0] {
		t.Error("the pods were rebuilt after a ServiceAccount changed")
	}
}

func TestIgnoring(t *testing.T) {
	s := cluster()
	if s.Ignoring() {
		t.Fatal("ignoring without any annotation")
	}
	p := pod("payments", "debug", "s3-reader")
	p.Annotations = map[string]string{"irsa-doctor.io/ignore": "IRSA110"}
	s.Put(p)
	if !s.Ignoring() {
		t.Fatal("the annotated pod not noted")
	}
	s.Put(pod("payments", "debug", "s3-reader"))
	if s.Ignoring() {
		t.Error("the annotation removed, still ignoring")
	}
	w := workload("Deployment", "payments", "api", "s3-reader")
	w.Annotations = map[string]string{"irsa-doctor.io/ignore": "IRSA110"}
	s.Put(w)
	s.Delete("Deployment", "payments", "api")
	if s.Ignoring() {
		t.Error("the annotated Deployment deleted, still ignoring")
	}
}
