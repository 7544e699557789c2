package clientset

import (
	"context"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	kube "github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
)

// Wrap returns cs as a kubeclient.Interface.
func Wrap(cs kubernetes.Interface) kube.Interface { return wrapped{cs} }

type wrapped struct{ cs kubernetes.Interface }

func (w wrapped) Pods(ns string) kube.PodClient { return w.cs.CoreV1().Pods(ns) }
func (w wrapped) ServiceAccounts(ns string) kube.ServiceAccountClient {
	return w.cs.CoreV1().ServiceAccounts(ns)
}
func (w wrapped) ConfigMaps(ns string) kube.Lister[*corev1.ConfigMap, *corev1.ConfigMapList] {
	return w.cs.CoreV1().ConfigMaps(ns)
}
func (w wrapped) Namespaces() kube.Lister[*corev1.Namespace, *corev1.NamespaceList] {
	return w.cs.CoreV1().Namespaces()
}
func (w wrapped) Nodes() kube.Lister[*corev1.Node, *corev1.NodeList] { return w.cs.CoreV1().Nodes() }
func (w wrapped) Deployments(ns string) kube.Lister[*appsv1.Deployment, *appsv1.DeploymentList] {
	return w.cs.AppsV1().Deployments(ns)
}
func (w wrapped) StatefulSets(ns string) kube.Lister[*appsv1.StatefulSet, *appsv1.StatefulSetList] {
	return w.cs.AppsV1().StatefulSets(ns)
}
func (w wrapped) DaemonSets(ns string) kube.Lister[*appsv1.DaemonSet, *appsv1.DaemonSetList] {
	return w.cs.AppsV1().DaemonSets(ns)
}
func (w wrapped) ReplicaSets(ns string) kube.Lister[*appsv1.ReplicaSet, *appsv1.ReplicaSetList] {
	return w.cs.AppsV1().ReplicaSets(ns)
}
func (w wrapped) Jobs(ns string) kube.Lister[*batchv1.Job, *batchv1.JobList] {
	return w.cs.BatchV1().Jobs(ns)
}
func (w wrapped) CronJobs(ns string) kube.Lister[*batchv1.CronJob, *batchv1.CronJobList] {
	return w.cs.BatchV1().CronJobs(ns)
}
func (w wrapped) MutatingWebhookConfigurations() kube.Lister[*admissionregistrationv1.MutatingWebhookConfiguration, *admissionregistrationv1.MutatingWebhookConfigurationList] {
	return w.cs.AdmissionregistrationV1().MutatingWebhookConfigurations()
}
func (w wrapped) Leases(ns string) kube.LeaseClient { return w.cs.CoordinationV1().Leases(ns) }
func (w wrapped) Events(ns string) kube.EventClient { return w.cs.EventsV1().Events(ns) }

func (w wrapped) ServerVersion(ctx context.Context) (*version.Info, error) {
	return discovery.ToServerVersionInterfaceWithContext(w.cs.Discovery()).ServerVersionWithContext(ctx)
}

// Endpoint is the URL (scheme and host) behind a real clientset, "" behind
// the fake.
func (w wrapped) Endpoint() string {
	d := w.cs.Discovery()
	if dc, ok := d.(*discovery.DiscoveryClient); d == nil || ok && dc == nil {
		return ""
	}
	rc, ok := d.RESTClient().(*rest.RESTClient)
	if !ok || rc == nil {
		return ""
	}
	u := rc.Get().URL()
	return u.Scheme + "://" + u.Host
}
