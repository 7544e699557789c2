package snapshottest

import "github.com/irsa-doctor/irsa-doctor/internal/snapshot"

func ptrTrue() *bool { b := true; return &b }

func i32(v int32) *int32 { return &v }

// Mixed is a namespace "pay" of every kind of target: a Deployment and its
// pod, pods of an annotated, a misspelled, a plain and a missing
// ServiceAccount, a pod with AWS_ROLE_ARN of its own, a finished pod, a
// Pod Identity pod, an unused annotated ServiceAccount, and ReplicaSets
// scaled to 0 and owned by the Deployment.
func Mixed() *snapshot.Snapshot {
	s := snapshot.New("offline")
	src := snapshot.Source{Kind: "bundle", Ref: "in.json"}
	s.ServiceAccounts["pay/annotated"] = &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Namespace: "pay", Name: "annotated",
		Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/pay"}}, Source: src}
	s.ServiceAccounts["pay/typo"] = &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Namespace: "pay", Name: "typo",
		Annotations: map[string]string{"eks.amazon.com/role-arn": "arn:aws:iam::111122223333:role/pay"}}, Source: src}
	s.ServiceAccounts["pay/plain"] = &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Namespace: "pay", Name: "plain"}, Source: src}
	s.ServiceAccounts["pay/unused"] = &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Namespace: "pay", Name: "unused",
		Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/unused"}}, Source: src}
	s.Listings = append(s.Listings, snapshot.Listing{Kind: snapshot.KindServiceAccount, Namespace: "pay", Source: src})
	pod := func(name, sa string, mod func(*snapshot.Pod)) *snapshot.Pod {
		p := &snapshot.Pod{ObjectMeta: snapshot.ObjectMeta{Namespace: "pay", Name: name}, Source: src,
			Spec: snapshot.PodSpec{ServiceAccountName: sa, Containers: []snapshot.Container{{Name: "app"}}}, Status: snapshot.PodStatus{Phase: "Running"}}
		if mod != nil {
			mod(p)
		}
		return p
	}
	s.Pods = []*snapshot.Pod{
		pod("api-abc-1", "annotated", func(p *snapshot.Pod) {
			p.Labels = map[string]string{"pod-template-hash": "abc"}
			p.OwnerReferences = []snapshot.OwnerReference{{Kind: "ReplicaSet", Name: "api-abc", Controller: ptrTrue()}}
		}),
		pod("typo-1", "typo", nil),
		pod("plain-1", "plain", nil),
		pod("env-1", "plain", func(p *snapshot.Pod) {
			p.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: "AWS_ROLE_ARN", Value: "arn:aws:iam::111122223333:role/x"}}
		}),
		pod("done-1", "annotated", func(p *snapshot.Pod) { p.Status.Phase = "Succeeded" }),
		pod("nosa-1", "ghost", nil),
		pod("pi-1", "annotated", func(p *snapshot.Pod) {
			p.Spec.Volumes = []snapshot.Volume{{Name: "eks-pod-identity-token"}}
		}),
	}
	s.Workloads = []*snapshot.Workload{
		{Kind: "Deployment", ObjectMeta: snapshot.ObjectMeta{Namespace: "pay", Name: "api"}, Source: src,
			Template: snapshot.PodTemplate{Spec: snapshot.PodSpec{ServiceAccountName: "annotated", Containers: []snapshot.Container{{Name: "app"}}}}},
		{Kind: "ReplicaSet", ObjectMeta: snapshot.ObjectMeta{Namespace: "pay", Name: "old"}, Replicas: i32(0), Source: src,
			Template: snapshot.PodTemplate{Spec: snapshot.PodSpec{ServiceAccountName: "annotated"}}},
		{Kind: "ReplicaSet", ObjectMeta: snapshot.ObjectMeta{Namespace: "pay", Name: "api-abc",
			OwnerReferences: []snapshot.OwnerReference{{Kind: "Deployment", Name: "api", Controller: ptrTrue()}}}, Source: src,
			Template: snapshot.PodTemplate{Spec: snapshot.PodSpec{ServiceAccountName: "annotated"}}},
	}
	s.Sort()
	return s
}
