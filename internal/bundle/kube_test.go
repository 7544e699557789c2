package bundle

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func sa(ns, name string, ann map[string]string) *snapshot.ServiceAccount {
	return &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Namespace: ns, Name: name, Annotations: ann}, Source: stdinSrc}
}

func TestReadKube(t *testing.T) {
	const roleARN = "arn:aws:iam::111122223333:role/s3-reader"
	tests := []struct {
		name  string
		input string
		want  *snapshot.Snapshot
	}{
		{
			name: "service account list of one namespace proves absence there",
			input: `{"apiVersion": "v1", "items": [
				{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "payments"}},
				{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "s3-reader", "namespace": "payments",
				 "annotations": {"eks.amazonaws.com/role-arn": "` + roleARN + `"}}}
			], "kind": "List", "metadata": {"resourceVersion": ""}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.ServiceAccounts["payments/default"] = sa("payments", "default", nil)
				s.ServiceAccounts["payments/s3-reader"] = sa("payments", "s3-reader", map[string]string{"eks.amazonaws.com/role-arn": roleARN})
				s.Listings = []snapshot.Listing{{Kind: snapshot.KindServiceAccount, Namespace: "payments", Source: stdinSrc}}
				s.Files = file("kubectl:ServiceAccountList", "")
			}),
		},
		{
			name: "service account list across namespaces is an -A list",
			input: `{"apiVersion": "v1", "items": [
				{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "a"}},
				{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "b"}}
			], "kind": "List", "metadata": {"resourceVersion": ""}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.ServiceAccounts["a/default"] = sa("a", "default", nil)
				s.ServiceAccounts["b/default"] = sa("b", "default", nil)
				s.Listings = []snapshot.Listing{{Kind: snapshot.KindServiceAccount, AllNamespaces: true, Source: stdinSrc}}
				s.Files = file("kubectl:ServiceAccountList", "")
			}),
		},
		{
			// kubectl get sa api worker -n payments -o json: a List of two
			// named objects, not of the namespace.
			name: "service account list without the namespace's default proves nothing",
			input: `{"apiVersion": "v1", "items": [
				{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "api", "namespace": "payments"}},
				{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "worker", "namespace": "payments"}}
			], "kind": "List", "metadata": {"resourceVersion": ""}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.ServiceAccounts["payments/api"] = sa("payments", "api", nil)
				s.ServiceAccounts["payments/worker"] = sa("payments", "worker", nil)
				s.Files = file("kubectl:ServiceAccountList", "")
			}),
		},
		{
			// kubectl get sa -A -o json | jq '.items |= map(select(.metadata.annotations["eks.amazonaws.com/role-arn"]))'
			name: "service account list across namespaces without any default proves nothing",
			input: `{"apiVersion": "v1", "items": [
				{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "s3-reader", "namespace": "payments",
				 "annotations": {"eks.amazonaws.com/role-arn": "` + roleARN + `"}}},
				{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "ebs-csi-controller-sa", "namespace": "kube-system",
				 "annotations": {"eks.amazonaws.com/role-arn": "` + roleARN + `"}}}
			], "kind": "List", "metadata": {"resourceVersion": ""}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.ServiceAccounts["payments/s3-reader"] = sa("payments", "s3-reader", map[string]string{"eks.amazonaws.com/role-arn": roleARN})
				s.ServiceAccounts["kube-system/ebs-csi-controller-sa"] = sa("kube-system", "ebs-csi-controller-sa", map[string]string{"eks.amazonaws.com/role-arn": roleARN})
				s.Files = file("kubectl:ServiceAccountList", "")
			}),
		},
		{
			name: "service account list across namespaces proves only the namespaces whose default it has",
			input: `{"apiVersion": "v1", "items": [
				{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "a"}},
				{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "api", "namespace": "a"}},
				{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "b"}},
				{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "api", "namespace": "c"}}
			], "kind": "List", "metadata": {"resourceVersion": ""}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.ServiceAccounts["a/default"] = sa("a", "default", nil)
				s.ServiceAccounts["a/api"] = sa("a", "api", nil)
				s.ServiceAccounts["b/default"] = sa("b", "default", nil)
				s.ServiceAccounts["c/api"] = sa("c", "api", nil)
				s.Listings = []snapshot.Listing{
					{Kind: snapshot.KindServiceAccount, Namespace: "a", Source: stdinSrc},
					{Kind: snapshot.KindServiceAccount, Namespace: "b", Source: stdinSrc},
				}
				s.Files = file("kubectl:ServiceAccountList", "")
			}),
		},
		{
			name: "a default ServiceAccount outside a List proves nothing",
			input: `{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "payments"}}
			{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "api", "namespace": "payments"}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.ServiceAccounts["payments/default"] = sa("payments", "default", nil)
				s.ServiceAccounts["payments/api"] = sa("payments", "api", nil)
				s.Files = file("kubectl:ServiceAccount", "")
			}),
		},
		{
			name:  "empty list proves nothing",
			input: `{"apiVersion": "v1", "items": [], "kind": "List", "metadata": {"resourceVersion": ""}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("kubectl:List", "")
			}),
		},
		{
			name:  "single service account proves nothing",
			input: `{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "api", "namespace": "payments"}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.ServiceAccounts["payments/api"] = sa("payments", "api", nil)
				s.Files = file("kubectl:ServiceAccount", "")
			}),
		},
		{
			name: "typed PodList from the raw API: items carry no kind",
			input: `{"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "9"}, "items": [
				{"metadata": {"name": "p1", "namespace": "ns1"}, "spec": {"serviceAccountName": "api", "containers": [{"name": "c"}]},
				 "status": {"phase": "Running"}}]}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{{ObjectMeta: snapshot.ObjectMeta{Name: "p1", Namespace: "ns1"},
					Spec:   snapshot.PodSpec{ServiceAccountName: "api", Containers: []snapshot.Container{{Name: "c"}}},
					Status: snapshot.PodStatus{Phase: "Running"}, Source: stdinSrc}}
				s.Listings = []snapshot.Listing{{Kind: snapshot.KindPod, Namespace: "ns1", Source: stdinSrc}}
				s.Files = file("kubectl:PodList", "")
			}),
		},
		{
			name: "namespace and webhook lists are cluster-scoped and complete",
			input: `{"apiVersion": "v1", "kind": "List", "items": [
				{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "payments", "labels": {"team": "pay"}}, "status": {"phase": "Active"}}]}
			{"apiVersion": "v1", "kind": "List", "items": [
				{"apiVersion": "admissionregistration.k8s.io/v1beta1", "kind": "MutatingWebhookConfiguration",
				 "metadata": {"name": "pod-identity-webhook"},
				 "webhooks": [{"name": "iam-for-pods.amazonaws.com", "failurePolicy": "Ignore",
				   "clientConfig": {"service": {"namespace": "default", "name": "pod-identity-webhook", "path": "/mutate"}}}]}]}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Namespaces["payments"] = &snapshot.Namespace{ObjectMeta: snapshot.ObjectMeta{Name: "payments", Labels: map[string]string{"team": "pay"}}, Source: stdinSrc}
				s.Webhooks = []*snapshot.WebhookConfiguration{{ObjectMeta: snapshot.ObjectMeta{Name: "pod-identity-webhook"},
					Webhooks: []snapshot.MutatingWebhook{{Name: "iam-for-pods.amazonaws.com", FailurePolicy: "Ignore",
						ClientConfig: snapshot.WebhookClientConfig{Service: &snapshot.ServiceReference{Namespace: "default", Name: "pod-identity-webhook", Path: ptr("/mutate")}}}},
					Source: stdinSrc}}
				s.Listings = []snapshot.Listing{
					{Kind: snapshot.KindWebhookConfiguration, AllNamespaces: true, Source: stdinSrc},
					{Kind: snapshot.KindNamespace, AllNamespaces: true, Source: stdinSrc},
				}
				s.Files = file("kubectl:NamespaceList,kubectl:MutatingWebhookConfigurationList", "")
			}),
		},
		{
			name: "mixed List gives one listing per kind",
			input: `{"apiVersion": "v1", "kind": "List", "items": [
				{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"}, "spec": {}},
				{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "a"}},
				{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "a"}, "data": {"k": "v"}},
				{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "a"}, "data": {"k": "c2VjcmV0"}}]}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{{ObjectMeta: snapshot.ObjectMeta{Name: "p", Namespace: "a"}, Source: stdinSrc}}
				s.ServiceAccounts["a/default"] = sa("a", "default", nil)
				// A ConfigMap without an AWS config file is recognised and
				// keeps its name only: not the key k, not the value v.
				s.ConfigMaps = []*snapshot.ConfigMap{{Namespace: "a", Name: "cm", Source: stdinSrc}}
				s.Listings = []snapshot.Listing{
					{Kind: snapshot.KindPod, Namespace: "a", Source: stdinSrc},
					{Kind: snapshot.KindServiceAccount, Namespace: "a", Source: stdinSrc},
				}
				s.Files = file("kubectl:List", "")
			}),
		},
		{
			name: "workloads: template, jobTemplate and replicas",
			input: `{"apiVersion": "v1", "kind": "List", "items": [
				{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "n"},
				 "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "d"}}, "spec": {"serviceAccountName": "sa-d"}}}},
				{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s", "namespace": "n"},
				 "spec": {"template": {"spec": {"serviceAccountName": "sa-s"}}}},
				{"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds", "namespace": "n"},
				 "spec": {"template": {"spec": {"serviceAccountName": "sa-ds"}}}},
				{"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "d-1", "namespace": "n",
				 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "d", "controller": true}]},
				 "spec": {"replicas": 0, "template": {"spec": {"serviceAccountName": "sa-d"}}}},
				{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "n"},
				 "spec": {"parallelism": 2, "template": {"spec": {"serviceAccountName": "sa-j"}}}},
				{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c", "namespace": "n"},
				 "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {"serviceAccountName": "sa-c"}}}}}},
				{"apiVersion": "batch.volcano.sh/v1alpha1", "kind": "Job", "metadata": {"name": "vj", "namespace": "n"}, "spec": {"tasks": []}}]}`,
			want: want(func(s *snapshot.Snapshot) {
				wl := func(kind, apiVersion, name string, replicas *int32, sa string) *snapshot.Workload {
					return &snapshot.Workload{Kind: kind, APIVersion: apiVersion, ObjectMeta: snapshot.ObjectMeta{Name: name, Namespace: "n"},
						Replicas: replicas, Template: snapshot.PodTemplate{Spec: snapshot.PodSpec{ServiceAccountName: sa}}, Source: stdinSrc}
				}
				d := wl("Deployment", "apps/v1", "d", ptr[int32](3), "sa-d")
				d.Template.Labels = map[string]string{"app": "d"}
				rs := wl("ReplicaSet", "apps/v1", "d-1", ptr[int32](0), "sa-d")
				rs.OwnerReferences = []snapshot.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "d", Controller: ptr(true)}}
				s.Workloads = []*snapshot.Workload{d, wl("StatefulSet", "apps/v1", "s", nil, "sa-s"), wl("DaemonSet", "apps/v1", "ds", nil, "sa-ds"),
					rs, wl("Job", "batch/v1", "j", nil, "sa-j"), wl("CronJob", "batch/v1", "c", nil, "sa-c")}
				// A List with DaemonSets proves the DaemonSets of their
				// namespace complete (the EKS Pod Identity Agent, IRSA403).
				s.Listings = []snapshot.Listing{{Kind: snapshot.KindDaemonSet, Namespace: "n", Source: stdinSrc}}
				s.Files = file("kubectl:List", "")
			}),
		},
		{
			name: "kubectl version keeps serverVersion",
			input: `{"clientVersion": {"major": "1", "minor": "30", "gitVersion": "v1.30.2"},
				"kustomizeVersion": "v5.0.4", "serverVersion": {"major": "1", "minor": "29+", "gitVersion": "v1.29.4-eks-036c24b", "platform": "linux/amd64"}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.ServerVersion = &snapshot.ServerVersion{Major: "1", Minor: "29+", GitVersion: "v1.29.4-eks-036c24b", Source: stdinSrc}
				s.Files = file("kubectl:Version", "")
			}),
		},
		{
			// The copies differ and neither is known to be newer: the first
			// stays (a pod is a target), with the warning.
			name: "several values in one stream, the same pod twice kept once, with a warning",
			input: `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"}, "spec": {"serviceAccountName": "first"}}
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"}, "spec": {"serviceAccountName": "second"}}
{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x", "namespace": "a"}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{{ObjectMeta: snapshot.ObjectMeta{Name: "p", Namespace: "a"}, Spec: snapshot.PodSpec{ServiceAccountName: "first"}, Source: stdinSrc}}
				s.ServiceAccounts["a/x"] = sa("a", "x", nil)
				s.Gaps = []snapshot.Gap{{Source: "bundle", Operation: "copies", Resource: "Pod a/p",
					Reason: "2 copies that differ: -, and none is known to be newer; used the first, -; keep one copy in the input (move the others out) and run again"}}
				s.Files = file("kubectl:Pod,kubectl:ServiceAccount", "")
			}),
		},
		{
			name:  "a list of kinds irsa-doctor does not use is not recognised",
			input: `{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}}]}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("", "-:1:1: a kubectl List of Service objects, which irsa-doctor does not use")
			}),
		},
		{
			name:  "a Secret is never read",
			input: `{"apiVersion": "v1", "data": {"token": "c2VjcmV0"}, "kind": "Secret", "metadata": {"name": "s", "namespace": "a"}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("", "-:1:1: a kubectl Secret (v1): not read: irsa-doctor never reads Secrets")
			}),
		},
		{
			name: "an item that does not decode is skipped, the rest kept, the list still proves absence",
			input: `{"apiVersion": "v1", "kind": "List", "items": [
{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bad", "namespace": "n"}, "spec": {"replicas": "three"}},
{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "n"}}]}`,
			want: want(func(s *snapshot.Snapshot) {
				s.ServiceAccounts["n/default"] = sa("n", "default", nil)
				s.Listings = []snapshot.Listing{{Kind: snapshot.KindServiceAccount, Namespace: "n", Source: stdinSrc}}
				s.Files = file("kubectl:List", `-:2:117: item 0 (Deployment): cannot decode: /spec/replicas: a string where an integer is expected; skipped`)
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmpSnap(t, tt.want, readStdin(t, tt.input))
		})
	}
}

// TestReadLargeLists exercises the parallel item pipeline: Lists larger
// than a batch, items in order, typed Lists whose items carry no kind, and
// a large List cut short.
func TestReadLargeLists(t *testing.T) {
	item := func(i int, withKind bool) string {
		kind := ""
		if withKind {
			kind = `"apiVersion": "v1", "kind": "Pod", `
		}
		return fmt.Sprintf(`{%s"metadata": {"name": "p%04d", "namespace": "ns%d"}, "spec": {"serviceAccountName": "sa%d"}}`, kind, i, i%3, i)
	}
	items := func(n int, withKind bool) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(item(i, withKind))
		}
		return b.String()
	}
	check := func(t *testing.T, s *snapshot.Snapshot, n int) {
		t.Helper()
		if len(s.Pods) != n {
			t.Fatalf("got %d pods, want %d", len(s.Pods), n)
		}
		for _, p := range s.Pods {
			var i, ns int
			if _, err := fmt.Sscanf(p.Name, "p%04d", &i); err != nil {
				t.Fatalf("pod name %q: %v", p.Name, err)
			}
			fmt.Sscanf(p.Namespace, "ns%d", &ns)
			if ns != i%3 || p.Spec.ServiceAccountName != fmt.Sprintf("sa%d", i) || p.Source != stdinSrc {
				t.Fatalf("pod %s/%s has SA %q source %v: items mixed up", p.Namespace, p.Name, p.Spec.ServiceAccountName, p.Source)
			}
		}
	}
	allNS := []snapshot.Listing{{Kind: snapshot.KindPod, AllNamespaces: true, Source: stdinSrc}}

	t.Run("kubectl List of 1000 pods", func(t *testing.T) {
		s := readStdin(t, `{"apiVersion": "v1", "items": [`+items(1000, true)+`], "kind": "List", "metadata": {"resourceVersion": ""}}`)
		check(t, s, 1000)
		if d := cmp.Diff(file("kubectl:PodList", ""), s.Files); d != "" {
			t.Errorf("Files (-want +got):\n%s", d)
		}
		if d := cmp.Diff(allNS, s.Listings); d != "" {
			t.Errorf("Listings (-want +got):\n%s", d)
		}
	})
	t.Run("typed PodList of 1000 items without kind, kind last", func(t *testing.T) {
		s := readStdin(t, `{"apiVersion": "v1", "items": [`+items(1000, false)+`], "kind": "PodList", "metadata": {}}`)
		check(t, s, 1000)
		if d := cmp.Diff(allNS, s.Listings); d != "" {
			t.Errorf("Listings (-want +got):\n%s", d)
		}
	})
	t.Run("List of 1000 pods cut short", func(t *testing.T) {
		s := readStdin(t, `{"apiVersion": "v1", "items": [`+items(1000, true)+`, {"apiVersion": "v1", "kind": "Pod", "metad`)
		check(t, s, 1000)
		if len(s.Listings) != 0 {
			t.Errorf("Listings = %v, want none from a List cut short", s.Listings)
		}
		if want := "-:1000:172: unexpected end of input: the JSON is cut short (at /items/1000); -: kept the 1000 complete items before the error; this List proves no absence"; s.Files[0].Error != want {
			t.Errorf("Error = %q, want %q", s.Files[0].Error, want)
		}
	})
}
