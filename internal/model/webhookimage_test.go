package model

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestImageOf(t *testing.T) {
	url := "https://127.0.0.1:23443/mutate"
	svc := &snapshot.ServiceReference{Namespace: "default", Name: "pod-identity-webhook"}
	src := snapshot.Source{Kind: "bundle", Ref: "deployments.json"}
	wl := func(kind, ns, image string) *snapshot.Workload {
		return &snapshot.Workload{Kind: kind, ObjectMeta: snapshot.ObjectMeta{Namespace: ns, Name: "pod-identity-webhook"}, Source: src,
			Template: snapshot.PodTemplate{Spec: snapshot.PodSpec{Containers: []snapshot.Container{{Name: "webhook", Image: image}}}}}
	}
	const img = "amazon/amazon-eks-pod-identity-webhook:v0.5.0"
	tests := []struct {
		name string
		cc   snapshot.WebhookClientConfig
		wls  []*snapshot.Workload
		want WebhookImage
	}{
		{"EKS-managed: URL, image unknowable", snapshot.WebhookClientConfig{URL: &url}, []*snapshot.Workload{wl("Deployment", "default", img)}, WebhookImage{Managed: true}},
		{"Deployment in the service's namespace", snapshot.WebhookClientConfig{Service: svc}, []*snapshot.Workload{wl("Deployment", "default", img)},
			WebhookImage{Image: img, Source: src, Workload: "Deployment default/pod-identity-webhook"}},
		{"DaemonSet in kube-system", snapshot.WebhookClientConfig{Service: svc}, []*snapshot.Workload{wl("DaemonSet", "kube-system", img)},
			WebhookImage{Image: img, Source: src, Workload: "DaemonSet kube-system/pod-identity-webhook"}},
		{"other namespace or image: not found", snapshot.WebhookClientConfig{Service: svc},
			[]*snapshot.Workload{wl("Deployment", "tools", img), wl("Deployment", "default", "nginx:1.27")}, WebhookImage{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := snapshot.New("offline")
			s.Workloads = tt.wls
			cfg := &snapshot.WebhookConfiguration{ObjectMeta: snapshot.ObjectMeta{Name: "pod-identity-webhook"},
				Webhooks: []snapshot.MutatingWebhook{{Name: "pod-identity-webhook.amazonaws.com", ClientConfig: tt.cc}}}
			if got := ImageOf(s, IdentifiedHook{Cfg: cfg, Hook: &cfg.Webhooks[0]}); got != tt.want {
				t.Errorf("ImageOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}
