package kube

import (
	"context"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// page is one answer of a paginated List: the items (pointers to typed
// objects) and the continue token of the next page, "" on the last.
type page struct {
	items []any
	cont  string
}

// kind is one resource the collector lists, with the typed client call
// that lists one page of it.
type kind struct {
	// resource is the plural the API and kubectl name it by ("pods").
	resource string
	gvk      schema.GroupVersionKind
	// fact is the snapshot kind a complete List of it proves
	// (docs/contract.md#absence-needs-proof); the six workload kinds share
	// snapshot.KindWorkload.
	fact       snapshot.Kind
	namespaced bool
	list       func(ctx context.Context, cs kubeclient.Interface, ns string, o metav1.ListOptions) (page, error)
}

// ptrs returns pointers to the elements of a typed List's items, so the
// encoder sees each object once without copying it.
func ptrs[T any](items []T) []any {
	out := make([]any, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}

// namespacedKinds are listed once per namespace scope. They are everything
// the checks read about pods and their controllers (snapshot/kube.go);
// Secrets are never listed (STYLE.md "Snapshot").
var namespacedKinds = []kind{
	{resource: "pods", gvk: corev1.SchemeGroupVersion.WithKind("Pod"), fact: snapshot.KindPod, namespaced: true,
		list: func(ctx context.Context, cs kubeclient.Interface, ns string, o metav1.ListOptions) (page, error) {
			l, err := cs.Pods(ns).List(ctx, o)
			if err != nil {
				return page{}, err
			}
			return page{ptrs(l.Items), l.Continue}, nil
		}},
	{resource: "serviceaccounts", gvk: corev1.SchemeGroupVersion.WithKind("ServiceAccount"), fact: snapshot.KindServiceAccount, namespaced: true,
		list: func(ctx context.Context, cs kubeclient.Interface, ns string, o metav1.ListOptions) (page, error) {
			l, err := cs.ServiceAccounts(ns).List(ctx, o)
			if err != nil {
				return page{}, err
			}
			return page{ptrs(l.Items), l.Continue}, nil
		}},
	{resource: "deployments", gvk: appsv1.SchemeGroupVersion.WithKind("Deployment"), fact: snapshot.KindWorkload, namespaced: true,
		list: func(ctx context.Context, cs kubeclient.Interface, ns string, o metav1.ListOptions) (page, error) {
			l, err := cs.Deployments(ns).List(ctx, o)
			if err != nil {
				return page{}, err
			}
			return page{ptrs(l.Items), l.Continue}, nil
		}},
	{resource: "statefulsets", gvk: appsv1.SchemeGroupVersion.WithKind("StatefulSet"), fact: snapshot.KindWorkload, namespaced: true,
		list: func(ctx context.Context, cs kubeclient.Interface, ns string, o metav1.ListOptions) (page, error) {
			l, err := cs.StatefulSets(ns).List(ctx, o)
			if err != nil {
				return page{}, err
			}
			return page{ptrs(l.Items), l.Continue}, nil
		}},
	{resource: "daemonsets", gvk: appsv1.SchemeGroupVersion.WithKind("DaemonSet"), fact: snapshot.KindWorkload, namespaced: true,
		list: func(ctx context.Context, cs kubeclient.Interface, ns string, o metav1.ListOptions) (page, error) {
			l, err := cs.DaemonSets(ns).List(ctx, o)
			if err != nil {
				return page{}, err
			}
			return page{ptrs(l.Items), l.Continue}, nil
		}},
	{resource: "replicasets", gvk: appsv1.SchemeGroupVersion.WithKind("ReplicaSet"), fact: snapshot.KindWorkload, namespaced: true,
		list: func(ctx context.Context, cs kubeclient.Interface, ns string, o metav1.ListOptions) (page, error) {
			l, err := cs.ReplicaSets(ns).List(ctx, o)
			if err != nil {
				return page{}, err
			}
			return page{ptrs(l.Items), l.Continue}, nil
		}},
	{resource: "jobs", gvk: batchv1.SchemeGroupVersion.WithKind("Job"), fact: snapshot.KindWorkload, namespaced: true,
		list: func(ctx context.Context, cs kubeclient.Interface, ns string, o metav1.ListOptions) (page, error) {
			l, err := cs.Jobs(ns).List(ctx, o)
			if err != nil {
				return page{}, err
			}
			return page{ptrs(l.Items), l.Continue}, nil
		}},
	{resource: "cronjobs", gvk: batchv1.SchemeGroupVersion.WithKind("CronJob"), fact: snapshot.KindWorkload, namespaced: true,
		list: func(ctx context.Context, cs kubeclient.Interface, ns string, o metav1.ListOptions) (page, error) {
			l, err := cs.CronJobs(ns).List(ctx, o)
			if err != nil {
				return page{}, err
			}
			return page{ptrs(l.Items), l.Continue}, nil
		}},
}

// clusterKinds are listed once, cluster-wide.
var clusterKinds = []kind{
	{resource: "namespaces", gvk: corev1.SchemeGroupVersion.WithKind("Namespace"), fact: snapshot.KindNamespace,
		list: func(ctx context.Context, cs kubeclient.Interface, _ string, o metav1.ListOptions) (page, error) {
			l, err := cs.Namespaces().List(ctx, o)
			if err != nil {
				return page{}, err
			}
			return page{ptrs(l.Items), l.Continue}, nil
		}},
	{resource: "mutatingwebhookconfigurations", gvk: admissionregistrationv1.SchemeGroupVersion.WithKind("MutatingWebhookConfiguration"), fact: snapshot.KindWebhookConfiguration,
		list: func(ctx context.Context, cs kubeclient.Interface, _ string, o metav1.ListOptions) (page, error) {
			l, err := cs.MutatingWebhookConfigurations().List(ctx, o)
			if err != nil {
				return page{}, err
			}
			return page{ptrs(l.Items), l.Continue}, nil
		}},
	// Nodes tell where IMDS answers a pod and where EKS Pod Identity runs
	// (compute type, OS, the EC2 instance of providerID): IRSA407, IRSA405.
	{resource: "nodes", gvk: corev1.SchemeGroupVersion.WithKind("Node"), fact: snapshot.KindNode,
		list: func(ctx context.Context, cs kubeclient.Interface, _ string, o metav1.ListOptions) (page, error) {
			l, err := cs.Nodes().List(ctx, o)
			if err != nil {
				return page{}, err
			}
			return page{ptrs(l.Items), l.Continue}, nil
		}},
}

// workloadKinds counts the namespaced kinds whose Lists together make a
// snapshot.KindWorkload listing.
var workloadKinds = func() int {
	n := 0
	for _, k := range namespacedKinds {
		if k.fact == snapshot.KindWorkload {
			n++
		}
	}
	return n
}()

// namespaceGVK is the kind of a namespace fetched with Get, when the
// cluster-wide List is forbidden.
var namespaceGVK = corev1.SchemeGroupVersion.WithKind("Namespace")
