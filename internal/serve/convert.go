package serve

import (
	"encoding/json"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// watched is one kind serve watches: scan's kinds (internal/collect/kube
// kinds.go), every namespace.
type watched struct {
	resource string
	gvk      schema.GroupVersionKind
}

var watchedKinds = []watched{
	{"pods", corev1.SchemeGroupVersion.WithKind("Pod")},
	{"serviceaccounts", corev1.SchemeGroupVersion.WithKind("ServiceAccount")},
	{"deployments", appsv1.SchemeGroupVersion.WithKind("Deployment")},
	{"statefulsets", appsv1.SchemeGroupVersion.WithKind("StatefulSet")},
	{"daemonsets", appsv1.SchemeGroupVersion.WithKind("DaemonSet")},
	{"replicasets", appsv1.SchemeGroupVersion.WithKind("ReplicaSet")},
	{"jobs", batchv1.SchemeGroupVersion.WithKind("Job")},
	{"cronjobs", batchv1.SchemeGroupVersion.WithKind("CronJob")},
	{"namespaces", corev1.SchemeGroupVersion.WithKind("Namespace")},
	{"mutatingwebhookconfigurations", admissionregistrationv1.SchemeGroupVersion.WithKind("MutatingWebhookConfiguration")},
	{"nodes", corev1.SchemeGroupVersion.WithKind("Node")},
}

// Convert turns a typed object of kind gvk into the fact a scan's capture
// of it gives: encoded as kubectl prints it (apiVersion and kind set,
// managedFields dropped, credentials redacted: bundle.Redact) and decoded
// by the bundle's own decoder (bundle.DecodeKubeObject).
func Convert(obj runtime.Object, gvk schema.GroupVersionKind, src snapshot.Source) (any, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("convert %s: %w", gvk.Kind, err)
	}
	m["apiVersion"] = gvk.GroupVersion().String()
	m["kind"] = gvk.Kind
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "managedFields")
	}
	bundle.Redact(m)
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", gvk.Kind, err)
	}
	return bundle.DecodeKubeObject(raw, src)
}

// Transform is the informers' transform (cache.SharedIndexInformer
// SetTransform): it drops, before an object enters the cache, what no
// check reads: managedFields, and the status fields but those of pods
// (phase, start time, conditions, restart counts) and nodes (conditions,
// system info). A cluster of 10,000 pods keeps a tenth of the bytes.
func Transform(obj any) (any, error) {
	if a, err := meta.Accessor(obj); err == nil {
		a.SetManagedFields(nil)
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		st := corev1.PodStatus{Phase: o.Status.Phase, StartTime: o.Status.StartTime, Conditions: o.Status.Conditions}
		for _, cs := range o.Status.ContainerStatuses {
			st.ContainerStatuses = append(st.ContainerStatuses, corev1.ContainerStatus{Name: cs.Name, RestartCount: cs.RestartCount})
		}
		o.Status = st
	case *corev1.Node:
		o.Status = corev1.NodeStatus{Conditions: o.Status.Conditions, NodeInfo: corev1.NodeSystemInfo{
			OperatingSystem: o.Status.NodeInfo.OperatingSystem, Architecture: o.Status.NodeInfo.Architecture,
			KubeletVersion: o.Status.NodeInfo.KubeletVersion, OSImage: o.Status.NodeInfo.OSImage}}
	case *corev1.Namespace:
		o.Status = corev1.NamespaceStatus{}
	case *appsv1.Deployment:
		o.Status = appsv1.DeploymentStatus{}
	case *appsv1.StatefulSet:
		o.Status = appsv1.StatefulSetStatus{}
	case *appsv1.DaemonSet:
		o.Status = appsv1.DaemonSetStatus{}
	case *appsv1.ReplicaSet:
		o.Status = appsv1.ReplicaSetStatus{}
	case *batchv1.Job:
		o.Status = batchv1.JobStatus{}
	case *batchv1.CronJob:
		o.Status = batchv1.CronJobStatus{}
	}
	return obj, nil
}
