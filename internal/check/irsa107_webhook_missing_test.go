package check

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA107(t *testing.T) {
	unlisted := func(s *snapshot.Snapshot) {
		var keep []snapshot.Listing
		for _, l := range s.Listings {
			if l.Kind != snapshot.KindWebhookConfiguration {
				keep = append(keep, l)
			}
		}
		s.Listings = keep
	}
	tests := []struct {
		name  string
		snap  func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{
			name: "present",
			want: []string{
				"IRSA107 pass MutatingWebhookConfiguration pod-identity-webhook: MutatingWebhookConfiguration pod-identity-webhook is present (webhook iam-for-pods.amazonaws.com)",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")}
				s.Workloads = []*snapshot.Workload{whDeployment()}
			},
		},
		{
			name: "identified by the upstream webhook name",
			want: []string{
				"IRSA107 pass MutatingWebhookConfiguration irsa-webhook: MutatingWebhookConfiguration irsa-webhook is present (webhook pod-identity-webhook.amazonaws.com)",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Webhooks[0].Name = "irsa-webhook"
				s.Webhooks[0].Webhooks[0].Name = "pod-identity-webhook.amazonaws.com"
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")}
			},
		},
		{
			name: "listed and missing",
			want: []string{
				"IRSA107 fail MutatingWebhookConfiguration pod-identity-webhook: no MutatingWebhookConfiguration is named pod-identity-webhook or has a webhook named iam-for-pods.amazonaws.com or pod-identity-webhook.amazonaws.com: the API server calls no webhook to inject IRSA credentials into new pods\n  evidence: bundle mutatingwebhookconfigurations.json: MutatingWebhookConfigurations listed: vpc-resource-mutating-webhook\n  evidence: bundle deployments.json: affects Deployment payments/api\n  evidence: bundle pods.json: affects Pod payments/api-7d9f8b6c5-x2k4p",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Webhooks = s.Webhooks[1:]
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")}
				s.Workloads = []*snapshot.Workload{whDeployment()}
			},
		},
		{
			name: "empty list",
			want: []string{
				"IRSA107 fail MutatingWebhookConfiguration pod-identity-webhook: no MutatingWebhookConfiguration is named pod-identity-webhook or has a webhook named iam-for-pods.amazonaws.com or pod-identity-webhook.amazonaws.com: the API server calls no webhook to inject IRSA credentials into new pods",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Webhooks = nil
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")}
			},
			heads: true,
		},
		{
			name: "missing, proven by kubectl's NotFound",
			want: []string{
				"IRSA107 fail MutatingWebhookConfiguration pod-identity-webhook: no MutatingWebhookConfiguration is named pod-identity-webhook or has a webhook named iam-for-pods.amazonaws.com or pod-identity-webhook.amazonaws.com: the API server calls no webhook to inject IRSA credentials into new pods\n  evidence: bundle pod-identity-webhook.txt: Error from server (NotFound): mutatingwebhookconfigurations.admissionregistration.k8s.io \"pod-identity-webhook\" not found\n  evidence: bundle pods.json: affects Pod payments/api-7d9f8b6c5-x2k4p",
			},
			snap: func(s *snapshot.Snapshot) {
				unlisted(s)
				s.Webhooks = s.Webhooks[1:]
				s.NotFounds = []snapshot.NotFound{{Kind: snapshot.KindWebhookConfiguration, Name: "pod-identity-webhook",
					Message: `Error from server (NotFound): mutatingwebhookconfigurations.admissionregistration.k8s.io "pod-identity-webhook" not found`,
					Source:  snapshot.Source{Kind: "bundle", Ref: "pod-identity-webhook.txt"}}}
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")}
			},
		},
		{
			name: "not listed: absence is not proven",
			want: []string{
				"IRSA107 skipped MutatingWebhookConfiguration pod-identity-webhook: the input holds MutatingWebhookConfigurations (vpc-resource-mutating-webhook) but not their complete list, which proving pod-identity-webhook absent needs (capture: kubectl get mutatingwebhookconfigurations -o json)\n  evidence: bundle pods.json: affects Pod payments/api-7d9f8b6c5-x2k4p",
			},
			snap: func(s *snapshot.Snapshot) {
				unlisted(s)
				s.Webhooks = s.Webhooks[1:]
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")}
			},
		},
		{
			name: "no configurations in the input",
			want: []string{
				"IRSA107 skipped MutatingWebhookConfiguration pod-identity-webhook: the input has no MutatingWebhookConfigurations (capture: kubectl get mutatingwebhookconfigurations -o json)\n  evidence: bundle pods.json: affects Pod payments/api-7d9f8b6c5-x2k4p",
			},
			snap: func(s *snapshot.Snapshot) {
				unlisted(s)
				s.Webhooks = nil
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")}
			},
		},
		{
			name: "service account not in the input: the pod's intent is the need",
			want: []string{
				"IRSA107 fail MutatingWebhookConfiguration pod-identity-webhook: no MutatingWebhookConfiguration is named pod-identity-webhook or has a webhook named iam-for-pods.amazonaws.com or pod-identity-webhook.amazonaws.com: the API server calls no webhook to inject IRSA credentials into new pods",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Webhooks = s.Webhooks[1:]
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", func(p *snapshot.Pod) {
					p.Spec.ServiceAccountName = "ghost"
					p.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: "AWS_ROLE_ARN", Value: whRole}}
				})}
				s.Listings = s.Listings[1:]
			},
			heads: true,
		},
		{
			name: "mutated pod of an absent template: the volume proves the webhook ran",
			want: nil,
			snap: func(s *snapshot.Snapshot) {
				s.Webhooks = s.Webhooks[1:]
				s.ServiceAccounts = map[string]*snapshot.ServiceAccount{}
				s.Listings = s.Listings[1:]
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", whMutated)}
			},
		},
		{
			name: "mutated pods prove the webhook ran",
			want: nil,
			snap: func(s *snapshot.Snapshot) {
				s.Webhooks = s.Webhooks[1:]
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", whMutated)}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := whRender(t, whSnapshot(tt.snap), model.Selector{}, irsa107)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}
