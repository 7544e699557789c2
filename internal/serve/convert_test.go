package serve

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestConvertRedacts: a watched pod becomes the fact scan's capture of it
// gives: credentials redacted, the AWS SDK's settings kept.
func TestConvertRedacts(t *testing.T) {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "payments", Name: "api", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}},
		Spec: corev1.PodSpec{ServiceAccountName: "s3-reader", Containers: []corev1.Container{{Name: "app", Image: "app:1",
			Env: []corev1.EnvVar{{Name: "AWS_REGION", Value: "us-west-2"}, {Name: "DB_PASSWORD", Value: "hunter2"}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
	src := snapshot.Source{Kind: "kube", Ref: "watch pods -A"}
	got, err := Convert(p, corev1.SchemeGroupVersion.WithKind("Pod"), src)
	if err != nil {
		t.Fatal(err)
	}
	pod, ok := got.(*snapshot.Pod)
	if !ok {
		t.Fatalf("converted to %T, want *snapshot.Pod", got)
	}
	env := pod.Spec.Containers[0].Env
	if len(env) != 2 || env[0].Value != "us-west-2" || env[1].Value != bundle.RedactedValue {
		t.Errorf("env %+v, want AWS_REGION kept and DB_PASSWORD redacted", env)
	}
	if pod.Status.Phase != "Running" || pod.Spec.ServiceAccount() != "s3-reader" || pod.Source != src {
		t.Errorf("pod %+v", pod)
	}
}

// TestTransform: what enters the informers' cache keeps what the checks
// read of a pod's status, and nothing of a workload's.
func TestTransform(t *testing.T) {
	start := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "api", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubelet"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &start, PodIP: "10.0.0.1", Message: "m",
			Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "app", RestartCount: 3, Image: "app:1", ImageID: "sha256:x"}}},
	}
	if _, err := Transform(p); err != nil {
		t.Fatal(err)
	}
	if p.ManagedFields != nil || p.Status.PodIP != "" || p.Status.Message != "" || p.Status.Phase != corev1.PodRunning ||
		p.Status.StartTime != &start || len(p.Status.Conditions) != 1 ||
		len(p.Status.ContainerStatuses) != 1 || p.Status.ContainerStatuses[0].RestartCount != 3 || p.Status.ContainerStatuses[0].ImageID != "" {
		t.Errorf("transformed pod status %+v", p.Status)
	}
	d := &appsv1.Deployment{Status: appsv1.DeploymentStatus{Replicas: 3, Conditions: []appsv1.DeploymentCondition{{Type: "Available"}}}}
	if _, err := Transform(d); err != nil {
		t.Fatal(err)
	}
	if d.Status.Replicas != 0 || d.Status.Conditions != nil {
		t.Errorf("transformed deployment status %+v", d.Status)
	}
}
