package serve

import (
	"context"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
)

// newInformer is the informer client-go's informer factory gives for w's
// resource in every namespace, without resync (informers/core/v1/pod.go
// and the others): the same ListWatch, object type, namespace index and
// identifier, on kubeclient, because the factory imports client-go's
// clientset (internal/kubeclient says why not).
func newInformer(k kubeclient.Interface, w watched) (cache.SharedIndexInformer, error) {
	var (
		lw  *cache.ListWatch
		obj runtime.Object
	)
	switch w.resource {
	case "pods":
		lw, obj = listWatch[*corev1.Pod, *corev1.PodList](k.Pods(metav1.NamespaceAll)), &corev1.Pod{}
	case "serviceaccounts":
		lw, obj = listWatch[*corev1.ServiceAccount, *corev1.ServiceAccountList](k.ServiceAccounts(metav1.NamespaceAll)), &corev1.ServiceAccount{}
	case "deployments":
		lw, obj = listWatch(k.Deployments(metav1.NamespaceAll)), &appsv1.Deployment{}
	case "statefulsets":
		lw, obj = listWatch(k.StatefulSets(metav1.NamespaceAll)), &appsv1.StatefulSet{}
	case "daemonsets":
		lw, obj = listWatch(k.DaemonSets(metav1.NamespaceAll)), &appsv1.DaemonSet{}
	case "replicasets":
		lw, obj = listWatch(k.ReplicaSets(metav1.NamespaceAll)), &appsv1.ReplicaSet{}
	case "jobs":
		lw, obj = listWatch(k.Jobs(metav1.NamespaceAll)), &batchv1.Job{}
	case "cronjobs":
		lw, obj = listWatch(k.CronJobs(metav1.NamespaceAll)), &batchv1.CronJob{}
	case "namespaces":
		lw, obj = listWatch(k.Namespaces()), &corev1.Namespace{}
	case "mutatingwebhookconfigurations":
		lw, obj = listWatch(k.MutatingWebhookConfigurations()), &admissionregistrationv1.MutatingWebhookConfiguration{}
	case "nodes":
		lw, obj = listWatch(k.Nodes()), &corev1.Node{}
	default:
		return nil, fmt.Errorf("no informer found for %v", w.gvk.GroupVersion().WithResource(w.resource))
	}
	gvr := w.gvk.GroupVersion().WithResource(w.resource)
	return cache.NewSharedIndexInformerWithOptions(cache.ToListWatcherWithWatchListSemantics(lw, k), obj,
		cache.SharedIndexInformerOptions{
			Indexers:   cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc},
			Identifier: (*cache.InformerName)(nil).WithResource(gvr),
		}), nil
}

func listWatch[T, L runtime.Object](l kubeclient.Lister[T, L]) *cache.ListWatch {
	// The factory's informers also set ListFunc and WatchFunc, which the
	// reflector never calls when these are set.
	return &cache.ListWatch{
		ListWithContextFunc:  func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return l.List(ctx, o) },
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) { return l.Watch(ctx, o) },
	}
}
