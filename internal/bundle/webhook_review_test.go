package bundle

import (
	"slices"
	"testing"
)

// The admissionReviewVersions of the pod identity webhook's configuration
// and the image of a self-managed webhook's Deployment are read from
// kubectl YAML and JSON alike (IRSA108; webhook issue #225:
// https://github.com/aws/amazon-eks-pod-identity-webhook/issues/225).
func TestReadWebhookReviewVersionsAndImage(t *testing.T) {
	inputs := map[string]string{
		"yaml": `apiVersion: v1
kind: List
items:
- apiVersion: admissionregistration.k8s.io/v1
  kind: MutatingWebhookConfiguration
  metadata:
    name: pod-identity-webhook
  webhooks:
  - name: pod-identity-webhook.amazonaws.com
    admissionReviewVersions:
    - v1
    - v1beta1
    clientConfig:
      service:
        name: pod-identity-webhook
        namespace: default
        path: /mutate
    failurePolicy: Ignore
    sideEffects: None
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: pod-identity-webhook
    namespace: default
  spec:
    selector:
      matchLabels:
        app: pod-identity-webhook
    template:
      metadata:
        labels:
          app: pod-identity-webhook
      spec:
        containers:
        - name: pod-identity-webhook
          image: amazon/amazon-eks-pod-identity-webhook:v0.5.0
`,
		"json": `{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "metadata": {"name": "pod-identity-webhook"},
   "webhooks": [{"name": "pod-identity-webhook.amazonaws.com", "admissionReviewVersions": ["v1", "v1beta1"],
     "clientConfig": {"service": {"name": "pod-identity-webhook", "namespace": "default", "path": "/mutate"}}, "failurePolicy": "Ignore", "sideEffects": "None"}]},
  {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "pod-identity-webhook", "namespace": "default"},
   "spec": {"selector": {"matchLabels": {"app": "pod-identity-webhook"}}, "template": {"metadata": {"labels": {"app": "pod-identity-webhook"}},
     "spec": {"containers": [{"name": "pod-identity-webhook", "image": "amazon/amazon-eks-pod-identity-webhook:v0.5.0"}]}}}}]}`,
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			s := readStdin(t, in)
			if len(s.Webhooks) != 1 || len(s.Webhooks[0].Webhooks) != 1 {
				t.Fatalf("webhooks: %+v", s.Webhooks)
			}
			if got := s.Webhooks[0].Webhooks[0].AdmissionReviewVersions; !slices.Equal(got, []string{"v1", "v1beta1"}) {
				t.Errorf("admissionReviewVersions = %q, want [v1 v1beta1]", got)
			}
			if len(s.Workloads) != 1 || len(s.Workloads[0].Template.Spec.Containers) != 1 {
				t.Fatalf("workloads: %+v", s.Workloads)
			}
			if got := s.Workloads[0].Template.Spec.Containers[0].Image; got != "amazon/amazon-eks-pod-identity-webhook:v0.5.0" {
				t.Errorf("image = %q", got)
			}
		})
	}
}
